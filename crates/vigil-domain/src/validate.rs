//! Validation: turns what a user submitted into something the store may save, or
//! says precisely which field is wrong and why. Nothing is saved unless everything
//! validates, so a form comes back with every error at once.

use chrono::NaiveDate;
use serde::Serialize;

use crate::country::Countries;
use crate::model::*;
use crate::vocab::{VocabKind, Vocabularies};

/// One problem with one field. `field` is a path such as `violations[1].victim`;
/// `key` is a message id in the translation catalogue; `arg` fills its `$value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub key: String,
    pub arg: Option<String>,
}

/// Every problem found in one submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, key: &str, arg: Option<String>) {
        self.0.push(FieldError {
            field: field.into(),
            key: key.to_owned(),
            arg,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first error for a field, if any.
    pub fn for_field(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }

    pub fn into_result<T>(self, ok: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(ok)
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field, e.key)?;
            if let Some(a) = &e.arg {
                write!(f, " ({a})")?;
            }
        }
        Ok(())
    }
}

pub const MAX_TITLE: usize = 300;
pub const MAX_TEXT: usize = 100_000;
pub const MAX_SHORT: usize = 500;
pub const MAX_VIOLATIONS: usize = 200;
pub const MAX_SOURCES: usize = 200;

/// An incident that passed validation, in stored form.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidIncident {
    pub title: String,
    pub narrative: String,
    pub start: PartialDate,
    pub end: Option<PartialDate>,
    pub country: String,
    pub region: String,
    pub locality: String,
    pub coordinates: Option<Coordinates>,
    pub business_sector: Option<String>,
    pub status: IncidentStatus,
    pub verification_override: Option<String>,
    pub external_id: Option<String>,
    pub violations: Vec<ValidViolation>,
    pub sources: Vec<SourceInput>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidViolation {
    pub violation_type: String,
    pub victim: VictimRef,
    pub date: PartialDate,
    pub outcome: String,
    pub reprisal_un: bool,
    pub perpetrators: Vec<PerpetratorInput>,
}

/// Context a validation needs from outside: the vocabularies in force, today's date,
/// and whether the submitter may override the two-source rule.
pub struct Rules<'a> {
    pub vocab: &'a Vocabularies,
    pub today: NaiveDate,
    pub may_override_verification: bool,
}

fn text(errs: &mut FieldErrors, field: &str, value: &str, max: usize, required: bool) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        errs.add(field, "err-required", None);
    } else if v.chars().count() > max {
        errs.add(field, "err-too-long", Some(max.to_string()));
    } else if v
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errs.add(field, "err-control-chars", None);
    }
    v.to_owned()
}

fn code(
    errs: &mut FieldErrors,
    rules: &Rules<'_>,
    field: &str,
    kind: VocabKind,
    value: &str,
    required: bool,
) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        if required {
            errs.add(field, "err-required", None);
        }
        return None;
    }
    if rules.vocab.contains(kind, v) {
        Some(v.to_owned())
    } else {
        errs.add(field, "err-unknown-code", Some(v.to_owned()));
        None
    }
}

fn date(
    errs: &mut FieldErrors,
    rules: &Rules<'_>,
    field: &str,
    value: &str,
) -> Option<PartialDate> {
    match value.trim().parse::<PartialDate>() {
        Ok(d) if d.date > rules.today => {
            errs.add(field, "err-date-future", Some(value.trim().to_owned()));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errs.add(field, "err-date-format", Some(value.trim().to_owned()));
            None
        }
    }
}

/// Resolve a country code or name; reports the field when it cannot.
pub fn country(errs: &mut FieldErrors, field: &str, value: &str, required: bool) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        if required {
            errs.add(field, "err-required", None);
        }
        return None;
    }
    match Countries::get().resolve(v) {
        Some(c) => Some(c.alpha2.clone()),
        None => {
            errs.add(field, "err-unknown-country", Some(v.to_owned()));
            None
        }
    }
}

