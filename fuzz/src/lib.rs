//! The checks behind every fuzz target, one function per parser of outside input.
//! Each takes arbitrary bytes and panics only on a bug: a panic inside Vigil's code, or
//! a broken property asserted here. The fuzz targets (`fuzz_targets/`) call them under
//! libFuzzer; the integration suite (`crates/vigil/tests/suite/fuzz_regressions.rs`)
//! includes this file and replays every checked-in seed and regression input through
//! them, so a crash once found stays fixed. See docs/testing.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::http::{header, HeaderMap, HeaderValue};
use vigil::backup::{seal_payload_for_fuzzing, verify_bytes};
use vigil::import::{check_bytes, Encoding, Mapping};
use vigil_domain::country::{normalise_name, Countries};
use vigil_domain::model::PartialDate;
use vigil_domain::search::{IncidentFilter, PersonFilter};
use vigil_domain::validate::Rules;
use vigil_domain::vocab::Vocabularies;
use vigil_store::evidence::{accepted_type, sniff, ALLOWED_TYPES};
use vigil_web::forms::{incident_input, Fields, MAX_ROWS};
use vigil_web::multipart as mp;
use vigil_web::pages::evidence::read_upload;
use zeroize::Zeroizing;

/// One fuzz check: arbitrary bytes in, a panic only on a bug.
pub type Check = fn(&[u8]);

/// The fuzz targets, by name: each a function of this file.
pub const TARGETS: &[(&str, Check)] = &[
    ("import_csv", import_csv),
    ("mapping_toml", mapping_toml),
    ("partial_date", partial_date),
    ("country", country),
    ("search_query", search_query),
    ("form_incident", form_incident),
    ("multipart", multipart),
    ("evidence_type", evidence_type),
    ("backup_archive", backup_archive),
    ("roll_calls", roll_calls),
];

/// The CSV importer: a mapping file and a CSV file, both from outside, checked as
/// `vigil import --dry-run` checks them. Input: `MAPPING \0 CSV`; the first byte picks
/// the encoding and whether unknown terms are added. Any input must give a report or
/// an error, never a panic; a report's rows are counted and its errors name a line.
pub fn import_csv(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Some(split) = rest.iter().position(|&b| b == 0) else {
        return;
    };
    let (mapping, csv) = rest.split_at(split);
    let csv = csv.get(1..).unwrap_or_default();
    let Ok(mapping) = std::str::from_utf8(mapping) else {
        return;
    };
    let encoding = if flags & 1 == 0 {
        Encoding::Utf8
    } else {
        Encoding::Latin1
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    if let Ok(report) = check_bytes(mapping, csv, encoding, flags & 2 != 0, today) {
        assert!(report.counts.is_none(), "a check never writes");
        for e in &report.rejected {
            assert!(!e.reason.is_empty(), "every rejection says why");
        }
        let _ = report.to_string();
    }
}

/// The TOML mapping-file parser, then its check against the built-in vocabularies:
/// any text gives a mapping or an error naming what is wrong, never a panic. A mapping
/// that parses is then used on a one-line CSV file, so its binding code runs too.
pub fn mapping_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Mapping::parse(text) {
        Ok(_) => {
            let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
            let _ = check_bytes(
                text,
                b"id,title,date\nA,B,2020\n",
                Encoding::Utf8,
                false,
                today,
            );
        }
        Err(e) => assert!(!e.to_string().is_empty(), "an error says what is wrong"),
    }
}

/// Partial dates (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) as typed in forms, the API and
/// imports, and as stored (`from_parts`). Properties: a date that parses prints back
/// to a form that parses to the same date; `latest` is never before the date.
pub fn partial_date(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = s.parse::<PartialDate>() {
        let shown = d.to_string();
        assert_eq!(
            shown.parse::<PartialDate>().ok(),
            Some(d),
            "{s:?} → {shown:?}"
        );
        assert!(d.latest() >= d.date);
        let stored = PartialDate::from_parts(&d.iso(), d.precision.code());
        assert_eq!(stored, Some(d), "stored form of {s:?}");
    }
    let (date, precision) = s.split_once('|').unwrap_or((s, "day"));
    let _ = PartialDate::from_parts(date, precision);
}

