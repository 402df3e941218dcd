//! Versioned releases (issue 5 points 5, 6 and 8) on both databases: known answers on
//! a hand-built data set frozen as a release, disclosure control applied to what the
//! public sees (small counts and the cells that would give them away hidden, raw
//! counts never on a public page), revisions with their reasons, unpublished releases
//! invisible to the public, who may do what, and the audit trail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::http::{header, StatusCode};

use vigil_domain::model::Id;
use vigil_domain::release::{ReleaseInput, ReleaseQuery, TOTAL};
use vigil_domain::stats::{Period, StatsParams};
use vigil_domain::Role;
use vigil_store::audit::AuditFilter;
use vigil_store::{Access, StoreError};

use crate::support::{self, backend_tests, TestDb, PASSWORD};
use crate::web::Browser;

backend_tests!(
    a_release_freezes_known_figures_and_hides_small_ones,
    revisions_show_each_figure_and_the_reason,
    unpublished_releases_are_invisible_to_the_public,
    only_analysts_and_administrators_handle_releases,
    releases_are_audited,
    bad_release_input_names_the_field_and_stores_nothing,
    sdg_release_matches_the_indicator,
);

/// Incidents per year in the hand-built set: 2022 has 7, 2023 has 2 (small), 2024
/// has 12 — one defender threatened each time, all in Colombia.
const YEARS: [(&str, usize); 3] = [("2022", 7), ("2023", 2), ("2024", 12)];

async fn build(db: &TestDb) -> Access {
    let doc = db.access(Role::Documenter).await;
    let p = support::create_person(&doc, "Ana Tombé").await;
    for (year, n) in YEARS {
        for k in 0..n {
            doc.create_incident(&support::simple_incident(
                &format!("Threat {year} #{k}"),
                &format!("{year}-03-{:02}", k + 1),
                p.id,
            ))
            .await
            .unwrap();
        }
    }
    doc
}

