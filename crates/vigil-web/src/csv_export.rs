//! CSV export of incidents: one row per violation, incident columns repeated, so a
//! spreadsheet can count violations directly. Cells that a spreadsheet would run as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) are prefixed
//! with `'`. Sensitive fields the reader may not see are exported empty.

use vigil_domain::model::Incident;
use vigil_domain::vocab::{VocabKind, Vocabularies};

/// Neutralise a cell a spreadsheet would interpret as a formula.
pub fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

pub const HEADER: &[&str] = &[
    "incident_id", "external_id", "title", "start_date", "end_date", "country", "region", "locality", "latitude", "longitude",
    "business_sector", "status", "narrative", "violation_type", "violation_type_label", "victim_code", "victim_name", "violation_date",
    "perpetrator_types", "reprisal_un", "sources",
];

/// Render incidents as CSV (UTF-8, header row first).
pub fn incidents_csv(incidents: &[Incident], vocab: &Vocabularies, lang: &str) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(HEADER);
    for i in incidents {
        let base = vec![
            i.id.to_string(),
            i.external_id.clone().unwrap_or_default(),
            i.title.clone(),
            i.start.to_string(),
            i.end.map(|d| d.to_string()).unwrap_or_default(),
            i.country.clone(),
            i.region.clone(),
            i.locality.clone(),
            i.coordinates.map(|c| c.lat.to_string()).unwrap_or_default(),
            i.coordinates.map(|c| c.lon.to_string()).unwrap_or_default(),
            i.business_sector.clone().unwrap_or_default(),
            i.status.code().to_owned(),
            i.narrative.clone().unwrap_or_default(),
        ];
        let sources = i.sources.len().to_string();
        let rows: Vec<Vec<String>> = if i.violations.is_empty() {
            vec![vec![String::new(); 7]]
        } else {
            i.violations
                .iter()
                .map(|v| {
                    vec![
                        v.violation_type.clone(),
                        vocab.label(VocabKind::ViolationType, &v.violation_type, lang).to_owned(),
                        v.victim.code.clone(),
                        v.victim.name.clone().unwrap_or_default(),
                        v.date.to_string(),
                        v.perpetrators.iter().map(|p| p.perpetrator_type.as_str()).collect::<Vec<_>>().join(";"),
                        if v.reprisal_un { "yes".into() } else { "no".into() },
                    ]
                })
                .collect()
        };
        for r in rows {
            let mut rec: Vec<String> = base.iter().chain(r.iter()).map(|c| safe_cell(c)).collect();
            rec.push(sources.clone());
            let _ = w.write_record(&rec);
        }
    }
    w.into_inner().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for bad in ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(safe_cell(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(safe_cell("plain"), "plain");
        assert_eq!(safe_cell("a=b"), "a=b");
    }
}
