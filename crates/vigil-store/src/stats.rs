//! Statistics in SQL: grouped counts of incidents, violations or victims, SDG
//! indicator 16.10.1 and rates. Counting is always done by the engine (`GROUP BY`
//! over distinct units), never by loading records, and every query carries the
//! reader's compartment condition in its own SQL: aggregate-only members are counted
//! for, full members too, nobody else. The rules are in `docs/methodology.md`.
//!
//! Must never return a record, an id or any text of a record: only codes and counts.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use vigil_domain::country::Countries;
use vigil_domain::model::IncidentStatus;
use vigil_domain::stats::*;
use vigil_domain::vocab::{VocabKind, Vocabularies};
use vigil_domain::Permission;

use crate::audit::{query_digest, Action, AuditEntry};
use crate::backend::Val;
use crate::{Access, Result, Store, StoreError};

/// A vocabulary code as an SQL literal. Codes are checked on entry (lower-case
/// letters, digits, `_`), but quotes are doubled anyway.
fn lit(code: &str) -> String {
    format!("'{}'", code.replace('\'', "''"))
}

/// `expr IN (codes…)`, or a condition that is false when there are no codes.
fn in_list(expr: &str, codes: &[String]) -> String {
    if codes.is_empty() {
        "1=0".into()
    } else {
        format!(
            "{expr} IN ({})",
            codes.iter().map(|c| lit(c)).collect::<Vec<_>>().join(", ")
        )
    }
}

/// Perpetrator types of one class (`Some(true)` state, `Some(false)` non-state).
fn perpetrators_of(vocab: &Vocabularies, state: bool) -> Vec<String> {
    vocab
        .of(VocabKind::PerpetratorType)
        .filter(|t| t.attrs.state_actor == Some(state))
        .map(|t| t.code.clone())
        .collect()
}

/// `CASE <violation type> WHEN … THEN <verb> … ELSE '' END`.
fn verb_case(vocab: &Vocabularies, col: &str) -> String {
    let arms: Vec<String> = vocab
        .of(VocabKind::ViolationType)
        .filter_map(|t| {
            t.attrs
                .verb
                .map(|v| format!("WHEN {} THEN {}", lit(&t.code), lit(verb_code(v))))
        })
        .collect();
    if arms.is_empty() {
        "''".into()
    } else {
        format!("CASE {col} {} ELSE '' END", arms.join(" "))
    }
}

/// The SDG 16.10.1 category of a violation type (only the five the indicator counts).
fn sdg_types(vocab: &Vocabularies) -> Vec<(String, &'static str)> {
    vocab
        .of(VocabKind::ViolationType)
        .filter_map(|t| {
            t.attrs
                .sdg_category
                .filter(|c| SDG_CATEGORIES.contains(c))
                .map(|c| (t.code.clone(), sdg_category_code(c)))
        })
        .collect()
}

/// The last day a stored partial date may stand for, as `YYYY-MM-DD` text that
/// compares correctly with the day after a period (`-31` for any month is fine there:
/// it sorts before the first day of the next month).
fn span_end(date: &str, precision: &str) -> String {
    format!(
        "(CASE {precision} WHEN 'day' THEN {date} WHEN 'month' THEN substr({date}, 1, 7) || '-31' ELSE substr({date}, 1, 4) || '-12-31' END)"
    )
}

fn day(d: NaiveDate) -> Val {
    d.format("%Y-%m-%d").to_string().into()
}

/// Arguments bound so far; `push` returns the placeholder of the new one.
struct Args(Vec<Val>);

impl Args {
    fn push(&mut self, v: Val) -> String {
        self.0.push(v);
        format!("${}", self.0.len())
    }
}

