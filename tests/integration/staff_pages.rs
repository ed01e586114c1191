//! The city's workplace on the pages: the dashboard's "needs attention", the
//! programme and competition pages, and deadlines of several competitions at once.

use reqwest::StatusCode;
use sea_orm::ConnectionTrait;

use crate::helpers::{berlin, with_smtp_at};

#[tokio::test]
async fn the_dashboard_shows_what_needs_attention() {
    let (app, smtp) = with_smtp_at("2020-09-25T10:00").await;
    let mut admin = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = admin.get("/verwaltung").await.body;
    assert!(page.contains("Braucht Aufmerksamkeit"), "{page}");
    assert_eq!(
        page.matches("Einsendeschluss am 30.09.2020, 23:59 Uhr (in weniger als 7 Tagen).")
            .count(),
        4,
        "the four competitions of phase 1: {page}"
    );
    assert!(!page.contains("die Bewertung hat noch nicht begonnen"));

    // After the deadline: closed, waiting for the review, with the step to start it.
    app.move_clock_to(berlin("2020-10-01T10:00")).await;
    app.deliver().await;
    // Days later: a new sign-in (sessions end when idle).
    let mut admin = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = admin.get("/verwaltung").await.body;
    assert_eq!(
        page.matches("Geschlossen; die Bewertung hat noch nicht begonnen.")
            .count(),
        4,
        "{page}"
    );
    let competition = app.competition_id("unternehmen-smarte-vernetzung").await;
    assert!(page.contains(&format!(
        "/verwaltung/wettbewerbe/{competition}/schritt/start_review?lang=de\">Bewertung beginnen"
    )), "{page}");
    assert!(!page.contains("nicht zugestellt"));

    // A message that could not be delivered shows for administrators.
    app.state
        .db
        .execute_unprepared("UPDATE email_messages SET status = 'failed' WHERE id = 1")
        .await
        .unwrap();
    let page = admin.get("/verwaltung").await.body;
    assert!(
        page.contains("1 E-Mail konnte nicht zugestellt werden"),
        "{page}"
    );
    assert!(page.contains("/admin/emails?status=failed&amp;lang=de"));
    let step = admin
        .get(&format!(
            "/verwaltung/wettbewerbe/{competition}/schritt/start_review"
        ))
        .await;
    assert_eq!(step.status, StatusCode::OK);
}

