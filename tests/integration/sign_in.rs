//! Passwordless sign-in, sessions, CSRF, and the administrators' outbox pages.

use chrono::Duration;
use ideenwettbewerb::mail::sink::SmtpSink;
use mail_parser::MessageParser;
use reqwest::StatusCode;

use crate::browser_session::{Browser, hidden, request_link};
use crate::helpers::TestApp;

async fn sink() -> SmtpSink {
    SmtpSink::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_administrator_signs_in_by_link_and_manages_the_outbox() {
    let smtp = sink().await;
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;
    let mut browser = Browser::new(&app);

    let page = browser.get("/konto").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "not signed in");
    assert_eq!(
        page.location.as_deref(),
        Some("/anmelden?lang=de&weiter=%2Fkonto")
    );

    let token = request_link(&app, &smtp, &mut browser, "admin@localhost").await;
    let page = browser.get(&format!("/anmelden/link?token={token}")).await;
    assert!(
        page.body.contains("Jetzt anmelden"),
        "a button, so link scanners sign nobody in"
    );
    let planted = "0".repeat(64);
    browser.cookies.insert("iw_session".into(), planted.clone());
    let page = browser
        .post("/anmelden/link", &[("token", &token), ("lang", "de")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/verwaltung?lang=de"));
    let session = browser
        .cookies
        .get("iw_session")
        .cloned()
        .expect("session cookie");
    assert_ne!(session, planted, "a planted session value is never adopted");

    // The outbox lists the sign-in mail; its page previews it.
    let page = browser.get("/admin/emails").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<td>Anmeldelink</td>") && page.body.contains("gesendet"),
        "{}",
        page.body
    );
    let (_, list) = app.admin_get("/api/admin/emails").await;
    let id = list[0]["id"].as_i64().unwrap();
    let page = browser.get(&format!("/admin/emails/{id}")).await;
    assert!(page.body.contains("Ihr Anmeldelink für Ideenwettbewerbe"));
    let csrf = hidden(&page.body, "csrf");
    let html = browser.get(&format!("/admin/emails/{id}/html")).await;
    assert_eq!(html.status, StatusCode::OK);

    // Resend needs the session's form token.
    let refused = browser
        .post(
            &format!("/admin/emails/{id}/resend"),
            &[("csrf", "forged"), ("lang", "de")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let cross_site = browser
        .post_from(
            &format!("/admin/emails/{id}/resend"),
            &[("csrf", &csrf), ("lang", "de")],
            "https://evil.example",
        )
        .await;
    assert_eq!(
        cross_site.status,
        StatusCode::FORBIDDEN,
        "a form from another site"
    );
    assert_eq!(
        app.count("email_messages").await,
        1,
        "nothing resent so far"
    );
    let done = browser
        .post(
            &format!("/admin/emails/{id}/resend"),
            &[("csrf", &csrf), ("lang", "de")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("email_messages").await, 2);
    assert_eq!(
        app.count("audit_log WHERE action = 'email.resent'").await,
        1
    );

    // Signing out ends the session.
    let account = browser.get("/konto").await;
    let csrf = hidden(&account.body, "csrf");
    let out = browser
        .post("/konto/abmelden", &[("csrf", &csrf), ("lang", "de")])
        .await;
    assert_eq!(out.status, StatusCode::OK);
    browser.cookies.insert("iw_session".into(), session);
    assert_eq!(
        browser.get("/admin/emails").await.status,
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );
}

#[tokio::test]
async fn sign_in_links_are_single_use_short_lived_and_bound_to_their_browser() {
    let smtp = sink().await;
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;

    // First sign-in creates an entrant account; entrants cannot see the outbox.
    let mut anna = Browser::new(&app);
    let token = request_link(&app, &smtp, &mut anna, "Anna@Example.de").await;
    let page = anna.post("/anmelden/link", &[("token", &token)]).await;
    assert_eq!(page.location.as_deref(), Some("/konto?lang=de"));
    let account = anna.get("/konto").await;
    assert!(
        account.body.contains("anna@example.de") && account.body.contains("Teilnehmende Person")
    );
    assert_eq!(
        anna.get("/admin/emails").await.status,
        StatusCode::FORBIDDEN
    );

    // Used once: never again.
    let reused = anna.post("/anmelden/link", &[("token", &token)]).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    assert!(reused.body.contains("Dieser Anmeldelink gilt nicht"));

    // Another browser cannot use a link asked for here.
    let token = request_link(&app, &smtp, &mut anna, "anna@example.de").await;
    let mut other = Browser::new(&app);
    let page = other.post("/anmelden/link", &[("token", &token)]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("im selben Browser") && page.body.contains("Zu Ihrem Schutz"));
    assert!(!other.cookies.contains_key("iw_session"));
    // It offers a new link to the same address, for this browser.
    assert!(
        page.body
            .contains(r#"name="email" value="anna@example.de""#)
    );
    let token = request_link(&app, &smtp, &mut other, "anna@example.de").await;
    let page = other.post("/anmelden/link", &[("token", &token)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // Expired after 15 minutes.
    let token = request_link(&app, &smtp, &mut anna, "anna@example.de").await;
    app.clock.advance(Duration::minutes(16));
    let page = anna.post("/anmelden/link", &[("token", &token)]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);

    // Forged links sign nobody in.
    let page = anna
        .post("/anmelden/link", &[("token", &"f".repeat(64))])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.count("users").await, 2, "the administrator and Anna");
}

#[tokio::test]
async fn sessions_end_when_idle_and_everywhere_on_request() {
    let smtp = sink().await;
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;
    let mut phone = Browser::new(&app);
    let token = request_link(&app, &smtp, &mut phone, "max@example.de").await;
    phone.post("/anmelden/link", &[("token", &token)]).await;
    let mut laptop = Browser::new(&app);
    let token = request_link(&app, &smtp, &mut laptop, "max@example.de").await;
    laptop.post("/anmelden/link", &[("token", &token)]).await;
    assert_eq!(phone.get("/konto").await.status, StatusCode::OK);

    let account = laptop.get("/konto").await;
    let csrf = hidden(&account.body, "csrf");
    laptop
        .post("/konto/abmelden", &[("csrf", &csrf), ("everywhere", "1")])
        .await;
    assert_eq!(
        phone.get("/konto").await.status,
        StatusCode::SEE_OTHER,
        "signed out on every device"
    );

    let token = request_link(&app, &smtp, &mut phone, "max@example.de").await;
    phone.post("/anmelden/link", &[("token", &token)]).await;
    app.clock.advance(Duration::minutes(119));
    assert_eq!(
        phone.get("/konto").await.status,
        StatusCode::OK,
        "still active"
    );
    app.clock.advance(Duration::minutes(121));
    assert_eq!(
        phone.get("/konto").await.status,
        StatusCode::SEE_OTHER,
        "idle too long"
    );
}

#[tokio::test]
async fn bad_sign_in_requests_get_a_clear_page() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let page = browser
        .post("/anmelden", &[("email", "nicht-gültig")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("name@beispiel.de"));
    let page = browser
        .post(
            "/anmelden",
            &[("email", "x@example.de\r\nBcc: y@example.de")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = browser
        .post_from(
            "/anmelden",
            &[("email", "x@example.de")],
            "https://evil.example",
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("sign_in_tokens").await, 0);
    let huge = "x".repeat(2 * 1024 * 1024);
    let page = browser.post("/anmelden", &[("email", huge.as_str())]).await;
    assert_eq!(
        page.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "page forms are limited like the API"
    );
}

#[tokio::test]
async fn sign_in_links_and_public_forms_are_rate_limited() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    for _ in 0..5 {
        let page = browser
            .post("/anmelden", &[("email", "eva@example.de")])
            .await;
        assert_eq!(page.status, StatusCode::OK);
    }
    let response = reqwest::Client::new()
        .post(app.url("/anmelden"))
        .form(&[("email", "eva@example.de")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "six links an hour for one address"
    );
    let wait: i64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3500..=3600).contains(&wait), "{wait}");
    assert!(response.text().await.unwrap().contains("Zu viele Anfragen"));
    app.clock.advance(Duration::minutes(61));
    assert_eq!(
        browser
            .post("/anmelden", &[("email", "eva@example.de")])
            .await
            .status,
        StatusCode::OK
    );

    // Per client address: ten requests an hour (the window began anew above),
    // whatever the addresses.
    for i in 0..9 {
        let email = format!("p{i}@example.de");
        assert_eq!(
            browser.post("/anmelden", &[("email", &email)]).await.status,
            StatusCode::OK
        );
    }
    let page = browser
        .post("/anmelden", &[("email", "p9@example.de")])
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);

    // The public API answers with problem JSON and Retry-After.
    let body = serde_json::json!({ "email": "sub@example.de", "programme_id": 1 });
    for _ in 0..30 {
        let (status, _) = app.request_json("/api/subscriptions", body.clone()).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let response = app
        .client
        .post(app.url("/api/subscriptions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn the_account_page_manages_keys_data_and_deletion() {
    let smtp = sink().await;
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;
    let mut browser = Browser::new(&app);
    let token = request_link(&app, &smtp, &mut browser, "lea@example.de").await;
    browser.post("/anmelden/link", &[("token", &token)]).await;

    let account = browser.get("/konto").await;
    let csrf = hidden(&account.body, "csrf");
    let refused = browser
        .post("/konto/schluessel", &[("name", "Skript")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "no form token");
    let created = browser
        .post("/konto/schluessel", &[("csrf", &csrf), ("name", "Skript")])
        .await;
    assert_eq!(created.status, StatusCode::OK);
    let start = created.body.find("iw_").expect("the new key is shown");
    let key: String = created.body[start..].chars().take(3 + 64).collect();
    let (status, me, _) = app
        .request(reqwest::Method::GET, "/api/me", None, Some(&key))
        .await;
    assert_eq!(
        (status, me["email"].as_str()),
        (StatusCode::OK, Some("lea@example.de"))
    );
    let again = browser.get("/konto").await;
    assert!(!again.body.contains(&key), "shown once only");

    let export = browser.get("/konto/daten").await;
    let data: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(data["account"]["email"], "lea@example.de");

    let id = ideenwettbewerb::services::identity::api_tokens::tokens(
        &app.state.db,
        me["id"].as_i64().unwrap(),
    )
    .await
    .unwrap()[0]
        .id;
    let revoked = browser
        .post(
            &format!("/konto/schluessel/{id}/widerrufen"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let (status, _, _) = app
        .request(reqwest::Method::GET, "/api/me", None, Some(&key))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let unconfirmed = browser.post("/konto/loeschen", &[("csrf", &csrf)]).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let deleted = browser
        .post("/konto/loeschen", &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert!(deleted.body.contains("Konto gelöscht"));
    assert_eq!(
        browser.get("/konto").await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    assert_eq!(app.count("users WHERE email = 'lea@example.de'").await, 0);
}

/// Who may open which page: every role, signed in through a real session.
#[tokio::test]
async fn every_page_checks_every_role() {
    let app = TestApp::spawn().await;
    let auth = app.state.settings.auth.clone();
    let mut cookies: Vec<(&str, Option<String>)> = vec![("nobody", None)];
    for role in ["admin", "coordinator", "juror", "entrant"] {
        let email = if role == "admin" {
            "admin@localhost".to_owned()
        } else {
            format!("{role}@example.de")
        };
        if role != "admin" {
            let (_, account) = app
                .admin_post(
                    "/api/admin/users",
                    serde_json::json!({ "email": email, "display_name": role, "role": "juror" }),
                )
                .await;
            let id = account["id"].as_i64().unwrap();
            app.admin_patch(
                &format!("/api/admin/users/{id}"),
                serde_json::json!({ "role": role }),
            )
            .await;
        }
        let now = app.state.now();
        ideenwettbewerb::services::identity::sign_in::request_link(
            &app.state.db,
            now,
            &auth,
            &app.address,
            &ideenwettbewerb::domain::email_address::EmailAddress::parse(&email).unwrap(),
            "de",
            "b",
        )
        .await
        .unwrap();
        app.deliver().await;
        let raw = std::fs::read_dir(app.outbox.path())
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .filter_map(|raw| {
                let mail = MessageParser::default().parse(&raw)?;
                let to = mail.to()?.first()?.address()?.to_owned();
                let text = mail.body_text(0)?.into_owned();
                (to == email).then(|| {
                    text.split("token=")
                        .nth(1)
                        .map(|r| r.chars().take(64).collect::<String>())
                })?
            })
            .last()
            .expect("sign-in mail");
        let (_, session) = ideenwettbewerb::services::identity::sign_in::complete(
            &app.state.db,
            now,
            &auth,
            &raw,
            Some("b"),
            None,
        )
        .await
        .unwrap();
        cookies.push((role, Some(session)));
    }
    // (path, who gets it: "all", "signed-in", "staff" (administrators and
    // coordinators; this coordinator is assigned nothing), "admin", "juror",
    // "unseated" (a jury page of a panel this juror is not on: not found))
    let pages = [
        ("/verwaltung", "staff"),
        ("/verwaltung/wettbewerbe/1", "admin"),
        ("/verwaltung/wettbewerbe/1/einreichungen.csv", "admin"),
        ("/verwaltung/wettbewerbe/1/einreichungen.xlsx", "admin"),
        ("/verwaltung/wettbewerbe/1/erfassen", "admin"),
        ("/verwaltung/wettbewerbe/1/schritt/open", "admin"),
        ("/verwaltung/wettbewerbe/1/verlauf", "admin"),
        ("/verwaltung/fristen", "staff"),
        ("/verwaltung/wettbewerbe/neu", "admin"),
        ("/verwaltung/programm/1", "admin"),
        ("/verwaltung/wettbewerbe/1/bearbeiten", "admin"),
        ("/verwaltung/personen", "admin"),
        ("/verwaltung/personen/einladen", "admin"),
        ("/verwaltung/personen/1", "admin"),
        ("/impressum", "all"),
        ("/datenschutz", "all"),
        ("/barrierefreiheit", "all"),
        ("/leichte-sprache", "all"),
        ("/wettbewerbe/wir-lieben-gera/einreichen", "signed-in"),
        ("/konto/ideen", "signed-in"),
        ("/", "all"),
        ("/wettbewerbe/wir-lieben-gera", "all"),
        ("/anmelden", "all"),
        ("/konto", "signed-in"),
        ("/konto/daten", "signed-in"),
        ("/admin/emails", "admin"),
        ("/admin/emails/1", "admin"),
        ("/admin/emails/1/html", "admin"),
        ("/verwaltung/wettbewerbe/1/vorpruefung", "admin"),
        ("/verwaltung/wettbewerbe/1/jury", "admin"),
        ("/jury", "juror"),
        // A juror on no panel learns nothing of competition 1's jury.
        ("/jury/wettbewerbe/1", "unseated"),
        ("/jury/wettbewerbe/1/123456", "unseated"),
        ("/jury/wettbewerbe/1/123456/anlagen/1", "unseated"),
        ("/jury/wettbewerbe/1/sitzung", "unseated"),
        ("/verwaltung/wettbewerbe/1/rangfolge", "admin"),
        ("/verwaltung/wettbewerbe/1/protokoll", "admin"),
        // Nothing is locked yet: the stored PDF is not there, for those allowed.
        ("/verwaltung/wettbewerbe/1/protokoll.pdf", "admin-missing"),
        ("/verwaltung/wettbewerbe/1/preise", "admin"),
        ("/verwaltung/budget", "admin"),
        ("/verwaltung/wettbewerbe/1/bekanntgabe", "admin"),
        ("/verwaltung/wettbewerbe/1/ergebnisse.csv", "admin"),
        ("/verwaltung/wettbewerbe/1/ergebnisse.xlsx", "admin"),
        // Nothing is awarded: no certificate, whoever asks.
        ("/konto/ideen/1/urkunde.pdf", "signed-in-missing"),
        (
            "/verwaltung/einreichungen/1/urkunde.pdf",
            "signed-in-missing",
        ),
        ("/konto/ideen/1/auszahlung", "signed-in-missing"),
        ("/verwaltung/wettbewerbe/1/auszahlung.csv", "admin"),
        ("/verwaltung/wettbewerbe/1/auszahlung.xlsx", "admin"),
        ("/verwaltung/wettbewerbe/1/abstimmung", "admin"),
        ("/abstimmung/bestaetigen?token=x", "all"),
        ("/verwaltung/gesamtwertung", "admin"),
        ("/gesamtwertung", "all"),
        ("/wettbewerbe/wir-lieben-gera/abstimmung", "all-missing"),
        ("/verwaltung/abstimmung", "admin"),
        ("/abstimmung", "all-missing"),
        ("/neuigkeiten.atom", "all"),
        ("/termine.ics", "all"),
    ];
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (path, audience) in pages {
        for (who, cookie) in &cookies {
            let mut request = client.get(app.url(path));
            if let Some(value) = cookie {
                request = request.header("cookie", format!("iw_session={value}"));
            }
            let status = request.send().await.unwrap().status();
            let expected = match (audience, *who, cookie.is_some()) {
                ("all", _, _) => StatusCode::OK,
                ("all-missing", _, _) => StatusCode::NOT_FOUND,
                (_, _, false) => StatusCode::SEE_OTHER,
                ("signed-in", _, true) => StatusCode::OK,
                ("staff", "admin" | "coordinator", _) => StatusCode::OK,
                ("admin", "admin", _) => StatusCode::OK,
                ("juror", "juror", _) => StatusCode::OK,
                ("unseated", "juror", _) => StatusCode::NOT_FOUND,
                ("admin-missing", "admin", _) => StatusCode::NOT_FOUND,
                ("signed-in-missing", _, true) => StatusCode::NOT_FOUND,
                _ => StatusCode::FORBIDDEN,
            };
            assert_eq!(status, expected, "{who}: GET {path}");
        }
    }
}

#[tokio::test]
async fn signing_in_brings_people_back_to_the_form_they_wanted() {
    let smtp = sink().await;
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;
    app.move_clock_to(crate::helpers::berlin("2020-08-01T10:00"))
        .await;
    let form = "/wettbewerbe/wir-lieben-gera/einreichen?lang=de";
    let mut lehrerin = Browser::new(&app);
    let away = lehrerin.get(form).await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    let sign_in = away.location.unwrap();
    assert_eq!(
        sign_in,
        "/anmelden?lang=de&weiter=%2Fwettbewerbe%2Fwir-lieben-gera%2Feinreichen%3Flang%3Dde"
    );
    let page = lehrerin.get(&sign_in).await;
    assert!(
        page.body
            .contains("Um eine Idee einzureichen, melden Sie sich bitte zuerst an."),
        "signing in comes first, and says so"
    );
    assert_eq!(hidden(&page.body, "weiter").replace("&#x2F;", "/"), form);
    let before = smtp.received().len();
    let asked = lehrerin
        .post(
            "/anmelden",
            &[
                ("email", "lehrerin.mueller@example.de"),
                ("lang", "de"),
                ("weiter", form),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    app.deliver().await;
    let mails = smtp
        .wait_for(before + 1, std::time::Duration::from_secs(10))
        .await;
    let text = MessageParser::default()
        .parse(&mails.last().unwrap().data)
        .unwrap()
        .body_text(0)
        .unwrap()
        .into_owned();
    let token: String = text
        .split("token=")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let arrived = lehrerin.post("/anmelden/link", &[("token", &token)]).await;
    assert_eq!(arrived.location.as_deref(), Some(form), "back to the form");
    let page = lehrerin.get(form).await;
    assert!(
        page.body.contains(r#"autocomplete="name" value="""#),
        "the contact name is not guessed from lehrerin.mueller"
    );

    // Only paths on this site are returned to.
    for unsafe_path in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let page = lehrerin
            .get(&format!(
                "/anmelden?lang=de&weiter={}",
                url_escape(unsafe_path)
            ))
            .await;
        assert!(!page.body.contains(r#"name="weiter""#), "{unsafe_path}");
    }
    let mut admin = Browser::new(&app);
    let token = request_link(&app, &smtp, &mut admin, "admin@localhost").await;
    let page = admin.post("/anmelden/link", &[("token", &token)]).await;
    assert_eq!(
        page.location.as_deref(),
        Some("/verwaltung?lang=de"),
        "staff start at their overview"
    );
}

fn url_escape(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_limits_count_the_client_it_names() {
    // Ten sign-in links an hour per client (the per-address limit is five,
    // so each request asks for another address).
    async fn ask(app: &TestApp, forwarded_for: &str, n: usize) -> StatusCode {
        app.client
            .post(app.url("/anmelden"))
            .header("x-forwarded-for", forwarded_for)
            .form(&[("email", format!("p{n}@example.de"))])
            .send()
            .await
            .unwrap()
            .status()
    }
    let behind = TestApp::builder()
        .configure(|s| s.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .spawn()
        .await;
    for n in 0..10 {
        assert_eq!(ask(&behind, "203.0.113.7", n).await, StatusCode::OK, "{n}");
    }
    assert_eq!(
        ask(&behind, "203.0.113.7", 10).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not held back, nor is one
    // that writes a forged address to the left of what the proxy added.
    assert_eq!(ask(&behind, "198.51.100.2", 11).await, StatusCode::OK);
    assert_eq!(
        ask(&behind, "198.51.100.2, 203.0.113.7", 12).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the proxy appended 203.0.113.7: that is the client"
    );

    // Without a trusted proxy the header is ignored: forging it changes
    // nothing, every request counts for the connection's own address.
    let direct = TestApp::spawn().await;
    for n in 0..10 {
        let forged = format!("192.0.2.{n}");
        assert_eq!(ask(&direct, &forged, n).await, StatusCode::OK, "{n}");
    }
    assert_eq!(
        ask(&direct, "192.0.2.200", 10).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