impl Store {
    /// Grouped counts for a statistics query. `sensitive`: the reader may search
    /// sensitive text (only matters with a full-text query).
    pub async fn statistics(
        &self,
        q: &StatsQuery,
        vocab: &Vocabularies,
        sensitive: bool,
    ) -> Result<StatsTable> {
        if let Some(t) = self.tally_statistics(q, vocab).await? {
            return Ok(t);
        }
        let (from, wh, args) = self.stats_sql(q, vocab, sensitive);
        let dims = &q.dims;
        let unit = match q.measure {
            Measure::Incidents => "i.id",
            Measure::Violations => "v.id",
            Measure::Victims => "v.incident_id, v.victim_person_id, v.victim_group_id",
        };
        let keys: Vec<String> = dims
            .iter()
            .map(|d| {
                let k = key_expr(*d, vocab);
                // SQLite would otherwise walk an index in the key's order (e.g. by
                // country) and fetch every wide row from it; `+col` makes it scan the
                // narrow covering index `incidents_stats` and sort the few groups.
                if self.dialect() == crate::Dialect::Sqlite && k.starts_with("i.") {
                    format!("+{k}")
                } else {
                    k
                }
            })
            .collect();
        let direct = q.measure == Measure::Incidents && !from.contains(" JOIN ");
        let sql_for = |keys: &[String]| -> String {
            let n = keys.len();
            let cols = keys
                .iter()
                .enumerate()
                .map(|(i, k)| format!("{k} AS k{i}"))
                .collect::<Vec<_>>();
            let names: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
            let group = if n == 0 {
                String::new()
            } else {
                format!(" GROUP BY {}", names.join(", "))
            };
            let sel = if n == 0 {
                String::new()
            } else {
                format!("{}, ", names.join(", "))
            };
            if direct {
                let mut c = cols.clone();
                c.push("count(*)".into());
                format!(
                    "SELECT {} FROM {from} WHERE {wh}{}",
                    c.join(", "),
                    if n == 0 {
                        String::new()
                    } else {
                        format!(
                            " GROUP BY {}",
                            (1..=n)
                                .map(|i| i.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                )
            } else {
                let mut c = cols.clone();
                c.push(unit.to_owned());
                format!(
                    "SELECT {sel}count(*) FROM (SELECT DISTINCT {} FROM {from} WHERE {wh}) u{group}",
                    c.join(", ")
                )
            }
        };
        let mut rows: BTreeMap<Vec<String>, i64> = BTreeMap::new();
        if !dims.is_empty() {
            for r in self.db.query(&sql_for(&keys), &args).await? {
                let key: Vec<String> = dims
                    .iter()
                    .enumerate()
                    .map(|(i, d)| fold_key(*d, r.text(i)))
                    .collect();
                *rows.entry(key).or_insert(0) += r.int(dims.len());
            }
        }
        // Counting incidents by their own properties puts each in exactly one group,
        // so the groups add up to the total: no second pass over the table.
        let total = if direct && !dims.is_empty() {
            rows.values().sum()
        } else {
            self.db
                .query(&sql_for(&[]), &args)
                .await?
                .first()
                .map_or(0, |r| r.int(0))
        };
        let mut t = StatsTable {
            measure: q.measure,
            dimensions: dims.clone(),
            total,
            rows: rows
                .into_iter()
                .map(|(keys, count)| StatsRow { keys, count })
                .collect(),
        };
        t.sort();
        Ok(t)
    }

    /// A question the tallies can answer exactly is summed from them: a few tens of
    /// thousands of cells at most instead of every incident, violation and victim.
    ///
    /// - Incidents grouped and filtered by year, month, country (and so M49 areas) and
    ///   status: `incident_tally` (migration `0018_incident_tally`).
    /// - Violations grouped by year, country, M49 area, status, violation type or verb,
    ///   filtered by those and type and verb: `violation_tally` (`0021`). Each violation
    ///   is in one cell.
    /// - Victims by those (no month either) and at most one of the victim's sex, age
    ///   group and SDG group (as grouping or filter): `victim_sex_tally`,
    ///   `victim_age_tally` or `victim_sdg_tally` (each victim in one cell of each;
    ///   without any property, the sex tally); or, when the question groups or filters
    ///   by violation type and asks no property of the victim, `victim_type_tally` (a
    ///   victim in one cell per type: only ever summed within a type), or by verb,
    ///   `victim_verb_tally` (the same per verb). The distinct total of a table grouped
    ///   by type or verb is summed separately, from the tally its filters alone choose.
    ///
    /// Anything else — a month of violations or victims, two properties of the victim,
    /// a property with a type or verb, other dimensions or filters, a period, a
    /// full-text query — returns `None` and is counted from the records. Both give the
    /// same table (`suite::stats` compares them, through every kind of change).
    async fn tally_statistics(
        &self,
        q: &StatsQuery,
        vocab: &Vocabularies,
    ) -> Result<Option<StatsTable>> {
        let Some(rows_sql) = self.tally_sql(q, &q.dims, vocab) else {
            return Ok(None);
        };
        // Violation types and verbs put a victim in several groups: its total is not
        // the sum of its groups.
        let multi = q.measure == Measure::Victims
            && q.dims
                .iter()
                .any(|d| matches!(d, Dimension::ViolationType | Dimension::Verb));
        let n = q.dims.len();
        let mut rows: BTreeMap<Vec<String>, i64> = BTreeMap::new();
        let mut total = 0;
        let (sql, args) = rows_sql;
        for r in self.db.query(&sql, &args).await? {
            // A cell emptied by later changes stays in the tally at zero.
            let count = r.opt_int(n).unwrap_or(0);
            if count == 0 {
                continue;
            }
            total += count;
            if n > 0 {
                let key: Vec<String> = q
                    .dims
                    .iter()
                    .enumerate()
                    .map(|(i, d)| fold_key(*d, r.text(i)))
                    .collect();
                *rows.entry(key).or_insert(0) += count;
            }
        }
        if multi {
            let Some((sql, args)) = self.tally_sql(q, &[], vocab) else {
                return Ok(None);
            };
            total = self
                .db
                .query(&sql, &args)
                .await?
                .first()
                .and_then(|r| r.opt_int(0))
                .unwrap_or(0);
        }
        let mut t = StatsTable {
            measure: q.measure,
            dimensions: q.dims.clone(),
            total,
            rows: rows
                .into_iter()
                .map(|(keys, count)| StatsRow { keys, count })
                .collect(),
        };
        t.sort();
        Ok(Some(t))
    }

    /// The `SELECT keys…, sum(n) … GROUP BY keys` over the tally that answers `q`
    /// grouped by `dims` exactly, or `None` when none does.
    fn tally_sql(
        &self,
        q: &StatsQuery,
        dims: &[Dimension],
        vocab: &Vocabularies,
    ) -> Option<(String, Vec<Val>)> {
        let f = &q.filter;
        let vf = &q.victim;
        let incident_dim = |d: &Dimension| {
            matches!(
                d,
                Dimension::Year
                    | Dimension::Month
                    | Dimension::Country
                    | Dimension::Region
                    | Dimension::Subregion
                    | Dimension::Status
            )
        };
        let common = f.q.trim().is_empty()
            && f.region.trim().is_empty()
            && f.perpetrator_type.is_empty()
            && f.sector.is_empty()
            && f.characteristic.is_empty()
            && vf.state_actor.is_empty()
            && vf.defence_sector.is_empty()
            && q.from.is_none()
            && q.until.is_none();
        if !common {
            return None;
        }
        // The violation and victim tallies keep no month.
        let coarse_dim = |d: &Dimension| incident_dim(d) && *d != Dimension::Month;
        let by_type = dims.contains(&Dimension::ViolationType) || !f.violation_type.is_empty();
        let by_verb = dims.contains(&Dimension::Verb) || vf.verb.is_some();
        let person_filter = !vf.sex.is_empty() || !vf.sdg_group.is_empty();
        let table = match q.measure {
            Measure::Incidents => {
                if !dims.iter().all(incident_dim) || by_type || by_verb || person_filter {
                    return None;
                }
                "incident_tally"
            }
            Measure::Violations => {
                if !dims.iter().all(|d| {
                    coarse_dim(d) || matches!(d, Dimension::ViolationType | Dimension::Verb)
                }) || person_filter
                {
                    return None;
                }
                "violation_tally"
            }
            Measure::Victims => {
                if !dims.iter().all(|d| {
                    coarse_dim(d)
                        || matches!(
                            d,
                            Dimension::ViolationType
                                | Dimension::Verb
                                | Dimension::Sex
                                | Dimension::AgeGroup
                                | Dimension::SdgGroup
                        )
                }) {
                    return None;
                }
                // The victim's properties the question asks, as groupings or filters:
                // each tally keeps one.
                let mut props: Vec<Dimension> = dims
                    .iter()
                    .filter(|d| {
                        matches!(
                            d,
                            Dimension::Sex | Dimension::AgeGroup | Dimension::SdgGroup
                        )
                    })
                    .copied()
                    .collect();
                if !vf.sex.is_empty() {
                    props.push(Dimension::Sex);
                }
                if !vf.sdg_group.is_empty() {
                    props.push(Dimension::SdgGroup);
                }
                match props.first() {
                    Some(p) if props.iter().any(|x| x != p) || by_type || by_verb => {
                        return None;
                    }
                    Some(Dimension::AgeGroup) => "victim_age_tally",
                    Some(Dimension::SdgGroup) => "victim_sdg_tally",
                    Some(_) => "victim_sex_tally",
                    None if by_type => "victim_type_tally",
                    None if by_verb => "victim_verb_tally",
                    // Any of the three gives every victim once.
                    None => "victim_sex_tally",
                }
            }
        };
        // The same conditions `stats_sql` writes for these filters.
        let mut wh = vec![
            self.countable("t.compartment_id"),
            "t.status <> 'rejected'".to_owned(),
        ];
        let mut a = Args(Vec::new());
        if let Some(c) = crate::records::filter_country(f) {
            let p = a.push(c.into());
            wh.push(format!("t.country = {p}"));
        }
        if let Some(y) = f.year {
            let p = a.push(y.into());
            wh.push(format!("t.start_year = {p}"));
        }
        if !f.status.is_empty() {
            let p = a.push(f.status.clone().into());
            wh.push(format!("t.status = {p}"));
        }
        if !f.violation_type.is_empty() {
            let p = a.push(f.violation_type.clone().into());
            wh.push(format!("t.violation_type = {p}"));
        }
        if let Some(verb) = vf.verb {
            if table == "victim_verb_tally" {
                wh.push(format!("t.verb = {}", lit(verb_code(verb))));
            } else {
                let codes: Vec<String> = vocab
                    .of(VocabKind::ViolationType)
                    .filter(|t| t.attrs.verb == Some(verb))
                    .map(|t| t.code.clone())
                    .collect();
                wh.push(in_list("t.violation_type", &codes));
            }
        }
        // A victim person in a compartment the reader may not count is a victim of
        // unknown sex, age and group, as in `stats_sql`.
        let person = |col: &str| {
            format!(
                "CASE WHEN {} THEN t.{col} ELSE '' END",
                self.countable("t.person_compartment_id")
            )
        };
        if !vf.sex.is_empty() {
            let p = a.push(vf.sex.clone().into());
            wh.push(format!("{} = {p}", person("sex")));
        }
        if !vf.sdg_group.is_empty() {
            let p = a.push(vf.sdg_group.clone().into());
            wh.push(format!("{} = {p}", person("sdg_group")));
        }
        let keys: Vec<String> = dims
            .iter()
            .map(|d| match d {
                Dimension::Year => "t.start_year".to_owned(),
                // Only `incident_tally` keeps the month.
                Dimension::Month => {
                    "CASE WHEN t.start_precision = 'year' THEN '' ELSE t.month END".to_owned()
                }
                Dimension::Status => "t.status".to_owned(),
                Dimension::ViolationType => "t.violation_type".to_owned(),
                Dimension::Verb if table == "victim_verb_tally" => "t.verb".to_owned(),
                Dimension::Verb => verb_case(vocab, "t.violation_type"),
                Dimension::Sex => person("sex"),
                Dimension::AgeGroup => person("age_group"),
                Dimension::SdgGroup => person("sdg_group"),
                _ => "t.country".to_owned(),
            })
            .collect();
        let n = keys.len();
        let group = if n == 0 {
            String::new()
        } else {
            format!(
                " GROUP BY {}",
                (1..=n)
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut cols = keys;
        cols.push("CAST(sum(t.n) AS BIGINT)".to_owned());
        Some((
            format!(
                "SELECT {} FROM {table} t WHERE {}{group}",
                cols.join(", "),
                wh.join(" AND ")
            ),
            a.0,
        ))
    }

    /// FROM, WHERE and arguments of a statistics query.
    fn stats_sql(
        &self,
        q: &StatsQuery,
        vocab: &Vocabularies,
        sensitive: bool,
    ) -> (String, String, Vec<Val>) {
        // A full-text query reads the records' text, so it may only run over records
        // the reader may read in full; structured filters may count aggregate-only ones.
        let scope = if q.filter.q.trim().is_empty() {
            self.countable("i.compartment_id")
        } else {
            self.visible("i.compartment_id")
        };
        let (wh, args) = self.incident_where_scoped(scope, &q.filter, sensitive);
        // Rejected incidents are never counted (docs/methodology.md).
        let mut wh = vec![wh, "i.status <> 'rejected'".to_owned()];
        let mut a = Args(args);
        if let Some(f) = q.from {
            let p = a.push(day(f));
            wh.push(format!("i.start_date >= {p}"));
        }
        if let Some(u) = q.until {
            let p = a.push(day(u));
            wh.push(format!(
                "{} < {p}",
                span_end("i.start_date", "i.start_precision")
            ));
        }
        let levels: Vec<Level> = q.dims.iter().map(|d| d.level()).collect();
        let vf = &q.victim;
        let victim_filtered = !vf.sex.is_empty()
            || !vf.sdg_group.is_empty()
            || !vf.defence_sector.is_empty()
            || !q.filter.characteristic.is_empty();
        let need_p = victim_filtered || levels.contains(&Level::Victim);
        let need_v = need_p
            || q.measure != Measure::Incidents
            || levels.iter().any(|l| *l != Level::Incident)
            || vf.verb.is_some()
            || !vf.state_actor.is_empty();
        let mut from = "incidents i".to_owned();
        if need_v {
            from.push_str(" JOIN violations v ON v.incident_id = i.id");
            // With violations joined, violation-level filters pick the violations
            // counted, not only the incidents.
            if !q.filter.violation_type.is_empty() {
                let p = a.push(q.filter.violation_type.clone().into());
                wh.push(format!("v.violation_type = {p}"));
            }
            if let Some(verb) = vf.verb {
                let codes: Vec<String> = vocab
                    .of(VocabKind::ViolationType)
                    .filter(|t| t.attrs.verb == Some(verb))
                    .map(|t| t.code.clone())
                    .collect();
                wh.push(in_list("v.violation_type", &codes));
            }
            if !q.filter.perpetrator_type.is_empty() {
                let p = a.push(q.filter.perpetrator_type.clone().into());
                wh.push(format!("EXISTS (SELECT 1 FROM perpetrators x WHERE x.violation_id = v.id AND x.perpetrator_type = {p})"));
            }
            let state = perpetrators_of(vocab, true);
            let non_state = perpetrators_of(vocab, false);
            match vf.state_actor.as_str() {
                "state" => wh.push(format!(
                    "EXISTS (SELECT 1 FROM perpetrators x WHERE x.violation_id = v.id AND {})",
                    in_list("x.perpetrator_type", &state)
                )),
                "non_state" => wh.push(format!(
                    "EXISTS (SELECT 1 FROM perpetrators x WHERE x.violation_id = v.id AND {})",
                    in_list("x.perpetrator_type", &non_state)
                )),
                "unknown" => {
                    let known: Vec<String> = state.into_iter().chain(non_state).collect();
                    wh.push(format!(
                        "NOT EXISTS (SELECT 1 FROM perpetrators x WHERE x.violation_id = v.id AND {})",
                        in_list("x.perpetrator_type", &known)
                    ))
                }
                _ => {}
            }
        }
        if need_p {
            // A victim person in a compartment the reader may not count is counted
            // as a victim of unknown sex, group, … (the violation is countable; the
            // person's properties are not).
            from.push_str(&format!(
                " LEFT JOIN persons p ON p.id = v.victim_person_id AND {}",
                self.countable("p.compartment_id")
            ));
            if !vf.sex.is_empty() {
                let ph = a.push(vf.sex.clone().into());
                wh.push(format!("p.sex = {ph}"));
            }
            if !vf.sdg_group.is_empty() {
                let ph = a.push(vf.sdg_group.clone().into());
                wh.push(format!("p.sdg_group = {ph}"));
            }
            if !q.filter.characteristic.is_empty() {
                let ph = a.push(q.filter.characteristic.clone().into());
                wh.push(format!("EXISTS (SELECT 1 FROM person_characteristics x WHERE x.person_id = p.id AND x.code = {ph})"));
            }
            if !vf.defence_sector.is_empty() {
                let ph = a.push(vf.defence_sector.clone().into());
                wh.push(format!("EXISTS (SELECT 1 FROM person_sectors x WHERE x.person_id = p.id AND x.code = {ph})"));
            }
        }
        if q.dims.contains(&Dimension::Characteristic) {
            from.push_str(" LEFT JOIN person_characteristics pc ON pc.person_id = p.id");
        }
        if q.dims.contains(&Dimension::SectorOfDefence) {
            from.push_str(" LEFT JOIN person_sectors ps ON ps.person_id = p.id");
        }
        if levels.contains(&Level::Perpetrator) {
            from.push_str(" LEFT JOIN perpetrators pe ON pe.violation_id = v.id");
        }
        (from, wh.join(" AND "), a.0)
    }

    /// SDG indicator 16.10.1 over `period`, optionally in one country.
    pub async fn sdg_16_10_1(
        &self,
        period: Period,
        country: Option<&str>,
        vocab: &Vocabularies,
    ) -> Result<SdgReport> {
        let types = sdg_types(vocab);
        let cat = if types.is_empty() {
            "''".to_owned()
        } else {
            format!(
                "CASE v.violation_type {} ELSE '' END",
                types
                    .iter()
                    .map(|(t, c)| format!("WHEN {} THEN {}", lit(t), lit(c)))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        };
        let codes: Vec<String> = types.iter().map(|(t, _)| t.clone()).collect();
        let state = perpetrators_of(vocab, true);
        let non_state = perpetrators_of(vocab, false);
        let actor = format!(
            "(SELECT max(CASE WHEN {} THEN 2 WHEN {} THEN 1 ELSE 0 END) FROM perpetrators pe WHERE pe.violation_id = v.id)",
            in_list("pe.perpetrator_type", &state),
            in_list("pe.perpetrator_type", &non_state)
        );
        let mut a = Args(Vec::new());
        let pf = a.push(day(period.from));
        let pu = a.push(day(period.until));
        let verified = a.push(IncidentStatus::Verified.code().into());
        let mut wh = vec![
            format!("i.status = {verified}"),
            "p.sdg_group IS NOT NULL".to_owned(),
            "p.sdg_group <> ''".to_owned(),
            in_list("v.violation_type", &codes),
            self.countable("i.compartment_id"),
            self.countable("p.compartment_id"),
            format!("v.date >= {pf}"),
            format!("{} < {pu}", span_end("v.date", "v.date_precision")),
        ];
        if let Some(c) = country {
            let ph = a.push(c.to_owned().into());
            wh.push(format!("i.country = {ph}"));
        }
        let sql = format!(
            "SELECT cat, grp, sex, max(actor), country, count(*) FROM (
               SELECT v.incident_id, v.victim_person_id, v.violation_type, {cat} AS cat, p.sdg_group AS grp,
                      coalesce(p.sex, '') AS sex, i.country AS country, max(coalesce({actor}, 0)) AS actor
               FROM violations v JOIN incidents i ON i.id = v.incident_id JOIN persons p ON p.id = v.victim_person_id
               WHERE {}
               GROUP BY v.incident_id, v.victim_person_id, v.violation_type, p.sdg_group, p.sex, i.country
             ) c GROUP BY cat, grp, sex, country, actor",
            wh.join(" AND ")
        );
        let cells: Vec<SdgCell> = self
            .db
            .query(&sql, &a.0)
            .await?
            .iter()
            .map(|r| SdgCell {
                category: r.text(0),
                group: r.text(1),
                sex: r.text(2),
                perpetrator: match r.int(3) {
                    2 => "state",
                    1 => "non_state",
                    _ => "unknown",
                }
                .to_owned(),
                country: r.text(4),
                count: r.int(5),
            })
            .collect();
        Ok(SdgReport::fold(period, &cells))
    }

    /// Rates over the query's period (or, when open, from the first year counted to
    /// today), for the whole period and each calendar year in it.
    pub async fn rates(
        &self,
        q: &StatsQuery,
        vocab: &Vocabularies,
        sensitive: bool,
    ) -> Result<Rates> {
        let mut by_year = q.clone();
        by_year.dims = vec![Dimension::Year];
        let t = self.statistics(&by_year, vocab, sensitive).await?;
        let today = self.clock().now().date_naive();
        let first_year = t
            .rows
            .iter()
            .filter_map(|r| r.keys.first().and_then(|k| k.parse::<i32>().ok()))
            .min()
            .unwrap_or(today.year());
        let from = q
            .from
            .or_else(|| NaiveDate::from_ymd_opt(first_year, 1, 1))
            .unwrap_or(today);
        let until = q.until.unwrap_or_else(|| today.succ_opt().unwrap_or(today));
        let period = Period {
            from,
            until: until.max(from),
        };
        let years = years_of(period)
            .into_iter()
            .map(|(y, p)| Rate::over(p, t.get(&y.to_string()), Some(y)))
            .collect();
        Ok(Rates {
            measure: q.measure,
            total: Rate::over(period, t.total, None),
            years,
        })
    }
}

/// The SQL expression giving a dimension's key as text (`''` for unknown).
fn key_expr(d: Dimension, vocab: &Vocabularies) -> String {
    match d {
        // An integer: the engine groups it faster than text; read back as text.
        Dimension::Year => "i.start_year".into(),
        Dimension::Month => {
            "CASE WHEN i.start_precision = 'year' THEN '' ELSE substr(i.start_date, 1, 7) END"
                .into()
        }
        // Regions are folded from countries afterwards: each incident has one country,
        // so summing its countries' counts counts every unit once.
        Dimension::Country | Dimension::Region | Dimension::Subregion => "i.country".into(),
        Dimension::Status => "i.status".into(),
        Dimension::BusinessSector => "coalesce(i.business_sector, '')".into(),
        Dimension::ViolationType => "v.violation_type".into(),
        Dimension::Verb => verb_case(vocab, "v.violation_type"),
        Dimension::Sex => "coalesce(p.sex, '')".into(),
        Dimension::AgeGroup => {
            let arms: Vec<String> = AGE_GROUPS
                .iter()
                .map(|(code, _, hi)| {
                    if *hi == i64::MAX {
                        format!("ELSE {}", lit(code))
                    } else {
                        format!(
                            "WHEN i.start_year - p.birth_year <= {hi} THEN {}",
                            lit(code)
                        )
                    }
                })
                .collect();
            format!(
                "CASE WHEN p.birth_year IS NULL THEN '' {} END",
                arms.join(" ")
            )
        }
        Dimension::Characteristic => "coalesce(pc.code, '')".into(),
        Dimension::SectorOfDefence => "coalesce(ps.code, '')".into(),
        Dimension::PerpetratorType => "coalesce(pe.perpetrator_type, '')".into(),
        Dimension::StateActor => format!(
            "CASE WHEN {} THEN 'state' WHEN {} THEN 'non_state' ELSE 'unknown' END",
            in_list("pe.perpetrator_type", &perpetrators_of(vocab, true)),
            in_list("pe.perpetrator_type", &perpetrators_of(vocab, false))
        ),
        Dimension::SdgGroup => "coalesce(p.sdg_group, '')".into(),
    }
}

/// Country keys become M49 region or sub-region codes for those dimensions.
fn fold_key(d: Dimension, key: String) -> String {
    let area =
        |f: fn(&vigil_domain::country::Country) -> Option<&vigil_domain::country::M49Area>| {
            Countries::get()
                .by_alpha2(&key)
                .and_then(f)
                .map_or_else(String::new, |a| a.code.clone())
        };
    match d {
        Dimension::Region => area(|c| c.region.as_ref()),
        Dimension::Subregion => area(|c| c.subregion.as_ref()),
        _ => key,
    }
}

impl Access {
    fn require_read(&self) -> Result<()> {
        if self.can(Permission::Read) {
            Ok(())
        } else {
            Err(StoreError::Forbidden)
        }
    }

    /// A statistics query with a full-text query is audited like a search (digest of
    /// the words, filters used, the total), since its counts answer "how many
    /// records say X". Counts by structured fields are not record reads.
    async fn audit_stats(&self, q: &StatsQuery, total: i64) -> Result<()> {
        if q.filter.q.trim().is_empty() {
            return Ok(());
        }
        let e = AuditEntry::new(Action::Search, "statistics")
            .by(self.actor())
            .with("q_sha256", query_digest(&q.filter.q))
            .with("total", total);
        self.store().audit(&e).await.map(|_| ())
    }

    /// Grouped counts over what this actor may count (full and aggregate-only
    /// compartments; only full ones with a full-text query).
    pub async fn statistics(&self, q: &StatsQuery) -> Result<StatsTable> {
        self.require_read()?;
        let vocab = self.store().vocabularies().await?;
        let t = self
            .store()
            .statistics(q, &vocab, self.sees_sensitive())
            .await?;
        self.audit_stats(q, t.total).await?;
        Ok(t)
    }

    /// Rates ("one every N days", per year) for a query.
    pub async fn rates(&self, q: &StatsQuery) -> Result<Rates> {
        self.require_read()?;
        let vocab = self.store().vocabularies().await?;
        let r = self.store().rates(q, &vocab, self.sees_sensitive()).await?;
        self.audit_stats(q, r.total.count).await?;
        Ok(r)
    }

    /// SDG indicator 16.10.1 for a period, over what this actor may count.
    pub async fn sdg_16_10_1(&self, period: Period, country: Option<&str>) -> Result<SdgReport> {
        self.require_read()?;
        let vocab = self.store().vocabularies().await?;
        self.store().sdg_16_10_1(period, country, &vocab).await
    }
}