fn by_year(title: &str) -> ReleaseInput {
    ReleaseInput {
        title: title.into(),
        kind: "statistics".into(),
        methodology: "Incidents by year of their start date.\n\nSmall counts hidden.".into(),
        query: ReleaseQuery {
            stats: StatsParams {
                by: "year".into(),
                from: "2022".into(),
                to: "2024".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn public_get(db: &TestDb, path: &str) -> crate::web::Page {
    Browser::new(db).get(path).await
}

/// The figures of a table's cells as the page prints them.
fn cells(body: &str) -> Vec<String> {
    body.split("<td class=\"num\">")
        .skip(1)
        .map(|s| s.split('<').next().unwrap_or("").to_owned())
        .collect()
}

async fn a_release_freezes_known_figures_and_hides_small_ones(db: TestDb) {
    build(&db).await;
    let analyst = db.access(Role::Analyst).await;
    let id = analyst
        .create_release(&by_year("Threats by year"))
        .await
        .unwrap();
    let r = analyst.release(id).await.unwrap();
    assert_eq!((r.series_id, r.revision), (id, 1));
    assert_eq!(r.period, "2022-01-01 – 2024-12-31");
    // Raw: the known answers.
    let raw = &r.raw[0];
    assert_eq!(raw.rows, vec!["2022", "2023", "2024"]);
    assert_eq!(raw.cells, vec![vec![7], vec![2], vec![12]]);
    assert_eq!(raw.total, 21);
    // Published: 2 is small; alone it would be 21 − 7 − 12, so the smallest other
    // (7) is hidden too. 12 and the total stay.
    let t = &r.tables[0];
    assert_eq!(t.cells, vec![vec![None], vec![None], vec![Some(12)]]);
    assert_eq!(t.total, Some(21));
    assert_eq!(t.figure("2024", ""), Some(Some(12)));
    assert_eq!(t.figure(TOTAL, TOTAL), Some(Some(21)));

    analyst.publish_release(id, true).await.unwrap();
    let page = public_get(&db, &format!("/public/releases/{id}?lang=en")).await;
    assert_eq!(page.status, StatusCode::OK);
    let cache = page.headers.get(header::CACHE_CONTROL).unwrap();
    assert!(cache.to_str().unwrap().starts_with("public"), "{cache:?}");
    assert!(page.headers.get(header::SET_COOKIE).is_none());
    assert_eq!(
        cells(&page.body),
        vec!["x", "x", "12", "21"],
        "{}",
        page.body
    );
    assert!(page.body.contains("Incidents by year of their start date."));
    assert!(page.body.contains("x: not published"));
    assert!(!page.body.contains("Raw counts"), "raw counts never public");
    assert!(!page.body.contains("<script"));
    assert!(page.body.len() < 30_000, "{} bytes", page.body.len());
    // The analyst sees the raw counts on their own page, and a printable report.
    let (mut b, _) = browser_as(&db, Role::Analyst).await;
    let own = b.get(&format!("/releases/{id}")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("Raw counts"));
    let raw_cells = cells(&own.body);
    assert!(raw_cells.contains(&"7".to_owned()) && raw_cells.contains(&"2".to_owned()));
    let print = b.get(&format!("/releases/{id}/report")).await;
    assert_eq!(print.status, StatusCode::OK);
    assert_eq!(cells(&print.body), vec!["x", "x", "12", "21"]);
}

async fn revisions_show_each_figure_and_the_reason(db: TestDb) {
    let doc = build(&db).await;
    let analyst = db.access(Role::Analyst).await;
    let first = analyst.create_release(&by_year("Threats")).await.unwrap();
    analyst.publish_release(first, true).await.unwrap();
    // Two late reports for 2024.
    let p = support::create_person(&doc, "Luis Pito").await;
    for d in ["2024-09-01", "2024-10-01"] {
        doc.create_incident(&support::simple_incident("Late report", d, p.id))
            .await
            .unwrap();
    }
    // A revision needs a reason.
    let e = analyst.revise_release(first, "  ", "").await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Invalid(f) if f.0[0].field == "reason"),
        "{e:?}"
    );
    let second = analyst
        .revise_release(first, "Two late reports from Cauca", "")
        .await
        .unwrap();
    let r2 = analyst.release(second).await.unwrap();
    assert_eq!((r2.series_id, r2.revision), (first, 2));
    assert_eq!(r2.reason, "Two late reports from Cauca");
    assert_eq!(
        r2.methodology,
        analyst.release(first).await.unwrap().methodology
    );
    assert_eq!(r2.tables[0].figure("2024", ""), Some(Some(14)));
    // Not public until published: the public still sees revision 1 only.
    let list = db.store.public_releases().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, first);
    analyst.publish_release(second, true).await.unwrap();
    let list = db.store.public_releases().await.unwrap();
    assert_eq!(
        list.iter().map(|r| r.id).collect::<Vec<Id>>(),
        vec![second],
        "one line per series: its latest published revision"
    );
    let page = public_get(&db, &format!("/public/releases/{second}?lang=en")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Two late reports from Cauca"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Figures that changed"));
    // 2024: 12 then 14; the total 21 then 23.
    let changes = page.body.split("Figures that changed").nth(1).unwrap();
    let c = cells(changes);
    assert_eq!(c, vec!["12", "14", "21", "23"], "{changes}");
    // A one-way table's total is named once.
    assert!(changes.contains(">Total<"), "{changes}");
    assert!(!changes.contains("Total × Total"), "{changes}");
    // The first revision says it is superseded and links to the latest.
    let old = public_get(&db, &format!("/public/releases/{first}?lang=en")).await;
    assert!(old.body.contains(&format!("/public/releases/{second}")));
    assert!(old.body.contains("A later revision (2)"));
    // The API shows the same revision.
    let third = analyst
        .revise_release(second, "Recount", "New text.")
        .await
        .unwrap();
    let r3 = analyst.release(third).await.unwrap();
    assert_eq!((r3.revision, r3.methodology.as_str()), (3, "New text."));
}

