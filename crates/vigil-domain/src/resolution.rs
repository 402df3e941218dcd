//! Resolutions and state commitments (issue 7): UN resolutions with their adoption,
//! sponsors, roll-call votes per state and operative paragraphs tagged with the
//! violation types they address; the rules that turn outside spellings (symbols,
//! country names and codes, vote codes of the UN General Assembly voting data set)
//! into one form; and the tally and scorecard shapes the pages and the API show.
//!
//! Public-record data: nothing here is compartmented or sensitive. Pure: the store
//! checks what needs the database, the importers read the files.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::country::{Countries, Country};
use crate::model::Id;
use crate::stats::StatsTable;
use crate::validate::FieldErrors;
use crate::vocab::{VocabKind, Vocabularies};

pub const MAX_TITLE: usize = 500;
pub const MAX_TEXT: usize = 20_000;
pub const MAX_SYMBOL: usize = 64;

macro_rules! res_enum {
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
                match s.trim() {
                    $($code => Ok($name::$variant),)+
                    _ => Err(crate::DomainError::Unknown { what: $what, value: s.to_owned() }),
                }
            }
        }
    };
}

res_enum!(
    /// The organ that adopted a resolution.
    Body, "body" {
        GaPlenary = "ga_plenary",
        ThirdCommittee = "third_committee",
        Hrc = "hrc",
        Other = "other",
    }
);

res_enum!(
    /// How a resolution was adopted. `unknown` only for a resolution an import
    /// created from amendment or paragraph votes alone (no vote on the whole text).
    Adoption, "adoption" {
        Consensus = "consensus",
        RecordedVote = "recorded_vote",
        WithoutVote = "without_vote",
        Unknown = "unknown",
    }
);

res_enum!(
    /// One state's recorded vote.
    VoteChoice, "vote" {
        Yes = "yes",
        No = "no",
        Abstain = "abstain",
        Absent = "absent",
    }
);

res_enum!(
    /// A state's part in putting a resolution forward.
    SponsorRole, "sponsor role" {
        Main = "main",
        Co = "co",
    }
);

res_enum!(
    /// What a roll call was on: the whole resolution, an amendment, or a paragraph
    /// (kept apart: only the first is the resolution's vote).
    RollCallKind, "roll call kind" {
        Resolution = "resolution",
        Amendment = "amendment",
        Paragraph = "paragraph",
    }
);

res_enum!(
    /// A state's position on one resolution, as a scorecard shows it.
    Position, "position" {
        Yes = "yes",
        No = "no",
        Abstain = "abstain",
        Absent = "absent",
        Consensus = "consensus",
        NotRecorded = "not_recorded",
    }
);

impl Adoption {
    /// Adopted with no vote on the whole text: every member present joined.
    pub fn is_consensus(self) -> bool {
        matches!(self, Adoption::Consensus | Adoption::WithoutVote)
    }
}

/// One canonical spelling of a UN document symbol, or `None` if `s` is not one.
///
/// Upper case, no spaces; the voting data set's `R/70/161` and a bare `RES/70/161`
/// become `A/RES/70/161`, `HRC/RES/31/32` becomes `A/HRC/RES/31/32`. A symbol needs
/// at least two parts and only letters, digits and `/ . - ( )`.
pub fn normalise_symbol(s: &str) -> Option<String> {
    let mut t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    while t.ends_with('.') || t.ends_with('/') {
        t.pop();
    }
    if let Some(rest) = t.strip_prefix("R/") {
        t = format!("A/RES/{rest}");
    } else if let Some(rest) = t.strip_prefix("RES/") {
        t = format!("A/RES/{rest}");
    } else if let Some(rest) = t.strip_prefix("HRC/RES/") {
        t = format!("A/HRC/RES/{rest}");
    }
    let ok = !t.is_empty()
        && t.len() <= MAX_SYMBOL
        && t.contains('/')
        && t.split('/').all(|p| !p.is_empty())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '(' | ')'));
    ok.then_some(t)
}

/// A topic tag: lower-case letters, digits and `_` (e.g. `defenders`), 1–40 long.
pub fn normalise_topic(s: &str) -> Option<String> {
    let t: String = s
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect();
    let ok = !t.is_empty()
        && t.len() <= 40
        && t.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    ok.then_some(t)
}

