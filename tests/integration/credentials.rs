//! Passwords and two-factor authentication for staff and jurors.

use ideenwettbewerb::clock::Clock;
use ideenwettbewerb::mail::sink::SmtpSink;
use ideenwettbewerb::services::identity::credentials;
use reqwest::StatusCode;
use serde_json::json;

use crate::browser_session::{Browser, hidden, request_link};
use crate::helpers::TestApp;

pub(crate) async fn signed_in_browser<'a>(
    app: &'a TestApp,
    smtp: &SmtpSink,
    email: &str,
) -> Browser<'a> {
    let mut browser = Browser::new(app);
    let token = request_link(app, smtp, &mut browser, email).await;
    let page = browser.post("/anmelden/link", &[("token", &token)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    browser
}

fn secret_in(html: &str) -> String {
    let start = html.find("<code>").expect("the key is shown") + 6;
    html[start..].split('<').next().unwrap().to_owned()
}

#[tokio::test]
async fn staff_set_a_password_and_turn_on_two_factor_sign_in() {
    let smtp = SmtpSink::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;
    app.admin_post(
        "/api/admin/users",
        json!({ "email": "jury@gera.de", "display_name": "Jury", "role": "juror" }),
    )
    .await;
    let mut juror = signed_in_browser(&app, &smtp, "jury@gera.de").await;
    let account = juror.get("/konto").await;
    let csrf = hidden(&account.body, "csrf");

    let short = juror
        .post("/konto/passwort", &[("csrf", &csrf), ("password", "kurz")])
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let saved = juror
        .post(
            "/konto/passwort",
            &[("csrf", &csrf), ("password", "Sonnenblume-Gera-2020")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK);

    let mut other = Browser::new(&app);
    let wrong = other
        .post(
            "/anmelden/passwort",
            &[
                ("email", "jury@gera.de"),
                ("password", "falsch-falsch-falsch"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let unknown = other
        .post(
            "/anmelden/passwort",
            &[
                ("email", "niemand@gera.de"),
                ("password", "Sonnenblume-Gera-2020"),
            ],
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.body.contains("stimmen nicht")),
        (StatusCode::UNAUTHORIZED, true)
    );
    let right = other
        .post(
            "/anmelden/passwort",
            &[
                ("email", "jury@gera.de"),
                ("password", "Sonnenblume-Gera-2020"),
            ],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);

    // Two-factor: enrol, a wrong code is refused, the right one turns it on.
    let setup = juror.post("/konto/2fa", &[("csrf", &csrf)]).await;
    assert_eq!(setup.status, StatusCode::OK);
    let secret = secret_in(&setup.body);
    let wrong = juror
        .post(
            "/konto/2fa/einschalten",
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    assert!(wrong.body.contains("Der Code stimmt nicht"));
    let code = credentials::current_code(&secret, app.clock.now()).unwrap();
    let on = juror
        .post(
            "/konto/2fa/einschalten",
            &[("csrf", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(on.status, StatusCode::OK);
    assert!(juror.get("/konto").await.body.contains("Eingeschaltet"));

    // Now a password alone is not enough, and neither is a link alone.
    let mut third = Browser::new(&app);
    let no_code = third
        .post(
            "/anmelden/passwort",
            &[
                ("email", "jury@gera.de"),
                ("password", "Sonnenblume-Gera-2020"),
            ],
        )
        .await;
    assert_eq!(no_code.status, StatusCode::UNAUTHORIZED);
    let code = credentials::current_code(&secret, app.clock.now()).unwrap();
    let with_code = third
        .post(
            "/anmelden/passwort",
            &[
                ("email", "jury@gera.de"),
                ("password", "Sonnenblume-Gera-2020"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(with_code.status, StatusCode::SEE_OTHER);

    let mut fourth = Browser::new(&app);
    let token = request_link(&app, &smtp, &mut fourth, "jury@gera.de").await;
    let asks = fourth.post("/anmelden/link", &[("token", &token)]).await;
    assert_eq!(asks.status, StatusCode::OK);
    assert!(
        asks.body.contains("Zwei-Faktor-Code"),
        "the link asks for the code and is not spent"
    );
    let code = credentials::current_code(&secret, app.clock.now()).unwrap();
    let done = fourth
        .post("/anmelden/link", &[("token", &token), ("code", &code)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("audit_log WHERE action = 'user.two_factor_enabled'")
            .await,
        1
    );
}

#[tokio::test]
async fn entrants_have_no_password_and_attempts_are_limited() {
    let smtp = SmtpSink::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;
    let mut entrant = signed_in_browser(&app, &smtp, "kind@example.de").await;
    let account = entrant.get("/konto").await;
    assert!(
        !account.body.contains("/konto/passwort"),
        "no password form for entrants"
    );
    let csrf = hidden(&account.body, "csrf");
    let refused = entrant
        .post(
            "/konto/passwort",
            &[("csrf", &csrf), ("password", "ein-langes-passwort")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    let mut guesser = Browser::new(&app);
    for _ in 0..10 {
        let page = guesser
            .post(
                "/anmelden/passwort",
                &[
                    ("email", "admin@localhost"),
                    ("password", "raten-raten-raten"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = guesser
        .post(
            "/anmelden/passwort",
            &[
                ("email", "admin@localhost"),
                ("password", "raten-raten-raten"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn staff_pages_can_require_two_factor() {
    let smtp = SmtpSink::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let app = TestApp::builder()
        .smtp(smtp.addr())
        .configure(|settings| settings.auth.require_two_factor_for_staff = true)
        .spawn()
        .await;
    let mut admin = signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = admin.get("/admin/emails").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("Zwei-Faktor-Anmeldung erforderlich"));
    let csrf = hidden(&admin.get("/konto").await.body, "csrf");
    let secret = secret_in(&admin.post("/konto/2fa", &[("csrf", &csrf)]).await.body);
    let code = credentials::current_code(&secret, app.clock.now()).unwrap();
    admin
        .post(
            "/konto/2fa/einschalten",
            &[("csrf", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(admin.get("/admin/emails").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_account_page_sets_the_email_language_and_lists_notifications() {
    let smtp = SmtpSink::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;
    let (status, _) = app
        .request_json(
            "/api/subscriptions",
            json!({ "email": "ben@example.de", "programme_id": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let mut ben = signed_in_browser(&app, &smtp, "ben@example.de").await;
    let account = ben.get("/konto").await;
    assert!(
        account.body.contains("SMARTCity Gera") && account.body.contains("noch nicht bestätigt")
    );
    let csrf = hidden(&account.body, "csrf");

    let changed = ben
        .post("/konto/sprache", &[("csrf", &csrf), ("locale", "en")])
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert!(
        ben.get("/konto")
            .await
            .body
            .contains(r#"value="en" selected"#)
    );

    let id = app.count("subscriptions").await;
    let done = ben
        .post(
            &format!("/konto/benachrichtigungen/{id}/abbestellen"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(
        ben.get("/konto")
            .await
            .body
            .contains("keine Benachrichtigungen")
    );
    let other = ben
        .post(
            "/konto/benachrichtigungen/999/abbestellen",
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn behind_tls_cookies_are_secure_and_browsers_stay_on_https() {
    let app = TestApp::builder()
        .configure(|settings| settings.server.public_url = "https://ideen.gera.de".into())
        .spawn()
        .await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let mut browser = Browser::new(&app);
    browser
        .post("/anmelden", &[("email", "x@example.de")])
        .await;
    let response = reqwest::Client::new()
        .post(app.url("/anmelden"))
        .form(&[("email", "y@example.de")])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("; Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}
