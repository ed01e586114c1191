//! Programmes, phases and competitions through the JSON API.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, berlin};

#[tokio::test]
async fn the_gera_programme_is_ready_on_first_start() {
    let app = TestApp::spawn().await;
    let (status, programmes) = app.get("/api/programmes").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(programmes.as_array().map(Vec::len), Some(1));
    assert_eq!(programmes[0]["name"], "SMARTCity Gera");
    assert_eq!(programmes[0]["budget_cents"], 8_100_000);

    let (_, phases) = app.get("/api/programmes/1/phases").await;
    let numbers: Vec<_> = phases
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["number"].clone())
        .collect();
    assert_eq!(numbers, vec![json!(1), json!(2), json!(3)]);

    let (_, competitions) = app.get("/api/competitions").await;
    let competitions = competitions.as_array().unwrap();
    assert_eq!(competitions.len(), 12);
    assert!(competitions.iter().all(|c| c["state"] == "scheduled"));
    let total: i64 = competitions
        .iter()
        .map(|c| c["prize_money_cents"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 8_100_000);
    let first = &competitions[0];
    assert_eq!(first["target_group"], "Unternehmen");
    assert_eq!(
        first["opens_at"], "2020-06-01T22:00:00+00:00",
        "00:00 Berlin summer time"
    );
    assert_eq!(first["closes_at"], "2020-09-30T21:59:00+00:00");
    assert_eq!(first["allowed_events"], json!(["open", "cancel"]));
}

#[tokio::test]
async fn a_restart_keeps_the_programme_and_the_administrator() {
    let first = TestApp::spawn().await;
    assert!(
        first.token.is_some(),
        "first start creates the administrator"
    );
    let restart = TestApp::builder().database_of(&first);
    let old_address = first.url("/healthz");
    first.stop().await;
    assert!(
        reqwest::get(&old_address).await.is_err(),
        "the stopped server no longer answers"
    );
    let second = restart.spawn().await;
    assert_eq!(
        second.count("api_tokens").await,
        1,
        "no new token on a restart"
    );
    assert_eq!(
        second.count("programmes").await,
        1,
        "the seed is not loaded twice"
    );
    assert_eq!(second.count("competitions").await, 12);
    assert_eq!(second.count("users").await, 1);
}

#[tokio::test]
async fn an_administrator_sets_up_a_programme_phase_and_competition() {
    let app = TestApp::builder()
        .without_seed()
        .at(berlin("2026-11-27T10:00"))
        .spawn()
        .await;
    let (status, programme) = app
        .admin_post(
            "/api/programmes",
            json!({ "slug": "bildung-2027", "name": "Bildungswettbewerb 2027", "budget_cents": 1_000_000 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{programme}");
    let programme_id = programme["id"].as_i64().unwrap();

    let (status, phase) = app
        .admin_post(
            &format!("/api/programmes/{programme_id}/phases"),
            json!({ "number": 1, "name": "Staffel 1" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{phase}");
    let (status, phase) = app
        .admin_patch(
            &format!("/api/phases/{}", phase["id"]),
            json!({ "name": "Frühjahr" }),
        )
        .await;
    assert_eq!(
        (status, phase["name"].as_str()),
        (StatusCode::OK, Some("Frühjahr"))
    );

    let (status, competition) = app
        .admin_post(
            "/api/competitions",
            json!({
                "phase_id": phase["id"],
                "slug": "schulen",
                "target_group": "Schulklassen",
                "headline": "Smarte Schule",
                "aim": "Ideen für den Schulweg",
                "opens_at": "2027-02-01T00:00:00+01:00",
                "closes_at": "2027-05-31T23:59:00+02:00",
                "prize_money_cents": 600_000
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{competition}");
    assert_eq!(competition["state"], "draft");
    assert_eq!(competition["closes_at"], "2027-05-31T21:59:00+00:00");
    let id = competition["id"].as_i64().unwrap();

    let (status, _) = app.get(&format!("/api/competitions/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "drafts are not public");
    let (_, public) = app.get("/api/competitions").await;
    assert_eq!(public, json!([]));

    let (status, edited) = app
        .admin_patch(
            &format!("/api/competitions/{id}"),
            json!({ "headline": "Smarte Schule 2027", "prize_money_cents": 700_000 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["version"], 2);

    let (status, scheduled) = app.transition(id, json!({ "event": "schedule" })).await;
    assert_eq!(
        (status, scheduled["state"].as_str()),
        (StatusCode::OK, Some("scheduled")),
        "{scheduled}"
    );
    let (status, public) = app.get(&format!("/api/competitions/{id}")).await;
    assert_eq!(
        (status, public["headline"].as_str()),
        (StatusCode::OK, Some("Smarte Schule 2027"))
    );

    let (status, budget) = app
        .admin_patch(
            &format!("/api/programmes/{programme_id}"),
            json!({ "budget_cents": 2_000_000 }),
        )
        .await;
    assert_eq!(
        (status, budget["budget_cents"].as_i64()),
        (StatusCode::OK, Some(2_000_000))
    );

    let (_, history) = app
        .admin_get(&format!("/api/competitions/{id}/history"))
        .await;
    let actions: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "competition.created",
            "competition.updated",
            "competition.transitioned"
        ]
    );
    assert_eq!(
        history[1]["details"]["changes"]["headline"]["to"],
        "Smarte Schule 2027"
    );
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "user:1")
    );
    assert_eq!(app.outbox_events(id).await, ["competition.scheduled"]);
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::builder().without_seed().spawn().await;
    let (status, body) = app.page("/healthz").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    let (status, body) = app.page("/readyz").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ready"));
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(response.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn answers_with_secrets_or_personal_data_are_not_stored_by_caches() {
    let app = TestApp::spawn().await;
    let token = app.entrant("anna@example.de").await;
    let cache_control = |response: &reqwest::Response| {
        response
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    for path in ["/api/me", "/api/me/export"] {
        let response = app
            .client
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            cache_control(&response).as_deref(),
            Some("no-store"),
            "{path}"
        );
    }
    let created = app
        .client
        .post(app.url("/api/me/tokens"))
        .bearer_auth(&token)
        .json(&json!({ "name": "Laptop" }))
        .send()
        .await
        .unwrap();
    assert_eq!(cache_control(&created).as_deref(), Some("no-store"));
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/konto", "/verwaltung", "/admin/emails"] {
        let response = no_redirects.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            cache_control(&response).as_deref(),
            Some("no-store"),
            "{path}"
        );
    }
    // Public pages for anonymous visitors may be cached.
    let home = app.client.get(app.url("/")).send().await.unwrap();
    assert_ne!(cache_control(&home).as_deref(), Some("no-store"));
}

#[tokio::test]
async fn swagger_ui_gets_a_policy_that_fits_it() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"));
    assert!(response.text().await.unwrap().contains("SwaggerUIBundle"));
}
