//! Evidence files: upload through the API and the incident page, download with its
//! SHA-256 checked, the size and type rules, roles, the custody trail and audit log,
//! CSRF on the multipart form, and the at-rest canary (nothing in clear on disk).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;
use zeroize::Zeroizing;

use vigil_domain::Role;
use vigil_store::audit::AuditFilter;
use vigil_store::evidence::EvidenceFiles;
use vigil_web::WebConfig;

use crate::support::{self, backend_tests, TestDb, PASSWORD};
use crate::web::Browser;

const PDF: &[u8] = b"%PDF-1.4\n% a witness statement\n1 0 obj << >> endobj\n%%EOF\n";

/// Give the test database an evidence store in a temporary directory.
fn with_evidence(db: &mut TestDb, max: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = EvidenceFiles::new(
        dir.path().join("evidence"),
        Zeroizing::new(rand::random()),
        max,
    );
    db.store = db.store.clone().with_evidence(files);
    dir
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A `multipart/form-data` body: text fields, then an optional file
/// `(filename, content type, bytes)`. Returns the content type and the body.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let b = "vigil-test-boundary-7d1";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, ct, bytes)) = file {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// The API as one user: a router and a bearer token.
struct Api {
    app: Router,
    token: String,
}

impl Api {
    async fn new(db: &TestDb, role: Role) -> Api {
        let user = db.user(role).await;
        let (_, token) = db
            .store
            .create_api_token(user.id, "evidence", None)
            .await
            .unwrap();
        Api {
            app: vigil_web::router(db.store.clone(), WebConfig::default()),
            token,
        }
    }

    async fn send(&self, req: axum::http::request::Builder, body: Body) -> Answer {
        let req = req
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .body(body)
            .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(Request::get(path), Body::empty()).await
    }

    async fn upload(&self, incident: i64, name: &str, ct: &str, bytes: &[u8]) -> Answer {
        let (content_type, body) = multipart(
            &[
                ("captured_at", "2026-11-20 14:05, Toribío"),
                ("captured_by", "Phone of witness W-3"),
            ],
            Some((name, ct, bytes)),
        );
        self.send(
            Request::post(format!("/api/v1/incidents/{incident}/evidence"))
                .header(header::CONTENT_TYPE, content_type),
            Body::from(body),
        )
        .await
    }
}

async fn incident(db: &TestDb) -> i64 {
    support::seed(&db.access(Role::Documenter).await)
        .await
        .incident
}

async fn actions(db: &TestDb) -> Vec<String> {
    let page = db
        .store
        .audit_entries(
            &AuditFilter {
                entity: String::new(),
                ..AuditFilter::default()
            },
            1,
        )
        .await
        .unwrap();
    page.items.into_iter().map(|e| e.action).collect()
}

backend_tests!(
    files_round_trip_with_attachment_headers_and_custody,
    limits_and_types_are_enforced_before_anything_is_stored,
    a_tampered_file_is_never_served,
    roles_without_sensitive_access_see_files_but_cannot_download,
    evidence_follows_its_incidents_compartment,
);

async fn files_round_trip_with_attachment_headers_and_custody(mut db: TestDb) {
    let _dir = with_evidence(&mut db, 1024 * 1024);
    let incident = incident(&db).await;
    let api = Api::new(&db, Role::Documenter).await;

    let up = api
        .upload(incident, "statement <W-3>.pdf", "application/pdf", PDF)
        .await;
    assert_eq!(
        up.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&up.body)
    );
    let file = up.json();
    let id = file["id"].as_i64().unwrap();
    assert_eq!(file["media_type"], "application/pdf");
    assert_eq!(file["size"], PDF.len());
    assert_eq!(
        file["sha256"].as_str().unwrap(),
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(PDF))
    );
    assert_eq!(file["captured_by"], "Phone of witness W-3");

    let list = api
        .get(&format!("/api/v1/incidents/{incident}/evidence"))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()[0]["filename"], "statement <W-3>.pdf");

    let down = api.get(&format!("/api/v1/evidence/{id}/download")).await;
    assert_eq!(down.status, StatusCode::OK);
    assert_eq!(down.body, PDF, "the bytes come back identical");
    let h = |n: header::HeaderName| down.headers.get(n).unwrap().to_str().unwrap().to_owned();
    assert_eq!(h(header::CONTENT_TYPE), "application/octet-stream");
    assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(
        h(header::CONTENT_DISPOSITION),
        "attachment; filename=\"statement__W-3_.pdf\""
    );

    // Custody: upload, view (the listing), download; the same in the audit log.
    let custody = db
        .access(Role::ProtectionOfficer)
        .await
        .evidence_custody(id)
        .await
        .unwrap();
    let kinds: Vec<&str> = custody.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(kinds, ["upload", "view", "download"]);
    assert!(custody
        .iter()
        .all(|c| c.username.starts_with("documenter-")));
    let logged = actions(&db).await;
    for a in ["evidence_upload", "evidence_view", "evidence_download"] {
        assert!(logged.iter().any(|x| x == a), "{a} in {logged:?}");
    }
    assert!(db.store.verify_audit().await.unwrap().intact());
}

