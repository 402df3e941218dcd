//! The `vigil` binary as an administrator uses it: init, users, keys, refusals.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::{Command, Output};

fn vigil(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigil"));
    c.args(args)
        .env_remove("VIGIL_MASTER_KEY")
        .env_remove("VIGIL_PASSPHRASE")
        .env_remove("VIGIL_DATA")
        .env("VIGIL_LOG", "warn");
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(std::process::Stdio::null()).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn an_administrator_sets_up_an_instance_and_manages_users() {
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("master.key");
    std::fs::write(&key, format!("{}\n", "5a".repeat(32))).unwrap();
    let d = data.path().join("vigil");
    let (d, key) = (d.to_str().unwrap(), key.to_str().unwrap());
    let db = ["--data", d, "--key-file", key];

    let init = vigil(
        &[&["init"], &db[..]].concat(),
        &[("VIGIL_NEW_PASSWORD", "a long admin password")],
    );
    assert!(init.status.success(), "{}", text(&init));
    assert!(text(&init).contains(&format!("vigil serve --data {d} --key-file {key}")));
    let header = std::fs::read(Path::new(d).join("vigil.db")).unwrap();
    assert!(
        !header.starts_with(b"SQLite format 3"),
        "the database file is encrypted"
    );
    let again = vigil(
        &[&["init"], &db[..]].concat(),
        &[("VIGIL_NEW_PASSWORD", "a long admin password")],
    );
    assert!(!again.status.success(), "a second init is refused");

    let add = vigil(
        &[
            &["user", "add"],
            &db[..],
            &["maria", "--role", "documenter"],
        ]
        .concat(),
        &[("VIGIL_NEW_PASSWORD", "documenter password")],
    );
    assert!(add.status.success(), "{}", text(&add));
    let weak = vigil(
        &[&["user", "add"], &db[..], &["pedro", "--role", "viewer"]].concat(),
        &[("VIGIL_NEW_PASSWORD", "short")],
    );
    assert!(!weak.status.success());
    let bad_role = vigil(
        &[&["user", "add"], &db[..], &["pedro", "--role", "king"]].concat(),
        &[("VIGIL_NEW_PASSWORD", "documenter password")],
    );
    assert!(!bad_role.status.success() && text(&bad_role).contains("unknown role"));

    let list = vigil(&[&["user", "list"], &db[..]].concat(), &[]);
    let out = text(&list);
    assert!(
        out.contains("admin")
            && out.contains("maria")
            && out.contains("documenter")
            && !out.contains("pedro"),
        "{out}"
    );
    assert!(
        vigil(&[&["user", "disable"], &db[..], &["maria"]].concat(), &[])
            .status
            .success()
    );
    let out = text(&vigil(&[&["user", "list"], &db[..]].concat(), &[]));
    assert!(
        out.lines()
            .any(|l| l.starts_with("maria") && l.contains("disabled")),
        "{out}"
    );

    // Wrong key, key inside the data directory, no key: refused, clearly.
    let other = keys.path().join("other.key");
    std::fs::write(&other, "6b".repeat(32)).unwrap();
    let wrong = vigil(
        &[
            "user",
            "list",
            "--data",
            d,
            "--key-file",
            other.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        !wrong.status.success() && text(&wrong).contains("cannot be opened with this key"),
        "{}",
        text(&wrong)
    );
    let inside = Path::new(d).join("k");
    std::fs::copy(key, &inside).unwrap();
    let res = vigil(
        &[
            "user",
            "list",
            "--data",
            d,
            "--key-file",
            inside.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!res.status.success() && text(&res).contains("inside the data directory"));
    let res = vigil(&["user", "list", "--data", d], &[]);
    assert!(!res.status.success() && text(&res).contains("no key given"));
    // The key from the environment works too.
    let env = vigil(
        &["user", "list", "--data", d],
        &[("VIGIL_MASTER_KEY", &"5a".repeat(32))],
    );
    assert!(env.status.success(), "{}", text(&env));
}

#[test]
fn a_passphrase_instance_opens_only_with_its_passphrase() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path().join("v");
    let d = d.to_str().unwrap();
    let pass = [
        ("VIGIL_PASSPHRASE", "correct horse battery staple"),
        ("VIGIL_NEW_PASSWORD", "a long admin password"),
    ];
    assert!(vigil(&["init", "--data", d], &pass).status.success());
    assert!(Path::new(d).join("vigil.salt").exists());
    assert!(vigil(&["user", "list", "--data", d], &pass[..1])
        .status
        .success());
    let wrong = vigil(
        &["user", "list", "--data", d],
        &[("VIGIL_PASSPHRASE", "wrong horse battery staple")],
    );
    assert!(!wrong.status.success());
}

#[test]
fn misconfigurations_fail_loudly() {
    let res = vigil(
        &["serve", "--database-url", "mysql://root:secret@db/vigil"],
        &[],
    );
    assert!(!res.status.success());
    let out = text(&res);
    assert!(
        out.contains("unrecognised database URL") && !out.contains("secret"),
        "{out}"
    );
    let res = vigil(&["serve", "--data", "/nonexistent/vigil"], &[]);
    assert!(!res.status.success() && text(&res).contains("vigil init"));
    let res = vigil(&["serve"], &[]);
    assert!(!res.status.success() && text(&res).contains("--data"));
}
