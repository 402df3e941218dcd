//! Vigil in a real browser: Debian's Chromium driven through ChromeDriver (WebDriver,
//! with a few DevTools commands for screenshots, caching and downloads) against the
//! application served in-process on a random local port.
//!
//! - the new documenter's journey (log in, find the defender, record an incident with
//!   two violations and two sources through the no-JavaScript form, find it by
//!   full-text search, see it counted in the statistics, export it as CSV), once
//!   with JavaScript disabled and once with it enabled, with screenshots of every
//!   step at 360 and 1280 px under `target/e2e-artifacts/<run>/<step>-<width>.png`;
//! - every page as every role: axe-core (pinned in `e2e/package.json`) finds no
//!   serious or critical violation, and the page stays light (HTML+CSS+JS, requests)
//!   and first-party, as the browser itself measured it;
//! - the incident form used with the keyboard alone, with a visible focus indicator.
//!
//! Without `chromium`/`chromedriver` (or without `npm ci --prefix e2e` for axe-core)
//! the tests say loudly that they were skipped; `VIGIL_TEST_REQUIRE_BROWSER=1` (CI)
//! makes that a failure.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use fantoccini::actions::{InputSource as _, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use vigil_domain::Role;
use vigil_web::WebConfig;

use crate::support::{self, TestDb, PASSWORD};

/// Set to `1` (as CI does) to make a missing browser a failure, not a skip.
pub const REQUIRE_BROWSER_ENV: &str = "VIGIL_TEST_REQUIRE_BROWSER";
/// The page-weight budget of DESIGN §6: HTML+CSS+JS, uncompressed.
const MAX_PAGE_BYTES: f64 = 30.0 * 1024.0;
/// The document and at most three more requests.
const MAX_REQUESTS: usize = 4;

// ------------------------------------------------------------------ the tools

struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

/// An executable given by `env`, else the first of `names` found in `/usr/bin` or on
/// the `PATH`.
fn executable(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::iter::once(PathBuf::from("/usr/bin"))
        .chain(std::env::split_paths(&path))
        .collect();
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// Chromium and ChromeDriver, or `None` after saying loudly that `test` was skipped.
/// With `VIGIL_TEST_REQUIRE_BROWSER=1` a missing tool fails the test.
fn tools(test: &str) -> Option<Tools> {
    let chromium = executable("VIGIL_CHROMIUM", &["chromium", "chromium-browser"]);
    let chromedriver = executable("VIGIL_CHROMEDRIVER", &["chromedriver"]);
    match (chromium, chromedriver) {
        (Some(chromium), Some(chromedriver)) => Some(Tools {
            chromium,
            chromedriver,
        }),
        _ => {
            skip(
                test,
                "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
            );
            None
        }
    }
}

/// Say, where the test runner cannot swallow it, that a browser test did not run;
/// fail instead when CI requires the browser.
fn skip(test: &str, why: &str) {
    if std::env::var(REQUIRE_BROWSER_ENV).is_ok_and(|v| v == "1") {
        panic!("{REQUIRE_BROWSER_ENV}=1 but {why}");
    }
    let _ = writeln!(
        std::io::stderr().lock(),
        "*** SKIPPED: browser test `{test}` — {why} ***"
    );
}

/// The workspace root, without `..` (Chromium never finishes a download into a
/// directory named with `..`).
fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// axe-core's source, installed by `npm ci --prefix e2e`; `None` after a loud skip.
fn axe_source(test: &str) -> Option<String> {
    let path = workspace_root().join("e2e/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) => {
            skip(
                test,
                &format!("{} is missing (run `npm ci --prefix e2e`)", path.display()),
            );
            None
        }
    }
}

