//! Statistics, SDG 16.10.1 and rates: known answers on a hand-built data set (several
//! victims in one incident, dates known to the month or year only, unverified and
//! rejected incidents, a person in two groups, state and non-state perpetrators) on
//! both engines; compartments and aggregate-only membership; the page, the API (JSON
//! and CSV) and the command line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;

use vigil_domain::model::*;
use vigil_domain::stats::*;
use vigil_domain::Role;
use vigil_store::compartments::DEFAULT_COMPARTMENT;
use vigil_store::{Access, Actor, Level};

use crate::support::{self, backend_tests, TestDb};

backend_tests!(
    statistics_known_answers,
    sdg_16_10_1_known_answers,
    rates_known_answers,
    statistics_respect_compartments_and_aggregate_only,
    the_tally_and_the_records_count_alike,
    violation_and_victim_tallies_and_the_records_count_alike,
    rebuilt_tallies_are_what_the_triggers_kept,
);

fn person(sex: &str, birth: Option<i32>, sdg: &str, chars: &[&str]) -> PersonInput {
    PersonInput {
        sex: sex.into(),
        birth_year: birth,
        sdg_group: sdg.into(),
        characteristics: chars.iter().map(|c| (*c).to_owned()).collect(),
        sectors: vec!["journalism_media".into()],
        ..support::defender("Name Withheld")
    }
}

fn violation(t: &str, victim: VictimRef, perps: &[&str]) -> ViolationInput {
    ViolationInput {
        violation_type: t.into(),
        victim: Some(victim),
        perpetrators: perps
            .iter()
            .map(|p| PerpetratorInput {
                perpetrator_type: (*p).into(),
                person_id: None,
                group_id: None,
            })
            .collect(),
        ..Default::default()
    }
}

fn incident(
    title: &str,
    date: &str,
    country: &str,
    status: IncidentStatus,
    violations: Vec<ViolationInput>,
) -> IncidentInput {
    let source = |origin: &str, t: &str| SourceInput {
        source_type: t.into(),
        reliability: "high".into(),
        origin: origin.into(),
        description: String::new(),
    };
    IncidentInput {
        title: title.into(),
        start_date: date.into(),
        country: country.into(),
        status: Some(status),
        violations,
        sources: vec![
            source("Brother of the victim", "relative"),
            source("Radio Nasa", "media"),
        ],
        ..Default::default()
    }
}

/// The data set (see each line for what it tests):
/// - A: female, born 1990, journalist, indigenous **and** community leader.
/// - B: male, born 2010, human rights defender, indigenous.
/// - C: female, no birth year, no SDG group.
/// - D: male, born 1960, trade unionist.
/// - G: a group.
///
/// | incident | date | country | status | violations |
/// |---|---|---|---|---|
/// | I1 | 2024-03-15 | CO | verified | killing A (hired killers), torture B (police), threat G (none) |
/// | I2 | 2024 (year) | CO | verified | arbitrary detention A (police), judicial harassment A (judiciary) |
/// | I3 | 2024-07 (month) | MX | under verification | killing D (military) |
/// | I4 | 2023-11-02 | BR | rejected | killing C (police) |
/// | I5 | 2025-02-10 | MX | reported | threat C (company), kidnapping D (organised crime) |
async fn data_set(a: &Access) {
    let p = |i: PersonInput| async move { a.create_person(&i).await.expect("person").id };
    let pa = p(person(
        "female",
        Some(1990),
        "journalist",
        &["indigenous", "community_leader"],
    ))
    .await;
    let pb = p(person(
        "male",
        Some(2010),
        "human_rights_defender",
        &["indigenous"],
    ))
    .await;
    let pc = p(person("female", None, "", &[])).await;
    let pd = p(person("male", Some(1960), "trade_unionist", &[])).await;
    let g = support::create_group(a, "Guardia Indígena").await.id;
    let (va, vb, vc, vd, vg) = (
        VictimRef::Person(pa),
        VictimRef::Person(pb),
        VictimRef::Person(pc),
        VictimRef::Person(pd),
        VictimRef::Group(g),
    );
    use IncidentStatus::*;
    for i in [
        incident(
            "I1",
            "2024-03-15",
            "CO",
            Verified,
            vec![
                violation("killing", va, &["hired_killers"]),
                violation("torture", vb, &["police"]),
                violation("threat", vg, &[]),
            ],
        ),
        incident(
            "I2",
            "2024",
            "CO",
            Verified,
            vec![
                violation("arbitrary_detention", va, &["police"]),
                violation("judicial_harassment", va, &["judiciary"]),
            ],
        ),
        incident(
            "I3",
            "2024-07",
            "MX",
            UnderVerification,
            vec![violation("killing", vd, &["military"])],
        ),
        incident(
            "I4",
            "2023-11-02",
            "BR",
            Rejected,
            vec![violation("killing", vc, &["police"])],
        ),
        incident(
            "I5",
            "2025-02-10",
            "MX",
            Reported,
            vec![
                violation("threat", vc, &["company"]),
                violation("kidnapping", vd, &["organised_crime"]),
            ],
        ),
    ] {
        a.create_incident(&i).await.expect("create incident");
    }
}

fn params(measure: &str, by: &str, by2: &str) -> StatsParams {
    StatsParams {
        measure: measure.into(),
        by: by.into(),
        by2: by2.into(),
        ..Default::default()
    }
}

async fn count(a: &Access, p: StatsParams) -> StatsTable {
    let vocab = a.vocabularies().await.unwrap();
    let q = p.parse(&vocab).expect("valid query");
    a.statistics(&q).await.expect("statistics")
}

/// `(keys joined by "/", count)` of every row, for readable comparisons.
fn rows(t: &StatsTable) -> Vec<(String, i64)> {
    t.rows.iter().map(|r| (r.keys.join("/"), r.count)).collect()
}

