//! The audit log for administrators: entries newest first with filters (user, action,
//! entity, dates) and pagination, a CSV export, and at the top the result of verifying
//! the hash chain. Authorisation stays in the store's `Access` (administrators only);
//! entries hold no sensitive value, so nothing here needs redacting.

use askama::Template;
use axum::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use vigil_domain::search::Page;
use vigil_store::audit::{Action, AuditFilter, AuditRecord, AuditReport, ENTITIES};

use super::{page, respond, Layout};
use crate::csv_export::safe_cell;
use crate::error::WebResult;
use crate::forms::{url_encode, Opt};
use crate::i18n::I18n;
use crate::session::Ctx;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(list))
        .route("/admin/audit.csv", get(export_csv))
}

/// The longest detail shown in the table (the CSV carries it whole).
const DETAIL_SHOWN: usize = 100;

/// The filters as typed in the form (and kept in the URL).
#[derive(Deserialize, Default, Debug, Clone)]
struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: Option<u32>,
}

impl AuditQuery {
    /// The store's filter, and whether a date could not be read (it is then ignored).
    fn filter(&self) -> (AuditFilter, bool) {
        let date = |s: &str| {
            let s = s.trim();
            if s.is_empty() {
                Ok(None)
            } else {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Some)
            }
        };
        let (from, to) = (date(&self.from), date(&self.to));
        let bad = from.is_err() || to.is_err();
        (
            AuditFilter {
                user: self.user.clone(),
                action: self.action.clone(),
                entity: self.entity.clone(),
                from: from.unwrap_or(None),
                to: to.unwrap_or(None),
            },
            bad,
        )
    }

    /// The query string for these filters at `page` (1 leaves the page out).
    fn query_for_page(&self, page: u32) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("user", &self.user),
            ("action", &self.action),
            ("entity", &self.entity),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.trim().is_empty() {
                parts.push(format!("{k}={}", url_encode(v.trim())));
            }
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        parts.join("&")
    }
}

/// An action's label; an action this build does not know shows its code.
fn action_label(t: &I18n, code: &str) -> String {
    let key = format!("audit-action-{code}");
    let label = t.get(&key);
    if label == key {
        code.to_owned()
    } else {
        label
    }
}

fn entity_label(t: &I18n, code: &str) -> String {
    let key = format!("audit-entity-{code}");
    let label = t.get(&key);
    if label == key {
        code.to_owned()
    } else {
        label
    }
}

/// One entry as a table row, already translated.
struct Row {
    seq: i64,
    at: String,
    username: String,
    action: String,
    entity: String,
    /// A link to the record, for incidents, persons and groups.
    link: Option<String>,
    entity_id: String,
    detail: String,
    ip: String,
    hash: String,
    short_hash: String,
}

fn row(t: &I18n, e: &AuditRecord) -> Row {
    let link = match (e.entity.as_str(), e.entity_id) {
        ("incident", Some(id)) => Some(format!("/incidents/{id}")),
        ("person", Some(id)) => Some(format!("/persons/{id}")),
        ("group", Some(id)) => Some(format!("/groups/{id}")),
        _ => None,
    };
    let detail = if e.detail == "{}" {
        String::new()
    } else if e.detail.chars().count() > DETAIL_SHOWN {
        let mut d: String = e.detail.chars().take(DETAIL_SHOWN).collect();
        d.push('…');
        d
    } else {
        e.detail.clone()
    };
    Row {
        seq: e.seq,
        at: e.time().format("%Y-%m-%d %H:%M:%S").to_string(),
        username: e.username.clone(),
        action: action_label(t, &e.action),
        entity: entity_label(t, &e.entity),
        link,
        entity_id: e.entity_id.map(|i| i.to_string()).unwrap_or_default(),
        detail,
        ip: e.ip.clone().unwrap_or_default(),
        short_hash: e.hash.chars().take(12).collect(),
        hash: e.hash.clone(),
    }
}

/// The verification result, as a sentence.
struct Verdict {
    intact: bool,
    message: String,
    head: String,
}

fn verdict(t: &I18n, r: &AuditReport) -> Verdict {
    let message = match &r.broken {
        None => t.n("audit-chain-intact", r.entries),
        Some(b) => format!(
            "{} {}",
            t.n("audit-chain-broken", b.seq),
            t.get(&format!("audit-problem-{}", b.problem.code()))
        ),
    };
    Verdict {
        intact: r.intact(),
        message,
        head: r.head_hash.clone(),
    }
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    l: Layout,
    q: AuditQuery,
    verdict: Verdict,
    bad_date: bool,
    p: Page<AuditRecord>,
    rows: Vec<Row>,
    actions: Vec<Opt>,
    entities: Vec<Opt>,
    prev: Option<String>,
    next: Option<String>,
    export: String,
}

fn options(
    t: &I18n,
    codes: impl Iterator<Item = &'static str>,
    selected: &str,
    label: fn(&I18n, &str) -> String,
) -> Vec<Opt> {
    let mut out = vec![Opt {
        value: String::new(),
        label: t.get("any"),
        selected: selected.is_empty(),
    }];
    out.extend(codes.map(|c| Opt {
        value: c.to_owned(),
        label: label(t, c),
        selected: c == selected,
    }));
    out
}

