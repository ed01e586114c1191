//! Concurrent writers of every kind at once: none may answer 5xx ("database is
//! locked"); each write either succeeds or is refused with a clear 409.

use ideenwettbewerb::domain::delivery::DeliveredVia;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::attachments::{PDF, upload};
use crate::entries::idea;
use crate::helpers::{OpenDraft, TestApp, berlin};

/// Writers per kind.
const WRITERS: usize = 16;

struct Write {
    kind: &'static str,
    method: Method,
    path: String,
    body: Value,
    token: Option<String>,
}

#[tokio::test]
async fn sixteen_writers_of_every_kind_at_once_get_no_server_error() {
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-08-01T10:00")).await;
    let admin = app.token.clone().expect("admin token");
    let open = app.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();
    let seniors = app.competition("senioren-unabhaengigkeit").await["id"]
        .as_i64()
        .unwrap();
    let mut writes = Vec::new();
    let mut accounts = Vec::new();
    for i in 0..WRITERS {
        let (_, account) = app
            .admin_post(
                "/api/admin/users",
                json!({ "email": format!("jury{i}@example.de"), "display_name": "Jury", "role": "juror" }),
            )
            .await;
        accounts.push(account["id"].as_i64().expect("user id"));
    }
    let mut entrants = Vec::new();
    for i in 0..WRITERS {
        entrants.push(app.entrant(&format!("klasse{i}@example.de")).await);
    }
    for i in 0..WRITERS {
        writes.push(Write {
            kind: "programme",
            method: Method::PATCH,
            path: "/api/programmes/1".into(),
            body: json!({ "description": format!("Fassung {i}") }),
            token: Some(admin.clone()),
        });
        writes.push(Write {
            kind: "competition",
            method: Method::PATCH,
            path: format!("/api/competitions/{open}"),
            body: json!({ "description": format!("Beschreibung {i}") }),
            token: Some(admin.clone()),
        });
        writes.push(Write {
            kind: "user",
            method: Method::PATCH,
            path: format!("/api/admin/users/{}", accounts[i]),
            body: json!({ "role": if i % 2 == 0 { "coordinator" } else { "entrant" } }),
            token: Some(admin.clone()),
        });
        writes.push(Write {
            kind: "on-behalf entry",
            method: Method::POST,
            path: format!("/api/competitions/{seniors}/entries/on-behalf"),
            body: json!({
                "email": format!("papier{i}@example.de"), "name": "Erna Schulze", "source": "paper",
                "entry": {
                    "title": format!("Einkaufshilfe {i}"), "summary": "Ein Telefon-Dienst für Einkäufe.",
                    "details": { "postcode": "07548" }
                }
            }),
            token: Some(admin.clone()),
        });
        writes.push(Write {
            kind: "submission",
            method: Method::POST,
            path: format!("/api/competitions/{open}/submissions"),
            body: idea(&format!("Solarbank {i}")),
            token: Some(entrants[i].clone()),
        });
        writes.push(Write {
            kind: "subscription",
            method: Method::POST,
            path: "/api/subscriptions".into(),
            body: json!({ "email": format!("leser{i}@example.de"), "locale": "de", "programme_id": 1 }),
            token: None,
        });
    }

    let mut tasks = Vec::new();
    for write in writes {
        let client = app.client.clone();
        let url = app.url(&write.path);
        tasks.push(tokio::spawn(async move {
            let mut request = client.request(write.method, url).json(&write.body);
            if let Some(token) = &write.token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.expect("request sent");
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            (write.kind, status, body)
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("writer task"));
    }
    let mut refused = Vec::new();
    for (kind, status, body) in &answers {
        if !(status.is_success() || *status == StatusCode::CONFLICT) {
            refused.push(format!("{kind}: {status} {body}"));
        }
    }
    assert!(
        refused.is_empty(),
        "expected 0 answers other than 2xx or 409, got {}:\n{}",
        refused.len(),
        refused.join("\n")
    );
    let succeeded = |kind: &str| {
        answers
            .iter()
            .filter(|(k, status, _)| *k == kind && status.is_success())
            .count()
    };
    // Writers of distinct rows never conflict with each other.
    for kind in ["user", "on-behalf entry", "submission", "subscription"] {
        println!("{kind}: expected {WRITERS} stored, got {}", succeeded(kind));
        assert_eq!(succeeded(kind), WRITERS, "{kind}");
    }
    assert_eq!(
        app.count("entries WHERE status = 'submitted'").await,
        2 * WRITERS as i64
    );
}

/// Fires `requests` at once and returns their statuses.
async fn at_once<F>(requests: Vec<F>) -> Vec<StatusCode>
where
    F: std::future::Future<Output = StatusCode> + Send + 'static,
{
    let tasks: Vec<_> = requests.into_iter().map(tokio::spawn).collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("request task"));
    }
    statuses
}

