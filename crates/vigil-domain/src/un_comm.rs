//! Submissions to the UN Special Rapporteur on the situation of human rights defenders
//! (issue 6, point 6): what the officer adds before generating one, what a submission
//! holds, and its plain-text rendering.
//!
//! The sections follow the mandate's guidance for submitting allegations (see
//! docs/usage.md, "UN communications"): the alleged victim and their human rights
//! work; what happened, when and where; who is believed responsible; the steps taken
//! by the authorities; the victim's consent; the submitting organisation. The text is
//! English with fixed wording, so two generations from the same data are identical.
//! Nothing here decides *whether* a submission may be made: the store refuses one for
//! a person who has not consented to sharing with the UN.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::model::{Id, PartialDate, Precision, PublishConsent};
use crate::validate::FieldErrors;

/// Longest free text accepted on the form (characters).
pub const MAX_STEPS: usize = 20_000;
pub const MAX_LINE: usize = 300;
/// Width of the plain text.
pub const WIDTH: usize = 72;
/// The mandate's address for submissions (its web page, "Submit information").
pub const SR_EMAIL: &str = "hrc-sr-defenders@un.org";

/// The two kinds of letter the Special Rapporteur sends, which a submission asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnKind {
    /// The violation is ongoing or about to occur.
    UrgentAppeal,
    /// The violation has already occurred.
    AllegationLetter,
}

impl UnKind {
    pub const ALL: &'static [UnKind] = &[UnKind::UrgentAppeal, UnKind::AllegationLetter];

    pub fn code(self) -> &'static str {
        match self {
            UnKind::UrgentAppeal => "urgent_appeal",
            UnKind::AllegationLetter => "allegation_letter",
        }
    }

    /// The type in the submission's words.
    pub fn words(self) -> &'static str {
        match self {
            UnKind::UrgentAppeal => "Urgent appeal (the violation is ongoing or about to occur)",
            UnKind::AllegationLetter => "Allegation letter (the violation has already occurred)",
        }
    }
}

impl std::fmt::Display for UnKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for UnKind {
    type Err = crate::DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UnKind::ALL
            .iter()
            .copied()
            .find(|k| k.code() == s)
            .ok_or_else(|| crate::DomainError::Unknown {
                what: "communication type",
                value: s.to_owned(),
            })
    }
}

/// How a submission was handed out (recorded with each generation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnFormat {
    /// The printable page.
    Html,
    /// The plain-text download.
    Text,
    /// The API's JSON (with the text inside).
    Json,
}

impl UnFormat {
    pub fn code(self) -> &'static str {
        match self {
            UnFormat::Html => "html",
            UnFormat::Text => "text",
            UnFormat::Json => "json",
        }
    }

    pub fn parse(s: &str) -> Option<UnFormat> {
        match s {
            "html" => Some(UnFormat::Html),
            "text" => Some(UnFormat::Text),
            "json" => Some(UnFormat::Json),
            _ => None,
        }
    }
}

/// What the officer fills in before generating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct UnInput {
    /// `urgent_appeal` or `allegation_letter`.
    pub kind: String,
    /// Steps taken by the authorities (complaints lodged, investigations opened,
    /// protection granted or refused, and their results). Required: write "None known"
    /// when there were none.
    pub authorities_steps: String,
    /// The submitting organisation's name.
    pub organisation: String,
    /// How the Special Rapporteur's office can reach the submitting organisation
    /// (e-mail, telephone).
    pub contact: String,
}

/// An input that passed [`UnInput::validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidUnInput {
    pub kind: UnKind,
    pub authorities_steps: String,
    pub organisation: String,
    pub contact: String,
}

fn text(e: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() {
        e.add(field, "err-required", None);
    } else if v.chars().count() > max {
        e.add(field, "err-too-long", Some(max.to_string()));
    }
    v.to_owned()
}

