//! The files of issue 7: scorecards as CSV, and reading the imports: roll-call votes in the layout of the UN
//! General Assembly voting data set (Voeten; the `unvotes` package's
//! `un_roll_calls` / `un_votes`), resolution lists and sponsor lists. Shared by the
//! upload forms and `vigil resolutions import`.
//!
//! Every problem names its file, line and column, all are reported at once, and the
//! store is only called when there are none; it then writes in one transaction, so a
//! refused import writes nothing.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::NaiveDate;
use vigil_domain::resolution::*;
use vigil_domain::validate::FieldErrors;
use vigil_store::resolutions::{ResolutionRow, SponsorRow};
use vigil_store::{Access, StoreError};

/// One problem in one line of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

impl fmt::Display for RowError {
    /// `FILE:LINE: column COL: reason`, as `vigil import` writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(
                f,
                "{}:{}: column {c}: {}",
                self.file, self.line, self.reason
            ),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.reason),
        }
    }
}

/// Why an import wrote nothing.
#[derive(Debug)]
pub enum ImportError {
    /// Problems in the files, in file order.
    Rows(Vec<RowError>),
    Store(StoreError),
}

/// Refuse before reading: someone who may not import learns nothing about the files
/// (`Access` checks again when writing).
fn may_import(access: &Access) -> Result<(), ImportError> {
    if access.can_edit_resolutions() {
        Ok(())
    } else {
        Err(ImportError::Store(StoreError::Forbidden))
    }
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::Store(e)
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Rows(list) => {
                for e in list {
                    writeln!(f, "{e}")?;
                }
                write!(f, "{} problems; nothing was imported", list.len())
            }
            ImportError::Store(e) => write!(f, "{e}"),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub counts: ResolutionImportCounts,
    /// Data rows read in the first (or only) file and in the votes file.
    pub rows: usize,
    pub votes: usize,
    /// Roll calls with no resolution symbol (`unres` empty or `NA`), left out with
    /// their votes.
    pub skipped: usize,
}

impl fmt::Display for ImportOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.counts;
        write!(
            f,
            "{} rows: {} created, {} updated, {} unchanged",
            self.rows, c.created, c.updated, c.unchanged
        )?;
        if self.votes > 0 {
            write!(f, "; {} votes", self.votes)?;
        }
        if c.resolutions_created > 0 {
            write!(f, "; {} resolutions created", c.resolutions_created)?;
        }
        if self.skipped > 0 {
            write!(
                f,
                "; {} roll calls without a resolution symbol left out",
                self.skipped
            )?;
        }
        Ok(())
    }
}

/// A CSV file read whole: its header (lower-case, trimmed) and its data rows with
/// their line numbers.
struct Table {
    file: String,
    header: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    fn read(file: &str, bytes: &[u8], errs: &mut Vec<RowError>) -> Option<Table> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(bytes);
        let err = |line: u64, reason: String| RowError {
            file: file.to_owned(),
            line,
            column: None,
            reason,
        };
        let header = match reader.headers() {
            Ok(h) => h.iter().map(|s| s.trim().to_lowercase()).collect(),
            Err(e) => {
                errs.push(err(
                    1,
                    format!("cannot read the header: {}", csv_reason(&e)),
                ));
                return None;
            }
        };
        let mut rows = Vec::new();
        for rec in reader.records() {
            match rec {
                Ok(r) => {
                    let line = r.position().map(|p| p.line()).unwrap_or(0);
                    if r.iter().all(|c| c.trim().is_empty()) {
                        continue;
                    }
                    rows.push((line, r.iter().map(|c| c.trim().to_owned()).collect()));
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    errs.push(err(line, csv_reason(&e)));
                    return None;
                }
            }
        }
        Some(Table {
            file: file.to_owned(),
            header,
            rows,
        })
    }

    /// The index of the first of `names` present in the header.
    fn col(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| h == n))
    }

    /// Columns that must be there; a missing one is an error on line 1.
    fn need(&self, names: &[&str], errs: &mut Vec<RowError>) -> Vec<usize> {
        let mut out = Vec::new();
        for n in names {
            match self.col(&[n]) {
                Some(i) => out.push(i),
                None => errs.push(RowError {
                    file: self.file.clone(),
                    line: 1,
                    column: Some((*n).to_owned()),
                    reason: "missing from the header".into(),
                }),
            }
        }
        out
    }

    fn err(&self, line: u64, column: &str, reason: impl Into<String>) -> RowError {
        RowError {
            file: self.file.clone(),
            line,
            column: Some(column.to_owned()),
            reason: reason.into(),
        }
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".into(),
        _ => "malformed CSV".into(),
    }
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map(String::as_str).unwrap_or("")
}