async fn list(ctx: Ctx, Query(q): Query<AuditQuery>) -> Response {
    let r = async {
        let (filter, bad_date) = q.filter();
        // Verifying first also refuses non-administrators before anything is read.
        let report = ctx.access.verify_audit().await?;
        let p = ctx.access.audit_log(&filter, q.page.unwrap_or(1)).await?;
        let t = &ctx.t;
        let pages = p.pages();
        page(&AuditPage {
            verdict: verdict(t, &report),
            bad_date,
            rows: p.items.iter().map(|e| row(t, e)).collect(),
            actions: options(
                t,
                Action::ALL.iter().map(|a| a.code()),
                q.action.trim(),
                action_label,
            ),
            entities: options(t, ENTITIES.into_iter(), q.entity.trim(), entity_label),
            prev: (p.page > 1).then(|| q.query_for_page(p.page - 1)),
            next: (p.page < pages).then(|| q.query_for_page(p.page + 1)),
            export: q.query_for_page(1),
            l: Layout::of(&ctx, "audit"),
            p,
            q,
        })
    }
    .await;
    respond(&ctx, r)
}

/// The CSV columns, in order: every stored field, so the file can be checked offline.
const CSV_HEADER: [&str; 11] = [
    "seq",
    "at",
    "user_id",
    "username",
    "action",
    "entity",
    "entity_id",
    "detail",
    "ip",
    "prev_hash",
    "hash",
];

/// Entries as CSV, every cell formula-safe.
fn audit_csv(entries: &[AuditRecord]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let _ = w.write_record(CSV_HEADER.iter().map(|h| safe_cell(h)));
    for e in entries {
        let cells = [
            e.seq.to_string(),
            e.at.clone(),
            opt(e.user_id),
            e.username.clone(),
            e.action.clone(),
            e.entity.clone(),
            opt(e.entity_id),
            e.detail.clone(),
            e.ip.clone().unwrap_or_default(),
            e.prev_hash.clone(),
            e.hash.clone(),
        ];
        let _ = w.write_record(cells.iter().map(|c| safe_cell(c)));
    }
    // Writing to memory cannot fail, and every cell is a `String`, so the bytes are UTF-8.
    w.into_inner()
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

async fn export_csv(ctx: Ctx, Query(q): Query<AuditQuery>) -> Response {
    let r: WebResult<Response> = async {
        let (filter, _) = q.filter();
        let list = ctx.access.export_audit_log(&filter).await?;
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"vigil-audit.csv\"",
                ),
            ],
            audit_csv(&list),
        )
            .into_response())
    }
    .await;
    respond(&ctx, r)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use vigil_store::audit::Problem;

    /// Messages looked up by a computed id are invisible to the catalogue test; check
    /// them here, in both languages.
    #[test]
    fn every_computed_message_exists() {
        for lang in ["en", "es"] {
            let t = I18n::new(lang);
            let mut keys: Vec<String> = Action::ALL
                .iter()
                .map(|a| format!("audit-action-{}", a.code()))
                .collect();
            keys.extend(ENTITIES.iter().map(|e| format!("audit-entity-{e}")));
            keys.extend(
                [
                    Problem::Modified,
                    Problem::Missing,
                    Problem::OutOfOrder,
                    Problem::Unrecorded,
                ]
                .iter()
                .map(|p| format!("audit-problem-{}", p.code())),
            );
            for k in keys {
                assert_ne!(t.get(&k), k, "{lang}: message {k} is missing");
            }
        }
    }

    #[test]
    fn csv_cells_cannot_become_formulas() {
        let e = AuditRecord {
            seq: 1,
            at: "2026-11-28T12:00:00.000000Z".into(),
            user_id: None,
            username: "=HYPERLINK(\"http://evil\")".into(),
            action: "login_failed".into(),
            entity: "user".into(),
            entity_id: None,
            detail: "{}".into(),
            ip: Some("+1".into()),
            prev_hash: "0".repeat(64),
            hash: "ab".repeat(32),
        };
        let csv = audit_csv(&[e]);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            "seq,at,user_id,username,action,entity,entity_id,detail,ip,prev_hash,hash"
        );
        let row = lines.next().unwrap();
        assert!(
            row.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
            "{row}"
        );
        assert!(row.contains(",'+1,"), "{row}");
    }

    #[test]
    fn filters_round_trip_through_the_query_string() {
        let q = AuditQuery {
            user: "ana maría".into(),
            action: "login_failed".into(),
            from: "2026-11-01".into(),
            to: "not a date".into(),
            ..Default::default()
        };
        assert_eq!(
            q.query_for_page(2),
            "user=ana%20mar%C3%ADa&action=login_failed&from=2026-11-01&to=not%20a%20date&page=2"
        );
        let (f, bad) = q.filter();
        assert!(bad);
        assert_eq!(f.from, chrono::NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(f.to, None);
    }
}