impl IncidentInput {
    /// Check every field; on success return the incident in stored form.
    pub fn validate(&self, rules: &Rules<'_>) -> Result<ValidIncident, FieldErrors> {
        let mut e = FieldErrors::default();
        let title = text(&mut e, "title", &self.title, MAX_TITLE, true);
        let narrative = text(&mut e, "narrative", &self.narrative, MAX_TEXT, false);
        let start = date(&mut e, rules, "start_date", &self.start_date);
        let end = if self.end_date.trim().is_empty() {
            None
        } else {
            date(&mut e, rules, "end_date", &self.end_date)
        };
        if let (Some(s), Some(en)) = (start, end) {
            if en.latest() < s.date {
                e.add("end_date", "err-end-before-start", None);
            }
        }
        let country = country(&mut e, "country", &self.country, true);
        let region = canonical_region(
            country.as_deref(),
            &text(&mut e, "region", &self.region, MAX_SHORT, false),
        );
        let locality = text(&mut e, "locality", &self.locality, MAX_SHORT, false);
        let coordinates = match (self.latitude, self.longitude) {
            (None, None) => None,
            (Some(lat), Some(lon))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
            {
                Some(Coordinates { lat, lon })
            }
            (Some(_), Some(_)) => {
                e.add("coordinates", "err-coordinates-range", None);
                None
            }
            _ => {
                e.add("coordinates", "err-coordinates-pair", None);
                None
            }
        };
        let business_sector = code(
            &mut e,
            rules,
            "business_sector",
            VocabKind::BusinessSector,
            &self.business_sector,
            false,
        );
        let status = self.status.unwrap_or(IncidentStatus::Reported);
        let external_id = Some(text(
            &mut e,
            "external_id",
            &self.external_id,
            MAX_SHORT,
            false,
        ))
        .filter(|s| !s.is_empty());
        let override_reason = text(
            &mut e,
            "verification_override",
            &self.verification_override,
            MAX_SHORT,
            false,
        );

        if self.violations.is_empty() {
            e.add("violations", "err-no-violations", None);
        }
        if self.violations.len() > MAX_VIOLATIONS {
            e.add(
                "violations",
                "err-too-many",
                Some(MAX_VIOLATIONS.to_string()),
            );
        }
        let mut violations = Vec::new();
        for (i, v) in self.violations.iter().enumerate() {
            let f = |name: &str| format!("violations[{i}].{name}");
            let vt = code(
                &mut e,
                rules,
                &f("type"),
                VocabKind::ViolationType,
                &v.violation_type,
                true,
            );
            if v.victim.is_none() {
                e.add(f("victim"), "err-required", None);
            }
            let vdate = if v.date.trim().is_empty() {
                start
            } else {
                date(&mut e, rules, &f("date"), &v.date)
            };
            let outcome = text(&mut e, &f("outcome"), &v.outcome, MAX_SHORT, false);
            let mut perps = Vec::new();
            for (j, p) in v.perpetrators.iter().enumerate() {
                let pf = format!("violations[{i}].perpetrators[{j}].type");
                if let Some(pt) = code(
                    &mut e,
                    rules,
                    &pf,
                    VocabKind::PerpetratorType,
                    &p.perpetrator_type,
                    true,
                ) {
                    perps.push(PerpetratorInput {
                        perpetrator_type: pt,
                        person_id: p.person_id,
                        group_id: p.group_id,
                    });
                }
            }
            if let (Some(violation_type), Some(victim), Some(date)) = (vt, v.victim, vdate) {
                violations.push(ValidViolation {
                    violation_type,
                    victim,
                    date,
                    outcome,
                    reprisal_un: v.reprisal_un,
                    perpetrators: perps,
                });
            }
        }

        if self.sources.len() > MAX_SOURCES {
            e.add("sources", "err-too-many", Some(MAX_SOURCES.to_string()));
        }
        let mut sources = Vec::new();
        for (i, s) in self.sources.iter().enumerate() {
            let f = |name: &str| format!("sources[{i}].{name}");
            let st = code(
                &mut e,
                rules,
                &f("type"),
                VocabKind::SourceType,
                &s.source_type,
                true,
            );
            let rel = code(
                &mut e,
                rules,
                &f("reliability"),
                VocabKind::Reliability,
                &s.reliability,
                true,
            );
            let origin = text(&mut e, &f("origin"), &s.origin, MAX_SHORT, true);
            let description = text(&mut e, &f("description"), &s.description, MAX_TEXT, false);
            if let (Some(source_type), Some(reliability)) = (st, rel) {
                sources.push(SourceInput {
                    source_type,
                    reliability,
                    origin,
                    description,
                });
            }
        }

        let mut verification_override = None;
        if status == IncidentStatus::Verified {
            let independent = independent_sources(self.sources.iter().map(|s| s.origin.as_str()));
            if independent < 2 {
                if !override_reason.is_empty() && rules.may_override_verification {
                    verification_override = Some(override_reason);
                } else if !override_reason.is_empty() {
                    e.add("verification_override", "err-override-not-allowed", None);
                } else {
                    e.add(
                        "status",
                        "err-verified-needs-sources",
                        Some(independent.to_string()),
                    );
                }
            }
        }

        let (Some(start), Some(country)) = (start, country) else {
            return Err(e);
        };
        e.into_result(ValidIncident {
            title,
            narrative,
            start,
            end,
            country,
            region,
            locality,
            coordinates,
            business_sector,
            status,
            verification_override,
            external_id,
            violations,
            sources,
        })
    }
}

