//! Entering an idea on the web, without JavaScript.

use ideenwettbewerb::mail::sink::SmtpSink;
use reqwest::StatusCode;

use crate::browser_session::hidden;
use crate::credentials::signed_in_browser;
use crate::helpers::{berlin, with_smtp_at};

/// The text of the first email to `to` containing `marker`, waiting for it.
pub(crate) async fn wait_for_mail(smtp: &SmtpSink, to: &str, marker: &str) -> String {
    for _ in 0..200 {
        if let Some(text) = smtp
            .received()
            .iter()
            .filter(|m| m.to[0] == to)
            .filter_map(|m| {
                mail_parser::MessageParser::default()
                    .parse(&m.data)
                    .and_then(|mail| mail.body_text(0).map(|t| t.into_owned()))
            })
            .find(|text| text.contains(marker))
        {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no email to {to} with {marker}");
}

/// Saves a draft for "Wir lieben Gera" through the web form; returns the entry's
/// page path and the session's form token.
pub(crate) async fn draft_on_the_web(
    browser: &mut crate::browser_session::Browser<'_>,
    title: &str,
    summary: &str,
) -> (String, String) {
    let path = "/wettbewerbe/wir-lieben-gera/einreichen";
    let form = browser.get(path).await;
    let (csrf, token) = (hidden(&form.body, "csrf"), hidden(&form.body, "form_token"));
    let created = browser
        .post(
            path,
            &[
                ("csrf", csrf.as_str()),
                ("form_token", token.as_str()),
                ("title", title),
                ("summary", summary),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let entry = created.location.unwrap();
    (entry.split('?').next().unwrap().to_owned(), csrf)
}

#[tokio::test]
async fn an_idea_is_entered_submitted_and_withdrawn_on_the_web() {
    let (app, smtp) = with_smtp_at("2020-08-01T10:00").await;
    let mut browser = signed_in_browser(&app, &smtp, "familie@example.de").await;

    let page = browser
        .get("/wettbewerbe/familien-familienfreundlichkeit")
        .await;
    assert!(
        page.body
            .contains("/wettbewerbe/familien-familienfreundlichkeit/einreichen"),
        "a way to submit"
    );
    let form = browser
        .get("/wettbewerbe/familien-familienfreundlichkeit/einreichen")
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains(r#"name="step" value="save""#)
            && form.body.contains(r#"name="step" value="submit""#),
        "both ways from the first page: save a draft, or submit"
    );
    assert!(
        form.body.contains(r#"autocomplete="name" value="""#),
        "the contact name is not guessed from the address"
    );
    assert!(
        form.body
            .contains(r#"Titel Ihrer Idee <span class="required">(Pflicht)</span>"#),
        "required fields are marked, the title too"
    );
    assert!(
        !form.body.contains(") <span class=\"required\">("),
        "no doubled brackets"
    );
    assert!(
        form.body.contains("Multimodale Mobilität"),
        "the programme's goals"
    );
    let (csrf, token) = (hidden(&form.body, "csrf"), hidden(&form.body, "form_token"));
    let fields = [
        ("csrf", csrf.as_str()),
        ("form_token", token.as_str()),
        ("title", "Spielplatz-Karte"),
        (
            "summary",
            "Eine Karte aller Spielplätze mit Schatten und Toiletten.",
        ),
        ("description", ""),
        ("goal_2", "1"),
    ];
    let first = browser
        .post(
            "/wettbewerbe/familien-familienfreundlichkeit/einreichen",
            &fields,
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert!(
        browser
            .get(first.location.as_deref().unwrap())
            .await
            .body
            .contains(r#"role="status">Ihr Entwurf ist gespeichert."#),
        "the step is confirmed on screen"
    );
    let again = browser
        .post(
            "/wettbewerbe/familien-familienfreundlichkeit/einreichen",
            &fields,
        )
        .await;
    assert_eq!(
        again.location, first.location,
        "sending the form twice creates one draft"
    );
    assert_eq!(app.count("entries").await, 1);
    let entry = first.location.unwrap();
    let entry = entry.split('?').next().unwrap().to_owned();

    browser.get(&entry).await;
    let page = browser.get(&entry).await;
    assert!(page.body.contains("Entwurf") && page.body.contains(r#"value="submit""#));
    assert!(page.body.contains(r#"name="goal_2" value="1" checked"#));
    assert!(
        !page.body.contains(r#"role="status""#),
        "a confirmation is shown once"
    );
    assert!(page.body.contains("<title>Spielplatz-Karte (Entwurf"));

    // Submitting what is in the form: what was typed is saved even when the
    // submission is refused, and shown with what to fix.
    let typed = browser
        .post(
            &entry,
            &[
                ("csrf", csrf.as_str()),
                ("step", "submit"),
                ("title", "Spielplatz-Karte"),
                (
                    "summary",
                    "Eine Karte aller Spielplätze mit Schatten und Toiletten.",
                ),
                ("description", "Neu getippt, nie gespeichert."),
                ("goal_2", "1"),
            ],
        )
        .await;
    assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(typed.body.contains("Neu getippt, nie gespeichert."));
    assert!(typed.body.contains("<title>Fehler: Spielplatz-Karte"));
    assert!(
        browser
            .get(&entry)
            .await
            .body
            .contains("Neu getippt, nie gespeichert."),
        "nothing typed is lost"
    );

    // The target group's fields: a draft may lack them, a submission may not.
    let incomplete = browser
        .post(&format!("{entry}/einreichen"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        incomplete
            .body
            .contains("Bitte füllen Sie „Postleitzahl Ihres Wohnorts“ aus.")
            && incomplete.body.contains(r##"href="#detail_postcode""##)
            && incomplete.body.contains("Spielplatz-Karte"),
        "says what to fix, next to the idea as entered"
    );
    let bad_phone = browser
        .post(
            &entry,
            &[
                ("csrf", csrf.as_str()),
                ("title", "Spielplatz-Karte"),
                ("summary", "Eine Karte."),
                ("contact_phone", "abc"),
            ],
        )
        .await;
    assert_eq!(bad_phone.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_phone
            .body
            .contains("Bitte geben Sie eine Telefonnummer")
    );
    let mut answers = vec![
        ("csrf", csrf.as_str()),
        ("title", "Spielplatz-Karte"),
        (
            "summary",
            "Eine Karte aller Spielplätze mit Schatten und Toiletten.",
        ),
        ("goal_2", "1"),
        ("detail_postcode", "04109"),
    ];
    assert_eq!(
        browser.post(&entry, &answers).await.status,
        StatusCode::SEE_OTHER
    );
    let outside = browser
        .post(&format!("{entry}/einreichen"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        outside.body.contains("nur Menschen, die in Gera wohnen")
            && outside.body.contains(r#"value="04109""#),
        "the eligibility rule explains itself"
    );
    answers[4] = ("detail_postcode", "07545");
    assert_eq!(
        browser.post(&entry, &answers).await.status,
        StatusCode::SEE_OTHER
    );
    // A sketch attached to the draft.
    let attached = browser
        .upload(
            &format!("{entry}/anhaenge"),
            &[("csrf", csrf.as_str())],
            "Skizze.pdf",
            b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec(),
        )
        .await;
    assert_eq!(attached.status, StatusCode::SEE_OTHER);
    assert!(
        browser
            .get(attached.location.as_deref().unwrap())
            .await
            .body
            .contains("Die Datei „Skizze.pdf“ ist angehängt.")
    );
    let submitted = browser
        .post(&format!("{entry}/einreichen"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER);
    let page = browser.get(&entry).await;
    assert!(page.body.contains("Eingangsnummer") && page.body.contains("Kennzahl"));
    assert!(
        page.body
            .contains("Ihre Idee ist eingereicht. Eingangsnummer: 2020-")
            && page
                .body
                .contains("Sie erhalten eine Bestätigung per E-Mail."),
        "the receipt number on screen"
    );
    // The receipt arrives over SMTP with a copy of the entry.
    app.deliver().await;
    let receipt = wait_for_mail(&smtp, "familie@example.de", "Eingangsnummer").await;
    for part in [
        "Titel: Spielplatz-Karte",
        "Postleitzahl Ihres Wohnorts: 07545",
        "Anhänge: Skizze.pdf",
    ] {
        assert!(receipt.contains(part), "{part} in {receipt}");
    }

    let edited = browser
        .post(
            &entry,
            &[
                ("csrf", csrf.as_str()),
                ("title", "Spielplatz-Karte 2.0"),
                ("summary", "Mit Wickelräumen."),
                ("detail_postcode", "07545"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER);
    assert!(
        browser
            .get(&entry)
            .await
            .body
            .contains("Ihre Änderungen sind gespeichert.")
    );
    assert_eq!(app.count("entry_versions").await, 2);
    let list = browser.get("/konto/ideen").await;
    assert!(list.body.contains("Spielplatz-Karte 2.0") && list.body.contains("Eingereicht"));

    // Nobody else sees it; forms need the session's token.
    let mut other = signed_in_browser(&app, &smtp, "nachbar@example.de").await;
    assert_eq!(other.get(&entry).await.status, StatusCode::NOT_FOUND);
    let forged = browser
        .post(&format!("{entry}/zurueckziehen"), &[("csrf", "nein")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // A second idea is submitted and withdrawn again; the entrant hears of both.
    let (second, _) = draft_on_the_web(&mut browser, "Zweite Idee", "Doch nicht.").await;
    let page = browser.get(&second).await;
    assert!(page.body.contains(r#"value="submit""#));
    let wir_lieben_gera = [("csrf", csrf.as_str())];
    let done = browser
        .post(&format!("{second}/einreichen"), &wir_lieben_gera)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    // Withdrawing asks first.
    let page = browser.get(&second).await;
    assert!(
        page.body
            .contains(&format!(r#"href="{second}/zurueckziehen?lang=de""#))
    );
    let ask = browser.get(&format!("{second}/zurueckziehen")).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.body.contains("nicht rückgängig") && ask.body.contains("Zweite Idee"));
    assert!(browser.get(&second).await.body.contains("Eingereicht"));
    let withdrawn = browser
        .post(&format!("{second}/zurueckziehen"), &wir_lieben_gera)
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    let page = browser.get(&second).await;
    assert!(
        page.body.contains("Zurückgezogen") && page.body.contains("Ihre Idee ist zurückgezogen.")
    );
    assert!(
        !page.body.contains("Änderungen möglich bis"),
        "a withdrawn idea no longer says it can be changed"
    );
    app.deliver().await;
    wait_for_mail(&smtp, "familie@example.de", "zurückgezogen").await;

    // After the deadline the idea is locked.
    app.move_clock_to(berlin("2020-11-21T00:00")).await;
    // Months later the old session has expired: sign in again.
    let mut browser = signed_in_browser(&app, &smtp, "familie@example.de").await;
    let page = browser.get(&entry).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = hidden(&browser.get("/konto").await.body, "csrf");
    assert!(
        !page.body.contains("Änderungen speichern"),
        "no form after the deadline"
    );
    let late = browser
        .post(
            &entry,
            &[
                ("csrf", csrf.as_str()),
                ("title", "Zu spät"),
                ("summary", "x"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.body.contains("nur bis zum Einsendeschluss"));
}

#[tokio::test]
async fn the_entry_form_refuses_empty_ideas_and_closed_competitions() {
    let (app, smtp) = with_smtp_at("2020-08-01T10:00").await;
    let mut browser = signed_in_browser(&app, &smtp, "leer@example.de").await;
    let form = browser
        .get("/wettbewerbe/familien-familienfreundlichkeit/einreichen")
        .await;
    let csrf = hidden(&form.body, "csrf");
    let empty = browser
        .post(
            "/wettbewerbe/familien-familienfreundlichkeit/einreichen",
            &[("csrf", csrf.as_str()), ("title", " "), ("summary", "")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let scheduled = browser
        .post(
            "/wettbewerbe/kindergaerten-smarties/einreichen",
            &[("csrf", csrf.as_str()), ("title", "t"), ("summary", "s")],
        )
        .await;
    assert_eq!(scheduled.status, StatusCode::CONFLICT);
    assert_eq!(app.count("entries").await, 0);
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = anonymous
        .get(app.url("/wettbewerbe/familien-familienfreundlichkeit/einreichen"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "signing in comes first"
    );
}

#[tokio::test]
async fn staff_see_counts_search_entries_and_download_exports() {
    let (app, smtp) = with_smtp_at("2020-08-01T10:00").await;
    let open = app.competition("senioren-unabhaengigkeit").await["id"]
        .as_i64()
        .unwrap();
    for (email, title, source) in [
        ("erna@example.de", "Einkaufshilfe per Telefon", "walk_in"),
        ("otto@example.de", "Tablet-Kurse im Stadtteil", "paper"),
        ("ute@example.de", "Überdachte Bänke am Markt", "email"),
    ] {
        let (status, body) = app
            .admin_post(
                &format!("/api/competitions/{open}/entries/on-behalf"),
                serde_json::json!({
                    "email": email, "name": "Erna Schulze", "source": source,
                    "entry": { "title": title, "summary": "Hilfe im Alltag.",
                               "details": { "postcode": "07548" } }
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    // Entrants and jurors are kept out; an administrator sees everything.
    let mut entrant = signed_in_browser(&app, &smtp, "erna@example.de").await;
    assert_eq!(
        entrant.get("/verwaltung").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        entrant
            .get(&format!("/verwaltung/wettbewerbe/{open}/einreichungen.csv"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut admin = signed_in_browser(&app, &smtp, "admin@localhost").await;
    let dashboard = admin.get("/verwaltung").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard.body.contains("Staffel 2")
            && dashboard.body.contains("Smarte Unabhängigkeit im Alter")
    );
    assert!(
        dashboard.body.contains(r#"<td class="num">3</td>"#),
        "three submitted in the competition and its phase"
    );

    let list = admin
        .get(&format!("/verwaltung/wettbewerbe/{open}?q=tablet"))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Tablet-Kurse") && !list.body.contains("Einkaufshilfe"));
    // Umlauts match in any case, on both engines.
    for typed in ["Überdachte", "überdachte", "ÜBERDACHTE", "bänke"] {
        let list = admin
            .get(&format!(
                "/verwaltung/wettbewerbe/{open}?q={}",
                url::form_urlencoded::byte_serialize(typed.as_bytes()).collect::<String>()
            ))
            .await;
        assert!(list.body.contains("Überdachte Bänke"), "{typed}");
        assert!(!list.body.contains("Tablet-Kurse"), "{typed}");
    }
    let list = admin
        .get(&format!("/verwaltung/wettbewerbe/{open}?source=walk_in"))
        .await;
    assert!(list.body.contains("Einkaufshilfe") && list.body.contains("im Ladenlokal"));
    let csv = admin
        .get(&format!(
            "/verwaltung/wettbewerbe/{open}/einreichungen.csv?source=paper"
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("Tablet-Kurse") && !csv.body.contains("Einkaufshilfe"));
    let xlsx = admin
        .get(&format!(
            "/verwaltung/wettbewerbe/{open}/einreichungen.xlsx"
        ))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with("PK"), "a zip container");

    let detail = admin.get("/verwaltung/einreichungen/1").await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("erna@example.de") && detail.body.contains("07548"));
    assert_eq!(
        admin.get("/verwaltung/einreichungen/999").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn staff_record_an_idea_on_the_page_once_however_often_the_form_is_sent() {
    let (app, smtp) = with_smtp_at("2020-08-01T10:00").await;
    let open = app.competition_id("senioren-unabhaengigkeit").await;
    let path = format!("/verwaltung/wettbewerbe/{open}/erfassen");
    let mut admin = signed_in_browser(&app, &smtp, "admin@localhost").await;
    let list = admin.get(&format!("/verwaltung/wettbewerbe/{open}")).await;
    assert!(list.body.contains(&path), "the entries page links the form");
    let form = admin.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Idee erfassen") && form.body.contains("im Ladenlokal"));
    let csrf = hidden(&form.body, "csrf");
    let token = hidden(&form.body, "form_token");

    // What is wrong is named in the form, and what was typed stays.
    let bad = admin
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("lang", "de"),
                ("form_token", &token),
                ("entrant_email", "erna-at-example.de"),
                ("entrant_name", "Erna Schulze"),
                ("title", "Einkaufshilfe per Telefon"),
                ("summary", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    for expected in [
        "Bitte prüfen Sie die E-Mail-Adresse",
        "wählen Sie, wie die Idee eingegangen ist",
        r#"value="Erna Schulze""#,
        r#"value="erna-at-example.de""#,
        "Einkaufshilfe per Telefon",
    ] {
        assert!(bad.body.contains(expected), "{expected} in {}", bad.body);
    }
    assert_eq!(hidden(&bad.body, "form_token"), token, "the same token");
    assert_eq!(app.count("entries").await, 0);

    // The corrected form, sent once, then again after a lost answer, then twice
    // at the same moment: one idea, one receipt.
    let fields = [
        ("csrf", csrf.as_str()),
        ("lang", "de"),
        ("form_token", token.as_str()),
        ("entrant_email", "erna@example.de"),
        ("entrant_name", "Erna Schulze"),
        ("source", "walk_in"),
        ("title", "Einkaufshilfe per Telefon"),
        (
            "summary",
            "Nachbarn kaufen für Ältere ein, bestellt wird per Telefon.",
        ),
        ("detail_postcode", "07548"),
    ];
    let first = admin.post(&path, &fields).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let location = first.location.clone().unwrap();
    assert!(location.starts_with("/verwaltung/einreichungen/"));
    let again = admin.post(&path, &fields).await;
    assert_eq!(again.location.as_deref(), Some(location.as_str()));
    let cookie = admin.cookie_header();
    let send = || {
        app.client
            .post(app.url(&path))
            .header("cookie", cookie.clone())
            .header("origin", app.address.clone())
            .form(&fields)
            .send()
    };
    let (a, b) = tokio::join!(send(), send());
    for response in [a.unwrap(), b.unwrap()] {
        assert!(response.status().is_redirection() || response.status() == StatusCode::OK);
    }
    let entries = app.count("entries").await;
    app.deliver().await;
    let receipts = smtp
        .received()
        .iter()
        .filter(|m| m.to[0] == "erna@example.de")
        .count();
    println!(
        "the form sent four times: expected 1 entry and 1 receipt, got {entries} and {receipts}"
    );
    assert_eq!((entries, receipts), (1, 1));

    let detail = admin.get(&location).await;
    assert!(detail.body.contains("im Ladenlokal") && detail.body.contains("Erna Schulze"));
    // Its history: who recorded it, when.
    assert!(
        detail.body.contains("Verlauf")
            && detail.body.contains(
                "<td>admin@localhost</td><td>von der Verwaltung erfasst und eingereicht</td>"
            )
            && detail.body.contains("1 gespeicherte Fassung"),
        "{}",
        detail.body
    );
}

#[tokio::test]
async fn staff_run_a_competition_from_its_page_with_the_rules_in_the_form() {
    let (app, smtp) = with_smtp_at("2020-05-01T12:00").await;
    let id = 1;
    let base = format!("/verwaltung/wettbewerbe/{id}");
    let mut admin = signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = admin.get(&base).await;
    assert!(page.body.contains("Ablauf") && page.body.contains("Startet bald"));
    assert!(
        page.body
            .contains(&format!(r#"href="{base}/schritt/open?lang=de""#))
    );
    assert!(
        !page.body.contains("/schritt/archive"),
        "only the steps allowed now"
    );

    // Opening before the start asks for a reason, and says who is emailed.
    let step = admin.get(&format!("{base}/schritt/open")).await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(
        step.body.contains(r#"name="reason""#) && step.body.contains("Wer eine E-Mail bekommt")
    );
    let csrf = hidden(&step.body, "csrf");
    let refused = admin
        .post(
            &format!("{base}/schritt/open"),
            &[("csrf", &csrf), ("lang", "de"), ("reason", "  ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Bitte geben Sie einen Grund an."));
    assert!(refused.body.contains("<title>Fehler: "));
    assert_eq!(
        app.competition("unternehmen-smarte-vernetzung").await["state"],
        "scheduled"
    );
    let opened = admin
        .post(
            &format!("{base}/schritt/open"),
            &[
                ("csrf", &csrf),
                ("lang", "de"),
                ("reason", "Pilot mit der IHK"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let page = admin.get(opened.location.as_deref().unwrap()).await;
    assert!(page.body.contains("Erledigt: Öffnen.") && page.body.contains("Offen für Ideen"));
    let (_, history) = app
        .admin_get(&format!("/api/competitions/{id}/history"))
        .await;
    assert!(
        history.to_string().contains("Pilot mit der IHK"),
        "the reason is in the trail"
    );

    // Closing early, then re-opening: a deadline in the past is refused in the
    // form, with what was typed kept.
    let closed = admin
        .post(
            &format!("{base}/schritt/close"),
            &[
                ("csrf", &csrf),
                ("lang", "de"),
                ("reason", "Stadtratsbeschluss"),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let late = admin
        .post(
            &format!("{base}/schritt/reopen"),
            &[
                ("csrf", &csrf),
                ("lang", "de"),
                ("reason", "Neue Runde"),
                ("closes_at", "2020-04-01T10:00"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.body.contains("in der Zukunft liegt"));
    assert!(late.body.contains("Neue Runde") && late.body.contains(r#"value="2020-04-01T10:00""#));
    let reopened = admin
        .post(
            &format!("{base}/schritt/reopen"),
            &[
                ("csrf", &csrf),
                ("lang", "de"),
                ("reason", "Neue Runde"),
                ("closes_at", "2020-12-31T23:59"),
            ],
        )
        .await;
    assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.body);
    let competition = app.competition("unternehmen-smarte-vernetzung").await;
    assert_eq!(
        (
            competition["state"].as_str(),
            competition["closes_at"].as_str()
        ),
        (Some("open"), Some("2020-12-31T22:59:00+00:00"))
    );
    // Extending the deadline of the open competition: never shorter.
    let page = admin.get(&base).await;
    assert!(
        page.body
            .contains(&format!(r#"href="{base}/schritt/extend?lang=de""#))
    );
    let shorter = admin
        .post(
            &format!("{base}/schritt/extend"),
            &[
                ("csrf", &csrf),
                ("lang", "de"),
                ("closes_at", "2020-11-30T23:59"),
            ],
        )
        .await;
    assert_eq!(shorter.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        shorter.body.contains("nur verlängert werden"),
        "{}",
        shorter.body
    );
    let extended = admin
        .post(
            &format!("{base}/schritt/extend"),
            &[
                ("csrf", &csrf),
                ("lang", "de"),
                ("closes_at", "2021-01-31T23:59"),
            ],
        )
        .await;
    assert_eq!(extended.status, StatusCode::SEE_OTHER, "{}", extended.body);
    let page = admin.get(extended.location.as_deref().unwrap()).await;
    assert!(page.body.contains("Erledigt: Einsendeschluss verlängern."));
    assert_eq!(
        app.competition("unternehmen-smarte-vernetzung").await["closes_at"],
        "2021-01-31T22:59:00+00:00"
    );
    // The competition's history tells the story, with the reasons.
    let history = admin.get(&format!("{base}/verlauf")).await;
    assert_eq!(history.status, StatusCode::OK);
    for line in [
        "<td>admin@localhost</td><td>Stand geändert: Startet bald → Offen für Ideen</td><td>Pilot mit der IHK</td>",
        "Stand geändert: Einsendeschluss vorbei → Offen für Ideen</td><td>Neue Runde</td>",
        "<td>admin@localhost</td><td>geändert</td>",
    ] {
        assert!(history.body.contains(line), "{line} in {}", history.body);
    }
    // A step not allowed now is no page; entrants are kept out.
    assert_eq!(
        admin.get(&format!("{base}/schritt/archive")).await.status,
        StatusCode::NOT_FOUND
    );
    let mut entrant = signed_in_browser(&app, &smtp, "erna@example.de").await;
    assert_eq!(
        entrant.get(&format!("{base}/schritt/close")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        entrant.get(&format!("{base}/verlauf")).await.status,
        StatusCode::FORBIDDEN
    );
}
