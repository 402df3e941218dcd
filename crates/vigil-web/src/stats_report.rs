//! Statistics as people read them: labels for every dimension's codes, the counting
//! rule beside each figure, and CSV or plain-text tables. Shared by the page, the API
//! and the command line (`vigil stats`, `vigil indicator`), so all three say the same.

use vigil_domain::country::Countries;
use vigil_domain::stats::*;
use vigil_domain::vocab::Vocabularies;

use crate::csv_export::safe_cell;
use crate::i18n::I18n;

/// Names the codes a statistics table holds, in one language.
pub struct StatsLabels {
    pub t: I18n,
    pub vocab: Vocabularies,
}

/// The English name of an M49 region or sub-region code.
fn m49_name(code: &str) -> Option<String> {
    Countries::get().all().iter().find_map(|c| {
        [c.region.as_ref(), c.subregion.as_ref()]
            .into_iter()
            .flatten()
            .find(|a| a.code == code)
            .map(|a| a.name.clone())
    })
}

impl StatsLabels {
    pub fn new(t: I18n, vocab: Vocabularies) -> Self {
        Self { t, vocab }
    }

    pub fn lang(&self) -> &'static str {
        self.t.lang
    }

    pub fn dimension(&self, d: Dimension) -> String {
        self.t.code("stats-dim", d.code().replace('_', "-"))
    }

    pub fn measure(&self, m: Measure) -> String {
        self.t.code("stats-measure", m.code())
    }

    /// The counting rule of a measure, one paragraph.
    pub fn rule(&self, m: Measure) -> String {
        self.t.code("stats-rule", m.code())
    }

    /// The label of one key of dimension `d`.
    pub fn key(&self, d: Dimension, key: &str) -> String {
        if key == UNKNOWN {
            return if d == Dimension::Month {
                self.t.get("stats-month-unknown")
            } else {
                self.t.get("stats-unknown")
            };
        }
        if let Some(kind) = d.vocab() {
            return self.vocab.label(kind, key, self.lang()).to_owned();
        }
        match d {
            Dimension::Year | Dimension::Month => key.to_owned(),
            Dimension::Country => Countries::get()
                .by_alpha2(key)
                .map_or_else(|| key.to_owned(), |c| c.name(self.lang()).to_owned()),
            Dimension::Region | Dimension::Subregion => {
                m49_name(key).unwrap_or_else(|| key.to_owned())
            }
            Dimension::Status => self.t.code("status", key),
            Dimension::Verb => self.t.code("stats-verb", key),
            Dimension::AgeGroup => self.t.code("stats-age", key.replace('_', "-")),
            Dimension::StateActor => self.t.code("stats-actor", key.replace('_', "-")),
            _ => key.to_owned(),
        }
    }

    /// An SDG category code's label.
    pub fn sdg_category(&self, code: &str) -> String {
        self.t.code("stats-sdg", code.replace('_', "-"))
    }

    pub fn sdg_group(&self, code: &str) -> String {
        self.key(Dimension::SdgGroup, code)
    }

    pub fn sex(&self, code: &str) -> String {
        self.key(Dimension::Sex, code)
    }

    pub fn actor(&self, code: &str) -> String {
        self.key(Dimension::StateActor, code)
    }

    pub fn country(&self, code: &str) -> String {
        self.key(Dimension::Country, code)
    }

    /// "One every 2.5 days" or "none in this period".
    pub fn every(&self, r: &Rate) -> String {
        match r.every_days {
            Some(d) => self.t.arg("stats-one-every", &fmt_num(d)),
            None => self.t.get("stats-none-in-period"),
        }
    }
}

/// A number with at most one decimal, without a trailing `.0`.
pub fn fmt_num(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_owned)
}

