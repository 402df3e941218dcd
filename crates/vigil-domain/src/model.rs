//! The records Vigil keeps (after HURIDOCS Events: who did what to whom), the input
//! forms that create them, and the redaction that hides sensitive fields from roles
//! that may not see them.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::DomainError;

pub type Id = i64;

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.code()) }
        }
        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(DomainError::Unknown { what: $what, value: s.to_owned() }),
                }
            }
        }
    };
}

code_enum!(
    /// How precisely a date is known.
    Precision, "date precision" { Day = "day", Month = "month", Year = "year" }
);

code_enum!(
    /// Where an incident stands in verification.
    IncidentStatus, "incident status" {
        Reported = "reported",
        UnderVerification = "under_verification",
        Verified = "verified",
        Unverifiable = "unverifiable",
        Rejected = "rejected",
    }
);

code_enum!(
    /// Consent to publish: never, only inside aggregate counts, or by name.
    PublishConsent, "publication consent" { No = "no", AggregateOnly = "aggregate_only", Named = "named" }
);

code_enum!(
    /// What part a person plays in Vigil's records.
    PersonKind, "person kind" {
        Defender = "defender",
        Relative = "relative",
        Witness = "witness",
        Perpetrator = "perpetrator",
    }
);

impl IncidentStatus {
    /// Status changes allowed on an existing incident. Terminal states can be
    /// reopened for verification; nothing jumps straight from `reported` to a verdict.
    pub fn can_become(self, to: IncidentStatus) -> bool {
        use IncidentStatus::*;
        self == to
            || matches!(
                (self, to),
                (Reported, UnderVerification)
                    | (Reported, Rejected)
                    | (UnderVerification, Reported)
                    | (UnderVerification, Verified)
                    | (UnderVerification, Unverifiable)
                    | (UnderVerification, Rejected)
                    | (Verified, UnderVerification)
                    | (Unverifiable, UnderVerification)
                    | (Rejected, UnderVerification)
            )
    }
}

impl PersonKind {
    /// Prefix of the pseudonymous code shown instead of a name.
    pub fn code_prefix(self) -> &'static str {
        match self {
            PersonKind::Defender => "HRD",
            PersonKind::Relative => "REL",
            PersonKind::Witness => "WIT",
            PersonKind::Perpetrator => "PRP",
        }
    }
}

/// Prefix of group codes.
pub const GROUP_CODE_PREFIX: &str = "GRP";

/// A pseudonymous code such as `HRD-2019-0113`.
pub fn format_code(prefix: &str, year: i32, n: i64) -> String {
    format!("{prefix}-{year}-{n:04}")
}

/// A date known to the day, the month or the year. For month and year precision the
/// stored date is the first day of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    pub date: NaiveDate,
    pub precision: Precision,
}

impl PartialDate {
    pub fn day(date: NaiveDate) -> Self {
        Self {
            date,
            precision: Precision::Day,
        }
    }

    pub fn year(&self) -> i32 {
        self.date.year()
    }

    /// The last day the date may stand for (end of month or year when imprecise).
    pub fn latest(&self) -> NaiveDate {
        let d = self.date;
        match self.precision {
            Precision::Day => d,
            Precision::Month => {
                let (y, m) = if d.month() == 12 {
                    (d.year() + 1, 1)
                } else {
                    (d.year(), d.month() + 1)
                };
                NaiveDate::from_ymd_opt(y, m, 1)
                    .and_then(|n| n.pred_opt())
                    .unwrap_or(d)
            }
            Precision::Year => NaiveDate::from_ymd_opt(d.year(), 12, 31).unwrap_or(d),
        }
    }

    /// Build from a stored ISO date and precision code.
    pub fn from_parts(date: &str, precision: &str) -> Option<Self> {
        Some(Self {
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
            precision: precision.parse().ok()?,
        })
    }

    /// The stored ISO date (`YYYY-MM-DD`).
    pub fn iso(&self) -> String {
        self.date.format("%Y-%m-%d").to_string()
    }
}

impl fmt::Display for PartialDate {
    /// `2024-03-15`, `2024-03` or `2024`: the precision shows in the form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.precision {
            Precision::Day => write!(f, "{}", self.date.format("%Y-%m-%d")),
            Precision::Month => write!(f, "{}", self.date.format("%Y-%m")),
            Precision::Year => write!(f, "{}", self.date.format("%Y")),
        }
    }
}