#[tokio::test]
async fn staff_set_up_copy_and_edit_competitions_on_the_pages_within_the_rules() {
    let (app, smtp) = with_smtp_at("2020-08-01T10:00").await;
    let mut admin = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let blank = admin.get("/verwaltung/wettbewerbe/neu").await;
    assert_eq!(blank.status, StatusCode::OK);
    let csrf = crate::browser_session::hidden(&blank.body, "csrf");
    let schools = app.competition_id("schulklassen-smarte-projekte").await;
    let (_, phases) = app.get("/api/programmes/1/phases").await;
    let phase = phases[0]["id"].as_i64().unwrap().to_string();
    let competitions = app.count("competitions").await;

    // Everything wrong at once: every problem named, everything typed kept.
    let wrong = admin
        .post(
            "/verwaltung/wettbewerbe/neu",
            &[
                ("csrf", &csrf),
                ("slug", "Schulen 2027"),
                ("headline", ""),
                ("target_group", "Schulklassen"),
                ("opens_at", "morgen"),
                ("prize", "viel"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Bitte wählen Sie die Staffel",
        "Bitte geben Sie einen Kurznamen aus 3 bis 80 Kleinbuchstaben",
        "Bitte geben Sie einen Titel an",
        "Bitte geben Sie Datum und Uhrzeit an",
        "Bitte geben Sie das Preisgeld als Betrag in Euro an",
        "Bitte wählen Sie, von welchem Wettbewerb die Eingabefelder übernommen werden",
    ] {
        assert!(wrong.body.contains(message), "{message}: {}", wrong.body);
    }
    assert!(wrong.body.contains(r#"value="Schulen 2027""#));
    assert!(wrong.body.contains(r#"value="morgen""#));
    let form = |slug: &'static str, prize: &'static str| {
        let (csrf, phase, schools) = (csrf.clone(), phase.clone(), schools.to_string());
        vec![
            ("csrf", csrf),
            ("phase", phase),
            ("slug", slug.to_owned()),
            ("headline", "Smarte Schulwege".to_owned()),
            ("target_group", "Schulklassen".to_owned()),
            ("aim", "Sicher zur Schule".to_owned()),
            ("opens_at", "2020-11-01T00:00".to_owned()),
            ("closes_at", "2020-12-31T23:59".to_owned()),
            ("prize", prize.to_owned()),
            ("form_from", schools),
        ]
    };
    let send = |fields: &Vec<(&'static str, String)>| {
        fields
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect::<Vec<_>>()
    };
    // Over the programme's budget, or a taken short name: refused in the form.
    let fields = send(&form("schulwege-2020", "1.000.000"));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let over = admin.post("/verwaltung/wettbewerbe/neu", &refs).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        over.body
            .contains("wären mehr als das Budget des Programms"),
        "{}",
        over.body
    );
    assert!(over.body.contains(r#"value="1.000.000""#));
    // Gera's twelve prizes use its whole budget: more money for a new one first.
    let (status, _) = app
        .admin_patch(
            "/api/programmes/1",
            serde_json::json!({ "budget_cents": 9_000_000 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let fields = send(&form("wir-lieben-gera", "500"));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let taken = admin.post("/verwaltung/wettbewerbe/neu", &refs).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        taken
            .body
            .contains("Diesen Kurznamen hat schon ein anderer Wettbewerb")
    );
    assert_eq!(
        app.count("competitions").await,
        competitions,
        "nothing stored"
    );

    // Set up: a draft with the entry fields of the school competition.
    let fields = send(&form("schulwege-2020", "1.500,50"));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = admin.post("/verwaltung/wettbewerbe/neu", &refs).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = admin.get(created.location.as_deref().unwrap()).await.body;
    assert!(
        page.contains("Der Wettbewerb „Smarte Schulwege · Schulklassen“ ist als Entwurf angelegt."),
        "{page}"
    );
    assert!(page.contains("Was sich noch ändern lässt"));
    let made = app.competition("schulwege-2020").await;
    assert_eq!(made["state"], "draft");
    assert_eq!(made["prize_money_cents"], 150_050);
    assert_eq!(
        made["entry_form"]["fields"][0]["key"], "school",
        "the entry fields of the school competition: {made}"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'competition.created'")
            .await,
        1
    );

    // A copy starts from another competition's texts, with a new window.
    let copy = admin
        .get(&format!("/verwaltung/wettbewerbe/neu?vorlage={schools}"))
        .await
        .body;
    assert!(copy.contains("Eine Kopie von"));
    assert!(
        copy.contains(r#"value="schulklassen-smarte-projekte-kopie""#),
        "{copy}"
    );
    assert!(copy.contains(r#"id="c-opens_at" name="opens_at" type="datetime-local" value="""#));

    // An open competition: the start is locked with its reason, the deadline
    // may only move later.
    let open = app.competition_id("wir-lieben-gera").await;
    let edit = admin
        .get(&format!("/verwaltung/wettbewerbe/{open}/bearbeiten"))
        .await
        .body;
    assert!(edit.contains("Der Beginn steht fest, weil der Wettbewerb schon begonnen hat (Stand: „Offen für Ideen“)."), "{edit}");
    assert!(edit.contains("Der Einsendeschluss kann nur verlängert werden"));
    let before = app.competition("wir-lieben-gera").await;
    let edit_with = |headline: &'static str, closes: &'static str| {
        vec![
            ("csrf", csrf.as_str()),
            ("headline", headline),
            ("target_group", "Bürgerinnen und Bürger"),
            ("aim", before["aim"].as_str().unwrap()),
            ("closes_at", closes),
            ("prize", "6750"),
        ]
    };
    let path = format!("/verwaltung/wettbewerbe/{open}/bearbeiten");
    let shorter = admin
        .post(&path, &edit_with("Wir lieben Gera!", "2020-11-01T23:59"))
        .await;
    assert_eq!(shorter.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        shorter
            .body
            .contains("Ein Einsendeschluss kann nur verlängert werden")
    );
    assert!(shorter.body.contains(r#"value="Wir lieben Gera!""#), "kept");
    let unchanged = app.competition("wir-lieben-gera").await;
    assert_eq!(unchanged["headline"], before["headline"]);
    assert_eq!(unchanged["closes_at"], before["closes_at"]);
    let saved = admin
        .post(&path, &edit_with("Wir lieben Gera!", "2020-12-15T23:59"))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = app.competition("wir-lieben-gera").await;
    assert_eq!(after["headline"], "Wir lieben Gera!");
    assert_eq!(after["closes_at"], "2020-12-15T22:59:00+00:00");
    assert_eq!(
        after["opens_at"], before["opens_at"],
        "the locked start stays"
    );
    assert!(
        app.outbox_events(open)
            .await
            .contains(&"competition.deadline_extended".to_owned()),
        "subscribers hear of the extension"
    );
    let page = admin
        .get(&format!("/verwaltung/wettbewerbe/{open}"))
        .await
        .body;
    assert!(page.contains("Die Änderungen an „Wir lieben Gera!"));
    assert!(page.contains("<strong>Beginn:</strong> nein."), "{page}");
}

#[tokio::test]
async fn administrators_edit_the_programme_its_phases_and_see_the_budget_line() {
    let (app, smtp) = with_smtp_at("2020-08-01T10:00").await;
    let mut admin = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let first = admin.get("/verwaltung/programm").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let path = first
        .location
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = admin.get(&path).await.body;
    assert!(
        page.contains("Geplante Preisgelder: <strong>81.000 €</strong>"),
        "{page}"
    );
    assert!(page.contains("Noch frei: <strong>0 €</strong>"));
    assert!(
        page.contains("<strong>27.000 €</strong>"),
        "phase 1: four prizes"
    );
    let csrf = crate::browser_session::hidden(&page, "csrf");
    let goals =
        "Nachhaltigkeit\nMultimodale Mobilität\nDigitale Teilhabe\nZukunftsfähige Stadtentwicklung";
    let send = |budget: &'static str, goals: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("name", "Gera SMARTCity".to_owned()),
            ("description", "Ideen für Gera".to_owned()),
            ("budget", budget.to_owned()),
            ("goals", goals.to_owned()),
        ]
    };
    async fn post(
        admin: &mut crate::browser_session::Browser<'_>,
        path: &str,
        fields: Vec<(&'static str, String)>,
    ) -> crate::browser_session::Page {
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        admin.post(path, &refs).await
    }
    let below = post(&mut admin, &path, send("80.000", goals)).await;
    assert_eq!(below.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        below
            .body
            .contains("wären mehr als das Budget des Programms (80.000 €)"),
        "{}",
        below.body
    );
    let no_goals = post(&mut admin, &path, send("90.000", " \n ")).await;
    assert_eq!(no_goals.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_goals
            .body
            .contains("Bitte nennen Sie ein bis zwölf verschiedene Ziele")
    );
    let bad = post(&mut admin, &path, send("viel Geld", goals)).await;
    assert!(
        bad.body
            .contains("Bitte geben Sie das Budget als Betrag in Euro an")
    );
    let (_, programme) = app.get("/api/programmes/1").await;
    assert_eq!(programme["budget_cents"], 8_100_000, "unchanged");
    let saved = post(&mut admin, &path, send("90.000", goals)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = admin.get(&path).await.body;
    assert!(page.contains("Das Programm ist gespeichert."));
    assert!(
        page.contains("Noch frei: <strong>9.000 €</strong>"),
        "{page}"
    );
    let (_, programme) = app.get("/api/programmes/1").await;
    assert_eq!(programme["budget_cents"], 9_000_000);
    assert_eq!(programme["goals"].as_array().unwrap().len(), 4);

    // Phases: a number twice is refused, a new one is added, one renamed.
    let taken = admin
        .post(
            &format!("{path}/staffeln"),
            &[("csrf", &csrf), ("number", "1"), ("name", "Noch eine")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        taken
            .body
            .contains("Diese Nummer hat schon eine andere Staffel.")
    );
    let added = admin
        .post(
            &format!("{path}/staffeln"),
            &[("csrf", &csrf), ("number", "4"), ("name", "Staffel 4")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let (_, phases) = app.get("/api/programmes/1/phases").await;
    let fourth = phases[3]["id"].as_i64().unwrap();
    let renamed = admin
        .post(
            &format!("{path}/staffeln/{fourth}"),
            &[
                ("csrf", &csrf),
                ("number", "4"),
                ("name", "Sonderrunde 2021"),
            ],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    assert!(
        admin
            .get(&path)
            .await
            .body
            .contains("Die Staffel „Sonderrunde 2021“ ist gespeichert.")
    );
    assert_eq!(
        app.count(
            "audit_log WHERE action IN ('programme.updated', 'phase.created', 'phase.updated')"
        )
        .await,
        3
    );
}

#[tokio::test]
async fn staff_extend_the_deadlines_of_several_competitions_at_once() {
    let (app, smtp) = with_smtp_at("2020-09-28T10:00").await;
    let mut admin = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let form = admin.get("/verwaltung/fristen").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = crate::browser_session::hidden(&form.body, "csrf");
    let companies = app.competition_id("unternehmen-smarte-vernetzung").await;
    let crafts = app.competition_id("handwerk-smartes-handwerk").await;
    let gera = app.competition_id("wir-lieben-gera").await;
    assert!(form.body.contains(&format!(r#"value="{companies}""#)));

    let none = admin
        .post(
            "/verwaltung/fristen",
            &[("csrf", &csrf), ("closes_at", "2020-10-31T23:59")],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        none.body
            .contains("Bitte wählen Sie mindestens einen Wettbewerb.")
    );

    let (companies_s, crafts_s, gera_s) =
        (companies.to_string(), crafts.to_string(), gera.to_string());
    let fields = [
        ("csrf", csrf.as_str()),
        ("competition", companies_s.as_str()),
        ("competition", crafts_s.as_str()),
        ("competition", gera_s.as_str()),
        ("closes_at", "2020-10-31T23:59"),
    ];
    let done = admin.post("/verwaltung/fristen", &fields).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        done.body
            .matches("verlängert bis 31.10.2020, 23:59 Uhr.")
            .count(),
        2,
        "{}",
        done.body
    );
    assert!(
        done.body
            .contains("Nicht verlängert: Ein Einsendeschluss kann nur verlängert werden"),
        "the third keeps its later deadline, with the reason: {}",
        done.body
    );
    for (id, extended) in [(companies, true), (crafts, true), (gera, false)] {
        assert_eq!(
            app.outbox_events(id)
                .await
                .contains(&"competition.deadline_extended".to_owned()),
            extended,
            "competition {id}"
        );
    }
    assert_eq!(
        app.count("audit_log WHERE action = 'competition.updated'")
            .await,
        2,
        "one transaction and audit row per extended competition"
    );
    // Sent again (a reload): nothing further changes.
    let again = admin.post("/verwaltung/fristen", &fields).await;
    assert_eq!(
        again.body.matches("nichts geändert").count(),
        2,
        "{}",
        again.body
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'competition.updated'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_paper_idea_posted_in_time_is_accepted_after_the_deadline_with_a_printed_receipt() {
    let (app, smtp) = with_smtp_at("2020-11-23T10:00").await;
    let seniors = app.competition_id("senioren-unabhaengigkeit").await;
    assert_eq!(
        app.competition("senioren-unabhaengigkeit").await["state"],
        "closed"
    );
    let mut admin = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let path = format!("/verwaltung/wettbewerbe/{seniors}/erfassen");
    let form = admin.get(&path).await;
    assert_eq!(
        form.status,
        StatusCode::OK,
        "a closed competition still takes late post"
    );
    let csrf = crate::browser_session::hidden(&form.body, "csrf");
    let token = crate::browser_session::hidden(&form.body, "form_token");
    let fields = |arrived: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("lang", "de".to_owned()),
            ("form_token", token.clone()),
            ("entrant_email", String::new()),
            ("entrant_name", "Erna Schulze".to_owned()),
            ("source", "paper".to_owned()),
            ("arrived", arrived.to_owned()),
            ("title", "Bank am Markt".to_owned()),
            ("summary", "Eine Bank mit Schatten am Markt.".to_owned()),
            ("detail_postcode", "07545".to_owned()),
        ]
    };
    async fn post(
        admin: &mut crate::browser_session::Browser<'_>,
        path: &str,
        fields: Vec<(&'static str, String)>,
    ) -> crate::browser_session::Page {
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        admin.post(path, &refs).await
    }
    // Arrived after the deadline, in the future, or not a date: refused in the form.
    for (arrived, message) in [
        (
            "2020-11-21",
            "nach dem Einsendeschluss (20.11.2020, 23:59 Uhr) eingegangen",
        ),
        ("2020-11-30", "Der Tag des Eingangs liegt in der Zukunft"),
        (
            "gestern",
            "Bitte geben Sie den Tag des Eingangs als Datum an",
        ),
    ] {
        let refused = post(&mut admin, &path, fields(arrived)).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{arrived}"
        );
        assert!(
            refused.body.contains(message),
            "{arrived}: {}",
            refused.body
        );
        assert!(refused.body.contains(r#"value="Erna Schulze""#), "kept");
    }
    assert_eq!(app.count("entries").await, 0);

    // Posted before the deadline, typed in after it, no email address: accepted,
    // noted, no receipt emailed, a receipt to print.
    let mails = app.count("email_messages").await;
    let recorded = post(&mut admin, &path, fields("2020-11-19")).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let receipt_page = recorded.location.unwrap();
    assert!(receipt_page.contains("/bestaetigung"), "{receipt_page}");
    let receipt = admin.get(&receipt_page).await.body;
    assert!(receipt.contains(
        "Die Person hat keine E-Mail-Adresse: Drucken Sie diese Eingangsbestätigung aus"
    ));
    assert!(receipt.contains("<h1>Eingangsbestätigung</h1>"));
    assert!(
        receipt.contains("Eingegangen am</dt><dd>19.11.2020"),
        "{receipt}"
    );
    assert!(receipt.contains("Rechtzeitig vor dem Einsendeschluss eingegangen, danach erfasst."));
    assert!(receipt.contains("Erna Schulze") && receipt.contains("auf Papier"));
    app.deliver().await;
    assert_eq!(
        app.count("email_messages").await,
        mails,
        "nothing is emailed"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'entry.entered_on_behalf'")
            .await,
        1
    );
    let id = receipt_page
        .trim_start_matches("/verwaltung/einreichungen/")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let detail = admin
        .get(&format!("/verwaltung/einreichungen/{id}"))
        .await
        .body;
    assert!(detail.contains("(keine E-Mail-Adresse)"), "{detail}");
    assert!(detail.contains("Eingegangen am 19.11.2020"));
    assert!(detail.contains("Eingangsbestätigung zum Ausdrucken"));

    // The API does the same.
    let (status, entered) = app
        .admin_post(
            &format!("/api/competitions/{seniors}/entries/on-behalf"),
            serde_json::json!({
                "name": "Karl Meier", "source": "paper", "arrived_at": "2020-11-20T10:00:00Z",
                "entry": { "title": "Rufbus", "summary": "Ein Bus auf Zuruf.", "details": { "postcode": "07545" } }
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entered}");
    assert_eq!(entered["arrived_at"], "2020-11-20T10:00:00+00:00");
}