/// `target/e2e-artifacts/<run>`, emptied.
fn artifacts(run: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let dir = target.join("e2e-artifacts").join(run);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

// ---------------------------------------------------------- server and browser

/// Serve Vigil on `db` at a random port of 127.0.0.1, as `vigil serve` does.
async fn serve(db: &TestDb) -> String {
    let app = vigil_web::router(db.store.clone(), WebConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    format!("http://{addr}")
}

/// A ChromeDriver process; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver(tools: &Tools, log: &Path) -> Driver {
    let port = free_port();
    let child = Command::new(&tools.chromedriver)
        .arg(format!("--port={port}"))
        .arg(format!("--log-path={}", log.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    driver
}

/// What a test body gets: the browser, the server and where to put artefacts.
struct Ctx {
    c: Client,
    base: String,
    dir: PathBuf,
    db: Arc<TestDb>,
}

impl Ctx {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Start ChromeDriver and one Chromium (JavaScript on or off) for `run`, serve a
/// fresh database, run `body`, and always end the browser and the driver — also
/// when the body panics, whose panic is then passed on.
async fn with_browser<F, Fut>(run: &str, javascript: bool, body: F)
where
    F: FnOnce(Arc<Ctx>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Some(tools) = tools(run) else { return };
    let dir = artifacts(run);
    let profile = tempfile::tempdir().unwrap();
    let downloads = dir.join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let driver = start_driver(&tools, &dir.join("chromedriver.log")).await;
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": tools.chromium,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--lang=en-US",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": {
                "profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 },
                "intl.accept_languages": "en-US,en",
                "download.default_directory": downloads,
                "download.prompt_for_download": false,
            },
        },
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("cannot start Chromium through ChromeDriver: {e}"));
    // Generous: CI runs these beside the whole suite on two cores.
    c.update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
        Some(Duration::from_secs(120)),
        Some(Duration::from_secs(120)),
        None,
    ))
    .await
    .unwrap();
    let db = Arc::new(support::sqlite().await);
    let base = serve(&db).await;
    let ctx = Arc::new(Ctx {
        c: c.clone(),
        base,
        dir,
        db: db.clone(),
    });
    cdp(
        &c,
        "Browser.setDownloadBehavior",
        json!({"behavior": "allow", "downloadPath": downloads}),
    )
    .await;
    let outcome = tokio::spawn(body(ctx)).await;
    let _ = c.close().await;
    drop(driver);
    drop(profile);
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("browser test {run} was cancelled");
    }
}

/// A Chrome DevTools command sent through ChromeDriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({"cmd": self.cmd, "params": self.params}).to_string()),
        )
    }
}

async fn cdp(c: &Client, cmd: &'static str, params: Value) -> Value {
    c.issue_cmd(Cdp { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("DevTools {cmd}: {e}"))
}

/// Full-page screenshots of what the browser shows, at a phone's 360 px and a
/// desktop's 1280 px, saved as `<step>-<width>.png`.
async fn shot(ctx: &Ctx, step: &str) {
    for width in [360u32, 1280] {
        cdp(
            &ctx.c,
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 600}),
        )
        .await;
        let png = cdp(
            &ctx.c,
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        )
        .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png["data"].as_str().expect("screenshot data"))
            .unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{step}: not a PNG");
        std::fs::write(ctx.dir.join(format!("{step}-{width}.png")), bytes).unwrap();
    }
    cdp(&ctx.c, "Emulation.clearDeviceMetricsOverride", json!({})).await;
}

// ------------------------------------------------------------------- helpers

async fn css(c: &Client, selector: &str) -> fantoccini::elements::Element {
    match c.find(Locator::Css(selector)).await {
        Ok(e) => e,
        Err(e) => panic!("no {selector} on {}: {e}", url_of(c).await),
    }
}

