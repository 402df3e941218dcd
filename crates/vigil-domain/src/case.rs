//! Protection cases (DESIGN.md §4, issue 6): the response for a person or group at
//! risk — its status and owner, the incidents it answers, dated risk assessments and
//! typed actions with assignees, due dates and outcomes — and the timeline that merges
//! them in date order.
//!
//! Inputs are validated here, without I/O; the store checks what needs the database
//! (that the subject, the incidents and the users exist and may be seen).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{Id, VictimRef};
use crate::validate::FieldErrors;

/// Longest title, summary or free text accepted (characters).
pub const MAX_TITLE: usize = 300;
pub const MAX_TEXT: usize = 20_000;

macro_rules! case_enum {
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

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(crate::DomainError::Unknown { what: $what, value: s.to_owned() }),
                }
            }
        }
    };
}

case_enum!(
    /// Where a case stands. `closed` needs a reason.
    CaseStatus, "case status" {
        Open = "open",
        Monitoring = "monitoring",
        Closed = "closed",
    }
);

case_enum!(
    /// The outcome of a risk assessment, lowest first (so `Ord` ranks them).
    RiskLevel, "risk level" {
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
);

case_enum!(
    /// What a protection action is.
    ActionKind, "action type" {
        UrgentAppeal = "urgent_appeal",
        LetterToAuthorities = "letter_to_authorities",
        UnCommunication = "un_communication",
        EmbassyContact = "embassy_contact",
        TrialObservation = "trial_observation",
        LegalAid = "legal_aid",
        Relocation = "relocation",
        Medical = "medical",
        PsychosocialSupport = "psychosocial_support",
        SecurityMeasures = "security_measures",
        EmergencyGrant = "emergency_grant",
    }
);

case_enum!(
    /// Where an action stands. `planned` and `in_progress` are still to do.
    ActionStatus, "action status" {
        Planned = "planned",
        InProgress = "in_progress",
        Done = "done",
        Cancelled = "cancelled",
    }
);

impl RiskLevel {
    /// 1 (low) to 4 (critical), for ordering in SQL.
    pub fn rank(self) -> i64 {
        match self {
            RiskLevel::Low => 1,
            RiskLevel::Medium => 2,
            RiskLevel::High => 3,
            RiskLevel::Critical => 4,
        }
    }
}

impl ActionKind {
    /// Grants and security measures cost money: they carry an amount and a currency.
    pub fn carries_amount(self) -> bool {
        matches!(
            self,
            ActionKind::EmergencyGrant | ActionKind::SecurityMeasures
        )
    }
}

impl ActionStatus {
    /// Still to be done (counted as due or overdue).
    pub fn pending(self) -> bool {
        matches!(self, ActionStatus::Planned | ActionStatus::InProgress)
    }
}

/// How the risk moved between the last two assessments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// Only one assessment so far.
    New,
    Rising,
    Steady,
    Falling,
}

impl Trend {
    pub fn between(previous: Option<RiskLevel>, current: RiskLevel) -> Trend {
        match previous {
            None => Trend::New,
            Some(p) if current > p => Trend::Rising,
            Some(p) if current < p => Trend::Falling,
            Some(_) => Trend::Steady,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Trend::New => "new",
            Trend::Rising => "rising",
            Trend::Steady => "steady",
            Trend::Falling => "falling",
        }
    }
}

/// A sum of money in an ISO 4217 currency, kept in the currency's minor unit
/// (cents; yen have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// In minor units (1500.50 USD is 150050).
    pub minor: i64,
    /// ISO 4217 code, e.g. `USD`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "USD"))]
    pub currency: CurrencyCode,
}

/// A three-letter ISO 4217 code known to `iso_currency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CurrencyCode(iso_currency::Currency);

