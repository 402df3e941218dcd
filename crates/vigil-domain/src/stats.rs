//! Statistics: what may be counted (measures), how counts may be grouped (dimensions),
//! the query that says both, and the tables that come back; also SDG indicator
//! 16.10.1 and rates ("one every N days"). The counting rules are written once in
//! `docs/methodology.md`; this module only describes queries and results, it never
//! counts anything itself (the storage layer does, in SQL).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::model::PartialDate;
use crate::search::IncidentFilter;
use crate::validate::FieldErrors;
use crate::vocab::{ResolutionVerb, SdgCategory, VocabKind, Vocabularies};

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
            type Err = crate::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $($code => Ok($name::$variant),)+
                    _ => Err(crate::DomainError::Unknown { what: $what, value: s.to_owned() }),
                }
            }
        }
    };
}

code_enum!(
    /// What is counted. See `docs/methodology.md` for the exact rules.
    Measure, "measure" {
        Incidents = "incidents",
        Violations = "violations",
        Victims = "victims",
    }
);

code_enum!(
    /// What counts may be grouped by (at most two at once).
    Dimension, "dimension" {
        Year = "year",
        Month = "month",
        Country = "country",
        Region = "region",
        Subregion = "subregion",
        ViolationType = "violation_type",
        Verb = "verb",
        Status = "status",
        Sex = "sex",
        AgeGroup = "age_group",
        Characteristic = "characteristic",
        SectorOfDefence = "sector_of_defence",
        BusinessSector = "business_sector",
        PerpetratorType = "perpetrator_type",
        StateActor = "state_actor",
        SdgGroup = "sdg_group",
    }
);

/// Which record a dimension is a property of; it decides which tables a count joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Incident,
    Violation,
    /// The victim person (groups have none of these properties).
    Victim,
    Perpetrator,
}

impl Dimension {
    pub fn level(self) -> Level {
        use Dimension::*;
        match self {
            Year | Month | Country | Region | Subregion | Status | BusinessSector => {
                Level::Incident
            }
            ViolationType | Verb => Level::Violation,
            Sex | AgeGroup | Characteristic | SectorOfDefence | SdgGroup => Level::Victim,
            PerpetratorType | StateActor => Level::Perpetrator,
        }
    }

    /// Time dimensions are ordered by time and drawn as a line.
    pub fn is_time(self) -> bool {
        matches!(self, Dimension::Year | Dimension::Month)
    }

    /// The vocabulary whose labels name this dimension's values, if any.
    pub fn vocab(self) -> Option<VocabKind> {
        match self {
            Dimension::ViolationType => Some(VocabKind::ViolationType),
            Dimension::Sex => Some(VocabKind::Sex),
            Dimension::Characteristic => Some(VocabKind::Characteristic),
            Dimension::SectorOfDefence => Some(VocabKind::SectorOfDefence),
            Dimension::BusinessSector => Some(VocabKind::BusinessSector),
            Dimension::PerpetratorType => Some(VocabKind::PerpetratorType),
            Dimension::SdgGroup => Some(VocabKind::SdgGroup),
            _ => None,
        }
    }

    /// May one record fall under several values of this dimension at once (a victim
    /// with two characteristics, an incident with two violation types)? Then the
    /// groups' counts add up to more than the distinct total.
    pub fn multi_valued(self) -> bool {
        use Dimension::*;
        matches!(
            self,
            ViolationType
                | Verb
                | Characteristic
                | SectorOfDefence
                | PerpetratorType
                | StateActor
                | Sex
                | AgeGroup
                | SdgGroup
        )
    }
}

/// Age groups, by age in the year of the incident (`incident year − birth year`).
pub const AGE_GROUPS: &[(&str, i64, i64)] = &[
    ("under_18", i64::MIN, 17),
    ("18_29", 18, 29),
    ("30_44", 30, 44),
    ("45_59", 45, 59),
    ("60_plus", 60, i64::MAX),
];

/// The key of the "unknown / not applicable" group of every dimension (a month of a
/// date known to the year only, a group victim's sex, a violation with no perpetrator).
pub const UNKNOWN: &str = "";

/// The verb code a violation type maps to (the resolution's wording), if any.
pub fn verb_code(v: ResolutionVerb) -> &'static str {
    match v {
        ResolutionVerb::Killing => "killing",
        ResolutionVerb::Criminalisation => "criminalisation",
        ResolutionVerb::Curtailing => "curtailing",
    }
}

