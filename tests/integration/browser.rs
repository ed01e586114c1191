//! Real headless Chromium: the pages render and axe-core finds no WCAG 2.1 A/AA
//! violations; the keyboard alone is enough. They need Chromium, chromedriver and
//! axe-core, so `cargo test` lists them as ignored with that reason; `.ci/run`
//! installs what they need and runs them (`-- --ignored`), where anything missing
//! is a failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::helpers::{REPO_ROOT, TestApp, berlin};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// One browser at a time: two Chromiums on two cores make keyboard timing flaky.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn axe_path() -> PathBuf {
    std::env::var("AXE_CORE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(REPO_ROOT).join("node_modules/axe-core/axe.min.js"))
}

/// chromedriver and the Chromium it starts for one test; on drop (also after a
/// panic) both are stopped: Chromium is found by its unique profile folder.
struct Driver {
    child: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("pkill")
            .arg("-f")
            .arg(self.profile.path())
            .status();
    }
}

/// Fails with what is missing: a browser test that runs must never pass unseen.
fn require_browser() {
    assert!(
        Path::new(CHROMEDRIVER).exists() && axe_path().exists(),
        "browser tests need {CHROMEDRIVER} (Debian: chromium-driver) and axe-core at {} \
         (AXE_CORE_JS, or npm install axe-core); bash .ci/run installs both",
        axe_path().display()
    );
}

async fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = tempfile::TempDir::new().expect("profile folder");
    Driver {
        child,
        port,
        profile,
    }
}

async fn open_browser(driver: &Driver) -> Client {
    let profile = driver.profile.path();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=390,844",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("browser session")
}

/// WCAG 2.1 A/AA violations on the current page, as (rule, impact, targets).
async fn axe_violations(client: &Client) -> Vec<Value> {
    let axe = std::fs::read_to_string(axe_path()).expect("axe-core");
    client.execute(&axe, vec![]).await.expect("inject axe");
    let result = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                 .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target) }))))
                 .catch(e => done([{ id: 'axe-error', impact: String(e) }]));"#,
            vec![],
        )
        .await
        .expect("axe run");
    result.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and axe-core; bash .ci/run installs them and runs it"]