async fn url_of(c: &Client) -> String {
    c.current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// The visible text of the page.
async fn text(c: &Client) -> String {
    css(c, "body").await.text().await.unwrap()
}

/// Type `value` into the field with this id (after clearing it).
async fn fill(c: &Client, id: &str, value: &str) {
    let e = css(c, &format!("#{id}")).await;
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn choose(c: &Client, id: &str, value: &str) {
    css(c, &format!("#{id}"))
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("select {value} in #{id}: {e}"));
}

/// Click what navigates (a link, a submit button) and wait for the new page.
async fn click(c: &Client, selector: &str) {
    let e = css(c, selector).await;
    let old = css(c, "html").await;
    e.click().await.unwrap();
    new_page(c, old).await;
}

/// Wait until `old` (the previous page's root) is gone: the next page has replaced it.
async fn new_page(c: &Client, old: fantoccini::elements::Element) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while old.attr("lang").await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "no new page came after {}",
            url_of(c).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn login(ctx: &Ctx, username: &str, shoot: bool) {
    let c = &ctx.c;
    c.goto(&ctx.url("/login")).await.unwrap();
    if shoot {
        shot(ctx, "01-login").await;
    }
    fill(c, "username", username).await;
    fill(c, "password", PASSWORD).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    let at = url_of(c).await;
    assert!(
        !at.contains("/login"),
        "{username} is not logged in: {at}\n{}",
        text(c).await
    );
}

/// Did the page run scripts? Checked on a page of our own making.
async fn scripts_run(c: &Client) -> bool {
    c.goto("data:text/html,<title>off</title><script>document.title='on'</script>")
        .await
        .unwrap();
    c.title().await.unwrap() == "on"
}

// ---------------------------------------------------------------- the journey

/// Journey 1 of JOURNEYS.md as a new documenter walks it.
async fn documenter_journey(ctx: Arc<Ctx>, javascript: bool) {
    let c = &ctx.c;
    assert_eq!(
        scripts_run(c).await,
        javascript,
        "JavaScript is not {}",
        if javascript { "on" } else { "off" }
    );
    // The team has already registered the defender and his brother.
    let team = ctx.db.access(Role::Documenter).await;
    let victim = support::create_person(&team, "Efraín Yule Pequi").await;
    let brother = support::create_person(&team, "Julio Yule Pequi").await;
    let user = ctx.db.user(Role::Documenter).await;

    login(&ctx, &user.username, true).await;
    shot(&ctx, "02-home").await;

    // She finds the defender and his brother and reads their codes.
    c.goto(&ctx.url("/persons")).await.unwrap();
    fill(c, "q", "Yule").await;
    click(c, "form[role=search] button[type=submit]").await;
    shot(&ctx, "03-find-defender").await;
    let rows = text(c).await;
    for p in [&victim, &brother] {
        assert!(
            rows.contains(&p.code),
            "{} missing from the person search",
            p.code
        );
    }

    // The incident form, without any script: rows are added by the server.
    c.goto(&ctx.url("/")).await.unwrap();
    click(c, "main a[href='/incidents/new']").await;
    fill(c, "title", "Land defender shot dead near Toribío").await;
    fill(
        c,
        "narrative",
        "Shot by two men on a motorbike near the river.",
    )
    .await;
    fill(c, "start_date", "2024-03-15").await;
    fill(c, "country", "Colombia").await;
    fill(c, "region", "cauca").await;
    fill(c, "locality", "Toribío").await;
    choose(c, "business_sector", "agribusiness").await;
    choose(c, "status", "under_verification").await;
    choose(c, "v0_type", "killing").await;
    fill(c, "v0_victim", &victim.code).await;
    choose(c, "v0_p0_type", "hired_killers").await;
    choose(c, "s0_type", "relative").await;
    choose(c, "s0_reliability", "high").await;
    fill(c, "s0_origin", "Testimony of his sister").await;
    shot(&ctx, "04-incident-form").await;
    click(c, "button[value=add_violation]").await;
    assert_eq!(
        css(c, "#title")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Land defender shot dead near Toribío"),
        "what was typed survives adding a row"
    );
    choose(c, "v1_type", "death_threat").await;
    fill(c, "v1_victim", &brother.code).await;
    fill(c, "v1_date", "2024-02").await;
    click(c, "button[value=add_source]").await;
    choose(c, "s1_type", "media").await;
    choose(c, "s1_reliability", "medium").await;
    fill(c, "s1_origin", "Radio Nasa Estéreo").await;
    shot(&ctx, "05-incident-form-filled").await;
    click(c, "button[value=save]").await;
    let at = url_of(c).await;
    let id: String = at
        .split("/incidents/")
        .nth(1)
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(!id.is_empty(), "not on the new incident's page: {at}");
    shot(&ctx, "06-incident").await;
    let page = text(c).await;
    for expected in [
        "Land defender shot dead near Toribío",
        "Killing",
        "Death threat",
        "Hired killers",
        "2024-02",
        "Radio Nasa Estéreo",
        "2 independent sources",
        victim.code.as_str(),
        brother.code.as_str(),
    ] {
        assert!(
            page.contains(expected),
            "{expected} missing from the incident page"
        );
    }

    // Found by full-text search from the home page (accents folded).
    c.goto(&ctx.url("/")).await.unwrap();
    fill(c, "q", "toribio").await;
    click(c, "form[role=search] button[type=submit]").await;
    shot(&ctx, "07-search").await;
    let hit = format!("a[href='/incidents/{id}']");
    assert!(
        c.find(Locator::Css(&hit)).await.is_ok(),
        "the incident is not found by searching `toribio`"
    );

    // Counted in the statistics: violations by type, from the main navigation.
    click(c, "nav a[href='/statistics']").await;
    choose(c, "measure", "violations").await;
    choose(c, "by", "violation_type").await;
    click(c, "form[action='/statistics'] button[type=submit]").await;
    shot(&ctx, "08-statistics").await;
    let total = css(c, "#result").await.text().await.unwrap();
    assert!(total.contains('2'), "two violations counted: {total}");
    let mut counted = Vec::new();
    for row in c
        .find_all(Locator::Css("main table tbody tr"))
        .await
        .unwrap()
    {
        counted.push(row.text().await.unwrap());
    }
    for (label, n) in [("Killing", "1"), ("Death threat", "1")] {
        assert!(
            counted
                .iter()
                .any(|r| r.starts_with(label) && r.trim_end().ends_with(n)),
            "{label} is not counted {n} in {counted:?}"
        );
    }

    // Exported from the search results: the browser downloads the CSV.
    c.goto(&ctx.url("/incidents?q=toribio")).await.unwrap();
    css(c, "a[href^='/incidents.csv']")
        .await
        .click()
        .await
        .unwrap();
    let csv = downloaded(&ctx.dir.join("downloads")).await;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let title_col = headers
        .iter()
        .position(|h| h == "title")
        .unwrap_or_else(|| panic!("no title column in {headers:?}"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "one incident matches the search: {csv}");
    assert_eq!(
        rows[0].get(title_col),
        Some("Land defender shot dead near Toribío")
    );
    assert!(
        csv.contains("killing") && csv.contains("death_threat"),
        "{csv}"
    );
}

/// The first finished `.csv` file to appear in `dir`.
async fn downloaded(dir: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "csv"));
        if let Some(p) = done {
            return std::fs::read_to_string(p).unwrap();
        }
        assert!(Instant::now() < deadline, "no CSV was downloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_documenter_records_finds_and_exports_an_incident_without_javascript() {
    with_browser("journey-no-js", false, |ctx| documenter_journey(ctx, false)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_documenter_records_finds_and_exports_an_incident_with_javascript() {
    with_browser("journey-js", true, |ctx| documenter_journey(ctx, true)).await;
}

// ------------------------------------------------- accessibility and weight

/// What the browser measured of one page (Resource Timing and the DOM).
const MEASURE: &str = r#"
const nav = performance.getEntriesByType('navigation')[0];
const res = performance.getEntriesByType('resource');
const refs = [];
for (const e of document.querySelectorAll('[src],[href],[action],[poster],[srcset]')) {
  for (const a of ['src', 'href', 'action', 'poster']) {
    const v = e.getAttribute(a);
    if (v) refs.push(new URL(v, document.baseURI).href);
  }
}
return {
  status: nav ? nav.responseStatus : 0,
  html: nav ? nav.decodedBodySize : 0,
  origin: location.origin,
  resources: res.map(r => ({name: r.name, size: r.decodedBodySize})),
  refs,
};
"#;

/// axe-core on the whole document; the violations, one line per node.
const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
  .then(r => done(r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + '  ' + n.html.slice(0, 160)),
  }))))
  .catch(e => done({error: String(e)}));