async fn limits_and_types_are_enforced_before_anything_is_stored(mut db: TestDb) {
    let dir = with_evidence(&mut db, 1000);
    let incident = incident(&db).await;
    let api = Api::new(&db, Role::Documenter).await;

    // Over the limit (by a little: refused by the store; by a lot: by the body limit).
    let big = [b"%PDF-".as_slice(), &[b' '; 1200]].concat();
    let r = api
        .upload(incident, "big.pdf", "application/pdf", &big)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&r.body).contains("evidence-too-large"));
    let huge = vec![b'a'; 3 * 1024 * 1024];
    let r = api.upload(incident, "huge.txt", "text/plain", &huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Unknown type, declared type that lies, empty file.
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00";
    let r = api
        .upload(incident, "tool.exe", "application/octet-stream", exe)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&r.body).contains("evidence-type-unknown"));
    let r = api.upload(incident, "photo.png", "image/png", PDF).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&r.body).contains("evidence-type-mismatch"));
    let r = api.upload(incident, "empty.txt", "text/plain", b"").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Nothing stored: no rows, no files.
    let list = api
        .get(&format!("/api/v1/incidents/{incident}/evidence"))
        .await;
    assert_eq!(list.json(), serde_json::json!([]));
    assert!(files_under(dir.path()).is_empty());

    // An unknown incident.
    let r = api.upload(999_999, "a.pdf", "application/pdf", PDF).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(files_under(dir.path()).is_empty());
}

async fn a_tampered_file_is_never_served(mut db: TestDb) {
    let dir = with_evidence(&mut db, 1024 * 1024);
    let incident = incident(&db).await;
    let api = Api::new(&db, Role::Documenter).await;
    let up = api
        .upload(
            incident,
            "note.txt",
            "text/plain",
            b"Seen at 14:05 near the school.\n",
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED);
    let id = up.json()["id"].as_i64().unwrap();

    let files = files_under(dir.path());
    assert_eq!(files.len(), 1);
    let mut raw = std::fs::read(&files[0]).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 0x01;
    std::fs::write(&files[0], &raw).unwrap();

    let down = api.get(&format!("/api/v1/evidence/{id}/download")).await;
    assert_eq!(down.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!String::from_utf8_lossy(&down.body).contains("school"));
    assert!(down.headers.get(header::CONTENT_DISPOSITION).is_none());

    // A missing file is refused the same way; neither is a download in the custody trail.
    std::fs::remove_file(&files[0]).unwrap();
    let down = api.get(&format!("/api/v1/evidence/{id}/download")).await;
    assert_eq!(down.status, StatusCode::INTERNAL_SERVER_ERROR);
    let custody = db
        .access(Role::Admin)
        .await
        .evidence_custody(id)
        .await
        .unwrap();
    assert!(custody.iter().all(|c| c.action != "download"));
}

