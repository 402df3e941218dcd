//! Demo data at scale (`vigil demo --incidents 1000000`): seeded synthetic incidents
//! written as an import CSV with its mapping, so that a million rows go through the
//! same bulk import path an organisation's spreadsheet takes. Nothing here is real.
//!
//! The distributions aim to look like a real deployment to the indexes and the
//! planner: countries weighted (with a long tail), incidents growing over the years,
//! partial dates, every violation type, one to three violations per incident, several
//! perpetrator types, state and non-state, statuses that follow the two-source rule,
//! business sectors, victims reused across incidents (a few defenders attacked again
//! and again), and titles and narratives drawn Zipf-like from several thousand words so
//! full-text queries match realistic numbers of records. The output depends only on
//! the seed and "today".

use std::io::Write;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use vigil_domain::vocab::{builtin_terms, VocabKind};

use super::{CountrySeed, COUNTRIES, PROFILES};

/// The mapping that reads [`write_csv`]'s file (see docs/import.md).
pub const MAPPING: &str = r#"# Mapping for the CSV written by `vigil demo --csv` (synthetic data).
[incident]
external_id = "case_id"
title = "title"
narrative = "narrative"
start_date = "start_date"
end_date = "end_date"
country = "country"
region = "region"
locality = "locality"
latitude = "latitude"
longitude = "longitude"
business_sector = "business_sector"
status = "status"

[victim]
external_id = "victim_id"
name = "victim_name"
sex = "victim_sex"
birth_year = "victim_birth_year"
characteristics = { column = "victim_characteristics", separator = ";" }
sectors = { column = "victim_sectors", separator = ";" }
sdg_group = "victim_sdg_group"
contacts = "victim_contacts"
consent_publish = "victim_consent_publish"

[[violation]]
violation_type = { column = "violation_types", separator = ";" }
perpetrator_type = { column = "perpetrator_types", separator = ";" }
reprisal_un = "reprisal_un"
outcome = "outcome"

[[violation]]
violation_type = "later_violation_type"
date = "later_violation_date"
perpetrator_type = { column = "later_perpetrator_types", separator = ";" }

[[source]]
source_type = "source1_type"
reliability = "source1_reliability"
origin = "source1_origin"
description = "source1_description"

[[source]]
source_type = "source2_type"
reliability = "source2_reliability"
origin = "source2_origin"
description = "source2_description"
"#;

const HEADER: [&str; 36] = [
    "case_id",
    "title",
    "narrative",
    "start_date",
    "end_date",
    "country",
    "region",
    "locality",
    "latitude",
    "longitude",
    "business_sector",
    "status",
    "victim_id",
    "victim_name",
    "victim_sex",
    "victim_birth_year",
    "victim_characteristics",
    "victim_sectors",
    "victim_sdg_group",
    "victim_contacts",
    "victim_consent_publish",
    "violation_types",
    "perpetrator_types",
    "reprisal_un",
    "outcome",
    "later_violation_type",
    "later_violation_date",
    "later_perpetrator_types",
    "source1_type",
    "source1_reliability",
    "source1_origin",
    "source1_description",
    "source2_type",
    "source2_reliability",
    "source2_origin",
    "source2_description",
];

/// Countries with few documented incidents, after the ten seeded ones.
const TAIL: &[&str] = &[
    "AR", "BO", "CL", "EC", "VE", "NI", "SV", "PY", "HT", "DO", "CM", "NG", "UG", "TZ", "ZW", "ET",
    "SD", "ZA", "EG", "TN", "TR", "IR", "IQ", "PK", "BD", "NP", "LK", "MM", "KH", "TH", "VN", "ID",
    "MY", "RU", "BY", "AZ", "KZ", "UA", "RS", "HU",
];

