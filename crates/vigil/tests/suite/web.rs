//! The router driven in-process: login, CSRF, security headers, the no-JavaScript
//! incident form (adding rows, validation errors, saving), redaction for viewers on
//! every page, language negotiation, history, export — and the at-rest canary test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

use vigil_domain::Role;
use vigil_web::WebConfig;

use crate::support::{self, TestDb, PASSWORD};

/// A browser without JavaScript: keeps cookies, sends forms.
pub struct Browser {
    app: Router,
    cookies: HashMap<String, String>,
    pub lang: Option<&'static str>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field")
            + 19;
        self.body[at..].split('"').next().unwrap().to_owned()
    }
}

impl Browser {
    pub fn new(db: &TestDb) -> Self {
        Browser {
            app: vigil_web::router(db.store.clone(), WebConfig::default()),
            cookies: HashMap::new(),
            lang: None,
        }
    }

    /// A browser on a router built elsewhere (another store or configuration).
    pub fn on(app: Router) -> Self {
        Browser {
            app,
            cookies: HashMap::new(),
            lang: None,
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, req: Request<Body>) -> Page {
        let res: Response<Body> = self.app.clone().oneshot(req).await.unwrap();
        for c in res.headers().get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let mut req = Request::get(path).header(header::COOKIE, self.cookie_header());
        if let Some(l) = self.lang {
            req = req.header(header::ACCEPT_LANGUAGE, l);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(form).unwrap();
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Log in through the login form.
    pub async fn login(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = form.csrf();
        self.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    pub fn has_session(&self) -> bool {
        self.cookies.contains_key("vigil_session")
    }
}

async fn signed_in(db: &TestDb, role: Role) -> Browser {
    let user = db.user(role).await;
    let mut b = Browser::new(db);
    let res = b.login(&user.username, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(b.has_session());
    b
}

fn assert_security_headers(p: &Page) {
    let h = |n: &str| {
        p.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let csp = h("content-security-policy");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("http"),
        "{csp}"
    );
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("referrer-policy"), "no-referrer");
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let db = support::sqlite().await;
    let mut anon = Browser::new(&db);
    for path in [
        "/login",
        "/static/style.css",
        "/healthz",
        "/incidents",
        "/nowhere",
    ] {
        assert_security_headers(&anon.get(path).await);
    }
    let mut b = signed_in(&db, Role::Documenter).await;
    for path in [
        "/",
        "/incidents",
        "/incidents/new",
        "/nowhere",
        "/incidents/999",
    ] {
        assert_security_headers(&b.get(path).await);
    }
    let res = b.post("/logout", &[("csrf", "wrong")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_security_headers(&res);
}

#[tokio::test]
async fn pages_need_a_session_and_logout_ends_it() {
    let db = support::sqlite().await;
    let mut anon = Browser::new(&db);
    let res = anon.get("/incidents?country=CO").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/login?next=/incidents%3Fcountry%3DCO");
    assert_eq!(anon.get("/healthz").await.status, StatusCode::OK);

    let mut b = signed_in(&db, Role::Viewer).await;
    assert_eq!(b.get("/incidents").await.status, StatusCode::OK);
    let csrf = b.get("/").await.csrf();
    let out = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!b.has_session());
    assert_eq!(b.get("/incidents").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn login_is_generic_on_failure_and_sets_a_strict_cookie() {
    let db = support::sqlite().await;
    let user = db.user(Role::Documenter).await;
    let mut b = Browser::new(&db);
    let wrong = b.login(&user.username, "not the password at all").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let unknown = b.login("nobody-here", "not the password at all").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong username or password"));
    assert!(unknown.body.contains("Wrong username or password"));

    // The login form itself is CSRF-protected (pre-session token).
    let _ = b.get("/login").await;
    let res = b
        .post(
            "/login",
            &[("username", &user.username), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(!b.has_session());

    let form = b.get("/login").await;
    let res = b
        .post(
            "/login",
            &[
                ("csrf", &form.csrf()),
                ("username", &user.username),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/", "an off-site next is ignored");
    let set = res
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    let session = set
        .iter()
        .find(|c| c.starts_with("vigil_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );
}

#[tokio::test]
async fn secure_deployments_use_host_prefixed_secure_cookies() {
    let db = support::sqlite().await;
    let user = db.user(Role::Viewer).await;
    let mut b = Browser {
        app: vigil_web::router(
            db.store.clone(),
            WebConfig {
                secure_cookies: true,
                demo: false,
                ..WebConfig::default()
            },
        ),
        cookies: HashMap::new(),
        lang: None,
    };
    let res = b.login(&user.username, PASSWORD).await;
    let set = res
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert!(
        set.iter()
            .any(|c| c.starts_with("__Host-vigil_session=") && c.contains("Secure")),
        "{set:?}"
    );
}

#[tokio::test]
async fn state_changes_without_the_csrf_token_are_refused_and_change_nothing() {
    let db = support::sqlite().await;
    let a = db.access(Role::Documenter).await;
    let person = support::create_person(&a, "Ana Pérez").await;
    let mut b = signed_in(&db, Role::Documenter).await;
    let before = db.counts().await;
    let form = [
        ("title", "Forged"),
        ("start_date", "2024-01-01"),
        ("country", "CO"),
        ("v0_type", "threat"),
        ("v0_victim", person.code.as_str()),
        ("action", "save"),
    ];
    let res = b.post("/incidents/new", &form).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let mut forged = form.to_vec();
    forged.push(("csrf", "0000"));
    assert_eq!(
        b.post("/incidents/new", &forged).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(db.counts().await, before);
}

#[tokio::test]
async fn the_incident_form_works_without_javascript() {
    let db = support::sqlite().await;
    let a = db.access(Role::Documenter).await;
    let victim = support::create_person(&a, "Efraín Yule").await;
    let brother = support::create_person(&a, "Julio Yule").await;
    let community = support::create_group(&a, "Resguardo Nasa de Toribío").await;
    let mut b = signed_in(&db, Role::Documenter).await;

    let form = b.get("/incidents/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"v0_type\""));
    assert!(!form.body.contains("name=\"v1_type\""));
    let csrf = form.csrf();

    // "Add another violation" comes back with a second row, keeping what was typed.
    let mut fields: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("title", "Indigenous land defender shot dead in Toribío"),
        (
            "narrative",
            "Shot by two men on a motorbike near the river.",
        ),
        ("start_date", "2024-03-15"),
        ("country", "Colombia"),
        ("region", "cauca"),
        ("locality", "Toribío"),
        ("business_sector", "agribusiness"),
        ("status", "under_verification"),
        ("v0_type", "killing"),
        ("v0_victim", victim.code.as_str()),
        ("v0_p0_type", "hired_killers"),
        ("s0_type", "relative"),
        ("s0_reliability", "high"),
        ("s0_origin", "Brother of the victim"),
    ];
    let mut add = fields.clone();
    add.push(("action", "add_violation"));
    let more = b.post("/incidents/new", &add).await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(more.body.contains("name=\"v1_type\""));
    assert!(more.body.contains("Indigenous land defender shot dead"));
    let mut add_source = fields.clone();
    add_source.push(("action", "add_source"));
    assert!(b
        .post("/incidents/new", &add_source)
        .await
        .body
        .contains("name=\"s1_type\""));

    // Errors are shown beside their fields and nothing is saved.
    let before = db.counts().await;
    let mut bad = fields.clone();
    bad.retain(|(k, _)| *k != "start_date" && *k != "country");
    bad.extend([
        ("start_date", "2024-13-40"),
        ("country", "Atlantis"),
        ("v1_type", "death_threat"),
        ("v1_victim", "HRD-1999-9999"),
        ("action", "save"),
    ]);
    let res = b.post("/incidents/new", &bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("aria-invalid=\"true\""));
    assert!(res.body.contains("is not a date"), "date error shown");
    assert!(res.body.contains("Unknown country"), "country error shown");
    assert!(
        res.body.contains("HRD-1999-9999"),
        "unknown victim code named"
    );
    assert!(
        res.body.contains("Indigenous land defender"),
        "typed values kept"
    );
    assert_eq!(db.counts().await, before, "nothing saved");

    // Two violations (one against a group, month precision) and two sources: saved.
    fields.extend([
        ("v1_type", "death_threat"),
        ("v1_victim", brother.code.as_str()),
        ("v1_date", "2024-02"),
        ("v2_type", "threat"),
        ("v2_victim", community.code.as_str()),
        ("v2_reprisal", "on"),
        ("s1_type", "media"),
        ("s1_reliability", "medium"),
        ("s1_origin", "Radio Nasa Estéreo"),
        ("action", "save"),
    ]);
    let saved = b.post("/incidents/new", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let url = saved.location().split('?').next().unwrap().to_owned();
    let page = b.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    for expected in [
        "Cauca",
        "Killing",
        "Death threat",
        "2024-02",
        "Hired killers",
        "Radio Nasa Estéreo",
        "Shot by two men",
        victim.code.as_str(),
        "Efraín Yule",
        "UN reprisal",
        "2 independent sources",
    ] {
        assert!(
            page.body.contains(expected),
            "{expected} missing from the incident page"
        );
    }
    assert_eq!(db.counts().await.0, before.0 + 1);

    // Edit: mark verified (two independent sources), which makes version 2.
    let edit = b.get(&format!("{url}/edit")).await;
    assert!(edit.body.contains("value=\"1\""), "version carried");
    let mut verify: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| *k != "status" && *k != "csrf")
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    verify.push(("status".into(), "verified".into()));
    verify.push(("version".into(), "1".into()));
    verify.push(("csrf".into(), edit.csrf()));
    let v: Vec<(&str, &str)> = verify
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let res = b.post(&format!("{url}/edit"), &v).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let history = b.get(&format!("{url}/history")).await;
    assert!(history.body.contains("status"), "changed field listed");
    assert!(history.body.contains("<td>2</td>"));

    // A stale edit (version 1 again) is refused, not silently applied.
    let stale = b.post(&format!("{url}/edit"), &v).await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Found by search (title word, accent-folded place, victim's group name).
    for q in ["defender", "toribio", "Nasa"] {
        let list = b.get(&format!("/incidents?q={q}")).await;
        assert!(list.body.contains("Indigenous land defender"), "search {q}");
    }
}

#[tokio::test]
async fn viewers_never_see_sensitive_fields_on_any_page() {
    let db = support::sqlite().await;
    let a = db.access(Role::Documenter).await;
    let s = support::seed(&a).await;
    let incident = a.incident(s.incident).await.unwrap();
    let narrative = incident.narrative.clone().unwrap();
    let secret_word = narrative
        .split_whitespace()
        .max_by_key(|w| w.len())
        .unwrap()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_owned();
    let legal_name = s.person.legal_name.clone().unwrap();

    for role in [Role::Viewer, Role::Analyst] {
        let mut b = signed_in(&db, role).await;
        let pages = [
            format!("/incidents/{}", s.incident),
            "/incidents".to_owned(),
            format!("/incidents?q={secret_word}"),
            format!(
                "/incidents?q={}",
                legal_name.split_whitespace().next().unwrap()
            ),
            format!("/incidents/{}/history", s.incident),
            format!("/persons/{}", s.person.id),
            "/persons".to_owned(),
        ];
        for p in &pages {
            let page = b.get(p).await;
            assert!(
                !page.body.contains(&narrative),
                "{role:?} sees the narrative on {p}"
            );
            assert!(
                !page.body.contains(&legal_name),
                "{role:?} sees the legal name on {p}"
            );
        }
        let hits = b.get(&format!("/incidents?q={secret_word}")).await;
        assert!(
            !hits.body.contains(&incident.title),
            "{role:?} finds by a narrative word"
        );
        let export = b.get("/incidents.csv").await;
        if role == Role::Viewer {
            assert_eq!(export.status, StatusCode::FORBIDDEN);
        } else {
            assert_eq!(export.status, StatusCode::OK);
            assert!(export.body.contains(&incident.title));
            assert!(!export.body.contains(&narrative) && !export.body.contains(&legal_name));
        }
        assert_eq!(b.get("/incidents/new").await.status, StatusCode::FORBIDDEN);
    }
    // The documenter does see them, and finds by them.
    let mut d = signed_in(&db, Role::Documenter).await;
    assert!(d
        .get(&format!("/incidents/{}", s.incident))
        .await
        .body
        .contains(&narrative));
    assert!(d
        .get(&format!("/incidents?q={secret_word}"))
        .await
        .body
        .contains(&incident.title));
}

#[tokio::test]
async fn language_follows_the_browser_then_the_user_setting() {
    let db = support::sqlite().await;
    let mut b = signed_in(&db, Role::Viewer).await;
    b.lang = Some("es-CO,es;q=0.9,en;q=0.5");
    let page = b.get("/incidents").await;
    assert!(page.body.contains("<html lang=\"es\">"));
    assert!(page.body.contains("Incidentes"));
    b.lang = Some("en-GB");
    assert!(b
        .get("/incidents")
        .await
        .body
        .contains("<html lang=\"en\">"));
    let mut anon = Browser::new(&db);
    anon.lang = Some("es");
    assert!(anon.get("/login").await.body.contains("Entrar en Vigil"));
}

#[tokio::test]
async fn csv_export_is_formula_safe() {
    let db = support::sqlite().await;
    let a = db.access(Role::Documenter).await;
    let p = support::create_person(&a, "Rosa").await;
    let mut i = support::simple_incident("=HYPERLINK(\"http://evil\")", "2023-05-01", p.id);
    i.locality = "+57 300".into();
    a.create_incident(&i).await.unwrap();
    let mut b = signed_in(&db, Role::Analyst).await;
    let csv = b.get("/incidents.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv
        .headers
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(csv.body.contains("'=HYPERLINK"), "{}", csv.body);
    assert!(csv.body.contains("'+57 300"));
}

/// Threat 1 (server seized): canary strings entered through the application appear
/// nowhere in the data directory once the server has stopped.
#[tokio::test]
async fn nothing_entered_is_readable_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(vigil_domain::FixedClock::new(support::now()));
    let store = vigil_store::Store::open(
        vigil_store::StoreConfig::Sqlite {
            path: dir.path().join("vigil.db"),
            key: zeroize::Zeroizing::new(rand::random()),
        },
        clock,
    )
    .await
    .unwrap();
    let user = store
        .create_user(
            vigil_store::NewUser {
                username: "doc".into(),
                password: zeroize::Zeroizing::new(PASSWORD.into()),
                role: Role::Documenter,
                display_name: String::new(),
                language: String::new(),
            },
            None,
        )
        .await
        .unwrap();
    let canaries = [
        "CANARY-LEGALNAME-7f3a9",
        "CANARY-NARRATIVE-b41c2",
        "CANARY-TITLE-0d9e7",
        "CANARY-CONTACT-5a6b8",
        "CANARY-ORIGIN-e2f1c",
    ];
    let a = vigil_store::Access::new(store.clone(), vigil_store::Actor::from(&user));
    let mut person = support::defender(canaries[0]);
    person.contacts = canaries[3].into();
    let p = a.create_person(&person).await.unwrap();
    let mut b = Browser {
        app: vigil_web::router(store.clone(), WebConfig::default()),
        cookies: HashMap::new(),
        lang: None,
    };
    assert_eq!(b.login("doc", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let csrf = b.get("/incidents/new").await.csrf();
    let res = b
        .post(
            "/incidents/new",
            &[
                ("csrf", &csrf),
                ("title", canaries[2]),
                ("narrative", canaries[1]),
                ("start_date", "2025-01-02"),
                ("country", "HN"),
                ("v0_type", "arbitrary_detention"),
                ("v0_victim", &p.code),
                ("s0_type", "witness"),
                ("s0_reliability", "high"),
                ("s0_origin", canaries[4]),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Search indexes hold the words too: make sure they are written.
    assert!(b
        .get("/incidents?q=CANARY")
        .await
        .body
        .contains(canaries[2]));
    drop(b);
    drop(a);
    store.close().await;
    let mut scanned = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let Some(bytes) = support::read_if_present(&path) else {
            continue;
        };
        scanned += bytes.len();
        assert!(
            !bytes.starts_with(b"SQLite format 3"),
            "{} is a plain SQLite file",
            path.display()
        );
        for c in canaries {
            let lower = c.to_lowercase();
            for needle in [c.as_bytes(), lower.as_bytes()] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{c} readable in {}",
                    path.display()
                );
            }
        }
    }
    assert!(scanned > 4096, "the database files were scanned");
}

/// Every page, as every role: the expected status, never a server error, small, and
/// nothing referenced from another host.
#[tokio::test]
async fn every_page_answers_every_role_as_expected() {
    let db = support::sqlite().await;
    let a = db.access(Role::Documenter).await;
    let s = support::seed(&a).await;
    let css = Browser::new(&db).get("/static/style.css").await.body.len();
    for role in Role::ALL {
        let mut b = signed_in(&db, role).await;
        for page in support::every_page(&s) {
            let (path, allowed) = (&page.path, page.allowed(role));
            let page = b.get(path).await;
            let want = if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(page.status, want, "{role:?} GET {path}");
            if page
                .headers
                .get(header::CONTENT_TYPE)
                .is_some_and(|c| c.to_str().unwrap().starts_with("text/html"))
            {
                assert!(
                    page.body.len() + css <= 30 * 1024,
                    "{role:?} {path}: {} bytes of HTML + {css} of CSS",
                    page.body.len()
                );
                for attr in [
                    "src=\"http",
                    "href=\"http",
                    "src=\"//",
                    "href=\"//",
                    "url(http",
                ] {
                    assert!(
                        !page.body.contains(attr),
                        "{role:?} {path} references another host ({attr})"
                    );
                }
                assert!(
                    !page.body.contains("<script"),
                    "{role:?} {path} carries a script"
                );
            }
        }
    }
}

/// Records created through the JSON API are as unreadable at rest as those from forms.
#[tokio::test]
async fn api_canaries_are_not_readable_at_rest() {
    let dir = tempfile::tempdir().unwrap();
    let store = vigil_store::Store::open(
        vigil_store::StoreConfig::Sqlite {
            path: dir.path().join("vigil.db"),
            key: zeroize::Zeroizing::new(rand::random()),
        },
        std::sync::Arc::new(vigil_domain::FixedClock::new(support::now())),
    )
    .await
    .unwrap();
    let user = store
        .create_user(
            vigil_store::NewUser {
                username: "api".into(),
                password: zeroize::Zeroizing::new(PASSWORD.into()),
                role: Role::Documenter,
                display_name: String::new(),
                language: String::new(),
            },
            None,
        )
        .await
        .unwrap();
    let (_, token) = store
        .create_api_token(user.id, "canary", None)
        .await
        .unwrap();
    let app = vigil_web::router(store.clone(), WebConfig::default());
    let send = |method: &str, path: &str, body: serde_json::Value| {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let canaries = [
        "APICANARY-NAME-91ab",
        "APICANARY-CONTACT-22cd",
        "APICANARY-NARR-33ef",
        "APICANARY-GROUP-44aa",
        "APICANARY-ORIGIN-55bb",
    ];
    let res = app.clone().oneshot(send("POST", "/api/v1/persons", serde_json::json!({"kind": "defender", "legal_name": canaries[0], "contacts": canaries[1], "consent_publish": "no"}))).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let person: serde_json::Value =
        serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let res = app
        .clone()
        .oneshot(send(
            "POST",
            "/api/v1/groups",
            serde_json::json!({"name": canaries[3], "group_type": "community"}),
        ))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let incident = serde_json::json!({
        "title": "Detention at the checkpoint",
        "narrative": canaries[2],
        "start_date": "2025-06-01",
        "country": "PH",
        "status": "reported",
        "violations": [{"violation_type": "arbitrary_detention", "victim": {"kind": "person", "id": person["id"]}}],
        "sources": [{"source_type": "witness", "reliability": "high", "origin": canaries[4]}],
    });
    let res = app
        .clone()
        .oneshot(send("POST", "/api/v1/incidents", incident))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    drop(app);
    store.close().await;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let Some(bytes) = support::read_if_present(&path) else {
            continue;
        };
        for c in canaries {
            for needle in [c.to_owned(), c.to_lowercase()] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{c} readable in {}",
                    path.display()
                );
            }
        }
    }
}
