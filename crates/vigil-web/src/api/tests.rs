//! The API driven in-process, the whole application router over a fresh encrypted
//! SQLite store per test: tokens, reading and writing as different roles, redaction,
//! errors, and the OpenAPI document against the routes actually served.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use utoipa::OpenApi;
use zeroize::Zeroizing;

use vigil_domain::{Role, SystemClock};
use vigil_store::auth::User;
use vigil_store::{NewUser, Store, StoreConfig};

use super::{endpoints, ApiDoc};

/// A word that appears only in the test incident's narrative.
const NARRATIVE_WORD: &str = "zanjaquemada";
/// The test person's surname, a sensitive field.
const SURNAME: &str = "Quispeyupanqui";

struct App {
    router: Router,
    store: Store,
    _dir: tempfile::TempDir,
}

struct Res {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
    json: Value,
}

impl Res {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig::Sqlite {
        path: dir.path().join("vigil.db"),
        key: Zeroizing::new([7u8; 32]),
    };
    let store = Store::open(config, Arc::new(SystemClock)).await.unwrap();
    let router = crate::router(store.clone(), crate::WebConfig::default());
    App {
        router,
        store,
        _dir: dir,
    }
}

impl App {
    /// A user with the role, and a live API token of theirs.
    async fn user(&self, name: &str, role: Role) -> (User, String) {
        let user = self
            .store
            .create_user(
                NewUser {
                    username: name.into(),
                    password: Zeroizing::new("correct horse battery".into()),
                    role,
                    display_name: name.into(),
                    language: String::new(),
                },
                None,
            )
            .await
            .unwrap();
        let (_, secret) = self
            .store
            .create_api_token(user.id, "t", None)
            .await
            .unwrap();
        (user, secret)
    }

    async fn send(&self, req: Request<Body>) -> Res {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Res {
            status,
            headers,
            text,
            json,
        }
    }

    async fn call(&self, method: &str, uri: &str, token: Option<&str>, body: Option<Value>) -> Res {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                req = req.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).unwrap()).await
    }

    async fn get(&self, uri: &str, token: &str) -> Res {
        self.call("GET", uri, Some(token), None).await
    }

    /// A raw body with the given content type.
    async fn raw(
        &self,
        method: &str,
        uri: &str,
        token: &str,
        content_type: &str,
        body: impl Into<Body>,
    ) -> Res {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(body.into())
            .unwrap();
        self.send(req).await
    }

    /// A person, a group and an incident against both, recorded by `token` over the API.
    async fn record_story(&self, token: &str) -> (i64, i64, i64) {
        let p = self
            .call("POST", "/api/v1/persons", Some(token), Some(person_json()))
            .await;
        assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
        let g = self
            .call("POST", "/api/v1/groups", Some(token), Some(group_json()))
            .await;
        assert_eq!(g.status, StatusCode::CREATED, "{}", g.text);
        let (pid, gid) = (
            p.json["id"].as_i64().unwrap(),
            g.json["id"].as_i64().unwrap(),
        );
        let i = self
            .call(
                "POST",
                "/api/v1/incidents",
                Some(token),
                Some(incident_json(pid, gid)),
            )
            .await;
        assert_eq!(i.status, StatusCode::CREATED, "{}", i.text);
        (pid, gid, i.json["id"].as_i64().unwrap())
    }
}

fn person_json() -> Value {
    json!({
        "kind": "defender",
        "legal_name": format!("Berta {SURNAME}"),
        "contacts": "+57 300 000 0000",
        "sex": "female",
        "consent_publish": "no"
    })
}

fn group_json() -> Value {
    json!({ "name": "Consejo Comunitario del Río", "group_type": "community", "country": "CO" })
}