/// The SDG 16.10.1 category code of a violation type's category.
pub fn sdg_category_code(c: SdgCategory) -> &'static str {
    match c {
        SdgCategory::Killing => "killing",
        SdgCategory::EnforcedDisappearance => "enforced_disappearance",
        SdgCategory::Kidnapping => "kidnapping",
        SdgCategory::ArbitraryDetention => "arbitrary_detention",
        SdgCategory::Torture => "torture",
        SdgCategory::OtherHarmfulAct => "other_harmful_act",
    }
}

/// The five categories SDG 16.10.1 counts, in the indicator's order.
pub const SDG_CATEGORIES: &[SdgCategory] = &[
    SdgCategory::Killing,
    SdgCategory::Kidnapping,
    SdgCategory::EnforcedDisappearance,
    SdgCategory::ArbitraryDetention,
    SdgCategory::Torture,
];

/// A span of days `[from, until)`: `until` is the day after the last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    pub from: NaiveDate,
    /// The first day **after** the period.
    pub until: NaiveDate,
}

impl Period {
    pub fn days(&self) -> i64 {
        (self.until - self.from).num_days()
    }

    /// The last day in the period.
    pub fn last(&self) -> NaiveDate {
        self.until.pred_opt().unwrap_or(self.until)
    }

    /// Twelve months from the first day of `from` (SDG 16.10.1's period).
    pub fn twelve_months(from: NaiveDate) -> Period {
        Period {
            from,
            until: from
                .checked_add_months(chrono::Months::new(12))
                .unwrap_or(from),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} – {}", self.from, self.last())
    }
}

/// Parse a period bound: `2024`, `2024-03` or `2024-03-15`. `from` takes the first day
/// the value stands for, `to` the day after the last.
pub fn parse_bound(s: &str, end: bool) -> Option<NaiveDate> {
    let d: PartialDate = s.trim().parse().ok()?;
    if end {
        d.latest().succ_opt()
    } else {
        Some(d.date)
    }
}

/// The statistics query as it arrives from a form, the API or the command line: all
/// text, so it round-trips through URLs. [`StatsParams::parse`] checks it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[serde(default)]
pub struct StatsParams {
    /// `incidents` (default), `violations` or `victims`.
    pub measure: String,
    /// First dimension (see `Dimension` codes); empty: totals only.
    pub by: String,
    /// Second dimension.
    pub by2: String,
    /// Full-text query (counts then cover only records the reader may read in full).
    pub q: String,
    /// Country (code or name).
    pub country: String,
    /// First-level region within the country.
    pub region: String,
    /// A year of the incident's start date (text, so an empty form field is no filter).
    pub year: String,
    /// Period start: `2024`, `2024-03` or `2024-03-15` (incident start date).
    pub from: String,
    /// Period end, inclusive: `2024`, `2024-12` or `2024-12-31`.
    pub to: String,
    pub violation_type: String,
    /// `killing`, `criminalisation` or `curtailing`.
    pub verb: String,
    pub status: String,
    pub perpetrator_type: String,
    /// `state`, `non_state` or `unknown`.
    pub state_actor: String,
    /// Linked business sector.
    pub sector: String,
    /// Victim characteristic (e.g. `indigenous`).
    pub characteristic: String,
    /// Victim's sex.
    pub sex: String,
    /// Victim's primary SDG group.
    pub sdg_group: String,
    /// Victim's sector of defence.
    pub defence_sector: String,
}

/// Filters on violations and victims that incident lists do not have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VictimFilter {
    pub verb: Option<ResolutionVerb>,
    /// `state`, `non_state` or `unknown`.
    pub state_actor: String,
    pub sex: String,
    pub sdg_group: String,
    pub defence_sector: String,
}

/// A checked statistics query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatsQuery {
    pub measure: Measure,
    /// Zero, one or two distinct dimensions.
    pub dims: Vec<Dimension>,
    /// The same filters incident lists use (its `page` is ignored).
    pub filter: IncidentFilter,
    pub victim: VictimFilter,
    /// Only incidents whose whole start date lies on or after this day…
    pub from: Option<NaiveDate>,
    /// … and before this one (the day after the period's last day).
    pub until: Option<NaiveDate>,
}

impl StatsQuery {
    pub fn new(measure: Measure, dims: &[Dimension]) -> Self {
        StatsQuery {
            measure,
            dims: dims.to_vec(),
            filter: IncidentFilter::default(),
            victim: VictimFilter::default(),
            from: None,
            until: None,
        }
    }
}

const STATE_CODES: &[&str] = &["state", "non_state", "unknown"];

