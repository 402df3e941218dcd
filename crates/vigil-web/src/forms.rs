//! Form handling without JavaScript. The incident form holds any number of
//! violations (each with perpetrators) and sources in one page; "add another" buttons
//! submit the form and come back with one more empty row, keeping what was typed.
//! Field names are flat (`v0_type`, `v0_p1_type`, `s2_origin`) so plain HTML forms
//! can carry them.

use std::collections::HashMap;

use vigil_domain::model::*;
use vigil_domain::validate::FieldErrors;
use vigil_domain::vocab::{VocabKind, Vocabularies};

use crate::i18n::I18n;

/// Percent-encode for a URL query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The submitted fields of a form, by name (the last value wins, except lists).
#[derive(Debug, Clone, Default)]
pub struct Fields {
    map: HashMap<String, String>,
    lists: HashMap<String, Vec<String>>,
}

/// Highest row index accepted in a form (bounds memory and page size).
pub const MAX_ROWS: usize = 50;

impl Fields {
    pub fn parse(pairs: Vec<(String, String)>) -> Self {
        let mut f = Fields::default();
        for (k, v) in pairs {
            f.lists.entry(k.clone()).or_default().push(v.clone());
            f.map.insert(k, v);
        }
        f
    }

    pub fn get(&self, k: &str) -> &str {
        self.map.get(k).map_or("", String::as_str)
    }

    pub fn all(&self, k: &str) -> Vec<String> {
        self.lists.get(k).cloned().unwrap_or_default()
    }

    pub fn set(&mut self, k: impl Into<String>, v: impl Into<String>) {
        self.map.insert(k.into(), v.into());
    }

    /// How many rows with prefix `p` (e.g. `v` → `v0_…`, `v1_…`) the form holds.
    pub fn rows(&self, prefix: &str) -> usize {
        self.map
            .keys()
            .filter_map(|k| k.strip_prefix(prefix))
            .filter_map(|rest| rest.split('_').next()?.parse::<usize>().ok())
            .filter(|i| *i < MAX_ROWS)
            .map(|i| i + 1)
            .max()
            .unwrap_or(0)
    }

    fn opt_f64(&self, k: &str) -> Result<Option<f64>, ()> {
        let v = self.get(k).trim();
        if v.is_empty() {
            Ok(None)
        } else {
            v.replace(',', ".").parse::<f64>().map(Some).map_err(|_| ())
        }
    }
}

/// A code typed into a victim or perpetrator field, to be resolved by the handler.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyCode {
    pub field: String,
    pub code: String,
}