/// Words of titles and narratives: synthetic, pronounceable, several thousand.
const WORDS: usize = 6_000;
const SYLLABLES: &[&str] = &[
    "ba", "be", "bi", "bo", "ca", "ce", "ci", "co", "da", "de", "di", "do", "fa", "fe", "ga", "go",
    "ja", "ka", "ki", "la", "le", "li", "lo", "lu", "ma", "me", "mi", "mo", "mu", "na", "ne", "ni",
    "no", "pa", "pe", "pi", "po", "ra", "re", "ri", "ro", "ru", "sa", "se", "si", "so", "ta", "te",
    "ti", "to", "tu", "va", "ve", "vi", "ya", "za", "an", "en", "in", "on", "ar", "er", "or", "al",
    "el", "ol", "as", "es", "os",
];

/// A weighted table sampled by binary search on cumulative weights.
struct Table<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T: Clone> Table<T> {
    fn new(items: Vec<(T, f64)>) -> Self {
        let mut total = 0.0;
        let mut cumulative = Vec::with_capacity(items.len());
        let mut out = Vec::with_capacity(items.len());
        for (t, w) in items {
            total += w.max(0.0);
            cumulative.push(total);
            out.push(t);
        }
        Self {
            items: out,
            cumulative,
        }
    }

    /// Zipf weights (1/rank^s) over `items` in order.
    fn zipf(items: Vec<T>, s: f64) -> Self {
        Self::new(
            items
                .into_iter()
                .enumerate()
                .map(|(i, t)| (t, 1.0 / ((i + 1) as f64).powf(s)))
                .collect(),
        )
    }

    fn pick(&self, rng: &mut StdRng) -> Option<&T> {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.gen::<f64>() * total;
        let i = self.cumulative.partition_point(|c| *c <= x);
        self.items.get(i.min(self.items.len().saturating_sub(1)))
    }
}

fn codes(kind: VocabKind) -> Vec<String> {
    builtin_terms()
        .filter(|t| t.kind == kind)
        .map(|t| t.code)
        .collect()
}

fn labels(kind: VocabKind, spanish: bool) -> Vec<(String, String)> {
    builtin_terms()
        .filter(|t| t.kind == kind)
        .map(|t| {
            let l = if spanish { t.label_es } else { t.label_en };
            (t.code, l)
        })
        .collect()
}

/// A person already written, who may be a victim again.
struct Victim {
    id: String,
    cells: [String; 8],
    country: usize,
}

/// The generator. Call [`Scale::row`] `n` times.
pub struct Scale {
    rng: StdRng,
    today: NaiveDate,
    words: Table<String>,
    countries: Table<usize>,
    violation_types: Table<String>,
    type_labels_en: Vec<(String, String)>,
    type_labels_es: Vec<(String, String)>,
    perpetrators: Table<String>,
    sectors: Vec<String>,
    source_types: Table<String>,
    years: Table<i32>,
    victims: Vec<Victim>,
    next_case: u64,
    next_person: u64,
}

/// The country a row happens in: a seeded one (names, regions) or a tail one.
fn seed_of(i: usize) -> Option<&'static CountrySeed> {
    COUNTRIES.get(i)
}

impl Scale {
    pub fn new(seed: u64, today: NaiveDate) -> Self {
        // The words do not depend on the seed: the same vocabulary every time.
        let mut wr = StdRng::seed_from_u64(0x0057_4947_494c);
        let mut words = Vec::with_capacity(WORDS);
        let mut seen = std::collections::HashSet::new();
        while words.len() < WORDS {
            let n = wr.gen_range(2..=4);
            let w: String = (0..n)
                .map(|_| SYLLABLES.choose(&mut wr).copied().unwrap_or("a"))
                .collect();
            if seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let mut countries: Vec<(usize, f64)> = COUNTRIES
            .iter()
            .enumerate()
            .map(|(i, c)| (i, f64::from(c.weight) * 3.0))
            .collect();
        for (i, _) in TAIL.iter().enumerate() {
            countries.push((COUNTRIES.len() + i, 1.0));
        }
        let first = 2015;
        let last = today.year().max(first);
        // More incidents documented in later years.
        let years = Table::new(
            (first..=last)
                .map(|y| (y, 1.0 + f64::from(y - first) * 0.25))
                .collect(),
        );
        Self {
            rng: StdRng::seed_from_u64(seed),
            today,
            words: Table::zipf(words, 1.0),
            countries: Table::new(countries),
            violation_types: Table::zipf(codes(VocabKind::ViolationType), 0.6),
            type_labels_en: labels(VocabKind::ViolationType, false),
            type_labels_es: labels(VocabKind::ViolationType, true),
            perpetrators: Table::zipf(codes(VocabKind::PerpetratorType), 0.5),
            sectors: codes(VocabKind::BusinessSector),
            source_types: Table::zipf(codes(VocabKind::SourceType), 0.7),
            years,
            victims: Vec::new(),
            next_case: 0,
            next_person: 0,
        }
    }

    fn word(&mut self) -> String {
        self.words.pick(&mut self.rng).cloned().unwrap_or_default()
    }

    fn words(&mut self, n: usize) -> String {
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            let w = self.word();
            s.push_str(&w);
        }
        s
    }