impl StatsParams {
    /// Check every field; all problems are reported at once, naming the field.
    pub fn parse(&self, vocab: &Vocabularies) -> Result<StatsQuery, FieldErrors> {
        let mut errs = FieldErrors::default();
        let measure = if self.measure.trim().is_empty() {
            Measure::Incidents
        } else {
            self.measure.parse().unwrap_or_else(|_| {
                errs.add("measure", "err-unknown-code", Some(self.measure.clone()));
                Measure::Incidents
            })
        };
        let mut dims = Vec::new();
        for (field, v) in [("by", &self.by), ("by2", &self.by2)] {
            if v.trim().is_empty() {
                continue;
            }
            match v.parse::<Dimension>() {
                Ok(d) if dims.contains(&d) => errs.add(field, "err-stats-same-dimension", None),
                Ok(d) => dims.push(d),
                Err(_) => errs.add(field, "err-unknown-code", Some(v.clone())),
            }
        }
        let mut vocab_check = |field: &str, kind: VocabKind, v: &str| {
            if !v.is_empty() && !vocab.contains(kind, v) {
                errs.add(field, "err-unknown-code", Some(v.to_owned()));
            }
        };
        vocab_check(
            "violation_type",
            VocabKind::ViolationType,
            &self.violation_type,
        );
        vocab_check(
            "perpetrator_type",
            VocabKind::PerpetratorType,
            &self.perpetrator_type,
        );
        vocab_check("sector", VocabKind::BusinessSector, &self.sector);
        vocab_check(
            "characteristic",
            VocabKind::Characteristic,
            &self.characteristic,
        );
        vocab_check("sex", VocabKind::Sex, &self.sex);
        vocab_check("sdg_group", VocabKind::SdgGroup, &self.sdg_group);
        vocab_check(
            "defence_sector",
            VocabKind::SectorOfDefence,
            &self.defence_sector,
        );
        if !self.status.is_empty() && self.status.parse::<crate::model::IncidentStatus>().is_err() {
            errs.add("status", "err-unknown-code", Some(self.status.clone()));
        }
        if !self.country.trim().is_empty()
            && crate::country::Countries::get()
                .resolve(&self.country)
                .is_none()
        {
            errs.add("country", "err-unknown-country", Some(self.country.clone()));
        }
        let verb = match self.verb.trim() {
            "" => None,
            "killing" => Some(ResolutionVerb::Killing),
            "criminalisation" => Some(ResolutionVerb::Criminalisation),
            "curtailing" => Some(ResolutionVerb::Curtailing),
            other => {
                errs.add("verb", "err-unknown-code", Some(other.to_owned()));
                None
            }
        };
        let state = self.state_actor.trim();
        if !state.is_empty() && !STATE_CODES.contains(&state) {
            errs.add("state_actor", "err-unknown-code", Some(state.to_owned()));
        }
        let from = bound(&mut errs, "from", &self.from, false);
        let to = bound(&mut errs, "to", &self.to, true);
        if let (Some(f), Some(t)) = (from, to) {
            if t <= f {
                errs.add("to", "err-end-before-start", None);
            }
        }
        let year = match self.year.trim() {
            "" => None,
            y => match y.parse::<i32>() {
                Ok(y) => Some(y),
                Err(_) => {
                    errs.add("year", "err-number", None);
                    None
                }
            },
        };
        let filter = IncidentFilter {
            q: self.q.clone(),
            country: self.country.clone(),
            region: self.region.clone(),
            year,
            violation_type: self.violation_type.clone(),
            status: self.status.clone(),
            perpetrator_type: self.perpetrator_type.clone(),
            sector: self.sector.clone(),
            characteristic: self.characteristic.clone(),
            page: None,
        };
        errs.into_result(StatsQuery {
            measure,
            dims,
            filter,
            victim: VictimFilter {
                verb,
                state_actor: state.to_owned(),
                sex: self.sex.clone(),
                sdg_group: self.sdg_group.clone(),
                defence_sector: self.defence_sector.clone(),
            },
            from,
            until: to,
        })
    }

    /// This query as a URL query string (empty fields left out).
    pub fn to_query(&self) -> String {
        crate::search::to_query(self)
    }
}

fn bound(errs: &mut FieldErrors, field: &str, v: &str, end: bool) -> Option<NaiveDate> {
    if v.trim().is_empty() {
        return None;
    }
    let d = parse_bound(v, end);
    if d.is_none() {
        errs.add(field, "err-date-format", Some(v.to_owned()));
    }
    d
}

