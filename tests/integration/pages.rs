//! The public pages, in German and English.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, berlin};

#[tokio::test]
async fn the_home_page_shows_the_programme_in_german() {
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-07-01T12:00")).await;
    let (status, html) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<html lang="de">"#));
    assert!(html.contains("SMARTCity Gera"));
    for phase in ["Staffel 1", "Staffel 2", "Staffel 3"] {
        assert!(html.contains(phase), "{phase}");
    }
    for headline in [
        "Smarte Vernetzung",
        "Smartes Handwerk",
        "Gera aus Kinderaugen",
        "Smarte Fachkräftegewinnung",
        "Unsere „SMARTies“",
    ] {
        assert!(html.contains(headline), "{headline}");
    }
    assert_eq!(html.matches(r#"<li class="card">"#).count(), 12);
    assert!(
        html.contains("02.06.2020, 00:00 Uhr"),
        "Berlin time, German format"
    );
    assert!(html.contains("30.09.2020, 23:59 Uhr"));
    assert!(html.contains("Offen für Ideen"), "phase 1 is open in July");
    assert!(html.contains("Startet bald"), "phase 3 has not started");
    assert!(html.contains("6.750 €"));
    assert!(html.contains("81.000 €"));
}

#[tokio::test]
async fn english_comes_second() {
    let app = TestApp::spawn().await;
    let (_, html) = app.page("/?lang=en").await;
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("Starting soon"));
    assert!(html.contains("€6,750"));
    assert!(html.contains("2 Jun 2020, 00:00"));
    // The programme's own texts stay German, and say so to screen readers.
    assert!(html.contains(r#"<h1 id="programme-1" lang="de">SMARTCity Gera</h1>"#));
    let (_, page) = app.page("/wettbewerbe/wir-lieben-gera?lang=en").await;
    assert!(page.contains(r#"<h1 lang="de">Smarte Projekte für Gera</h1>"#));
    let (_, german) = app.page("/wettbewerbe/wir-lieben-gera?lang=de").await;
    assert!(german.contains("<h1>Smarte Projekte für Gera</h1>"));
    // Even an unknown address answers in the visitor's language.
    let (status, missing) = app.page("/gibt-es-nicht?lang=en").await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);
    assert!(missing.contains(r#"<html lang="en">"#), "{missing}");
    let response = app
        .client
        .get(app.url("/"))
        .header("accept-language", "en-GB,en;q=0.8")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains(r#"<html lang="en">"#)
    );
}

#[tokio::test]
async fn each_competition_has_its_page() {
    let app = TestApp::spawn().await;
    let (status, html) = app.page("/wettbewerbe/senioren-unabhaengigkeit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Smarte Unabhängigkeit im Alter"));
    assert!(html.contains("Staffel 2"));
    assert!(html.contains("20.07.2020, 00:00 Uhr"));
    assert!(html.contains("Wer teilnehmen kann"));

    let (status, html) = app.page("/wettbewerbe/gibt-es-nicht").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Seite nicht gefunden"));
    let response = app.client.get(app.url("/irgendwo")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        response.headers().contains_key("content-security-policy"),
        "error pages too"
    );
}

#[tokio::test]
async fn drafts_stay_private_and_text_is_escaped() {
    let app = TestApp::builder()
        .at(berlin("2020-01-10T12:00"))
        .spawn()
        .await;
    app.admin_patch("/api/programmes/1", json!({ "budget_cents": 9_000_000 }))
        .await;
    let (status, draft) = app
        .admin_post(
            "/api/competitions",
            json!({
                "phase_id": 1, "slug": "probe", "target_group": "<b>Alle</b>",
                "headline": "<script>alert('x')</script>",
                "opens_at": "2020-03-01T00:00:00+01:00", "closes_at": "2020-04-01T00:00:00+02:00"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let (status, _) = app.page("/wettbewerbe/probe").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "drafts have no public page");
    let (_, home) = app.page("/").await;
    assert!(!home.contains("alert("), "drafts are not listed");

    app.transition(
        draft["id"].as_i64().unwrap(),
        json!({ "event": "schedule" }),
    )
    .await;
    let (status, page) = app.page("/wettbewerbe/probe").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("<script>alert"), "never raw");
    assert!(page.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2F;script&gt;"));
    assert!(page.contains("&lt;b&gt;Alle&lt;&#x2F;b&gt;"));
}

#[tokio::test]
async fn pages_send_security_headers() {
    let app = TestApp::builder().without_seed().spawn().await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    let headers = response.headers();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let (_, html) = app.page("/").await;
    assert!(html.contains("Zurzeit gibt es keine Wettbewerbe."));
    let css = app
        .client
        .get(app.url("/static/app.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
}

#[tokio::test]
async fn a_change_on_another_instance_shows_within_a_second() {
    let first = TestApp::spawn().await;
    let second = TestApp::builder().database_of(&first).spawn().await;
    let (_, before) = first.page("/wettbewerbe/wir-lieben-gera").await;
    assert!(before.contains("Startet bald"));

    let id = first.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();
    let response = second
        .client
        .post(second.url(&format!("/api/competitions/{id}/transitions")))
        .bearer_auth(first.token.as_deref().unwrap())
        .json(&json!({ "event": "cancel", "reason": "Zusammengelegt" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (_, on_second) = second.page("/wettbewerbe/wir-lieben-gera").await;
    assert!(
        on_second.contains("Abgesagt"),
        "the instance that changed it shows it at once"
    );

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, on_first) = first.page("/wettbewerbe/wir-lieben-gera").await;
    assert!(
        on_first.contains("Abgesagt"),
        "the other instance shows it after its cache expires"
    );
}

#[tokio::test]
async fn a_german_public_site_has_its_legal_pages_linked_from_every_page() {
    let app = TestApp::spawn().await;
    let (_, home) = app.page("/").await;
    for link in [
        "/impressum",
        "/datenschutz",
        "/barrierefreiheit",
        "/leichte-sprache",
    ] {
        assert!(
            home.contains(&format!(r#"href="{link}?lang=de""#)),
            "{link}"
        );
    }
    assert!(home.contains(r#"<meta name="description""#));
    assert!(home.contains(r#"rel="icon""#));
    let (_, imprint) = app.page("/impressum").await;
    assert!(imprint.contains("Stadt Gera") && imprint.contains("§ 5"));
    assert!(
        imprint.contains("[Platzhalter"),
        "what the city must still fill in is marked"
    );
    let (_, privacy) = app.page("/datenschutz").await;
    for part in [
        "Art. 6 Abs. 1 lit. e DSGVO",
        "Aufsichtsbehörde",
        "15 Minuten",
        "Datenschutzbeauftragte",
    ] {
        assert!(privacy.contains(part), "{part}");
    }
    let (_, statement) = app.page("/barrierefreiheit").await;
    assert!(statement.contains("BITV 2.0") && statement.contains("Barriere melden"));
    let (_, easy) = app.page("/leichte-sprache").await;
    assert!(easy.contains("Wie mache ich mit?") && easy.contains("Wer hilft mir?"));
    let (_, privacy_en) = app.page("/datenschutz?lang=en").await;
    assert!(privacy_en.contains("Your rights") && privacy_en.contains("Art. 6(1)(e) GDPR"));
    let favicon = app
        .client
        .get(app.url("/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(favicon.status(), StatusCode::OK);
    assert_eq!(favicon.headers()["content-type"], "image/svg+xml");
}

/// Page texts that differ between the languages: an English page must show none of
/// the German ones (a text left untranslated), and every page must render in both
/// (a key missing in one language fails the page).
#[tokio::test]
async fn every_page_renders_in_both_languages_without_untranslated_text() {
    let (app, smtp) = crate::helpers::with_smtp_at("2020-08-01T10:00").await;
    use ideenwettbewerb::http::pages::i18n::Lang;
    let (german, english) = (Lang::De.texts(), Lang::En.texts());
    let only_german: Vec<&String> = german
        .iter()
        .filter(|(key, text)| {
            english.get(*key) != Some(text) && text.split_whitespace().count() >= 3
        })
        .map(|(_, text)| text)
        .collect();
    let competition = app.competition_id("wir-lieben-gera").await;
    let mut browser = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let (entry, _) =
        crate::entry_pages::draft_on_the_web(&mut browser, "Bänke", "Mehr Bänke am Markt.").await;
    let pages = [
        "/".to_owned(),
        "/wettbewerbe/wir-lieben-gera".to_owned(),
        "/anmelden".to_owned(),
        "/impressum".to_owned(),
        "/datenschutz".to_owned(),
        "/barrierefreiheit".to_owned(),
        "/konto".to_owned(),
        "/konto/ideen".to_owned(),
        entry.clone(),
        format!("{entry}/zurueckziehen"),
        "/wettbewerbe/wir-lieben-gera/einreichen".to_owned(),
        "/verwaltung".to_owned(),
        format!("/verwaltung/wettbewerbe/{competition}"),
        format!("/verwaltung/wettbewerbe/{competition}/erfassen"),
        format!("/verwaltung/wettbewerbe/{competition}/schritt/close"),
        format!("/verwaltung/wettbewerbe/{competition}/verlauf"),
        "/admin/emails".to_owned(),
        "/admin/emails/1".to_owned(),
    ];
    for page in &pages {
        for lang in ["de", "en"] {
            let path = format!(
                "{page}{}lang={lang}",
                if page.contains('?') { '&' } else { '?' }
            );
            let shown = browser.get(&path).await;
            assert_eq!(shown.status, StatusCode::OK, "{path}: {}", shown.body);
            if lang == "en" {
                for text in &only_german {
                    assert!(
                        !shown.body.contains(text.as_str()),
                        "{path} shows German text: {text}"
                    );
                }
            }
        }
    }
}

/// The lines of an iCalendar text, unfolded, after checking the folding:
/// every line ends with CRLF and has at most 75 octets.
fn ics_lines(text: &str) -> Vec<String> {
    assert!(text.ends_with("\r\n"), "CRLF at the end");
    let mut lines: Vec<String> = Vec::new();
    for line in text.trim_end_matches("\r\n").split("\r\n") {
        assert!(!line.contains('\n'), "a bare line feed in {line:?}");
        assert!(line.len() <= 75, "{line:?} has {} octets", line.len());
        match line.strip_prefix(' ') {
            Some(rest) => lines.last_mut().expect("a first line").push_str(rest),
            None => lines.push(line.to_owned()),
        }
    }
    lines
}

#[tokio::test]
async fn the_news_feed_and_the_calendar_follow_the_programme() {
    let app = TestApp::spawn().await;
    // 15 September 2020: all twelve competitions take ideas.
    app.move_clock_to(berlin("2020-09-15T12:00")).await;
    let response = app
        .client
        .get(app.url("/neuigkeiten.atom"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let feed = response.text().await.unwrap();
    assert!(feed.starts_with(r#"<?xml version="1.0" encoding="utf-8"?>"#));
    assert!(feed.contains(r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">"#));
    assert!(
        feed.contains("<title>Einreichung geöffnet: Smartes Handwerk"),
        "{feed}"
    );
    assert!(
        !feed.contains("Einsendeschluss erreicht"),
        "no deadline has passed: {feed}"
    );
    assert_eq!(feed.matches("<entry>").count(), 12, "{feed}");
    let (_, english) = app.page("/neuigkeiten.atom?lang=en").await;
    assert!(
        english.contains("<title>Open for entries: Smartes Handwerk"),
        "{english}"
    );

    let response = app
        .client
        .get(app.url("/termine.ics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let lines = ics_lines(&response.text().await.unwrap());
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    let events = lines.iter().filter(|l| *l == "BEGIN:VEVENT").count();
    assert_eq!(
        events, 24,
        "a window and a deadline for each of the 12: {lines:?}"
    );
    let uids: std::collections::BTreeSet<_> =
        lines.iter().filter(|l| l.starts_with("UID:")).collect();
    assert_eq!(uids.len(), 24, "every event its own stable UID");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("SUMMARY:Einsendeschluss: Smartes Handwerk")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("DTSTART:2020")),
        "{lines:?}"
    );
    let (_, english) = app.page("/termine.ics?lang=en").await;
    assert!(english.contains("SUMMARY:Deadline: "), "{english}");

    // The first phase's deadline passes: news.
    app.move_clock_to(berlin("2020-10-01T12:00")).await;
    let (_, feed) = app.page("/neuigkeiten.atom").await;
    assert!(
        feed.contains("<title>Einsendeschluss erreicht: Smartes Handwerk"),
        "{feed}"
    );
    assert_eq!(feed.matches("<entry>").count(), 16, "{feed}");

    // Every page links both.
    let (_, home) = app.page("/").await;
    assert!(
        home.contains(r#"href="/neuigkeiten.atom?lang=de""#),
        "{home}"
    );
    assert!(home.contains(r#"href="/termine.ics?lang=de""#));
    assert!(home.contains(r#"type="application/atom+xml""#));
}