    fn pick_str(&mut self, t: &[&'static str]) -> &'static str {
        t.choose(&mut self.rng).copied().unwrap_or("")
    }

    fn date(&mut self, year: i32) -> (NaiveDate, &'static str) {
        let day = self.rng.gen_range(0..365);
        let d = NaiveDate::from_ymd_opt(year, 1, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(day)))
            .unwrap_or(self.today)
            .min(self.today);
        let p = self.rng.gen_range(0..100);
        let precision = if p < 72 {
            "day"
        } else if p < 92 {
            "month"
        } else {
            "year"
        };
        (d, precision)
    }

    fn iso(d: NaiveDate, precision: &str) -> String {
        match precision {
            "day" => d.format("%Y-%m-%d").to_string(),
            "month" => d.format("%Y-%m").to_string(),
            _ => d.format("%Y").to_string(),
        }
    }

    fn perps(&mut self) -> String {
        let n = match self.rng.gen_range(0..100) {
            0..=74 => 1,
            75..=94 => 2,
            _ => 3,
        };
        let mut out: Vec<String> = Vec::new();
        for _ in 0..n {
            if let Some(p) = self.perpetrators.pick(&mut self.rng).cloned() {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out.join(";")
    }

    fn new_victim(&mut self, country: usize) -> Victim {
        self.next_person += 1;
        let id = format!("P-{:07}", self.next_person);
        let seed = seed_of(country).or_else(|| COUNTRIES.get(country % COUNTRIES.len().max(1)));
        let female = self.rng.gen_bool(0.45);
        let (given, surnames, two) = match seed {
            Some(c) => (
                if female {
                    self.pick_str(c.female)
                } else {
                    self.pick_str(c.male)
                },
                c.surnames,
                c.two_surnames,
            ),
            None => ("Alex", &[][..], false),
        };
        let mut name = given.to_owned();
        name.push(' ');
        name.push_str(self.pick_str(surnames));
        if two {
            name.push(' ');
            name.push_str(self.pick_str(surnames));
        }
        let sex = match self.rng.gen_range(0..100) {
            0..=44 => "female",
            45..=94 => "male",
            95..=98 => "unknown",
            _ => "intersex",
        };
        let Some(profile) = PROFILES.choose(&mut self.rng) else {
            return Victim {
                id,
                cells: Default::default(),
                country,
            };
        };
        let birth = if self.rng.gen_bool(0.8) {
            (self.today.year() - self.rng.gen_range(18..75)).to_string()
        } else {
            String::new()
        };
        let contacts = if self.rng.gen_bool(0.5) {
            format!(
                "{} {}",
                seed.map(|c| c.phone).unwrap_or("1"),
                self.rng.gen_range(3_000_000_u32..9_999_999)
            )
        } else {
            String::new()
        };
        let consent = match self.rng.gen_range(0..10) {
            0..=5 => "no",
            6..=8 => "aggregate_only",
            _ => "named",
        };
        Victim {
            id,
            cells: [
                name,
                sex.to_owned(),
                birth,
                profile.characteristics.join(";"),
                profile.sectors.join(";"),
                profile.sdg.to_owned(),
                contacts,
                consent.to_owned(),
            ],
            country,
        }
    }

    /// One row's cells, in [`HEADER`] order.
    pub fn row(&mut self) -> Vec<String> {
        self.next_case += 1;
        let case = format!("D-{:08}", self.next_case);
        let country = self.countries.pick(&mut self.rng).copied().unwrap_or(0);
        let seed = seed_of(country);
        let code = match seed {
            Some(c) => c.code,
            None => TAIL.get(country - COUNTRIES.len()).copied().unwrap_or("CO"),
        };
        let spanish = seed.is_some_and(|c| c.spanish) && self.rng.gen_bool(0.8);
        let (region, locality, lat, lon) =
            match seed.and_then(|c| c.regions.get(self.rng.gen_range(0..c.regions.len().max(1)))) {
                Some(r) => {
                    let loc = self.pick_str(r.localities);
                    let coords = self.rng.gen_bool(0.3);
                    (
                        r.name.to_owned(),
                        loc.to_owned(),
                        if coords {
                            format!("{:.4}", r.lat + self.rng.gen_range(-0.3..0.3))
                        } else {
                            String::new()
                        },
                        if coords {
                            format!("{:.4}", r.lon + self.rng.gen_range(-0.3..0.3))
                        } else {
                            String::new()
                        },
                    )
                }
                None => (String::new(), String::new(), String::new(), String::new()),
            };
        let year = self.years.pick(&mut self.rng).copied().unwrap_or(2020);
        let (start, precision) = self.date(year);
        let end = if self.rng.gen_bool(0.08) {
            let e = start
                .checked_add_days(chrono::Days::new(self.rng.gen_range(1..400)))
                .unwrap_or(start)
                .min(self.today);
            Self::iso(e, "day")
        } else {
            String::new()
        };
        // Victims: a defender attacked before comes back now and then.
        let reuse = !self.victims.is_empty() && self.rng.gen_bool(0.35);
        let victim_at = if reuse {
            // Recent victims more often than old ones.
            let n = self.victims.len();
            let back = ((self.rng.gen::<f64>().powi(3)) * n as f64) as usize;
            n - 1 - back.min(n - 1)
        } else {
            let v = self.new_victim(country);
            self.victims.push(v);
            self.victims.len() - 1
        };
        let (victim_id, victim_cells, victim_country) = match self.victims.get(victim_at) {
            Some(v) => (v.id.clone(), v.cells.clone(), v.country),
            None => (String::new(), Default::default(), country),
        };
        let _ = victim_country;
        let types_n = if self.rng.gen_bool(0.18) { 2 } else { 1 };
        let mut types: Vec<String> = Vec::new();
        for _ in 0..types_n {
            if let Some(t) = self.violation_types.pick(&mut self.rng).cloned() {
                if !types.contains(&t) {
                    types.push(t);
                }
            }
        }
        let first_type = types.first().cloned().unwrap_or_else(|| "threat".into());
        let label = if spanish {
            &self.type_labels_es
        } else {
            &self.type_labels_en
        }
        .iter()
        .find(|(c, _)| *c == first_type)
        .map(|(_, l)| l.clone())
        .unwrap_or_default();
        let profile_role = {
            match PROFILES.choose(&mut self.rng) {
                Some(p) if spanish => p.role_es_m,
                Some(p) => p.role_en,
                None => "",
            }
        };
        let place = if locality.is_empty() {
            code.to_owned()
        } else {
            locality.clone()
        };
        let (w1, w2) = (self.word(), self.word());
        let title = if spanish {
            format!("{label}: {profile_role} en {place}, {w1} {w2}")
        } else {
            format!("{label}: {profile_role} in {place}, {w1} {w2}")
        };
        let len = self.rng.gen_range(25..70);
        let mut narrative = self.words(len);
        narrative.push('.');
        let perps = self.perps();
        let reprisal = if self.rng.gen_bool(0.02) { "yes" } else { "no" };
        let outcome = if self.rng.gen_bool(0.3) {
            self.words(4)
        } else {
            String::new()
        };
        let (later_type, later_date, later_perps) = if self.rng.gen_bool(0.15) {
            let t = self
                .violation_types
                .pick(&mut self.rng)
                .cloned()
                .unwrap_or_default();
            let d = start
                .checked_add_days(chrono::Days::new(self.rng.gen_range(1..120)))
                .unwrap_or(start)
                .min(self.today);
            (t, Self::iso(d, "day"), self.perps())
        } else {
            (String::new(), String::new(), String::new())
        };
        // Status: older incidents are more often settled; `verified` needs two
        // independent sources, so those rows get two.
        let age = self.today.year() - year;
        let r = self.rng.gen_range(0..100) + age.clamp(0, 10) * 3;
        let status = match r {
            0..=34 => "reported",
            35..=59 => "under_verification",
            60..=89 => "verified",
            90..=99 => "unverifiable",
            _ => "rejected",
        };
        let two_sources = status == "verified" || self.rng.gen_bool(0.3);
        let media: &[&str] = seed.map(|c| c.media).unwrap_or(&["Regional news agency"]);
        let ngos: &[&str] = seed.map(|c| c.ngos).unwrap_or(&["Human rights monitor"]);
        let s1_type = self
            .source_types
            .pick(&mut self.rng)
            .cloned()
            .unwrap_or_else(|| "ngo".into());
        let s1_origin = format!("{} {}", self.pick_str(ngos), self.rng.gen_range(1..40));
        let s1_desc = self.words(6);
        let (s2_type, s2_rel, s2_origin, s2_desc) = if two_sources {
            (
                "media".to_owned(),
                "medium".to_owned(),
                format!("{} {}", self.pick_str(media), self.rng.gen_range(1..40)),
                self.words(5),
            )
        } else {
            (String::new(), String::new(), String::new(), String::new())
        };
        let reliability = ["high", "medium", "low", "unknown"]
            .choose(&mut self.rng)
            .copied()
            .unwrap_or("unknown");
        let sector = if self.rng.gen_bool(0.45) {
            let n = self.sectors.len().max(1);
            self.sectors
                .get(self.rng.gen_range(0..n))
                .cloned()
                .unwrap_or_default()
        } else {
            String::new()
        };
        let mut row = vec![
            case,
            title,
            narrative,
            Self::iso(start, precision),
            end,
            code.to_owned(),
            region,
            locality,
            lat,
            lon,
            sector,
            status.to_owned(),
            victim_id,
        ];
        row.extend(victim_cells);
        row.extend([
            types.join(";"),
            perps,
            reprisal.to_owned(),
            outcome,
            later_type,
            later_date,
            later_perps,
            s1_type,
            reliability.to_owned(),
            s1_origin,
            s1_desc,
            s2_type,
            s2_rel,
            s2_origin,
            s2_desc,
        ]);
        row
    }
}

/// Write `n` rows of demo data as an import CSV. Deterministic for `seed` and `today`.
pub fn write_csv(out: impl Write, n: usize, seed: u64, today: NaiveDate) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, out));
    w.write_record(HEADER).context("writing the CSV")?;
    let mut g = Scale::new(seed, today);
    for _ in 0..n {
        w.write_record(g.row()).context("writing the CSV")?;
    }
    w.flush().context("writing the CSV")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn rows_have_the_header_width_and_repeat_for_a_seed() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let mut a = Scale::new(7, today);
        let mut b = Scale::new(7, today);
        let mut c = Scale::new(8, today);
        let (mut same, mut differ) = (true, false);
        for _ in 0..500 {
            let (ra, rb, rc) = (a.row(), b.row(), c.row());
            assert_eq!(ra.len(), HEADER.len());
            same &= ra == rb;
            differ |= ra != rc;
        }
        assert!(same && differ);
    }
}
