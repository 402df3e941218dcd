//! The detention tracker (DESIGN.md §4, issue 6 point 5): a case's person held
//! somewhere since a date, on charges, with court hearings, until released; days in
//! detention counted against a clock passed in; hearings as an iCalendar (RFC 5545)
//! feed for the team's calendars.
//!
//! Pure: validation, the day count, timeline entries and the calendar text. The feed
//! never carries a legal name, a detention place, charges or notes — only the
//! person's pseudonymous code, the case number, the hearing's date, time and court.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::case::TimelineEntry;
use crate::model::Id;
use crate::validate::FieldErrors;

/// Longest place, court or charges text accepted (characters).
pub const MAX_PLACE: usize = 500;
pub const MAX_TEXT: usize = 20_000;

/// Days held from `since` to `end` (the release date, or today while held): the
/// number of nights, so someone arrested and released the same day counts 0. Never
/// negative.
pub fn days_detained(since: NaiveDate, end: NaiveDate) -> i64 {
    (end - since).num_days().max(0)
}

/// One detention as stored. `place` and `charges` are sensitive (sealed on
/// PostgreSQL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Detention {
    pub id: Id,
    pub case_id: Id,
    /// The detained person: the case's subject.
    pub person_id: Id,
    /// Their pseudonymous code (`HRD-…`), never the legal name.
    pub person_code: String,
    pub place: String,
    pub since: NaiveDate,
    pub charges: String,
    /// Set when released: the detention is then closed.
    pub released_on: Option<NaiveDate>,
    /// Days held until release, or until "today" of the reader's clock.
    pub days: i64,
    pub hearings: Vec<Hearing>,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Detention {
    pub fn open(&self) -> bool {
        self.released_on.is_none()
    }

    /// Fill [`Detention::days`] for `today`.
    pub fn count_days(&mut self, today: NaiveDate) {
        self.days = days_detained(self.since, self.released_on.unwrap_or(today));
    }
}

/// A court hearing. `court` and `note` are sensitive (sealed on PostgreSQL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hearing {
    pub id: Id,
    pub detention_id: Id,
    pub held_on: NaiveDate,
    /// Local time at the court, if known (`HH:MM:SS` in JSON).
    pub held_at: Option<NaiveTime>,
    pub court: String,
    pub note: String,
}

/// Someone currently detained, for the list across cases (longest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Detained {
    pub detention: Detention,
    pub case_title: String,
    /// The next hearing on or after today, if one is set.
    pub next_hearing: Option<Hearing>,
}