/// One group of a statistics table: its keys (one per dimension, [`UNKNOWN`] for the
/// unknown group) and its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsRow {
    pub keys: Vec<String>,
    pub count: i64,
}

/// A statistics result: grouped counts and the distinct total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsTable {
    pub measure: Measure,
    pub dimensions: Vec<Dimension>,
    /// Distinct records counted (each once, whatever groups it falls in).
    pub total: i64,
    /// Groups, ordered: time dimensions by time, others by count (largest first),
    /// the unknown group last.
    pub rows: Vec<StatsRow>,
}

impl StatsTable {
    /// Distinct keys of dimension `i` in row order.
    pub fn keys(&self, i: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.rows {
            if let Some(k) = r.keys.get(i) {
                if !out.contains(k) {
                    out.push(k.clone());
                }
            }
        }
        out
    }

    /// The count of one cell of a two-way table (0 when absent).
    pub fn cell(&self, a: &str, b: &str) -> i64 {
        self.rows
            .iter()
            .find(|r| {
                r.keys.first().map(String::as_str) == Some(a)
                    && r.keys.get(1).map(String::as_str) == Some(b)
            })
            .map_or(0, |r| r.count)
    }

    /// The count of a one-way group (0 when absent).
    pub fn get(&self, key: &str) -> i64 {
        self.rows
            .iter()
            .filter(|r| r.keys.first().map(String::as_str) == Some(key))
            .map(|r| r.count)
            .sum()
    }

    /// Sort rows: time keys ascending (unknown last), other keys by their group's
    /// total, largest first (unknown last), ties by key.
    pub fn sort(&mut self) {
        let dims = self.dimensions.clone();
        let mut totals: Vec<std::collections::HashMap<String, i64>> = Vec::new();
        for (i, _) in dims.iter().enumerate() {
            let mut m = std::collections::HashMap::new();
            for r in &self.rows {
                if let Some(k) = r.keys.get(i) {
                    *m.entry(k.clone()).or_insert(0) += r.count;
                }
            }
            totals.push(m);
        }
        self.rows.sort_by(|a, b| {
            for (i, d) in dims.iter().enumerate() {
                let (ka, kb) = (
                    a.keys.get(i).map_or("", String::as_str),
                    b.keys.get(i).map_or("", String::as_str),
                );
                let unknown = (ka == UNKNOWN).cmp(&(kb == UNKNOWN));
                let ord = if d.is_time() {
                    unknown.then(ka.cmp(kb))
                } else {
                    let t = |k: &str| totals.get(i).and_then(|m| m.get(k)).copied().unwrap_or(0);
                    unknown.then(t(kb).cmp(&t(ka))).then(ka.cmp(kb))
                };
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
}

/// The age group code of a victim born in `birth_year`, at an incident in `year`.
pub fn age_group(birth_year: i64, year: i64) -> &'static str {
    let age = year - birth_year;
    AGE_GROUPS
        .iter()
        .find(|(_, lo, hi)| (*lo..=*hi).contains(&age))
        .map_or(UNKNOWN, |(c, _, _)| c)
}

/// "One every N days" over a period, and the yearly rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rate {
    /// Calendar year of this line, or `None` for the whole period.
    pub year: Option<i32>,
    pub from: NaiveDate,
    /// Last day included.
    pub to: NaiveDate,
    pub days: i64,
    pub count: i64,
    /// Days per counted record (`days / count`); `None` when nothing was counted.
    pub every_days: Option<f64>,
    /// Records per 365.25 days.
    pub per_year: f64,
}

impl Rate {
    pub fn over(period: Period, count: i64, year: Option<i32>) -> Rate {
        let days = period.days().max(0);
        let every_days = (count > 0 && days > 0).then(|| days as f64 / count as f64);
        let per_year = if days > 0 {
            count as f64 * 365.25 / days as f64
        } else {
            0.0
        };
        Rate {
            year,
            from: period.from,
            to: period.last(),
            days,
            count,
            every_days,
            per_year,
        }
    }
}

/// Rates for a period: the whole period, then each calendar year in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rates {
    pub measure: Measure,
    pub total: Rate,
    pub years: Vec<Rate>,
}

/// The calendar years `period` touches, each clipped to the period.
pub fn years_of(period: Period) -> Vec<(i32, Period)> {
    let mut out = Vec::new();
    let mut y = period.from.year();
    while let Some(start) = NaiveDate::from_ymd_opt(y, 1, 1) {
        if start >= period.until {
            break;
        }
        let next = NaiveDate::from_ymd_opt(y + 1, 1, 1).unwrap_or(period.until);
        out.push((
            y,
            Period {
                from: start.max(period.from),
                until: next.min(period.until),
            },
        ));
        y += 1;
    }
    out
}

/// One disaggregation line of the SDG indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SdgLine {
    pub code: String,
    pub count: i64,
}