fn pairs(v: &[(&str, i64)]) -> Vec<(String, i64)> {
    v.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
}

async fn statistics_known_answers(db: TestDb) {
    let a = db.access(Role::Admin).await;
    data_set(&a).await;
    let analyst = db.access(Role::Analyst).await;

    // Rejected I4 is never counted.
    let t = count(&analyst, params("incidents", "", "")).await;
    assert_eq!(t.total, 4, "{}", db.backend_name);
    assert!(t.rows.is_empty());
    assert_eq!(count(&analyst, params("violations", "", "")).await.total, 8);
    // A victim is one person or group per incident: A counts in I1 and in I2.
    assert_eq!(count(&analyst, params("victims", "", "")).await.total, 7);

    let t = count(&analyst, params("incidents", "year", "")).await;
    assert_eq!(rows(&t), pairs(&[("2024", 3), ("2025", 1)]));
    // I2 is known to the year only: in 2024, in no month ("" = month unknown, last).
    let t = count(&analyst, params("incidents", "month", "")).await;
    assert_eq!(
        rows(&t),
        pairs(&[("2024-03", 1), ("2024-07", 1), ("2025-02", 1), ("", 1)])
    );
    let t = count(&analyst, params("incidents", "year", "country")).await;
    assert_eq!(
        rows(&t),
        pairs(&[("2024/CO", 2), ("2024/MX", 1), ("2025/MX", 1)])
    );
    let t = count(&analyst, params("victims", "region", "")).await;
    assert_eq!(rows(&t), pairs(&[("019", 7)]));
    let t = count(&analyst, params("incidents", "subregion", "")).await;
    assert_eq!(rows(&t), pairs(&[("005", 2), ("013", 2)]));

    // An incident with two violation types of one verb counts once under it.
    let t = count(&analyst, params("incidents", "verb", "")).await;
    assert_eq!(
        rows(&t),
        pairs(&[("killing", 2), ("criminalisation", 1), ("", 2)])
    );
    let t = count(&analyst, params("incidents", "state_actor", "")).await;
    assert_eq!(
        rows(&t),
        pairs(&[("state", 3), ("non_state", 2), ("unknown", 1)])
    );
    let t = count(&analyst, params("violations", "perpetrator_type", "")).await;
    assert_eq!(t.get("police"), 2);
    assert_eq!(t.get(""), 1, "the threat against G has no perpetrator");

    // A person in two groups counts in both; the distinct total stays 7.
    let t = count(&analyst, params("victims", "characteristic", "")).await;
    assert_eq!(
        rows(&t),
        pairs(&[("indigenous", 3), ("community_leader", 2), ("", 4)])
    );
    assert_eq!(t.total, 7);
    let t = count(&analyst, params("victims", "sex", "")).await;
    assert_eq!(rows(&t), pairs(&[("female", 3), ("male", 3), ("", 1)]));
    let t = count(&analyst, params("victims", "age_group", "")).await;
    assert_eq!(
        rows(&t),
        pairs(&[("30_44", 2), ("60_plus", 2), ("under_18", 1), ("", 2)])
    );
    let t = count(&analyst, params("victims", "sdg_group", "status")).await;
    assert_eq!(t.cell("journalist", "verified"), 2);
    assert_eq!(t.cell("trade_unionist", "under_verification"), 1);
    assert_eq!(t.cell("trade_unionist", "reported"), 1);
    assert_eq!(t.cell("", "reported"), 1);
    let t = count(&analyst, params("incidents", "status", "")).await;
    assert_eq!(t.get("rejected"), 0);

    // Filters.
    let mut p = params("incidents", "", "");
    p.status = "verified".into();
    assert_eq!(count(&analyst, p).await.total, 2);
    let mut p = params("violations", "", "");
    p.violation_type = "killing".into();
    assert_eq!(
        count(&analyst, p).await.total,
        2,
        "only killings are counted"
    );
    let mut p = params("victims", "", "");
    p.sex = "female".into();
    p.country = "Colombia".into();
    assert_eq!(count(&analyst, p).await.total, 2);
    let mut p = params("incidents", "", "");
    p.state_actor = "non_state".into();
    assert_eq!(count(&analyst, p).await.total, 2);
    let mut p = params("victims", "", "");
    p.characteristic = "indigenous".into();
    assert_eq!(count(&analyst, p).await.total, 3);
    // A period holds a date only when it holds the whole of it: I2 ("2024") is not
    // inside March–December 2024, but is inside 2024.
    let mut p = params("incidents", "", "");
    p.from = "2024-03".into();
    p.to = "2024-12".into();
    assert_eq!(count(&analyst, p.clone()).await.total, 2);
    p.from = "2024".into();
    p.to = "2024".into();
    assert_eq!(count(&analyst, p).await.total, 3);

    // Bad input names the field, and nothing is counted.
    let vocab = analyst.vocabularies().await.unwrap();
    let e = StatsParams {
        by: "colour".into(),
        to: "2024-99".into(),
        ..Default::default()
    }
    .parse(&vocab)
    .unwrap_err();
    let fields: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
    assert_eq!(fields, vec!["by", "to"]);
}

fn month(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, 1).unwrap()
}