impl CurrencyCode {
    pub fn parse(code: &str) -> Option<CurrencyCode> {
        let c = iso_currency::Currency::from_code(&code.trim().to_ascii_uppercase())?;
        // Funds, precious metals and testing codes are not money one pays a grant in.
        (!c.is_fund() && !c.is_special()).then_some(CurrencyCode(c))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point (2 for USD, 0 for JPY).
    pub fn exponent(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(0))
    }
}

impl TryFrom<String> for CurrencyCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        CurrencyCode::parse(&s).ok_or_else(|| format!("unknown ISO 4217 currency: {s}"))
    }
}

impl From<CurrencyCode> for String {
    fn from(c: CurrencyCode) -> String {
        c.code().to_owned()
    }
}

impl Money {
    /// Read `"1500.50"` in `currency`: at most as many decimals as the currency has,
    /// positive, and below a trillion. `None` when it is not such an amount.
    pub fn parse(amount: &str, currency: CurrencyCode) -> Option<Money> {
        let a = amount.trim().replace([',', ' '], "");
        let (whole, frac) = match a.split_once('.') {
            Some((w, f)) => (w, f),
            None => (a.as_str(), ""),
        };
        let exp = currency.exponent();
        if whole.is_empty()
            || whole.len() > 12
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > exp as usize
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || (a.contains('.') && frac.is_empty())
        {
            return None;
        }
        let scale = 10_i64.checked_pow(exp)?;
        let w: i64 = whole.parse().ok()?;
        let f: i64 = if frac.is_empty() {
            0
        } else {
            let padded = format!("{frac:0<width$}", width = exp as usize);
            padded.parse().ok()?
        };
        let minor = w.checked_mul(scale)?.checked_add(f)?;
        (minor > 0).then_some(Money { minor, currency })
    }

    /// The amount as written: `1500.50` (no currency).
    pub fn amount(&self) -> String {
        let exp = self.currency.exponent();
        if exp == 0 {
            return self.minor.to_string();
        }
        let scale = 10_i64.pow(exp);
        format!(
            "{}.{:0width$}",
            self.minor / scale,
            self.minor % scale,
            width = exp as usize
        )
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.amount(), self.currency.code())
    }
}

// ---------------------------------------------------------------- records

/// A protection case as stored. `summary` and `closed_reason` are sensitive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: Id,
    pub title: String,
    /// The person or group protected.
    pub subject: VictimRef,
    /// The subject's pseudonymous code (e.g. `HRD-2026-0001`) or group name.
    pub subject_label: String,
    pub status: CaseStatus,
    pub closed_reason: String,
    pub summary: String,
    pub owner_id: Id,
    pub owner: String,
    pub compartment_id: Id,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// The latest assessment's level, and the one before it.
    pub risk: Option<RiskLevel>,
    pub previous_risk: Option<RiskLevel>,
}

impl Case {
    pub fn trend(&self) -> Option<Trend> {
        self.risk.map(|r| Trend::between(self.previous_risk, r))
    }
}

/// What a protection officer submits to open or edit a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CaseInput {
    /// A short title. Not sensitive: never a legal name.
    pub title: String,
    /// The protected person's code (`HRD-…`) or group's code (`GRP-…`).
    pub subject_code: String,
    /// `open`, `monitoring` or `closed` (default `open`).
    pub status: String,
    /// Required when closed.
    pub closed_reason: String,
    /// Sensitive: the situation in the officer's words.
    pub summary: String,
    /// The owner's user id; default: whoever opens the case.
    pub owner_id: Option<Id>,
}

/// A case input that passed [`CaseInput::validate`] (the subject still to resolve).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCase {
    pub title: String,
    pub subject_code: String,
    pub status: CaseStatus,
    pub closed_reason: String,
    pub summary: String,
    pub owner_id: Option<Id>,
}

fn text(e: &mut FieldErrors, field: &str, value: &str, required: bool, max: usize) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        e.add(field, "err-required", None);
    } else if v.chars().count() > max {
        e.add(field, "err-too-long", Some(max.to_string()));
    }
    v.to_owned()
}

