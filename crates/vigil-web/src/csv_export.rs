//! CSV export of incidents: one row per incident, its violations' types, victims and
//! perpetrator types joined with `; `, so the file can be imported again with
//! `vigil import` (see `docs/import.md`, "Export"). It must never let a spreadsheet run
//! a cell as a formula, nor write a sensitive field the reader may not see.

use std::io::Write;

use vigil_domain::country::Countries;
use vigil_domain::model::{independent_sources, Incident};
use vigil_domain::vocab::{VocabKind, Vocabularies};

/// Characters that make a spreadsheet read a cell as a formula (or hide one).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Neutralise a cell a spreadsheet would interpret as a formula, by putting `'` in
/// front (as spreadsheets do themselves; `vigil import` removes it again).
pub fn safe_cell(s: &str) -> String {
    if s.starts_with(FORMULA_START) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// Joins several values in one cell.
pub const LIST_SEPARATOR: &str = "; ";

/// The columns, in order. Codes come with a label column in the reader's language;
/// re-import uses the codes.
pub const HEADER: &[&str] = &[
    "incident_id",
    "external_id",
    "title",
    "narrative",
    "start_date",
    "end_date",
    "country",
    "country_name",
    "region",
    "locality",
    "latitude",
    "longitude",
    "business_sector",
    "business_sector_label",
    "status",
    "violation_count",
    "violation_types",
    "violation_type_labels",
    "victim_codes",
    "victim_names",
    "perpetrator_types",
    "perpetrator_type_labels",
    "reprisal_un",
    "source_count",
    "independent_sources",
    "updated_at",
];

/// Write incidents as CSV (UTF-8, header row first) to `out`.
pub fn write_incidents_csv<W: Write>(
    out: W,
    incidents: &[Incident],
    vocab: &Vocabularies,
    lang: &str,
) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER.iter().map(|h| safe_cell(h)))?;
    for i in incidents {
        w.write_record(row(i, vocab, lang).iter().map(|c| safe_cell(c)))?;
    }
    w.flush()?;
    Ok(())
}

/// Render incidents as CSV (UTF-8, header row first).
pub fn incidents_csv(incidents: &[Incident], vocab: &Vocabularies, lang: &str) -> String {
    let mut buf = Vec::new();
    // Writing to memory cannot fail, and every cell is a `String`, so the bytes are UTF-8.
    let _ = write_incidents_csv(&mut buf, incidents, vocab, lang);
    String::from_utf8(buf).unwrap_or_default()
}

