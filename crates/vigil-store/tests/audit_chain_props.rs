//! Property tests of the audit chain (`vigil audit verify`): an untouched chain of any
//! length and content always verifies, and any single modification, deletion,
//! reordering, insertion or unrecorded append of entries is reported — at the entry
//! where the chain first breaks. The chain check ([`ChainWalk`]) is the one
//! `Store::verify_audit` runs over the rows it reads; a last group of cases runs the
//! same tampering on a real SQLCipher store through SQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use vigil_store::audit::{
    chain_hash, AuditRecord, BrokenLink, ChainWalk, Fields, Problem, GENESIS,
};

/// The content of one entry, before it is chained.
#[derive(Debug, Clone)]
struct Content {
    at: String,
    user_id: Option<i64>,
    username: String,
    action: String,
    entity: String,
    entity_id: Option<i64>,
    detail: String,
    ip: Option<String>,
}

fn content() -> impl Strategy<Value = Content> {
    (
        (0u32..100_000).prop_map(|s| {
            format!(
                "2026-11-28T{:02}:{:02}:{:02}Z",
                s / 3600 % 24,
                s / 60 % 60,
                s % 60
            )
        }),
        proptest::option::of(1i64..1000),
        "[a-zñ]{0,12}",
        prop::sample::select(vec![
            "login", "read", "create", "update", "export", "search",
        ]),
        prop::sample::select(vec!["incident", "person", "user", "session", ""]),
        proptest::option::of(1i64..100_000),
        "\\{(\"[a-z]{1,5}\":[0-9]{1,4})?\\}",
        proptest::option::of("(127\\.0\\.0\\.1|::1|10\\.[0-9]{1,3}\\.0\\.1)"),
    )
        .prop_map(
            |(at, user_id, username, action, entity, entity_id, detail, ip)| Content {
                at,
                user_id,
                username,
                action: action.to_owned(),
                entity: entity.to_owned(),
                entity_id,
                detail,
                ip,
            },
        )
}

fn fields(r: &AuditRecord) -> Fields<'_> {
    Fields {
        seq: r.seq,
        at: &r.at,
        user_id: r.user_id,
        username: &r.username,
        action: &r.action,
        entity: &r.entity,
        entity_id: r.entity_id,
        detail: &r.detail,
        ip: r.ip.as_deref(),
    }
}

/// An entry at `seq` after `prev_hash`, hashed as Vigil hashes it.
fn entry(seq: i64, prev_hash: &str, c: &Content) -> AuditRecord {
    let mut r = AuditRecord {
        seq,
        at: c.at.clone(),
        user_id: c.user_id,
        username: c.username.clone(),
        action: c.action.clone(),
        entity: c.entity.clone(),
        entity_id: c.entity_id,
        detail: c.detail.clone(),
        ip: c.ip.clone(),
        prev_hash: prev_hash.to_owned(),
        hash: String::new(),
    };
    r.hash = chain_hash(prev_hash, &fields(&r));
    r
}

/// A well-formed chain, as appends build it.
fn chain(contents: &[Content]) -> Vec<AuditRecord> {
    let mut out: Vec<AuditRecord> = Vec::new();
    for (i, c) in contents.iter().enumerate() {
        let prev = out.last().map_or(GENESIS.to_owned(), |e| e.hash.clone());
        out.push(entry(i as i64 + 1, &prev, c));
    }
    out
}

/// What `verify_audit` reports for these rows (read in `seq` order, as SQL returns
/// them) and this head.
fn verify(rows: &[AuditRecord], head_seq: i64, head_hash: &str) -> Option<BrokenLink> {
    let mut sorted: Vec<&AuditRecord> = rows.iter().collect();
    sorted.sort_by_key(|r| r.seq);
    let mut walk = ChainWalk::default();
    for r in sorted {
        if let Some(b) = walk.step(r) {
            return Some(b);
        }
    }
    walk.finish(head_seq, head_hash)
}

fn head(rows: &[AuditRecord]) -> (i64, String) {
    rows.last()
        .map_or((0, GENESIS.to_owned()), |e| (e.seq, e.hash.clone()))
}

/// One field of an entry changed to something else.
#[derive(Debug, Clone)]
enum Edit {
    At,
    UserId,
    Username,
    Action,
    Entity,
    EntityId,
    Detail,
    Ip,
    PrevHash,
    Hash,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        Just(Edit::At),
        Just(Edit::UserId),
        Just(Edit::Username),
        Just(Edit::Action),
        Just(Edit::Entity),
        Just(Edit::EntityId),
        Just(Edit::Detail),
        Just(Edit::Ip),
        Just(Edit::PrevHash),
        Just(Edit::Hash),
    ]
}