/// `NA` (R's missing value) and empty are both missing.
fn missing(s: &str) -> bool {
    s.is_empty() || s.eq_ignore_ascii_case("na")
}

fn flag(s: &str) -> Option<bool> {
    match s.to_lowercase().as_str() {
        "" | "na" | "0" | "false" | "no" => Some(false),
        "1" | "true" | "yes" => Some(true),
        _ => None,
    }
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// Check a roll-call file and a votes file; `Err` lists every problem.
pub fn parse_roll_calls(
    calls_name: &str,
    calls: &[u8],
    votes_name: &str,
    votes: &[u8],
) -> Result<(Vec<RollCallRow>, Vec<VoteRow>, usize), Vec<RowError>> {
    let mut errs = Vec::new();
    let rc = Table::read(calls_name, calls, &mut errs);
    let vt = Table::read(votes_name, votes, &mut errs);
    let (Some(rc), Some(vt)) = (rc, vt) else {
        return Err(errs);
    };
    let cols = rc.need(
        &[
            "rcid",
            "session",
            "importantvote",
            "date",
            "unres",
            "amend",
            "para",
            "short",
            "descr",
        ],
        &mut errs,
    );
    let vcols = vt.need(&["rcid", "vote"], &mut errs);
    // `unvotes`: `country` is the name, `country_code` ISO alpha-2. Voeten's files:
    // `Country` is a three-letter code and `Countryname` the name.
    let name_col = vt.col(&["countryname", "country"]);
    let code_col = if vt.col(&["countryname"]).is_some() {
        vt.col(&["country_code", "country"])
    } else {
        vt.col(&["country_code"])
    };
    if name_col.is_none() && code_col.is_none() {
        errs.push(vt.err(
            1,
            "country_code",
            "missing from the header (country or country_code needed)",
        ));
    }
    let [rcid, session, important, day, unres, amend, para, short, descr] = cols[..] else {
        return Err(errs);
    };
    let [v_rcid, v_vote] = vcols[..] else {
        return Err(errs);
    };
    let mut out = Vec::new();
    let mut seen: HashMap<i64, u64> = HashMap::new();
    let mut skipped: HashSet<i64> = HashSet::new();
    for (line, row) in &rc.rows {
        let line = *line;
        let id = match cell(row, rcid).parse::<i64>() {
            Ok(n) if n > 0 => n,
            _ => {
                errs.push(rc.err(
                    line,
                    "rcid",
                    format!("not a roll-call id: {:?}", cell(row, rcid)),
                ));
                continue;
            }
        };
        if let Some(first) = seen.insert(id, line) {
            errs.push(rc.err(line, "rcid", format!("rcid {id} already on line {first}")));
            continue;
        }
        let sym = cell(row, unres);
        if missing(sym) {
            skipped.insert(id);
            continue;
        }
        let Some(symbol) = normalise_symbol(sym) else {
            errs.push(rc.err(line, "unres", format!("not a resolution symbol: {sym:?}")));
            continue;
        };
        let s = cell(row, session);
        let session = if missing(s) {
            None
        } else {
            match s.parse::<i64>() {
                Ok(n) if (1..=200).contains(&n) => Some(n),
                _ => {
                    errs.push(rc.err(line, "session", format!("not a session number: {s:?}")));
                    None
                }
            }
        };
        let Some(voted_on) = date(cell(row, day)) else {
            errs.push(rc.err(
                line,
                "date",
                format!("not a date (YYYY-MM-DD): {:?}", cell(row, day)),
            ));
            continue;
        };
        let mut flags = [false; 3];
        for (slot, (i, name)) in flags.iter_mut().zip([
            (important, "importantvote"),
            (amend, "amend"),
            (para, "para"),
        ]) {
            match flag(cell(row, i)) {
                Some(b) => *slot = b,
                None => errs.push(rc.err(line, name, format!("not 0 or 1: {:?}", cell(row, i)))),
            }
        }
        let [important, amend, para] = flags;
        let kind = if amend {
            RollCallKind::Amendment
        } else if para {
            RollCallKind::Paragraph
        } else {
            RollCallKind::Resolution
        };
        out.push(RollCallRow {
            line,
            rcid: id,
            session,
            important,
            voted_on,
            symbol,
            kind,
            short: cell(row, short).chars().take(500).collect(),
            description: cell(row, descr).chars().take(MAX_TEXT).collect(),
        });
    }
    let mut vote_rows = Vec::new();
    let mut pairs: HashMap<(i64, String), u64> = HashMap::new();
    for (line, row) in &vt.rows {
        let line = *line;
        let id = match cell(row, v_rcid).parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                errs.push(vt.err(
                    line,
                    "rcid",
                    format!("not a roll-call id: {:?}", cell(row, v_rcid)),
                ));
                continue;
            }
        };
        if skipped.contains(&id) {
            continue;
        }
        if !seen.contains_key(&id) {
            errs.push(vt.err(line, "rcid", format!("rcid {id} is not in {}", rc.file)));
            continue;
        }
        let vote = match parse_vote(cell(row, v_vote)) {
            Ok(Some(v)) => v,
            Ok(None) => continue,
            Err(_) => {
                errs.push(vt.err(
                    line,
                    "vote",
                    format!(
                        "not a vote code (1 yes, 2 abstain, 3 no, 8 absent, 9 not a member): {:?}",
                        cell(row, v_vote)
                    ),
                ));
                continue;
            }
        };
        let name = name_col.map(|i| cell(row, i)).unwrap_or("");
        let code = code_col.map(|i| cell(row, i)).unwrap_or("");
        let state = match resolve_state(name, code) {
            Ok(c) => c.alpha2.clone(),
            Err(reason) => {
                errs.push(vt.err(
                    line,
                    if code.is_empty() {
                        "country"
                    } else {
                        "country_code"
                    },
                    reason,
                ));
                continue;
            }
        };
        if let Some(first) = pairs.insert((id, state.clone()), line) {
            errs.push(vt.err(
                line,
                "country",
                format!("a second vote of {state} in roll call {id} (first on line {first})"),
            ));
            continue;
        }
        vote_rows.push(VoteRow {
            line,
            rcid: id,
            state,
            vote,
        });
    }
    if errs.is_empty() {
        Ok((out, vote_rows, skipped.len()))
    } else {
        errs.sort_by_key(|e| (e.file != rc.file, e.line));
        Err(errs)
    }
}