/// Topic tags from a list separated by commas, semicolons or spaces.
pub fn parse_topics(e: &mut FieldErrors, field: &str, s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in s.split([',', ';', '\n']) {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        match normalise_topic(raw) {
            Some(t) if !out.contains(&t) => out.push(t),
            Some(_) => {}
            None => e.add(field, "err-resolution-topic", Some(raw.to_owned())),
        }
    }
    out
}

/// States from a list separated by semicolons or new lines (names may hold commas:
/// "Korea, Republic of"). Each resolves through the country service.
pub fn parse_states(e: &mut FieldErrors, field: &str, s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in s.split([';', '\n']) {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        match Countries::get().resolve(raw) {
            Some(c) if !out.contains(&c.alpha2) => out.push(c.alpha2.clone()),
            Some(_) => {}
            None => e.add(field, "err-unknown-country", Some(raw.to_owned())),
        }
    }
    out
}

/// A vote as the UN General Assembly voting data set codes it (1 yes, 2 abstain,
/// 3 no, 8 absent, 9 not a member), or in words as the `unvotes` package gives it.
/// `Ok(None)`: not a member then, so no vote is recorded.
pub fn parse_vote(s: &str) -> Result<Option<VoteChoice>, crate::DomainError> {
    match s.trim().to_lowercase().as_str() {
        "1" | "yes" | "y" => Ok(Some(VoteChoice::Yes)),
        "2" | "abstain" | "abstention" | "a" => Ok(Some(VoteChoice::Abstain)),
        "3" | "no" | "n" => Ok(Some(VoteChoice::No)),
        "8" | "absent" | "non-voting" | "not voting" => Ok(Some(VoteChoice::Absent)),
        "9" | "not a member" | "non-member" => Ok(None),
        _ => Err(crate::DomainError::Unknown {
            what: "vote",
            value: s.to_owned(),
        }),
    }
}

/// Correlates of War three-letter state abbreviations that older releases of the
/// voting data set use, where they differ from ISO 3166-1 alpha-3 (mapped to the
/// alpha-2 code). Only current UN members and observers.
#[rustfmt::skip]
const COW_CODES: &[(&str, &str)] = &[
    ("AAB", "AG"), ("ALG", "DZ"), ("ANG", "AO"), ("AUL", "AU"), ("AUS", "AT"),
    ("BAH", "BH"), ("BAR", "BB"), ("BFO", "BF"), ("BHM", "BS"), ("BHU", "BT"),
    ("BNG", "BD"), ("BOS", "BA"), ("BOT", "BW"), ("BUI", "BI"), ("BUL", "BG"),
    ("CAM", "KH"), ("CAO", "CM"), ("CAP", "CV"), ("CDI", "CI"), ("CEN", "CF"),
    ("CHA", "TD"), ("CON", "CG"), ("COS", "CR"), ("CRO", "HR"), ("CZR", "CZ"),
    ("DEN", "DK"), ("DRC", "CD"), ("DRV", "VN"), ("EQG", "GQ"), ("ETM", "TL"),
    ("FIJ", "FJ"), ("FRN", "FR"), ("GAM", "GM"), ("GMY", "DE"), ("GRG", "GE"),
    ("GUA", "GT"), ("GUI", "GN"), ("HAI", "HT"), ("HON", "HN"), ("ICE", "IS"),
    ("INS", "ID"), ("IRE", "IE"), ("KUW", "KW"), ("KYR", "KG"), ("KZK", "KZ"),
    ("LAT", "LV"), ("LEB", "LB"), ("LES", "LS"), ("LIB", "LY"), ("LIT", "LT"),
    ("MAA", "MR"), ("MAC", "MK"), ("MAD", "MV"), ("MAG", "MG"), ("MAL", "MY"),
    ("MAS", "MU"), ("MAW", "MW"), ("MLD", "MD"), ("MNC", "MC"), ("MNG", "ME"),
    ("MON", "MN"), ("MOR", "MA"), ("MSI", "MH"), ("MYA", "MM"), ("MZM", "MZ"),
    ("NEW", "NZ"), ("NIG", "NG"), ("NIR", "NE"), ("NTH", "NL"), ("OMA", "OM"),
    ("PAL", "PW"), ("PAR", "PY"), ("PHI", "PH"), ("POR", "PT"), ("ROK", "KR"),
    ("ROM", "RO"), ("SAF", "ZA"), ("SAL", "SV"), ("SEY", "SC"), ("SIE", "SL"),
    ("SIN", "SG"), ("SKN", "KN"), ("SLO", "SK"), ("SLU", "LC"), ("SLV", "SI"),
    ("SNM", "SM"), ("SOL", "SB"), ("SPN", "ES"), ("SRI", "LK"), ("SUD", "SD"),
    ("SWA", "SZ"), ("SWD", "SE"), ("SWZ", "CH"), ("TAJ", "TJ"), ("TAW", "TW"),
    ("TAZ", "TZ"), ("THI", "TH"), ("TOG", "TG"), ("TRI", "TT"), ("UAE", "AE"),
    ("UKG", "GB"), ("URU", "UY"), ("VAN", "VU"), ("YAR", "YE"), ("YUG", "RS"),
    ("ZAM", "ZM"), ("ZIM", "ZW"), ("GRN", "GD"), ("DMA", "DM"), ("SVG", "VC"),
    ("BLZ", "BZ"), ("GUY", "GY"), ("SUR", "SR"), ("STP", "ST"), ("GNB", "GW"),
    ("LBR", "LR"), ("GHA", "GH"), ("GAB", "GA"), ("UGA", "UG"), ("KEN", "KE"),
    ("RWA", "RW"), ("SOM", "SO"), ("DJI", "DJ"), ("ETH", "ET"), ("ERI", "ER"),
    ("NAM", "NA"), ("COM", "KM"), ("SSD", "SS"), ("TKM", "TM"), ("UZB", "UZ"),
    ("PRK", "KP"), ("NEP", "NP"), ("BRU", "BN"), ("PNG", "PG"), ("KIR", "KI"),
    ("TUV", "TV"), ("TON", "TO"), ("NAU", "NR"), ("FSM", "FM"), ("WSM", "WS"),
];