/// Read an incident form into the domain's input, plus the party codes to resolve
/// (victim and named perpetrators) and any errors found while reading.
pub fn incident_input(f: &Fields) -> (IncidentInput, Vec<PartyCode>, FieldErrors) {
    let mut errs = FieldErrors::default();
    let mut codes = Vec::new();
    let (latitude, longitude) = match (f.opt_f64("latitude"), f.opt_f64("longitude")) {
        (Ok(a), Ok(b)) => (a, b),
        _ => {
            errs.add("coordinates", "err-number", None);
            (None, None)
        }
    };
    let mut input = IncidentInput {
        title: f.get("title").to_owned(),
        narrative: f.get("narrative").to_owned(),
        start_date: f.get("start_date").to_owned(),
        end_date: f.get("end_date").to_owned(),
        country: f.get("country").to_owned(),
        region: f.get("region").to_owned(),
        locality: f.get("locality").to_owned(),
        latitude,
        longitude,
        business_sector: f.get("business_sector").to_owned(),
        status: f.get("status").parse().ok(),
        verification_override: f.get("verification_override").to_owned(),
        external_id: f.get("external_id").to_owned(),
        violations: Vec::new(),
        sources: Vec::new(),
    };
    if !f.get("status").is_empty() && input.status.is_none() {
        errs.add(
            "status",
            "err-unknown-code",
            Some(f.get("status").to_owned()),
        );
    }
    for i in 0..f.rows("v") {
        let k = |name: &str| format!("v{i}_{name}");
        let blank = ["type", "victim", "date", "outcome"]
            .iter()
            .all(|n| f.get(&k(n)).trim().is_empty());
        if blank {
            continue;
        }
        let idx = input.violations.len();
        let victim_code = f.get(&k("victim")).trim().to_owned();
        if !victim_code.is_empty() {
            codes.push(PartyCode {
                field: format!("violations[{idx}].victim"),
                code: victim_code,
            });
        }
        let mut perpetrators = Vec::new();
        for j in 0..f.rows(&format!("v{i}_p")) {
            let pk = |name: &str| format!("v{i}_p{j}_{name}");
            let ptype = f.get(&pk("type")).trim();
            let party = f.get(&pk("party")).trim();
            if ptype.is_empty() && party.is_empty() {
                continue;
            }
            let pidx = perpetrators.len();
            if !party.is_empty() {
                codes.push(PartyCode {
                    field: format!("violations[{idx}].perpetrators[{pidx}].party"),
                    code: party.to_owned(),
                });
            }
            perpetrators.push(PerpetratorInput {
                perpetrator_type: ptype.to_owned(),
                person_id: None,
                group_id: None,
            });
        }
        input.violations.push(ViolationInput {
            violation_type: f.get(&k("type")).to_owned(),
            victim: None,
            date: f.get(&k("date")).to_owned(),
            outcome: f.get(&k("outcome")).to_owned(),
            reprisal_un: !f.get(&k("reprisal")).is_empty(),
            perpetrators,
        });
    }
    for i in 0..f.rows("s") {
        let k = |name: &str| format!("s{i}_{name}");
        if ["type", "reliability", "origin", "description"]
            .iter()
            .all(|n| f.get(&k(n)).trim().is_empty())
        {
            continue;
        }
        input.sources.push(SourceInput {
            source_type: f.get(&k("type")).to_owned(),
            reliability: f.get(&k("reliability")).to_owned(),
            origin: f.get(&k("origin")).to_owned(),
            description: f.get(&k("description")).to_owned(),
        });
    }
    (input, codes, errs)
}

/// Fill a form from a stored incident (for editing).
pub fn incident_fields(i: &Incident) -> Fields {
    let mut f = Fields::default();
    f.set("title", &i.title);
    f.set("narrative", i.narrative.clone().unwrap_or_default());
    f.set("start_date", i.start.to_string());
    f.set("end_date", i.end.map(|d| d.to_string()).unwrap_or_default());
    f.set("country", &i.country);
    f.set("region", &i.region);
    f.set("locality", &i.locality);
    if let Some(c) = i.coordinates {
        f.set("latitude", c.lat.to_string());
        f.set("longitude", c.lon.to_string());
    }
    f.set(
        "business_sector",
        i.business_sector.clone().unwrap_or_default(),
    );
    f.set("status", i.status.code());
    f.set(
        "verification_override",
        i.verification_override.clone().unwrap_or_default(),
    );
    f.set("external_id", i.external_id.clone().unwrap_or_default());
    f.set("version", i.version.to_string());
    for (n, v) in i.violations.iter().enumerate() {
        f.set(format!("v{n}_type"), &v.violation_type);
        f.set(format!("v{n}_victim"), &v.victim.code);
        f.set(format!("v{n}_date"), v.date.to_string());
        f.set(format!("v{n}_outcome"), &v.outcome);
        if v.reprisal_un {
            f.set(format!("v{n}_reprisal"), "on");
        }
        for (m, p) in v.perpetrators.iter().enumerate() {
            f.set(format!("v{n}_p{m}_type"), &p.perpetrator_type);
            let party = p
                .person
                .as_ref()
                .or(p.group.as_ref())
                .map(|r| r.code.clone())
                .unwrap_or_default();
            f.set(format!("v{n}_p{m}_party"), party);
        }
    }
    for (n, s) in i.sources.iter().enumerate() {
        f.set(format!("s{n}_type"), &s.source_type);
        f.set(format!("s{n}_reliability"), &s.reliability);
        f.set(format!("s{n}_origin"), &s.origin);
        f.set(format!("s{n}_description"), &s.description);
    }
    f
}

