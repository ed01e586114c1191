//! Entering ideas through the API, with receipts over SMTP and the deadline.

use mail_parser::MessageParser;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, berlin};

pub(crate) fn idea(title: &str) -> Value {
    json!({
        "title": title,
        "summary": "Sitzbänke, an denen man Fahrräder und Telefone mit Sonnenstrom lädt.",
        "description": "Auf dem Markt und am Hofwiesenpark.",
        "goals": ["Nachhaltigkeit", "Multimodale Mobilität"]
    })
}

#[tokio::test]
async fn an_idea_goes_from_draft_to_receipt_to_withdrawal_and_locks_at_the_deadline() {
    let (app, smtp) = crate::helpers::with_smtp_at("2020-08-01T10:00").await;
    let competition = app.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();
    let anna = app.entrant("klasse7b@example.de").await;
    let path = format!("/api/competitions/{competition}/entries");

    // A double click: the same Idempotency-Key creates one draft.
    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url(&path))
            .bearer_auth(&anna)
            .header("Idempotency-Key", "7b-idee-1")
            .json(&idea("Solarbänke für Gera"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        ids.push(
            response.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    assert_eq!(ids[0], ids[1]);
    assert_eq!(app.count("entries").await, 1);
    let id = ids[0];

    let (status, draft, _) = app
        .request(
            Method::PUT,
            &format!("/api/entries/{id}"),
            Some(idea("Solarbänke für ganz Gera")),
            Some(&anna),
        )
        .await;
    assert_eq!(
        (status, draft["status"].as_str()),
        (StatusCode::OK, Some("draft"))
    );

    let (status, submitted, _) = app
        .request(
            Method::POST,
            &format!("/api/entries/{id}/submit"),
            None,
            Some(&anna),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    let kennzahl = submitted["kennzahl"].as_str().unwrap().to_owned();
    assert!(kennzahl.len() == 6 && kennzahl.chars().all(|c| c.is_ascii_digit()));
    let receipt = submitted["receipt_number"].as_str().unwrap().to_owned();
    let (_, again, _) = app
        .request(
            Method::POST,
            &format!("/api/entries/{id}/submit"),
            None,
            Some(&anna),
        )
        .await;
    assert_eq!(
        again["receipt_number"],
        receipt.as_str(),
        "submitting again gives the same receipt"
    );

    app.deliver().await;
    let mails = smtp.wait_for(2, std::time::Duration::from_secs(10)).await;
    let subjects: Vec<String> = mails
        .iter()
        .filter(|m| m.to[0] == "klasse7b@example.de")
        .map(|m| {
            MessageParser::default()
                .parse(&m.data)
                .unwrap()
                .subject()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        subjects.contains(&format!(
            "Eingangsbestätigung {receipt}: Solarbänke für ganz Gera"
        )),
        "{subjects:?}"
    );

    // Edits after submission are kept as versions.
    let (status, edited, _) = app
        .request(
            Method::PUT,
            &format!("/api/entries/{id}"),
            Some(idea("Solarbänke, Version 2")),
            Some(&anna),
        )
        .await;
    assert_eq!(
        (status, edited["version"].as_i64()),
        (StatusCode::OK, Some(2))
    );
    assert_eq!(
        app.count(&format!("entry_versions WHERE entry_id = {id}"))
            .await,
        2
    );

    // Someone else cannot see or touch it.
    let ben = app.entrant("ben@example.de").await;
    for (method, suffix) in [
        (Method::GET, ""),
        (Method::POST, "/withdraw"),
        (Method::POST, "/submit"),
    ] {
        let (status, _, _) = app
            .request(
                method,
                &format!("/api/entries/{id}{suffix}"),
                None,
                Some(&ben),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (_, bens, _) = app
        .request(Method::GET, "/api/me/entries", None, Some(&ben))
        .await;
    assert_eq!(bens, json!([]));

    let (status, withdrawn, _) = app
        .request(
            Method::POST,
            &format!("/api/entries/{id}/withdraw"),
            None,
            Some(&anna),
        )
        .await;
    assert_eq!(
        (status, withdrawn["status"].as_str()),
        (StatusCode::OK, Some("withdrawn"))
    );
    app.deliver().await;
    let mails = smtp.wait_for(3, std::time::Duration::from_secs(10)).await;
    assert!(mails.iter().any(|m| {
        MessageParser::default()
            .parse(&m.data)
            .unwrap()
            .subject()
            .unwrap()
            .starts_with("Zurückgezogen")
    }));

    // A second idea, then the deadline passes: nothing can change any more.
    let (_, second, _) = app
        .request(Method::POST, &path, Some(idea("Zweite Idee")), Some(&anna))
        .await;
    let second = second["id"].as_i64().unwrap();
    app.move_clock_to(berlin("2020-11-21T00:00")).await;
    let (status, problem, _) = app
        .request(
            Method::POST,
            &format!("/api/entries/{second}/submit"),
            None,
            Some(&anna),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("does not accept entries"),
        "{problem}"
    );
    let (_, mine, _) = app
        .request(Method::GET, "/api/me/entries", None, Some(&anna))
        .await;
    assert_eq!(mine.as_array().unwrap().len(), 2);
    // Drafts, a submission, a withdrawal: the kept counts followed each.
    app.assert_counts_kept().await;
}

#[tokio::test]
async fn bad_entries_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-08-01T10:00")).await;
    let anna = app.entrant("anna@example.de").await;
    let open = app.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();
    let scheduled = app.competition("kindergaerten-smarties").await["id"]
        .as_i64()
        .unwrap();
    // A competition still in preparation (draft), with a form of its own: its
    // definition is checked, and nobody can enter it.
    let mut new_competition = json!({
        "phase_id": 1, "slug": "in-vorbereitung", "target_group": "Alle",
        "headline": "Noch geheim", "prize_money_cents": 0,
        "entry_form": { "fields": [{ "key": "Klasse!", "label": { "de": "K", "en": "C" }, "kind": "text" }] }
    });
    let (status, problem) = app
        .admin_post("/api/competitions", new_competition.clone())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("lower-case"));
    new_competition["entry_form"]["fields"][0]["key"] = json!("klasse");
    let (status, draft) = app.admin_post("/api/competitions", new_competition).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["entry_form"]["fields"][0]["key"], "klasse");
    let in_preparation = draft["id"].as_i64().unwrap();
    let cases = [
        (
            open,
            json!({ "summary": "ohne Titel" }),
            StatusCode::BAD_REQUEST,
            "`title` is required",
        ),
        (
            open,
            json!({ "title": "x".repeat(201), "summary": "s" }),
            StatusCode::BAD_REQUEST,
            "title",
        ),
        (
            open,
            json!({ "title": "t", "summary": "s", "goals": ["a", "b", "c", "d", "e"] }),
            StatusCode::BAD_REQUEST,
            "goals",
        ),
        (
            open,
            json!({ "title": "t", "summary": "s", "author": "me" }),
            StatusCode::BAD_REQUEST,
            "author",
        ),
        (
            open,
            json!({ "title": "t", "summary": "s", "goals": ["Weltfrieden"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "choose among",
        ),
        (
            scheduled,
            idea("zu früh"),
            StatusCode::CONFLICT,
            "does not accept entries",
        ),
        (
            999,
            idea("nirgends"),
            StatusCode::NOT_FOUND,
            "competition 999",
        ),
        (
            in_preparation,
            idea("zu geheim"),
            StatusCode::NOT_FOUND,
            "does not exist",
        ),
    ];
    for (competition, body, expected, mentions) in cases {
        let (status, problem, _) = app
            .request(
                Method::POST,
                &format!("/api/competitions/{competition}/entries"),
                Some(body.clone()),
                Some(&anna),
            )
            .await;
        assert_eq!(status, expected, "{body}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(mentions),
            "{body}: {problem}"
        );
    }
    assert_eq!(app.count("entries").await, 0);
    assert_eq!(app.count("audit_log WHERE subject_type = 'entry'").await, 0);
}

#[tokio::test]
async fn deleting_an_account_keeps_its_entries_without_the_name() {
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-08-01T10:00")).await;
    let open = app.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();
    let anna = app.entrant("anna@example.de").await;
    let mut body = idea("Bleibt");
    body["details"] = json!({ "postcode": "07545" });
    body["contact_phone"] = json!("0365 838-0");
    // A phone number must look like one.
    let mut wrong = body.clone();
    wrong["contact_phone"] = json!("ruf mich an");
    let (status, problem, _) = app
        .request(
            Method::POST,
            &format!("/api/competitions/{open}/entries"),
            Some(wrong),
            Some(&anna),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "contact_phone");
    let (_, created, _) = app
        .request(
            Method::POST,
            &format!("/api/competitions/{open}/entries"),
            Some(body),
            Some(&anna),
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        (
            created["contact_name"].as_str(),
            created["contact_phone"].as_str()
        ),
        (Some("Schulklasse 7b"), Some("0365 838-0"))
    );
    app.request(
        Method::POST,
        &format!("/api/entries/{id}/submit"),
        None,
        Some(&anna),
    )
    .await;
    let (_, export, _) = app
        .request(Method::GET, "/api/me/export", None, Some(&anna))
        .await;
    assert_eq!(export["entries"][0]["title"], "Bleibt");
    assert_eq!(export["entry_contacts"][0]["contact_phone"], "0365 838-0");
    assert_eq!(export["entry_contacts"][0]["answers"]["postcode"], "07545");

    let (status, _, _) = app
        .request(Method::DELETE, "/api/me", None, Some(&anna))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.count(&format!("entries WHERE id = {id} AND status = 'submitted'"))
            .await,
        1,
        "the entry stays"
    );
    assert_eq!(
        app.count("entry_authors WHERE contact_name = 'Schulklasse 7b'")
            .await,
        0,
        "the name goes"
    );
    assert_eq!(
        app.count("entry_authors WHERE contact_phone IS NOT NULL OR details <> '{}'")
            .await,
        0,
        "so do the phone number and the answers that identify the author"
    );
}

#[tokio::test]
async fn staff_list_and_export_the_entries_of_a_competition() {
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-08-01T10:00")).await;
    let open = app.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();
    let anna = app.entrant("anna@example.de").await;
    for title in ["Grüne Dächer; für alle", "=HYPERLINK(\"http://evil\")"] {
        let (_, created, _) = app
            .request(
                Method::POST,
                &format!("/api/competitions/{open}/entries"),
                Some(idea(title)),
                Some(&anna),
            )
            .await;
        let id = created["id"].as_i64().unwrap();
        app.request(
            Method::POST,
            &format!("/api/entries/{id}/submit"),
            None,
            Some(&anna),
        )
        .await;
    }

    let (status, list) = app
        .admin_get(&format!("/api/competitions/{open}/entries"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["author_email"], "anna@example.de");
    let (status, _, _) = app
        .request(
            Method::GET,
            &format!("/api/competitions/{open}/entries"),
            None,
            Some(&anna),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "entrants do not see other people's entries"
    );

    let response = app
        .client
        .get(app.url(&format!("/api/competitions/{open}/entries/export")))
        .bearer_auth(app.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("einreichungen-")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Nr.;Status;Herkunft;Eingangsnummer;Kennzahl;Titel")
    );
    assert!(
        text.lines()
            .next()
            .unwrap()
            .ends_with(";Postleitzahl (freiwillig)"),
        "the competition's own questions are columns"
    );
    assert!(
        text.contains("\"Grüne Dächer; für alle\""),
        "a semicolon in a cell is quoted"
    );
    assert!(
        text.contains("'=HYPERLINK"),
        "no formula runs in a spreadsheet"
    );
    assert!(text.contains("anna@example.de"));

    // The same as an Excel workbook, with text cells only.
    let response = app
        .client
        .get(app.url(&format!(
            "/api/competitions/{open}/entries/export?format=xlsx"
        )))
        .bearer_auth(app.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let workbook = response.bytes().await.unwrap();
    let strings = xlsx_strings(&workbook);
    assert!(strings.contains("Grüne Dächer; für alle"), "{strings}");
    assert!(
        strings.contains("<t>=HYPERLINK(\"http://evil\")</t>"),
        "kept as text: a string cell is never evaluated: {strings}"
    );
    assert!(strings.contains("Postleitzahl (freiwillig)"));
    let sheet = xlsx_part(&workbook, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no formulas");
    // The entry number is a number cell and the submission a date cell (a number
    // with a date format), so both sort and filter as such.
    assert!(
        sheet.contains(r#"<c r="A2" s=""#) || sheet.contains(r#"<c r="A2"><v>"#),
        "{sheet}"
    );
    assert!(
        !sheet.contains(r#"<c r="A2" t="s""#),
        "the number is not text: {sheet}"
    );
    assert!(
        sheet.contains(r#"<c r="J2" s=""#),
        "the moment is a styled number: {sheet}"
    );
    let styles = xlsx_part(&workbook, "xl/styles.xml");
    assert!(styles.contains("dd.mm.yyyy hh:mm"), "{styles}");

    // Filter and search on the API.
    let (_, found) = app
        .admin_get(&format!("/api/competitions/{open}/entries?q=gr%C3%BCNE"))
        .await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    let (_, found) = app
        .admin_get(&format!("/api/competitions/{open}/entries?status=draft"))
        .await;
    assert_eq!(found, json!([]));
    let (_, found) = app
        .admin_get(&format!("/api/competitions/{open}/entries?q=ANNA@example"))
        .await;
    assert_eq!(found.as_array().unwrap().len(), 2);
    let (status, _) = app
        .admin_get(&format!("/api/competitions/{open}/entries?status=bogus"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

pub(crate) fn xlsx_part(workbook: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(workbook)).unwrap();
    let mut part = archive.by_name(name).unwrap();
    let mut text = String::new();
    part.read_to_string(&mut text).unwrap();
    text
}

/// The texts of the workbook: the export writes them inline in the sheet
/// (constant-memory mode keeps no shared-strings table).
fn xlsx_strings(workbook: &[u8]) -> String {
    xlsx_part(workbook, "xl/worksheets/sheet1.xml")
}

#[tokio::test]
async fn staff_record_ideas_that_arrived_on_paper_or_in_the_shop() {
    let (app, smtp) = crate::helpers::with_smtp_at("2020-08-01T10:00").await;
    let open = app.competition("senioren-unabhaengigkeit").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/competitions/{open}/entries/on-behalf");
    let body = json!({
        "email": "Oma.Erna@example.de", "name": "Erna Schulze", "source": "walk_in",
        "entry": {
            "title": "Einkaufshilfe per Telefon", "summary": "Ein Telefon-Dienst für Einkäufe.",
            "details": { "postcode": "07548" }
        }
    });
    let (status, entered) = app.admin_post(&path, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{entered}");
    assert_eq!(
        (entered["status"].as_str(), entered["source"].as_str()),
        (Some("submitted"), Some("walk_in"))
    );
    assert!(entered["receipt_number"].is_string());
    app.deliver().await;
    let mails = smtp.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert!(
        mails.iter().any(|m| m.to[0] == "oma.erna@example.de"),
        "the same receipt as online"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'entry.entered_on_behalf' AND actor = 'user:1'")
            .await,
        1
    );

    let mut wrong_source = body.clone();
    wrong_source["source"] = json!("pigeon");
    let (status, _) = app.admin_post(&path, wrong_source).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut bad_email = body;
    bad_email["email"] = json!("no address");
    let (status, problem) = app.admin_post(&path, bad_email).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(app.count("entries").await, 1);
}

#[tokio::test]
async fn school_classes_answer_their_fields_and_childrens_names_stay_private() {
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-10-01T10:00")).await;
    let competition = app.competition("schulklassen-smarte-projekte").await;
    assert_eq!(competition["entry_form"]["for_minors"], json!(true));
    let fields: Vec<&str> = competition["entry_form"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "school",
            "class_name",
            "grade_band",
            "teacher",
            "children",
            "postcode"
        ]
    );
    let id = competition["id"].as_i64().unwrap();
    let teacher = app.entrant("lehrerin@example.de").await;
    let path = format!("/api/competitions/{id}/entries");

    // Wrong answers are refused even in a draft, each with what to fix.
    let mut body = idea("Smarte Schulhöfe");
    body["details"] = json!({ "grade_band": "13", "shoe_size": "38" });
    let (status, problem, _) = app
        .request(Method::POST, &path, Some(body), Some(&teacher))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{problem}");
    assert_eq!(errors[0]["field"], "shoe_size");
    assert!(
        errors[1]["detail_de"]
            .as_str()
            .unwrap()
            .contains("5–7, 8–10, 11–12")
    );
    assert_eq!(app.count("entries").await, 0);

    // A draft may be incomplete; submitting names everything missing.
    let mut body = idea("Smarte Schulhöfe");
    body["details"] = json!({ "grade_band": "5-7", "school": "Goethe-Gymnasium" });
    let (status, draft, _) = app
        .request(Method::POST, &path, Some(body.clone()), Some(&teacher))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let entry = draft["id"].as_i64().unwrap();
    let submit = format!("/api/entries/{entry}/submit");
    let (status, problem, _) = app
        .request(Method::POST, &submit, None, Some(&teacher))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        ["class_name", "teacher", "postcode", "guardian_consent"]
    );

    // Outside Gera: the eligibility rule's own message.
    body["details"] = json!({
        "school": "Goethe-Gymnasium", "class_name": "7b", "grade_band": "5-7",
        "teacher": "Frau Lehmann", "children": "Anna, Ben, Cem", "postcode": "04109"
    });
    body["guardian_consent"] = json!(true);
    let put = format!("/api/entries/{entry}");
    let (status, _, _) = app
        .request(Method::PUT, &put, Some(body.clone()), Some(&teacher))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem, _) = app
        .request(Method::POST, &submit, None, Some(&teacher))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"][0]["detail_de"],
        "Teilnehmen können nur Schulen in Gera (Postleitzahlen 07545 bis 07557)."
    );
    assert_eq!(app.count("entries WHERE status = 'draft'").await, 1);

    body["details"]["postcode"] = json!("07545");
    app.request(Method::PUT, &put, Some(body), Some(&teacher))
        .await;
    let (status, submitted, _) = app
        .request(Method::POST, &submit, None, Some(&teacher))
        .await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["guardian_consent"], json!(true));
    assert_eq!(submitted["details"]["children"], "Anna, Ben, Cem");

    // What the jury will read carries the grade band, never names or the school.
    assert_eq!(
        app.count("entries WHERE details LIKE '%5–7%'").await,
        1,
        "the grade band is with the entry"
    );
    for private in ["Anna", "Goethe", "Lehmann"] {
        assert_eq!(
            app.count(&format!(
                "entries WHERE details LIKE '%{private}%' OR title LIKE '%{private}%'"
            ))
            .await,
            0
        );
        assert_eq!(
            app.count(&format!("entry_versions WHERE content LIKE '%{private}%'"))
                .await,
            0
        );
    }
    assert_eq!(
        app.count("entry_authors WHERE details LIKE '%Anna, Ben, Cem%'")
            .await,
        1
    );
}

#[tokio::test]
async fn an_idea_is_submitted_in_one_request_exactly_once() {
    let (app, smtp) = crate::helpers::with_smtp_at("2020-08-01T10:00").await;
    let families = app.competition("familien-familienfreundlichkeit").await["id"]
        .as_i64()
        .unwrap();
    let anna = app.entrant("anna@example.de").await;
    let path = format!("/api/competitions/{families}/submissions");

    // Not eligible yet: nothing is stored.
    let (status, problem, _) = app
        .request(Method::POST, &path, Some(idea("Wickeltische")), Some(&anna))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "postcode");
    assert_eq!(app.count("entries").await, 0);

    let mut body = idea("Wickeltische in allen Ämtern");
    body["details"] = json!({ "postcode": "07551" });
    let mut answers = Vec::new();
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url(&path))
            .bearer_auth(&anna)
            .header("Idempotency-Key", "wickeltische-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        answers.push(response.json::<Value>().await.unwrap());
    }
    assert_eq!(
        answers[0]["id"], answers[1]["id"],
        "a retry submits nothing twice"
    );
    assert_eq!(answers[0]["status"], "submitted");
    assert_eq!(answers[0]["details"]["postcode"], "07551");
    let receipt = answers[0]["receipt_number"].as_str().unwrap().to_owned();
    assert_eq!(app.count("entries").await, 1);
    assert_eq!(app.count("entry_versions").await, 1);
    app.deliver().await;
    let mails = smtp.wait_for(2, std::time::Duration::from_secs(10)).await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| String::from_utf8_lossy(&m.data).contains(&receipt))
            .count(),
        1,
        "one receipt"
    );

    // A closed competition takes nothing.
    app.move_clock_to(berlin("2020-11-21T00:00")).await;
    let response = app
        .client
        .post(app.url(&path))
        .bearer_auth(&anna)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("entries").await, 1);
}

#[tokio::test]
async fn concurrent_submissions_and_retries_each_count_once() {
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-08-01T10:00")).await;
    let competition = app.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();
    let anna = app.entrant("anna@example.de").await;
    let path = format!("/api/competitions/{competition}/submissions");
    // 20 ideas, each sent twice at the same moment (a client retrying at once),
    // and one that breaks a rule: committed together, they must not disturb
    // each other.
    let mut requests = Vec::new();
    for i in 0..41 {
        let (client, url, token) = (app.client.clone(), app.url(&path), anna.clone());
        let mut body = idea(&format!("Idee {}", i % 20));
        if i == 40 {
            body["goals"] = json!(["Kein Ziel des Programms"]);
        }
        requests.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", format!("idee-{}", i % 20))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (i, status, response.json::<Value>().await.unwrap())
        }));
    }
    let mut ids = std::collections::HashMap::new();
    for request in requests {
        let (i, status, body) = request.await.unwrap();
        if i == 40 {
            // Its key matches idea 0's, which may or may not have committed yet.
            assert!(
                status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::CREATED,
                "{status} {body}"
            );
            continue;
        }
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().unwrap();
        if let Some(other) = ids.insert(i % 20, id) {
            assert_eq!(other, id, "both sends of idea {} give one entry", i % 20);
        }
    }
    assert_eq!(app.count("entries").await, 20);
    app.assert_counts_kept().await;
    assert_eq!(app.count("entry_versions").await, 20);
    assert_eq!(app.count("idempotency_keys").await, 20);
    assert_eq!(
        app.count("outbox_events WHERE event_type = 'entry.submitted'")
            .await,
        20,
        "one receipt per idea"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'entry.submitted'")
            .await,
        20
    );
}

#[tokio::test]
async fn authors_of_drafts_are_reminded_once_before_the_deadline() {
    let (app, smtp) = crate::helpers::with_smtp_at("2020-08-01T10:00").await;
    let competition = app.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();
    let anna = app.entrant("anna@example.de").await;
    let ben = app.entrant("ben@example.de").await;
    let path = format!("/api/competitions/{competition}/entries");
    let (_, draft, _) = app
        .request(Method::POST, &path, Some(idea("Noch offen")), Some(&anna))
        .await;
    let (_, done, _) = app
        .request(Method::POST, &path, Some(idea("Schon fertig")), Some(&ben))
        .await;
    app.request(
        Method::POST,
        &format!("/api/entries/{}/submit", done["id"]),
        None,
        Some(&ben),
    )
    .await;

    // Three days before: nothing yet. Within 48 hours: one reminder, once.
    app.move_clock_to(berlin("2020-11-17T12:00")).await;
    assert_eq!(app.count("entries WHERE reminded_at IS NOT NULL").await, 0);
    app.move_clock_to(berlin("2020-11-19T12:00")).await;
    app.move_clock_to(berlin("2020-11-20T12:00")).await;
    assert_eq!(
        app.count("outbox_events WHERE event_type = 'entry.deadline_reminder'")
            .await,
        1,
        "one reminder, for the draft only"
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'entry.reminded'").await,
        1
    );
    app.deliver().await;
    let reminder =
        crate::entry_pages::wait_for_mail(&smtp, "anna@example.de", "noch nicht eingereicht").await;
    assert!(
        reminder.contains("„Noch offen“")
            && reminder.contains(&format!("/konto/ideen/{}", draft["id"])),
        "{reminder}"
    );
}

#[tokio::test]
async fn an_entry_form_changes_only_before_the_competition_opens() {
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-08-01T10:00")).await;
    let scheduled = app.competition("kindergaerten-smarties").await;
    let open = app.competition("wir-lieben-gera").await;
    let mut form = scheduled["entry_form"].clone();
    form["fields"][0]["label"]["de"] = json!("Name der Kita");
    let (status, changed) = app
        .admin_patch(
            &format!("/api/competitions/{}", scheduled["id"]),
            json!({ "entry_form": form }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        changed["entry_form"]["fields"][0]["label"]["de"],
        "Name der Kita"
    );
    let (status, problem) = app
        .admin_patch(
            &format!("/api/competitions/{}", open["id"]),
            json!({ "entry_form": { "fields": [] } }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("only change before the competition opens")
    );
    assert_eq!(
        app.competition("wir-lieben-gera").await["entry_form"],
        open["entry_form"]
    );
}

#[tokio::test]
async fn a_title_or_summary_of_only_spaces_is_refused_on_every_way_in() {
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-08-01T10:00")).await;
    let open = app.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();
    let seniors = app.competition("senioren-unabhaengigkeit").await["id"]
        .as_i64()
        .unwrap();
    let anna = app.entrant("anna@example.de").await;
    let blank = json!({ "title": "   ", "summary": "\u{200B}\u{FEFF} ", "goals": [] });
    for path in [
        format!("/api/competitions/{open}/submissions"),
        format!("/api/competitions/{open}/entries"),
    ] {
        let (status, problem, _) = app
            .request(Method::POST, &path, Some(blank.clone()), Some(&anna))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["title", "summary"], "{path}");
    }
    let (status, problem) = app
        .admin_post(
            &format!("/api/competitions/{seniors}/entries/on-behalf"),
            json!({
                "email": "erna@example.de", "name": "Erna Schulze", "source": "paper",
                "entry": { "title": "\u{2060}", "summary": "Ein Dienst.", "details": { "postcode": "07548" } }
            }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "title");
    assert_eq!(app.count("entries").await, 0);
    assert_eq!(
        app.count("email_messages").await
            + app
                .count("outbox_events WHERE event_type = 'entry.submitted'")
                .await,
        0
    );
}

#[tokio::test]
async fn an_idempotency_key_belongs_to_one_operation_on_one_competition() {
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-08-01T10:00")).await;
    let anna = app.entrant("anna@example.de").await;
    let first = app.competition_id("wir-lieben-gera").await;
    let other = app.competition_id("familien-familienfreundlichkeit").await;
    let send = |path: String, key: &'static str| {
        let (app, anna) = (&app, anna.clone());
        async move {
            let response = app
                .client
                .post(app.url(&path))
                .bearer_auth(&anna)
                .header("Idempotency-Key", key)
                .json(&idea("Spielplatz-Karte"))
                .send()
                .await
                .unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, draft) = send(format!("/api/competitions/{first}/entries"), "k-1").await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    // The same key for another competition, or for another operation, is refused.
    for path in [
        format!("/api/competitions/{other}/entries"),
        format!("/api/competitions/{first}/submissions"),
    ] {
        let (status, problem) = send(path.clone(), "k-1").await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("used for another request"),
            "{problem}"
        );
    }
    assert_eq!(app.count("entries").await, 1);
    // The same request again still answers with the first entry.
    let (status, again) = send(format!("/api/competitions/{first}/entries"), "k-1").await;
    assert_eq!((status, &again["id"]), (StatusCode::CREATED, &draft["id"]));
}

#[tokio::test]
async fn staff_read_an_entrys_history_and_nobody_else_does() {
    let app = TestApp::spawn().await;
    let draft = app.open_with_draft().await;
    let (status, _, _) = app
        .request(
            Method::POST,
            &format!("/api/entries/{}/submit", draft.entry_id),
            None,
            Some(&draft.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/api/entries/{}/history", draft.entry_id);
    let (status, history) = app.admin_get(&path).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let actions: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["entry.created", "entry.submitted"]);
    assert_eq!(
        history["versions"][0]["content"]["title"],
        "Solarbänke für Gera"
    );
    let (status, _, _) = app
        .request(Method::GET, &path, None, Some(&draft.token))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "entrants do not read histories"
    );
    let (status, _) = app.admin_get("/api/entries/999/history").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
