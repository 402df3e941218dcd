//! The storage engine's own contract, under the domain: what every `Store` operation
//! relies on from [`Backend`] and [`Tx`], on SQLite and on PostgreSQL alike. The SQLite
//! engine drives its connections itself (`vigil_store::sqlite`), so binding, rollback
//! and giving connections back are ours to get right there.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::Duration;

use vigil_store::backend::{Backend, BackendError, Val};

use crate::support::*;

backend_tests!(
    parameters_bind_by_their_number,
    values_come_back_as_stored,
    an_abandoned_transaction_leaves_nothing_and_its_connection_serves_again,
    unique_violations_are_told_apart,
    an_abandoned_read_leaves_the_engine_serving,
    concurrent_readers_and_writers_all_finish,
);

async fn probe_table(db: &Arc<dyn Backend>) {
    let mut tx = db.begin().await.unwrap();
    tx.script("CREATE TABLE engine_probe (id INTEGER PRIMARY KEY, note TEXT NOT NULL UNIQUE, score DOUBLE PRECISION)")
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn notes(db: &Arc<dyn Backend>) -> Vec<String> {
    db.query("SELECT note FROM engine_probe ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.text(0))
        .collect()
}

/// `$N` names the Nth argument wherever it stands, however often: a statement may
/// read its arguments out of order (the list's count reads the cap after the filters).
async fn parameters_bind_by_their_number(db: TestDb) {
    let engine = db.store.backend().clone();
    probe_table(&engine).await;
    let mut tx = engine.begin().await.unwrap();
    tx.execute(
        "INSERT INTO engine_probe (id, note, score) VALUES ($3, $1, $2)",
        &[Val::from("third"), Val::Real(Some(0.5)), Val::from(3_i64)],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let rows = engine
        .query(
            "SELECT id, note FROM engine_probe WHERE note = $2 AND id = $1 AND id >= $1",
            &[Val::from(3_i64), Val::from("third")],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "{}", db.backend_name);
    assert_eq!((rows[0].int(0), rows[0].text(1)), (3, "third".to_owned()));
    // An argument the statement reads but was not given is an error, not a NULL.
    assert!(engine
        .query(
            "SELECT note FROM engine_probe WHERE id = $2",
            &[Val::from(3_i64)]
        )
        .await
        .is_err());
}

/// Text (any script), integers, reals and NULL come back as they went in.
async fn values_come_back_as_stored(db: TestDb) {
    let engine = db.store.backend().clone();
    probe_table(&engine).await;
    let text = "Défenseure · ሰላም · 人权 · 🕊️ · O'Brien \"quoted\"";
    let mut tx = engine.begin().await.unwrap();
    tx.execute(
        "INSERT INTO engine_probe (id, note, score) VALUES ($1, $2, $3)",
        &[Val::from(1_i64), Val::from(text), Val::Real(Some(2.25))],
    )
    .await
    .unwrap();
    tx.execute(
        "INSERT INTO engine_probe (id, note, score) VALUES ($1, $2, $3)",
        &[Val::from(2_i64), Val::from("none"), Val::Real(None)],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let rows = engine
        .query("SELECT id, note, score FROM engine_probe ORDER BY id", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].int(0), 1);
    assert_eq!(rows[0].text(1), text);
    assert_eq!(rows[0].real(2), Some(2.25));
    assert_eq!(rows[1].int(0), 2);
    assert_eq!(rows[1].real(2), None);
    assert_eq!(rows[1].opt_text(2), None);
}

/// A transaction dropped without commit (an error, a request that went away) undoes
/// its writes, and its connection goes back to serve the next caller: more of them
/// than the engine keeps connections.
async fn an_abandoned_transaction_leaves_nothing_and_its_connection_serves_again(db: TestDb) {
    let engine = db.store.backend().clone();
    probe_table(&engine).await;
    for i in 0..24_i64 {
        let mut tx = engine.begin().await.unwrap();
        tx.execute(
            "INSERT INTO engine_probe (id, note) VALUES ($1, $2)",
            &[Val::from(i), Val::from(format!("dropped {i}"))],
        )
        .await
        .unwrap();
        let seen = tx
            .query("SELECT count(*) FROM engine_probe", &[])
            .await
            .unwrap();
        assert_eq!(seen[0].int(0), 1, "the transaction sees its own write");
        drop(tx);
    }
    assert!(notes(&engine).await.is_empty(), "{}", db.backend_name);
    let mut tx = engine.begin().await.unwrap();
    tx.execute(
        "INSERT INTO engine_probe (id, note) VALUES ($1, $2)",
        &[Val::from(100_i64), Val::from("kept")],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(notes(&engine).await, ["kept"]);
}

/// A unique violation is reported as such (the store turns it into a conflict the
/// user can act on), other errors as errors, and dropping the refused transaction
/// leaves what was committed before it as it was.
async fn unique_violations_are_told_apart(db: TestDb) {
    let engine = db.store.backend().clone();
    probe_table(&engine).await;
    let mut tx = engine.begin().await.unwrap();
    tx.execute(
        "INSERT INTO engine_probe (id, note) VALUES ($1, $2)",
        &[Val::from(1_i64), Val::from("once")],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = engine.begin().await.unwrap();
    let err = tx
        .execute(
            "INSERT INTO engine_probe (id, note) VALUES ($1, $2)",
            &[Val::from(2_i64), Val::from("once")],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Unique), "{err:?}");
    drop(tx);
    let err = engine
        .query("SELECT no_such_column FROM engine_probe", &[])
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Db(_)), "{err:?}");
    assert_eq!(notes(&engine).await, ["once"]);
}

/// A read whose caller stops waiting (a closed browser tab) does not take the
/// engine down with it: more reads are abandoned than the engine keeps connections,
/// and the next reads and writes are still served, promptly.
async fn an_abandoned_read_leaves_the_engine_serving(db: TestDb) {
    let engine = db.store.backend().clone();
    probe_table(&engine).await;
    let slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) SELECT count(*) FROM n";
    for _ in 0..10 {
        let abandoned =
            tokio::time::timeout(Duration::from_millis(2), engine.query(slow, &[])).await;
        assert!(
            abandoned.is_err(),
            "the slow read should outlast its caller"
        );
    }
    let served = tokio::time::timeout(Duration::from_secs(60), async {
        let mut tx = engine.begin().await.unwrap();
        tx.execute(
            "INSERT INTO engine_probe (id, note) VALUES ($1, $2)",
            &[Val::from(1_i64), Val::from("after")],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        notes(&engine).await
    })
    .await
    .expect("the engine still serves after abandoned reads");
    assert_eq!(served, ["after"]);
}

/// Many readers and writers at once, more than the engine keeps connections: every
/// write is committed once and every read answers.
async fn concurrent_readers_and_writers_all_finish(db: TestDb) {
    let engine = db.store.backend().clone();
    probe_table(&engine).await;
    let mut tasks = Vec::new();
    for i in 0..40_i64 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            if i % 4 == 0 {
                let mut tx = engine.begin().await?;
                tx.execute(
                    "INSERT INTO engine_probe (id, note) VALUES ($1, $2)",
                    &[Val::from(i), Val::from(format!("w{i}"))],
                )
                .await?;
                tx.commit().await?;
                Ok::<i64, BackendError>(1)
            } else {
                let rows = engine
                    .query("SELECT count(*) FROM engine_probe", &[])
                    .await?;
                Ok(i64::from(rows.len() == 1))
            }
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 1);
    }
    assert_eq!(notes(&engine).await.len(), 10);
}