/// Check and import a roll-call file and its votes file.
pub async fn import_roll_calls(
    access: &Access,
    calls: (&str, &[u8]),
    votes: (&str, &[u8]),
) -> Result<ImportOutcome, ImportError> {
    may_import(access)?;
    let (rows, vote_rows, skipped) =
        parse_roll_calls(calls.0, calls.1, votes.0, votes.1).map_err(ImportError::Rows)?;
    let counts = access
        .import_roll_calls(&rows, &vote_rows, &format!("{} + {}", calls.0, votes.0))
        .await?;
    Ok(ImportOutcome {
        counts,
        rows: rows.len() + skipped,
        votes: vote_rows.len(),
        skipped,
    })
}

/// Field errors of one row, as row errors of that line.
fn field_errors(t: &Table, line: u64, e: &FieldErrors, out: &mut Vec<RowError>) {
    for f in &e.0 {
        let reason = match (f.key.as_str(), &f.arg) {
            ("err-required", _) => "required".to_owned(),
            ("err-unknown-country", Some(a)) => format!("unknown state: {a:?}"),
            ("err-resolution-symbol", Some(a)) => format!("not a resolution symbol: {a:?}"),
            ("err-resolution-topic", Some(a)) => {
                format!("not a topic tag (letters, digits, _): {a:?}")
            }
            ("err-unknown-code", Some(a)) => format!("unknown code: {a:?}"),
            ("err-date-format", Some(a)) => format!("not a date (YYYY-MM-DD): {a:?}"),
            ("err-too-long", Some(a)) => format!("longer than {a} characters"),
            ("err-resolution-session", Some(a)) => format!("not a session number: {a:?}"),
            ("err-resolution-sponsor-twice", Some(a)) => {
                format!("{a} is both a main sponsor and a co-sponsor")
            }
            (k, _) => k.to_owned(),
        };
        out.push(t.err(line, &f.field, reason));
    }
}