fn parse_code<T: std::str::FromStr>(
    e: &mut FieldErrors,
    field: &str,
    value: &str,
    default: Option<T>,
) -> Option<T> {
    let v = value.trim();
    if v.is_empty() {
        if default.is_none() {
            e.add(field, "err-required", None);
        }
        return default;
    }
    match v.parse() {
        Ok(x) => Some(x),
        Err(_) => {
            e.add(field, "err-unknown-code", Some(v.to_owned()));
            None
        }
    }
}

fn parse_date(e: &mut FieldErrors, field: &str, value: &str, required: bool) -> Option<NaiveDate> {
    let v = value.trim();
    if v.is_empty() {
        if required {
            e.add(field, "err-required", None);
        }
        return None;
    }
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            e.add(field, "err-date-format", Some(v.to_owned()));
            None
        }
    }
}

impl CaseInput {
    pub fn validate(&self) -> Result<ValidCase, FieldErrors> {
        let mut e = FieldErrors::default();
        let title = text(&mut e, "title", &self.title, true, MAX_TITLE);
        let subject_code = text(&mut e, "subject_code", &self.subject_code, true, 64);
        let status = parse_code(&mut e, "status", &self.status, Some(CaseStatus::Open));
        let closed_reason = text(
            &mut e,
            "closed_reason",
            &self.closed_reason,
            false,
            MAX_TEXT,
        );
        if status == Some(CaseStatus::Closed) && closed_reason.is_empty() {
            e.add("closed_reason", "err-case-closed-reason", None);
        }
        let summary = text(&mut e, "summary", &self.summary, false, MAX_TEXT);
        match (status, e.is_empty()) {
            (Some(status), true) => Ok(ValidCase {
                title,
                subject_code,
                status,
                // A reason only means something for a closed case.
                closed_reason: if status == CaseStatus::Closed {
                    closed_reason
                } else {
                    String::new()
                },
                summary,
                owner_id: self.owner_id,
            }),
            _ => Err(e),
        }
    }
}