async fn sdg_16_10_1_known_answers(db: TestDb) {
    let a = db.access(Role::Admin).await;
    data_set(&a).await;
    let analyst = db.access(Role::Analyst).await;
    let r = analyst
        .sdg_16_10_1(Period::twelve_months(month(2024, 1)), None)
        .await
        .unwrap();
    // Verified only (I3's killing and I5's kidnapping are not), persons with an SDG
    // group only (not G), the five categories only (not threats or harassment).
    assert_eq!(r.total, 3, "{}", db.backend_name);
    assert_eq!(r.category("killing"), 1);
    assert_eq!(r.category("torture"), 1);
    assert_eq!(r.category("arbitrary_detention"), 1);
    assert_eq!(r.category("kidnapping"), 0);
    assert_eq!(r.category("enforced_disappearance"), 0);
    assert_eq!(line(&r.by_group, "journalist"), 2);
    assert_eq!(line(&r.by_group, "human_rights_defender"), 1);
    assert_eq!(line(&r.by_sex, "female"), 2);
    assert_eq!(line(&r.by_sex, "male"), 1);
    assert_eq!(line(&r.by_perpetrator, "state"), 2);
    assert_eq!(line(&r.by_perpetrator, "non_state"), 1);
    assert_eq!(line(&r.by_perpetrator, "unknown"), 0);
    assert_eq!(line(&r.by_country, "CO"), 3);
    for d in [
        &r.by_category,
        &r.by_group,
        &r.by_sex,
        &r.by_perpetrator,
        &r.by_country,
    ] {
        assert_eq!(d.iter().map(|l| l.count).sum::<i64>(), r.total);
    }
    // April 2024 – March 2025 holds neither 15 March 2024 nor the whole of 2024.
    let r = analyst
        .sdg_16_10_1(Period::twelve_months(month(2024, 4)), None)
        .await
        .unwrap();
    assert_eq!(r.total, 0);
    // One country.
    let r = analyst
        .sdg_16_10_1(Period::twelve_months(month(2024, 1)), Some("MX"))
        .await
        .unwrap();
    assert_eq!(r.total, 0);
}

