//! The tallies that statistics are summed from (`incident_tally`, migration 0018;
//! `violation_tally`, `victim_sex_tally`, `victim_age_tally`, `victim_sdg_tally`,
//! `victim_type_tally` and `victim_verb_tally`, migration 0021, which replaced 0020's
//! finer ones), and what a bulk load needs to keep them exact without paying a
//! trigger per row: the names of the triggers that keep them, a way to set those
//! triggers aside and put them back, and a rebuild of every tally from the records.
//!
//! A bulk load into an empty database may, in one transaction: [`drop_tally_triggers`],
//! write its rows, [`restore_tally_triggers`], [`rebuild_tallies`]. Statistics read
//! in the meantime by other transactions see the tallies as they were before the
//! load (the whole load is one transaction). The rebuild's statements are those the
//! migrations fill the tallies with; `suite::stats` checks that a rebuild gives exactly
//! what the triggers kept.

use crate::backend::{Dialect, Tx};
use crate::Result;

/// Every trigger that keeps a tally, by the same name on both engines.
pub const TALLY_TRIGGERS: &[&str] = &[
    // 0018: incidents
    "incident_tally_insert",
    "incident_tally_delete",
    "incident_tally_update",
    // 0020 (bodies replaced in 0021): violations and victims
    "tally_violation_insert",
    "tally_violation_delete",
    "tally_violation_update",
    "tally_incident_delete",
    "tally_incident_update",
    "tally_person_update",
    "tally_verb_insert",
    "tally_verb_update",
    "tally_verb_delete",
];

/// Every tally table.
pub const TALLY_TABLES: &[&str] = &[
    "incident_tally",
    "violation_tally",
    "victim_sex_tally",
    "victim_age_tally",
    "victim_sdg_tally",
    "victim_type_tally",
    "victim_verb_tally",
];

/// SQL pieces that differ between the engines.
struct Sql {
    /// The victim's age group at the incident's year.
    age: &'static str,
    /// `x.violation_type`'s resolution verb, `''` for none.
    verb: &'static str,
}

const SQLITE: Sql = Sql {
    age: "CASE WHEN p.birth_year IS NULL THEN '' WHEN i.start_year - p.birth_year <= 17 THEN 'under_18' WHEN i.start_year - p.birth_year <= 29 THEN '18_29' WHEN i.start_year - p.birth_year <= 44 THEN '30_44' WHEN i.start_year - p.birth_year <= 59 THEN '45_59' ELSE '60_plus' END",
    verb: "coalesce((SELECT json_extract(vt.attrs, '$.verb') FROM vocab_terms vt WHERE vt.kind = 'violation_type' AND vt.code = x.violation_type), '')",
};

const POSTGRES: Sql = Sql {
    age: "tally_age_group(i.start_year, p.birth_year)",
    verb: "tally_verb(x.violation_type)",
};

/// `(table, INSERT … SELECT … GROUP BY)` filling each tally from the records.
/// The tally tables, each with the statement that counts it from the records.
pub(crate) fn fills(dialect: Dialect) -> Vec<(&'static str, String)> {
    let s = match dialect {
        Dialect::Sqlite => &SQLITE,
        Dialect::Postgres => &POSTGRES,
    };
    let (age, verb) = (s.age, s.verb);
    let ik = "i.compartment_id, i.status, i.start_year, i.country";
    let ic = "compartment_id, status, start_year, country";
    let victims =
        "(SELECT DISTINCT incident_id, victim_person_id, victim_group_id FROM violations) w
         JOIN incidents i ON i.id = w.incident_id LEFT JOIN persons p ON p.id = w.victim_person_id";
    let person = |table: &'static str, col: &str, expr: &str| {
        (
            table,
            format!(
                "INSERT INTO {table} ({ic}, person_compartment_id, {col}, n)
                 SELECT {ik}, coalesce(p.compartment_id, 0), {expr}, count(*)
                 FROM {victims}
                 GROUP BY 1, 2, 3, 4, 5, 6"
            ),
        )
    };
    vec![
        (
            "incident_tally",
            "INSERT INTO incident_tally (compartment_id, status, start_year, start_precision, month, country, n)
             SELECT compartment_id, status, start_year, start_precision, substr(start_date, 1, 7), country, count(*)
             FROM incidents GROUP BY 1, 2, 3, 4, 5, 6"
                .to_owned(),
        ),
        (
            "violation_tally",
            format!(
                "INSERT INTO violation_tally ({ic}, violation_type, n)
                 SELECT {ik}, v.violation_type, count(*)
                 FROM violations v JOIN incidents i ON i.id = v.incident_id
                 GROUP BY 1, 2, 3, 4, 5"
            ),
        ),
        person("victim_sex_tally", "sex", "coalesce(p.sex, '')"),
        person("victim_age_tally", "age_group", age),
        person("victim_sdg_tally", "sdg_group", "coalesce(p.sdg_group, '')"),
        (
            "victim_type_tally",
            format!(
                "INSERT INTO victim_type_tally ({ic}, violation_type, n)
                 SELECT {ik}, w.violation_type, count(*)
                 FROM (SELECT DISTINCT incident_id, victim_person_id, victim_group_id, violation_type FROM violations) w
                 JOIN incidents i ON i.id = w.incident_id
                 GROUP BY 1, 2, 3, 4, 5"
            ),
        ),
        (
            "victim_verb_tally",
            format!(
                "INSERT INTO victim_verb_tally ({ic}, verb, n)
                 SELECT {ik}, w.verb, count(*)
                 FROM (SELECT DISTINCT x.incident_id, x.victim_person_id, x.victim_group_id, {verb} AS verb FROM violations x) w
                 JOIN incidents i ON i.id = w.incident_id
                 GROUP BY 1, 2, 3, 4, 5"
            ),
        ),
    ]
}

