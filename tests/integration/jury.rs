//! The jury: pre-check with exclusion emails, the panel from invitation to
//! acceptance, criteria fixed once scoring starts, anonymous entries by
//! Kennzahl, score sheets, conflicts of interest, progress; over the real
//! server, its database and SMTP.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::attachments::{PDF, upload};
use crate::entry_pages::wait_for_mail;
use crate::helpers::{TestApp, berlin, with_smtp_at};

/// A school class's entry, by a teacher with a distinctive name, school and
/// address: none of it may ever reach a juror before the result is decided.
pub(crate) struct Entrant {
    pub email: &'static str,
    pub teacher: &'static str,
    pub school: &'static str,
    pub children: &'static str,
    pub title: &'static str,
}

pub(crate) const ENTRANTS: [Entrant; 4] = [
    Entrant {
        email: "quirin.zwetschgenbaum@schule-zwetschge.de",
        teacher: "Quirin Zwetschgenbaum",
        school: "Zwetschgen-Gymnasium Gera",
        children: "Xaver, Yolanda",
        title: "Solarbänke am Schulhof",
    },
    Entrant {
        email: "walburga.quappenstein@example.org",
        teacher: "Walburga Quappenstein",
        school: "Quappen-Regelschule",
        children: "Zoltan, Ysolde",
        title: "Fahrradstellplätze mit Dach",
    },
    Entrant {
        email: "ottokar.wimmelbrunn@grundschule-wimmel.de",
        teacher: "Ottokar Wimmelbrunn",
        school: "Wimmelbrunn-Schule",
        children: "Quentin, Xenia",
        title: "Trinkbrunnen im Park",
    },
    Entrant {
        email: "ludmilla.xylander@spaet.example",
        teacher: "Ludmilla Xylander",
        school: "Xylander-Oberschule",
        children: "Yannick, Zita",
        title: "Zu spät gekommen",
    },
];

/// What identifies an entrant: it must not appear in anything a juror reads.
pub(crate) fn secrets() -> Vec<&'static str> {
    let mut all = Vec::new();
    for e in &ENTRANTS {
        all.extend([e.email, e.teacher, e.school]);
        all.extend(e.children.split(", "));
        all.push(e.email.split('@').nth(1).unwrap());
        // Surname alone, and the uploader's file name.
        all.push(e.teacher.split(' ').nth(1).unwrap());
    }
    all
}

pub(crate) struct Scene {
    pub competition: i64,
    /// Entry ids in ENTRANTS order.
    pub entries: Vec<i64>,
    pub entrant_tokens: Vec<String>,
}

/// "Smarte Projekte für Gera" with the four entries submitted (the last one's
/// class will be excluded as late), the clock in December 2020.
pub(crate) async fn school_entries(app: &TestApp) -> Scene {
    app.move_clock_to(berlin("2020-12-01T10:00")).await;
    let competition = app.competition_id("schulklassen-smarte-projekte").await;
    entries_in(app, competition).await
}

