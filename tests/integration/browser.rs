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
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
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
    for _ in 0..150 {
        if client.execute(script, vec![]).await.unwrap() == json!(label) {
            return;
        }
        press(client, '\u{E004}').await;
    }
    panic!("Tab never reached the button {label}");
}

/// Presses Tab until the element with `id` has the focus.
async fn tab_to(client: &Client, id: &str) {
    for _ in 0..150 {
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

/// A session cookie for the staff member `email`, signed in with a password
/// (the sign-in itself has its own tests).
async fn session_for(app: &TestApp, email: &str) -> String {
    use ideenwettbewerb::services::identity::{credentials, sign_in};
    let now = app.state.now();
    let person = ideenwettbewerb::entities::user::Entity::find()
        .filter(ideenwettbewerb::entities::user::Column::Email.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the account");
    let password = "Sonnenblume-Gera-2020";
    credentials::set_password(&app.state.db, now, person.id, password)
        .await
        .unwrap();
    let (_, session) = sign_in::sign_in_with_password(
        &app.state.db,
        now,
        &app.state.settings.auth,
        email,
        password,
        None,
    )
    .await
    .map_err(|_| "signed in")
    .unwrap();
    session
}

/// Sets a field of the page's form by its name (text, date, select alike).
async fn fill(client: &Client, name: &str, value: &str) {
    let found = client
        .execute(
            "const f = document.querySelector(`main [name='${arguments[0]}']`); \
             if (!f) return false; f.value = arguments[1]; return true;",
            vec![json!(name), json!(value)],
        )
        .await
        .unwrap();
    assert_eq!(found, json!(true), "a field named {name}");
}

/// Presses the form's submit button, then waits for the next page.
async fn submit(client: &Client) {
    let before = client.current_url().await.unwrap();
    client
        .find(Locator::Css("main form.stacked-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        let ready = client
            .execute("return document.readyState", vec![])
            .await
            .unwrap();
        if client.current_url().await.unwrap() != before && ready == json!("complete") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The text of the page's `main`, waiting while a navigation is under way
/// (between pages there is briefly no `main`, or only a stale one).
async fn page_text(client: &Client) -> String {
    let mut last = None;
    for _ in 0..100 {
        match client.find(Locator::Css("main")).await {
            Ok(main) => match main.text().await {
                Ok(text) => return text,
                Err(e) => last = Some(e),
            },
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no main on the page after 5 s: {last:?}");
}

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and axe-core; bash .ci/run installs them and runs it"]
async fn staff_run_a_competition_from_set_up_to_review_in_chromium() {
    use ideenwettbewerb::entities::{audit_entry, subscription};
    use sea_orm::{ActiveModelTrait, Set};
    require_browser();
    let _turn = ONE_BROWSER.lock().await;
    let smtp = ideenwettbewerb::mail::sink::SmtpSink::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;
    app.move_clock_to(berlin("2020-11-02T10:00")).await;
    // Someone who follows the programme hears of each public step.
    subscription::ActiveModel {
        email: Set("nachbarin@example.de".into()),
        locale: Set("de".into()),
        programme_id: Set(1),
        competition_id: Set(None),
        status: Set("confirmed".into()),
        confirm_token_hash: Set("x".into()),
        unsubscribe_token: Set("unsubscribe-nachbarin".into()),
        created_at: Set(app.state.now()),
        confirmed_at: Set(Some(app.state.now())),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let session = session_for(&app, "admin@localhost").await;
    let driver = start_driver().await;
    let client = open_browser(&driver).await;
    client.goto(&app.url("/?lang=de")).await.unwrap();
    let set = format!("document.cookie = 'iw_session={session}; path=/'");
    client.execute(&set, vec![]).await.unwrap();
    let axe = |client: &Client, what: &'static str| {
        let client = client.clone();
        async move {
            let violations = axe_violations(&client).await;
            assert!(violations.is_empty(), "{what}: {violations:#?}");
        }
    };
    let actions = || async {
        audit_entry::Entity::find()
            .order_by_asc(audit_entry::Column::Id)
            .all(&app.state.db)
            .await
            .unwrap()
    };
    async fn mails_to(
        app: &TestApp,
        smtp: &ideenwettbewerb::mail::sink::SmtpSink,
        address: &str,
    ) -> usize {
        app.deliver().await;
        smtp.received()
            .iter()
            .filter(|m| m.to.iter().any(|to| to == address))
            .count()
    }

    // What the subscriber had before (other competitions of the programme).
    let before = mails_to(&app, &smtp, "nachbarin@example.de").await;

    // 1. Set up the competition on the form.
    client
        .goto(&app.url("/verwaltung/wettbewerbe/neu?lang=de"))
        .await
        .unwrap();
    axe(&client, "new competition").await;
    let (_, phases) = app.get("/api/programmes/1/phases").await;
    let phase = phases[2]["id"].as_i64().unwrap().to_string();
    let gera = app.competition_id("wir-lieben-gera").await.to_string();
    for (name, value) in [
        ("phase", phase.as_str()),
        ("slug", "schulwege-2020"),
        ("headline", "Sichere Schulwege"),
        ("target_group", "Schulklassen"),
        ("aim", "Sicher und gesund zur Schule"),
        ("opens_at", "2020-12-01T00:00"),
        ("closes_at", "2020-12-31T23:59"),
        ("prize", "0"),
        ("form_from", gera.as_str()),
    ] {
        fill(&client, name, value).await;
    }
    // Sent from the keyboard alone: Tab to the button, Enter.
    tab_to_button(&client, "Wettbewerb anlegen").await;
    press(&client, '\u{E007}').await;
    for _ in 0..100 {
        if page_text(&client)
            .await
            .contains("ist als Entwurf angelegt")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = page_text(&client).await;
    assert!(text.contains("ist als Entwurf angelegt"), "{text}");
    let id = app.competition_id("schulwege-2020").await;
    let last = actions().await.pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.to_state.as_deref()),
        ("competition.created", Some("draft"))
    );
    axe(&client, "competition page").await;
    let step =
        |event: &'static str| format!("/verwaltung/wettbewerbe/{id}/schritt/{event}?lang=de");

    // 2. Announce it (schedule): subscribers are told.
    client.goto(&app.url(&step("schedule"))).await.unwrap();
    axe(&client, "schedule step").await;
    // Every new staff page can be worked with the keyboard: its main button is
    // reached by Tab.
    for (page, button) in [
        ("/verwaltung/personen/einladen?lang=de", "Einladung senden"),
        ("/verwaltung/fristen?lang=de", "Einsendeschluss verlängern"),
        ("/verwaltung/programm/1?lang=de", "Änderungen speichern"),
        (
            &format!("/verwaltung/wettbewerbe/{id}/bearbeiten?lang=de")[..],
            "Änderungen speichern",
        ),
        ("/verwaltung/personen/1?lang=de", "Rolle ändern"),
    ] {
        client.goto(&app.url(page)).await.unwrap();
        tab_to_button(&client, button).await;
    }
    client.goto(&app.url(&step("schedule"))).await.unwrap();
    submit(&client).await;
    assert!(page_text(&client).await.contains("Erledigt: Ankündigen."));
    let last = actions().await.pop().unwrap();
    assert_eq!(last.to_state.as_deref(), Some("scheduled"));
    assert_eq!(
        mails_to(&app, &smtp, "nachbarin@example.de").await,
        before + 1,
        "announced"
    );

    // 3. Open it early: the rule wants a reason, and the form says so (also
    // when the browser's own check of the required field is switched off).
    client.goto(&app.url(&step("open"))).await.unwrap();
    client
        .execute(
            "document.querySelector('main form.stacked-form').noValidate = true",
            vec![],
        )
        .await
        .unwrap();
    submit(&client).await;
    let text = page_text(&client).await;
    assert!(text.contains("Bitte geben Sie einen Grund an."), "{text}");
    axe(&client, "open step with its error").await;
    fill(&client, "reason", "Die Schulen haben früher Zeit").await;
    submit(&client).await;
    assert!(page_text(&client).await.contains("Erledigt: Öffnen."));
    let last = actions().await.pop().unwrap();
    assert_eq!(
        (last.to_state.as_deref(), last.reason.as_deref()),
        (Some("open"), Some("Die Schulen haben früher Zeit"))
    );
    assert_eq!(
        mails_to(&app, &smtp, "nachbarin@example.de").await,
        before + 2,
        "opened"
    );

    // 4. Extend its deadline.
    client.goto(&app.url(&step("extend"))).await.unwrap();
    fill(&client, "closes_at", "2021-01-15T23:59").await;
    submit(&client).await;
    assert!(
        page_text(&client)
            .await
            .contains("Erledigt: Einsendeschluss verlängern.")
    );
    let last = actions().await.pop().unwrap();
    assert_eq!(last.action, "competition.updated");
    assert!(
        last.details.contains("2021-01-15T22:59"),
        "{}",
        last.details
    );
    assert_eq!(
        mails_to(&app, &smtp, "nachbarin@example.de").await,
        before + 3,
        "extended"
    );

    // 5. Record a paper idea: the entrant gets the receipt.
    client
        .goto(&app.url(&format!("/verwaltung/wettbewerbe/{id}/erfassen?lang=de")))
        .await
        .unwrap();
    axe(&client, "record an idea").await;
    for (name, value) in [
        ("entrant_email", "erna@example.de"),
        ("entrant_name", "Erna Schulze"),
        ("source", "paper"),
        ("title", "Zebrastreifen an der Grundschule"),
        ("summary", "Ein Zebrastreifen vor dem Schultor."),
    ] {
        fill(&client, name, value).await;
    }
    submit(&client).await;
    let text = page_text(&client).await;
    assert!(
        text.contains("Die Idee ist erfasst und eingereicht"),
        "{text}"
    );
    axe(&client, "recorded entry").await;
    let last = actions().await.pop().unwrap();
    assert_eq!(last.action, "entry.entered_on_behalf");
    assert_eq!(
        mails_to(&app, &smtp, "erna@example.de").await,
        1,
        "the receipt"
    );

    // 6. Close it early, with a reason; the administration is told.
    client.goto(&app.url(&step("close"))).await.unwrap();
    fill(&client, "reason", "Alle Schulen haben eingereicht").await;
    submit(&client).await;
    assert!(page_text(&client).await.contains("Erledigt: Schließen."));
    let last = actions().await.pop().unwrap();
    assert_eq!(
        (last.to_state.as_deref(), last.reason.as_deref()),
        (Some("closed"), Some("Alle Schulen haben eingereicht"))
    );
    assert!(
        mails_to(&app, &smtp, "admin@localhost").await >= 1,
        "the administration hears of it"
    );

    // 7. Start the review; the timeline shows every step.
    client.goto(&app.url(&step("start_review"))).await.unwrap();
    submit(&client).await;
    assert!(
        page_text(&client)
            .await
            .contains("Erledigt: Bewertung beginnen.")
    );
    assert_eq!(
        app.competition("schulwege-2020").await["state"],
        "in_review"
    );
    client
        .goto(&app.url(&format!("/verwaltung/wettbewerbe/{id}/verlauf?lang=de")))
        .await
        .unwrap();
    axe(&client, "history").await;
    let history = page_text(&client).await;
    for said in [
        "Die Schulen haben früher Zeit",
        "Alle Schulen haben eingereicht",
        "admin@localhost",
    ] {
        assert!(history.contains(said), "{said} in {history}");
    }
    client.close().await.unwrap();
}

/// A juror scores an entry on a phone-sized screen with the keyboard alone:
/// every criterion's score chosen by typing in its list, the sheet sent with
/// Enter; the queue, the sheet and a refusal pass axe.
#[tokio::test]
#[ignore = "needs Chromium, chromedriver and axe-core; bash .ci/run installs them and runs it"]
async fn a_juror_scores_with_the_keyboard_alone_in_chromium() {
    require_browser();
    let _turn = ONE_BROWSER.lock().await;
    let app = TestApp::spawn().await;
    let scene = crate::jury::school_entries(&app).await;
    let c = scene.competition;
    let jurors = crate::jury::seated_panel(&app, &scene).await;
    let (_, jury) = app.admin_get(&format!("/api/competitions/{c}/jury")).await;
    let keys: Vec<String> = jury["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_owned())
        .collect();
    let session = session_for(&app, "bernd.birke@jury.example").await;
    let driver = start_driver().await;
    let client = open_browser(&driver).await;
    client.goto(&app.url("/?lang=de")).await.unwrap();
    let set = format!("document.cookie = 'iw_session={session}; path=/'");
    client.execute(&set, vec![]).await.unwrap();
    let _ = jurors;

    client
        .goto(&app.url(&format!("/jury/wettbewerbe/{c}?lang=de")))
        .await
        .unwrap();
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "queue: {violations:#?}");
    let first = client
        .find(Locator::Css("main table a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    client.goto(&app.url(&first)).await.unwrap();
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "sheet: {violations:#?}");

    // Sending with one score only is refused in the form, which keeps it and
    // passes axe too.
    tab_to(&client, &format!("score-{}", keys[0])).await;
    type_text(&client, "8").await;
    tab_to_button(&client, "Bewertung abgeben").await;
    press(&client, '\u{E007}').await;
    for _ in 0..100 {
        if page_text(&client)
            .await
            .contains("Bitte vergeben Sie eine Punktzahl")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = page_text(&client).await;
    assert!(text.contains("Bitte vergeben Sie eine Punktzahl"), "{text}");
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "refused sheet: {violations:#?}");
    let kept = client
        .execute(
            &format!("return document.getElementById('score-{}').value", keys[0]),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept, json!("8"), "what was typed is kept");

    // Every criterion by keyboard, a comment on the last, then Enter.
    for key in &keys[1..] {
        tab_to(&client, &format!("score-{key}")).await;
        type_text(&client, "7").await;
    }
    tab_to(&client, &format!("comment-{}", keys[keys.len() - 1])).await;
    type_text(&client, "Gut für den Stadtteil.").await;
    tab_to_button(&client, "Bewertung abgeben").await;
    press(&client, '\u{E007}').await;
    for _ in 0..100 {
        if page_text(&client).await.contains("ist abgegeben. Danke!") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = page_text(&client).await;
    assert!(text.contains("ist abgegeben. Danke!"), "{text}");
    assert!(
        text.contains("Sie haben 1 von 3 Bewertungen abgegeben."),
        "{text}"
    );
    let submitted = app
        .count("score_sheets WHERE submitted_at IS NOT NULL")
        .await;
    assert_eq!(submitted, 1);
    assert_eq!(
        app.count("scores WHERE comment = 'Gut für den Stadtteil.'")
            .await,
        1
    );
    assert_eq!(app.count("scores WHERE score = 8").await, 1);
    client.close().await.unwrap();
}

/// Waits until the page's `main` contains `text`, then returns it.
async fn page_with(client: &Client, text: &str) -> String {
    for _ in 0..100 {
        let page = page_text(client).await;
        if page.contains(text) {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let page = page_text(client).await;
    panic!("never saw {text:?} on the page: {page}");
}

/// Opens `path` signed in with `session`, then checks it with axe.
async fn visit_clean(client: &Client, app: &TestApp, session: &str, path: &str) {
    client.goto(&app.url("/?lang=de")).await.unwrap();
    let set = format!("document.cookie = 'iw_session={session}; path=/'");
    client.execute(&set, vec![]).await.unwrap();
    client.goto(&app.url(path)).await.unwrap();
    let violations = axe_violations(client).await;
    assert!(violations.is_empty(), "{path}: {violations:#?}");
}

#[tokio::test]
#[ignore = "needs Chromium, chromedriver and axe-core; bash .ci/run installs them and runs it"]
async fn staff_and_the_chair_run_the_jury_with_the_keyboard_alone_in_chromium() {
    require_browser();
    let _turn = ONE_BROWSER.lock().await;
    let app = TestApp::spawn().await;
    let scene = crate::jury::school_entries(&app).await;
    let c = scene.competition;
    app.move_clock_to(berlin("2021-01-02T09:00")).await;
    let staff = session_for(&app, "admin@localhost").await;
    let driver = start_driver().await;
    let client = open_browser(&driver).await;

    // The pre-check: every entry admitted with the button, by keyboard.
    let precheck = format!("/verwaltung/wettbewerbe/{c}/vorpruefung?lang=de");
    visit_clean(&client, &app, &staff, &precheck).await;
    tab_to_button(&client, "4 übrige zulassen").await;
    press(&client, '\u{E007}').await;
    page_with(&client, "4 Einreichungen zugelassen").await;
    let violations = axe_violations(&client).await;
    assert!(
        violations.is_empty(),
        "after the pre-check: {violations:#?}"
    );
    assert_eq!(app.count("prechecks WHERE verdict = 'admitted'").await, 4);

    // The panel, seated; staff remind them from the jury page.
    let jurors = crate::jury::seat_panel(&app, &scene).await;
    let jury = format!("/verwaltung/wettbewerbe/{c}/jury?lang=de");
    visit_clean(&client, &app, &staff, &jury).await;
    tab_to_button(&client, "Jurymitglieder mit offenen Bewertungen erinnern").await;
    press(&client, '\u{E007}').await;
    page_with(&client, "3 Jurymitglieder erinnert").await;
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "after reminding: {violations:#?}");

    // Everyone scores (the sheet has its own browser test); the chair sees
    // their panels, then runs a round and locks the result by keyboard.
    crate::jury::everyone_scores(&app, c, &jurors).await;
    let chair = session_for(&app, "ilse.ahorn@jury.example").await;
    visit_clean(&client, &app, &chair, "/jury?lang=de").await;
    let sitting = format!("/jury/wettbewerbe/{c}/sitzung?lang=de");
    visit_clean(&client, &app, &chair, &sitting).await;
    tab_to_button(&client, "Neuen Rundgang eröffnen").await;
    press(&client, '\u{E007}').await;
    page_with(&client, "Rundgang 1 ist eröffnet").await;
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "an open round: {violations:#?}");
    let (_, queue) = crate::jury::call(
        &app,
        reqwest::Method::GET,
        &format!("/api/jury/competitions/{c}/entries"),
        None,
        &jurors[0].1,
    )
    .await;
    let last = queue.as_array().unwrap().last().unwrap()["kennzahl"]
        .as_str()
        .unwrap()
        .to_owned();
    // The chair decides it leaves: the outcome chosen by typing, as a keyboard
    // user does in a list.
    tab_to(&client, &format!("o-{last}")).await;
    type_text(&client, "s").await;
    tab_to(&client, &format!("rm-{last}")).await;
    type_text(&client, "Zu teuer.").await;
    tab_to_button(&client, &format!("Entscheidung erfassen: {last}")).await;
    press(&client, '\u{E007}').await;
    page_with(
        &client,
        &format!("Die Entscheidung zu Kennzahl {last} ist erfasst"),
    )
    .await;
    let text = page_text(&client).await;
    assert!(text.contains("scheidet aus"), "{text}");
    tab_to_button(&client, "Rundgang 1 schließen").await;
    press(&client, '\u{E007}').await;
    page_with(&client, "Rundgang 1 ist geschlossen").await;
    tab_to(&client, "lock-remark").await;
    type_text(&client, "Einstimmig.").await;
    tab_to_button(&client, "Ergebnis feststellen").await;
    press(&client, '\u{E007}').await;
    page_with(&client, "Das Ergebnis ist festgestellt").await;
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "the locked result: {violations:#?}");
    assert_eq!(
        app.count("competitions WHERE state = 'decided'").await,
        1,
        "locked"
    );

    // Staff's ranking and the Protokoll.
    for path in [
        format!("/verwaltung/wettbewerbe/{c}/rangfolge?lang=de"),
        format!("/verwaltung/wettbewerbe/{c}/protokoll?lang=de"),
    ] {
        visit_clean(&client, &app, &staff, &path).await;
    }
    let text = page_text(&client).await;
    assert!(
        text.contains("Einstimmig.") && text.contains("Zu teuer."),
        "{text}"
    );

    // Prizes: the suggestion awarded by keyboard; the page and the budget
    // overview pass axe.
    let (status, _, _) = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/competitions/{c}/prizes"),
            Some(json!({ "prizes": [
                { "tier": "first", "kind": "cash", "label": "Preisgeld", "value_cents": 300_000 },
                { "tier": "second", "kind": "event", "label": "Klassenparty", "value_cents": 100_000 },
            ]})),
            app.token.as_deref(),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let prizes = format!("/verwaltung/wettbewerbe/{c}/preise?lang=de");
    visit_clean(&client, &app, &staff, &prizes).await;
    let button = client
        .execute(
            "return document.querySelector('#suggestion button').textContent.trim()",
            vec![],
        )
        .await
        .unwrap();
    tab_to_button(&client, button.as_str().unwrap()).await;
    press(&client, '\u{E007}').await;
    page_with(&client, "Der Preis ist vergeben").await;
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "after awarding: {violations:#?}");
    assert_eq!(app.count("awards").await, 1);
    visit_clean(&client, &app, &staff, "/verwaltung/budget?lang=de").await;

    // The announcement, scheduled by keyboard; then, at its moment, the
    // public results page, in both languages, passes axe.
    let announce = format!("/verwaltung/wettbewerbe/{c}/bekanntgabe?lang=de");
    visit_clean(&client, &app, &staff, &announce).await;
    fill(&client, "at", "2030-01-15T18:00").await;
    tab_to(&client, "statement").await;
    type_text(&client, "Einstimmig entschieden.").await;
    tab_to_button(&client, "Bekanntgabe planen").await;
    press(&client, '\u{E007}').await;
    page_with(&client, "Die Bekanntgabe ist geplant").await;
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "after scheduling: {violations:#?}");
    let moved = app.move_clock_to(berlin("2030-01-15T18:01")).await;
    assert_eq!(moved.len(), 1, "{moved:?}");
    let slug = app.state.db.clone();
    let slug: String = {
        use sea_orm::{EntityTrait, QuerySelect};
        ideenwettbewerb::entities::competition::Entity::find_by_id(c)
            .select_only()
            .column(ideenwettbewerb::entities::competition::Column::Slug)
            .into_tuple()
            .one(&slug)
            .await
            .unwrap()
            .unwrap()
    };
    for lang in ["de", "en"] {
        let results = format!("/wettbewerbe/{slug}/ergebnisse?lang={lang}");
        visit_clean(&client, &app, &staff, &results).await;
        let text = page_text(&client).await;
        assert!(text.contains("Einstimmig entschieden."), "{text}");
    }
    client.close().await.unwrap();
}

/// The public vote with the keyboard alone: the competition's ballot page,
/// a refusal that keeps what was typed, the confirmation notice, the
/// programme's ballot page on a phone-sized screen, and both staff vote
/// pages pass axe.
#[tokio::test]
#[ignore = "needs Chromium, chromedriver and axe-core; bash .ci/run installs them and runs it"]
async fn the_public_votes_with_the_keyboard_alone_in_chromium() {
    require_browser();
    let _turn = ONE_BROWSER.lock().await;
    let app = TestApp::spawn().await;
    let scene = crate::jury::school_entries(&app).await;
    let c = scene.competition;
    crate::jury::seated_panel(&app, &scene).await;
    let (status, vote, _) = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/competitions/{c}/vote"),
            Some(
                json!({ "mode": "points", "points": 100, "max_per_entry": 60,
                "opens_at": "2021-01-03T08:00:00Z", "closes_at": "2021-01-10T22:59:00Z" }),
            ),
            app.token.as_deref(),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{vote}");
    let first = vote["shortlist"][0]["kennzahl"]
        .as_str()
        .unwrap()
        .to_owned();
    // The programme's vote beside it, on two of the admitted ideas.
    let (_, competition) = app.admin_get(&format!("/api/competitions/{c}")).await;
    let p = competition["programme_id"].as_i64().unwrap();
    let (status, programme_vote, _) = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/programmes/{p}/vote"),
            Some(
                json!({ "mode": "points", "points": 100, "max_per_entry": 60,
                "opens_at": "2021-01-03T08:00:00Z", "closes_at": "2021-01-10T22:59:00Z",
                "entry_ids": &scene.entries[..2] }),
            ),
            app.token.as_deref(),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{programme_vote}");
    let programme_field = format!(
        "points_{c}-{}",
        programme_vote["shortlist"][0]["kennzahl"].as_str().unwrap()
    );
    app.move_clock_to(crate::helpers::berlin("2021-01-04T12:00"))
        .await;
    let driver = start_driver().await;
    let client = open_browser(&driver).await;
    client
        .goto(&app.url("/wettbewerbe/schulklassen-smarte-projekte/abstimmung?lang=de"))
        .await
        .unwrap();
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "vote page: {violations:#?}");

    // Too many points for one idea: refused in the form, which keeps them.
    tab_to(&client, &format!("points_{first}")).await;
    type_text(&client, "70").await;
    tab_to(&client, "email").await;
    type_text(&client, "oma.erna@example.de").await;
    tab_to_button(&client, "Abstimmen").await;
    press(&client, '\u{E007}').await;
    let text = page_with(&client, "höchstens 60 Punkte pro Idee").await;
    assert!(text.contains("Idee"), "{text}");
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "refused ballot: {violations:#?}");
    let kept = client
        .execute(
            &format!("return document.getElementById('points_{first}').value"),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept, json!("70"));

    // Corrected by keyboard (Backspace, 60) and sent with Enter.
    tab_to(&client, &format!("points_{first}")).await;
    press(&client, '\u{E003}').await;
    press(&client, '\u{E003}').await;
    type_text(&client, "60").await;
    press(&client, '\u{E007}').await;
    page_with(&client, "Bitte bestätigen Sie Ihre Stimme").await;
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "sent: {violations:#?}");
    assert_eq!(app.count("ballots").await, 1);

    // The programme's vote on a phone-sized screen, by keyboard as well.
    client.set_window_size(390, 844).await.unwrap();
    client.goto(&app.url("/abstimmung?lang=de")).await.unwrap();
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "programme vote: {violations:#?}");
    tab_to(&client, &programme_field).await;
    type_text(&client, "30").await;
    tab_to(&client, "email").await;
    type_text(&client, "oma.erna@example.de").await;
    tab_to_button(&client, "Abstimmen").await;
    press(&client, '\u{E007}').await;
    page_with(&client, "Bitte bestätigen Sie Ihre Stimme").await;
    assert_eq!(app.count("ballots").await, 2, "one per vote");

    let staff = session_for(&app, "admin@localhost").await;
    for path in [
        format!("/verwaltung/wettbewerbe/{c}/abstimmung?lang=de"),
        "/verwaltung/abstimmung?lang=de".to_owned(),
    ] {
        visit_clean(&client, &app, &staff, &path).await;
    }
    client.close().await.unwrap();
}

/// After the announcement: a winner's payout page (with a refusal that keeps
/// what was typed, sent by keyboard), the staff's announcement page with the
/// payout status, and the overall placement's staff and public pages pass
/// axe on a phone-sized screen.
#[tokio::test]
#[ignore = "needs Chromium, chromedriver and axe-core; bash .ci/run installs them and runs it"]
async fn payout_and_overall_placement_pages_pass_axe_in_chromium() {
    require_browser();
    let _turn = ONE_BROWSER.lock().await;
    let (app, smtp) = crate::helpers::with_smtp_at("2020-12-01T10:00").await;
    let (c, winners) = crate::announcement::decided_and_awarded(&app).await;
    let (status, body, _) = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/competitions/{c}/announcement"),
            Some(json!({ "scheduled_for": "2021-02-15T17:00:00Z" })),
            app.token.as_deref(),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    app.move_clock_to(crate::helpers::berlin("2021-02-15T18:05"))
        .await;
    let winner = crate::jury::ENTRANTS
        .iter()
        .find(|e| winners.iter().any(|w| w == e.title))
        .unwrap();
    let entry = {
        use ideenwettbewerb::entities::entry;
        entry::Entity::find()
            .filter(entry::Column::Title.eq(winner.title))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    // Entrants sign in by email link: a session made that way.
    let signed_in = crate::credentials::signed_in_browser(&app, &smtp, winner.email).await;
    let session = signed_in
        .cookie_header()
        .split(';')
        .find_map(|c| c.trim().strip_prefix("iw_session=").map(str::to_owned))
        .expect("a session cookie");
    let driver = start_driver().await;
    let client = open_browser(&driver).await;
    let payout = format!("/konto/ideen/{entry}/auszahlung?lang=de");
    visit_clean(&client, &app, &session, &payout).await;
    // Every required field filled by keyboard, one of them wrong: the
    // server refuses it and keeps what was typed.
    let (typed, wrong): (Vec<(&str, &str)>, &str) =
        if page_text(&client).await.contains("Bankverbindung") {
            (
                vec![("holder", "Förderverein Ost"), ("iban", "DE00 1234")],
                "iban",
            )
        } else {
            (
                vec![
                    ("street", "Markt 1"),
                    ("postcode", "0754!"),
                    ("city", "Gera"),
                ],
                "postcode",
            )
        };
    for (id, text) in &typed {
        tab_to(&client, id).await;
        type_text(&client, text).await;
    }
    tab_to_button(&client, "Angaben speichern").await;
    press(&client, '\u{E007}').await;
    page_with(&client, "Bitte").await;
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "refused payout: {violations:#?}");
    let kept = client
        .execute(
            &format!("return document.getElementById('{wrong}').value"),
            vec![],
        )
        .await
        .unwrap();
    let expected = typed.iter().find(|(id, _)| *id == wrong).unwrap().1;
    assert_eq!(kept, json!(expected), "what was typed is kept");
    assert_eq!(app.count("payout_details").await, 0);

    let staff = session_for(&app, "admin@localhost").await;
    visit_clean(
        &client,
        &app,
        &staff,
        &format!("/verwaltung/wettbewerbe/{c}/bekanntgabe?lang=de"),
    )
    .await;
    visit_clean(&client, &app, &staff, "/verwaltung/gesamtwertung?lang=de").await;
    client
        .goto(&app.url("/gesamtwertung?lang=de"))
        .await
        .unwrap();
    let violations = axe_violations(&client).await;
    assert!(violations.is_empty(), "public placement: {violations:#?}");
    client.close().await.unwrap();
}