async fn unpublished_releases_are_invisible_to_the_public(db: TestDb) {
    build(&db).await;
    let analyst = db.access(Role::Analyst).await;
    let id = analyst.create_release(&by_year("Draft")).await.unwrap();
    let page = public_get(&db, &format!("/public/releases/{id}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Draft"));
    let list = public_get(&db, "/public/releases?lang=en").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("Draft"));
    analyst.publish_release(id, true).await.unwrap();
    let list = public_get(&db, "/public/releases?lang=en").await;
    assert!(list.body.contains("Draft"));
    // Withdrawn: gone again.
    analyst.publish_release(id, false).await.unwrap();
    let page = public_get(&db, &format!("/public/releases/{id}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(db.store.public_releases().await.unwrap().is_empty());
}

async fn only_analysts_and_administrators_handle_releases(db: TestDb) {
    build(&db).await;
    let analyst = db.access(Role::Analyst).await;
    let id = analyst.create_release(&by_year("Mine")).await.unwrap();
    for role in Role::ALL {
        let a = db.access(role).await;
        let allowed = matches!(role, Role::Admin | Role::Analyst);
        let results = [
            a.releases().await.map(|_| ()),
            a.release(id).await.map(|_| ()),
            a.create_release(&by_year("Other")).await.map(|_| ()),
            a.revise_release(id, "Why", "").await.map(|_| ()),
            a.publish_release(id, false).await.map(|_| ()),
        ];
        for r in results {
            match (allowed, r) {
                (true, Ok(())) | (false, Err(StoreError::Forbidden)) => {}
                (_, other) => panic!("{role:?}: {other:?}"),
            }
        }
        // Pages: the same through the router.
        let (mut b, _) = browser_as(&db, role).await;
        let page = b.get(&format!("/releases/{id}")).await;
        let want = if allowed {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(page.status, want, "{role:?}");
    }
    // A form post from the analyst's page publishes (with the CSRF token).
    let (mut b, _) = browser_as(&db, Role::Analyst).await;
    let page = b.get(&format!("/releases/{id}")).await;
    let csrf = page.csrf();
    let res = b
        .post(
            &format!("/releases/{id}/publish"),
            &[("csrf", &csrf), ("published", "1")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(analyst.release(id).await.unwrap().published_at.is_some());
    // Without the token: refused, nothing changes.
    let res = b
        .post(&format!("/releases/{id}/publish"), &[("published", "0")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(analyst.release(id).await.unwrap().published_at.is_some());
    // The form that freezes a release, through the router.
    let form = b.get("/releases/new?by=year&from=2022&to=2024").await;
    assert_eq!(form.status, StatusCode::OK);
    let res = b
        .post(
            "/releases/new",
            &[
                ("csrf", &csrf),
                ("kind", "statistics"),
                ("title", "From the form"),
                ("by", "year"),
                ("from", "2022"),
                ("to", "2024"),
                ("threshold", "5"),
                ("methodology", "Counted."),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let new: Id = res
        .location()
        .trim_start_matches("/releases/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        analyst.release(new).await.unwrap().raw[0].cells,
        vec![vec![7], vec![2], vec![12]]
    );
}

async fn releases_are_audited(db: TestDb) {
    build(&db).await;
    let analyst = db.access(Role::Analyst).await;
    let id = analyst.create_release(&by_year("Audited")).await.unwrap();
    analyst.publish_release(id, true).await.unwrap();
    let rev = analyst.revise_release(id, "Fix", "").await.unwrap();
    analyst.publish_release(id, false).await.unwrap();
    let entries = db
        .store
        .audit_entries(
            &AuditFilter {
                entity: "release".into(),
                ..Default::default()
            },
            1,
        )
        .await
        .unwrap()
        .items;
    let mut seen: Vec<(String, Option<Id>, String)> = entries
        .iter()
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap();
            let part = |k: &str| d.get(k).map(|v| v.to_string()).unwrap_or_default();
            (
                e.action.clone(),
                e.entity_id,
                format!("{}{}", part("revision"), part("published")),
            )
        })
        .collect();
    seen.sort();
    let mut want = vec![
        ("create".to_owned(), Some(id), "1".to_owned()),
        ("create".to_owned(), Some(rev), "2".to_owned()),
        ("update".to_owned(), Some(id), "true".to_owned()),
        ("update".to_owned(), Some(id), "false".to_owned()),
    ];
    want.sort();
    assert_eq!(seen, want);
    assert!(entries
        .iter()
        .all(|e| e.username == analyst.actor().username));
    assert!(db.store.verify_audit().await.unwrap().intact());
}

async fn bad_release_input_names_the_field_and_stores_nothing(db: TestDb) {
    build(&db).await;
    let analyst = db.access(Role::Analyst).await;
    let mut bad = by_year("");
    bad.threshold = "1".into();
    bad.query.stats.by = "planet".into();
    match analyst.create_release(&bad).await {
        Err(StoreError::Invalid(e)) => {
            let f: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
            assert_eq!(f, vec!["title", "threshold"], "checked before counting");
        }
        other => panic!("{other:?}"),
    }
    let mut bad = by_year("Query");
    bad.query.stats.by = "planet".into();
    match analyst.create_release(&bad).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "by"),
        other => panic!("{other:?}"),
    }
    // A region within a country: only with at least 20 (here 21 in "Cauca"? none:
    // the incidents have no region, so 0).
    let mut region = by_year("Region");
    region.query.stats.region = "Cauca".into();
    match analyst.create_release(&region).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "region"),
        other => panic!("{other:?}"),
    }
    assert!(analyst.releases().await.unwrap().is_empty());
    // Through the form: 400 with the errors, nothing stored.
    let (mut b, _) = browser_as(&db, Role::Analyst).await;
    let csrf = b.get("/releases/new").await.csrf();
    let res = b
        .post(
            "/releases/new",
            &[("csrf", &csrf), ("kind", "statistics"), ("title", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("title"));
    assert!(analyst.releases().await.unwrap().is_empty());
}

async fn sdg_release_matches_the_indicator(db: TestDb) {
    let doc = db.access(Role::Documenter).await;
    support::seed(&doc).await;
    let analyst = db.access(Role::Analyst).await;
    let input = ReleaseInput {
        title: "SDG 16.10.1, 2024".into(),
        kind: "sdg_16_10_1".into(),
        methodology: "As the indicator's metadata.".into(),
        query: ReleaseQuery {
            sdg: vigil_domain::stats::SdgParams {
                from: "2024-01".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    };
    let id = analyst.create_release(&input).await.unwrap();
    let r = analyst.release(id).await.unwrap();
    let period = Period::twelve_months(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
    let want = analyst.sdg_16_10_1(period, None).await.unwrap();
    assert_eq!(r.query.sdg.from, "2024-01");
    assert_eq!(r.query.sdg.to, "2024-12");
    assert_eq!(r.raw.len(), 4);
    assert!(r.raw.iter().all(|t| t.total == want.total));
    let by_cat: i64 = r.raw[0].cells.iter().flatten().sum();
    assert_eq!(by_cat, want.total);
    // The shared total is hidden in every table or in none.
    let hidden: Vec<bool> = r.tables.iter().map(|t| t.total.is_none()).collect();
    assert!(hidden.iter().all(|h| *h == hidden[0]), "{hidden:?}");
    assert_eq!(hidden[0], want.total > 0 && want.total < 5);
}

async fn browser_as(db: &TestDb, role: Role) -> (Browser, vigil_store::User) {
    let user = db.user(role).await;
    let mut b = Browser::new(db);
    let res = b.login(&user.username, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    (b, user)
}