/// Which state a row of a votes file means, from its country name and code.
///
/// The code may be ISO alpha-2 (the `unvotes` layout), ISO alpha-3 or a Correlates of
/// War abbreviation (older releases). Where the name resolves it decides between the
/// readings of a code, and a code that contradicts it is refused; a code read
/// differently by ISO and COW (`AUS`, `MNG`, `SWZ`) without a name is refused too.
pub fn resolve_state(name: &str, code: &str) -> Result<&'static Country, String> {
    let countries = Countries::get();
    let code = code.trim();
    let by_name = if name.trim().is_empty() {
        None
    } else {
        countries.resolve(name)
    };
    let by_iso = if code.is_empty() || code.chars().all(|c| c.is_ascii_digit()) {
        None
    } else {
        countries.resolve(code)
    };
    let upper = code.to_uppercase();
    let by_cow = COW_CODES
        .iter()
        .find(|(c, _)| *c == upper)
        .and_then(|(_, a2)| countries.by_alpha2(a2));
    match by_name {
        Some(n) => {
            let agrees = |c: Option<&Country>| c.is_some_and(|c| c.alpha2 == n.alpha2);
            if code.is_empty() || agrees(by_iso) || agrees(by_cow) {
                Ok(n)
            } else if by_iso.is_none() && by_cow.is_none() {
                // A code no table knows cannot contradict a name that resolves.
                Ok(n)
            } else {
                Err(format!(
                    "country {:?} and country_code {code:?} name different states",
                    name.trim()
                ))
            }
        }
        None => match (by_iso, by_cow) {
            (Some(a), Some(b)) if a.alpha2 != b.alpha2 => Err(format!(
                "country_code {code:?} is ambiguous ({} as ISO, {} as COW); give the country name",
                a.alpha2, b.alpha2
            )),
            (Some(a), _) => Ok(a),
            (None, Some(b)) => Ok(b),
            (None, None) if name.trim().is_empty() && code.is_empty() => {
                Err("no country or country_code".to_owned())
            }
            (None, None) => Err(format!(
                "unknown state: country {:?}, country_code {code:?}",
                name.trim()
            )),
        },
    }
}

/// The two non-member observer States of the General Assembly (Holy See, State of
/// Palestine). `Country::un_member` comes from the maintained `keshvar` data set,
/// which has no observer flag; the list has been the same since 2012 (A/RES/67/19).
pub const UN_OBSERVER_STATES: &[&str] = &["VA", "PS"];