/// Country resolution (codes and names in their common variants, from forms, filters
/// and imports). Properties: a resolved country resolves again by its own codes and
/// name; normalising is idempotent.
pub fn country(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let n = normalise_name(s);
    assert_eq!(normalise_name(&n), n, "normalising {s:?} twice");
    let all = Countries::get();
    if let Some(c) = all.resolve(s) {
        let code = c.alpha2.as_str();
        for key in [
            code,
            c.alpha3.as_str(),
            c.numeric.as_str(),
            c.name_en.as_str(),
        ] {
            let again = all.resolve(key).map(|x| x.alpha2.as_str());
            assert_eq!(
                again,
                Some(code),
                "{s:?} resolved to {code}, {key:?} did not"
            );
        }
        assert_eq!(all.by_alpha2(code).map(|x| x.alpha2.as_str()), Some(code));
    }
}

/// Search and filter query strings (`/incidents?…`, `/api/v1/incidents?…`), read with
/// serde_urlencoded as the API's and pages' extractors read them. Property: a filter
/// that parses survives its own pagination link: parsing `query_for_page(n)` gives the
/// same filter at page n.
pub fn search_query(data: &[u8]) {
    let Ok(q) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(f) = serde_urlencoded::from_str::<IncidentFilter>(q) {
        for page in [1, 2, f.page()] {
            let link = f.query_for_page(page);
            let back: IncidentFilter = serde_urlencoded::from_str(&link)
                .unwrap_or_else(|e| panic!("{link:?} does not parse: {e}"));
            let mut want = f.clone();
            want.page = (page > 1).then_some(page);
            assert_eq!(back, want, "{q:?} → {link:?}");
        }
    }
    if let Ok(f) = serde_urlencoded::from_str::<PersonFilter>(q) {
        let link = f.query_for_page(3);
        let back: PersonFilter = serde_urlencoded::from_str(&link)
            .unwrap_or_else(|e| panic!("{link:?} does not parse: {e}"));
        let mut want = f.clone();
        want.page = Some(3);
        assert_eq!(back, want, "{q:?} → {link:?}");
    }
}

/// The incident form (`application/x-www-form-urlencoded`, any field names and values)
/// read into the domain's input as the pages do, then validated with the built-in
/// vocabularies: errors, never a panic; at most `MAX_ROWS` rows of anything.
pub fn form_incident(data: &[u8]) {
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) else {
        return;
    };
    let fields = Fields::parse(pairs);
    for prefix in ["v", "s", "p"] {
        assert!(fields.rows(prefix) <= MAX_ROWS);
    }
    let (input, codes, _errors) = incident_input(&fields);
    assert!(input.violations.len() <= MAX_ROWS);
    assert!(input.sources.len() <= MAX_ROWS);
    assert!(codes.len() <= 2 * MAX_ROWS + 1);
    let vocab = Vocabularies::builtin();
    let rules = Rules {
        vocab: &vocab,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        may_override_verification: false,
    };
    let _ = input.validate(&rules);
}

/// `multipart/form-data` bodies (evidence uploads, the CSRF token inside them).
/// Input: `CONTENT-TYPE \n BODY`. Properties: every part's data lies inside the body;
/// the upload reader agrees with the parser.
pub fn multipart(data: &[u8]) {
    let Some(nl) = data.iter().position(|&b| b == b'\n') else {
        return;
    };
    let (ct, body) = data.split_at(nl);
    let body = body.get(1..).unwrap_or_default();
    let Ok(ct) = HeaderValue::from_bytes(ct) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, ct);
    let boundary = mp::boundary(&headers);
    if let Some(b) = &boundary {
        assert!(!b.is_empty() && b.len() <= 70);
        if let Some(parts) = mp::parse(body, b) {
            let range = body.as_ptr_range();
            for p in &parts {
                let r = p.data.as_ptr_range();
                assert!(range.start <= r.start && r.end <= range.end);
                let _ = p.text();
            }
            let _ = mp::field(&parts, "csrf");
        }
    }
    if let Ok(upload) = read_upload(&headers, body) {
        assert!(boundary.is_some(), "an upload needs a boundary");
        assert!(upload.bytes.len() <= body.len());
    }
}