/// One incident's cells, in [`HEADER`] order, before formula escaping.
fn row(i: &Incident, vocab: &Vocabularies, lang: &str) -> Vec<String> {
    // A reader who may not see sensitive fields gets an incident without its narrative;
    // then coordinates and victims' names stay empty too, whatever else the record holds.
    let hidden = i.redacted || i.narrative.is_none();
    let sensitive = |s: String| if hidden { String::new() } else { s };
    let joined = |items: Vec<&str>| {
        let mut seen: Vec<&str> = Vec::new();
        for it in items {
            if !it.is_empty() && !seen.contains(&it) {
                seen.push(it);
            }
        }
        seen.join(LIST_SEPARATOR)
    };
    let labels = |kind: VocabKind, codes: &[&str]| -> String {
        joined(codes.iter().map(|c| vocab.label(kind, c, lang)).collect())
    };
    let types: Vec<&str> = i
        .violations
        .iter()
        .map(|v| v.violation_type.as_str())
        .collect();
    let perpetrators: Vec<&str> = i
        .violations
        .iter()
        .flat_map(|v| v.perpetrators.iter().map(|p| p.perpetrator_type.as_str()))
        .collect();
    let sector = i.business_sector.as_deref().unwrap_or_default();
    vec![
        i.id.to_string(),
        i.external_id.clone().unwrap_or_default(),
        i.title.clone(),
        sensitive(i.narrative.clone().unwrap_or_default()),
        i.start.to_string(),
        i.end.map(|d| d.to_string()).unwrap_or_default(),
        i.country.clone(),
        Countries::get()
            .by_alpha2(&i.country)
            .map(|c| c.name(lang).to_owned())
            .unwrap_or_default(),
        i.region.clone(),
        i.locality.clone(),
        sensitive(i.coordinates.map(|c| c.lat.to_string()).unwrap_or_default()),
        sensitive(i.coordinates.map(|c| c.lon.to_string()).unwrap_or_default()),
        sector.to_owned(),
        if sector.is_empty() {
            String::new()
        } else {
            vocab
                .label(VocabKind::BusinessSector, sector, lang)
                .to_owned()
        },
        i.status.code().to_owned(),
        i.violations.len().to_string(),
        joined(types.clone()),
        labels(VocabKind::ViolationType, &types),
        joined(
            i.violations
                .iter()
                .map(|v| v.victim.code.as_str())
                .collect(),
        ),
        sensitive(joined(
            i.violations
                .iter()
                .map(|v| v.victim.name.as_deref().unwrap_or_default())
                .collect(),
        )),
        joined(perpetrators.clone()),
        labels(VocabKind::PerpetratorType, &perpetrators),
        if i.violations.iter().any(|v| v.reprisal_un) {
            "yes"
        } else {
            "no"
        }
        .to_owned(),
        i.sources.len().to_string(),
        // Origins are cleared for such readers, so their independence cannot be judged.
        sensitive(independent_sources(i.sources.iter().map(|s| s.origin.as_str())).to_string()),
        i.updated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use vigil_domain::model::*;

    fn killing() -> Incident {
        let at = Utc.with_ymd_and_hms(2024, 3, 20, 9, 0, 0).unwrap();
        let date = PartialDate::day(NaiveDate::from_ymd_opt(2024, 3, 15).unwrap());
        let victim = |id, code: &str, name: &str| PartyRef {
            victim: VictimRef::Person(id),
            code: code.into(),
            name: Some(name.into()),
        };
        let perp = |t: &str| Perpetrator {
            perpetrator_type: t.into(),
            person: None,
            group: None,
        };
        Incident {
            id: 7,
            external_id: Some("C-001".into()),
            title: "Land defender shot".into(),
            narrative: Some("Shot by two men on a motorbike.".into()),
            start: date,
            end: None,
            country: "CO".into(),
            region: "Cauca".into(),
            locality: "Toribío".into(),
            coordinates: Some(Coordinates {
                lat: 2.95,
                lon: -76.27,
            }),
            business_sector: Some("agribusiness".into()),
            status: IncidentStatus::Verified,
            verification_override: None,
            version: 1,
            created_at: at,
            updated_at: at,
            violations: vec![
                Violation {
                    id: 1,
                    incident_id: 7,
                    violation_type: "killing".into(),
                    victim: victim(1, "HRD-2019-0113", "Juan Pérez"),
                    date,
                    outcome: String::new(),
                    reprisal_un: false,
                    perpetrators: vec![perp("hired_killers")],
                },
                Violation {
                    id: 2,
                    incident_id: 7,
                    violation_type: "death_threat".into(),
                    victim: victim(2, "REL-2024-0001", "Pedro Pérez"),
                    date,
                    outcome: String::new(),
                    reprisal_un: true,
                    perpetrators: vec![perp("hired_killers"), perp("paramilitary")],
                },
            ],
            sources: vec![
                Source {
                    id: 1,
                    incident_id: 7,
                    source_type: "relative".into(),
                    reliability: "high".into(),
                    origin: "Brother".into(),
                    description: String::new(),
                },
                Source {
                    id: 2,
                    incident_id: 7,
                    source_type: "media".into(),
                    reliability: "medium".into(),
                    origin: "Radio".into(),
                    description: String::new(),
                },
            ],
            redacted: false,
        }
    }

    /// Parse an export back into header and rows of named cells.
    fn parse(csv: &str) -> Vec<std::collections::HashMap<String, String>> {
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header, HEADER);
        r.records()
            .map(|rec| {
                header
                    .iter()
                    .cloned()
                    .zip(rec.unwrap().iter().map(str::to_owned))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn formulas_are_neutralised() {
        for bad in ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(safe_cell(bad), format!("'{bad}"), "{bad:?}");
        }
        assert_eq!(safe_cell("plain"), "plain");
        assert_eq!(safe_cell("a=b"), "a=b");
        assert_eq!(safe_cell(""), "");
    }

    #[test]
    fn one_row_per_incident_with_violations_joined() {
        let v = Vocabularies::builtin();
        let rows = parse(&incidents_csv(&[killing()], &v, "es"));
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r["external_id"], "C-001");
        assert_eq!(r["start_date"], "2024-03-15");
        assert_eq!(r["country_name"], "Colombia");
        assert_eq!(r["violation_count"], "2");
        assert_eq!(r["violation_types"], "killing; death_threat");
        assert_eq!(r["violation_type_labels"], "Asesinato; Amenaza de muerte");
        assert_eq!(r["perpetrator_types"], "hired_killers; paramilitary");
        assert_eq!(r["perpetrator_type_labels"], "Sicarios; Paramilitares");
        assert_eq!(r["business_sector_label"], "Agroindustria");
        assert_eq!(r["victim_codes"], "HRD-2019-0113; REL-2024-0001");
        assert_eq!(r["victim_names"], "Juan Pérez; Pedro Pérez");
        assert_eq!(r["narrative"], "Shot by two men on a motorbike.");
        assert_eq!(r["latitude"], "2.95");
        assert_eq!(
            r["longitude"], "'-76.27",
            "a leading minus is escaped like any other"
        );
        assert_eq!(
            (r["reprisal_un"].as_str(), r["independent_sources"].as_str()),
            ("yes", "2")
        );
    }

    #[test]
    fn every_cell_that_could_be_a_formula_is_escaped() {
        let v = Vocabularies::builtin();
        let mut i = killing();
        i.title = "=HYPERLINK(\"http://evil.example\",\"click\")".into();
        i.narrative = Some("+57 300 000".into());
        i.region = "-1+1".into();
        i.locality = "@SUM(A1:A9)".into();
        i.external_id = Some("\t=cmd|' /C calc'!A0".into());
        i.violations[0].victim.name = Some("\rsneaky".into());
        let csv = incidents_csv(&[i], &v, "en");
        let r = &parse(&csv)[0];
        assert_eq!(r["title"], "'=HYPERLINK(\"http://evil.example\",\"click\")");
        assert_eq!(r["narrative"], "'+57 300 000");
        assert_eq!(r["region"], "'-1+1");
        assert_eq!(r["locality"], "'@SUM(A1:A9)");
        assert_eq!(r["external_id"], "'\t=cmd|' /C calc'!A0");
        assert!(
            r["victim_names"].starts_with("'\rsneaky"),
            "{:?}",
            r["victim_names"]
        );
        for (col, cell) in r {
            assert!(!cell.starts_with(FORMULA_START), "{col}: {cell:?}");
        }
    }

    #[test]
    fn redacted_incidents_export_empty_sensitive_cells() {
        let v = Vocabularies::builtin();
        let mut i = killing();
        i.redact();
        let r = &parse(&incidents_csv(&[i.clone()], &v, "en"))[0];
        for col in [
            "narrative",
            "latitude",
            "longitude",
            "victim_names",
            "independent_sources",
        ] {
            assert_eq!(r[col], "", "{col}");
        }
        assert_eq!(
            r["victim_codes"], "HRD-2019-0113; REL-2024-0001",
            "codes are not sensitive"
        );
        assert_eq!(r["title"], "Land defender shot");
        assert_eq!(r["source_count"], "2");

        // Belt and braces: no narrative means no coordinates or names, whatever the record holds.
        let mut j = killing();
        j.narrative = None;
        let r = &parse(&incidents_csv(&[j], &v, "en"))[0];
        assert_eq!(
            (r["latitude"].as_str(), r["victim_names"].as_str()),
            ("", "")
        );
    }

    #[test]
    fn an_incident_without_violations_still_has_its_row() {
        let v = Vocabularies::builtin();
        let mut i = killing();
        i.violations.clear();
        i.business_sector = None;
        let r = &parse(&incidents_csv(&[i], &v, "en"))[0];
        assert_eq!(
            (r["violation_count"].as_str(), r["violation_types"].as_str()),
            ("0", "")
        );
        assert_eq!(r["business_sector_label"], "");
    }
}