/// SDG indicator 16.10.1 for one period (DESIGN.md §4): verified cases of killing,
/// kidnapping, enforced disappearance, arbitrary detention and torture of persons whose
/// primary SDG group is set. A case is one victim × one violation type × one incident.
/// Every disaggregation adds up to `total`: each case has one category, one victim
/// group, one sex (or unknown), one country and one perpetrator class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SdgReport {
    pub from: NaiveDate,
    /// Last day included.
    pub to: NaiveDate,
    pub total: i64,
    pub by_category: Vec<SdgLine>,
    pub by_group: Vec<SdgLine>,
    pub by_sex: Vec<SdgLine>,
    /// `state`, `non_state` or `unknown`.
    pub by_perpetrator: Vec<SdgLine>,
    pub by_country: Vec<SdgLine>,
    /// Category × victim group.
    pub by_category_and_group: Vec<StatsRow>,
}

/// One case as the storage layer groups them (the key the report is folded from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdgCell {
    pub category: String,
    pub group: String,
    pub sex: String,
    pub perpetrator: String,
    pub country: String,
    pub count: i64,
}

impl SdgReport {
    /// Fold grouped cases into the report's totals and disaggregations.
    pub fn fold(period: Period, cells: &[SdgCell]) -> SdgReport {
        fn add(v: &mut Vec<SdgLine>, code: &str, n: i64) {
            match v.iter_mut().find(|l| l.code == code) {
                Some(l) => l.count += n,
                None => v.push(SdgLine {
                    code: code.to_owned(),
                    count: n,
                }),
            }
        }
        let mut r = SdgReport {
            from: period.from,
            to: period.last(),
            total: 0,
            by_category: SDG_CATEGORIES
                .iter()
                .map(|c| SdgLine {
                    code: sdg_category_code(*c).to_owned(),
                    count: 0,
                })
                .collect(),
            by_group: Vec::new(),
            by_sex: Vec::new(),
            by_perpetrator: ["state", "non_state", "unknown"]
                .iter()
                .map(|c| SdgLine {
                    code: (*c).to_owned(),
                    count: 0,
                })
                .collect(),
            by_country: Vec::new(),
            by_category_and_group: Vec::new(),
        };
        for c in cells {
            r.total += c.count;
            add(&mut r.by_category, &c.category, c.count);
            add(&mut r.by_group, &c.group, c.count);
            add(&mut r.by_sex, &c.sex, c.count);
            add(&mut r.by_perpetrator, &c.perpetrator, c.count);
            add(&mut r.by_country, &c.country, c.count);
            match r
                .by_category_and_group
                .iter_mut()
                .find(|x| x.keys == [c.category.clone(), c.group.clone()])
            {
                Some(x) => x.count += c.count,
                None => r.by_category_and_group.push(StatsRow {
                    keys: vec![c.category.clone(), c.group.clone()],
                    count: c.count,
                }),
            }
        }
        let by_count = |v: &mut Vec<SdgLine>| {
            v.sort_by(|a, b| {
                (a.code == UNKNOWN)
                    .cmp(&(b.code == UNKNOWN))
                    .then(b.count.cmp(&a.count))
                    .then(a.code.cmp(&b.code))
            })
        };
        by_count(&mut r.by_group);
        by_count(&mut r.by_sex);
        by_count(&mut r.by_country);
        r
    }

    /// The count of one category (0 when none).
    pub fn category(&self, code: &str) -> i64 {
        line(&self.by_category, code)
    }
}

/// The count of `code` in a disaggregation (0 when absent).
pub fn line(v: &[SdgLine], code: &str) -> i64 {
    v.iter().find(|l| l.code == code).map_or(0, |l| l.count)
}

/// The SDG page's query: the period's first month (and optionally its last) and a
/// country.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[serde(default)]
pub struct SdgParams {
    /// First month of the period (`2024-01`); default: the 12 months before this one.
    pub from: String,
    /// Last month (inclusive); default: 12 months from `from`.
    pub to: String,
    /// Country (code or name).
    pub country: String,
}