async fn rates_known_answers(db: TestDb) {
    let a = db.access(Role::Admin).await;
    data_set(&a).await;
    let vocab = a.vocabularies().await.unwrap();
    let mut p = params("incidents", "", "");
    p.from = "2024".into();
    p.to = "2024".into();
    let r = a.rates(&p.parse(&vocab).unwrap()).await.unwrap();
    assert_eq!(r.total.days, 366);
    assert_eq!(r.total.count, 3);
    assert_eq!(r.total.every_days, Some(122.0));
    assert_eq!(r.years.len(), 1);
    // Open period: from 1 January of the first year counted (2024) to today (the
    // test clock: 2026-11-28).
    let r = a
        .rates(&params("violations", "", "").parse(&vocab).unwrap())
        .await
        .unwrap();
    assert_eq!(r.total.from, month(2024, 1));
    assert_eq!(r.total.to, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
    assert_eq!(r.total.count, 8);
    let years: Vec<(Option<i32>, i64)> = r.years.iter().map(|y| (y.year, y.count)).collect();
    assert_eq!(
        years,
        vec![(Some(2024), 6), (Some(2025), 2), (Some(2026), 0)]
    );
    assert_eq!(r.years[2].every_days, None);
}

async fn statistics_respect_compartments_and_aggregate_only(db: TestDb) {
    let admin = db.access(Role::Admin).await;
    data_set(&admin).await;
    // A second compartment with one incident, recorded by its own documenter.
    let secret = admin.create_compartment("Secret").await.unwrap();
    let doc = db.user(Role::Documenter).await;
    admin.add_member(secret, doc.id, Level::Full).await.unwrap();
    admin
        .remove_member(DEFAULT_COMPARTMENT, doc.id)
        .await
        .unwrap();
    let doc = db.access_for(&Actor::from(&doc));
    let v = doc
        .create_person(&person("female", Some(1980), "journalist", &[]))
        .await
        .unwrap();
    doc.create_incident(&incident(
        "Hidden killing of Zapotec reporter",
        "2024-05-05",
        "MX",
        IncidentStatus::Verified,
        vec![violation("killing", VictimRef::Person(v.id), &["police"])],
    ))
    .await
    .unwrap();

    let outsider = db.access(Role::Analyst).await;
    let counter = db.user(Role::Analyst).await;
    admin
        .add_member(secret, counter.id, Level::AggregateOnly)
        .await
        .unwrap();
    let counter = db.access_for(&Actor::from(&counter));

    // The team sees its one incident only; the outsider the four of General; the
    // aggregate-only analyst counts both compartments.
    assert_eq!(count(&doc, params("incidents", "", "")).await.total, 1);
    assert_eq!(count(&outsider, params("incidents", "", "")).await.total, 4);
    assert_eq!(count(&counter, params("incidents", "", "")).await.total, 5);
    let t = count(&counter, params("victims", "sex", "")).await;
    assert_eq!(t.get("female"), 4, "the hidden victim's sex is counted");
    let p = Period::twelve_months(month(2024, 1));
    assert_eq!(outsider.sdg_16_10_1(p, None).await.unwrap().total, 3);
    assert_eq!(counter.sdg_16_10_1(p, None).await.unwrap().total, 4);
    // … but never reads a record there (General's five, the rejected one included,
    // not Secret's), and a word search cannot look inside them.
    let list = counter.incidents(&Default::default()).await.unwrap();
    assert_eq!(list.total, 5);
    assert!(list.items.iter().all(|i| !i.title.contains("Zapotec")));
    let mut q = params("incidents", "", "");
    q.q = "Zapotec".into();
    assert_eq!(count(&counter, q.clone()).await.total, 0);
    assert_eq!(count(&doc, q).await.total, 1);
}

// ---------------------------------------------------------------- web, API, CLI

mod web {
    use super::*;
    use crate::web::Browser;
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    async fn signed_in(db: &TestDb, role: Role) -> Browser {
        let user = db.user(role).await;
        let mut b = Browser::new(db);
        b.login(&user.username, support::PASSWORD).await;
        assert!(b.has_session());
        b
    }

    struct Api {
        app: axum::Router,
        token: String,
    }

    struct Answer {
        status: StatusCode,
        body: String,
    }

    impl Api {
        async fn new(db: &TestDb, role: Role) -> Api {
            let u = db.user(role).await;
            let (_, token) = db.store.create_api_token(u.id, "t", None).await.unwrap();
            Api {
                app: vigil_web::router(db.store.clone(), vigil_web::WebConfig::default()),
                token,
            }
        }

        async fn get(&self, path: &str) -> Answer {
            let res = self
                .app
                .clone()
                .oneshot(
                    Request::get(path)
                        .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let status = res.status();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            Answer {
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
            }
        }
    }

    #[tokio::test]
    async fn the_page_counts_charts_and_states_its_rule() {
        let db = support::sqlite().await;
        let a = db.access(Role::Admin).await;
        data_set(&a).await;
        let mut b = signed_in(&db, Role::Analyst).await;
        let page = b.get("/statistics?measure=victims&by=characteristic").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.body.clone();
        assert!(html.contains("<svg class=\"chart\""), "bar chart");
        assert!(html.contains("Indigenous: 3"), "the bar's value");
        assert!(
            html.contains("<td class=\"num\">3</td>"),
            "the table beside it"
        );
        assert!(
            html.contains("One victim is one person or group"),
            "the rule"
        );
        assert!(html.contains("can add up to more than the distinct total"));
        assert!(html.contains("7 counted (each once)"));
        assert!(!html.contains("style="), "no inline style (CSP)");

        let page = b
            .get("/statistics?measure=incidents&by=year&by2=country")
            .await;
        let html = page.body.clone();
        assert_eq!(html.matches("<polyline").count(), 2, "a line per country");
        assert!(html.contains("Colombia, 2024: 2"));

        let page = b.get("/statistics?by=month").await;
        assert!(page
            .body
            .clone()
            .contains("Month unknown (date known to the year)"));

        let page = b.get("/statistics?by=colour&from=2024-13").await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert!(page.body.clone().contains("colour"));

        let csv = b.get("/statistics.csv?measure=incidents&by=year").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert_eq!(
            csv.body.clone(),
            "year,year_label,incidents\n2024,2024,3\n2025,2025,1\n,Total (distinct),4\n"
        );

        let page = b.get("/statistics/sdg-16-10-1?from=2024-01").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.body.clone();
        assert!(html.contains("3 verified cases"));
        assert!(html.contains("A case is one victim"));
        let csv = b
            .get("/statistics/sdg-16-10-1.csv?from=2024-01")
            .await
            .body
            .clone();
        assert!(csv.contains("category,killing,Killing,1"), "{csv}");
        assert!(csv.contains("perpetrator,state,State actor,2"), "{csv}");
    }

    #[tokio::test]
    async fn the_api_answers_json_and_csv() {
        let db = support::sqlite().await;
        let a = db.access(Role::Admin).await;
        data_set(&a).await;
        let b = Api::new(&db, Role::Viewer).await;
        let r = b.get("/api/v1/statistics?measure=victims&by=sex").await;
        assert_eq!(r.status, StatusCode::OK);
        let j: serde_json::Value = serde_json::from_str(&r.body.clone()).unwrap();
        assert_eq!(j["total"], 7);
        assert_eq!(j["measure"], "victims");
        assert_eq!(j["rows"][0]["keys"][0], "female");
        assert_eq!(j["rows"][0]["count"], 3);
        assert!(j["rule"].as_str().unwrap().contains("One victim"));
        assert_eq!(j["methodology"], "docs/methodology.md");

        let r = b.get("/api/v1/statistics.csv?by=verb").await;
        assert_eq!(
            r.body.clone(),
            "verb,verb_label,incidents\nkilling,Killing,2\ncriminalisation,Criminalisation,1\n,Unknown / not applicable,2\n,Total (distinct),4\n"
        );
        let r = b.get("/api/v1/statistics?by=year&by2=year").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.clone().contains("by2"));

        let r = b.get("/api/v1/statistics/rates?from=2024&to=2024").await;
        let j: serde_json::Value = serde_json::from_str(&r.body.clone()).unwrap();
        assert_eq!(j["total"]["every_days"], 122.0);

        let r = b.get("/api/v1/indicators/sdg-16-10-1?from=2024-01").await;
        let j: serde_json::Value = serde_json::from_str(&r.body.clone()).unwrap();
        assert_eq!(j["total"], 3);
        assert_eq!(j["from"], "2024-01-01");
        assert_eq!(j["to"], "2024-12-31");
        assert!(j["definition"].as_str().unwrap().contains("verified cases"));
        let r = b
            .get("/api/v1/indicators/sdg-16-10-1.csv?from=2024-01&country=CO")
            .await;
        assert!(r
            .body
            .clone()
            .starts_with("section,code,label,count\ntotal,2024-01-01/2024-12-31,"));
    }
}

mod cli {
    use super::*;
    use std::process::Command;

    fn vigil(args: &[&str]) -> (bool, String) {
        let o = Command::new(env!("CARGO_BIN_EXE_vigil"))
            .args(args)
            .env_remove("VIGIL_MASTER_KEY")
            .env_remove("VIGIL_DATA")
            .env("VIGIL_LOG", "warn")
            .env("VIGIL_NEW_PASSWORD", "a long admin password")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            o.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )
    }

    #[tokio::test]
    async fn vigil_stats_and_indicator_print_tables_csv_and_json() {
        let data = tempfile::tempdir().unwrap();
        let keys = tempfile::tempdir().unwrap();
        let key = keys.path().join("master.key");
        std::fs::write(&key, format!("{}\n", "5a".repeat(32))).unwrap();
        let d = data.path().join("vigil");
        let (d, k) = (d.to_str().unwrap(), key.to_str().unwrap());
        let (ok, out) = vigil(&["init", "--data", d, "--key-file", k]);
        assert!(ok, "{out}");
        let args = vigil::cli::DbArgs {
            data: Some(d.into()),
            database_url: None,
            key_file: Some(key.clone()),
        };
        let store = vigil::cli::open_store(&args, false, false).await.unwrap();
        let admin = store.users().await.unwrap().remove(0);
        data_set(&Access::new(store.clone(), Actor::from(&admin))).await;
        store.close().await;

        let db = ["--data", d, "--key-file", k];
        let (ok, out) = vigil(
            &[
                &["stats"],
                &db[..],
                &["--measure", "victims", "--by", "year", "--by", "country"],
            ]
            .concat(),
        );
        assert!(ok, "{out}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            ["Year", "Country", "Victims"]
        );
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>(),
            ["2024", "Colombia", "4"]
        );
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["2024", "Mexico", "1"]
        );
        assert_eq!(
            lines[3].split_whitespace().collect::<Vec<_>>(),
            ["2025", "Mexico", "2"]
        );
        assert!(lines[4].starts_with("Total (distinct)") && lines[4].ends_with(" 7"));
        assert!(out.contains("One victim is one person or group"));

        let (ok, out) =
            vigil(&[&["stats"], &db[..], &["--by", "month", "--format", "csv"]].concat());
        assert!(ok, "{out}");
        assert_eq!(
            out,
            "month,month_label,incidents\n2024-03,2024-03,1\n2024-07,2024-07,1\n2025-02,2025-02,1\n,Month unknown (date known to the year),1\n,Total (distinct),4\n"
        );

        let (ok, out) = vigil(
            &[
                &["stats"],
                &db[..],
                &[
                    "--by", "verb", "--format", "json", "--lang", "es", "--status", "verified",
                ],
            ]
            .concat(),
        );
        assert!(ok, "{out}");
        let j: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(j["total"], 2);
        assert!(j["rule"].as_str().unwrap().starts_with("Un incidente"));

        let (ok, out) = vigil(
            &[
                &["stats"],
                &db[..],
                &[
                    "--rates", "--from", "2024", "--to", "2024", "--format", "csv",
                ],
            ]
            .concat(),
        );
        assert!(ok, "{out}");
        assert!(
            out.contains("all,2024-01-01,2024-12-31,366,3,122,3"),
            "{out}"
        );

        let (ok, out) = vigil(
            &[
                &["indicator", "sdg-16-10-1"],
                &db[..],
                &["--from", "2024-01"],
            ]
            .concat(),
        );
        assert!(ok, "{out}");
        assert!(out.contains("3 verified cases"), "{out}");
        assert!(out.contains("State actor"));
        let (ok, out) = vigil(
            &[
                &["indicator", "sdg-16-10-1"],
                &db[..],
                &["--from", "2024-01", "--format", "csv"],
            ]
            .concat(),
        );
        assert!(ok, "{out}");
        assert!(out.contains("category,torture,Torture,1"), "{out}");

        // Bad options name what is wrong and change nothing.
        let (ok, out) = vigil(&[&["stats"], &db[..], &["--by", "colour"]].concat());
        assert!(!ok);
        assert!(out.contains("--by: Unknown value “colour”"), "{out}");
        let (ok, out) = vigil(
            &[
                &["stats"],
                &db[..],
                &["--by", "year", "--by", "sex", "--by", "country"],
            ]
            .concat(),
        );
        assert!(!ok && out.contains("at most two"), "{out}");
        let (ok, out) = vigil(
            &[
                &["indicator", "sdg-16-10-1"],
                &db[..],
                &["--from", "January"],
            ]
            .concat(),
        );
        assert!(!ok && out.contains("from"), "{out}");
    }
}