#[tokio::test]
async fn limits_hold_when_requests_race() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let OpenDraft {
        entry_id, token, ..
    } = app.open_with_draft().await;

    // Files: 4 of 5 stored, then 4 uploads at once.
    for i in 0..4 {
        let (status, _) = upload(
            &app,
            &token,
            entry_id,
            &format!("skizze{i}.pdf"),
            PDF.to_vec(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let uploads = (0..4)
        .map(|i| {
            let (app, token) = (app.clone(), token.clone());
            async move {
                upload(
                    &app,
                    &token,
                    entry_id,
                    &format!("mehr{i}.pdf"),
                    PDF.to_vec(),
                )
                .await
                .0
            }
        })
        .collect();
    let statuses = at_once(uploads).await;
    let files = app
        .count(&format!("entry_attachments WHERE entry_id = {entry_id}"))
        .await;
    println!("files: expected 5, got {files}");
    assert_eq!(files, 5, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );

    // Co-authors: 9 of 10 invited, then 4 invitations at once.
    let invite = |i: usize| {
        let (app, token) = (app.clone(), token.clone());
        async move {
            app.request(
                Method::POST,
                &format!("/api/entries/{entry_id}/coauthors"),
                Some(json!({ "email": format!("mit{i}@example.de"), "name": format!("Mit {i}") })),
                Some(&token),
            )
            .await
            .0
        }
    };
    for i in 0..9 {
        assert_eq!(invite(i).await, StatusCode::CREATED);
    }
    let statuses = at_once((100..104).map(invite).collect()).await;
    let coauthors = app
        .count(&format!("entry_coauthors WHERE entry_id = {entry_id}"))
        .await;
    println!("co-authors: expected 10, got {coauthors}");
    assert_eq!(coauthors, 10, "{statuses:?}");

    // Prize money: eight competitions raised at once, each by a third of what the
    // programme budget has left: at most two fit.
    let (_, all) = app.admin_get("/api/admin/competitions").await;
    let all = all.as_array().unwrap().clone();
    let promised: i64 = all
        .iter()
        .map(|c| c["prize_money_cents"].as_i64().unwrap())
        .sum();
    // Gera promises its whole budget: give it 9,000 € more to spend.
    let budget = promised + 900_000;
    let (status, _) = app
        .admin_patch("/api/programmes/1", json!({ "budget_cents": budget }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let raise = (budget - promised) / 3 + 1;
    let raises = all
        .iter()
        .take(8)
        .map(|c| {
            let app = app.clone();
            let (id, cents) = (
                c["id"].as_i64().unwrap(),
                c["prize_money_cents"].as_i64().unwrap(),
            );
            async move {
                app.admin_patch(
                    &format!("/api/competitions/{id}"),
                    json!({ "prize_money_cents": cents + raise }),
                )
                .await
                .0
            }
        })
        .collect();
    let statuses = at_once(raises).await;
    let (_, all) = app.admin_get("/api/admin/competitions").await;
    let now_promised: i64 = all
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["prize_money_cents"].as_i64().unwrap())
        .sum();
    let raised = statuses.iter().filter(|s| s.is_success()).count();
    println!("prize money: expected at most {budget} cents, got {now_promised} ({raised} raises)");
    assert!(now_promised <= budget, "{statuses:?}");
    assert_eq!(raised, 2, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| s.is_success() || *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn staff_who_retry_an_idea_on_someones_behalf_record_it_once() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    app.move_clock_to(berlin("2020-08-01T10:00")).await;
    let seniors = app.competition_id("senioren-unabhaengigkeit").await;
    let other = app.competition_id("wir-lieben-gera").await;
    let body = json!({
        "email": "erna@example.de", "name": "Erna Schulze", "source": "paper",
        "entry": {
            "title": "Einkaufshilfe per Telefon", "summary": "Ein Telefon-Dienst für Einkäufe.",
            "details": { "postcode": "07548" }
        }
    });
    let send = |competition: i64, key: &'static str| {
        let (app, body) = (app.clone(), body.clone());
        async move {
            let response = app
                .client
                .post(app.url(&format!(
                    "/api/competitions/{competition}/entries/on-behalf"
                )))
                .bearer_auth(app.token.as_deref().unwrap())
                .header("Idempotency-Key", key)
                .json(&body)
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
    // A retry after a lost answer, and four at the same moment.
    let (status, first) = send(seniors, "papier-2020-08-01-1").await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = send(seniors, "papier-2020-08-01-1").await;
    assert_eq!((status, &again["id"]), (StatusCode::CREATED, &first["id"]));
    let tasks: Vec<_> = (0..4)
        .map(|_| tokio::spawn(send(seniors, "papier-2020-08-01-2")))
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        let (status, entry) = task.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{entry}");
        ids.push(entry["id"].clone());
    }
    ids.dedup();
    let entries = app.count("entries").await;
    let receipts = app
        .count("outbox_events WHERE event_type = 'entry.submitted'")
        .await;
    println!("on-behalf entries: expected 2, got {entries}; receipts: expected 2, got {receipts}");
    assert_eq!((entries, receipts, ids.len()), (2, 2, 1));

    // The same key for another competition is another request: refused.
    let (status, problem) = send(other, "papier-2020-08-01-1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(app.count("entries").await, 2);
}

#[tokio::test]
async fn a_late_email_worker_cannot_send_or_overwrite_a_newer_claim() {
    use ideenwettbewerb::services::{emails, notifications};
    let app = TestApp::spawn().await;
    let (status, _) = app
        .request_json(
            "/api/subscriptions",
            json!({ "email": "leserin@example.de", "locale": "de", "programme_id": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let db = &app.state.db;
    let now = app.state.now();
    notifications::dispatch(db, now, &app.address, 50)
        .await
        .unwrap();
    let lease = chrono::Duration::seconds(5);
    let first = emails::claim(db, now, lease, 10).await.unwrap();
    assert_eq!(first.len(), 1);

    // The first worker stalls past its lease; a second one takes the message over.
    let later = now + chrono::Duration::seconds(6);
    let second = emails::claim(db, later, lease, 10).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_ne!(first[0].claim_token, second[0].claim_token);

    let late = &first[0];
    assert!(
        !emails::renew(db, later, lease, late).await.unwrap(),
        "the late worker may not send"
    );
    assert!(
        !emails::mark_sent(db, later, late, DeliveredVia::Smtp)
            .await
            .unwrap()
    );
    assert!(
        !emails::mark_failed(
            db,
            later,
            late,
            "timeout",
            false,
            emails::RetryPolicy::of(&app.state.settings.mail)
        )
        .await
        .unwrap()
    );
    assert_eq!(
        app.count("email_messages WHERE status = 'sending'").await,
        1,
        "still the second worker's"
    );
    assert!(
        emails::mark_sent(db, later, &second[0], DeliveredVia::Smtp)
            .await
            .unwrap()
    );
    let sent = app.count("email_messages WHERE status = 'sent'").await;
    println!("recorded outcomes: expected 1, got {sent}");
    assert_eq!(sent, 1);
}