/// One line: no line breaks (a name or an address).
fn line(e: &mut FieldErrors, field: &str, value: &str) -> String {
    let v = text(e, field, value, MAX_LINE);
    if v.contains(['\n', '\r']) {
        e.add(field, "err-one-line", None);
    }
    v
}

impl UnInput {
    pub fn validate(&self) -> Result<ValidUnInput, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = match self.kind.trim() {
            "" => {
                e.add("kind", "err-required", None);
                None
            }
            k => match k.parse::<UnKind>() {
                Ok(k) => Some(k),
                Err(_) => {
                    e.add("kind", "err-unknown-code", Some(k.to_owned()));
                    None
                }
            },
        };
        let authorities_steps = text(
            &mut e,
            "authorities_steps",
            &self.authorities_steps,
            MAX_STEPS,
        );
        let organisation = line(&mut e, "organisation", &self.organisation);
        let contact = line(&mut e, "contact", &self.contact);
        match (kind, e.is_empty()) {
            (Some(kind), true) => Ok(ValidUnInput {
                kind,
                authorities_steps,
                organisation,
                contact,
            }),
            _ => Err(e),
        }
    }
}

// ---------------------------------------------------------------- the submission

/// The alleged victim and their work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnVictim {
    /// Legal name (sensitive).
    pub name: String,
    /// Vigil's pseudonymous code.
    pub code: String,
    pub sex: Option<String>,
    /// e.g. `30 to 44 years`, from the birth year.
    pub age_group: Option<String>,
    pub sectors: Vec<String>,
    pub characteristics: Vec<String>,
    /// The primary group for SDG 16.10.1 (human rights defender, journalist, …).
    pub sdg_group: Option<String>,
    /// Organisations, communities or movements they belong to (name and type).
    pub organisations: Vec<String>,
}

/// Someone believed responsible.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnPerpetrator {
    /// The perpetrator type's label (Police, Company, …).
    pub perpetrator_type: String,
    /// `state`, `non_state` or `unknown`.
    pub actor: String,
    /// A named person or group, when one is recorded.
    pub name: Option<String>,
}

impl UnPerpetrator {
    /// `Police (State actor): name`, as the submission says it.
    pub fn words(&self) -> String {
        let actor = match self.actor.as_str() {
            "state" => "State actor",
            "non_state" => "Non-state actor",
            _ => "State or non-state not known",
        };
        match &self.name {
            Some(n) => format!("{} ({actor}): {n}", self.perpetrator_type),
            None => format!("{} ({actor})", self.perpetrator_type),
        }
    }
}

/// One violation against the victim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnViolation {
    /// The violation type's label.
    pub violation_type: String,
    pub date: PartialDate,
    pub outcome: String,
    /// A reprisal for cooperation with the UN.
    pub reprisal_un: bool,
    pub perpetrators: Vec<UnPerpetrator>,
}

/// One linked incident: what happened, when and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnEvent {
    pub incident_id: Id,
    pub title: String,
    pub start: PartialDate,
    pub end: Option<PartialDate>,
    /// Locality, region, country (names).
    pub place: String,
    /// Violations against the victim in this incident (others' are left out: they
    /// have not consented to this submission).
    pub violations: Vec<UnViolation>,
    /// The incident's narrative (sensitive).
    pub narrative: String,
}

/// The victim's consent as recorded in Vigil.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnConsent {
    /// Consent to share with partner organisations and the UN. Always true in a
    /// generated submission: without it none is generated.
    pub share_with_un: bool,
    /// The person agreed to be named in public outputs (publication consent `named`),
    /// which answers the mandate's question about its public reports.
    pub named_in_public_reports: bool,
    /// The recorded publication consent (`no`, `aggregate_only`, `named`).
    pub publish: PublishConsent,
}