/// One `<option>`.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn vocab_options(
    v: &Vocabularies,
    kind: VocabKind,
    lang: &str,
    selected: &str,
    blank: Option<String>,
) -> Vec<Opt> {
    let mut out = Vec::new();
    if let Some(b) = blank {
        out.push(Opt {
            value: String::new(),
            label: b,
            selected: selected.is_empty(),
        });
    }
    out.extend(v.of(kind).map(|t| Opt {
        value: t.code.clone(),
        label: t.label(lang).to_owned(),
        selected: t.code == selected,
    }));
    out
}

pub fn status_options(t: &I18n, selected: &str, blank: bool) -> Vec<Opt> {
    let mut out = Vec::new();
    if blank {
        out.push(Opt {
            value: String::new(),
            label: t.get("any"),
            selected: selected.is_empty(),
        });
    }
    out.extend(IncidentStatus::ALL.iter().map(|s| Opt {
        value: s.code().to_owned(),
        label: t.get(&format!("status-{}", s.code())),
        selected: s.code() == selected,
    }));
    out
}

/// The view of the incident form: every row with its values, options and errors.
pub struct IncidentFormView {
    pub f: Fields,
    pub errors: HashMap<String, String>,
    pub error_list: Vec<(String, String)>,
    pub business_sectors: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub violations: Vec<ViolationRow>,
    pub sources: Vec<SourceRow>,
}

pub struct ViolationRow {
    pub i: usize,
    pub types: Vec<Opt>,
    pub victim: String,
    pub date: String,
    pub outcome: String,
    pub reprisal: bool,
    pub perpetrators: Vec<PerpRow>,
    pub err_type: Option<String>,
    pub err_victim: Option<String>,
    pub err_date: Option<String>,
}

pub struct PerpRow {
    pub j: usize,
    pub types: Vec<Opt>,
    pub party: String,
    pub err: Option<String>,
}

pub struct SourceRow {
    pub i: usize,
    pub types: Vec<Opt>,
    pub reliabilities: Vec<Opt>,
    pub origin: String,
    pub description: String,
    pub err_type: Option<String>,
    pub err_reliability: Option<String>,
    pub err_origin: Option<String>,
}

