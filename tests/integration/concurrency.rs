//! Concurrent writers of every kind at once: none may answer 5xx ("database is
//! locked"); each write either succeeds or is refused with a clear 409.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::entries::idea;
use crate::helpers::{TestApp, berlin};

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
