//! The OpenAPI document is part of the interface: a change shows up in review.

use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_openapi_document_matches_the_snapshot() {
    let app = TestApp::builder().without_seed().spawn().await;
    let (status, spec) = app.get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(spec["openapi"], "3.0.0");
    let pretty = serde_json::to_string_pretty(&spec).unwrap();
    insta::assert_snapshot!("openapi", pretty);

    let (status, docs) = app.page("/api/docs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(docs.contains("swagger"));
}

/// Real answers, held to the document: every field it lists, no field it does
/// not, `null` only where it says nullable.
#[tokio::test]
async fn real_answers_match_the_document() {
    use ideenwettbewerb::http::api::contract::Contract;
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let (_, spec) = app.get("/api/openapi.json").await;
    let contract = Contract::from_spec(&spec.to_string());
    let draft = app.open_with_draft().await;
    let (_, token, _) = app
        .request(
            Method::POST,
            "/api/me/tokens",
            Some(serde_json::json!({ "name": "Laptop" })),
            Some(&draft.token),
        )
        .await;
    let token_id = token["id"].as_i64().unwrap_or_default();
    app.request(
        Method::DELETE,
        &format!("/api/me/tokens/{token_id}"),
        None,
        Some(&draft.token),
    )
    .await;
    let admin = app.token.clone().unwrap();
    let id = draft.competition_id;
    let entry = draft.entry_id;
    let calls: Vec<(Method, String, &str)> = vec![
        (Method::GET, "/api/programmes".into(), "admin"),
        (Method::GET, "/api/programmes/1/phases".into(), "admin"),
        (Method::GET, "/api/competitions".into(), "none"),
        (Method::GET, format!("/api/competitions/{id}"), "none"),
        (Method::GET, "/api/admin/competitions".into(), "admin"),
        (Method::GET, "/api/admin/users".into(), "admin"),
        (Method::GET, "/api/admin/emails".into(), "admin"),
        (Method::GET, "/api/admin/emails/1".into(), "admin"),
        (Method::GET, "/api/me".into(), "entrant"),
        (Method::GET, "/api/me/tokens".into(), "entrant"),
        (Method::GET, "/api/me/entries".into(), "entrant"),
        (Method::GET, format!("/api/entries/{entry}"), "entrant"),
        (
            Method::GET,
            format!("/api/competitions/{id}/entries"),
            "admin",
        ),
        (Method::GET, "/api/competitions/999".into(), "none"),
        (Method::GET, "/api/me".into(), "none"),
    ];
    let mut problems = Vec::new();
    for (method, path, who) in calls {
        let token = match who {
            "admin" => Some(admin.as_str()),
            "entrant" => Some(draft.token.as_str()),
            _ => None,
        };
        let (status, body, _) = app.request(method.clone(), &path, None, token).await;
        for problem in contract.answer_problems(&method, &path, status.as_u16(), &body) {
            problems.push(format!("{method} {path} ({status}): {problem}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