/// The four classes' entries submitted to the open `competition` (which has
/// the school form), each with a PDF attached.
pub(crate) async fn entries_in(app: &TestApp, competition: i64) -> Scene {
    let mut entries = Vec::new();
    let mut entrant_tokens = Vec::new();
    for (i, e) in ENTRANTS.iter().enumerate() {
        let token = app.entrant(e.email).await;
        let (status, entry, _) = app
            .request(
                Method::POST,
                &format!("/api/competitions/{competition}/entries"),
                Some(json!({
                    "title": e.title,
                    "summary": "Eine Idee unserer Klasse für eine smartere Stadt.",
                    "description": "Wir haben lange überlegt und gezeichnet.",
                    "goals": ["Nachhaltigkeit"],
                    "contact_name": e.teacher,
                    "guardian_consent": true,
                    "details": {
                        "school": e.school,
                        "class_name": format!("{}a", 5 + i),
                        "grade_band": "5–7",
                        "teacher": e.teacher,
                        "children": e.children,
                        "postcode": "07545",
                    },
                })),
                Some(&token),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{entry}");
        let id = entry["id"].as_i64().unwrap();
        let file_name = format!("{}_Konzept.pdf", e.teacher.replace(' ', "_"));
        let (status, file) = upload(app, &token, id, &file_name, PDF.to_vec()).await;
        assert_eq!(status, StatusCode::CREATED, "{file}");
        let (status, submitted, _) = app
            .request(
                Method::POST,
                &format!("/api/entries/{id}/submit"),
                None,
                Some(&token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{submitted}");
        entries.push(id);
        entrant_tokens.push(token);
    }
    Scene {
        competition,
        entries,
        entrant_tokens,
    }
}

/// A juror account (invited by an administrator) and an API token for it.
pub(crate) async fn juror(app: &TestApp, email: &str, name: &str) -> (i64, String) {
    let (status, account) = app
        .admin_post(
            "/api/admin/users",
            json!({ "email": email, "display_name": name, "role": "juror" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    let id = account["id"].as_i64().unwrap();
    let token = ideenwettbewerb::services::identity::api_tokens::create_token(
        &app.state.db,
        id,
        app.state.now(),
        "test",
    )
    .await
    .unwrap()
    .1;
    (id, token)
}

pub(crate) async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    token: &str,
) -> (StatusCode, Value) {
    let (status, json, _) = app.request(method, path, body, Some(token)).await;
    (status, json)
}

async fn admin(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (status, json, _) = app.request(method, path, body, app.token.as_deref()).await;
    (status, json)
}

/// Every criterion scored `score`, with a comment.
pub(crate) fn full_sheet(criteria: &Value, score: i64, submit: bool) -> Value {
    let marks: Vec<Value> = criteria
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({ "criterion": c["key"], "score": score, "comment": "Überzeugend." }))
        .collect();
    json!({ "marks": marks, "submit": submit })
}

/// The panel of three seated (chair Dr. Ilse Ahorn, members Bernd Birke and
/// Carla Ceder), the pre-check done (the last entry excluded as late), the
/// review started. Returns the jurors' ids and tokens.
pub(crate) async fn seated_panel(app: &TestApp, scene: &Scene) -> Vec<(i64, String)> {
    let c = scene.competition;
    app.move_clock_to(berlin("2021-01-02T09:00")).await;
    let late = *scene.entries.last().unwrap();
    let (status, verdict) = admin(
        app,
        Method::PUT,
        &format!("/api/entries/{late}/precheck"),
        Some(json!({ "admitted": false, "reason": "late", "remark": "Eingang am 2. Januar." })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{verdict}");
    let (status, admitted) = admin(
        app,
        Method::POST,
        &format!("/api/competitions/{c}/precheck/admit-rest"),
        None,
    )
    .await;
    assert_eq!(
        (status, admitted["admitted"].as_i64()),
        (StatusCode::OK, Some(3))
    );
    seat_panel(app, scene).await
}

/// The panel of three seated and the review started, the pre-check done.
pub(crate) async fn seat_panel(app: &TestApp, scene: &Scene) -> Vec<(i64, String)> {
    let c = scene.competition;
    let mut jurors = Vec::new();
    for (email, name, role) in [
        ("ilse.ahorn@jury.example", "Dr. Ilse Ahorn", "chair"),
        ("bernd.birke@jury.example", "Bernd Birke", "member"),
        ("carla.ceder@jury.example", "Carla Ceder", "member"),
    ] {
        let (id, token) = juror(app, email, name).await;
        let (status, panel) = admin(
            app,
            Method::POST,
            &format!("/api/competitions/{c}/jury/panel"),
            Some(json!({ "user_id": id, "role": role })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{panel}");
        let (status, _) = call(
            app,
            Method::POST,
            &format!("/api/jury/competitions/{c}/answer"),
            Some(json!({ "accept": true })),
            &token,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        jurors.push((id, token));
    }
    let (status, moved) = app.transition(c, json!({ "event": "start_review" })).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    jurors
}

#[tokio::test]
async fn the_jury_runs_from_pre_check_to_submitted_sheets() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    let late = *scene.entries.last().unwrap();

    // The pre-check waits for the deadline.
    let (status, problem) = admin(
        &app,
        Method::PUT,
        &format!("/api/entries/{late}/precheck"),
        Some(json!({ "admitted": true })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        problem["type"].as_str().map(|t| t.ends_with("jury-rule")),
        Some(true),
        "{problem}"
    );

    // Jurors are invited before the review; one who is not a juror cannot be.
    let entrant_id = app
        .count("users WHERE email = 'quirin.zwetschgenbaum@schule-zwetschge.de'")
        .await;
    assert_eq!(entrant_id, 1);
    let (id, _) = {
        let (_, people) = app.admin_get("/api/admin/users?role=entrant").await;
        (people[0]["id"].as_i64().unwrap(), ())
    };
    let (status, problem) = admin(
        &app,
        Method::POST,
        &format!("/api/competitions/{c}/jury/panel"),
        Some(json!({ "user_id": id, "role": "member" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");

    let jurors = seated_panel(&app, &scene).await;
    let (chair, bernd, carla) = (&jurors[0], &jurors[1], &jurors[2]);

    // The excluded entrant is told why, once.
    app.deliver().await;
    let text = wait_for_mail(&smtp, ENTRANTS[3].email, "Vorprüfung").await;
    assert!(text.contains("nach Einsendeschluss eingegangen"), "{text}");
    assert!(text.contains("Eingang am 2. Januar."), "{text}");
    // And each juror got their invitation.
    let invitation = wait_for_mail(&smtp, "bernd.birke@jury.example", "Preisgericht").await;
    assert!(
        invitation.contains(&format!("/jury/wettbewerbe/{c}")),
        "{invitation}"
    );

    let (status, report) = admin(
        &app,
        Method::GET,
        &format!("/api/competitions/{c}/precheck"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["admitted"], 3);
    assert_eq!(
        report["excluded"],
        json!([{ "reason": "late", "count": 1 }])
    );
    assert_eq!(report["open"], 0);

    // The panel has one chair.
    let (_, extra_token) = juror(&app, "dora.distel@jury.example", "Dora Distel").await;
    let dora = app
        .count("users WHERE email = 'dora.distel@jury.example'")
        .await;
    assert_eq!(dora, 1);
    let (_, jury) = admin(
        &app,
        Method::GET,
        &format!("/api/competitions/{c}/jury"),
        None,
    )
    .await;
    assert_eq!(jury["panel"].as_array().unwrap().len(), 3);
    assert_eq!(jury["panel"][0]["role"], "chair");
    assert_eq!(jury["criteria"].as_array().unwrap().len(), 6, "{jury}");
    let criteria = jury["criteria"].clone();

    // A juror sees the three admitted entries by Kennzahl, not the excluded one.
    let (status, queue) = call(
        &app,
        Method::GET,
        &format!("/api/jury/competitions/{c}/entries"),
        None,
        &bernd.1,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let queue = queue.as_array().unwrap().clone();
    assert_eq!(queue.len(), 3, "{queue:?}");
    assert!(
        queue
            .iter()
            .all(|q| q["sheet"] == "open" && q["kennzahl"].as_str().unwrap().len() == 6)
    );
    assert!(!queue.iter().any(|q| q["title"] == ENTRANTS[3].title));
    let first = queue[0]["kennzahl"].as_str().unwrap().to_owned();
    let entry_path = format!("/api/jury/competitions/{c}/entries/{first}");

    // Someone not on the panel learns nothing; nor does anyone else's token.
    let (status, _) = call(&app, Method::GET, &entry_path, None, &extra_token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &app,
        Method::GET,
        &entry_path,
        None,
        &scene.entrant_tokens[0],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A draft may leave scores open; a submitted sheet may not.
    let (status, sheet) = call(&app, Method::GET, &entry_path, None, &bernd.1).await;
    assert_eq!(status, StatusCode::OK, "{sheet}");
    assert_eq!(sheet["entry"]["attachments"][0]["number"], 1);
    assert_eq!(sheet["entry"]["attachments"][0]["may_name_author"], true);
    assert_eq!(sheet["entry"]["details"][0]["value"], "5–7");
    let draft = json!({ "marks": [{ "criterion": "machbarkeit", "score": 8, "comment": "Gut umsetzbar." }], "submit": false });
    let (status, problem) = call(
        &app,
        Method::PUT,
        &format!("{entry_path}/sheet"),
        Some(json!({ "marks": [{ "criterion": "machbarkeit", "score": 8 }], "submit": true })),
        &bernd.1,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, problem) = call(
        &app,
        Method::PUT,
        &format!("{entry_path}/sheet"),
        Some(json!({ "marks": [{ "criterion": "machbarkeit", "score": 11 }], "submit": false })),
        &bernd.1,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("from 0 to 10"),
        "{problem}"
    );
    let (status, _) = call(
        &app,
        Method::PUT,
        &format!("{entry_path}/sheet"),
        Some(draft),
        &bernd.1,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, sheet) = call(&app, Method::GET, &entry_path, None, &bernd.1).await;
    assert_eq!(sheet["sheet"], "draft");
    assert_eq!(
        sheet["marks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["criterion"] == "machbarkeit")
            .unwrap()["comment"],
        "Gut umsetzbar."
    );
    assert_eq!(
        sheet["others"],
        Value::Null,
        "others are hidden until one's own is in"
    );

    // From the first score on, criteria and pre-check are fixed.
    let (status, problem) = admin(&app, Method::PUT, &format!("/api/competitions/{c}/jury/criteria"), Some(json!([{ "key": "schoenheit", "label_de": "Schönheit", "label_en": "Beauty", "weight": 1, "scale_min": 0, "scale_max": 10 }]))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("fixed"),
        "{problem}"
    );
    let (status, _) = admin(
        &app,
        Method::PUT,
        &format!("/api/entries/{late}/precheck"),
        Some(json!({ "admitted": true })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Two jurors submit; each then sees the other's score.
    for (token, score) in [(&bernd.1, 8), (&carla.1, 6)] {
        let (status, problem) = call(
            &app,
            Method::PUT,
            &format!("{entry_path}/sheet"),
            Some(full_sheet(&criteria, score, true)),
            token,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{problem}");
    }
    let (_, sheet) = call(&app, Method::GET, &entry_path, None, &bernd.1).await;
    assert_eq!(sheet["sheet"], "submitted");
    assert_eq!(sheet["others"], json!([6.0]));
    // A submitted sheet is not turned back into a draft.
    let (status, _) = call(
        &app,
        Method::PUT,
        &format!("{entry_path}/sheet"),
        Some(full_sheet(&criteria, 7, false)),
        &bernd.1,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The chair declares a conflict: the entry leaves her queue at once.
    let (status, problem) = call(
        &app,
        Method::POST,
        &format!("{entry_path}/conflict"),
        Some(json!({ "reason": " " })),
        &chair.1,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("{entry_path}/conflict"),
        Some(json!({ "reason": "Meine Nichte ist in der Klasse." })),
        &chair.1,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, queue) = call(
        &app,
        Method::GET,
        &format!("/api/jury/competitions/{c}/entries"),
        None,
        &chair.1,
    )
    .await;
    assert_eq!(queue.as_array().unwrap().len(), 2);
    let (status, _) = call(&app, Method::GET, &entry_path, None, &chair.1).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &app,
        Method::PUT,
        &format!("{entry_path}/sheet"),
        Some(full_sheet(&criteria, 10, true)),
        &chair.1,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Staff see the declaration; it cannot be dismissed.
    let (_, conflicts) = admin(
        &app,
        Method::GET,
        &format!("/api/competitions/{c}/jury/conflicts"),
        None,
    )
    .await;
    assert_eq!(conflicts[0]["status"], "declared", "{conflicts}");
    let conflict = conflicts[0]["id"].as_i64().unwrap();
    let (status, _) = admin(
        &app,
        Method::PUT,
        &format!("/api/competitions/{c}/jury/conflicts/{conflict}"),
        Some(json!({ "confirmed": false, "reason": "unbegründet" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Progress per juror.
    let (status, progress) = admin(
        &app,
        Method::GET,
        &format!("/api/competitions/{c}/jury/progress"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(progress["admitted"], 3);
    assert_eq!(progress["below_quorum"], 3, "{progress}");
    let chair_line = &progress["jurors"][0];
    assert_eq!(
        (
            chair_line["to_score"].as_i64(),
            chair_line["submitted"].as_i64()
        ),
        (Some(2), Some(0))
    );
    assert_eq!(progress["jurors"][1]["submitted"], 1);

    // The attachment comes under its anonymous name.
    let response = app
        .client
        .get(app.url(&format!("{entry_path}/attachments/1")))
        .bearer_auth(&bernd.1)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("Anlage-1.pdf"), "{disposition}");
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("{entry_path}/attachments/2"),
        None,
        &bernd.1,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Every step is in the audit trail.
    for action in [
        "entry.prechecked",
        "jury.rest_admitted",
        "jury.invited",
        "jury.accepted",
        "jury.sheet_saved",
        "jury.sheet_submitted",
        "jury.conflict_declared",
    ] {
        assert!(
            app.count(&format!("audit_log WHERE action = '{action}'"))
                .await
                >= 1,
            "{action}"
        );
    }
    app.assert_counts_kept().await;
}

#[tokio::test]
async fn likely_conflicts_are_suspected_and_ruled_on_by_staff() {
    let app = TestApp::spawn().await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    app.move_clock_to(berlin("2021-01-02T09:00")).await;
    admin(
        &app,
        Method::POST,
        &format!("/api/competitions/{c}/precheck/admit-rest"),
        None,
    )
    .await;
    // A juror from the first entry's school, another with the second's surname.
    let (colleague, colleague_token) =
        juror(&app, "kollegin@schule-zwetschge.de", "Petra Pflaume").await;
    let (status, _) = app
        .admin_patch(
            &format!("/api/admin/users/{colleague}"),
            json!({ "organisation": "Zwetschgen-Gymnasium  gera" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (relative, relative_token) =
        juror(&app, "h.quappenstein@web.de", "Hugo Quappenstein").await;
    for id in [colleague, relative] {
        let (status, body) = admin(
            &app,
            Method::POST,
            &format!("/api/competitions/{c}/jury/panel"),
            Some(json!({ "user_id": id, "role": "member" })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    for token in [&colleague_token, &relative_token] {
        call(
            &app,
            Method::POST,
            &format!("/api/jury/competitions/{c}/answer"),
            Some(json!({ "accept": true })),
            token,
        )
        .await;
    }
    app.transition(c, json!({ "event": "start_review" })).await;
    let (_, conflicts) = admin(
        &app,
        Method::GET,
        &format!("/api/competitions/{c}/jury/conflicts"),
        None,
    )
    .await;
    let conflicts = conflicts.as_array().unwrap().clone();
    let hints: Vec<(&str, &str)> = conflicts
        .iter()
        .map(|c| {
            (
                c["juror_name"].as_str().unwrap(),
                c["hints"][0]["hint"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        hints.contains(&("Petra Pflaume", "same_organisation")),
        "{hints:?}"
    );
    assert!(
        hints.contains(&("Hugo Quappenstein", "same_surname")),
        "{hints:?}"
    );
    assert!(conflicts.iter().all(|c| c["status"] == "suspected"));
    // Until staff rule, the suspected entry is kept from the juror.
    let (_, queue) = call(
        &app,
        Method::GET,
        &format!("/api/jury/competitions/{c}/entries"),
        None,
        &relative_token,
    )
    .await;
    assert_eq!(
        queue.as_array().unwrap().len(),
        3,
        "four admitted, one suspected"
    );
    // Searching again adds nothing twice.
    let (_, again) = admin(
        &app,
        Method::POST,
        &format!("/api/competitions/{c}/jury/conflicts/detect"),
        None,
    )
    .await;
    assert_eq!(again["suspected"], 0);
    let suspicion = conflicts
        .iter()
        .find(|c| c["juror_name"] == "Hugo Quappenstein")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/competitions/{c}/jury/conflicts/{suspicion}");
    let (status, problem) = admin(
        &app,
        Method::PUT,
        &path,
        Some(json!({ "confirmed": false, "reason": "" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let (status, _) = admin(
        &app,
        Method::PUT,
        &path,
        Some(json!({ "confirmed": false, "reason": "Nicht verwandt, Namensgleichheit." })),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, queue) = call(
        &app,
        Method::GET,
        &format!("/api/jury/competitions/{c}/entries"),
        None,
        &relative_token,
    )
    .await;
    assert_eq!(
        queue.as_array().unwrap().len(),
        4,
        "dismissed: the entry is back"
    );
    assert_eq!(app.count("audit_log WHERE action = 'jury.conflict_ruled' AND reason = 'Nicht verwandt, Namensgleichheit.'").await, 1);
}

/// The csrf token of a page's forms.
fn csrf_of(html: &str) -> String {
    crate::browser_session::hidden(html, "csrf")
}

#[tokio::test]
async fn staff_and_jurors_run_the_jury_on_the_pages() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    app.move_clock_to(berlin("2021-01-02T09:00")).await;
    let mut staff = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;

    // The competition page leads to the pre-check; each entry has its form.
    let page = staff
        .get(&format!("/verwaltung/wettbewerbe/{c}"))
        .await
        .body;
    assert!(
        page.contains(&format!("/verwaltung/wettbewerbe/{c}/vorpruefung")),
        "{page}"
    );
    let page = staff
        .get(&format!("/verwaltung/wettbewerbe/{c}/vorpruefung"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Bericht der Vorprüfung"),
        "{}",
        page.body
    );
    assert!(page.body.contains("4 übrige zulassen"), "{}", page.body);
    let csrf = csrf_of(&page.body);
    let late = *scene.entries.last().unwrap();
    let action = format!("/verwaltung/wettbewerbe/{c}/vorpruefung/{late}");
    // Excluding without a reason is refused in place, in German.
    let refused = staff
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("verdict", "excluded"),
                ("reason", ""),
                ("remark", "Poststempel 2. Januar"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("bei einem Ausschluss einen Grund"),
        "{}",
        refused.body
    );
    let done = staff
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("verdict", "excluded"),
                ("reason", "late"),
                ("remark", "Poststempel 2. Januar"),
                ("jury_note", ""),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = staff.get(done.location.as_deref().unwrap()).await.body;
    assert!(page.contains("Die Vorprüfung ist gespeichert"), "{page}");
    assert!(
        page.contains("Ausgeschlossen (nach Einsendeschluss eingegangen): 1"),
        "{page}"
    );
    let done = staff
        .post(
            &format!("/verwaltung/wettbewerbe/{c}/vorpruefung/rest"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = staff.get(done.location.as_deref().unwrap()).await.body;
    assert!(page.contains("3 Einreichungen zugelassen"), "{page}");
    app.deliver().await;
    let mail = wait_for_mail(&smtp, ENTRANTS[3].email, "Vorprüfung").await;
    assert!(mail.contains("Poststempel 2. Januar"), "{mail}");

    // The jury page: invite from the pool, name the chair, set the quorum.
    let (ilse, _) = juror(&app, "ilse.ahorn@jury.example", "Dr. Ilse Ahorn").await;
    let (bernd, _) = juror(&app, "bernd.birke@jury.example", "Bernd Birke").await;
    let jury_path = format!("/verwaltung/wettbewerbe/{c}/jury");
    let page = staff.get(&jury_path).await.body;
    assert!(
        page.contains("Dr. Ilse Ahorn (ilse.ahorn@jury.example)"),
        "{page}"
    );
    assert!(
        page.contains("Nachhaltigkeit") && page.contains("Nutzen für die Stadt"),
        "default criteria: {page}"
    );
    for (id, role) in [(ilse, "chair"), (bernd, "member")] {
        let done = staff
            .post(
                &format!("{jury_path}/einladen"),
                &[("csrf", &csrf), ("juror", &id.to_string()), ("role", role)],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    }
    // A second chair is refused in the form.
    let (carla, _) = juror(&app, "carla.ceder@jury.example", "Carla Ceder").await;
    let refused = staff
        .post(
            &format!("{jury_path}/einladen"),
            &[
                ("csrf", &csrf),
                ("juror", &carla.to_string()),
                ("role", "chair"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("schon einen Vorsitz"),
        "{}",
        refused.body
    );
    let done = staff
        .post(
            &format!("{jury_path}/einstellungen"),
            &[
                ("csrf", &csrf),
                ("basis", "normalised"),
                ("quorum", "2"),
                ("others_after_submitting", "yes"),
                ("deadline", "2021-01-20T18:00"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let refused = staff
        .post(
            &format!("{jury_path}/einstellungen"),
            &[
                ("csrf", &csrf),
                ("basis", "raw"),
                ("quorum", "0"),
                ("deadline", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Mindestzahl ist eine ganze Zahl"),
        "{}",
        refused.body
    );
    let (_, jury) = app.admin_get(&format!("/api/competitions/{c}/jury")).await;
    assert_eq!(
        (jury["basis"].as_str(), jury["quorum"].as_i64()),
        (Some("normalised"), Some(2))
    );
    // Criteria: a weight of 0 is refused and what was typed stays.
    let refused = staff
        .post(
            &format!("{jury_path}/kriterien"),
            &[
                ("csrf", &csrf),
                ("label_de_0", "Originalität"),
                ("label_en_0", "Originality"),
                ("weight_0", "0"),
                ("min_0", "0"),
                ("max_0", "10"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Kriterium 1: Das Gewicht"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"Originalität\""),
        "{}",
        refused.body
    );

    // The invited juror answers on their page.
    let mut juror_browser =
        crate::credentials::signed_in_browser(&app, &smtp, "bernd.birke@jury.example").await;
    let panels = juror_browser.get("/jury").await.body;
    assert!(
        panels.contains("eingeladen, noch keine Antwort"),
        "{panels}"
    );
    let page = juror_browser
        .get(&format!("/jury/wettbewerbe/{c}"))
        .await
        .body;
    assert!(page.contains("Zusagen"), "{page}");
    let jcsrf = csrf_of(&page);
    let done = juror_browser
        .post(
            &format!("/jury/wettbewerbe/{c}/antwort"),
            &[("csrf", &jcsrf), ("answer", "accept")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = juror_browser
        .get(done.location.as_deref().unwrap())
        .await
        .body;
    assert!(page.contains("Willkommen im Preisgericht"), "{page}");
    assert!(
        page.contains("Noch gibt es nichts zu bewerten"),
        "before the review: {page}"
    );

    app.transition(c, json!({ "event": "start_review" })).await;
    let page = juror_browser
        .get(&format!("/jury/wettbewerbe/{c}"))
        .await
        .body;
    assert!(
        page.contains("Sie haben 0 von 3 Bewertungen abgegeben."),
        "{page}"
    );
    let kennzahl = page
        .split(&format!("/jury/wettbewerbe/{c}/"))
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect::<String>();
    let sheet_path = format!("/jury/wettbewerbe/{c}/{kennzahl}");
    let page = juror_browser.get(&sheet_path).await.body;
    assert!(
        page.contains("Anlage 1") && page.contains("Dokumenteigenschaften"),
        "{page}"
    );
    // Submitting with a score missing keeps what was typed and says what is missing.
    let mut fields: Vec<(String, String)> = vec![
        ("csrf".into(), jcsrf.clone()),
        ("action".into(), "submit".into()),
    ];
    fields.push(("score_machbarkeit".into(), "7".into()));
    fields.push((
        "comment_machbarkeit".into(),
        "Realistisch mit dem Bauhof.".into(),
    ));
    let as_refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let refused = juror_browser
        .post(&format!("{sheet_path}/bewertung"), &as_refs)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Bitte vergeben Sie eine Punktzahl"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("Realistisch mit dem Bauhof."),
        "typed text kept"
    );
    assert!(
        refused.body.contains("<option value=\"7\" selected>"),
        "typed score kept"
    );
    // A draft, then the whole sheet.
    fields[1].1 = "draft".into();
    let as_refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let done = juror_browser
        .post(&format!("{sheet_path}/bewertung"), &as_refs)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = juror_browser
        .get(done.location.as_deref().unwrap())
        .await
        .body;
    assert!(
        page.contains(&format!(
            "Der Entwurf für Kennzahl {kennzahl} ist gespeichert."
        )),
        "{page}"
    );
    let (_, jury) = app.admin_get(&format!("/api/competitions/{c}/jury")).await;
    let mut fields: Vec<(String, String)> = vec![
        ("csrf".into(), jcsrf.clone()),
        ("action".into(), "submit".into()),
    ];
    for criterion in jury["criteria"].as_array().unwrap() {
        let key = criterion["key"].as_str().unwrap();
        fields.push((format!("score_{key}"), "8".into()));
        fields.push((format!("comment_{key}"), String::new()));
    }
    let as_refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let done = juror_browser
        .post(&format!("{sheet_path}/bewertung"), &as_refs)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = juror_browser
        .get(done.location.as_deref().unwrap())
        .await
        .body;
    assert!(page.contains("ist abgegeben. Danke!"), "{page}");
    assert!(
        page.contains("Sie haben 1 von 3 Bewertungen abgegeben."),
        "{page}"
    );
    // The criteria are fixed now, and the jury page says so.
    let page = staff.get(&jury_path).await.body;
    assert!(page.contains("Die Kriterien stehen seit"), "{page}");
    assert!(page.contains("1 von 3 abgegeben, 0 Entwürfe"), "{page}");

    // A conflict, declared on the page.
    let other = page_kennzahl_other(
        &juror_browser
            .get(&format!("/jury/wettbewerbe/{c}"))
            .await
            .body,
        c,
        &kennzahl,
    );
    let refused = juror_browser
        .post(
            &format!("/jury/wettbewerbe/{c}/{other}/befangen"),
            &[("csrf", &jcsrf), ("reason", "  ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Bitte nennen Sie den Grund."),
        "{}",
        refused.body
    );
    let done = juror_browser
        .post(
            &format!("/jury/wettbewerbe/{c}/{other}/befangen"),
            &[("csrf", &jcsrf), ("reason", "Ich kenne die Klasse.")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = juror_browser
        .get(done.location.as_deref().unwrap())
        .await
        .body;
    assert!(page.contains("Ihre Befangenheit"), "{page}");
    assert_eq!(
        juror_browser
            .get(&format!("/jury/wettbewerbe/{c}/{other}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let page = staff.get(&jury_path).await.body;
    assert!(
        page.contains("Ich kenne die Klasse.") && page.contains("selbst erklärt"),
        "{page}"
    );
    // The competition's history tells the story in words.
    let history = staff
        .get(&format!("/verwaltung/wettbewerbe/{c}/verlauf"))
        .await
        .body;
    assert!(
        history.contains("In das Preisgericht eingeladen"),
        "{history}"
    );
}

/// Another Kennzahl linked from a queue page than `not`.
fn page_kennzahl_other(page: &str, c: i64, not: &str) -> String {
    page.split(&format!("/jury/wettbewerbe/{c}/"))
        .skip(1)
        .map(|rest| rest.chars().take(6).collect::<String>())
        .find(|k| k != not && k.chars().all(|ch| ch.is_ascii_digit()))
        .expect("another entry")
}

/// Everything a juror can reach before the result is decided: every jury page
/// and API answer, for every entry, in both languages, the attachments, the
/// refusals and their emails. None of it may name an entrant.
#[tokio::test]
async fn nothing_a_juror_can_reach_names_an_entrant() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    let jurors = seated_panel(&app, &scene).await;
    let (_, token) = &jurors[1];
    // One sheet submitted, one a draft, so every state of the pages shows.
    let (_, queue) = call(
        &app,
        Method::GET,
        &format!("/api/jury/competitions/{c}/entries"),
        None,
        token,
    )
    .await;
    let kennzahlen: Vec<String> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["kennzahl"].as_str().unwrap().to_owned())
        .collect();
    let (_, jury) = app.admin_get(&format!("/api/competitions/{c}/jury")).await;
    let criteria = jury["criteria"].clone();
    for (i, k) in kennzahlen.iter().take(2).enumerate() {
        let (status, _) = call(
            &app,
            Method::PUT,
            &format!("/api/jury/competitions/{c}/entries/{k}/sheet"),
            Some(full_sheet(&criteria, 5, i == 0)),
            token,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    // The chair's sheet too, so "the others' scores" show.
    call(
        &app,
        Method::PUT,
        &format!("/api/jury/competitions/{c}/entries/{}/sheet", kennzahlen[0]),
        Some(full_sheet(&criteria, 9, true)),
        &jurors[0].1,
    )
    .await;

    let mut reached: Vec<(String, String)> = Vec::new();
    let api = |path: String| {
        let app = &app;
        async move {
            let response = app
                .client
                .get(app.url(&path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            let headers = format!("{:?}", response.headers());
            let body = String::from_utf8_lossy(&response.bytes().await.unwrap()).into_owned();
            (path, format!("{headers}\n{body}"))
        }
    };
    reached.push(api("/api/jury/panels".into()).await);
    reached.push(api(format!("/api/jury/competitions/{c}/entries")).await);
    for k in &kennzahlen {
        reached.push(api(format!("/api/jury/competitions/{c}/entries/{k}")).await);
        reached.push(
            api(format!(
                "/api/jury/competitions/{c}/entries/{k}/attachments/1"
            ))
            .await,
        );
    }
    // Refusals say nothing more.
    for (method, path, body) in [
        (
            Method::PUT,
            format!("/api/jury/competitions/{c}/entries/{}/sheet", kennzahlen[2]),
            json!({ "marks": [{ "criterion": "machbarkeit", "score": 99 }], "submit": false }),
        ),
        (
            Method::POST,
            format!(
                "/api/jury/competitions/{c}/entries/{}/conflict",
                kennzahlen[2]
            ),
            json!({ "reason": "" }),
        ),
        (
            Method::GET,
            format!("/api/jury/competitions/{c}/entries/000000"),
            Value::Null,
        ),
    ] {
        let body = (!body.is_null()).then_some(body);
        let (status, answer, _) = app.request(method, &path, body, Some(token)).await;
        assert!(status.is_client_error(), "{path}");
        reached.push((path, answer.to_string()));
    }

    let mut browser =
        crate::credentials::signed_in_browser(&app, &smtp, "bernd.birke@jury.example").await;
    let mut pages = vec![
        "/jury".to_owned(),
        format!("/jury/wettbewerbe/{c}"),
        "/konto".to_owned(),
    ];
    for k in &kennzahlen {
        pages.push(format!("/jury/wettbewerbe/{c}/{k}"));
        pages.push(format!("/jury/wettbewerbe/{c}/{k}/anlagen/1"));
    }
    for path in pages {
        for lang in ["de", "en"] {
            let path = format!("{path}?lang={lang}");
            let page = browser.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            reached.push((path, page.body));
        }
    }
    let csrf = csrf_of(
        &browser
            .get(&format!("/jury/wettbewerbe/{c}/{}", kennzahlen[2]))
            .await
            .body,
    );
    let refused = browser
        .post(
            &format!("/jury/wettbewerbe/{c}/{}/bewertung", kennzahlen[2]),
            &[
                ("csrf", &csrf),
                ("action", "submit"),
                ("score_machbarkeit", "3"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    reached.push(("refused sheet".into(), refused.body));
    // And the emails the juror received.
    app.deliver().await;
    for mail in smtp
        .received()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == "bernd.birke@jury.example"))
    {
        reached.push((
            "email".into(),
            String::from_utf8_lossy(&mail.data).into_owned(),
        ));
    }

    // Everything rendered (titles are there), nothing named anyone.
    let all: String = reached.iter().map(|(_, body)| body.as_str()).collect();
    for e in &ENTRANTS[..3] {
        assert!(all.contains(e.title), "{} is shown", e.title);
    }
    for (path, body) in &reached {
        let lower = body.to_lowercase();
        for secret in secrets() {
            assert!(
                !lower.contains(&secret.to_lowercase()),
                "{path} shows `{secret}`:\n{body}"
            );
        }
    }
    assert!(reached.len() > 30, "{} answers searched", reached.len());
}

/// Fires the requests at once and returns their statuses in order.
async fn at_once(app: &TestApp, requests: Vec<(Method, String, Value, String)>) -> Vec<StatusCode> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(method, path, body, token)| {
            let request = app
                .client
                .request(method, app.url(&path))
                .bearer_auth(token)
                .json(&body);
            tokio::spawn(async move { request.send().await.expect("sent").status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

#[tokio::test]
async fn the_jury_limits_hold_under_parallel_requests() {
    let app = TestApp::spawn().await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    app.move_clock_to(berlin("2021-01-02T09:00")).await;
    admin(
        &app,
        Method::POST,
        &format!("/api/competitions/{c}/precheck/admit-rest"),
        None,
    )
    .await;
    let admin_token = app.token.clone().unwrap();

    // Eight jurors invited as chair at once: one chair.
    let mut jurors = Vec::new();
    for i in 0..8 {
        jurors.push(juror(&app, &format!("j{i}@jury.example"), &format!("Juror {i}")).await);
    }
    let invites = jurors
        .iter()
        .map(|(id, _)| {
            (
                Method::POST,
                format!("/api/competitions/{c}/jury/panel"),
                json!({ "user_id": id, "role": "chair" }),
                admin_token.clone(),
            )
        })
        .collect();
    let statuses = at_once(&app, invites).await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert_eq!(app.count("panel_members WHERE role = 'chair'").await, 1);
    // The others join as members; each accepts five times at once: one answer each.
    for (id, _) in &jurors {
        admin(
            &app,
            Method::POST,
            &format!("/api/competitions/{c}/jury/panel"),
            Some(json!({ "user_id": id, "role": "member" })),
        )
        .await;
    }
    let accepts = jurors
        .iter()
        .flat_map(|(_, token)| {
            (0..5).map(|_| {
                (
                    Method::POST,
                    format!("/api/jury/competitions/{c}/answer"),
                    json!({ "accept": true }),
                    token.clone(),
                )
            })
        })
        .collect();
    let statuses = at_once(&app, accepts).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::NO_CONTENT),
        "{statuses:?}"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'jury.accepted'").await,
        8
    );
    app.transition(c, json!({ "event": "start_review" })).await;

    // Criteria changed while the first drafts come in: whichever comes first, no
    // criterion changes after the first score, and no sheet loses its scores.
    let (_, queue) = call(
        &app,
        Method::GET,
        &format!("/api/jury/competitions/{c}/entries"),
        None,
        &jurors[0].1,
    )
    .await;
    let kennzahlen: Vec<String> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["kennzahl"].as_str().unwrap().to_owned())
        .collect();
    let (_, jury) = app.admin_get(&format!("/api/competitions/{c}/jury")).await;
    let criteria = jury["criteria"].clone();
    let mut requests = Vec::new();
    for (i, (_, token)) in jurors.iter().enumerate() {
        let k = &kennzahlen[i % kennzahlen.len()];
        requests.push((
            Method::PUT,
            format!("/api/jury/competitions/{c}/entries/{k}/sheet"),
            full_sheet(&criteria, 6, false),
            token.clone(),
        ));
        // The same sheet again at the same moment: still one sheet.
        requests.push((
            Method::PUT,
            format!("/api/jury/competitions/{c}/entries/{k}/sheet"),
            full_sheet(&criteria, 7, false),
            token.clone(),
        ));
        let mut changed = criteria.as_array().unwrap().clone();
        changed.push(json!({ "key": format!("extra_{i}"), "label_de": format!("Extra {i}"), "label_en": "", "weight": 1, "scale_min": 0, "scale_max": 10 }));
        requests.push((
            Method::PUT,
            format!("/api/competitions/{c}/jury/criteria"),
            json!(changed),
            admin_token.clone(),
        ));
    }
    let statuses = at_once(&app, requests).await;
    let unexpected: Vec<_> = statuses
        .iter()
        .filter(|s| {
            ![
                StatusCode::OK,
                StatusCode::NO_CONTENT,
                StatusCode::CONFLICT,
                StatusCode::UNPROCESSABLE_ENTITY,
            ]
            .contains(s)
        })
        .collect();
    assert!(unexpected.is_empty(), "{statuses:?}");
    let sheets = app.count("score_sheets").await;
    let criteria_now = app
        .count(&format!("jury_criteria WHERE competition_id = {c}"))
        .await;
    assert_eq!(sheets, 8, "one sheet per juror and entry");
    assert_eq!(
        app.count("scores").await,
        sheets * criteria_now,
        "every sheet has every criterion"
    );
    let last_criteria: i64 = app
        .count("audit_log WHERE action = 'jury.criteria_set'")
        .await;
    if last_criteria > 0 {
        assert_eq!(
            app.count("audit_log a WHERE a.action = 'jury.criteria_set' AND a.id > (SELECT MIN(id) FROM audit_log WHERE action LIKE 'jury.sheet_%')").await,
            0,
            "no criteria changed after the first score"
        );
    }
    assert_eq!(
        app.count("score_sheets s WHERE NOT EXISTS (SELECT 1 FROM scores WHERE sheet_id = s.id)")
            .await,
        0
    );
}

/// The panel of `seated_panel` scores every admitted entry: each juror a
/// different level, so the ranking has an order. Returns the Kennzahlen.
pub(crate) async fn everyone_scores(
    app: &TestApp,
    c: i64,
    jurors: &[(i64, String)],
) -> Vec<String> {
    let (_, queue) = call(
        app,
        Method::GET,
        &format!("/api/jury/competitions/{c}/entries"),
        None,
        &jurors[1].1,
    )
    .await;
    let kennzahlen: Vec<String> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["kennzahl"].as_str().unwrap().to_owned())
        .collect();
    let (_, jury) = app.admin_get(&format!("/api/competitions/{c}/jury")).await;
    let criteria = jury["criteria"].clone();
    for (j, (_, token)) in jurors.iter().enumerate() {
        for (e, k) in kennzahlen.iter().enumerate() {
            let score = (9 - 2 * e as i64 - j as i64).clamp(0, 10);
            let (status, body) = call(
                app,
                Method::PUT,
                &format!("/api/jury/competitions/{c}/entries/{k}/sheet"),
                Some(full_sheet(&criteria, score, true)),
                token,
            )
            .await;
            assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        }
    }
    kennzahlen
}

#[tokio::test]
async fn the_chair_runs_the_rounds_and_locks_the_result_with_its_protokoll() {
    let app = TestApp::spawn().await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    let jurors = seated_panel(&app, &scene).await;
    let (chair, member) = (&jurors[0].1, &jurors[1].1);

    // Nothing is scored yet: nothing is ranked, nothing can be locked.
    let (status, ranking) = call(
        &app,
        Method::GET,
        &format!("/api/jury/competitions/{c}/ranking"),
        None,
        chair,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ranking}");
    assert_eq!(ranking["entries"], json!([]));
    assert_eq!(
        ranking["unranked"].as_array().unwrap().len(),
        3,
        "no zeros are made up"
    );
    let (status, problem) = call(
        &app,
        Method::POST,
        &format!("/api/jury/competitions/{c}/decision"),
        Some(json!({})),
        chair,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("fewer than 3 sheets"),
        "{problem}"
    );
    // Only the chair sees the ranking and locks.
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/api/jury/competitions/{c}/ranking"),
        None,
        member,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let kennzahlen = everyone_scores(&app, c, &jurors).await;
    let (_, ranking) = call(
        &app,
        Method::GET,
        &format!("/api/jury/competitions/{c}/ranking"),
        None,
        chair,
    )
    .await;
    let order: Vec<&str> = ranking["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kennzahl"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        kennzahlen.iter().map(String::as_str).collect::<Vec<_>>(),
        "{ranking}"
    );
    assert_eq!(ranking["entries"][0]["sheets"], 3);
    assert_eq!(ranking["entries"][0]["mean"], 8.0);
    assert!(ranking["rule"].as_str().unwrap().contains("Median"));
    assert_eq!(ranking["jurors"].as_array().unwrap().len(), 3);
    assert!(ranking["alpha"].as_f64().unwrap() > 0.5, "{ranking}");

    // Round 1: the last entry out by the chair, the second on by a tied vote that
    // the chair's vote decides.
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/jury/competitions/{c}/rounds"),
        None,
        chair,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/jury/competitions/{c}/rounds"),
        None,
        chair,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "one round at a time");
    let round = |k: &str| format!("/api/jury/competitions/{c}/rounds/current/{k}");
    let (status, _) = call(
        &app,
        Method::PUT,
        &round(&kennzahlen[2]),
        Some(json!({ "outcome": "out", "remark": "Nicht umsetzbar." })),
        chair,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let tie = json!({ "votes": [
        { "juror_id": jurors[0].0, "in_favour": true },
        { "juror_id": jurors[1].0, "in_favour": false },
    ] });
    let (status, rounds) = call(&app, Method::PUT, &round(&kennzahlen[1]), Some(tie), chair).await;
    assert_eq!(status, StatusCode::OK, "{rounds}");
    let decided = rounds[0]["decisions"].as_array().unwrap();
    assert_eq!(
        (
            decided[1]["outcome"].as_str(),
            decided[1]["votes_for"].as_i64()
        ),
        (Some("on"), Some(1))
    );
    let stranger = json!({ "votes": [{ "juror_id": 999_999, "in_favour": true }] });
    let (status, _) = call(
        &app,
        Method::PUT,
        &round(&kennzahlen[0]),
        Some(stranger),
        chair,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, problem) = call(
        &app,
        Method::POST,
        &format!("/api/jury/competitions/{c}/decision"),
        Some(json!({})),
        chair,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("round 1 is still open"),
        "{problem}"
    );
    call(
        &app,
        Method::POST,
        &format!("/api/jury/competitions/{c}/rounds/close"),
        None,
        chair,
    )
    .await;
    let (_, ranking) = call(
        &app,
        Method::GET,
        &format!("/api/jury/competitions/{c}/ranking"),
        None,
        chair,
    )
    .await;
    assert_eq!(ranking["entries"][2]["out_in_round"], 1);

    // Locked: decided, authors revealed once, the Protokoll stored with its hash.
    let (status, locked) = call(
        &app,
        Method::POST,
        &format!("/api/jury/competitions/{c}/decision"),
        Some(json!({ "remark": "Einstimmig festgestellt." })),
        chair,
    )
    .await;
    assert_eq!(
        (status, locked["state"].as_str()),
        (StatusCode::OK, Some("decided")),
        "{locked}"
    );
    let (status, _) = call(
        &app,
        Method::PUT,
        &format!("/api/jury/competitions/{c}/entries/{}/sheet", kennzahlen[0]),
        Some(json!({ "marks": [], "submit": false })),
        member,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "scores cannot change after the lock"
    );
    let (_, stored) = app
        .admin_get(&format!("/api/competitions/{c}/jury/protokoll"))
        .await;
    assert_eq!(stored.as_array().unwrap().len(), 1);
    let response = app
        .client
        .get(app.url(&format!("/api/competitions/{c}/jury/protokoll.pdf")))
        .bearer_auth(app.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let pdf = response.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&pdf)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(stored[0]["sha256"], digest);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'jury.protokoll_stored' AND details LIKE '%{digest}%'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'jury.authors_revealed'")
            .await,
        1
    );

    // A correction reopens the review with a reason; locking again stores a new
    // Protokoll and reveals nothing twice.
    let (status, problem) = app.transition(c, json!({ "event": "reopen_review" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, moved) = app
        .transition(
            c,
            json!({ "event": "reopen_review", "reason": "Rechenfehler bei Kennzahl" }),
        )
        .await;
    assert_eq!(
        (status, moved["state"].as_str()),
        (StatusCode::OK, Some("in_review")),
        "{moved}"
    );
    let (status, _) = call(
        &app,
        Method::PUT,
        &format!("/api/jury/competitions/{c}/entries/{}/sheet", kennzahlen[0]),
        Some(full_sheet(
            &app.admin_get(&format!("/api/competitions/{c}/jury"))
                .await
                .1["criteria"],
            10,
            true,
        )),
        member,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "the correction can change scores"
    );
    let (status, locked) = app.transition(c, json!({ "event": "decide" })).await;
    assert_eq!(
        (status, locked["state"].as_str()),
        (StatusCode::OK, Some("decided")),
        "{locked}"
    );
    let (_, stored) = app
        .admin_get(&format!("/api/competitions/{c}/jury/protokoll"))
        .await;
    assert_eq!(stored.as_array().unwrap().len(), 2);
    assert_eq!(
        app.count("audit_log WHERE action = 'jury.authors_revealed'")
            .await,
        1
    );
    assert_eq!(app.count("audit_log WHERE action = 'competition.transitioned' AND reason = 'Rechenfehler bei Kennzahl'").await, 1);
}

#[tokio::test]
#[ignore = "needs pdftotext (poppler-utils); bash .ci/run installs it and runs this"]
async fn the_protokoll_pdf_holds_the_ranking_as_text() {
    let app = TestApp::spawn().await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    let jurors = seated_panel(&app, &scene).await;
    let kennzahlen = everyone_scores(&app, c, &jurors).await;
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/jury/competitions/{c}/decision"),
        Some(json!({ "remark": "Einstimmig festgestellt." })),
        &jurors[0].1,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let pdf = app
        .client
        .get(app.url(&format!("/api/competitions/{c}/jury/protokoll.pdf")))
        .bearer_auth(app.token.as_deref().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("protokoll.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "Protokoll des Preisgerichts",
        "Bericht der Vorprüfung",
        "Rangfolge",
        "Dr. Ilse Ahorn",
        "Vorsitz",
        "Einstimmig festgestellt.",
        "Unterschriften",
        ENTRANTS[0].title,
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    // The ranking's order, first place first.
    let first = text.find(&kennzahlen[0]).unwrap();
    let last = text.rfind(&kennzahlen[2]).unwrap();
    assert!(first < last, "{text}");
}

#[tokio::test]
async fn the_chair_runs_the_sitting_on_the_pages_and_staff_print_the_protokoll() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    let jurors = seated_panel(&app, &scene).await;
    let kennzahlen = everyone_scores(&app, c, &jurors).await;
    let mut member =
        crate::credentials::signed_in_browser(&app, &smtp, "bernd.birke@jury.example").await;
    assert_eq!(
        member
            .get(&format!("/jury/wettbewerbe/{c}/sitzung"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut chair =
        crate::credentials::signed_in_browser(&app, &smtp, "ilse.ahorn@jury.example").await;
    let queue = chair.get(&format!("/jury/wettbewerbe/{c}")).await.body;
    assert!(
        queue.contains(&format!("/jury/wettbewerbe/{c}/sitzung")),
        "{queue}"
    );
    let base = format!("/jury/wettbewerbe/{c}/sitzung");
    let page = chair.get(&base).await.body;
    assert!(
        page.contains("Krippendorffs Alpha") && page.contains(&kennzahlen[0]),
        "{page}"
    );
    assert!(
        page.contains("Bei Gleichstand entscheidet der höhere Median"),
        "{page}"
    );
    let csrf = csrf_of(&page);
    let done = chair
        .post(&format!("{base}/runde"), &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = chair.get(done.location.as_deref().unwrap()).await.body;
    assert!(page.contains("Rundgang 1 ist eröffnet"), "{page}");
    // A tied vote; the chair voted for it, so it moves on.
    let (chair_id, member_id) = (jurors[0].0.to_string(), jurors[1].0.to_string());
    let fields = [
        ("csrf", csrf.as_str()),
        ("method", "vote"),
        (&format!("vote_{chair_id}"), "for"),
        (&format!("vote_{member_id}"), "against"),
        ("remark", "Knapp."),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (*a, *b)).collect();
    let done = chair
        .post(&format!("{base}/runde/{}", kennzahlen[2]), &fields)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = chair.get(done.location.as_deref().unwrap()).await.body;
    assert!(
        page.contains("kommt weiter · Abstimmung 1:1 · Knapp."),
        "{page}"
    );
    let refused = chair
        .post(
            &format!("{base}/feststellen"),
            &[("csrf", &csrf), ("remark", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Rundgang 1 ist noch offen"),
        "{}",
        refused.body
    );
    chair
        .post(&format!("{base}/runde/schliessen"), &[("csrf", &csrf)])
        .await;
    let done = chair
        .post(
            &format!("{base}/feststellen"),
            &[("csrf", &csrf), ("remark", "Einstimmig.")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = chair.get(done.location.as_deref().unwrap()).await.body;
    assert!(page.contains("Das Ergebnis ist festgestellt"), "{page}");
    // Now, and only now, the jury learns who wrote it.
    let sheet = member
        .get(&format!("/jury/wettbewerbe/{c}/{}", kennzahlen[0]))
        .await
        .body;
    let writer = ENTRANTS.iter().find(|e| sheet.contains(e.title)).unwrap();
    assert!(
        sheet.contains(writer.teacher) && sheet.contains(writer.school),
        "{sheet}"
    );

    let mut staff = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = staff
        .get(&format!("/verwaltung/wettbewerbe/{c}/protokoll"))
        .await
        .body;
    assert!(
        page.contains("Protokoll des Preisgerichts") && page.contains("SHA-256"),
        "{page}"
    );
    assert!(page.contains("Abstimmung 1:1"), "{page}");
    let pdf = staff
        .get(&format!("/verwaltung/wettbewerbe/{c}/protokoll.pdf"))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF-"));
    let sitting = staff
        .get(&format!("/verwaltung/wettbewerbe/{c}/rangfolge"))
        .await
        .body;
    assert!(
        sitting.contains("Das Ergebnis ist festgestellt."),
        "{sitting}"
    );
}

#[tokio::test]
async fn jurors_with_open_sheets_are_reminded_once_by_button_and_before_the_deadline() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let second = TestApp::builder().database_of(&app).spawn().await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    let jurors = seated_panel(&app, &scene).await;
    // Bernd has scored everything; the others have not.
    let (_, queue) = call(
        &app,
        Method::GET,
        &format!("/api/jury/competitions/{c}/entries"),
        None,
        &jurors[1].1,
    )
    .await;
    let (_, jury) = app.admin_get(&format!("/api/competitions/{c}/jury")).await;
    for q in queue.as_array().unwrap() {
        let k = q["kennzahl"].as_str().unwrap();
        call(
            &app,
            Method::PUT,
            &format!("/api/jury/competitions/{c}/entries/{k}/sheet"),
            Some(full_sheet(&jury["criteria"], 7, true)),
            &jurors[1].1,
        )
        .await;
    }
    app.deliver().await;
    let before = smtp.received().len();

    // The button, clicked twice at once: one reminder each to the two with open sheets.
    let clicks = (0..2)
        .map(|_| {
            (
                Method::POST,
                format!("/api/competitions/{c}/jury/reminders"),
                json!({}),
                app.token.clone().unwrap(),
            )
        })
        .collect();
    let statuses = at_once(&app, clicks).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'jury.reminded'").await,
        2
    );
    app.deliver().await;
    let text = wait_for_mail(&smtp, "carla.ceder@jury.example", "Bewertungen offen").await;
    assert!(text.contains("noch 3 Bewertungen offen"), "{text}");
    assert_eq!(
        smtp.received()
            .iter()
            .skip(before)
            .filter(|m| m.to[0] == "bernd.birke@jury.example")
            .count(),
        0
    );

    // Before the jury deadline the scheduler reminds once per juror and deadline,
    // whichever of two instances gets there first.
    let (status, _) = app
        .admin_patch(
            &format!("/api/competitions/{c}/jury"),
            json!({ "deadline": "2021-01-20T17:00:00Z" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let at = berlin("2021-01-18T12:00");
    app.clock.set(at);
    second.clock.set(at);
    let url = app.state.settings.server.public_url.clone();
    let (a, b) = tokio::join!(
        ideenwettbewerb::services::jury::reminders::remind_due(&app.state.db, at, 72, &url),
        ideenwettbewerb::services::jury::reminders::remind_due(&second.state.db, at, 72, &url),
    );
    assert_eq!(a.unwrap() + b.unwrap(), 2, "Ilse and Carla, once");
    let again = ideenwettbewerb::services::jury::reminders::remind_due(&app.state.db, at, 72, &url)
        .await
        .unwrap();
    assert_eq!(again, 0);
    assert_eq!(
        app.count("jury_reminders WHERE kind = 'scheduled'").await,
        2
    );
    // A new deadline is a new reminder.
    app.admin_patch(
        &format!("/api/competitions/{c}/jury"),
        json!({ "deadline": "2021-01-20T18:00:00Z" }),
    )
    .await;
    let later = ideenwettbewerb::services::jury::reminders::remind_due(&app.state.db, at, 72, &url)
        .await
        .unwrap();
    assert_eq!(later, 2);
}

#[tokio::test]
async fn a_jurors_progress_follows_sheets_and_conflicts_written_on_another_instance() {
    let (app, smtp) = with_smtp_at("2020-12-01T10:00").await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    let jurors = seated_panel(&app, &scene).await;
    let mut browser =
        crate::credentials::signed_in_browser(&app, &smtp, "bernd.birke@jury.example").await;
    let queue = format!("/jury/wettbewerbe/{c}");
    let progress = |page: &str| {
        page.split("Sie haben ")
            .nth(1)
            .and_then(|rest| rest.split(" Bewertungen").next())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no progress line: {page}"))
    };
    assert_eq!(progress(&browser.get(&queue).await.body), "0 von 3");
    assert_eq!(progress(&browser.get(&queue).await.body), "0 von 3");

    let second = TestApp::builder().database_of(&app).spawn().await;
    let (_, listed) = call(
        &second,
        Method::GET,
        &format!("/api/jury/competitions/{c}/entries"),
        None,
        &jurors[1].1,
    )
    .await;
    let kennzahl = |i: usize| listed[i]["kennzahl"].as_str().unwrap().to_owned();
    let (_, jury) = app.admin_get(&format!("/api/competitions/{c}/jury")).await;
    let (status, body) = call(
        &second,
        Method::PUT,
        &format!("/api/jury/competitions/{c}/entries/{}/sheet", kennzahl(0)),
        Some(full_sheet(&jury["criteria"], 7, true)),
        &jurors[1].1,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(progress(&browser.get(&queue).await.body), "1 von 3");

    let (status, body) = call(
        &second,
        Method::POST,
        &format!(
            "/api/jury/competitions/{c}/entries/{}/conflict",
            kennzahl(1)
        ),
        Some(json!({ "reason": "Ich unterrichte an dieser Schule." })),
        &jurors[1].1,
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    let page = browser.get(&queue).await.body;
    assert_eq!(progress(&page), "1 von 2");
    assert!(
        !page.contains(&kennzahl(1)),
        "a declared conflict leaves the queue"
    );
}

#[tokio::test]
async fn a_kept_ranking_follows_a_change_made_on_another_instance() {
    let app = TestApp::spawn().await;
    let scene = school_entries(&app).await;
    let c = scene.competition;
    let jurors = seated_panel(&app, &scene).await;
    let kennzahlen = everyone_scores(&app, c, &jurors).await;
    let path = format!("/api/competitions/{c}/jury/ranking");
    let mean_of = |ranking: &Value, kennzahl: &str| {
        ranking["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kennzahl"] == kennzahl)
            .map(|e| e["mean"].as_f64().unwrap())
            .unwrap()
    };
    let (_, before) = admin(&app, Method::GET, &path, None).await;
    let (_, again) = admin(&app, Method::GET, &path, None).await;
    assert_eq!(before, again, "kept while nothing changed");
    // A juror resubmits through the other instance.
    let second = TestApp::builder().database_of(&app).spawn().await;
    let (_, jury) = app.admin_get(&format!("/api/competitions/{c}/jury")).await;
    let (status, body) = call(
        &second,
        Method::PUT,
        &format!("/api/jury/competitions/{c}/entries/{}/sheet", kennzahlen[0]),
        Some(full_sheet(&jury["criteria"], 0, true)),
        &jurors[1].1,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, after) = admin(&app, Method::GET, &path, None).await;
    assert!(
        mean_of(&after, &kennzahlen[0]) < mean_of(&before, &kennzahlen[0]),
        "{before} → {after}"
    );
    // A juror's new name shows without a jury change.
    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE users SET display_name = 'Carla Ceder-Linde' WHERE id = {}",
            jurors[2].0
        ))
        .await
        .unwrap();
    let (_, renamed) = admin(&app, Method::GET, &path, None).await;
    assert!(
        renamed.to_string().contains("Carla Ceder-Linde"),
        "{renamed}"
    );
}