/// One dated risk assessment. The three analyses and the reasoning are sensitive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    pub id: Id,
    pub case_id: Id,
    pub assessed_on: NaiveDate,
    pub threats: String,
    pub vulnerabilities: String,
    pub capacities: String,
    pub level: RiskLevel,
    pub reasoning: String,
    pub created_by: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AssessmentInput {
    /// `YYYY-MM-DD`, not in the future.
    pub assessed_on: String,
    pub threats: String,
    pub vulnerabilities: String,
    pub capacities: String,
    /// `low`, `medium`, `high` or `critical`.
    pub level: String,
    /// Why this level: required.
    pub reasoning: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidAssessment {
    pub assessed_on: NaiveDate,
    pub threats: String,
    pub vulnerabilities: String,
    pub capacities: String,
    pub level: RiskLevel,
    pub reasoning: String,
}

impl AssessmentInput {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidAssessment, FieldErrors> {
        let mut e = FieldErrors::default();
        let assessed_on = parse_date(&mut e, "assessed_on", &self.assessed_on, true);
        if assessed_on.is_some_and(|d| d > today) {
            e.add(
                "assessed_on",
                "err-date-future",
                Some(self.assessed_on.trim().to_owned()),
            );
        }
        let threats = text(&mut e, "threats", &self.threats, true, MAX_TEXT);
        let vulnerabilities = text(
            &mut e,
            "vulnerabilities",
            &self.vulnerabilities,
            false,
            MAX_TEXT,
        );
        let capacities = text(&mut e, "capacities", &self.capacities, false, MAX_TEXT);
        let level = parse_code::<RiskLevel>(&mut e, "level", &self.level, None);
        let reasoning = text(&mut e, "reasoning", &self.reasoning, true, MAX_TEXT);
        match (assessed_on, level, e.is_empty()) {
            (Some(assessed_on), Some(level), true) => Ok(ValidAssessment {
                assessed_on,
                threats,
                vulnerabilities,
                capacities,
                level,
                reasoning,
            }),
            _ => Err(e),
        }
    }
}

/// One protection action. `description` and `outcome` are sensitive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseAction {
    pub id: Id,
    pub case_id: Id,
    /// The case's title (for lists across cases).
    pub case_title: String,
    pub kind: ActionKind,
    pub description: String,
    pub assignee_id: Option<Id>,
    pub assignee: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: ActionStatus,
    pub outcome: String,
    pub cost: Option<Money>,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl CaseAction {
    /// Due before `today` and still to do.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status.pending() && self.due_on.is_some_and(|d| d < today)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ActionInput {
    /// One of the action types (`urgent_appeal`, `emergency_grant`, …).
    pub kind: String,
    pub description: String,
    pub assignee_id: Option<Id>,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// Default `planned`.
    pub status: String,
    pub outcome: String,
    /// For `emergency_grant` and `security_measures`: e.g. `1500.50`.
    pub amount: String,
    /// ISO 4217, e.g. `USD`; required with an amount.
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidAction {
    pub kind: ActionKind,
    pub description: String,
    pub assignee_id: Option<Id>,
    pub due_on: Option<NaiveDate>,
    pub status: ActionStatus,
    pub outcome: String,
    pub cost: Option<Money>,
}

impl ActionInput {
    pub fn validate(&self) -> Result<ValidAction, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = parse_code::<ActionKind>(&mut e, "kind", &self.kind, None);
        let description = text(&mut e, "description", &self.description, false, MAX_TEXT);
        let due_on = parse_date(&mut e, "due_on", &self.due_on, false);
        let status = parse_code(&mut e, "status", &self.status, Some(ActionStatus::Planned));
        let outcome = text(&mut e, "outcome", &self.outcome, false, MAX_TEXT);
        let (amount, currency) = (self.amount.trim(), self.currency.trim());
        let mut cost = None;
        if !amount.is_empty() || !currency.is_empty() {
            if kind.is_some_and(|k| !k.carries_amount()) {
                e.add("amount", "err-action-no-amount", None);
            }
            let code = if currency.is_empty() {
                e.add("currency", "err-required", None);
                None
            } else {
                let c = CurrencyCode::parse(currency);
                if c.is_none() {
                    e.add("currency", "err-currency", Some(currency.to_owned()));
                }
                c
            };
            if amount.is_empty() {
                e.add("amount", "err-required", None);
            } else if let Some(c) = code {
                cost = Money::parse(amount, c);
                if cost.is_none() {
                    e.add("amount", "err-amount", Some(c.exponent().to_string()));
                }
            }
        }
        match (kind, status, e.is_empty()) {
            (Some(kind), Some(status), true) => Ok(ValidAction {
                kind,
                description,
                assignee_id: self.assignee_id,
                due_on,
                status,
                outcome,
                cost,
            }),
            _ => Err(e),
        }
    }
}

/// What happened in a case, in date order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub date: NaiveDate,
    /// `opened`, `assessment`, `action` or `incident`.
    pub kind: String,
    /// The record's id (the case's own for `opened`).
    pub id: Id,
    /// A risk level code, an action type code, an incident title, or the case title.
    pub label: String,
    /// An action's status code (other entries: none).
    pub status: Option<String>,
}

/// Merge a case's records into one list, oldest first (ties: opened, incidents,
/// assessments, actions; then by id).
pub fn timeline(
    case: &Case,
    assessments: &[Assessment],
    actions: &[CaseAction],
    incidents: &[(Id, String, NaiveDate)],
) -> Vec<TimelineEntry> {
    let mut out = vec![TimelineEntry {
        date: case.created_at.date_naive(),
        kind: "opened".into(),
        id: case.id,
        label: case.title.clone(),
        status: None,
    }];
    out.extend(incidents.iter().map(|(id, title, date)| TimelineEntry {
        date: *date,
        kind: "incident".into(),
        id: *id,
        label: title.clone(),
        status: None,
    }));
    out.extend(assessments.iter().map(|a| TimelineEntry {
        date: a.assessed_on,
        kind: "assessment".into(),
        id: a.id,
        label: a.level.code().into(),
        status: None,
    }));
    out.extend(actions.iter().map(|a| TimelineEntry {
        date: a.due_on.unwrap_or_else(|| a.created_at.date_naive()),
        kind: "action".into(),
        id: a.id,
        label: a.kind.code().into(),
        status: Some(a.status.code().into()),
    }));
    let order = |k: &str| match k {
        "opened" => 0,
        "incident" => 1,
        "assessment" => 2,
        _ => 3,
    };
    out.sort_by_key(|a| (a.date, order(&a.kind), a.id));
    out
}