impl FromStr for PartialDate {
    type Err = DomainError;
    /// Accepts `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; the form gives the precision.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bad = || DomainError::Unknown {
            what: "date",
            value: s.to_owned(),
        };
        let parts: Vec<&str> = s.split('-').collect();
        let num = |p: &str, len: usize| -> Result<u32, DomainError> {
            if p.len() == len && p.chars().all(|c| c.is_ascii_digit()) {
                p.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let (y, m, d, precision) = match parts.as_slice() {
            [y] => (num(y, 4)?, 1, 1, Precision::Year),
            [y, m] => (num(y, 4)?, num(m, 2)?, 1, Precision::Month),
            [y, m, d] => (num(y, 4)?, num(m, 2)?, num(d, 2)?, Precision::Day),
            _ => return Err(bad()),
        };
        let date =
            NaiveDate::from_ymd_opt(i32::try_from(y).map_err(|_| bad())?, m, d).ok_or_else(bad)?;
        Ok(Self { date, precision })
    }
}

impl Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for PartialDate {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^\d{4}(-\d{2}(-\d{2})?)?$"))
            .description(Some(
                "A date known to the day (YYYY-MM-DD), the month (YYYY-MM) or the year (YYYY).",
            ))
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for PartialDate {}

/// Coordinates (sensitive).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

/// Who suffered a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum VictimRef {
    Person(Id),
    Group(Id),
}

// ---------------------------------------------------------------- inputs

