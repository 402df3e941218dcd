//! The server's logs hold nothing sensitive: the real `vigil serve`, at `VIGIL_LOG=debug`,
//! driven over HTTP (login form, API token, API writes, a failed login, searches), and
//! then everything it wrote to stdout and stderr is searched for the values entered.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const PASSWORD: &str = "LOGCANARY-ADMINPASS-7c1e9d";

struct Res {
    status: u16,
    head: String,
    body: String,
}

impl Res {
    /// The value of the cookie `name` set by this response.
    fn cookie(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            if !k.trim().eq_ignore_ascii_case("set-cookie") {
                return None;
            }
            let v = v.trim().strip_prefix(name)?.strip_prefix('=')?;
            Some(v.split(';').next().unwrap_or_default().to_owned())
        })
    }

    /// The value of the first hidden `csrf` field of the page.
    fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field")
            + 19;
        let rest = &self.body[at..];
        rest[..rest.find('"').unwrap()].to_owned()
    }
}

/// One HTTP/1.1 request on its own connection (`Connection: close`).
fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Res {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = raw.split_once("\r\n\r\n").expect("a complete response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        let (mut body, mut rest) = (String::new(), rest);
        loop {
            let (size, after) = rest.split_once("\r\n").unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            if size == 0 {
                break;
            }
            body.push_str(&after[..size]);
            rest = &after[size + 2..];
        }
        body
    } else {
        rest.to_owned()
    };
    Res {
        status,
        head: head.to_owned(),
        body,
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

#[test]
fn nothing_sensitive_reaches_the_server_logs() {
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let master = "3c".repeat(32);
    let key = keys.path().join("master.key");
    std::fs::write(&key, format!("{master}\n")).unwrap();
    let d = data.path().join("vigil");
    let (d, key) = (d.to_str().unwrap(), key.to_str().unwrap());
    let base = |c: &mut Command| {
        c.env_remove("VIGIL_MASTER_KEY")
            .env_remove("VIGIL_PASSPHRASE")
            .env_remove("VIGIL_DATA")
            .env_remove("VIGIL_LISTEN")
            .env_remove("VIGIL_TRUSTED_PROXY")
            .env("VIGIL_LOG", "debug")
            .stdin(Stdio::null());
    };
    let mut init = Command::new(env!("CARGO_BIN_EXE_vigil"));
    base(&mut init);
    let out = init
        .args(["init", "--data", d, "--key-file", key])
        .env("VIGIL_NEW_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut serve = Command::new(env!("CARGO_BIN_EXE_vigil"));
    base(&mut serve);
    let mut child = serve
        .args(["serve", "--data", d, "--key-file", key])
        .args(["--listen", "127.0.0.1:0", "--require-2fa", "none"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, addr_rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            all.push_str(&line);
            all.push('\n');
            let _ = lines.send(line);
        }
        all
    });
    let mut stderr = child.stderr.take().unwrap();
    let err_thread = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = stderr.read_to_end(&mut all);
        String::from_utf8_lossy(&all).into_owned()
    });
    let addr = loop {
        let Ok(line) = addr_rx.recv_timeout(Duration::from_secs(120)) else {
            let _ = child.kill();
            panic!("the server did not start: {}", err_thread.join().unwrap());
        };
        if let Some(rest) = line.split("Vigil is listening on http://").nth(1) {
            break rest.split('/').next().unwrap().to_owned();
        }
    };

    let canaries = [
        "LOGCANARY-NAME-81fa",
        "LOGCANARY-CONTACT-92eb",
        "LOGCANARY-NARR-a3dc",
        "LOGCANARY-ORIGIN-b4cd",
        "LOGCANARY-USER-c5be",
        "LOGCANARY-PASS-d6af",
        "LOGCANARY-SEARCH-e790",
        "LOGCANARY-BADKIND-f881",
        "LOGCANARY-BADNAME-0972",
    ];

    // Log in through the form.
    let page = http(&addr, "GET", "/login", &[], "");
    assert_eq!(page.status, 200);
    let pre = page.cookie("vigil_pre").expect("a pre-session cookie");
    let pre_cookie = format!("vigil_pre={pre}");
    let url_form = ("Content-Type", "application/x-www-form-urlencoded");
    let res = http(
        &addr,
        "POST",
        "/login",
        &[("Cookie", &pre_cookie), url_form],
        &form(&[
            ("csrf", &pre),
            ("username", "admin"),
            ("password", PASSWORD),
            ("next", "/"),
        ]),
    );
    assert!(res.status == 303 || res.status == 302, "{}", res.head);
    let session = res.cookie("vigil_session").expect("a session cookie");
    let session_cookie = format!("vigil_session={session}");

    // An API token, through the account page (its secret is shown once).
    let account = http(&addr, "GET", "/account", &[("Cookie", &session_cookie)], "");
    assert_eq!(account.status, 200, "{}", account.head);
    let res = http(
        &addr,
        "POST",
        "/account/tokens",
        &[("Cookie", &session_cookie), url_form],
        &form(&[("csrf", &account.csrf()), ("name", "logs test")]),
    );
    assert_eq!(res.status, 200, "{}", res.body);
    let at = res.body.find("id=\"secret\"").expect("the new secret");
    let rest = &res.body[at..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    let token = rest[..rest.find("</textarea>").unwrap()].trim().to_owned();
    assert!(token.len() >= 20, "{token}");
    let bearer = format!("Bearer {token}");
    let json = ("Content-Type", "application/json");
    let api = |method: &str, path: &str, body: serde_json::Value| {
        http(
            &addr,
            method,
            path,
            &[("Authorization", &bearer), json],
            &body.to_string(),
        )
    };

    // Records through the API, canaries in every sensitive field.
    let res = api(
        "POST",
        "/api/v1/persons",
        serde_json::json!({"kind": "defender", "legal_name": canaries[0],
            "contacts": canaries[1], "consent_publish": "no"}),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    let person: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let res = api(
        "POST",
        "/api/v1/incidents",
        serde_json::json!({
            "title": "Detention at the checkpoint",
            "narrative": canaries[2],
            "start_date": "2025-06-01",
            "country": "PH",
            "status": "reported",
            "violations": [{"violation_type": "arbitrary_detention",
                "victim": {"kind": "person", "id": person["id"]}}],
            "sources": [{"source_type": "witness", "reliability": "high", "origin": canaries[3]}],
        }),
    );
    assert_eq!(res.status, 201, "{}", res.body);
    // A refused input: the refusal is logged, its values are not.
    let res = api(
        "POST",
        "/api/v1/persons",
        serde_json::json!({"kind": canaries[7], "legal_name": canaries[8]}),
    );
    assert!((400..500).contains(&res.status), "{}", res.body);

    // Searches, on the API and on the pages.
    let q = format!("/api/v1/incidents?q={}", canaries[6]);
    let res = http(&addr, "GET", &q, &[("Authorization", &bearer)], "");
    assert_eq!(res.status, 200, "{}", res.body);
    let q = format!("/incidents?q={}", canaries[6]);
    let res = http(&addr, "GET", &q, &[("Cookie", &session_cookie)], "");
    assert_eq!(res.status, 200, "{}", res.head);

    // A failed login, a canary as the username and another as the password.
    let res = http(
        &addr,
        "POST",
        "/login",
        &[("Cookie", &pre_cookie), url_form],
        &form(&[
            ("csrf", &pre),
            ("username", canaries[4]),
            ("password", canaries[5]),
        ]),
    );
    assert_eq!(res.status, 401, "{}", res.head);

    child.kill().unwrap();
    child.wait().unwrap();
    let logs = format!(
        "{}{}",
        out_thread.join().unwrap(),
        err_thread.join().unwrap()
    );
    assert!(
        logs.contains("DEBUG") && logs.contains("login refused: unknown user"),
        "the debug log ran: {logs}"
    );
    let secrets = [PASSWORD, &token, &session, &master];
    for needle in canaries.iter().chain(secrets.iter()) {
        for n in [needle.to_string(), needle.to_lowercase()] {
            assert!(!logs.contains(&n), "{needle} is in the logs:\n{logs}");
        }
    }
    // No database key either (SQLCipher's `x'…'` form).
    assert!(
        !logs.match_indices("x'").any(|(i, _)| logs[i + 2..]
            .chars()
            .take(64)
            .filter(char::is_ascii_hexdigit)
            .count()
            == 64),
        "key material in the logs:\n{logs}"
    );
}
