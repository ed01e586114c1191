//! The announcement: staff schedule it after the jury's decision; before its
//! moment nothing about the winners is public or sent (pages, API, outbox); at
//! its moment one scheduler pass on one of two instances announces, once, and
//! the winners, the other entrants and the jury hear of it at the SMTP server.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::entry_pages::wait_for_mail;
use crate::helpers::{TestApp, berlin, with_smtp_at};
use crate::jury::{ENTRANTS, call, everyone_scores, school_entries, seated_panel};

pub(crate) async fn admin(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, json, _) = app.request(method, path, body, app.token.as_deref()).await;
    (status, json)
}

/// "Smarte Projekte für Gera" decided, the two best of its three admitted
/// entries awarded as suggested (the third carries a juror's comment);
/// returns the competition and the winners' titles.
pub(crate) async fn decided_and_awarded(app: &TestApp) -> (i64, Vec<String>) {
    let scene = school_entries(app).await;
    let jurors = seated_panel(app, &scene).await;
    let titles = decide_and_award(app, &scene, &jurors).await;
    (scene.competition, titles)
}

/// The competition of `scene` (in review, its panel seated) scored, decided
/// and its two best entries awarded as suggested; returns their titles.
pub(crate) async fn decide_and_award(
    app: &TestApp,
    scene: &crate::jury::Scene,
    jurors: &[(i64, String)],
) -> Vec<String> {
    let c = scene.competition;
    let prizes = json!({ "prizes": [
        { "tier": "first", "kind": "cash", "label": "Preisgeld", "value_cents": 300_000 },
        { "tier": "second", "kind": "voucher", "label": "Einkaufsgutschein", "value_cents": 200_000 },
        { "tier": "third", "kind": "event", "label": "Klassenparty", "value_cents": 100_000 },
    ]});
    let path = format!("/api/competitions/{c}/prizes");
    let (status, body) = admin(app, Method::PUT, &path, Some(prizes)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let kennzahlen = everyone_scores(app, c, jurors).await;
    let (_, jury) = app.admin_get(&format!("/api/competitions/{c}/jury")).await;
    let (status, body) = call(
        app,
        Method::PUT,
        &format!("/api/jury/competitions/{c}/entries/{}/sheet", kennzahlen[2]),
        Some(crate::jury::full_sheet(&jury["criteria"], 0, true)),
        &jurors[1].1,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, locked) = call(
        app,
        Method::POST,
        &format!("/api/jury/competitions/{c}/decision"),
        Some(json!({})),
        &jurors[0].1,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{locked}");
    let (_, view) = admin(app, Method::GET, &path, None).await;
    for s in view["suggestion"].as_array().unwrap().iter().take(2) {
        let (status, done) = admin(
            app,
            Method::POST,
            &format!("/api/competitions/{c}/awards"),
            Some(json!({ "prize_id": s["prize_id"], "entry_id": s["entry_id"] })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{done}");
    }
    let (_, view) = admin(app, Method::GET, &path, None).await;
    let titles = view["awards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(titles.len(), 2, "{view}");
    titles
}

/// Everything the public can read about the programme and this competition.
async fn public_texts(app: &TestApp, c: i64, slug: &str) -> Vec<(String, StatusCode, String)> {
    let mut read = Vec::new();
    for path in [
        "/".to_owned(),
        "/?lang=en".to_owned(),
        format!("/wettbewerbe/{slug}"),
        format!("/wettbewerbe/{slug}?lang=en"),
        format!("/wettbewerbe/{slug}/ergebnisse"),
        format!("/wettbewerbe/{slug}/ergebnisse?lang=en"),
        "/neuigkeiten.atom".to_owned(),
        "/neuigkeiten.atom?lang=en".to_owned(),
        "/termine.ics".to_owned(),
    ] {
        let (status, body) = app.page(&path).await;
        read.push((path, status, body));
    }
    for path in [
        "/api/programmes".to_owned(),
        format!("/api/competitions/{c}"),
        format!("/api/competitions/{c}/results"),
    ] {
        let (status, body, _) = app.request(Method::GET, &path, None, None).await;
        read.push((path, status, body.to_string()));
    }
    read
}

/// The results' emails queued so far (none may exist before the moment).
async fn results_mails(app: &TestApp) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let db = &app.state.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM email_messages WHERE template IN \
             ('results_winner', 'results_entrant', 'results_jury', 'announcement')",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn the_results_are_announced_at_their_moment_once_and_nothing_before() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let (c, winners) = decided_and_awarded(&app).await;
    let slug = "schulklassen-smarte-projekte";
    let announcement = format!("/api/competitions/{c}/announcement");

    // Refusals: a moment not in the future, a competition not decided, an
    // entrant; nothing stored.
    let (status, problem) = admin(
        &app,
        Method::PUT,
        &announcement,
        Some(json!({ "scheduled_for": "2021-01-01T10:00:00Z" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        problem["type"].as_str().unwrap().rsplit(':').next(),
        Some("announcement-rule")
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("in the future"),
        "{problem}"
    );
    let other = app.competition_id("senioren-unabhaengigkeit").await;
    let (status, problem) = admin(
        &app,
        Method::PUT,
        &format!("/api/competitions/{other}/announcement"),
        Some(json!({ "scheduled_for": "2021-03-01T10:00:00Z" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let entrant = app.entrant("neugierig@example.org").await;
    let (status, _, _) = app
        .request(
            Method::PUT,
            &announcement,
            Some(json!({ "scheduled_for": "2021-03-01T10:00:00Z" })),
            Some(&entrant),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(app.count("announcements").await, 0);

    // Scheduled for 15 February 2021, 18:00 in Gera.
    let moment = berlin("2021-02-15T18:00");
    let (status, scheduled) = admin(
        &app,
        Method::PUT,
        &announcement,
        Some(json!({
            "scheduled_for": moment,
            "statement": "Das Preisgericht war von der Vielfalt der Ideen beeindruckt.",
            "with_feedback": true,
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{scheduled}");
    assert!(scheduled.get("announced_at").is_none(), "{scheduled}");

    // Before the moment, on both sides of a scheduler pass: nothing.
    let second = TestApp::builder()
        .database_of(&app)
        .smtp(smtp.addr())
        .spawn()
        .await;
    for at in ["2021-02-01T09:00", "2021-02-15T17:59"] {
        assert!(app.move_clock_to(berlin(at)).await.is_empty());
        second.clock.set(berlin(at));
        for (path, status, text) in public_texts(&app, c, slug).await {
            for title in &winners {
                assert!(!text.contains(title.as_str()), "{path} shows {title} early");
            }
            assert!(
                !text.contains("Vielfalt der Ideen"),
                "{path}: the statement early"
            );
            if path.contains("ergebnisse") || path.ends_with("/results") {
                assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            }
        }
        app.deliver().await;
        assert_eq!(results_mails(&app).await, 0, "no results email before {at}");
    }
    let (_, page) = app.page(&format!("/wettbewerbe/{slug}/ergebnisse")).await;
    assert!(page.contains("noch nicht bekanntgegeben"), "{page}");
    // The calendar has the date, the feed no results yet.
    let (_, calendar) = app.page("/termine.ics").await;
    assert!(
        calendar.contains("DTSTART:20210215T170000Z\r\nSUMMARY:Bekanntgabe der Ergebnisse: "),
        "{calendar}"
    );
    let (_, feed) = app.page("/neuigkeiten.atom").await;
    assert!(!feed.contains("Ergebnisse verkündet"), "{feed}");

    // At the moment, two instances pass at once: one announces, once.
    app.clock.set(moment);
    second.clock.set(moment);
    let (a, b) = tokio::join!(
        ideenwettbewerb::scheduler::tick(&app.state),
        ideenwettbewerb::scheduler::tick(&second.state)
    );
    let announced: Vec<_> = a
        .iter()
        .chain(b.iter())
        .filter(|(id, event)| *id == c && event.as_str() == "announce")
        .collect();
    assert_eq!(announced.len(), 1, "{a:?} {b:?}");
    assert_eq!(
        app.competition(slug).await["state"].as_str(),
        Some("announced")
    );
    assert!(
        app.move_clock_to(berlin("2021-02-15T18:05"))
            .await
            .is_empty()
    );

    // Everyone hears, once: the two winners, the other classes (the admitted
    // one with the jury's comment, without the juror's name), the jury.
    // Both instances' workers run (a repeated round sends nothing twice).
    for _ in 0..3 {
        app.deliver().await;
        second.deliver().await;
    }
    let mut thanked_with_comment = 0;
    for (i, e) in ENTRANTS.iter().enumerate() {
        if winners.iter().any(|w| w == e.title) {
            let text = wait_for_mail(&smtp, e.email, "ausgezeichnet").await;
            assert!(text.contains("/wettbewerbe/schulklassen-smarte-projekte/ergebnisse"));
        } else {
            let text = wait_for_mail(&smtp, e.email, "Vielen Dank für Ihren Beitrag").await;
            assert!(text.contains(e.title), "{text}");
            assert!(!text.contains("Bernd Birke"), "{text}");
            if text.contains("Überzeugend.") {
                assert!(i < 3, "the late class had no sheets: {text}");
                thanked_with_comment += 1;
            }
        }
    }
    assert_eq!(thanked_with_comment, 1);
    for juror in ["ilse.ahorn@jury.example", "bernd.birke@jury.example"] {
        wait_for_mail(&smtp, juror, "Ihre Arbeit im Preisgericht").await;
    }
    let mut seen = std::collections::HashMap::new();
    for mail in smtp.received() {
        let text = String::from_utf8_lossy(&mail.data).to_string();
        if text.contains("Ergebnis") || text.contains("ausgezeichnet") {
            *seen.entry(mail.to[0].clone()).or_insert(0) += 1;
        }
    }
    for e in &ENTRANTS {
        assert_eq!(seen.get(e.email), Some(&1), "{seen:?}");
    }

    // Now the results are public, with the school and class but never the
    // children's or the teacher's names.
    let (status, results) = app.get(&format!("/api/competitions/{c}/results")).await;
    assert_eq!(status, StatusCode::OK, "{results}");
    let listed: Vec<&str> = results["winners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["title"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 2, "{results}");
    assert_eq!(
        results["winners"][0]["prizes"][0]["tier"].as_str(),
        Some("first")
    );
    let (status, page) = app.page(&format!("/wettbewerbe/{slug}/ergebnisse")).await;
    assert_eq!(status, StatusCode::OK);
    for title in &winners {
        assert!(page.contains(title.as_str()), "{page}");
    }
    assert!(page.contains("Vielfalt der Ideen"), "{page}");
    for e in ENTRANTS
        .iter()
        .filter(|e| winners.iter().any(|w| w == e.title))
    {
        assert!(page.contains(e.school), "{page}");
        for name in e.children.split(", ").chain([e.teacher, e.email]) {
            assert!(!page.contains(name), "{name} on the results page");
            assert!(!results.to_string().contains(name), "{name} in the API");
        }
    }
    assert!(
        !page.contains(ENTRANTS[3].title),
        "the excluded class won nothing"
    );
    // The public catalogue may be served from memory for up to a second when
    // the other instance made the announcement.
    let mut linked = false;
    for _ in 0..30 {
        let (_, competition_page) = app.page(&format!("/wettbewerbe/{slug}")).await;
        linked = competition_page.contains("Zu den Ergebnissen");
        if linked {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(linked, "the competition's page links the results");
    let (_, feed) = app.page("/neuigkeiten.atom").await;
    let item = feed
        .split("<entry>")
        .find(|item| item.contains("Ergebnisse verkündet: "))
        .unwrap_or_else(|| panic!("no announcement in the feed: {feed}"));
    for title in &winners {
        assert!(item.contains(title.as_str()), "{item}");
    }
    assert!(item.contains("2021-02-15T17:00:00Z"), "{item}");
    assert!(
        item.contains(&format!("/wettbewerbe/{slug}/ergebnisse")),
        "{item}"
    );
    assert_eq!(feed.matches("Ergebnisse verkündet: ").count(), 1, "once");

    // Certificates: the winners' own, and staff's; no one else's, none for
    // an entry without a prize. The results export for the city.
    let winner = ENTRANTS
        .iter()
        .find(|e| winners.iter().any(|w| w == e.title))
        .unwrap();
    let loser = ENTRANTS
        .iter()
        .find(|e| !winners.iter().any(|w| w == e.title))
        .unwrap();
    let text = wait_for_mail(&smtp, winner.email, "ausgezeichnet").await;
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/urkunde.pdf"))
        .unwrap_or_else(|| panic!("no certificate link: {text}"))
        .to_owned();
    let path = &link[link.find("/konto/").unwrap()..];
    let entry_of = |path: &str| {
        path.trim_start_matches("/konto/ideen/")
            .trim_end_matches("/urkunde.pdf")
            .parse::<i64>()
            .unwrap()
    };
    let winning_entry = entry_of(path);
    let mut browser = crate::credentials::signed_in_browser(&app, &smtp, winner.email).await;
    let pdf = browser.get(path).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF"), "a PDF");
    let mut other = crate::credentials::signed_in_browser(&app, &smtp, loser.email).await;
    assert_eq!(
        other.get(path).await.status,
        StatusCode::NOT_FOUND,
        "not theirs"
    );
    let mut staff = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let pdf = staff
        .get(&format!(
            "/verwaltung/einreichungen/{winning_entry}/urkunde.pdf"
        ))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    let csv = staff
        .get(&format!("/verwaltung/wettbewerbe/{c}/ergebnisse.csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("\u{feff}Preisstufe;Preis;Art;Betrag (EUR)"),
        "{}",
        csv.body
    );
    for title in &winners {
        assert!(csv.body.contains(title.as_str()), "{}", csv.body);
    }
    assert!(
        csv.body.contains(winner.email),
        "the city's records name the contact"
    );
    let xlsx = app
        .client
        .get(app.url(&format!("/verwaltung/wettbewerbe/{c}/ergebnisse.xlsx")))
        .header("cookie", staff.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "a workbook");
    // The same through the API.
    let api_get = |path: String| {
        app.client
            .get(app.url(&path))
            .bearer_auth(app.token.as_deref().unwrap())
            .send()
    };
    let pdf = api_get(format!("/api/entries/{winning_entry}/certificate"))
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let csv = api_get(format!("/api/competitions/{c}/results/export"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for title in &winners {
        assert!(csv.contains(title.as_str()), "{csv}");
    }
    let xlsx = api_get(format!("/api/competitions/{c}/results/export?format=xlsx"))
        .await
        .unwrap();
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "a workbook");
    assert_eq!(
        other
            .get(&format!("/verwaltung/wettbewerbe/{c}/ergebnisse.csv"))
            .await
            .status,
        StatusCode::FORBIDDEN,
        "an entrant is no staff"
    );

    // Once made, the announcement cannot move or be taken back.
    let (status, problem) = admin(
        &app,
        Method::PUT,
        &announcement,
        Some(json!({ "scheduled_for": "2021-03-01T10:00:00Z" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (status, _) = admin(&app, Method::DELETE, &announcement, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn staff_schedule_move_and_take_back_the_announcement_on_the_pages() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let (c, _) = decided_and_awarded(&app).await;
    let mut staff = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let base = format!("/verwaltung/wettbewerbe/{c}/bekanntgabe");
    let page = staff.get(&base).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Bekanntgabe planen"), "{}", page.body);
    let csrf = crate::browser_session::hidden(&page.body, "csrf");

    // A moment in the past: the message in German, what was typed kept.
    let statement = "Begründung mit <b>Markup</b> & Umlauten: äöü";
    let refused = staff
        .post(
            &base,
            &[
                ("csrf", &csrf),
                ("at", "2020-06-01T18:00"),
                ("statement", statement),
                ("with_feedback", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("muss in der Zukunft liegen"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"2020-06-01T18:00\""));
    assert!(
        refused
            .body
            .contains("&lt;b&gt;Markup&lt;&#x2F;b&gt; &amp; Umlauten: äöü"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("<b>Markup</b>"));
    let refused = staff
        .post(
            &base,
            &[("csrf", &csrf), ("at", "morgen"), ("statement", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("zum Beispiel 2021-02-15T18:00"));
    assert_eq!(app.count("announcements").await, 0);

    // Scheduled, then moved: confirmed on screen each time.
    for at in ["2021-02-15T18:00", "2021-02-16T11:30"] {
        let done = staff
            .post(
                &base,
                &[("csrf", &csrf), ("at", at), ("statement", statement)],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let page = staff.get(done.location.as_deref().unwrap()).await.body;
        assert!(page.contains("Die Bekanntgabe ist geplant für"), "{page}");
        assert!(page.contains(&format!("value=\"{at}\"")), "{page}");
    }
    let (_, stored) = app
        .admin_get(&format!("/api/competitions/{c}/announcement"))
        .await;
    assert_eq!(
        stored["scheduled_for"].as_str(),
        Some("2021-02-16T10:30:00+00:00"),
        "{stored}"
    );
    assert_eq!(stored["with_feedback"], json!(false));

    // Taken back: nothing scheduled, and the clock announces nothing.
    let done = staff
        .post(&format!("{base}/zuruecknehmen"), &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = staff.get(done.location.as_deref().unwrap()).await.body;
    assert!(page.contains("zurückgenommen"), "{page}");
    assert_eq!(app.count("announcements").await, 0);
    assert!(
        app.move_clock_to(berlin("2021-03-01T12:00"))
            .await
            .is_empty()
    );
    let (status, _) = app.get(&format!("/api/competitions/{c}/results")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