/// Count every tally again from the records: one `DELETE` and one
/// `INSERT … SELECT … GROUP BY` each, in the caller's transaction. Exact whatever the
/// tallies held before (e.g. after rows were written with the triggers set aside).
pub async fn rebuild_tallies(tx: &mut dyn Tx, dialect: Dialect) -> Result<()> {
    for (table, fill) in fills(dialect) {
        tx.execute(&format!("DELETE FROM {table}"), &[]).await?;
        tx.execute(&fill, &[]).await?;
    }
    Ok(())
}

/// Set the tally triggers aside in the caller's transaction and return what puts them
/// back, for [`restore_tally_triggers`]. Until they are restored (and the tallies
/// rebuilt), writes in this transaction leave the tallies behind.
///
/// SQLite drops them (and returns their `CREATE TRIGGER`); the load holds the one
/// write lock anyway. PostgreSQL disables them (`ALTER TABLE … DISABLE TRIGGER`, and
/// returns the `ENABLE`): that takes a `SHARE ROW EXCLUSIVE` lock, so other sessions
/// go on reading the tables during the load, where `DROP TRIGGER`'s `ACCESS
/// EXCLUSIVE` would stop every reader until the commit. Other writers to those tables
/// wait for the commit; with the triggers on they would queue on the tally rows
/// instead.
pub async fn drop_tally_triggers(tx: &mut dyn Tx, dialect: Dialect) -> Result<Vec<String>> {
    let mut saved = Vec::new();
    for name in TALLY_TRIGGERS {
        match dialect {
            Dialect::Sqlite => {
                let rows = tx
                    .query(
                        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = $1",
                        &[(*name).into()],
                    )
                    .await?;
                for r in rows {
                    saved.push(r.text(0));
                    tx.execute(&format!("DROP TRIGGER {name}"), &[]).await?;
                }
            }
            Dialect::Postgres => {
                let rows = tx
                    .query(
                        "SELECT c.relname::text FROM pg_trigger t
                         JOIN pg_class c ON c.oid = t.tgrelid
                         WHERE t.tgname = $1 AND NOT t.tgisinternal AND t.tgenabled <> 'D'
                           AND pg_table_is_visible(c.oid)",
                        &[(*name).into()],
                    )
                    .await?;
                for r in rows {
                    let table = r.text(0);
                    tx.execute(&format!("ALTER TABLE {table} DISABLE TRIGGER {name}"), &[])
                        .await?;
                    saved.push(format!("ALTER TABLE {table} ENABLE TRIGGER {name}"));
                }
            }
        }
    }
    Ok(saved)
}

/// Put back the triggers [`drop_tally_triggers`] set aside, in the caller's
/// transaction. Call [`rebuild_tallies`] too, for what was written without them.
pub async fn restore_tally_triggers(tx: &mut dyn Tx, saved: &[String]) -> Result<()> {
    for sql in saved {
        tx.execute(sql, &[]).await?;
    }
    Ok(())
}