/// Incident counts by year, month, country, M49 area and status are summed from
/// `incident_tally` (kept by triggers); with a period the same question is counted
/// from the records. Both must agree, also after records change.
async fn the_tally_and_the_records_count_alike(db: TestDb) {
    let a = db.access(Role::Admin).await;
    data_set(&a).await;
    let analyst = db.access(Role::Analyst).await;
    let p = a
        .create_person(&person("male", None, "", &[]))
        .await
        .unwrap()
        .id;
    let moved = a
        .create_incident(&incident(
            "I6",
            "2022-05",
            "PE",
            IncidentStatus::Reported,
            vec![violation("threat", VictimRef::Person(p), &[])],
        ))
        .await
        .unwrap();
    let compare = |label: &'static str| {
        let analyst = analyst.clone();
        async move {
            for (by, by2) in [
                ("", ""),
                ("year", ""),
                ("month", ""),
                ("year", "country"),
                ("country", "status"),
                ("region", "year"),
                ("subregion", "status"),
            ] {
                for (country, status) in [("", ""), ("Mexico", ""), ("", "reported")] {
                    let mut tally = params("incidents", by, by2);
                    tally.country = country.into();
                    tally.status = status.into();
                    let mut records = tally.clone();
                    // A period takes the question to the records (all dates are later).
                    records.from = "1900".into();
                    let (t, r) = (count(&analyst, tally).await, count(&analyst, records).await);
                    assert_eq!(
                        (rows(&t), t.total),
                        (rows(&r), r.total),
                        "{label}: by {by}/{by2}, country {country:?}, status {status:?}"
                    );
                }
            }
        }
    };
    compare("as created").await;
    // Moving an incident to another country, year, precision and status moves it in
    // the tally too; rejecting it takes it out.
    let mut changed = incident(
        "I6",
        "2024",
        "MX",
        IncidentStatus::UnderVerification,
        vec![violation("threat", VictimRef::Person(p), &[])],
    );
    a.update_incident(moved, 1, &changed).await.unwrap();
    compare("after an update").await;
    let t = count(&analyst, params("incidents", "year", "country")).await;
    assert_eq!(t.cell("2024", "MX"), 2, "{}", db.backend_name);
    assert_eq!(t.cell("2022", "PE"), 0);
    changed.status = Some(IncidentStatus::Rejected);
    a.update_incident(moved, 2, &changed).await.unwrap();
    compare("after rejecting it").await;
    assert_eq!(count(&analyst, params("incidents", "", "")).await.total, 4);
}