/// If the region names a known first-level subdivision (ignoring case and accents),
/// store the subdivision's own spelling so that counts by region agree.
pub fn canonical_region(country: Option<&str>, region: &str) -> String {
    country
        .and_then(|a2| Countries::get().subdivision(a2, region))
        .unwrap_or(region)
        .to_owned()
}

/// A person that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPerson(pub PersonInput);

impl PersonInput {
    pub fn validate(&self, rules: &Rules<'_>) -> Result<ValidPerson, FieldErrors> {
        let mut e = FieldErrors::default();
        let mut p = self.clone();
        p.legal_name = text(&mut e, "legal_name", &self.legal_name, MAX_SHORT, false);
        p.contacts = text(&mut e, "contacts", &self.contacts, MAX_TEXT, false);
        p.address = text(&mut e, "address", &self.address, MAX_TEXT, false);
        p.external_id = text(&mut e, "external_id", &self.external_id, MAX_SHORT, false);
        p.sex = code(&mut e, rules, "sex", VocabKind::Sex, &self.sex, false).unwrap_or_default();
        p.sdg_group = code(
            &mut e,
            rules,
            "sdg_group",
            VocabKind::SdgGroup,
            &self.sdg_group,
            false,
        )
        .unwrap_or_default();
        if let Some(y) = self.birth_year {
            let this_year = chrono::Datelike::year(&rules.today);
            if !(1900..=this_year).contains(&y) {
                e.add("birth_year", "err-birth-year", Some(y.to_string()));
            }
        }
        for (field, kind, list) in [
            (
                "characteristics",
                VocabKind::Characteristic,
                &mut p.characteristics,
            ),
            ("sectors", VocabKind::SectorOfDefence, &mut p.sectors),
        ] {
            list.retain(|c| !c.trim().is_empty());
            list.sort();
            list.dedup();
            for c in list.iter() {
                code(&mut e, rules, field, kind, c, false);
            }
        }
        p.memberships.sort_unstable();
        p.memberships.dedup();
        if !p.consent_record {
            e.add("consent_record", "err-consent-record", None);
        }
        if p.consent_publish != PublishConsent::No && !p.consent_record {
            e.add("consent_publish", "err-consent-record", None);
        }
        e.into_result(ValidPerson(p))
    }
}