/// Check and import a resolution list: `symbol, title, body, session, adopted_on,
/// adoption, topics[, main_sponsors, co_sponsors]` (for consensus resolutions, which
/// have no roll call). A resolution already stored (by symbol) is updated.
pub async fn import_resolution_list(
    access: &Access,
    name: &str,
    bytes: &[u8],
) -> Result<ImportOutcome, ImportError> {
    may_import(access)?;
    let mut errs = Vec::new();
    let Some(t) = Table::read(name, bytes, &mut errs) else {
        return Err(ImportError::Rows(errs));
    };
    let cols = t.need(&["symbol", "title", "adoption"], &mut errs);
    if !errs.is_empty() {
        return Err(ImportError::Rows(errs));
    }
    let get = |row: &[String], names: &[&str]| -> String {
        t.col(names)
            .map(|i| cell(row, i).to_owned())
            .unwrap_or_default()
    };
    let [symbol, title, adoption] = cols[..] else {
        return Err(ImportError::Rows(errs));
    };
    let has_sponsors = t.col(&["main_sponsors", "co_sponsors"]).is_some();
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (line, row) in &t.rows {
        let input = ResolutionInput {
            symbol: cell(row, symbol).to_owned(),
            title: cell(row, title).to_owned(),
            body: get(row, &["body"]),
            session: get(row, &["session"]),
            adopted_on: get(row, &["adopted_on", "date"]),
            adoption: cell(row, adoption).to_owned(),
            topics: get(row, &["topics", "topic"]),
            main_sponsors: get(row, &["main_sponsors"]),
            co_sponsors: get(row, &["co_sponsors"]),
        };
        match input.validate() {
            Ok(v) => {
                if let Some(first) = seen.insert(v.symbol.clone(), *line) {
                    errs.push(t.err(
                        *line,
                        "symbol",
                        format!("{} already on line {first}", v.symbol),
                    ));
                    continue;
                }
                rows.push(ResolutionRow {
                    line: *line,
                    replace_sponsors: has_sponsors
                        && !(input.main_sponsors.trim().is_empty()
                            && input.co_sponsors.trim().is_empty()),
                    resolution: v,
                });
            }
            Err(e) => field_errors(&t, *line, &e, &mut errs),
        }
    }
    if !errs.is_empty() {
        return Err(ImportError::Rows(errs));
    }
    let counts = access.import_resolution_list(&rows, name).await?;
    Ok(ImportOutcome {
        counts,
        rows: rows.len(),
        ..Default::default()
    })
}

/// Check and import a sponsor list: `symbol, country, role` (`main` or `co`; empty is
/// `co`). Each resolution named gets exactly the sponsors listed for it; a symbol not
/// stored is an error on its line.
pub async fn import_sponsor_list(
    access: &Access,
    name: &str,
    bytes: &[u8],
) -> Result<ImportOutcome, ImportError> {
    may_import(access)?;
    let mut errs = Vec::new();
    let Some(t) = Table::read(name, bytes, &mut errs) else {
        return Err(ImportError::Rows(errs));
    };
    let cols = t.need(&["symbol", "country"], &mut errs);
    let role_col = t.col(&["role"]);
    let [symbol, country] = cols[..] else {
        return Err(ImportError::Rows(errs));
    };
    let mut rows = Vec::new();
    let mut known: HashMap<String, bool> = HashMap::new();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    for (line, row) in &t.rows {
        let line = *line;
        let raw = cell(row, symbol);
        let Some(sym) = normalise_symbol(raw) else {
            errs.push(t.err(line, "symbol", format!("not a resolution symbol: {raw:?}")));
            continue;
        };
        let exists = match known.get(&sym) {
            Some(b) => *b,
            None => {
                let b = access.resolution_id(&sym).await?.is_some();
                known.insert(sym.clone(), b);
                b
            }
        };
        if !exists {
            errs.push(t.err(
                line,
                "symbol",
                format!("no resolution {sym} is stored (enter or import it first)"),
            ));
            continue;
        }
        let c = cell(row, country);
        let Some(state) = vigil_domain::country::Countries::get().resolve(c) else {
            errs.push(t.err(line, "country", format!("unknown state: {c:?}")));
            continue;
        };
        let r = role_col.map(|i| cell(row, i)).unwrap_or("");
        let role = match r {
            "" | "co" | "co-sponsor" | "cosponsor" => SponsorRole::Co,
            "main" | "sponsor" => SponsorRole::Main,
            other => {
                errs.push(t.err(line, "role", format!("not main or co: {other:?}")));
                continue;
            }
        };
        if let Some(first) = seen.insert((sym.clone(), state.alpha2.clone()), line) {
            errs.push(t.err(
                line,
                "country",
                format!("{} already listed for {sym} on line {first}", state.alpha2),
            ));
            continue;
        }
        rows.push(SponsorRow {
            line,
            symbol: sym,
            state: state.alpha2.clone(),
            role,
        });
    }
    if !errs.is_empty() {
        return Err(ImportError::Rows(errs));
    }
    let counts = access.import_sponsor_list(&rows, name).await?;
    Ok(ImportOutcome {
        counts,
        rows: rows.len(),
        ..Default::default()
    })
}