/// Run SQL on the store's engine in one transaction (changes the store's API has no
/// call for: deleting an incident, moving a person to another compartment).
async fn raw(db: &TestDb, sql: &str, args: &[vigil_store::Val]) {
    let mut tx = db.store.backend().begin().await.unwrap();
    tx.execute(sql, args).await.unwrap();
    tx.commit().await.unwrap();
}

/// Every non-empty cell of every tally, sorted, as text.
pub(crate) async fn tally_cells(db: &TestDb) -> Vec<String> {
    let mut out = Vec::new();
    for t in vigil_store::tally::TALLY_TABLES {
        for r in db
            .store
            .backend()
            .query(&format!("SELECT * FROM {t} WHERE n <> 0"), &[])
            .await
            .unwrap()
        {
            let cells: Vec<String> = r.0.iter().map(|v| format!("{v:?}")).collect();
            out.push(format!("{t}: {}", cells.join(" | ")));
        }
    }
    out.sort();
    out
}

/// The same question through the tallies and, with a period that holds every date
/// (which no tally answers), through the records.
async fn both_ways(a: &Access, p: StatsParams) -> (StatsTable, StatsTable) {
    let mut records = p.clone();
    records.from = "1900".into();
    (count(a, p).await, count(a, records).await)
}

/// Violation and victim counts by every pair of the dimensions the tallies keep, with
/// every filter they answer, through both paths, for a reader of one compartment and
/// for an aggregate-only reader of two.
async fn compare_violations_and_victims(readers: &[&Access], label: &str) {
    let pairs: &[(&str, &str)] = &[
        ("", ""),
        ("year", ""),
        ("violation_type", ""),
        ("verb", ""),
        ("year", "violation_type"),
        ("year", "verb"),
        ("month", "violation_type"),
        ("country", "status"),
        ("region", "verb"),
        ("subregion", "year"),
        ("verb", "violation_type"),
    ];
    // Each of the victims' tallies (sex, age group, SDG group, type, verb) and the
    // questions none answers (two properties of the victim, a property with a type or
    // verb, a month), which are counted from the records.
    let victim_pairs: &[(&str, &str)] = &[
        ("sex", ""),
        ("age_group", ""),
        ("sdg_group", ""),
        ("country", "sex"),
        ("year", "age_group"),
        ("status", "age_group"),
        ("country", "sdg_group"),
        ("region", "sdg_group"),
        ("sex", "age_group"),
        ("sex", "sdg_group"),
        ("sdg_group", "verb"),
        ("violation_type", "sex"),
        ("month", "sdg_group"),
        ("month", ""),
        ("age_group", "violation_type"),
    ];
    type Filter = fn(&mut StatsParams);
    let filters: &[(&str, Filter)] = &[
        ("none", |_| {}),
        ("country", |p| p.country = "Mexico".into()),
        ("status", |p| p.status = "verified".into()),
        ("year", |p| p.year = "2024".into()),
        ("type", |p| p.violation_type = "killing".into()),
        ("verb", |p| p.verb = "killing".into()),
        ("sex", |p| p.sex = "female".into()),
        ("sdg", |p| p.sdg_group = "journalist".into()),
        ("country and sex", |p| {
            p.country = "Mexico".into();
            p.sex = "male".into();
        }),
        ("status and type", |p| {
            p.status = "verified".into();
            p.violation_type = "threat".into();
        }),
    ];
    for (ri, a) in readers.iter().enumerate() {
        for measure in ["violations", "victims"] {
            let extra: &[(&str, &str)] = if measure == "victims" {
                victim_pairs
            } else {
                &[]
            };
            for (by, by2) in pairs.iter().chain(extra) {
                for (name, f) in filters {
                    if measure == "violations" && matches!(*name, "sex" | "sdg" | "country and sex")
                    {
                        continue;
                    }
                    let mut p = params(measure, by, by2);
                    f(&mut p);
                    let (t, r) = both_ways(a, p).await;
                    assert_eq!(
                        (rows(&t), t.total),
                        (rows(&r), r.total),
                        "{label}: reader {ri}, {measure} by {by}/{by2}, filter {name}"
                    );
                }
            }
        }
    }
}