/// What a documenter submits to create or edit an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentInput {
    pub title: String,
    #[serde(default)]
    pub narrative: String,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub start_date: String,
    #[serde(default)]
    pub end_date: String,
    /// A country code or name; stored as ISO 3166-1 alpha-2.
    pub country: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub locality: String,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    #[serde(default)]
    pub business_sector: String,
    pub status: Option<IncidentStatus>,
    /// Reason an administrator verified without two independent sources.
    #[serde(default)]
    pub verification_override: String,
    #[serde(default)]
    pub external_id: String,
    #[serde(default)]
    pub violations: Vec<ViolationInput>,
    #[serde(default)]
    pub sources: Vec<SourceInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViolationInput {
    pub violation_type: String,
    pub victim: Option<VictimRef>,
    /// Empty means "the incident's start date".
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub reprisal_un: bool,
    #[serde(default)]
    pub perpetrators: Vec<PerpetratorInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PerpetratorInput {
    pub perpetrator_type: String,
    #[serde(default)]
    pub person_id: Option<Id>,
    #[serde(default)]
    pub group_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceInput {
    pub source_type: String,
    pub reliability: String,
    /// Who or what the information comes from; two sources with different origins
    /// are independent.
    pub origin: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonInput {
    pub kind: PersonKind,
    #[serde(default)]
    pub legal_name: String,
    #[serde(default)]
    pub contacts: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub birth_year: Option<i32>,
    #[serde(default)]
    pub characteristics: Vec<String>,
    #[serde(default)]
    pub sectors: Vec<String>,
    #[serde(default)]
    pub sdg_group: String,
    #[serde(default)]
    pub memberships: Vec<Id>,
    #[serde(default = "yes")]
    pub consent_record: bool,
    #[serde(default)]
    pub consent_share: bool,
    pub consent_publish: PublishConsent,
    #[serde(default)]
    pub external_id: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupInput {
    pub name: String,
    pub group_type: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub description: String,
}

// ---------------------------------------------------------------- records

/// A short reference to a person or group, as shown beside a violation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyRef {
    pub victim: VictimRef,
    pub code: String,
    /// The legal name (persons) or name (groups); `None` when the reader may not see it.
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Perpetrator {
    pub perpetrator_type: String,
    pub person: Option<PartyRef>,
    pub group: Option<PartyRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Violation {
    pub id: Id,
    pub incident_id: Id,
    pub violation_type: String,
    pub victim: PartyRef,
    pub date: PartialDate,
    pub outcome: String,
    pub reprisal_un: bool,
    pub perpetrators: Vec<Perpetrator>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Source {
    pub id: Id,
    pub incident_id: Id,
    pub source_type: String,
    pub reliability: String,
    pub origin: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incident {
    pub id: Id,
    pub external_id: Option<String>,
    pub title: String,
    /// Sensitive: `None` when the reader may not see it.
    pub narrative: Option<String>,
    pub start: PartialDate,
    pub end: Option<PartialDate>,
    pub country: String,
    pub region: String,
    pub locality: String,
    /// Sensitive: `None` when absent or when the reader may not see it.
    pub coordinates: Option<Coordinates>,
    pub business_sector: Option<String>,
    pub status: IncidentStatus,
    pub verification_override: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub violations: Vec<Violation>,
    pub sources: Vec<Source>,
    /// True when sensitive fields were removed for this reader.
    pub redacted: bool,
}

/// One row of an incident list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentSummary {
    pub id: Id,
    pub title: String,
    pub start: PartialDate,
    pub country: String,
    pub region: String,
    pub status: IncidentStatus,
    pub violation_types: Vec<String>,
    pub victim_count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: Id,
    pub code: String,
    pub kind: PersonKind,
    /// Sensitive fields: `None` when the reader may not see them.
    pub legal_name: Option<String>,
    pub contacts: Option<String>,
    pub address: Option<String>,
    pub sex: Option<String>,
    pub birth_year: Option<i32>,
    pub characteristics: Vec<String>,
    pub sectors: Vec<String>,
    pub sdg_group: Option<String>,
    pub memberships: Vec<PartyRef>,
    pub consent_record: bool,
    pub consent_share: bool,
    pub consent_publish: PublishConsent,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub redacted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    pub id: Id,
    pub code: String,
    pub name: String,
    pub group_type: String,
    pub country: Option<String>,
    pub description: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A violation seen from its victim's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VictimViolation {
    pub violation_id: Id,
    pub incident_id: Id,
    pub incident_title: String,
    pub violation_type: String,
    pub date: PartialDate,
    pub country: String,
    pub status: IncidentStatus,
}

/// One saved version of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Version {
    pub entity: String,
    pub entity_id: Id,
    pub version: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<Id>,
    pub username: Option<String>,
    /// Names of the fields that changed from the previous version.
    pub changed: Vec<String>,
}

impl Incident {
    /// Remove what a reader without `ReadSensitive` may not see.
    pub fn redact(&mut self) {
        self.narrative = None;
        self.coordinates = None;
        // A source's origin often names a relative or a witness.
        for s in &mut self.sources {
            s.origin.clear();
            s.description.clear();
        }
        for v in &mut self.violations {
            v.victim.redact();
            for p in &mut v.perpetrators {
                if let Some(r) = p.person.as_mut() {
                    r.redact();
                }
            }
        }
        self.redacted = true;
    }
}

impl PartyRef {
    /// Persons are shown by code only; group names are not sensitive.
    pub fn redact(&mut self) {
        if matches!(self.victim, VictimRef::Person(_)) {
            self.name = None;
        }
    }

    /// What to show: the name when visible, else the code.
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.code)
    }
}

impl Person {
    pub fn redact(&mut self) {
        self.legal_name = None;
        self.contacts = None;
        self.address = None;
        self.redacted = true;
    }
}

/// Independent sources: distinct origins, compared without case or surrounding space.
pub fn independent_sources<'a>(origins: impl IntoIterator<Item = &'a str>) -> usize {
    let mut seen: Vec<String> = Vec::new();
    for o in origins {
        let n = o.trim().to_lowercase();
        if !n.is_empty() && !seen.contains(&n) {
            seen.push(n);
        }
    }
    seen.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_parse_with_precision() {
        let d: PartialDate = "2019-07-04".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(d.precision, Precision::Day);
        let m: PartialDate = "2019-07".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(
            (m.precision, m.iso()),
            (Precision::Month, "2019-07-01".into())
        );
        assert_eq!(m.latest().to_string(), "2019-07-31");
        let y: PartialDate = "2019".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(
            (y.precision, y.to_string()),
            (Precision::Year, "2019".into())
        );
        assert_eq!(y.latest().to_string(), "2019-12-31");
        for bad in [
            "",
            "19",
            "2019-7",
            "2019-13",
            "2019-02-30",
            "x",
            "2019-01-01-01",
        ] {
            assert!(bad.parse::<PartialDate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn status_transitions_follow_the_verification_path() {
        use IncidentStatus::*;
        assert!(Reported.can_become(UnderVerification));
        assert!(UnderVerification.can_become(Verified));
        assert!(!Reported.can_become(Verified));
        assert!(Verified.can_become(UnderVerification));
        assert!(!Rejected.can_become(Verified));
    }

    #[test]
    fn independence_counts_distinct_origins() {
        assert_eq!(independent_sources(["Radio X", "radio x ", "Brother"]), 2);
        assert_eq!(independent_sources(["", " "]), 0);
    }

    #[test]
    fn codes_are_padded() {
        assert_eq!(format_code("HRD", 2019, 113), "HRD-2019-0113");
    }
}
