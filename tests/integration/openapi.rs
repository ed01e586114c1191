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