impl SdgParams {
    /// The period and country, or what is wrong with them. Without `from`, the 12
    /// months before the current month.
    pub fn parse(&self, today: NaiveDate) -> Result<(Period, Option<String>), FieldErrors> {
        let mut errs = FieldErrors::default();
        let from = if self.from.trim().is_empty() {
            NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
                .and_then(|d| d.checked_sub_months(chrono::Months::new(12)))
                .unwrap_or(today)
        } else {
            parse_bound(&self.from, false).unwrap_or_else(|| {
                errs.add("from", "err-date-format", Some(self.from.clone()));
                today
            })
        };
        let mut period = Period::twelve_months(from);
        if !self.to.trim().is_empty() {
            match parse_bound(&self.to, true) {
                Some(u) if u > from => period.until = u,
                Some(_) => errs.add("to", "err-end-before-start", None),
                None => errs.add("to", "err-date-format", Some(self.to.clone())),
            }
        }
        let country = match self.country.trim() {
            "" => None,
            c => match crate::country::Countries::get().resolve(c) {
                Some(c) => Some(c.alpha2.clone()),
                None => {
                    errs.add("country", "err-unknown-country", Some(c.to_owned()));
                    None
                }
            },
        };
        errs.into_result((period, country))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdg_params_default_to_twelve_months() {
        let today = NaiveDate::from_ymd_opt(2025, 3, 10).unwrap_or_default();
        let (p, c) = SdgParams::default()
            .parse(today)
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            p.from,
            NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or_default()
        );
        assert_eq!(
            p.until,
            NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or_default()
        );
        assert_eq!(c, None);
        let bad = SdgParams {
            from: "2024-13".into(),
            country: "Atlantis".into(),
            ..Default::default()
        }
        .parse(today)
        .err()
        .unwrap_or_default();
        assert_eq!(bad.0.len(), 2);
    }

    #[test]
    fn params_parse_and_report_every_problem() {
        let v = Vocabularies::builtin();
        let q = StatsParams {
            measure: "victims".into(),
            by: "year".into(),
            by2: "country".into(),
            from: "2024".into(),
            to: "2024-06".into(),
            ..Default::default()
        }
        .parse(&v)
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(q.measure, Measure::Victims);
        assert_eq!(q.dims, vec![Dimension::Year, Dimension::Country]);
        assert_eq!(q.from, NaiveDate::from_ymd_opt(2024, 1, 1));
        assert_eq!(q.until, NaiveDate::from_ymd_opt(2024, 7, 1));

        let bad = StatsParams {
            measure: "people".into(),
            by: "year".into(),
            by2: "year".into(),
            from: "2024-13".into(),
            sex: "robot".into(),
            ..Default::default()
        }
        .parse(&v)
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = bad.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["measure", "by2", "sex", "from"]);
    }

    #[test]
    fn periods_and_years() {
        let p = Period {
            from: NaiveDate::from_ymd_opt(2023, 7, 1).unwrap_or_default(),
            until: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default(),
        };
        let ys = years_of(p);
        assert_eq!(ys.len(), 2);
        assert_eq!(ys.first().map(|y| y.1.days()), Some(184));
        assert_eq!(ys.get(1).map(|y| y.1.days()), Some(366));
        let r = Rate::over(p, 55, None);
        assert_eq!(r.days, 550);
        assert_eq!(r.every_days, Some(10.0));
        assert_eq!(
            Period::twelve_months(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or_default()).until,
            NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or_default()
        );
    }

    #[test]
    fn age_groups_cover_every_age() {
        assert_eq!(age_group(2010, 2024), "under_18");
        assert_eq!(age_group(2006, 2024), "18_29");
        assert_eq!(age_group(1964, 2024), "60_plus");
        assert_eq!(age_group(1980, 2024), "30_44");
    }

    #[test]
    fn sdg_disaggregations_add_up() {
        let cell = |cat: &str, g: &str, n| SdgCell {
            category: cat.into(),
            group: g.into(),
            sex: "female".into(),
            perpetrator: "state".into(),
            country: "CO".into(),
            count: n,
        };
        let p = Period::twelve_months(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default());
        let r = SdgReport::fold(
            p,
            &[
                cell("killing", "journalist", 2),
                cell("torture", "journalist", 1),
            ],
        );
        assert_eq!(r.total, 3);
        assert_eq!(r.category("killing"), 2);
        assert_eq!(r.category("kidnapping"), 0);
        assert_eq!(line(&r.by_group, "journalist"), 3);
        assert_eq!(line(&r.by_perpetrator, "non_state"), 0);
    }
}