async fn roles_without_sensitive_access_see_files_but_cannot_download(mut db: TestDb) {
    let _dir = with_evidence(&mut db, 1024 * 1024);
    let incident = incident(&db).await;
    let writer = Api::new(&db, Role::Documenter).await;
    let up = writer
        .upload(
            incident,
            "Ana Pérez testimony.txt",
            "text/plain",
            b"testimony\n",
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED);
    let id = up.json()["id"].as_i64().unwrap();

    for role in [Role::Viewer, Role::Analyst] {
        let api = Api::new(&db, role).await;
        let list = api
            .get(&format!("/api/v1/incidents/{incident}/evidence"))
            .await;
        assert_eq!(list.status, StatusCode::OK);
        let item = &list.json()[0];
        assert_eq!(item["size"], 10);
        assert_eq!(item["media_type"], "text/plain");
        assert!(item["filename"].is_null() && item["sha256"].is_null());
        assert!(!String::from_utf8_lossy(&list.body).contains("Pérez"));
        let down = api.get(&format!("/api/v1/evidence/{id}/download")).await;
        assert_eq!(down.status, StatusCode::FORBIDDEN, "{role}");
        let r = api.upload(incident, "x.txt", "text/plain", b"x").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
    }
    // Their listings are not "views" of the details.
    let custody = db
        .access(Role::Admin)
        .await
        .evidence_custody(id)
        .await
        .unwrap();
    assert_eq!(custody.len(), 1, "{custody:?}");
}