/// Members and observers: the states a resolution's record may name.
pub fn un_states() -> Vec<&'static Country> {
    Countries::get()
        .all()
        .iter()
        .filter(|c| c.un_member || UN_OBSERVER_STATES.contains(&c.alpha2.as_str()))
        .collect()
}

/// A resolution as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resolution {
    pub id: Id,
    /// Canonical symbol, e.g. `A/RES/70/161`.
    pub symbol: String,
    pub title: String,
    pub body: Body,
    pub session: Option<i64>,
    pub adopted_on: Option<NaiveDate>,
    pub adoption: Adoption,
    pub topics: Vec<String>,
}

/// A resolution as a form, the API or a CSV row gives it: all text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ResolutionInput {
    /// Any common spelling: `A/RES/70/161`, `R/70/161`.
    pub symbol: String,
    pub title: String,
    /// `ga_plenary`, `third_committee`, `hrc` or `other`.
    pub body: String,
    pub session: String,
    /// `YYYY-MM-DD`.
    pub adopted_on: String,
    /// `consensus`, `recorded_vote` or `without_vote`.
    pub adoption: String,
    /// Topic tags separated by commas (e.g. `defenders, journalists`).
    pub topics: String,
    /// Main sponsors (names or codes) separated by semicolons or new lines; on an
    /// update, empty leaves the stored lists alone only if `co_sponsors` is empty too.
    pub main_sponsors: String,
    pub co_sponsors: String,
}

/// A checked resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidResolution {
    pub symbol: String,
    pub title: String,
    pub body: Body,
    pub session: Option<i64>,
    pub adopted_on: Option<NaiveDate>,
    pub adoption: Adoption,
    pub topics: Vec<String>,
    /// `(alpha-2, role)`, main sponsors first.
    pub sponsors: Vec<(String, SponsorRole)>,
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

/// Check a symbol field.
pub fn symbol(e: &mut FieldErrors, field: &str, value: &str) -> String {
    if value.trim().is_empty() {
        e.add(field, "err-required", None);
        return String::new();
    }
    match normalise_symbol(value) {
        Some(s) => s,
        None => {
            e.add(
                field,
                "err-resolution-symbol",
                Some(value.trim().to_owned()),
            );
            String::new()
        }
    }
}

/// A session number (1–200), or none if empty.
pub fn session(e: &mut FieldErrors, field: &str, value: &str) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<i64>() {
        Ok(n) if (1..=200).contains(&n) => Some(n),
        _ => {
            e.add(field, "err-resolution-session", Some(v.to_owned()));
            None
        }
    }
}

impl ResolutionInput {
    pub fn validate(&self) -> Result<ValidResolution, FieldErrors> {
        let mut e = FieldErrors::default();
        let symbol = symbol(&mut e, "symbol", &self.symbol);
        let title = text(&mut e, "title", &self.title, true, MAX_TITLE);
        let body = match self.body.trim() {
            "" => Some(Body::GaPlenary),
            b => b.parse().ok().or_else(|| {
                e.add("body", "err-unknown-code", Some(b.to_owned()));
                None
            }),
        };
        let session = session(&mut e, "session", &self.session);
        let adopted_on = match self.adopted_on.trim() {
            "" => None,
            d => NaiveDate::parse_from_str(d, "%Y-%m-%d").ok().or_else(|| {
                e.add("adopted_on", "err-date-format", Some(d.to_owned()));
                None
            }),
        };
        let adoption = match self.adoption.trim() {
            "" => {
                e.add("adoption", "err-required", None);
                None
            }
            // `unknown` is what an import leaves; a person says how it was adopted.
            "unknown" => {
                e.add("adoption", "err-unknown-code", Some("unknown".into()));
                None
            }
            a => a.parse().ok().or_else(|| {
                e.add("adoption", "err-unknown-code", Some(a.to_owned()));
                None
            }),
        };
        let topics = parse_topics(&mut e, "topics", &self.topics);
        let main = parse_states(&mut e, "main_sponsors", &self.main_sponsors);
        let co = parse_states(&mut e, "co_sponsors", &self.co_sponsors);
        for s in &co {
            if main.contains(s) {
                e.add(
                    "co_sponsors",
                    "err-resolution-sponsor-twice",
                    Some(s.clone()),
                );
            }
        }
        // Stored and compared in one order: main sponsors first, each group by code.
        let (mut main, mut co, mut topics) = (main, co, topics);
        main.sort();
        co.sort();
        topics.sort();
        let mut sponsors: Vec<(String, SponsorRole)> =
            main.into_iter().map(|s| (s, SponsorRole::Main)).collect();
        sponsors.extend(co.into_iter().map(|s| (s, SponsorRole::Co)));
        match (body, adoption, e.is_empty()) {
            (Some(body), Some(adoption), true) => Ok(ValidResolution {
                symbol,
                title,
                body,
                session,
                adopted_on,
                adoption,
                topics,
                sponsors,
            }),
            _ => Err(e),
        }
    }
}