impl IncidentFormView {
    /// Build the view; `extra_*` add empty rows (the "add another" buttons).
    pub fn new(
        f: Fields,
        errs: &FieldErrors,
        vocab: &Vocabularies,
        t: &I18n,
        extra_violation: bool,
        extra_source: bool,
        extra_perp: Option<usize>,
    ) -> Self {
        let lang = t.lang;
        let mut errors = HashMap::new();
        let mut error_list = Vec::new();
        for e in &errs.0 {
            let msg = t.error(e);
            error_list.push((e.field.clone(), msg.clone()));
            errors.entry(e.field.clone()).or_insert(msg);
        }
        // Error paths count only non-blank rows; map form row → domain index.
        let mut nv = f.rows("v").max(1);
        if extra_violation {
            nv += 1;
        }
        let mut violations = Vec::new();
        let mut di = 0;
        for i in 0..nv {
            let k = |n: &str| format!("v{i}_{n}");
            let blank = ["type", "victim", "date", "outcome"]
                .iter()
                .all(|n| f.get(&k(n)).trim().is_empty());
            let path = |n: &str| format!("violations[{di}].{n}");
            let mut np = f.rows(&format!("v{i}_p")).max(1);
            if extra_perp == Some(i) {
                np += 1;
            }
            let mut perpetrators = Vec::new();
            let mut dj = 0;
            for j in 0..np {
                let ptype = f.get(&format!("v{i}_p{j}_type")).to_owned();
                let party = f.get(&format!("v{i}_p{j}_party")).to_owned();
                let pblank = ptype.trim().is_empty() && party.trim().is_empty();
                let err = if blank || pblank {
                    None
                } else {
                    errors
                        .get(&format!("violations[{di}].perpetrators[{dj}].type"))
                        .or_else(|| {
                            errors.get(&format!("violations[{di}].perpetrators[{dj}].party"))
                        })
                        .cloned()
                };
                if !pblank {
                    dj += 1;
                }
                perpetrators.push(PerpRow {
                    j,
                    types: vocab_options(
                        vocab,
                        VocabKind::PerpetratorType,
                        lang,
                        &ptype,
                        Some(t.get("choose")),
                    ),
                    party,
                    err,
                });
            }
            violations.push(ViolationRow {
                i,
                types: vocab_options(
                    vocab,
                    VocabKind::ViolationType,
                    lang,
                    f.get(&k("type")),
                    Some(t.get("choose")),
                ),
                victim: f.get(&k("victim")).to_owned(),
                date: f.get(&k("date")).to_owned(),
                outcome: f.get(&k("outcome")).to_owned(),
                reprisal: !f.get(&k("reprisal")).is_empty(),
                perpetrators,
                err_type: if blank {
                    None
                } else {
                    errors.get(&path("type")).cloned()
                },
                err_victim: if blank {
                    None
                } else {
                    errors.get(&path("victim")).cloned()
                },
                err_date: if blank {
                    None
                } else {
                    errors.get(&path("date")).cloned()
                },
            });
            if !blank {
                di += 1;
            }
        }
        let mut ns = f.rows("s").max(1);
        if extra_source {
            ns += 1;
        }
        let mut sources = Vec::new();
        let mut ds = 0;
        for i in 0..ns {
            let k = |n: &str| format!("s{i}_{n}");
            let blank = ["type", "reliability", "origin", "description"]
                .iter()
                .all(|n| f.get(&k(n)).trim().is_empty());
            let path = |n: &str| format!("sources[{ds}].{n}");
            sources.push(SourceRow {
                i,
                types: vocab_options(
                    vocab,
                    VocabKind::SourceType,
                    lang,
                    f.get(&k("type")),
                    Some(t.get("choose")),
                ),
                reliabilities: vocab_options(
                    vocab,
                    VocabKind::Reliability,
                    lang,
                    f.get(&k("reliability")),
                    Some(t.get("choose")),
                ),
                origin: f.get(&k("origin")).to_owned(),
                description: f.get(&k("description")).to_owned(),
                err_type: if blank {
                    None
                } else {
                    errors.get(&path("type")).cloned()
                },
                err_reliability: if blank {
                    None
                } else {
                    errors.get(&path("reliability")).cloned()
                },
                err_origin: if blank {
                    None
                } else {
                    errors.get(&path("origin")).cloned()
                },
            });
            if !blank {
                ds += 1;
            }
        }
        IncidentFormView {
            business_sectors: vocab_options(
                vocab,
                VocabKind::BusinessSector,
                lang,
                f.get("business_sector"),
                Some(t.get("none-chosen")),
            ),
            statuses: status_options(
                t,
                if f.get("status").is_empty() {
                    "reported"
                } else {
                    f.get("status")
                },
                false,
            ),
            f,
            errors,
            error_list,
            violations,
            sources,
        }
    }

    pub fn err(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    pub fn val(&self, field: &str) -> &str {
        self.f.get(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Fields {
        Fields::parse(
            p.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn blank_rows_are_ignored_and_codes_collected() {
        let f = pairs(&[
            ("title", "T"),
            ("v0_type", "killing"),
            ("v0_victim", "HRD-2019-0113"),
            ("v0_p0_type", "hired_killers"),
            ("v0_p1_type", ""),
            ("v1_type", ""),
            ("v2_type", "threat"),
            ("v2_victim", "GRP-2020-0001"),
            ("s0_type", "media"),
            ("s1_origin", ""),
        ]);
        let (input, codes, errs) = incident_input(&f);
        assert!(errs.is_empty());
        assert_eq!(input.violations.len(), 2);
        assert_eq!(
            input.violations.first().map(|v| v.perpetrators.len()),
            Some(1)
        );
        assert_eq!(input.sources.len(), 1);
        assert_eq!(codes.len(), 2);
        assert_eq!(
            codes.get(1).map(|c| c.field.as_str()),
            Some("violations[1].victim")
        );
    }

    #[test]
    fn row_indices_are_bounded() {
        let f = pairs(&[("v999999_type", "killing"), ("v3_type", "x")]);
        assert_eq!(f.rows("v"), 4);
    }

    #[test]
    fn bad_coordinates_are_reported() {
        let (_, _, errs) = incident_input(&pairs(&[("latitude", "north")]));
        assert!(errs.for_field("coordinates").is_some());
    }
}