/// A case with everything on its page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseFile {
    pub case: Case,
    pub assessments: Vec<Assessment>,
    pub actions: Vec<CaseAction>,
    /// Linked incidents the reader may see.
    pub incidents: Vec<LinkedIncident>,
    /// Detentions of the case's person, most recent first, with their hearings.
    #[serde(default)]
    pub detentions: Vec<crate::detention::Detention>,
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedIncident {
    pub id: Id,
    pub title: String,
    pub start_date: NaiveDate,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_respects_the_currency_exponent() {
        let usd = CurrencyCode::parse("usd").map(|c| c.code());
        assert_eq!(usd, Some("USD"));
        let usd = CurrencyCode::parse("USD").unwrap_or_else(|| unreachable!());
        assert_eq!(Money::parse("1500.5", usd).map(|m| m.minor), Some(150_050));
        assert_eq!(
            Money::parse("1,500", usd).map(|m| m.amount()),
            Some("1500.00".into())
        );
        assert_eq!(Money::parse("1.234", usd), None);
        assert_eq!(Money::parse("-5", usd), None);
        assert_eq!(Money::parse("0", usd), None);
        let jpy = CurrencyCode::parse("JPY").unwrap_or_else(|| unreachable!());
        assert_eq!(Money::parse("1000.5", jpy), None);
        assert_eq!(
            Money::parse("1000", jpy).map(|m| m.to_string()),
            Some("1000 JPY".into())
        );
        assert!(CurrencyCode::parse("XXX").is_none());
        assert!(CurrencyCode::parse("ABC").is_none());
    }

    #[test]
    fn a_closed_case_needs_a_reason() {
        let mut c = CaseInput {
            title: "Protection of a land defender".into(),
            subject_code: "HRD-2026-0001".into(),
            status: "closed".into(),
            ..Default::default()
        };
        let e = c.validate().err().unwrap_or_default();
        assert_eq!(
            e.for_field("closed_reason").map(|e| e.key.as_str()),
            Some("err-case-closed-reason")
        );
        c.closed_reason = "Relocated safely".into();
        assert!(c.validate().is_ok());
        c.status = "archived".into();
        assert!(c.validate().is_err());
    }

    #[test]
    fn only_grants_and_measures_carry_money() {
        let mut a = ActionInput {
            kind: "urgent_appeal".into(),
            amount: "100".into(),
            currency: "EUR".into(),
            ..Default::default()
        };
        assert!(a.validate().is_err());
        a.kind = "emergency_grant".into();
        let v = a.validate().unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(v.cost.map(|m| m.to_string()), Some("100.00 EUR".into()));
        a.currency = "EURO".into();
        assert!(a.validate().is_err());
    }

    #[test]
    fn trend_compares_the_last_two_levels() {
        assert_eq!(Trend::between(None, RiskLevel::High), Trend::New);
        assert_eq!(
            Trend::between(Some(RiskLevel::Medium), RiskLevel::Critical),
            Trend::Rising
        );
        assert_eq!(
            Trend::between(Some(RiskLevel::High), RiskLevel::Low),
            Trend::Falling
        );
        assert_eq!(
            Trend::between(Some(RiskLevel::Low), RiskLevel::Low),
            Trend::Steady
        );
    }
}