/// Violations and victims are summed from `violation_tally`, `victim_sex_tally`,
/// `victim_age_tally`, `victim_sdg_tally`, `victim_type_tally` and `victim_verb_tally`
/// (migration 0021, kept by triggers); the records give
/// the same tables after every kind of change: incidents moved to another year,
/// country, compartment or status (rejected and back), violation types changed and
/// violations removed, a victim's sex and birth year changed, a person moved to
/// another compartment, an incident deleted, a violation type given a verb.
async fn violation_and_victim_tallies_and_the_records_count_alike(db: TestDb) {
    let a = db.access(Role::Admin).await;
    data_set(&a).await;
    let secret = a.create_compartment("Secret").await.unwrap();
    // The analyst counts General; the counter counts General and, aggregate-only, Secret.
    let analyst = db.access(Role::Analyst).await;
    let counter = db.user(Role::Analyst).await;
    a.add_member(secret, counter.id, Level::AggregateOnly)
        .await
        .unwrap();
    let counter = db.access_for(&Actor::from(&counter));
    let readers = [&analyst, &counter];

    // One victim with two violation types of one verb (killing, attempted killing) and
    // two threats; a group; another person.
    let e = a
        .create_person(&person("female", Some(2000), "journalist", &[]))
        .await
        .unwrap();
    let f = a
        .create_person(&person("male", Some(1950), "trade_unionist", &[]))
        .await
        .unwrap();
    let g = support::create_group(&a, "Sindicato").await.id;
    let (ve, vf, vg) = (
        VictimRef::Person(e.id),
        VictimRef::Person(f.id),
        VictimRef::Group(g),
    );
    let mut i6 = incident(
        "I6",
        "2022-05",
        "PE",
        IncidentStatus::Reported,
        vec![
            violation("killing", ve, &[]),
            violation("attempted_killing", ve, &["police"]),
            violation("threat", ve, &[]),
            violation("threat", ve, &[]),
            violation("arbitrary_detention", vf, &[]),
            violation("threat", vg, &[]),
        ],
    );
    let moved = a.create_incident(&i6).await.unwrap();
    let doomed = a
        .create_incident(&incident(
            "I7",
            "2021-01-04",
            "MX",
            IncidentStatus::Verified,
            vec![violation("killing", vf, &[]), violation("torture", ve, &[])],
        ))
        .await
        .unwrap();
    compare_violations_and_victims(&readers, "as created").await;
    let t = count(&analyst, params("victims", "verb", "")).await;
    assert_eq!(
        t.get("killing"),
        4,
        "A (I1), D (I3), E once for two killing types (I6), F (I7): {}",
        db.backend_name
    );

    // Moved to another year, month precision, country and status; a type changed, a
    // violation removed.
    i6.start_date = "2024".into();
    i6.country = "MX".into();
    i6.status = Some(IncidentStatus::UnderVerification);
    i6.violations[1].violation_type = "torture".into();
    i6.violations.remove(3);
    a.update_incident(moved, 1, &i6).await.unwrap();
    compare_violations_and_victims(&readers, "after an update").await;
    i6.status = Some(IncidentStatus::Rejected);
    a.update_incident(moved, 2, &i6).await.unwrap();
    compare_violations_and_victims(&readers, "after rejecting it").await;
    assert_eq!(
        count(&analyst, params("violations", "", "")).await.total,
        10,
        "I1–I3, I5 and I7 (I4 and I6 rejected)"
    );
    i6.status = Some(IncidentStatus::UnderVerification);
    a.update_incident(moved, 3, &i6).await.unwrap();
    compare_violations_and_victims(&readers, "after taking it back").await;

    // A victim's sex and birth year change every incident they are a victim in.
    let fe = person("male", Some(1980), "human_rights_defender", &[]);
    a.update_person(e.id, e.version, &fe).await.unwrap();
    compare_violations_and_victims(&readers, "after a person changed").await;
    let t = count(&analyst, params("victims", "sex", "")).await;
    assert_eq!(
        t.get("male"),
        7,
        "B, D, E and F twice each: {}",
        db.backend_name
    );

    // A person moved to Secret: the analyst counts them as of unknown sex, the counter
    // still knows it.
    raw(
        &db,
        "UPDATE persons SET compartment_id = $1 WHERE id = $2",
        &[secret.into(), f.id.into()],
    )
    .await;
    compare_violations_and_victims(&readers, "after a person moved compartment").await;
    let (t, c) = (
        count(&analyst, params("victims", "sex", "")).await,
        count(&counter, params("victims", "sex", "")).await,
    );
    assert_eq!((t.get("male"), c.get("male")), (5, 7));
    // An incident moved to Secret: only the counter counts it.
    raw(
        &db,
        "UPDATE incidents SET compartment_id = $1 WHERE id = $2",
        &[secret.into(), moved.into()],
    )
    .await;
    compare_violations_and_victims(&readers, "after an incident moved compartment").await;

    // An incident deleted takes its violations and victims with it.
    raw(&db, "DELETE FROM incidents WHERE id = $1", &[doomed.into()]).await;
    compare_violations_and_victims(&readers, "after deleting an incident").await;

    // A violation whose type is not (yet) in the vocabulary has no verb; once the type
    // is added with one, its victims count under it.
    raw(
        &db,
        "INSERT INTO violations (incident_id, position, violation_type, victim_person_id, date, date_precision) VALUES ($1, 9, 'land_grab_killing', $2, '2024-03-15', 'day')",
        &[moved.into(), e.id.into()],
    )
    .await;
    compare_violations_and_victims(&readers, "with a type outside the vocabulary").await;
    let mut term = vigil_domain::vocab::Term {
        kind: vigil_domain::vocab::VocabKind::ViolationType,
        code: "land_grab_killing".into(),
        label_en: "Killing over land".into(),
        label_es: "Asesinato por tierras".into(),
        builtin: false,
        attrs: Default::default(),
    };
    term.attrs.verb = Some(vigil_domain::vocab::ResolutionVerb::Killing);
    a.add_term(term).await.unwrap();
    compare_violations_and_victims(&readers, "after the type got a verb").await;
}