"#;

/// Every page as every role, in the JavaScript-enabled browser with its cache off:
/// no serious or critical axe-core violation; at most 30 KB of HTML+CSS+JS and four
/// requests, as Resource Timing counts them; nothing from another host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_as_every_role_is_accessible_light_and_first_party() {
    let run = "pages";
    let Some(axe) = axe_source(run) else { return };
    with_browser(run, true, move |ctx| async move {
        let c = &ctx.c;
        cdp(c, "Network.enable", json!({})).await;
        cdp(
            c,
            "Network.setCacheDisabled",
            json!({"cacheDisabled": true}),
        )
        .await;
        let a = ctx.db.access(Role::Documenter).await;
        let seeded = support::seed(&a).await;
        let mut failures = Vec::new();
        let mut heaviest = (0.0f64, String::new());
        let mut checked = 0;
        let mut lesser = std::collections::BTreeMap::<String, usize>::new();
        // axe-core finds what it is there to find: an image without a text alternative.
        c.goto("data:text/html,<html lang=en><title>t</title><img src=x.png>")
            .await
            .unwrap();
        let bad = axe_violations(c, &axe, "a page made to fail").await;
        assert!(
            bad.iter()
                .any(|v| v["id"] == "image-alt" && v["impact"] == "critical"),
            "axe-core missed an image without alt text: {bad:?}"
        );
        for role in Role::ALL {
            let user = ctx.db.user(role).await;
            login(&ctx, &user.username, false).await;
            let mut pages: Vec<(String, bool)> = support::every_page(&seeded)
                .into_iter()
                .filter(|p| !p.path.ends_with(".csv")) // downloads, not pages
                .map(|p| {
                    let allowed = p.allowed(role);
                    (p.path, allowed)
                })
                .collect();
            pages.push(("/nowhere".into(), false));
            for (path, allowed) in pages {
                c.goto(&ctx.url(&path)).await.unwrap();
                let m = c.execute(MEASURE, vec![]).await.unwrap();
                let where_ = format!("{role} {path}");
                let status = m["status"].as_u64().unwrap_or(0);
                let want = match (path.as_str(), allowed) {
                    ("/nowhere", _) => 404,
                    (_, true) => 200,
                    (_, false) => 403,
                };
                if status != want {
                    failures.push(format!("{where_}: status {status}, not {want}"));
                }
                let html = m["html"].as_f64().unwrap_or(0.0);
                assert!(html > 0.0, "{where_}: the browser measured no HTML");
                let resources = m["resources"].as_array().unwrap();
                let bytes = html
                    + resources
                        .iter()
                        .map(|r| r["size"].as_f64().unwrap_or(0.0))
                        .sum::<f64>();
                if bytes > heaviest.0 {
                    heaviest = (bytes, where_.clone());
                }
                if bytes > MAX_PAGE_BYTES {
                    failures.push(format!("{where_}: {bytes} bytes of HTML+CSS+JS"));
                }
                if 1 + resources.len() > MAX_REQUESTS {
                    failures.push(format!(
                        "{where_}: {} requests ({resources:?})",
                        1 + resources.len()
                    ));
                }
                if !resources.iter().any(|r| {
                    r["name"]
                        .as_str()
                        .is_some_and(|n| n.contains("/static/style.css"))
                }) {
                    failures.push(format!("{where_}: the stylesheet was not measured"));
                }
                let origin = m["origin"].as_str().unwrap();
                let loaded = resources.iter().filter_map(|r| r["name"].as_str());
                let referenced = m["refs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(Value::as_str);
                for u in loaded.chain(referenced) {
                    if (u.starts_with("http:") || u.starts_with("https:") || u.starts_with("//"))
                        && !u.starts_with(&format!("{origin}/"))
                    {
                        failures.push(format!("{where_}: references another host: {u}"));
                    }
                }
                // Accessibility, with axe-core injected into the page.
                for v in axe_violations(c, &axe, &where_).await {
                    let impact = v["impact"].as_str().unwrap_or("");
                    *lesser
                        .entry(format!("{impact} {}", v["id"].as_str().unwrap_or("")))
                        .or_insert(0) += 1;
                    if impact == "serious" || impact == "critical" {
                        failures.push(format!(
                            "{where_}: axe {impact} `{}` ({}): {}",
                            v["id"].as_str().unwrap_or(""),
                            v["help"].as_str().unwrap_or(""),
                            v["nodes"]
                        ));
                    }
                }
                checked += 1;
            }
            // Log out for the next role (the form is in every page's header).
            c.goto(&ctx.url("/")).await.unwrap();
            click(c, "form[action='/logout'] button").await;
        }
        let _ = writeln!(
            std::io::stderr().lock(),
            "browser crawl: {checked} pages checked; heaviest {} bytes ({})",
            heaviest.0,
            heaviest.1
        );
        let _ = writeln!(
            std::io::stderr().lock(),
            "axe-core findings (page × role, any impact): {lesser:?}"
        );
        assert!(checked >= 100, "only {checked} pages were checked");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
    .await;
}

/// Inject axe-core into the page and run it; its violations.
async fn axe_violations(c: &Client, axe: &str, where_: &str) -> Vec<Value> {
    c.execute(&format!("{axe}\n;return true;"), vec![])
        .await
        .unwrap_or_else(|e| panic!("{where_}: cannot inject axe-core: {e}"));
    let found = c.execute_async(AXE_RUN, vec![]).await.unwrap();
    match found {
        Value::Array(v) => v,
        other => panic!("{where_}: axe-core failed: {other}"),
    }
}

// ------------------------------------------------------------------- keyboard

/// Press keys on whatever has the focus (no element is clicked or targeted).
async fn press(c: &Client, keys: &str) {
    let mut seq = KeyActions::new("keyboard".into());
    for k in keys.chars() {
        seq = seq
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k });
    }
    c.perform_actions(seq).await.unwrap();
}