fn csv_string(rows: Vec<Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| safe_cell(c)).collect();
        // Writing to memory cannot fail.
        let _ = w.write_record(&cells);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A statistics table as CSV: one line per group (codes and labels of each
/// dimension, then the count), then the distinct total.
pub fn table_csv(t: &StatsTable, l: &StatsLabels) -> String {
    let mut rows = Vec::new();
    let mut head = Vec::new();
    for d in &t.dimensions {
        head.push(d.code().to_owned());
        head.push(format!("{}_label", d.code()));
    }
    head.push(t.measure.code().to_owned());
    rows.push(head);
    for r in &t.rows {
        let mut line = Vec::new();
        for (d, k) in t.dimensions.iter().zip(&r.keys) {
            line.push(k.clone());
            line.push(l.key(*d, k));
        }
        line.push(r.count.to_string());
        rows.push(line);
    }
    let mut total = vec![String::new(); t.dimensions.len() * 2];
    if let Some(c) = total.get_mut(1) {
        *c = l.t.get("stats-total-distinct");
    }
    total.push(t.total.to_string());
    rows.push(total);
    csv_string(rows)
}

/// Rates as CSV: the whole period, then each year.
pub fn rates_csv(r: &Rates) -> String {
    let mut rows = vec![vec![
        "year".to_owned(),
        "from".into(),
        "to".into(),
        "days".into(),
        r.measure.code().into(),
        "one_every_days".into(),
        "per_year".into(),
    ]];
    for x in std::iter::once(&r.total).chain(&r.years) {
        rows.push(vec![
            x.year.map_or_else(|| "all".to_owned(), |y| y.to_string()),
            x.from.to_string(),
            x.to.to_string(),
            x.days.to_string(),
            x.count.to_string(),
            x.every_days.map(fmt_num).unwrap_or_default(),
            fmt_num(x.per_year),
        ]);
    }
    csv_string(rows)
}

/// The SDG 16.10.1 report as CSV: `section,code,label,count`, sections being
/// `total`, `category`, `victim_group`, `sex`, `perpetrator`, `country` and
/// `category_group` (code `category/group`).
pub fn sdg_csv(r: &SdgReport, l: &StatsLabels) -> String {
    let mut rows = vec![vec![
        "section".to_owned(),
        "code".into(),
        "label".into(),
        "count".into(),
    ]];
    rows.push(vec![
        "total".into(),
        format!("{}/{}", r.from, r.to),
        l.t.get("stats-sdg-title"),
        r.total.to_string(),
    ]);
    let mut section = |name: &str, lines: &[SdgLine], label: &dyn Fn(&str) -> String| {
        for x in lines {
            rows.push(vec![
                name.to_owned(),
                x.code.clone(),
                label(&x.code),
                x.count.to_string(),
            ]);
        }
    };
    section("category", &r.by_category, &|c| l.sdg_category(c));
    section("victim_group", &r.by_group, &|c| l.sdg_group(c));
    section("sex", &r.by_sex, &|c| l.sex(c));
    section("perpetrator", &r.by_perpetrator, &|c| l.actor(c));
    section("country", &r.by_country, &|c| l.country(c));
    for x in &r.by_category_and_group {
        let (c, g) = (
            x.keys.first().map_or("", String::as_str),
            x.keys.get(1).map_or("", String::as_str),
        );
        rows.push(vec![
            "category_group".into(),
            format!("{c}/{g}"),
            format!("{} / {}", l.sdg_category(c), l.sdg_group(g)),
            x.count.to_string(),
        ]);
    }
    csv_string(rows)
}

/// Columns padded for a terminal.
pub fn text_table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            let pad = w.saturating_sub(c.chars().count());
            // Numbers (the last column) align right.
            if i + 1 == r.len() && i > 0 {
                line.push_str(&" ".repeat(pad));
                line.push_str(c);
            } else {
                line.push_str(c);
                line.push_str(&" ".repeat(pad));
            }
            line.push_str("  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A statistics table for a terminal: labels, counts, the distinct total.
pub fn table_text(t: &StatsTable, l: &StatsLabels) -> String {
    let mut rows = Vec::new();
    let mut head: Vec<String> = t.dimensions.iter().map(|d| l.dimension(*d)).collect();
    head.push(l.measure(t.measure));
    rows.push(head);
    for r in &t.rows {
        let mut line: Vec<String> = t
            .dimensions
            .iter()
            .zip(&r.keys)
            .map(|(d, k)| l.key(*d, k))
            .collect();
        line.push(r.count.to_string());
        rows.push(line);
    }
    let mut total = vec![String::new(); t.dimensions.len().max(1)];
    if let Some(c) = total.first_mut() {
        *c = l.t.get("stats-total-distinct");
    }
    total.push(t.total.to_string());
    rows.push(total);
    text_table(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> StatsTable {
        StatsTable {
            measure: Measure::Victims,
            dimensions: vec![Dimension::Month, Dimension::Country],
            total: 3,
            rows: vec![
                StatsRow {
                    keys: vec!["2024-03".into(), "CO".into()],
                    count: 2,
                },
                StatsRow {
                    keys: vec!["".into(), "CO".into()],
                    count: 1,
                },
            ],
        }
    }

    #[test]
    fn csv_has_codes_labels_and_the_distinct_total() {
        let l = StatsLabels::new(I18n::new("en"), Vocabularies::builtin());
        let csv = table_csv(&table(), &l);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines.first().copied(),
            Some("month,month_label,country,country_label,victims")
        );
        assert_eq!(lines.get(1).copied(), Some("2024-03,2024-03,CO,Colombia,2"));
        assert_eq!(
            lines.get(2).copied(),
            Some(",Month unknown (date known to the year),CO,Colombia,1")
        );
        assert_eq!(lines.get(3).copied(), Some(",Total (distinct),,,3"));
    }

    #[test]
    fn labels_in_spanish() {
        let l = StatsLabels::new(I18n::new("es"), Vocabularies::builtin());
        assert_eq!(l.key(Dimension::Country, "MX"), "México");
        assert_eq!(
            l.key(Dimension::StateActor, "non_state"),
            "Actor no estatal"
        );
        assert_eq!(l.key(Dimension::Region, "019"), "Americas");
        assert!(table_text(&table(), &l).contains("Total (distintos)"));
    }
}