/// `tally::rebuild_tallies` counts from the records exactly what the triggers kept
/// (after creates, updates and deletes), on both engines; the statistics are summed
/// from the tallies (a tampered tally changes the answer; the rebuild puts it right);
/// the tally triggers can be set aside and put back.
async fn rebuilt_tallies_are_what_the_triggers_kept(db: TestDb) {
    use vigil_store::tally::{
        drop_tally_triggers, rebuild_tallies, restore_tally_triggers, TALLY_TRIGGERS,
    };
    let a = db.access(Role::Admin).await;
    data_set(&a).await;
    let analyst = db.access(Role::Analyst).await;
    let p = a
        .create_person(&person("female", Some(1999), "journalist", &[]))
        .await
        .unwrap();
    let mut i = incident(
        "I6",
        "2023-02",
        "PE",
        IncidentStatus::Reported,
        vec![
            violation("killing", VictimRef::Person(p.id), &[]),
            violation("threat", VictimRef::Person(p.id), &[]),
        ],
    );
    let id = a.create_incident(&i).await.unwrap();
    // Another country and another month of the same year.
    i.country = "CO".into();
    i.start_date = "2023-07-09".into();
    i.violations.pop();
    a.update_incident(id, 1, &i).await.unwrap();
    let q = person("male", Some(1970), "", &[]);
    a.update_person(p.id, p.version, &q).await.unwrap();
    // I2, the one incident dated to the year only.
    raw(
        &db,
        "DELETE FROM incidents WHERE start_precision = 'year'",
        &[],
    )
    .await;

    let kept = tally_cells(&db).await;
    assert!(kept.iter().any(|c| c.starts_with("victim_verb_tally: ")));
    let dialect = db.store.dialect();
    let mut tx = db.store.backend().begin().await.unwrap();
    rebuild_tallies(&mut *tx, dialect).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(tally_cells(&db).await, kept, "{}", db.backend_name);

    // Each tally is what its questions are summed from.
    let with = |mut p: StatsParams, f: fn(&mut StatsParams)| {
        f(&mut p);
        p
    };
    let questions = [
        ("incident_tally", params("incidents", "year", "")),
        ("incident_tally", params("incidents", "month", "")),
        ("violation_tally", params("violations", "year", "")),
        ("violation_tally", params("violations", "country", "verb")),
        ("victim_sex_tally", params("victims", "year", "")),
        ("victim_sex_tally", params("victims", "country", "sex")),
        (
            "victim_sex_tally",
            with(params("victims", "year", ""), |p| p.sex = "male".into()),
        ),
        ("victim_age_tally", params("victims", "age_group", "")),
        ("victim_age_tally", params("victims", "year", "age_group")),
        ("victim_sdg_tally", params("victims", "sdg_group", "status")),
        (
            "victim_sdg_tally",
            with(params("victims", "country", ""), |p| {
                p.sdg_group = "journalist".into()
            }),
        ),
        ("victim_type_tally", params("victims", "violation_type", "")),
        (
            "victim_type_tally",
            with(params("victims", "year", ""), |p| {
                p.violation_type = "killing".into()
            }),
        ),
        ("victim_verb_tally", params("victims", "verb", "")),
        ("victim_verb_tally", params("victims", "year", "verb")),
        (
            "victim_verb_tally",
            with(params("victims", "country", ""), |p| {
                p.verb = "killing".into()
            }),
        ),
    ];
    for (table, question) in questions {
        let before = count(&analyst, question.clone()).await;
        raw(&db, &format!("UPDATE {table} SET n = n + 1000"), &[]).await;
        let tampered = count(&analyst, question.clone()).await;
        assert_ne!(rows(&tampered), rows(&before), "{table} is summed from");
        let mut tx = db.store.backend().begin().await.unwrap();
        rebuild_tallies(&mut *tx, dialect).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(rows(&count(&analyst, question).await), rows(&before));
    }
    // Questions no tally answers are counted from the records: every tally tampered
    // changes nothing.
    let fallbacks = [
        params("violations", "month", ""),
        params("violations", "month", "violation_type"),
        params("victims", "month", ""),
        params("victims", "sex", "age_group"),
        params("victims", "sdg_group", "sex"),
        params("victims", "violation_type", "sex"),
        params("victims", "verb", "age_group"),
        with(params("victims", "age_group", ""), |p| {
            p.sex = "male".into()
        }),
        with(params("victims", "sex", ""), |p| p.verb = "killing".into()),
        with(params("victims", "sdg_group", ""), |p| {
            p.violation_type = "killing".into()
        }),
        with(params("violations", "year", ""), |p| p.sex = "male".into()),
    ];
    let mut before = Vec::new();
    for q in &fallbacks {
        let t = count(&analyst, q.clone()).await;
        before.push((rows(&t), t.total));
    }
    assert!(before.iter().all(|(r, _)| !r.is_empty()));
    for t in vigil_store::tally::TALLY_TABLES {
        raw(&db, &format!("UPDATE {t} SET n = n + 1000"), &[]).await;
    }
    for (q, b) in fallbacks.iter().zip(&before) {
        let t = count(&analyst, q.clone()).await;
        assert_eq!(&(rows(&t), t.total), b, "{q:?} is counted from the records");
    }
    let mut tx = db.store.backend().begin().await.unwrap();
    rebuild_tallies(&mut *tx, dialect).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(tally_cells(&db).await, kept, "{}", db.backend_name);

    // Set aside, the triggers keep nothing; put back and rebuilt, all is exact again.
    let mut tx = db.store.backend().begin().await.unwrap();
    let saved = drop_tally_triggers(&mut *tx, dialect).await.unwrap();
    assert_eq!(saved.len(), TALLY_TRIGGERS.len(), "{}", db.backend_name);
    tx.commit().await.unwrap();
    a.create_incident(&incident(
        "I8",
        "2025-06-01",
        "CO",
        IncidentStatus::Verified,
        vec![violation("torture", VictimRef::Person(p.id), &[])],
    ))
    .await
    .unwrap();
    assert_eq!(
        tally_cells(&db).await,
        kept,
        "nothing kept without the triggers"
    );
    let mut tx = db.store.backend().begin().await.unwrap();
    restore_tally_triggers(&mut *tx, &saved).await.unwrap();
    rebuild_tallies(&mut *tx, dialect).await.unwrap();
    tx.commit().await.unwrap();
    let after = tally_cells(&db).await;
    assert_ne!(after, kept);
    // The triggers are back: a change is kept, and equals a rebuild.
    a.create_incident(&incident(
        "I9",
        "2025-07-01",
        "MX",
        IncidentStatus::Verified,
        vec![violation("killing", VictimRef::Person(p.id), &[])],
    ))
    .await
    .unwrap();
    let kept = tally_cells(&db).await;
    assert_ne!(kept, after);
    let mut tx = db.store.backend().begin().await.unwrap();
    rebuild_tallies(&mut *tx, dialect).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(tally_cells(&db).await, kept);
    let (t, r) = both_ways(&analyst, params("victims", "year", "verb")).await;
    assert_eq!((rows(&t), t.total), (rows(&r), r.total));
}