/// An operative paragraph and the violation types it addresses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Paragraph {
    pub id: Id,
    /// As numbered in the resolution (`1`, `7 bis`).
    pub number: String,
    pub text: String,
    /// Violation-type vocabulary codes.
    pub violation_types: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ParagraphInput {
    pub number: String,
    pub text: String,
    /// Violation-type codes separated by commas.
    pub violation_types: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidParagraph {
    pub number: String,
    pub text: String,
    pub violation_types: Vec<String>,
}

impl ParagraphInput {
    pub fn validate(&self, vocab: &Vocabularies) -> Result<ValidParagraph, FieldErrors> {
        let mut e = FieldErrors::default();
        let number = text(&mut e, "number", &self.number, true, 20);
        let text = text(&mut e, "text", &self.text, true, MAX_TEXT);
        let mut types = Vec::new();
        for raw in self.violation_types.split([',', ';', '\n']) {
            let t = raw.trim();
            if t.is_empty() {
                continue;
            }
            if !vocab.contains(VocabKind::ViolationType, t) {
                e.add("violation_types", "err-unknown-code", Some(t.to_owned()));
            } else if !types.iter().any(|x| x == t) {
                types.push(t.to_owned());
            }
        }
        e.into_result(ValidParagraph {
            number,
            text,
            violation_types: types,
        })
    }
}

/// One state's part in a resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sponsor {
    /// ISO 3166-1 alpha-2.
    pub state: String,
    pub role: SponsorRole,
}

/// One state's recorded vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateVote {
    pub state: String,
    pub vote: VoteChoice,
}

/// Counts of a roll call, computed from the stored votes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tally {
    pub yes: i64,
    pub no: i64,
    pub abstain: i64,
    pub absent: i64,
}

impl Tally {
    pub fn of(votes: &[StateVote]) -> Tally {
        let mut t = Tally::default();
        for v in votes {
            match v.vote {
                VoteChoice::Yes => t.yes += 1,
                VoteChoice::No => t.no += 1,
                VoteChoice::Abstain => t.abstain += 1,
                VoteChoice::Absent => t.absent += 1,
            }
        }
        t
    }

    /// Yes / no / abstain as the record writes it: `148-3-25`.
    pub fn record(&self) -> String {
        format!("{}-{}-{}", self.yes, self.no, self.abstain)
    }
}

/// One roll call with its votes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RollCall {
    pub id: Id,
    /// The voting data set's roll-call id, when imported.
    pub rcid: Option<i64>,
    pub kind: RollCallKind,
    pub voted_on: Option<NaiveDate>,
    pub important: bool,
    pub short: String,
    pub description: String,
    pub tally: Tally,
    pub votes: Vec<StateVote>,
}

/// A resolution in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolutionSummary {
    #[serde(flatten)]
    pub resolution: Resolution,
    /// Tally of the vote on the whole text, if there was one.
    pub tally: Option<Tally>,
    pub sponsors: i64,
}

/// A resolution with everything the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolutionFile {
    pub resolution: Resolution,
    pub sponsors: Vec<Sponsor>,
    /// Votes on the whole text first, then amendments and paragraphs.
    pub roll_calls: Vec<RollCall>,
    pub paragraphs: Vec<Paragraph>,
    /// Resolutions sharing a topic with this one, oldest first (this one included).
    pub same_topic: Vec<Resolution>,
}