/// A scorecard as CSV, one table with a `section` column: `resolution` lines (the
/// state's sponsorship and position on each resolution), then `violations` lines
/// (documented violations in its territory by year and type, all and by state
/// actors). Codes, not labels, so the file reads the same in every language.
pub fn scorecard_csv(s: &Scorecard) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let head = [
        "section",
        "state",
        "topic",
        "symbol",
        "title",
        "adopted_on",
        "adoption",
        "sponsor",
        "position",
        "year",
        "violation_type",
        "violations",
        "by_state_actors",
    ];
    let _ = w.write_record(head);
    let mut write = |cells: Vec<String>| {
        let cells: Vec<String> = cells
            .iter()
            .map(|c| crate::csv_export::safe_cell(c))
            .collect();
        // Writing to memory cannot fail.
        let _ = w.write_record(&cells);
    };
    for l in &s.lines {
        write(vec![
            "resolution".into(),
            s.state.alpha2.clone(),
            s.topic.clone(),
            l.symbol.clone(),
            l.title.clone(),
            l.adopted_on.map(|d| d.to_string()).unwrap_or_default(),
            l.adoption.code().into(),
            l.sponsor.map(|r| r.code().to_owned()).unwrap_or_default(),
            l.position.code().into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    for (year, vtype, n, by_state) in violation_cells(s) {
        write(vec![
            "violations".into(),
            s.state.alpha2.clone(),
            s.topic.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            year,
            vtype,
            n.to_string(),
            by_state.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The scorecard's two tables merged: (year, violation type, all, by state actors),
/// by year then type.
pub fn violation_cells(s: &Scorecard) -> Vec<(String, String, i64, i64)> {
    let mut cells: std::collections::BTreeMap<(String, String), (i64, i64)> =
        std::collections::BTreeMap::new();
    for r in &s.violations.rows {
        let key = (
            r.keys.first().cloned().unwrap_or_default(),
            r.keys.get(1).cloned().unwrap_or_default(),
        );
        cells.entry(key).or_default().0 += r.count;
    }
    for r in &s.by_state_actors.rows {
        let key = (
            r.keys.first().cloned().unwrap_or_default(),
            r.keys.get(1).cloned().unwrap_or_default(),
        );
        cells.entry(key).or_default().1 += r.count;
    }
    cells
        .into_iter()
        .map(|((y, t), (n, s))| (y, t, n, s))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    const CALLS: &str = "rcid,session,importantvote,date,unres,amend,para,short,descr\n\
        5801,70,0,2015-12-17,R/70/161,0,0,HUMAN RIGHTS DEFENDERS,\"Recognizing the role of human rights defenders\"\n\
        5799,70,0,2015-12-17,A/RES/70/161 ,1,0,AMENDMENT,\"Amendment to operative paragraph 10\"\n\
        5800,70,0,2015-12-17,NA,0,0,PROCEDURAL,\"Motion\"\n";

    #[test]
    fn roll_calls_and_votes_parse() {
        let votes = "rcid,country,country_code,vote\n5801,Norway,NO,1\n5801,China,CN,3\n5799,Norway,NO,3\n5800,Norway,NO,1\n5801,South Sudan,SS,9\n";
        let (calls, votes, skipped) =
            parse_roll_calls("rc.csv", CALLS.as_bytes(), "v.csv", votes.as_bytes()).unwrap();
        assert_eq!(skipped, 1);
        assert_eq!(calls.len(), 2);
        assert!(calls.iter().all(|c| c.symbol == "A/RES/70/161"));
        assert_eq!(calls[1].kind, RollCallKind::Amendment);
        assert_eq!(votes.len(), 3);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let votes = "rcid,country,country_code,vote\n5801,Norway,NO,1\n5801,Atlantis,XX,1\n4242,Norway,NO,1\n5801,Sweden,SE,7\n";
        let e =
            parse_roll_calls("rc.csv", CALLS.as_bytes(), "v.csv", votes.as_bytes()).unwrap_err();
        let text: Vec<String> = e.iter().map(ToString::to_string).collect();
        assert!(text[0].starts_with("v.csv:3: column country"), "{text:?}");
        assert!(text[1].starts_with("v.csv:4: column rcid"), "{text:?}");
        assert!(text[2].starts_with("v.csv:5: column vote"), "{text:?}");
        let bad_calls = "rcid,session,importantvote,date,unres,amend,para,short,descr\n1,70,0,17 Dec,R/70/161,0,0,x,y\n";
        let e = parse_roll_calls(
            "rc.csv",
            bad_calls.as_bytes(),
            "v.csv",
            b"rcid,country,vote\n",
        )
        .unwrap_err();
        assert_eq!(e[0].to_string().split(": ").next(), Some("rc.csv:2"));
        assert_eq!(e[0].column.as_deref(), Some("date"));
    }
}