/// Change one field of `r` so it differs from before.
fn apply(r: &mut AuditRecord, e: &Edit) {
    fn other(s: &str) -> String {
        if s.is_empty() {
            "x".to_owned()
        } else {
            format!("{s}x")
        }
    }
    match e {
        Edit::At => r.at = other(&r.at),
        Edit::UserId => {
            r.user_id = r
                .user_id
                .map_or(Some(1), |v| if v == 1 { None } else { Some(v + 1) })
        }
        Edit::Username => r.username = other(&r.username),
        Edit::Action => r.action = other(&r.action),
        Edit::Entity => r.entity = other(&r.entity),
        Edit::EntityId => r.entity_id = r.entity_id.map_or(Some(7), |v| Some(v + 1)),
        Edit::Detail => r.detail = other(&r.detail),
        Edit::Ip => {
            r.ip = if r.ip.is_some() {
                None
            } else {
                Some("10.9.9.9".into())
            }
        }
        Edit::PrevHash => r.prev_hash = chain_hash(&r.prev_hash, &fields(r)),
        Edit::Hash => r.hash = chain_hash(&r.hash, &fields(r)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn an_untouched_chain_always_verifies(contents in prop::collection::vec(content(), 0..40)) {
        let rows = chain(&contents);
        let (seq, hash) = head(&rows);
        prop_assert_eq!(verify(&rows, seq, &hash), None);
    }

    /// One field of one entry changed, its hash left as it was.
    #[test]
    fn a_modified_entry_is_found(
        contents in prop::collection::vec(content(), 1..30),
        pick in any::<prop::sample::Index>(),
        e in edit(),
    ) {
        let mut rows = chain(&contents);
        let (seq, hash) = head(&rows);
        let i = pick.index(rows.len());
        apply(&mut rows[i], &e);
        let found = verify(&rows, seq, &hash).expect("the change is found");
        prop_assert_eq!(found.seq, i as i64 + 1, "{:?}", found);
        let want = if matches!(e, Edit::PrevHash) { Problem::OutOfOrder } else { Problem::Modified };
        prop_assert_eq!(found.problem, want);
    }

    /// One entry changed and re-hashed to match (the attacker knows the hash): the
    /// next entry no longer chains to it, or, for the last one, the head disagrees.
    #[test]
    fn a_modified_and_rehashed_entry_is_found(
        contents in prop::collection::vec(content(), 1..30),
        pick in any::<prop::sample::Index>(),
        e in edit().prop_filter("content edits", |e| !matches!(e, Edit::PrevHash | Edit::Hash)),
    ) {
        let mut rows = chain(&contents);
        let (seq, hash) = head(&rows);
        let i = pick.index(rows.len());
        apply(&mut rows[i], &e);
        let prev = rows[i].prev_hash.clone();
        rows[i].hash = chain_hash(&prev, &fields(&rows[i]));
        let found = verify(&rows, seq, &hash).expect("the change is found");
        if i + 1 < rows.len() {
            prop_assert_eq!(found, BrokenLink { seq: i as i64 + 2, problem: Problem::OutOfOrder });
        } else {
            prop_assert_eq!(found, BrokenLink { seq: i as i64 + 1, problem: Problem::Modified });
        }
    }

    #[test]
    fn a_deleted_entry_is_found(
        contents in prop::collection::vec(content(), 1..30),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut rows = chain(&contents);
        let (seq, hash) = head(&rows);
        let i = pick.index(rows.len());
        rows.remove(i);
        prop_assert_eq!(
            verify(&rows, seq, &hash),
            Some(BrokenLink { seq: i as i64 + 1, problem: Problem::Missing })
        );
    }

    /// Entries reordered: two swapped, or one moved later (the rows in between move
    /// up). In the table this is a change of `seq` numbers, so the rows are renumbered
    /// by their new position.
    #[test]
    fn reordered_entries_are_found(
        contents in prop::collection::vec(content(), 2..30),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
        swap in any::<bool>(),
    ) {
        let mut rows = chain(&contents);
        let (seq, hash) = head(&rows);
        let (i, j) = (a.index(rows.len()), b.index(rows.len()));
        prop_assume!(i != j);
        let (i, j) = (i.min(j), i.max(j));
        if swap {
            rows.swap(i, j);
        } else {
            rows[i..=j].rotate_left(1);
        }
        for (k, r) in rows.iter_mut().enumerate() {
            r.seq = k as i64 + 1;
        }
        let found = verify(&rows, seq, &hash).expect("the reordering is found");
        prop_assert_eq!(found.seq, i as i64 + 1, "{:?}", found);
    }

    /// A forged entry inserted at any place, chained properly to the one before it and
    /// the following entries renumbered (but not re-hashed).
    #[test]
    fn an_inserted_entry_is_found(
        contents in prop::collection::vec(content(), 0..30),
        forged in content(),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut rows = chain(&contents);
        let (seq, hash) = head(&rows);
        let i = pick.index(rows.len() + 1);
        let prev = if i == 0 { GENESIS.to_owned() } else { rows[i - 1].hash.clone() };
        rows.insert(i, entry(i as i64 + 1, &prev, &forged));
        for (k, r) in rows.iter_mut().enumerate().skip(i + 1) {
            r.seq = k as i64 + 1;
        }
        let found = verify(&rows, seq, &hash).expect("the insertion is found");
        if i + 1 < rows.len() {
            // The entry after the forged one does not chain to it.
            prop_assert_eq!(found, BrokenLink { seq: i as i64 + 2, problem: Problem::OutOfOrder });
        } else {
            // Appended after the last entry, with the head left alone.
            prop_assert_eq!(found, BrokenLink { seq: i as i64 + 1, problem: Problem::Unrecorded });
        }
    }

    /// The head rewritten to a chain cut short: the missing tail is reported.
    #[test]
    fn a_cut_off_tail_is_found(
        contents in prop::collection::vec(content(), 1..30),
        keep in any::<prop::sample::Index>(),
    ) {
        let rows = chain(&contents);
        let (seq, hash) = head(&rows);
        let k = keep.index(rows.len());
        let found = verify(&rows[..k], seq, &hash);
        prop_assert_eq!(found, Some(BrokenLink { seq: k as i64 + 1, problem: Problem::Missing }));
    }
}