impl ResolutionFile {
    /// The vote on the whole text (the latest, if there were several).
    pub fn main_vote(&self) -> Option<&RollCall> {
        self.roll_calls
            .iter()
            .filter(|r| r.kind == RollCallKind::Resolution)
            .max_by_key(|r| (r.voted_on, r.id))
    }

    /// Amendment and paragraph votes.
    pub fn other_votes(&self) -> Vec<&RollCall> {
        self.roll_calls
            .iter()
            .filter(|r| r.kind != RollCallKind::Resolution)
            .collect()
    }
}

/// What a state did on one resolution: its sponsorship and its position.
pub fn position(adoption: Adoption, vote: Option<VoteChoice>, is_member: bool) -> Position {
    match vote {
        Some(VoteChoice::Yes) => Position::Yes,
        Some(VoteChoice::No) => Position::No,
        Some(VoteChoice::Abstain) => Position::Abstain,
        Some(VoteChoice::Absent) => Position::Absent,
        None if adoption.is_consensus() && is_member => Position::Consensus,
        None => Position::NotRecorded,
    }
}

/// One line of a state's scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreLine {
    pub resolution_id: Id,
    pub symbol: String,
    pub title: String,
    pub adopted_on: Option<NaiveDate>,
    pub adoption: Adoption,
    pub sponsor: Option<SponsorRole>,
    pub position: Position,
}

/// Totals over a scorecard's lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreTotals {
    pub sponsored: i64,
    pub co_sponsored: i64,
    pub yes: i64,
    pub no: i64,
    pub abstain: i64,
    pub absent: i64,
    pub consensus: i64,
}

impl ScoreTotals {
    pub fn of(lines: &[ScoreLine]) -> ScoreTotals {
        let mut t = ScoreTotals::default();
        for l in lines {
            match l.sponsor {
                Some(SponsorRole::Main) => t.sponsored += 1,
                Some(SponsorRole::Co) => t.co_sponsored += 1,
                None => {}
            }
            match l.position {
                Position::Yes => t.yes += 1,
                Position::No => t.no += 1,
                Position::Abstain => t.abstain += 1,
                Position::Absent => t.absent += 1,
                Position::Consensus => t.consensus += 1,
                Position::NotRecorded => {}
            }
        }
        t
    }
}

/// A state's record on one topic beside the violations documented in its territory.
/// The two tables come from the statistics layer (compartment-checked counts).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scorecard {
    pub state: Country,
    /// Empty: every topic.
    pub topic: String,
    pub lines: Vec<ScoreLine>,
    pub totals: ScoreTotals,
    /// Violations in the state's territory, by year and violation type.
    pub violations: StatsTable,
    /// The same, only those with a perpetrator of a state-actor type.
    pub by_state_actors: StatsTable,
}

/// One sponsor of a resolution beside the incidents documented in its territory in
/// the chosen year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComparisonLine {
    pub state: String,
    pub name: String,
    pub role: SponsorRole,
    pub incidents: i64,
    pub by_state_actors: i64,
}

/// "Sponsors of resolution X where killings were documented in year Y."
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comparison {
    pub resolution: Resolution,
    pub year: i32,
    /// `killing`, `criminalisation` or `curtailing` (the violation types mapped to it).
    pub verb: String,
    /// Sponsors with at least one incident, most first.
    pub documented: Vec<ComparisonLine>,
    /// How many sponsors had none the reader may count.
    pub without: usize,
}

/// One roll call read from a roll-call file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollCallRow {
    pub line: u64,
    pub rcid: i64,
    pub session: Option<i64>,
    pub important: bool,
    pub voted_on: NaiveDate,
    pub symbol: String,
    pub kind: RollCallKind,
    pub short: String,
    pub description: String,
}