/// Evidence type sniffing: the media type of an uploaded file by content, and the
/// check against the type the client declared. Input: `DECLARED \n BYTES`.
/// Properties: anything accepted is in the allowed list and is what sniffing found.
pub fn evidence_type(data: &[u8]) {
    let found = sniff(data);
    if let Some(t) = found {
        assert!(ALLOWED_TYPES.contains(&t), "{t}");
    }
    let (declared, bytes) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b""[..], data),
    };
    let declared = String::from_utf8_lossy(declared);
    if let Ok(t) = accepted_type(&declared, bytes) {
        assert_eq!(Some(t), sniff(bytes));
    }
}

/// The backup archive reader (`vigil backup verify`, `vigil restore`). Two modes by
/// the first byte: the rest read as an archive file as it is (header, key check,
/// chunk framing), or sealed first as an archive's encrypted stream under the test key,
/// so the manifest and entry reader behind the authentication see fuzzed bytes too.
/// Any input gives a manifest or an error, never a panic or a huge allocation.
pub fn backup_archive(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let master = Zeroizing::new([0x42u8; 32]);
    let archive = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        let chunk = 16 + u32::from(mode >> 1) * 8;
        match seal_payload_for_fuzzing(rest, &master, chunk) {
            Ok(a) => a,
            Err(_) => return,
        }
    };
    if let Ok(m) = verify_bytes(&archive, &master) {
        // What a restore would write: plain relative paths only, the database among them.
        for e in &m.entries {
            assert!(
                !e.name.is_empty() && !e.name.starts_with('/'),
                "{:?}",
                e.name
            );
            assert!(
                e.name.split('/').all(|c| c != ".." && c != "."),
                "{:?}",
                e.name
            );
        }
        assert!(m
            .entries
            .iter()
            .any(|e| e.name == "vigil.db" || e.name == "postgres.dump"));
    }
}

/// The roll-call import (`vigil resolutions import`, the upload form, the API): a
/// roll-call file and a votes file in the UN General Assembly voting data set layout.
/// Input: `ROLLCALLS \0 VOTES`. Properties: never a panic; a refusal lists problems,
/// each naming one of the two files and a line of it (the header is line 1); accepted
/// rows come from data lines, every vote belongs to an accepted roll call, and symbols
/// are in their one normal form.
pub fn roll_calls(data: &[u8]) {
    let (calls, votes) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    // An upper bound on a file's line numbers, whichever line ends the reader counts.
    let lines = |b: &[u8]| b.iter().filter(|c| **c == b'\n' || **c == b'\r').count() as u64 + 1;
    match vigil_web::resolution_files::parse_roll_calls("calls.csv", calls, "votes.csv", votes) {
        Err(errs) => {
            assert!(!errs.is_empty(), "a refusal names at least one problem");
            for e in &errs {
                let max = match e.file.as_str() {
                    "calls.csv" => lines(calls),
                    "votes.csv" => lines(votes),
                    other => panic!("error names an unknown file {other:?}"),
                };
                assert!(e.line >= 1 && e.line <= max, "{e} (file has {max} lines)");
                assert!(!e.reason.is_empty(), "{e}");
            }
        }
        Ok((rows, vote_rows, _skipped)) => {
            let ids: std::collections::HashSet<i64> = rows.iter().map(|r| r.rcid).collect();
            for r in &rows {
                assert!(
                    r.line >= 2 && r.line <= lines(calls),
                    "roll call at line {}",
                    r.line
                );
                let again = vigil_domain::resolution::normalise_symbol(&r.symbol);
                assert_eq!(
                    again.as_deref(),
                    Some(r.symbol.as_str()),
                    "symbol {:?}",
                    r.symbol
                );
            }
            for v in &vote_rows {
                assert!(
                    v.line >= 2 && v.line <= lines(votes),
                    "vote at line {}",
                    v.line
                );
                assert!(
                    ids.contains(&v.rcid),
                    "vote for unknown roll call {}",
                    v.rcid
                );
            }
        }
    }
}