/// Describe the focused element as `id` or `name=value`.
async fn focused(c: &Client) -> String {
    let e = c.active_element().await.unwrap();
    let id = e.attr("id").await.unwrap().unwrap_or_default();
    if !id.is_empty() {
        return id;
    }
    let name = e.attr("name").await.unwrap().unwrap_or_default();
    let value = e.attr("value").await.unwrap().unwrap_or_default();
    format!("{name}={value}")
}

/// Tab until `target` has the focus, checking that every stop shows it can be seen.
async fn tab_to(c: &Client, target: &str) {
    for _ in 0..120 {
        press(c, &Key::Tab.to_string()).await;
        let now = focused(c).await;
        let e = c.active_element().await.unwrap();
        let outline = e.css_value("outline-style").await.unwrap();
        let width = e.css_value("outline-width").await.unwrap();
        let shadow = e.css_value("box-shadow").await.unwrap();
        assert!(
            (outline != "none" && width != "0px") || shadow != "none",
            "no visible focus indicator on {now} ({outline} {width}, {shadow})"
        );
        if now == target {
            return;
        }
    }
    panic!("{target} cannot be reached with the Tab key");
}

/// Choose an option of the focused closed select with the arrow keys.
async fn arrow_to(c: &Client, value: &str) {
    for _ in 0..100 {
        let e = c.active_element().await.unwrap();
        if e.prop("value").await.unwrap().as_deref() == Some(value) {
            return;
        }
        press(c, &Key::Down.to_string()).await;
    }
    panic!("option {value} cannot be reached with the arrow keys");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_incident_form_works_with_the_keyboard_alone() {
    with_browser("keyboard", true, |ctx| async move {
        let c = &ctx.c;
        let team = ctx.db.access(Role::Documenter).await;
        let victim = support::create_person(&team, "Berta Cáceres Flores").await;
        let colleague = support::create_person(&team, "Gustavo Castro Soto").await;
        let user = ctx.db.user(Role::Documenter).await;
        login(&ctx, &user.username, false).await;
        c.goto(&ctx.url("/incidents/new")).await.unwrap();

        tab_to(c, "title").await;
        press(c, "Defender shot at home in La Esperanza").await;
        tab_to(c, "start_date").await;
        press(c, "2016-03-03").await;
        tab_to(c, "country").await;
        press(c, "HN").await;
        tab_to(c, "v0_type").await;
        arrow_to(c, "killing").await;
        tab_to(c, "v0_victim").await;
        press(c, &victim.code).await;
        tab_to(c, "action=add_violation").await;
        shot(&ctx, "01-focus-on-add-violation").await;
        let old = css(c, "html").await;
        press(c, &Key::Enter.to_string()).await;
        new_page(c, old).await;

        // The page comes back with a second row and what was typed.
        let title = css(c, "#title").await;
        assert_eq!(
            title.prop("value").await.unwrap().as_deref(),
            Some("Defender shot at home in La Esperanza")
        );
        tab_to(c, "v1_type").await;
        arrow_to(c, "attempted_killing").await;
        tab_to(c, "v1_victim").await;
        press(c, &colleague.code).await;
        tab_to(c, "action=save").await;
        shot(&ctx, "02-focus-on-save").await;
        let old = css(c, "html").await;
        press(c, &Key::Enter.to_string()).await;
        new_page(c, old).await;

        let at = url_of(c).await;
        assert!(
            at.contains("/incidents/") && !at.ends_with("/new"),
            "not saved: {at}\n{}",
            text(c).await
        );
        let page = text(c).await;
        assert!(page.contains("Defender shot at home in La Esperanza"));
        assert!(page.contains(&victim.code) && page.contains(&colleague.code));
        assert_eq!(ctx.db.counts().await.0, 1, "one incident saved");
    })
    .await;
}
