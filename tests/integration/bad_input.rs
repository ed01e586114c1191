//! Every kind of bad request gets a problem JSON that says what to fix, and the
//! database is unchanged.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

struct Case {
    name: &'static str,
    method: Method,
    path: &'static str,
    body: Body,
    token: Token,
    status: StatusCode,
    detail_mentions: &'static str,
}

enum Body {
    None,
    Json(Value),
    Raw(&'static str),
}

enum Token {
    Admin,
    Missing,
    Forged,
}

fn competition(overrides: Value) -> Value {
    let mut body = json!({
        "phase_id": 1,
        "slug": "neu",
        "target_group": "Alle",
        "headline": "Neu",
        "opens_at": "2020-06-01T00:00:00+02:00",
        "closes_at": "2020-07-01T00:00:00+02:00",
        "prize_money_cents": 0
    });
    for (key, value) in overrides.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

fn cases() -> Vec<Case> {
    use Body::*;
    use Token::*;
    let post = Method::POST;
    let patch = Method::PATCH;
    vec![
        Case {
            name: "malformed JSON",
            method: post.clone(),
            path: "/api/competitions",
            body: Raw("{\"slug\": "),
            token: Admin,
            status: StatusCode::BAD_REQUEST,
            detail_mentions: "parse",
        },
        Case {
            name: "unknown field",
            method: post.clone(),
            path: "/api/competitions",
            body: Json(competition(json!({ "colour": "red" }))),
            token: Admin,
            status: StatusCode::BAD_REQUEST,
            detail_mentions: "colour",
        },
        Case {
            name: "closes before opens",
            method: post.clone(),
            path: "/api/competitions",
            body: Json(competition(
                json!({ "closes_at": "2020-05-01T00:00:00+02:00" }),
            )),
            token: Admin,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail_mentions: "after opens_at",
        },
        Case {
            name: "negative prize",
            method: post.clone(),
            path: "/api/competitions",
            body: Json(competition(json!({ "prize_money_cents": -1 }))),
            token: Admin,
            status: StatusCode::BAD_REQUEST,
            detail_mentions: "prize_money_cents",
        },
        Case {
            name: "absurd prize",
            method: post.clone(),
            path: "/api/competitions",
            body: Json(competition(
                json!({ "prize_money_cents": 10_000_000_001_i64 }),
            )),
            token: Admin,
            status: StatusCode::BAD_REQUEST,
            detail_mentions: "prize_money_cents",
        },
        Case {
            name: "prize beyond the budget",
            method: post.clone(),
            path: "/api/competitions",
            body: Json(competition(json!({ "prize_money_cents": 100 }))),
            token: Admin,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail_mentions: "budget",
        },
        Case {
            name: "over-long headline",
            method: post.clone(),
            path: "/api/competitions",
            body: Json(competition(json!({ "headline": "x".repeat(201) }))),
            token: Admin,
            status: StatusCode::BAD_REQUEST,
            detail_mentions: "headline",
        },
        Case {
            name: "slug with spaces",
            method: post.clone(),
            path: "/api/competitions",
            body: Json(competition(json!({ "slug": "Neu Wettbewerb" }))),
            token: Admin,
            status: StatusCode::BAD_REQUEST,
            detail_mentions: "slug",
        },
        Case {
            name: "duplicate slug",
            method: post.clone(),
            path: "/api/competitions",
            body: Json(competition(json!({ "slug": "wir-lieben-gera" }))),
            token: Admin,
            status: StatusCode::CONFLICT,
            detail_mentions: "slug",
        },
        Case {
            name: "unknown phase",
            method: post.clone(),
            path: "/api/competitions",
            body: Json(competition(json!({ "phase_id": 999 }))),
            token: Admin,
            status: StatusCode::NOT_FOUND,
            detail_mentions: "phase 999",
        },
        Case {
            name: "date without offset",
            method: post.clone(),
            path: "/api/competitions",
            body: Json(competition(json!({ "opens_at": "01.06.2020" }))),
            token: Admin,
            status: StatusCode::BAD_REQUEST,
            detail_mentions: "date-time",
        },
        Case {
            name: "unknown competition",
            method: patch.clone(),
            path: "/api/competitions/999",
            body: Json(json!({ "headline": "x" })),
            token: Admin,
            status: StatusCode::NOT_FOUND,
            detail_mentions: "competition 999",
        },
        Case {
            name: "id that is no number",
            method: Method::GET,
            path: "/api/competitions/abc",
            body: None,
            token: Admin,
            status: StatusCode::BAD_REQUEST,
            detail_mentions: "id",
        },
        Case {
            name: "missing token",
            method: post.clone(),
            path: "/api/competitions",
            body: Json(competition(json!({}))),
            token: Missing,
            status: StatusCode::UNAUTHORIZED,
            detail_mentions: "Bearer",
        },
        Case {
            name: "forged token",
            method: post.clone(),
            path: "/api/competitions",
            body: Json(competition(json!({}))),
            token: Forged,
            status: StatusCode::UNAUTHORIZED,
            detail_mentions: "Bearer",
        },
        Case {
            name: "forged token on a transition",
            method: post.clone(),
            path: "/api/competitions/1/transitions",
            body: Json(json!({ "event": "cancel", "reason": "x" })),
            token: Forged,
            status: StatusCode::UNAUTHORIZED,
            detail_mentions: "Bearer",
        },
        Case {
            name: "unknown event",
            method: post.clone(),
            path: "/api/competitions/1/transitions",
            body: Json(json!({ "event": "explode" })),
            token: Admin,
            status: StatusCode::BAD_REQUEST,
            detail_mentions: "Event",
        },
        Case {
            name: "budget below promised prizes",
            method: patch.clone(),
            path: "/api/programmes/1",
            body: Json(json!({ "budget_cents": 100 })),
            token: Admin,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail_mentions: "budget",
        },
        Case {
            name: "negative budget",
            method: patch.clone(),
            path: "/api/programmes/1",
            body: Json(json!({ "budget_cents": -5 })),
            token: Admin,
            status: StatusCode::BAD_REQUEST,
            detail_mentions: "budget_cents",
        },
        Case {
            name: "empty programme name",
            method: post.clone(),
            path: "/api/programmes",
            body: Json(json!({ "slug": "x", "name": "", "budget_cents": 0 })),
            token: Admin,
            status: StatusCode::BAD_REQUEST,
            detail_mentions: "name",
        },
        Case {
            name: "duplicate phase number",
            method: post.clone(),
            path: "/api/programmes/1/phases",
            body: Json(json!({ "number": 2, "name": "Noch eine" })),
            token: Admin,
            status: StatusCode::CONFLICT,
            detail_mentions: "number",
        },
        Case {
            name: "unknown API path",
            method: Method::GET,
            path: "/api/nothing-here",
            body: None,
            token: Missing,
            status: StatusCode::NOT_FOUND,
            detail_mentions: "/api/docs",
        },
        Case {
            name: "opening before the window without force",
            method: post.clone(),
            path: "/api/competitions/1/transitions",
            body: Json(json!({ "event": "open" })),
            token: Admin,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail_mentions: "force",
        },
        Case {
            name: "body over 1 MiB",
            method: post,
            path: "/api/programmes",
            body: Json(
                json!({ "slug": "big", "name": "big", "budget_cents": 0, "description": "x".repeat(1_100_000) }),
            ),
            token: Admin,
            status: StatusCode::PAYLOAD_TOO_LARGE,
            detail_mentions: "1 MiB",
        },
    ]
}

#[tokio::test]
async fn bad_requests_get_problem_json_and_change_nothing() {
    let app = TestApp::spawn().await;
    let before = app.snapshot_counts().await;
    let (_, competitions_before) = app.admin_get("/api/admin/competitions").await;
    let admin = app.token.clone().unwrap();
    for case in cases() {
        let mut request = app.client.request(case.method, app.url(case.path));
        request = match case.token {
            Token::Admin => request.bearer_auth(&admin),
            Token::Missing => request,
            Token::Forged => request
                .bearer_auth("iw_0000000000000000000000000000000000000000000000000000000000000000"),
        };
        request = match case.body {
            Body::None => request,
            Body::Json(body) => request.json(&body),
            Body::Raw(text) => request
                .header("content-type", "application/json")
                .body(text),
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let problem: Value = response
            .json()
            .await
            .unwrap_or_else(|_| panic!("{}: body is not JSON", case.name));
        assert_eq!(status, case.status, "{}: {problem}", case.name);
        assert_eq!(content_type, "application/problem+json", "{}", case.name);
        assert_eq!(problem["status"], status.as_u16(), "{}", case.name);
        assert!(
            problem["type"]
                .as_str()
                .unwrap()
                .starts_with("urn:ideenwettbewerb:problem:"),
            "{}",
            case.name
        );
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(case.detail_mentions),
            "{}: detail `{detail}` should mention `{}`",
            case.name,
            case.detail_mentions
        );
    }
    assert_eq!(
        app.snapshot_counts().await,
        before,
        "a refused request wrote something"
    );
    let (_, competitions_after) = app.admin_get("/api/admin/competitions").await;
    assert_eq!(competitions_after, competitions_before);
}

#[tokio::test]
async fn the_api_holds_requests_to_its_document() {
    let app = TestApp::spawn().await;
    let draft = app.open_with_draft().await;
    let path = format!("/api/competitions/{}/entries", draft.competition_id);
    let before = app.snapshot_counts().await;
    let post = |body: Value| {
        let (app, path, token) = (&app, path.clone(), draft.token.clone());
        async move {
            app.request(Method::POST, &path, Some(body), Some(&token))
                .await
        }
    };
    for (body, mentions) in [
        (
            json!({ "title": 123, "summary": "s" }),
            "`title` must be text",
        ),
        (
            json!({ "title": "t", "summary": "s", "details": { "postcode": 7545 } }),
            "`details.postcode` must be text",
        ),
        (
            json!({ "title": "t", "summary": "s", "goals": [1] }),
            "`goals[0]` must be text",
        ),
        (
            json!({ "title": "t", "summary": "s", "guardian_consent": "yes" }),
            "`guardian_consent` must be true or false",
        ),
        (json!({ "summary": "s" }), "`title` is required"),
        (
            json!({ "title": null, "summary": "s" }),
            "`title` is required",
        ),
        (Value::Null, "not null"),
        (json!([1, 2]), "must be an object"),
    ] {
        let (status, problem, _) = post(body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(mentions), "{body}: {detail}");
        assert_eq!(problem["type"], "urn:ideenwettbewerb:problem:bad-request");
    }
    assert_eq!(app.snapshot_counts().await, before, "nothing was stored");

    // A path that does not take the method says which ones it takes.
    let response = app
        .client
        .delete(app.url("/api/competitions"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = response.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let response = app
        .client
        .put(app.url(&format!("/api/entries/{}/submit", draft.entry_id)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test]
async fn a_path_parameter_that_is_no_number_is_named_as_in_the_path() {
    let app = TestApp::spawn().await;
    let draft = app.open_with_draft().await;
    let (status, problem, _) = app
        .request(
            Method::GET,
            &format!("/api/entries/{}/attachments/abc", draft.entry_id),
            None,
            Some(&draft.token),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("attachment_id") && !detail.contains("param"),
        "{detail}"
    );
}