/// One vote read from a votes file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteRow {
    pub line: u64,
    pub rcid: i64,
    pub state: String,
    pub vote: VoteChoice,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolutionImportCounts {
    pub resolutions_created: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    #[test]
    fn symbols_normalise_to_one_form() {
        for s in [
            "R/70/161",
            "A/RES/70/161",
            "A/RES/70/161 ",
            " a/res/70/161",
            "RES/70/161",
            "A/RES/70/ 161.",
        ] {
            assert_eq!(normalise_symbol(s).as_deref(), Some("A/RES/70/161"), "{s}");
        }
        assert_eq!(
            normalise_symbol("hrc/res/31/32").as_deref(),
            Some("A/HRC/RES/31/32")
        );
        assert_eq!(
            normalise_symbol("A/C.3/70/L.46").as_deref(),
            Some("A/C.3/70/L.46")
        );
        for bad in ["", "161", "A//RES", "A/RES/70/161;DROP", "/"] {
            assert_eq!(normalise_symbol(bad), None, "{bad}");
        }
        // Normalising twice changes nothing.
        let once = normalise_symbol("R/ES-10/19").unwrap_or_default();
        assert_eq!(normalise_symbol(&once), Some(once.clone()));
    }

    #[test]
    fn vote_codes_follow_the_codebook() {
        assert_eq!(parse_vote("1"), Ok(Some(VoteChoice::Yes)));
        assert_eq!(parse_vote("2"), Ok(Some(VoteChoice::Abstain)));
        assert_eq!(parse_vote("3"), Ok(Some(VoteChoice::No)));
        assert_eq!(parse_vote("8"), Ok(Some(VoteChoice::Absent)));
        assert_eq!(parse_vote("9"), Ok(None));
        assert_eq!(parse_vote("yes"), Ok(Some(VoteChoice::Yes)));
        assert!(parse_vote("4").is_err());
    }

    #[test]
    fn states_resolve_by_iso_cow_and_name() {
        let a2 = |n: &str, c: &str| resolve_state(n, c).map(|c| c.alpha2.clone());
        assert_eq!(a2("Norway", "NO"), Ok("NO".into()));
        assert_eq!(a2("", "NOR"), Ok("NO".into()));
        assert_eq!(a2("", "UKG"), Ok("GB".into()));
        assert_eq!(a2("Germany", "GMY"), Ok("DE".into()));
        // COW's Austria is ISO's Australia: the name decides, alone it is refused.
        assert_eq!(a2("Austria", "AUS"), Ok("AT".into()));
        assert_eq!(a2("Australia", "AUS"), Ok("AU".into()));
        assert!(a2("", "AUS").is_err());
        assert!(a2("Norway", "SE").is_err());
        assert!(a2("Atlantis", "XX").is_err());
        assert!(a2("", "").is_err());
    }

    #[test]
    fn tally_and_positions() {
        let v = |s: &str, vote| StateVote {
            state: s.into(),
            vote,
        };
        let t = Tally::of(&[
            v("NO", VoteChoice::Yes),
            v("SE", VoteChoice::Yes),
            v("CN", VoteChoice::No),
            v("IN", VoteChoice::Abstain),
            v("TD", VoteChoice::Absent),
        ]);
        assert_eq!(t.record(), "2-1-1");
        assert_eq!(t.absent, 1);
        assert_eq!(
            position(Adoption::Consensus, None, true),
            Position::Consensus
        );
        assert_eq!(
            position(Adoption::Consensus, None, false),
            Position::NotRecorded
        );
        assert_eq!(
            position(Adoption::RecordedVote, None, true),
            Position::NotRecorded
        );
        assert_eq!(
            position(Adoption::RecordedVote, Some(VoteChoice::No), true),
            Position::No
        );
    }

    #[test]
    fn input_validates_every_field() {
        let bad = ResolutionInput {
            symbol: "nonsense".into(),
            adoption: "maybe".into(),
            co_sponsors: "Norway; Atlantis".into(),
            topics: "defenders, b@d".into(),
            ..Default::default()
        };
        let e = bad.validate().err().unwrap_or_default();
        for f in ["symbol", "title", "adoption", "co_sponsors", "topics"] {
            assert!(e.for_field(f).is_some(), "{f}: {e}");
        }
        let ok = ResolutionInput {
            symbol: "R/72/247".into(),
            title: "Human rights defenders".into(),
            adoption: "consensus".into(),
            topics: "Defenders".into(),
            main_sponsors: "Norway".into(),
            co_sponsors: "Sweden;Mexico".into(),
            ..Default::default()
        }
        .validate();
        let ok = ok.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.symbol, "A/RES/72/247");
        assert_eq!(ok.topics, vec!["defenders".to_owned()]);
        assert_eq!(ok.sponsors.len(), 3);
        assert_eq!(ok.sponsors[0], ("NO".to_owned(), SponsorRole::Main));
        assert_eq!(ok.sponsors[1], ("MX".to_owned(), SponsorRole::Co));
    }
}