impl GroupInput {
    pub fn validate(&self, rules: &Rules<'_>) -> Result<GroupInput, FieldErrors> {
        let mut e = FieldErrors::default();
        let g = GroupInput {
            name: text(&mut e, "name", &self.name, MAX_SHORT, true),
            group_type: code(
                &mut e,
                rules,
                "group_type",
                VocabKind::GroupType,
                &self.group_type,
                true,
            )
            .unwrap_or_default(),
            country: country(&mut e, "country", &self.country, false).unwrap_or_default(),
            description: text(&mut e, "description", &self.description, MAX_TEXT, false),
        };
        e.into_result(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(v: &Vocabularies) -> Rules<'_> {
        Rules {
            vocab: v,
            today: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap_or_default(),
            may_override_verification: false,
        }
    }

    fn killing() -> IncidentInput {
        IncidentInput {
            title: "Land defender shot near his community".into(),
            narrative: "Shot by two men on a motorbike.".into(),
            start_date: "2024-03-15".into(),
            country: "Colombia".into(),
            region: "cauca".into(),
            business_sector: "agribusiness".into(),
            status: Some(IncidentStatus::UnderVerification),
            violations: vec![ViolationInput {
                violation_type: "killing".into(),
                victim: Some(VictimRef::Person(1)),
                perpetrators: vec![PerpetratorInput {
                    perpetrator_type: "hired_killers".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            sources: vec![SourceInput {
                source_type: "relative".into(),
                reliability: "high".into(),
                origin: "Brother of the victim".into(),
                description: String::new(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_incident_validates_and_normalises() {
        let v = Vocabularies::builtin();
        let ok = killing()
            .validate(&rules(&v))
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(ok.country, "CO");
        assert_eq!(ok.region, "Cauca");
        assert_eq!(ok.violations.len(), 1);
        assert_eq!(ok.violations.first().map(|v| v.date), Some(ok.start));
    }

    #[test]
    fn every_error_is_reported_with_its_field() {
        let v = Vocabularies::builtin();
        let mut i = killing();
        i.title = " ".into();
        i.start_date = "2024-13".into();
        i.country = "Atlantis".into();
        i.violations.push(ViolationInput {
            violation_type: "bad_code".into(),
            ..Default::default()
        });
        i.latitude = Some(1.0);
        let errs = i.validate(&rules(&v)).err().unwrap_or_default();
        for field in [
            "title",
            "start_date",
            "country",
            "violations[1].type",
            "violations[1].victim",
            "coordinates",
        ] {
            assert!(errs.for_field(field).is_some(), "{field}: {errs}");
        }
        assert_eq!(
            errs.for_field("country").and_then(|e| e.arg.clone()),
            Some("Atlantis".into())
        );
    }

    #[test]
    fn verified_needs_two_independent_sources_or_an_allowed_override() {
        let v = Vocabularies::builtin();
        let mut i = killing();
        i.status = Some(IncidentStatus::Verified);
        let errs = i.validate(&rules(&v)).err().unwrap_or_default();
        assert!(errs.for_field("status").is_some());

        i.verification_override = "Confirmed by the prosecutor's office".into();
        let errs = i.validate(&rules(&v)).err().unwrap_or_default();
        assert!(errs.for_field("verification_override").is_some());
        let mut admin = rules(&v);
        admin.may_override_verification = true;
        assert!(i.validate(&admin).is_ok());

        i.verification_override.clear();
        i.sources.push(SourceInput {
            source_type: "media".into(),
            reliability: "medium".into(),
            origin: "Radio Comunitaria".into(),
            description: String::new(),
        });
        assert!(i.validate(&rules(&v)).is_ok());
    }

    #[test]
    fn future_dates_and_reversed_ranges_are_refused() {
        let v = Vocabularies::builtin();
        let mut i = killing();
        i.start_date = "2030-01-01".into();
        assert!(i
            .validate(&rules(&v))
            .err()
            .unwrap_or_default()
            .for_field("start_date")
            .is_some());
        let mut i = killing();
        i.end_date = "2024-02".into();
        assert!(i
            .validate(&rules(&v))
            .err()
            .unwrap_or_default()
            .for_field("end_date")
            .is_some());
    }
}