async fn the_home_page_renders_in_chromium_and_passes_axe() {
    require_browser();
    let _turn = ONE_BROWSER.lock().await;
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-07-01T12:00")).await;
    let driver = start_driver().await;
    let client = open_browser(&driver).await;

    client.goto(&app.url("/")).await.unwrap();
    let cards = client.find_all(Locator::Css("li.card")).await.unwrap();
    assert_eq!(cards.len(), 12, "the 12 competitions are rendered");
    let title = client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(title, "SMARTCity Gera");
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "home page: {violations:#?}");
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    if let Ok(dir) = std::env::var("SCREENSHOT_DIR") {
        std::fs::write(Path::new(&dir).join("home.png"), &png).expect("screenshot saved");
    }

    client
        .goto(&app.url("/wettbewerbe/wir-lieben-gera?lang=en"))
        .await
        .unwrap();
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "competition page: {violations:#?}");

    client.goto(&app.url("/anmelden")).await.unwrap();
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "sign-in page: {violations:#?}");

    // The administrators' outbox, signed in through a real session cookie.
    let auth = &app.state.settings.auth;
    let now = app.state.now();
    ideenwettbewerb::services::identity::sign_in::request_link(
        &app.state.db,
        now,
        auth,
        &app.address,
        &ideenwettbewerb::domain::email_address::EmailAddress::parse("admin@localhost").unwrap(),
        "de",
        "b",
    )
    .await
    .unwrap();
    app.deliver().await;
    let token = std::fs::read_dir(app.outbox.path())
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .find_map(|raw| {
            let mail = mail_parser::MessageParser::default().parse(&raw)?;
            let text = mail.body_text(0)?.into_owned();
            text.split("token=")
                .nth(1)
                .map(|rest| rest.chars().take(64).collect::<String>())
        })
        .expect("sign-in mail");
    let (_, session) = ideenwettbewerb::services::identity::sign_in::complete(
        &app.state.db,
        now,
        auth,
        &token,
        Some("b"),
        None,
    )
    .await
    .unwrap();
    // Set as the server would (HttpOnly cannot be set from a script, but the
    // server reads the value the same way).
    let set = format!("document.cookie = 'iw_session={session}; path=/'");
    client.execute(&set, vec![]).await.unwrap();
    client
        .goto(&app.url("/admin/emails?lang=de"))
        .await
        .unwrap();
    let heading = client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "E-Mail-Ausgang");
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "outbox page: {violations:#?}");
    client
        .find(Locator::Css("td a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "email page: {violations:#?}");
    client.goto(&app.url("/konto?lang=de")).await.unwrap();
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "account page: {violations:#?}");

    // The entry form, filled in and sent with the keyboard alone.
    let form = "/wettbewerbe/unternehmen-smarte-vernetzung/einreichen?lang=de";
    client.goto(&app.url(form)).await.unwrap();
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "entry form: {violations:#?}");
    tab_to(&client, "title").await;
    type_text(&client, "Ladesäulen-Karte").await;
    tab_to(&client, "summary").await;
    type_text(&client, "Alle Ladesäulen der Stadt auf einer Karte.").await;
    tab_to(&client, "goal-1").await;
    press(&client, ' ').await;
    tab_to(&client, "detail_organisation").await;
    type_text(&client, "Stadtwerke-Start-up GmbH").await;
    tab_to_button(&client, "Entwurf speichern").await;
    press(&client, '\u{E007}').await;
    // Wait for the browser to arrive on the draft's page.
    for _ in 0..100 {
        let url = client.current_url().await.unwrap();
        if url.path().starts_with("/konto/ideen/") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let heading = client
        .wait()
        .for_element(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Ladesäulen-Karte", "the draft page after sending");
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "entry page: {violations:#?}");
    assert_eq!(app.count("entries").await, 1);

    // Submitting without the postcode: the summary of what to fix, accessible too.
    tab_to_button(&client, "Einreichen").await;
    press(&client, '\u{E007}').await;
    let summary = client
        .wait()
        .for_element(Locator::Css(".error-summary"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(summary.contains("Postleitzahl"), "{summary}");
    let violations = axe_violations(&client).await;
    assert!(
        violations.is_empty(),
        "entry page with errors: {violations:#?}"
    );
    // The link in the summary leads the keyboard to the field.
    client
        .find(Locator::Css(".error-summary a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let focused = client
        .execute("return location.hash", vec![])
        .await
        .unwrap();
    assert_eq!(focused, json!("#detail_postcode"));
    assert_eq!(app.count("entries WHERE status = 'draft'").await, 1);

    // The staff pages pass too.
    for page in [
        "/verwaltung?lang=de",
        "/verwaltung/wettbewerbe/1?lang=de",
        "/verwaltung/wettbewerbe/1/erfassen?lang=de",
        "/verwaltung/wettbewerbe/1/erfassen?lang=en",
        "/verwaltung/wettbewerbe/1/schritt/close?lang=de",
        "/verwaltung/wettbewerbe/1/verlauf?lang=de",
        "/verwaltung/personen?lang=de",
        "/verwaltung/personen/einladen?lang=de",
        "/verwaltung/personen/1?lang=de",
        "/verwaltung/personen/1?lang=en",
        "/verwaltung/wettbewerbe/neu?lang=de",
        "/verwaltung/wettbewerbe/neu?vorlage=1&lang=en",
        "/verwaltung/wettbewerbe/1/bearbeiten?lang=de",
        "/verwaltung/programm/1?lang=de",
        "/verwaltung/programm/1?lang=en",
        "/verwaltung/fristen?lang=de",
    ] {
        client.goto(&app.url(page)).await.unwrap();
        let violations = axe_violations(&client).await;
        assert!(violations.is_empty(), "{page}: {violations:#?}");
    }

    // WCAG 1.4.10: at 320 CSS pixels nothing scrolls sideways.
    client.set_window_size(320, 800).await.unwrap();
    let width: i64 = client
        .execute("return window.innerWidth", vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(width <= 330, "the window is narrow: {width}");
    let entry = format!("/konto/ideen/{}?lang=de", app.count("entries").await);
    for page in [
        "/?lang=de",
        "/?lang=en",
        "/wettbewerbe/wir-lieben-gera?lang=de",
        "/wettbewerbe/unternehmen-smarte-vernetzung/einreichen?lang=de",
        entry.as_str(),
        "/konto?lang=de",
        "/konto/ideen?lang=de",
        "/verwaltung?lang=de",
        "/verwaltung/wettbewerbe/1?lang=de",
        "/verwaltung/wettbewerbe/1/erfassen?lang=de",
        "/verwaltung/wettbewerbe/1/schritt/close?lang=de",
        "/verwaltung/personen?lang=de",
        "/verwaltung/personen/1?lang=de",
        "/verwaltung/wettbewerbe/1/bearbeiten?lang=de",
        "/verwaltung/programm/1?lang=de",
        "/admin/emails?lang=de",
        "/impressum?lang=de",
        "/datenschutz?lang=de",
        "/barrierefreiheit?lang=de",
        "/leichte-sprache?lang=de",
    ] {
        client.goto(&app.url(page)).await.unwrap();
        let overflow = client
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(overflow, json!(0), "{page} scrolls sideways at 320 px");
    }

    client.close().await.unwrap();
}

async fn press(client: &Client, key: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    client.perform_actions(keys).await.unwrap();
}

async fn type_text(client: &Client, text: &str) {
    let mut keys = KeyActions::new("keyboard".into());
    for c in text.chars() {
        keys = keys
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    client.perform_actions(keys).await.unwrap();
}

/// Presses Tab until the button labelled `label` has the focus.
async fn tab_to_button(client: &Client, label: &str) {
    let script = "return document.activeElement.tagName === 'BUTTON' ? document.activeElement.textContent.trim() : ''";
    for _ in 0..60 {
        if client.execute(script, vec![]).await.unwrap() == json!(label) {
            return;
        }
        press(client, '\u{E004}').await;
    }
    panic!("Tab never reached the button {label}");
}

/// Presses Tab until the element with `id` has the focus.
async fn tab_to(client: &Client, id: &str) {
    for _ in 0..40 {
        let focused = client
            .execute("return document.activeElement.id", vec![])
            .await
            .unwrap();
        if focused == json!(id) {
            return;
        }
        press(client, '\u{E004}').await;
    }
    panic!("Tab never reached #{id}");
}

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and axe-core; bash .ci/run installs them and runs it"]
async fn the_skip_link_is_the_first_stop_for_the_keyboard() {
    require_browser();
    let _turn = ONE_BROWSER.lock().await;
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let client = open_browser(&driver).await;
    client.goto(&app.url("/?lang=de")).await.unwrap();

    let tab = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: '\u{E004}' })
        .then(KeyAction::Up { value: '\u{E004}' });
    client.perform_actions(tab).await.unwrap();
    let focused = client
        .execute("return document.activeElement.textContent.trim()", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "Zum Inhalt springen");
    let enter = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: '\u{E007}' })
        .then(KeyAction::Up { value: '\u{E007}' });
    client.perform_actions(enter).await.unwrap();
    let url = client.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some("main"));
    client.close().await.unwrap();
}