async fn evidence_follows_its_incidents_compartment(mut db: TestDb) {
    use vigil_store::compartments::DEFAULT_COMPARTMENT;
    use vigil_store::{Actor, Level, StoreError};
    let dir = with_evidence(&mut db, 1024 * 1024);
    let admin = db.access(Role::Admin).await;
    let other = admin.create_compartment("Other team").await.unwrap();
    let b_user = db.user(Role::Documenter).await;
    admin
        .add_member(other, b_user.id, Level::Full)
        .await
        .unwrap();
    admin
        .remove_member(DEFAULT_COMPARTMENT, b_user.id)
        .await
        .unwrap();
    let b = db.access_for(&Actor::from(&b_user));
    let b_incident = support::seed(&b).await.incident;
    let item = b
        .upload_evidence(
            b_incident,
            vigil_store::evidence::NewEvidence {
                filename: "other-team.pdf".into(),
                bytes: PDF.to_vec(),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // A documenter outside that compartment: nothing, as if it did not exist.
    let a = db.access(Role::Documenter).await;
    let nf = |r: Result<_, StoreError>, what: &str| match r {
        Err(StoreError::NotFound) => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    };
    nf(
        a.evidence_for_incident(b_incident).await.map(|_| ()),
        "list",
    );
    nf(a.download_evidence(item.id).await.map(|_| ()), "download");
    nf(a.evidence_custody(item.id).await.map(|_| ()), "custody");
    nf(
        a.upload_evidence(
            b_incident,
            vigil_store::evidence::NewEvidence {
                filename: "x.pdf".into(),
                bytes: b"%PDF-1.4 other".to_vec(),
                ..Default::default()
            },
        )
        .await
        .map(|_| ()),
        "upload",
    );
    assert_eq!(files_under(dir.path()).len(), 1);
    // The team itself downloads it.
    assert_eq!(b.download_evidence(item.id).await.unwrap().1, PDF);
}

/// The incident page: the multipart form works without JavaScript, needs the CSRF
/// token, lists the file and downloads it as an attachment.
#[tokio::test]
async fn the_upload_form_needs_its_csrf_token() {
    let mut db = support::sqlite().await;
    let dir = with_evidence(&mut db, 1024 * 1024);
    let incident = incident(&db).await;
    let user = db.user(Role::Documenter).await;
    let mut b = Browser::new(&db);
    let res = b.login(&user.username, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    let page = b.get(&format!("/incidents/{incident}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let csrf = page.csrf();

    let post = |fields: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        multipart(&fields, Some(("report.pdf", "application/pdf", PDF)))
    };
    let send = |b: &Browser, (ct, body): (String, Vec<u8>)| {
        Request::post(format!("/incidents/{incident}/evidence"))
            .header(header::COOKIE, b.cookie_header())
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };

    // No token, a wrong token: refused, nothing stored.
    for fields in [vec![], vec![("csrf", "not-the-token".to_owned())]] {
        let req = send(&b, post(fields));
        let res = b.send(req).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
    assert!(files_under(dir.path()).is_empty());
    // The token in the query string does not count either.
    let req = Request::post(format!("/incidents/{incident}/evidence?csrf={csrf}"))
        .header(header::COOKIE, b.cookie_header())
        .header(header::CONTENT_TYPE, post(vec![]).0)
        .body(Body::from(post(vec![]).1))
        .unwrap();
    assert_eq!(b.send(req).await.status, StatusCode::FORBIDDEN);

    // With the token: stored, and the page lists it.
    let req = send(&b, post(vec![("csrf", csrf.clone())]));
    let res = b.send(req).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(files_under(dir.path()).len(), 1);
    let page = b.get(&format!("/incidents/{incident}")).await;
    assert!(page.body.contains("report.pdf"));
    let at = page.body.find("/evidence/").unwrap();
    let link = page.body[at..].split('"').next().unwrap().to_owned();
    let down = b.get(&link).await;
    assert_eq!(down.status, StatusCode::OK);
    assert_eq!(down.body.as_bytes(), PDF);
    assert_eq!(
        down.headers.get(header::CONTENT_DISPOSITION).unwrap(),
        "attachment; filename=\"report.pdf\""
    );

    // A refused file gets a page that says why.
    let (ct, body) = multipart(
        &[("csrf", &csrf)],
        Some(("x.png", "image/png", b"MZ\x90\x00")),
    );
    let req = Request::post(format!("/incidents/{incident}/evidence"))
        .header(header::COOKIE, b.cookie_header())
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    let res = b.send(req).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Nothing was stored"));
    assert_eq!(files_under(dir.path()).len(), 1);

    // A viewer sees that the file exists, without its name or a link.
    let viewer = db.user(Role::Viewer).await;
    let mut v = Browser::new(&db);
    v.login(&viewer.username, PASSWORD).await;
    let page = v.get(&format!("/incidents/{incident}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("application/pdf"));
    assert!(!page.body.contains("report.pdf"));
    assert!(!page.body.contains("/download"));
    assert!(!page.body.contains("multipart/form-data"));
}

/// Point 6 of issue 3: a canary uploaded through the API is in clear nowhere in the
/// data directory — neither the database files nor the evidence store — and the
/// stored file's bytes are not the plaintext.
#[tokio::test]
async fn evidence_canaries_are_not_readable_at_rest() {
    let dir = tempfile::tempdir().unwrap();
    let master: [u8; 32] = rand::random();
    let store = vigil_store::Store::open(
        vigil_store::StoreConfig::Sqlite {
            path: dir.path().join("vigil.db"),
            key: vigil::keys::subkey(&Zeroizing::new(master), vigil::keys::SQLCIPHER_LABEL),
        },
        std::sync::Arc::new(vigil_domain::FixedClock::new(support::now())),
    )
    .await
    .unwrap()
    .with_evidence(EvidenceFiles::new(
        dir.path().join("evidence"),
        vigil::keys::subkey(
            &Zeroizing::new(master),
            vigil_store::evidence::EVIDENCE_LABEL,
        ),
        1024 * 1024,
    ));
    let user = store
        .create_user(
            vigil_store::NewUser {
                username: "api".into(),
                password: Zeroizing::new(PASSWORD.into()),
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
    let access = vigil_store::Access::new(store.clone(), vigil_store::Actor::from(&user));
    let incident = support::seed(&access).await.incident;
    let api = Api {
        app: vigil_web::router(store.clone(), WebConfig::default()),
        token,
    };
    let canary = "EVIDENCECANARY-5c1e-testimony";
    let name_canary = "FILENAMECANARY-77b2";
    let plain = format!("Statement of the witness.\n{canary}\n{}\n", "x".repeat(300));
    let up = api
        .upload(
            incident,
            &format!("{name_canary}.txt"),
            "text/plain",
            plain.as_bytes(),
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED);
    let id = up.json()["id"].as_i64().unwrap();
    let down = api.get(&format!("/api/v1/evidence/{id}/download")).await;
    assert_eq!(down.body, plain.as_bytes());
    drop(api);
    store.close().await;

    let all = files_under(dir.path());
    let stored: Vec<_> = files_under(&dir.path().join("evidence"));
    assert_eq!(stored.len(), 1);
    assert!(
        all.len() > stored.len(),
        "the database files are checked too"
    );
    for path in &all {
        let Some(bytes) = crate::support::read_if_present(path) else {
            continue;
        };
        for needle in [canary, name_canary, "Statement of the witness"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} in clear in {}",
                path.display()
            );
        }
        assert_ne!(bytes, plain.as_bytes());
    }
    // The file's name does not give away its SHA-256 either.
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(plain.as_bytes()));
    assert!(!stored[0].to_string_lossy().contains(&sha[2..]));
}

/// Evidence files travel in backups (as `evidence/ab/…` entries, still encrypted
/// inside the encrypted archive) and come back, downloadable and identical, on restore.
#[tokio::test]
async fn evidence_files_are_backed_up_and_restored() {
    use vigil::keys::{self, KeySource};
    let data = tempfile::tempdir().unwrap();
    let keys_dir = tempfile::tempdir().unwrap();
    let key_file = keys_dir.path().join("master.key");
    std::fs::write(&key_file, keys::generate_hex().as_bytes()).unwrap();
    let source = KeySource::File(key_file.clone());
    let master = keys::load(&source, data.path(), false).unwrap();
    let open = |dir: std::path::PathBuf| {
        let master = master.clone();
        async move {
            vigil_store::Store::open(
                vigil_store::StoreConfig::Sqlite {
                    path: dir.join("vigil.db"),
                    key: keys::subkey(&master, keys::SQLCIPHER_LABEL),
                },
                std::sync::Arc::new(vigil_domain::FixedClock::new(support::now())),
            )
            .await
            .unwrap()
            .with_evidence(EvidenceFiles::new(
                dir.join(vigil_store::evidence::DIR_NAME),
                keys::subkey(&master, vigil_store::evidence::EVIDENCE_LABEL),
                1024 * 1024,
            ))
        }
    };
    let store = open(data.path().to_owned()).await;
    let user = store
        .create_user(
            vigil_store::NewUser {
                username: "doc".into(),
                password: Zeroizing::new(PASSWORD.into()),
                role: Role::Documenter,
                display_name: String::new(),
                language: String::new(),
            },
            None,
        )
        .await
        .unwrap();
    let actor = vigil_store::Actor::from(&user);
    let access = vigil_store::Access::new(store.clone(), actor.clone());
    let incident = support::seed(&access).await.incident;
    let plain = b"BACKUPCANARY-e1 the photo's notes\n".to_vec();
    let item = access
        .upload_evidence(
            incident,
            vigil_store::evidence::NewEvidence {
                filename: "notes.txt".into(),
                bytes: plain.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let out = keys_dir.path().join("with-evidence.backup");
    let manifest = vigil::backup::create(&store, data.path(), &master, &out, 4096)
        .await
        .unwrap();
    assert!(manifest
        .entries
        .iter()
        .any(|e| e.name.starts_with("evidence/")));
    let archive = std::fs::read(&out).unwrap();
    assert!(!archive.windows(12).any(|w| w == b"BACKUPCANARY".as_slice()));
    store.close().await;

    let restored_dir = tempfile::tempdir().unwrap();
    let target = restored_dir.path().join("restored");
    vigil::backup::restore_data_dir(&out, &target, &source)
        .await
        .unwrap();
    let restored = open(target.clone()).await;
    let (back, bytes) = vigil_store::Access::new(restored.clone(), actor)
        .download_evidence(item.id)
        .await
        .unwrap();
    assert_eq!(bytes, plain);
    assert_eq!(back.sha256, item.sha256);
    restored.close().await;
}