fn incident_json(person: i64, group: i64) -> Value {
    json!({
        "title": "Land defender threatened at a community meeting",
        "narrative": format!("Two men stopped her at the {NARRATIVE_WORD} crossing and threatened the council."),
        "start_date": "2024-03-15",
        "country": "Colombia",
        "region": "cauca",
        "violations": [
            {
                "violation_type": "death_threat",
                "victim": { "kind": "person", "id": person },
                "perpetrators": [{ "perpetrator_type": "hired_killers" }]
            },
            { "violation_type": "threat", "victim": { "kind": "group", "id": group } }
        ],
        "sources": [{ "source_type": "relative", "reliability": "high", "origin": "Brother of the victim" }]
    })
}

/// A concrete URL for a route pattern.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{kind}", "violation_type")
}

// ---------------------------------------------------------------- authentication

#[tokio::test]
async fn requests_without_a_live_token_are_refused() {
    let app = app().await;
    let (user, token) = app.user("dora", Role::Documenter).await;

    let none = app.call("GET", "/api/v1/incidents", None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.json, json!({ "error": "unauthorized" }));
    assert!(
        none.header("www-authenticate").starts_with("Bearer"),
        "{:?}",
        none.headers
    );

    let bad = app
        .call("GET", "/api/v1/incidents", Some("vgl_0000"), None)
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.json["error"], "unauthorized");
    assert!(bad.header("www-authenticate").contains("invalid_token"));

    let basic = Request::get("/api/v1/incidents")
        .header("authorization", "Basic ZG9yYTpzZWNyZXQ=")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(basic).await.status, StatusCode::UNAUTHORIZED);

    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.json["username"], "dora");
    assert_eq!(me.json["role"], "documenter");
    assert_eq!(me.json["sees_sensitive"], true);

    // Revoked: the same token stops working at once.
    let listed = app.store.api_tokens(user.id).await.unwrap();
    app.store
        .revoke_api_token(user.id, listed[0].id, None)
        .await
        .unwrap();
    let revoked = app.get("/api/v1/me", &token).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    assert_eq!(revoked.json["error"], "unauthorized");

    // A disabled account's tokens die with it.
    let (other, other_token) = app.user("omar", Role::Viewer).await;
    assert_eq!(
        app.get("/api/v1/me", &other_token).await.status,
        StatusCode::OK
    );
    app.store
        .set_user_disabled(other.id, true, None)
        .await
        .unwrap();
    assert_eq!(
        app.get("/api/v1/me", &other_token).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn every_route_but_the_document_needs_a_token() {
    let app = app().await;
    for e in endpoints() {
        let res = app
            .call(e.method.as_str(), &concrete(e.path), None, None)
            .await;
        if e.public() {
            assert_eq!(res.status, StatusCode::OK, "{} {}", e.method, e.path);
        } else {
            assert_eq!(
                res.status,
                StatusCode::UNAUTHORIZED,
                "{} {}",
                e.method,
                e.path
            );
            assert_eq!(res.json["error"], "unauthorized", "{} {}", e.method, e.path);
        }
    }
    // Unknown API paths too: nothing is revealed before the token is checked…
    assert_eq!(
        app.call("GET", "/api/v1/nothing/here", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // …and afterwards it is a JSON 404, not the login page.
    let (_, token) = app.user("dora", Role::Documenter).await;
    let missing = app.get("/api/v1/nothing/here", &token).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json, json!({ "error": "not_found" }));
}

#[tokio::test]
async fn cookies_are_ignored_by_the_api() {
    let app = app().await;
    let (dora, _) = app.user("dora", Role::Documenter).await;
    let (_, viewer_token) = app.user("vera", Role::Viewer).await;
    let session = app.store.create_session(dora.id).await.unwrap();
    let cookie = format!("vigil_session={session}");

    // The same cookie opens the pages…
    let page = app
        .send(
            Request::get("/incidents")
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);

    // …but not the API, for reading or writing.
    let read = app
        .send(
            Request::get("/api/v1/me")
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(read.status, StatusCode::UNAUTHORIZED);
    assert_eq!(read.json["error"], "unauthorized");
    let write = Request::post("/api/v1/groups")
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .body(Body::from(group_json().to_string()))
        .unwrap();
    assert_eq!(app.send(write).await.status, StatusCode::UNAUTHORIZED);

    // With a token and someone else's session cookie, only the token counts.
    let both = Request::post("/api/v1/groups")
        .header("cookie", &cookie)
        .header("authorization", format!("Bearer {viewer_token}"))
        .header("content-type", "application/json")
        .body(Body::from(group_json().to_string()))
        .unwrap();
    let both = app.send(both).await;
    assert_eq!(both.status, StatusCode::FORBIDDEN);
    assert_eq!(both.json, json!({ "error": "forbidden" }));
    let me = Request::get("/api/v1/me")
        .header("cookie", &cookie)
        .header("authorization", format!("Bearer {viewer_token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(me).await.json["username"], "vera");
}

// ---------------------------------------------------------------- records

#[tokio::test]
async fn a_documenter_records_and_reads_back_a_person_a_group_and_an_incident() {
    let app = app().await;
    let (_, token) = app.user("dora", Role::Documenter).await;

    let p = app
        .call("POST", "/api/v1/persons", Some(&token), Some(person_json()))
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
    let pid = p.json["id"].as_i64().unwrap();
    assert_eq!(p.header("location"), format!("/api/v1/persons/{pid}"));
    assert!(p.json["code"].as_str().unwrap().starts_with("HRD-"));
    assert_eq!(p.json["legal_name"], format!("Berta {SURNAME}"));

    let g = app
        .call("POST", "/api/v1/groups", Some(&token), Some(group_json()))
        .await;
    assert_eq!(g.status, StatusCode::CREATED, "{}", g.text);
    let gid = g.json["id"].as_i64().unwrap();
    assert_eq!(g.json["country"], "CO");

    let i = app
        .call(
            "POST",
            "/api/v1/incidents",
            Some(&token),
            Some(incident_json(pid, gid)),
        )
        .await;
    assert_eq!(i.status, StatusCode::CREATED, "{}", i.text);
    let id = i.json["id"].as_i64().unwrap();
    assert_eq!(i.header("location"), format!("/api/v1/incidents/{id}"));

    let got = app.get(&format!("/api/v1/incidents/{id}"), &token).await;
    assert_eq!(got.status, StatusCode::OK);
    let inc = &got.json;
    assert_eq!(
        inc["title"],
        "Land defender threatened at a community meeting"
    );
    assert!(inc["narrative"].as_str().unwrap().contains(NARRATIVE_WORD));
    assert_eq!(
        (inc["country"].as_str(), inc["region"].as_str()),
        (Some("CO"), Some("Cauca"))
    );
    assert_eq!(inc["redacted"], false);
    assert_eq!(
        inc["violations"][0]["victim"]["victim"],
        json!({ "kind": "person", "id": pid })
    );
    assert_eq!(
        inc["violations"][0]["victim"]["name"],
        format!("Berta {SURNAME}")
    );
    assert_eq!(
        inc["violations"][1]["victim"]["victim"],
        json!({ "kind": "group", "id": gid })
    );

    let violations = app
        .get(&format!("/api/v1/incidents/{id}/violations"), &token)
        .await;
    assert_eq!(violations.json.as_array().map(Vec::len), Some(2));
    let sources = app
        .get(&format!("/api/v1/incidents/{id}/sources"), &token)
        .await;
    assert_eq!(sources.json[0]["origin"], "Brother of the victim");
    let list = app.get("/api/v1/incidents?country=CO", &token).await;
    assert_eq!(list.json["total"], 1);
    assert_eq!(list.json["items"][0]["id"], id);
    assert_eq!(
        app.get("/api/v1/incidents?country=PE", &token).await.json["total"],
        0
    );
    assert_eq!(
        app.get(&format!("/api/v1/persons/{pid}/violations"), &token)
            .await
            .json[0]["incident_id"],
        id
    );
    assert_eq!(
        app.get(&format!("/api/v1/groups/{gid}/violations"), &token)
            .await
            .json[0]["violation_type"],
        "threat"
    );
    assert_eq!(app.get("/api/v1/persons", &token).await.json["total"], 1);
    assert_eq!(
        app.get("/api/v1/groups?q=Consejo", &token).await.json["total"],
        1
    );

    // Edit with the version read; a second edit based on the same version conflicts.
    let version = inc["version"].as_i64().unwrap();
    let mut changed = incident_json(pid, gid);
    changed["title"] = json!("Land defender threatened at a council meeting");
    let put = app
        .call(
            "PUT",
            &format!("/api/v1/incidents/{id}"),
            Some(&token),
            Some(json!({ "version": version, "incident": changed })),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(
        put.json["title"],
        "Land defender threatened at a council meeting"
    );
    let now = put.json["version"].as_i64().unwrap();
    assert!(now > version);
    let stale = app
        .call(
            "PUT",
            &format!("/api/v1/incidents/{id}"),
            Some(&token),
            Some(json!({ "version": version, "incident": incident_json(pid, gid) })),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json, json!({ "error": "conflict", "version": now }));
    let history = app
        .get(&format!("/api/v1/incidents/{id}/history"), &token)
        .await;
    assert_eq!(
        history.json.as_array().map(Vec::len),
        Some(2),
        "{}",
        history.text
    );

    let mut person = person_json();
    person["birth_year"] = json!(1980);
    let put = app
        .call(
            "PUT",
            &format!("/api/v1/persons/{pid}"),
            Some(&token),
            Some(json!({ "version": p.json["version"], "person": person })),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(put.json["birth_year"], 1980);
    assert!(!app
        .get(&format!("/api/v1/persons/{pid}/history"), &token)
        .await
        .json
        .as_array()
        .unwrap()
        .is_empty());

    let mut group = group_json();
    group["description"] = json!("Afro-Colombian community council");
    let put = app
        .call(
            "PUT",
            &format!("/api/v1/groups/{gid}"),
            Some(&token),
            Some(json!({ "version": g.json["version"], "group": group })),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(
        app.get(&format!("/api/v1/groups/{gid}"), &token).await.json["description"],
        "Afro-Colombian community council"
    );
    assert!(!app
        .get(&format!("/api/v1/groups/{gid}/history"), &token)
        .await
        .json
        .as_array()
        .unwrap()
        .is_empty());

    for missing in [
        "/api/v1/incidents/999",
        "/api/v1/persons/999",
        "/api/v1/groups/999/violations",
        "/api/v1/persons/999/history",
    ] {
        let res = app.get(missing, &token).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(res.json, json!({ "error": "not_found" }));
    }
}

#[tokio::test]
async fn a_viewer_cannot_read_a_narrative_or_a_legal_name_through_any_route() {
    let app = app().await;
    let (_, doc) = app.user("dora", Role::Documenter).await;
    let (_, viewer) = app.user("vera", Role::Viewer).await;
    let (_, analyst) = app.user("ana", Role::Analyst).await;
    let (pid, _, id) = app.record_story(&doc).await;

    let inc = app.get(&format!("/api/v1/incidents/{id}"), &viewer).await;
    assert_eq!(inc.status, StatusCode::OK);
    assert_eq!(inc.json["narrative"], Value::Null);
    assert_eq!(inc.json["redacted"], true);
    assert_eq!(inc.json["violations"][0]["victim"]["name"], Value::Null);
    let violations = app
        .get(&format!("/api/v1/incidents/{id}/violations"), &viewer)
        .await;
    assert_eq!(violations.json[0]["victim"]["name"], Value::Null);

    let person = app.get(&format!("/api/v1/persons/{pid}"), &viewer).await;
    assert_eq!(person.json["legal_name"], Value::Null);
    assert_eq!(person.json["contacts"], Value::Null);
    assert_eq!(person.json["redacted"], true);
    assert_eq!(
        app.get("/api/v1/persons", &viewer).await.json["items"][0]["legal_name"],
        Value::Null
    );

    // Search matches only what the reader may see: the documenter finds the narrative
    // word and the surname, the viewer finds neither.
    let found = app
        .get(&format!("/api/v1/search?q={NARRATIVE_WORD}"), &doc)
        .await;
    assert_eq!(found.json["incidents"]["total"], 1, "{}", found.text);
    let hidden = app
        .get(&format!("/api/v1/search?q={NARRATIVE_WORD}"), &viewer)
        .await;
    assert_eq!(hidden.status, StatusCode::OK);
    assert_eq!(hidden.json["incidents"]["total"], 0);
    assert_eq!(
        app.get(&format!("/api/v1/incidents?q={NARRATIVE_WORD}"), &viewer)
            .await
            .json["total"],
        0
    );
    assert_eq!(
        app.get(&format!("/api/v1/search?q={SURNAME}"), &doc)
            .await
            .json["persons"]["total"],
        1
    );
    assert_eq!(
        app.get(&format!("/api/v1/search?q={SURNAME}"), &viewer)
            .await
            .json["persons"]["total"],
        0
    );
    assert_eq!(
        app.get(&format!("/api/v1/persons?q={SURNAME}"), &viewer)
            .await
            .json["total"],
        0
    );
    // The title is not sensitive: both find it.
    assert_eq!(
        app.get("/api/v1/search?q=community", &viewer).await.json["incidents"]["total"],
        1
    );

    // Export needs the export right; an analyst has it but not the sensitive fields.
    let csv = app.get("/api/v1/incidents.csv", &viewer).await;
    assert_eq!(csv.status, StatusCode::FORBIDDEN);
    let csv = app.get("/api/v1/incidents.csv", &analyst).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.text.contains("Land defender threatened"));
    assert!(
        !csv.text.contains(NARRATIVE_WORD) && !csv.text.contains(SURNAME),
        "{}",
        csv.text
    );
    let full = app.get("/api/v1/incidents.csv", &doc).await;
    assert!(full.text.contains(NARRATIVE_WORD));

    // Nothing the viewer receives anywhere carries the sensitive words.
    for uri in [
        format!("/api/v1/incidents/{id}"),
        format!("/api/v1/incidents/{id}/violations"),
        format!("/api/v1/incidents/{id}/sources"),
        format!("/api/v1/incidents/{id}/history"),
        "/api/v1/incidents".to_owned(),
        format!("/api/v1/persons/{pid}"),
        format!("/api/v1/persons/{pid}/violations"),
        format!("/api/v1/persons/{pid}/history"),
        "/api/v1/persons".to_owned(),
        "/api/v1/search?q=community".to_owned(),
    ] {
        let res = app.get(&uri, &viewer).await;
        assert_eq!(res.status, StatusCode::OK, "{uri}");
        assert!(
            !res.text.contains(NARRATIVE_WORD) && !res.text.contains(SURNAME),
            "{uri}: {}",
            res.text
        );
    }
}

#[tokio::test]
async fn a_viewer_cannot_write_and_only_administrators_add_terms() {
    let app = app().await;
    let (_, doc) = app.user("dora", Role::Documenter).await;
    let (_, viewer) = app.user("vera", Role::Viewer).await;
    let (_, admin) = app.user("adam", Role::Admin).await;
    let (pid, gid, id) = app.record_story(&doc).await;

    for (method, uri, body) in [
        ("POST", "/api/v1/persons".to_owned(), person_json()),
        ("POST", "/api/v1/groups".to_owned(), group_json()),
        (
            "POST",
            "/api/v1/incidents".to_owned(),
            incident_json(pid, gid),
        ),
        (
            "PUT",
            format!("/api/v1/incidents/{id}"),
            json!({ "version": 1, "incident": incident_json(pid, gid) }),
        ),
        (
            "PUT",
            format!("/api/v1/persons/{pid}"),
            json!({ "version": 1, "person": person_json() }),
        ),
        (
            "PUT",
            format!("/api/v1/groups/{gid}"),
            json!({ "version": 1, "group": group_json() }),
        ),
        (
            "POST",
            "/api/v1/vocabularies/violation_type/terms".to_owned(),
            json!({ "code": "stigmatisation", "label_en": "Stigmatisation" }),
        ),
    ] {
        let res = app.call(method, &uri, Some(&viewer), Some(body)).await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "{method} {uri}: {}",
            res.text
        );
        assert_eq!(res.json, json!({ "error": "forbidden" }));
    }
    assert_eq!(app.get("/api/v1/incidents", &doc).await.json["total"], 1);
    assert_eq!(app.get("/api/v1/persons", &doc).await.json["total"], 1);
    assert_eq!(
        app.get(&format!("/api/v1/incidents/{id}"), &doc).await.json["version"],
        1
    );

    let term = json!({ "code": "stigmatisation", "label_en": "Stigmatisation", "label_es": "Estigmatización" });
    let by_doc = app
        .call(
            "POST",
            "/api/v1/vocabularies/violation_type/terms",
            Some(&doc),
            Some(term.clone()),
        )
        .await;
    assert_eq!(by_doc.status, StatusCode::FORBIDDEN);
    let added = app
        .call(
            "POST",
            "/api/v1/vocabularies/violation_type/terms",
            Some(&admin),
            Some(term.clone()),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    assert_eq!(added.json["builtin"], false);
    let again = app
        .call(
            "POST",
            "/api/v1/vocabularies/violation_type/terms",
            Some(&admin),
            Some(term),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.json["fields"][0]["field"], "code");
    let bad = app
        .call(
            "POST",
            "/api/v1/vocabularies/violation_type/terms",
            Some(&admin),
            Some(json!({ "code": "Bad Code", "label_en": "" })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json["error"], "invalid");
    let nowhere = app
        .call(
            "POST",
            "/api/v1/vocabularies/nonsense/terms",
            Some(&admin),
            Some(json!({ "code": "x", "label_en": "X" })),
        )
        .await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);

    let terms = app
        .get("/api/v1/vocabularies/violation_type", &viewer)
        .await;
    let codes: Vec<&str> = terms
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"killing") && codes.contains(&"stigmatisation"),
        "{codes:?}"
    );
}

// ---------------------------------------------------------------- errors

#[tokio::test]
async fn invalid_input_is_refused_with_field_paths_and_nothing_is_saved() {
    let app = app().await;
    let (_, token) = app.user("dora", Role::Documenter).await;
    let (pid, gid, _) = app.record_story(&token).await;

    let mut bad = incident_json(pid, gid);
    bad["violations"][0]["violation_type"] = json!("x");
    bad["violations"][1]["victim"] = json!({ "kind": "person", "id": 999 });
    bad["country"] = json!("Atlantis");
    bad["start_date"] = json!("2024-13");
    let res = app
        .call("POST", "/api/v1/incidents", Some(&token), Some(bad))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    assert_eq!(res.json["error"], "invalid");
    let fields = res.json["fields"].as_array().unwrap();
    assert!(
        fields.contains(
            &json!({ "field": "violations[0].type", "key": "err-unknown-code", "arg": "x" })
        ),
        "{fields:?}"
    );
    let named: Vec<&str> = fields.iter().filter_map(|f| f["field"].as_str()).collect();
    assert!(
        named.contains(&"country") && named.contains(&"start_date"),
        "{named:?}"
    );
    assert_eq!(app.get("/api/v1/incidents", &token).await.json["total"], 1);

    // Store-level checks (a victim that does not exist) come back the same way.
    let mut ghost = incident_json(pid, gid);
    ghost["violations"][1]["victim"] = json!({ "kind": "group", "id": 999 });
    let res = app
        .call("POST", "/api/v1/incidents", Some(&token), Some(ghost))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    assert_eq!(res.json["fields"][0]["field"], "violations[1].victim");
    assert_eq!(app.get("/api/v1/incidents", &token).await.json["total"], 1);

    let empty = app
        .call(
            "POST",
            "/api/v1/groups",
            Some(&token),
            Some(json!({ "name": " ", "group_type": "nonsense" })),
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/api/v1/groups", &token).await.json["total"], 1);

    let search = app.get("/api/v1/search?q=", &token).await;
    assert_eq!(search.status, StatusCode::BAD_REQUEST);
    assert_eq!(search.json["fields"][0]["field"], "q");
}

#[tokio::test]
async fn malformed_requests_get_a_json_400_that_does_not_repeat_the_input() {
    let app = app().await;
    let (_, token) = app.user("dora", Role::Documenter).await;
    let secret = "Maria Secreta Lopez";

    let cases: Vec<(&str, String)> = vec![
        ("syntax", format!("{{\"title\": \"{secret}\", ")),
        (
            "wrong type",
            json!({ "title": 5, "start_date": secret, "country": "CO" }).to_string(),
        ),
        (
            "unknown variant",
            json!({ "kind": secret, "consent_publish": "no" }).to_string(),
        ),
        (
            "trailing",
            format!(
                "{} {}",
                json!({ "kind": "defender", "consent_publish": "no" }),
                secret
            ),
        ),
        ("not an object", json!([secret]).to_string()),
    ];
    for (what, body) in cases {
        let uri = if what == "unknown variant" || what == "trailing" {
            "/api/v1/persons"
        } else {
            "/api/v1/incidents"
        };
        let res = app.raw("POST", uri, &token, "application/json", body).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{what}: {}", res.text);
        assert_eq!(res.json["error"], "malformed", "{what}");
        assert!(res.json["detail"].is_string(), "{what}");
        assert!(
            !res.text.contains("Maria") && !res.text.contains("Secreta"),
            "{what}: {}",
            res.text
        );
    }

    // The field that failed is named, from the body's structure.
    let victim = json!({
        "title": "t", "start_date": "2024", "country": "CO",
        "violations": [{ "violation_type": "threat", "victim": { "kind": secret, "id": 1 } }]
    });
    let res = app
        .call("POST", "/api/v1/incidents", Some(&token), Some(victim))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(
        res.json["field"]
            .as_str()
            .unwrap_or("")
            .starts_with("violations[0].victim"),
        "{}",
        res.text
    );
    assert!(!res.text.contains("Maria"), "{}", res.text);

    let missing = app
        .raw(
            "POST",
            "/api/v1/incidents",
            &token,
            "application/json",
            json!({ "title": "t" }).to_string(),
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert!(
        missing.json["detail"]
            .as_str()
            .unwrap()
            .contains("missing field"),
        "{}",
        missing.text
    );

    let form = app
        .raw(
            "POST",
            "/api/v1/groups",
            &token,
            "application/x-www-form-urlencoded",
            "name=x&group_type=ngo",
        )
        .await;
    assert_eq!(form.status, StatusCode::BAD_REQUEST);
    assert_eq!(form.json["error"], "malformed");

    let query = app.get("/api/v1/incidents?year=twenty", &token).await;
    assert_eq!(query.status, StatusCode::BAD_REQUEST);
    assert_eq!(query.json["error"], "malformed");
    assert!(!query.text.contains("twenty"));

    let path = app.get("/api/v1/incidents/abc", &token).await;
    assert_eq!(path.status, StatusCode::BAD_REQUEST);
    assert_eq!(path.json["error"], "malformed");

    let method = app
        .call("DELETE", "/api/v1/incidents/1", Some(&token), None)
        .await;
    assert_eq!(method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(method.json, json!({ "error": "method_not_allowed" }));

    assert_eq!(app.get("/api/v1/incidents", &token).await.json["total"], 0);
    assert_eq!(app.get("/api/v1/persons", &token).await.json["total"], 0);
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let app = app().await;
    let (_, token) = app.user("dora", Role::Documenter).await;
    let big = format!(
        "{{\"title\": \"{}\"}}",
        "a".repeat(crate::security::MAX_BODY + 1)
    );

    // Streamed without a length: the API's own reader stops at the limit.
    let res = app
        .raw(
            "POST",
            "/api/v1/incidents",
            &token,
            "application/json",
            big.clone(),
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.json, json!({ "error": "too_large" }));

    // Announced by Content-Length: refused before it is read.
    let req = Request::post("/api/v1/incidents")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("content-length", big.len().to_string())
        .body(Body::from(big))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::PAYLOAD_TOO_LARGE);
}

// ---------------------------------------------------------------- reference data

#[tokio::test]
async fn countries_vocabularies_and_the_callers_account() {
    let app = app().await;
    let (_, token) = app.user("vera", Role::Viewer).await;

    let all = app.get("/api/v1/countries", &token).await;
    assert!(all.json.as_array().unwrap().len() > 190);
    let laos = app.get("/api/v1/countries/resolve?q=Laos", &token).await;
    assert_eq!(laos.status, StatusCode::OK);
    assert_eq!(laos.json["alpha2"], "LA");
    assert_eq!(
        app.get("/api/v1/countries/resolve?q=Atlantis", &token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let vocab = app.get("/api/v1/vocabularies", &token).await;
    assert!(vocab
        .json
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["kind"] == "perpetrator_type" && t["code"] == "police"));
    assert_eq!(
        app.get("/api/v1/vocabularies/nonsense", &token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.json["role"], "viewer");
    assert_eq!(
        (
            me.json["sees_sensitive"].as_bool(),
            me.json["can_write"].as_bool()
        ),
        (Some(false), Some(false))
    );
}

// ---------------------------------------------------------------- OpenAPI

#[tokio::test]
async fn the_openapi_document_is_public_and_lists_every_route() {
    let app = app().await;
    let res = app.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(res.status, StatusCode::OK);
    let doc = &res.json;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for schema in [
        "Incident",
        "IncidentInput",
        "VictimRef",
        "Person",
        "Group",
        "ErrorBody",
        "FieldError",
        "IncidentUpdate",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema} missing"
        );
    }
    // The document is public; everything else requires the bearer scheme.
    assert_eq!(
        doc["paths"]["/api/v1/openapi.json"]["get"]["security"],
        json!([{}])
    );
    assert_eq!(doc["security"], json!([{ "bearer": [] }]));
    assert!(doc["paths"]["/api/v1/incidents"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "q" && p["in"] == "query"));

    // Every served route is documented with its method, and every documented one served.
    let served: std::collections::BTreeSet<(String, String)> = endpoints()
        .iter()
        .map(|e| (e.method.as_str().to_lowercase(), e.path.to_owned()))
        .collect();
    let mut documented = std::collections::BTreeSet::new();
    for (path, item) in &ApiDoc::openapi().paths.paths {
        let ops = [
            ("get", &item.get),
            ("post", &item.post),
            ("put", &item.put),
            ("delete", &item.delete),
            ("patch", &item.patch),
        ];
        for (method, op) in ops {
            if op.is_some() {
                documented.insert((method.to_owned(), path.clone()));
            }
        }
    }
    let undocumented: Vec<_> = served.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes without documentation: {undocumented:?}"
    );
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        unserved.is_empty(),
        "documented routes not served: {unserved:?}"
    );
    assert_eq!(served.len(), endpoints().len(), "a route is declared twice");
}