/// What a protection officer submits to record or edit a detention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DetentionInput {
    /// Where the person is held (prison, police station). Required.
    pub place: String,
    /// `YYYY-MM-DD`, not in the future. Required.
    pub since: String,
    /// What they are charged with (empty: no charges known).
    pub charges: String,
    /// `YYYY-MM-DD`, on or after `since`, not in the future; closes the detention.
    pub released_on: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidDetention {
    pub place: String,
    pub since: NaiveDate,
    pub charges: String,
    pub released_on: Option<NaiveDate>,
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

fn date(e: &mut FieldErrors, field: &str, value: &str, required: bool) -> Option<NaiveDate> {
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

impl DetentionInput {
    pub fn validate(&self, today: NaiveDate) -> Result<ValidDetention, FieldErrors> {
        let mut e = FieldErrors::default();
        let place = text(&mut e, "place", &self.place, true, MAX_PLACE);
        let since = date(&mut e, "since", &self.since, true);
        let charges = text(&mut e, "charges", &self.charges, false, MAX_TEXT);
        let released_on = date(&mut e, "released_on", &self.released_on, false);
        for (field, d, raw) in [
            ("since", since, &self.since),
            ("released_on", released_on, &self.released_on),
        ] {
            if d.is_some_and(|d| d > today) {
                e.add(field, "err-date-future", Some(raw.trim().to_owned()));
            }
        }
        if let (Some(s), Some(r)) = (since, released_on) {
            if r < s {
                e.add("released_on", "err-released-before", None);
            }
        }
        match (since, e.is_empty()) {
            (Some(since), true) => Ok(ValidDetention {
                place,
                since,
                charges,
                released_on,
            }),
            _ => Err(e),
        }
    }
}

/// A hearing to add: date, optional time, court.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct HearingInput {
    /// `YYYY-MM-DD`. Required (past hearings may be recorded too).
    pub held_on: String,
    /// `HH:MM`, local time at the court; empty when not known.
    pub held_at: String,
    /// The court or place of the hearing. Required.
    pub court: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidHearing {
    pub held_on: NaiveDate,
    pub held_at: Option<NaiveTime>,
    pub court: String,
    pub note: String,
}

impl HearingInput {
    pub fn validate(&self) -> Result<ValidHearing, FieldErrors> {
        let mut e = FieldErrors::default();
        let held_on = date(&mut e, "held_on", &self.held_on, true);
        let t = self.held_at.trim();
        let held_at = if t.is_empty() {
            None
        } else {
            match NaiveTime::parse_from_str(t, "%H:%M") {
                Ok(x) => Some(x),
                Err(_) => {
                    e.add("held_at", "err-time-format", Some(t.to_owned()));
                    None
                }
            }
        };
        let court = text(&mut e, "court", &self.court, true, MAX_PLACE);
        let note = text(&mut e, "note", &self.note, false, MAX_TEXT);
        match (held_on, e.is_empty()) {
            (Some(held_on), true) => Ok(ValidHearing {
                held_on,
                held_at,
                court,
                note,
            }),
            _ => Err(e),
        }
    }
}

/// A case's detentions as timeline entries: `detention` on the day held (label: the
/// place), `hearing` on its date (label: the court), `released` on release.
pub fn timeline_entries(detentions: &[Detention]) -> Vec<TimelineEntry> {
    let mut out = Vec::new();
    for d in detentions {
        out.push(TimelineEntry {
            date: d.since,
            kind: "detention".into(),
            id: d.id,
            label: d.place.clone(),
            status: None,
        });
        out.extend(d.hearings.iter().map(|h| TimelineEntry {
            date: h.held_on,
            kind: "hearing".into(),
            id: h.id,
            label: h.court.clone(),
            status: None,
        }));
        if let Some(r) = d.released_on {
            out.push(TimelineEntry {
                date: r,
                kind: "released".into(),
                id: d.id,
                label: d.place.clone(),
                status: None,
            });
        }
    }
    out
}

/// Merge detention entries into a case timeline, keeping date order (detention
/// entries after the case's own entries of the same day).
pub fn merge_timeline(timeline: &mut Vec<TimelineEntry>, detentions: &[Detention]) {
    timeline.extend(timeline_entries(detentions));
    let order = |k: &str| match k {
        "opened" => 0,
        "incident" => 1,
        "detention" => 2,
        "assessment" => 3,
        "action" => 4,
        "hearing" => 5,
        _ => 6,
    };
    timeline.sort_by_key(|a| (a.date, order(&a.kind), a.id));
}

// ---------------------------------------------------------------- iCalendar

/// One hearing as a calendar event: only what may leave the system.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEvent {
    pub hearing_id: Id,
    pub case_id: Id,
    pub person_code: String,
    pub held_on: NaiveDate,
    pub held_at: Option<NaiveTime>,
    pub court: String,
    /// When the hearing was recorded (UTC): the event's `LAST-MODIFIED`.
    pub recorded: NaiveDateTime,
}

/// Escape a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma, newline.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Fold a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8
/// character, and end it with CRLF.
pub fn fold_line(line: &str, out: &mut String) {
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            // The continuation's leading space counts toward its 75 octets.
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

/// The hearings calendar (RFC 5545): one `VEVENT` per hearing, UID stable across
/// fetches (`hearing-<id>@<host>`), floating local times (the court's), all-day
/// events when the time is not known. `base_url` (no trailing slash) makes each
/// event's link to its case. `stamp` is the fetch time (UTC) for `DTSTAMP`.
pub fn calendar(
    events: &[FeedEvent],
    host: &str,
    base_url: &str,
    title: &str,
    summary_prefix: &str,
    stamp: chrono::DateTime<chrono::Utc>,
) -> String {
    let mut out = String::new();
    let mut line = |l: String| fold_line(&l, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Vigil//Hearings//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(title)));
    let dtstamp = stamp.format("%Y%m%dT%H%M%SZ").to_string();
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!(
            "UID:hearing-{}@{}",
            e.hearing_id,
            escape_text(host)
        ));
        line(format!("DTSTAMP:{dtstamp}"));
        match e.held_at {
            Some(t) => {
                let start = e.held_on.and_time(t);
                let end = start + chrono::Duration::hours(1);
                line(format!("DTSTART:{}", start.format("%Y%m%dT%H%M%S")));
                line(format!("DTEND:{}", end.format("%Y%m%dT%H%M%S")));
            }
            None => {
                let next = e.held_on.succ_opt().unwrap_or(e.held_on);
                line(format!("DTSTART;VALUE=DATE:{}", e.held_on.format("%Y%m%d")));
                line(format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
            }
        }
        line(format!(
            "LAST-MODIFIED:{}",
            e.recorded.format("%Y%m%dT%H%M%SZ")
        ));
        line(format!(
            "SUMMARY:{}",
            escape_text(&format!(
                "{summary_prefix}: {} (case {})",
                e.person_code, e.case_id
            ))
        ));
        line(format!("LOCATION:{}", escape_text(&e.court)));
        let url = format!("{base_url}/cases/{}", e.case_id);
        line(format!("DESCRIPTION:{}", escape_text(&url)));
        line(format!("URL:{url}"));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn days_are_nights_held() {
        assert_eq!(days_detained(d("2026-10-01"), d("2026-11-17")), 47);
        assert_eq!(days_detained(d("2026-10-01"), d("2026-10-01")), 0);
        assert_eq!(days_detained(d("2026-10-02"), d("2026-10-01")), 0);
    }

    #[test]
    fn detention_dates_are_checked() {
        let today = d("2026-11-28");
        let mut i = DetentionInput {
            place: "Támara prison".into(),
            since: "2026-12-01".into(),
            ..Default::default()
        };
        let e = i.validate(today).err().unwrap_or_default();
        assert_eq!(
            e.for_field("since").map(|e| e.key.as_str()),
            Some("err-date-future")
        );
        i.since = "2026-11-01".into();
        i.released_on = "2026-10-30".into();
        let e = i.validate(today).err().unwrap_or_default();
        assert_eq!(
            e.for_field("released_on").map(|e| e.key.as_str()),
            Some("err-released-before")
        );
        i.released_on = String::new();
        i.place = " ".into();
        assert!(i.validate(today).is_err());
        i.place = "Támara".into();
        assert!(i.validate(today).is_ok());
    }

    #[test]
    fn hearing_time_is_optional_but_checked() {
        let mut h = HearingInput {
            held_on: "2026-12-08".into(),
            held_at: "25:00".into(),
            court: "Juzgado de Letras, Tegucigalpa".into(),
            note: String::new(),
        };
        assert!(h.validate().is_err());
        h.held_at = "09:30".into();
        assert!(h.validate().is_ok());
        h.held_at = String::new();
        assert_eq!(h.validate().map(|v| v.held_at).ok(), Some(None));
    }

    #[test]
    fn lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let long = format!(
            "LOCATION:{}",
            "Juzgado penal de Tegucigalpa, sala ñ ".repeat(5)
        );
        fold_line(&long, &mut out);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{l:?} is {} octets", l.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
        assert_eq!(escape_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