/// A submission, ready to print or send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnCommunication {
    pub kind: UnKind,
    pub generated_on: NaiveDate,
    pub case_id: Id,
    pub victim: UnVictim,
    pub events: Vec<UnEvent>,
    /// Everyone believed responsible, across the events, without repeats.
    pub responsible: Vec<UnPerpetrator>,
    pub authorities_steps: String,
    pub consent: UnConsent,
    pub organisation: String,
    pub contact: String,
    /// The Vigil user who generated it.
    pub prepared_by: String,
}

/// A record of one generation (who, when, how; never the text itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnRecord {
    pub id: Id,
    pub case_id: Id,
    pub kind: UnKind,
    pub format: UnFormat,
    pub incident_ids: Vec<Id>,
    /// SHA-256 of the plain text, to match a sent copy with this record.
    pub text_sha256: String,
    pub created_by: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// An age band from a birth year, as of `on` (the year only: the band may be one year
/// off around a birthday, which a band absorbs better than an exact age would).
pub fn age_group(birth_year: Option<i32>, on: NaiveDate) -> Option<String> {
    let age = on.year() - birth_year?;
    let band = match age {
        i32::MIN..=-1 => return None,
        0..=17 => "Under 18 years",
        18..=29 => "18 to 29 years",
        30..=44 => "30 to 44 years",
        45..=59 => "45 to 59 years",
        _ => "60 years or over",
    };
    Some(band.to_owned())
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date in words at the precision it is known: `15 March 2024`, `March 2024 (day
/// not known)`, `2024 (month and day not known)`.
pub fn date_words(d: &PartialDate) -> String {
    let month = MONTHS
        .get(d.date.month0() as usize)
        .copied()
        .unwrap_or_default();
    match d.precision {
        Precision::Day => format!("{} {month} {}", d.date.day(), d.date.year()),
        Precision::Month => format!("{month} {} (day not known)", d.date.year()),
        Precision::Year => format!("{} (month and day not known)", d.date.year()),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

/// Fill `text` into lines of at most `width` characters, the first starting with
/// `first`, the others with `rest` (words longer than a line stay whole). Line breaks
/// in `text` are kept; blank lines become one empty line.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut prefix = first;
    for para in text.trim().lines() {
        let para = para.trim();
        if para.is_empty() {
            if out.last().is_some_and(|l: &String| !l.is_empty()) {
                out.push(String::new());
            }
            continue;
        }
        let mut cur = prefix.to_owned();
        let mut len = prefix.chars().count();
        let mut empty = true;
        for word in para.split_whitespace() {
            let w = word.chars().count();
            if !empty && len + 1 + w > width {
                out.push(std::mem::take(&mut cur));
                prefix = rest;
                cur = prefix.to_owned();
                len = prefix.chars().count();
                empty = true;
            }
            if !empty {
                cur.push(' ');
                len += 1;
            }
            cur.push_str(word);
            len += w;
            empty = false;
        }
        out.push(cur);
        prefix = rest;
    }
    if out.is_empty() {
        out.push(first.trim_end().to_owned());
    }
    out
}

fn field(out: &mut Vec<String>, label: &str, value: &str) {
    let first = format!("{label}: ");
    out.extend(wrap(value, WIDTH, &first, "    "));
}

fn list_or(items: &[String], none: &str) -> String {
    if items.is_empty() {
        none.to_owned()
    } else {
        items.join("; ")
    }
}

impl UnCommunication {
    /// A short title (the document's and the download's).
    pub fn title(&self) -> String {
        format!(
            "Submission to the UN Special Rapporteur on the situation of human rights defenders: {}",
            self.victim.name
        )
    }

    /// The file name of the plain-text download (no name in it: it may be seen in a
    /// downloads folder).
    pub fn file_name(&self) -> String {
        format!(
            "un-communication-case-{}-{}.txt",
            self.case_id,
            self.generated_on.format("%Y-%m-%d")
        )
    }

    /// The events' places, for the page's "when and where" summary.
    pub fn when_where(e: &UnEvent) -> String {
        let when = match &e.end {
            Some(end) if end != &e.start => {
                format!("{} to {}", date_words(&e.start), date_words(end))
            }
            _ => date_words(&e.start),
        };
        format!("{when}, {}", e.place)
    }

    /// The submission as plain text, wrapped at [`WIDTH`] characters.
    pub fn to_text(&self) -> String {
        let mut o: Vec<String> = Vec::new();
        o.extend(wrap(
            "SUBMISSION TO THE UN SPECIAL RAPPORTEUR ON THE SITUATION OF HUMAN RIGHTS DEFENDERS",
            WIDTH,
            "",
            "",
        ));
        o.push(String::new());
        field(
            &mut o,
            "To",
            &format!(
                "Special Rapporteur on the situation of human rights defenders, OHCHR ({SR_EMAIL})"
            ),
        );
        field(&mut o, "Type of communication", self.kind.words());
        field(
            &mut o,
            "Date",
            &self.generated_on.format("%Y-%m-%d").to_string(),
        );
        field(
            &mut o,
            "Reference",
            &format!("Vigil case {}, {}", self.case_id, self.victim.code),
        );

        let v = &self.victim;
        o.push(String::new());
        o.push("1. IDENTITY OF THE ALLEGED VICTIM AND THEIR HUMAN RIGHTS WORK".into());
        field(&mut o, "Full name", &v.name);
        field(&mut o, "Sex", v.sex.as_deref().unwrap_or("Not recorded"));
        field(
            &mut o,
            "Age group",
            v.age_group.as_deref().unwrap_or("Not recorded"),
        );
        field(
            &mut o,
            "Defends (sectors)",
            &list_or(&v.sectors, "Not recorded"),
        );
        if let Some(g) = &v.sdg_group {
            field(&mut o, "Works as", g);
        }
        if !v.characteristics.is_empty() {
            field(&mut o, "Characteristics", &v.characteristics.join("; "));
        }
        field(
            &mut o,
            "Organisation(s)",
            &list_or(&v.organisations, "None recorded"),
        );

        o.push(String::new());
        o.push("2. WHAT HAPPENED, WHEN AND WHERE".into());
        for (n, e) in self.events.iter().enumerate() {
            o.push(String::new());
            o.extend(wrap(&e.title, WIDTH, &format!("2.{} ", n + 1), "    "));
            field(
                &mut o,
                "When",
                &match &e.end {
                    Some(end) if end != &e.start => {
                        format!("{} to {}", date_words(&e.start), date_words(end))
                    }
                    _ => date_words(&e.start),
                },
            );
            field(&mut o, "Where", &e.place);
            if e.violations.is_empty() {
                o.push("Violations: none recorded against the victim in this incident".into());
            } else {
                o.push("Violations:".into());
            }
            for x in &e.violations {
                let mut s = format!("{}, {}.", x.violation_type, date_words(&x.date));
                if !x.outcome.is_empty() {
                    s.push_str(&format!(" Outcome: {}.", x.outcome.trim_end_matches('.')));
                }
                if x.reprisal_un {
                    s.push_str(" Reported as a reprisal for cooperation with the United Nations.");
                }
                let who: Vec<String> = x.perpetrators.iter().map(UnPerpetrator::words).collect();
                s.push_str(&format!(
                    " Believed responsible: {}.",
                    list_or(&who, "not known")
                ));
                o.extend(wrap(&s, WIDTH, "  - ", "    "));
            }
            if !e.narrative.trim().is_empty() {
                o.push("Account:".into());
                o.extend(wrap(&e.narrative, WIDTH, "    ", "    "));
            }
        }

        o.push(String::new());
        o.push("3. WHO IS BELIEVED RESPONSIBLE".into());
        if self.responsible.is_empty() {
            o.push("Not known.".into());
        }
        for p in &self.responsible {
            o.extend(wrap(&p.words(), WIDTH, "  - ", "    "));
        }

        o.push(String::new());
        o.push("4. STEPS TAKEN BY THE AUTHORITIES".into());
        o.extend(wrap(&self.authorities_steps, WIDTH, "", ""));

        o.push(String::new());
        o.push("5. CONSENT OF THE ALLEGED VICTIM".into());
        o.extend(wrap(
            &format!(
                "The victim or their representative is aware of and agrees to this information, including their name, being sent to the Special Rapporteur and, if the case is taken up, in a letter to the Government or other actor concerned: {}",
                yes_no(self.consent.share_with_un)
            ),
            WIDTH,
            "  - ",
            "    ",
        ));
        o.extend(wrap(
            &format!(
                "The victim or their representative agrees that the letter containing their name is included in the Special Procedures' public reports and communications database: {}",
                yes_no(self.consent.named_in_public_reports)
            ),
            WIDTH,
            "  - ",
            "    ",
        ));

        o.push(String::new());
        o.push("6. SUBMITTED BY (TO BE KEPT CONFIDENTIAL)".into());
        field(&mut o, "Organisation", &self.organisation);
        field(&mut o, "Contact", &self.contact);
        field(
            &mut o,
            "Prepared by",
            &format!("{} (Vigil)", self.prepared_by),
        );
        let mut text = o.join("\n");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> PartialDate {
        s.parse().unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn dates_keep_their_precision() {
        assert_eq!(date_words(&d("2024-03-05")), "5 March 2024");
        assert_eq!(date_words(&d("2024-03")), "March 2024 (day not known)");
        assert_eq!(date_words(&d("2024")), "2024 (month and day not known)");
    }

    #[test]
    fn age_groups_come_from_the_birth_year() {
        let on = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
        assert_eq!(age_group(Some(1990), on).as_deref(), Some("30 to 44 years"));
        assert_eq!(age_group(Some(2010), on).as_deref(), Some("Under 18 years"));
        assert_eq!(
            age_group(Some(1950), on).as_deref(),
            Some("60 years or over")
        );
        assert_eq!(age_group(None, on), None);
        assert_eq!(age_group(Some(2030), on), None);
    }

    #[test]
    fn wrapping_keeps_lines_short_and_words_whole() {
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let lines = wrap(text, 20, "  - ", "    ");
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.first().map(String::as_str), Some("  - one two three"));
        assert!(lines.iter().skip(1).all(|l| l.starts_with("    ")));
        assert_eq!(
            lines
                .join(" ")
                .split_whitespace()
                .filter(|w| *w != "-")
                .collect::<Vec<_>>()
                .join(" "),
            text
        );
        let long = wrap("abcdefghijklmnopqrstuvwxyz", 10, "", "");
        assert_eq!(long, vec!["abcdefghijklmnopqrstuvwxyz".to_owned()]);
        assert_eq!(wrap("a\n\n\nb", 10, "", ""), vec!["a", "", "b"]);
    }

    #[test]
    fn the_form_names_each_bad_field() {
        let e = UnInput::default().validate().err().unwrap_or_default();
        for f in ["kind", "authorities_steps", "organisation", "contact"] {
            assert!(e.for_field(f).is_some(), "{f}");
        }
        let ok = UnInput {
            kind: "urgent_appeal".into(),
            authorities_steps: "A complaint was filed; no investigation.".into(),
            organisation: "Red de Defensoras".into(),
            contact: "protection@example.org".into(),
        };
        assert!(ok.validate().is_ok());
        let bad = UnInput {
            kind: "letter".into(),
            contact: "a\nb".into(),
            ..ok
        };
        let e = bad.validate().err().unwrap_or_default();
        assert_eq!(
            e.for_field("kind").map(|e| e.key.as_str()),
            Some("err-unknown-code")
        );
        assert_eq!(
            e.for_field("contact").map(|e| e.key.as_str()),
            Some("err-one-line")
        );
    }
}
