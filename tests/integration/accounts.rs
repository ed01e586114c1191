//! Roles and permissions on every API operation, personal tokens, invitations,
//! data export and account deletion.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Public,
    AnyUser,
    Admin,
    /// Any juror (seated or not: a juror not on the panel is answered "not found").
    Juror,
}

/// Who may call what. Every operation of the OpenAPI document must be listed.
/// (Competition edits and moves are also open to coordinators assigned to the
/// competition; the matrix's coordinator is not assigned, see the test below.)
const MATRIX: &[(&str, &str, Access)] = &[
    ("GET", "/programmes", Access::Public),
    ("POST", "/programmes", Access::Admin),
    ("GET", "/programmes/{id}", Access::Public),
    ("PATCH", "/programmes/{id}", Access::Admin),
    ("GET", "/programmes/{id}/phases", Access::Public),
    ("POST", "/programmes/{id}/phases", Access::Admin),
    ("PATCH", "/phases/{id}", Access::Admin),
    ("GET", "/competitions", Access::Public),
    ("POST", "/competitions", Access::Admin),
    ("GET", "/admin/competitions", Access::Admin),
    ("GET", "/competitions/{id}", Access::Public),
    ("PATCH", "/competitions/{id}", Access::Admin),
    ("POST", "/competitions/{id}/transitions", Access::Admin),
    ("GET", "/competitions/{id}/history", Access::Admin),
    (
        "PUT",
        "/admin/competitions/{id}/coordinators/{user_id}",
        Access::Admin,
    ),
    (
        "DELETE",
        "/admin/competitions/{id}/coordinators/{user_id}",
        Access::Admin,
    ),
    ("POST", "/subscriptions", Access::Public),
    ("GET", "/admin/emails", Access::Admin),
    ("GET", "/admin/emails/{id}", Access::Admin),
    ("POST", "/admin/emails/{id}/retry", Access::Admin),
    ("POST", "/admin/emails/{id}/resend", Access::Admin),
    ("GET", "/me", Access::AnyUser),
    ("DELETE", "/me", Access::AnyUser),
    ("GET", "/me/tokens", Access::AnyUser),
    ("POST", "/me/tokens", Access::AnyUser),
    ("DELETE", "/me/tokens/{id}", Access::AnyUser),
    ("GET", "/me/export", Access::AnyUser),
    ("GET", "/admin/users", Access::Admin),
    ("POST", "/admin/users", Access::Admin),
    ("PATCH", "/admin/users/{id}", Access::Admin),
    ("PUT", "/admin/users/{id}/deactivation", Access::Admin),
    ("DELETE", "/admin/users/{id}/deactivation", Access::Admin),
    ("POST", "/competitions/{id}/entries", Access::AnyUser),
    ("POST", "/competitions/{id}/submissions", Access::AnyUser),
    ("GET", "/competitions/{id}/entries", Access::Admin),
    ("GET", "/me/entries", Access::AnyUser),
    ("GET", "/entries/{id}", Access::AnyUser),
    ("PUT", "/entries/{id}", Access::AnyUser),
    ("GET", "/entries/{id}/history", Access::Admin),
    ("POST", "/entries/{id}/submit", Access::AnyUser),
    ("POST", "/entries/{id}/withdraw", Access::AnyUser),
    ("GET", "/competitions/{id}/entries/export", Access::Admin),
    ("POST", "/entries/{id}/attachments", Access::AnyUser),
    ("POST", "/entries/{id}/coauthors", Access::AnyUser),
    ("GET", "/entries/{id}/coauthors", Access::AnyUser),
    (
        "DELETE",
        "/entries/{id}/coauthors/{coauthor_id}",
        Access::AnyUser,
    ),
    ("POST", "/coauthor-invitations/accept", Access::AnyUser),
    ("GET", "/entries/{id}/attachments", Access::AnyUser),
    (
        "GET",
        "/entries/{id}/attachments/{attachment_id}",
        Access::AnyUser,
    ),
    (
        "DELETE",
        "/entries/{id}/attachments/{attachment_id}",
        Access::AnyUser,
    ),
    (
        "POST",
        "/competitions/{id}/entries/on-behalf",
        Access::Admin,
    ),
    ("GET", "/competitions/{id}/jury", Access::Admin),
    ("PATCH", "/competitions/{id}/jury", Access::Admin),
    ("PUT", "/competitions/{id}/jury/criteria", Access::Admin),
    ("POST", "/competitions/{id}/jury/panel", Access::Admin),
    (
        "PATCH",
        "/competitions/{id}/jury/panel/{user_id}",
        Access::Admin,
    ),
    (
        "DELETE",
        "/competitions/{id}/jury/panel/{user_id}",
        Access::Admin,
    ),
    ("PUT", "/entries/{id}/precheck", Access::Admin),
    (
        "POST",
        "/competitions/{id}/precheck/admit-rest",
        Access::Admin,
    ),
    ("GET", "/competitions/{id}/precheck", Access::Admin),
    ("GET", "/competitions/{id}/jury/conflicts", Access::Admin),
    (
        "POST",
        "/competitions/{id}/jury/conflicts/detect",
        Access::Admin,
    ),
    (
        "PUT",
        "/competitions/{id}/jury/conflicts/{conflict_id}",
        Access::Admin,
    ),
    ("GET", "/competitions/{id}/jury/progress", Access::Admin),
    ("POST", "/competitions/{id}/jury/reminders", Access::Admin),
    ("GET", "/competitions/{id}/jury/ranking", Access::Admin),
    ("GET", "/competitions/{id}/jury/rounds", Access::Admin),
    ("POST", "/competitions/{id}/jury/rounds", Access::Admin),
    (
        "POST",
        "/competitions/{id}/jury/rounds/close",
        Access::Admin,
    ),
    (
        "PUT",
        "/competitions/{id}/jury/rounds/current/{kennzahl}",
        Access::Admin,
    ),
    ("GET", "/competitions/{id}/jury/protokoll", Access::Admin),
    (
        "GET",
        "/competitions/{id}/jury/protokoll.pdf",
        Access::Admin,
    ),
    ("GET", "/competitions/{id}/prizes", Access::Admin),
    ("PUT", "/competitions/{id}/prizes", Access::Admin),
    ("POST", "/competitions/{id}/awards", Access::Admin),
    (
        "POST",
        "/competitions/{id}/awards/{award_id}/withdrawal",
        Access::Admin,
    ),
    ("GET", "/programmes/{id}/budget", Access::Admin),
    ("GET", "/competitions/{id}/announcement", Access::Admin),
    ("PUT", "/competitions/{id}/announcement", Access::Admin),
    ("DELETE", "/competitions/{id}/announcement", Access::Admin),
    ("GET", "/competitions/{id}/results", Access::Public),
    ("GET", "/competitions/{id}/results/export", Access::Admin),
    ("GET", "/entries/{id}/certificate", Access::AnyUser),
    ("GET", "/entries/{id}/payout", Access::AnyUser),
    ("PUT", "/entries/{id}/payout", Access::AnyUser),
    ("PUT", "/entries/{id}/public-name", Access::AnyUser),
    ("GET", "/competitions/{id}/payouts", Access::Admin),
    ("GET", "/competitions/{id}/payouts/export", Access::Admin),
    ("GET", "/competitions/{id}/vote", Access::Public),
    ("PUT", "/competitions/{id}/vote", Access::Admin),
    ("POST", "/competitions/{id}/vote/ballots", Access::Public),
    ("POST", "/vote/confirmations", Access::Public),
    ("GET", "/competitions/{id}/vote/review", Access::Admin),
    (
        "POST",
        "/competitions/{id}/vote/ballots/{ballot_id}/void",
        Access::Admin,
    ),
    ("GET", "/competitions/{id}/vote/result", Access::Admin),
    ("GET", "/programmes/{id}/vote", Access::Public),
    ("PUT", "/programmes/{id}/vote", Access::Admin),
    ("POST", "/programmes/{id}/vote/ballots", Access::Public),
    ("GET", "/programmes/{id}/vote/review", Access::Admin),
    (
        "POST",
        "/programmes/{id}/vote/ballots/{ballot_id}/void",
        Access::Admin,
    ),
    ("GET", "/programmes/{id}/vote/result", Access::Admin),
    ("GET", "/programmes/{id}/overall", Access::Admin),
    ("PUT", "/programmes/{id}/overall/places", Access::Admin),
    ("POST", "/programmes/{id}/overall/awards", Access::Admin),
    (
        "POST",
        "/programmes/{id}/overall/awards/{award_id}/withdrawal",
        Access::Admin,
    ),
    ("GET", "/programmes/{id}/overall/results", Access::Public),
    ("GET", "/jury/competitions/{id}/ranking", Access::Juror),
    ("POST", "/jury/competitions/{id}/rounds", Access::Juror),
    (
        "POST",
        "/jury/competitions/{id}/rounds/close",
        Access::Juror,
    ),
    (
        "PUT",
        "/jury/competitions/{id}/rounds/current/{kennzahl}",
        Access::Juror,
    ),
    ("POST", "/jury/competitions/{id}/decision", Access::Juror),
    ("GET", "/jury/panels", Access::Juror),
    ("POST", "/jury/competitions/{id}/answer", Access::Juror),
    ("GET", "/jury/competitions/{id}/entries", Access::Juror),
    (
        "GET",
        "/jury/competitions/{id}/entries/{kennzahl}",
        Access::Juror,
    ),
    (
        "PUT",
        "/jury/competitions/{id}/entries/{kennzahl}/sheet",
        Access::Juror,
    ),
    (
        "POST",
        "/jury/competitions/{id}/entries/{kennzahl}/conflict",
        Access::Juror,
    ),
    (
        "GET",
        "/jury/competitions/{id}/entries/{kennzahl}/attachments/{number}",
        Access::Juror,
    ),
];

/// Creates an account with `role` and returns an API token for it.
pub(crate) async fn token_for(app: &TestApp, role: &str) -> String {
    let (status, account) = app
        .admin_post(
            "/api/admin/users",
            json!({ "email": format!("{role}@example.de"), "display_name": role, "role": "juror" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    let id = account["id"].as_i64().unwrap();
    let (status, _) = app
        .admin_patch(&format!("/api/admin/users/{id}"), json!({ "role": role }))
        .await;
    assert_eq!(status, StatusCode::OK);
    ideenwettbewerb::services::identity::api_tokens::create_token(
        &app.state.db,
        id,
        app.state.now(),
        "test",
    )
    .await
    .unwrap()
    .1
}

#[tokio::test]
async fn every_operation_checks_every_role() {
    let app = TestApp::spawn().await;
    // Entry 1 exists (someone else's, in a competition nobody here coordinates), so
    // operations on an entry reach their permission check.
    app.open_with_draft().await;
    let (_, spec) = app.get("/api/openapi.json").await;
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    for (method, path) in &documented {
        assert!(
            MATRIX.iter().any(|(m, p, _)| m == method && p == path),
            "{method} {path} is not in the permission matrix"
        );
    }
    assert_eq!(documented.len(), MATRIX.len());

    let mut callers: Vec<(&str, Option<String>)> =
        vec![("nobody", None), ("admin", app.token.clone())];
    for role in ["coordinator", "juror", "entrant"] {
        callers.push((role, Some(token_for(&app, role).await)));
    }
    for (method, path, access) in MATRIX {
        // Delete-my-account would end the caller; it gets its own test.
        if *method == "DELETE" && *path == "/me" {
            continue;
        }
        // Token 1 is the administrator's own: revoking it would lock the caller out.
        let id = if path.starts_with("/me/tokens") {
            "999999"
        } else {
            "1"
        };
        let url = format!(
            "/api{}",
            path.replace("{id}", id)
                .replace("{user_id}", "999")
                .replace("{attachment_id}", "1")
                .replace("{coauthor_id}", "1")
                .replace("{conflict_id}", "1")
                .replace("{award_id}", "1")
                .replace("{ballot_id}", "1")
                .replace("{kennzahl}", "123456")
                .replace("{number}", "1")
        );
        for (who, token) in &callers {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            // Valid bodies where the permission depends on the resource, so that
            // the check is reached; `{}` elsewhere (authentication comes first).
            let body = match (method.as_str(), *path) {
                ("PATCH", "/competitions/{id}") => Some(json!({ "aim": "Neues Ziel" })),
                ("POST", "/competitions/{id}/transitions") => {
                    Some(json!({ "event": "cancel", "reason": "Prüfung der Rechte" }))
                }
                ("POST", "/competitions/{id}/entries/on-behalf") => Some(json!({
                    "email": "oma@example.de", "name": "Oma", "source": "paper",
                    "entry": { "title": "t", "summary": "s" }
                })),
                ("PUT", "/competitions/{id}/jury/criteria") => Some(json!([])),
                ("PUT", "/entries/{id}/precheck") => Some(json!({ "admitted": true })),
                ("PUT", "/competitions/{id}/prizes") => Some(json!({ "prizes": [] })),
                ("PUT", "/programmes/{id}/overall/places") => Some(json!({ "places": [] })),
                ("POST", "/programmes/{id}/overall/awards") => {
                    Some(json!({ "place_id": 1, "entry_id": 1 }))
                }
                ("POST", "/programmes/{id}/overall/awards/{award_id}/withdrawal") => {
                    Some(json!({ "reason": "Prüfung der Rechte" }))
                }
                ("PUT", "/competitions/{id}/vote") => Some(json!({
                    "mode": "single", "opens_at": "2030-01-01T10:00:00Z", "closes_at": "2030-01-02T10:00:00Z"
                })),
                ("PUT", "/programmes/{id}/vote") => Some(json!({
                    "mode": "single", "opens_at": "2030-01-01T10:00:00Z",
                    "closes_at": "2030-01-02T10:00:00Z", "entry_ids": []
                })),
                ("POST", "/competitions/{id}/vote/ballots/{ballot_id}/void")
                | ("POST", "/programmes/{id}/vote/ballots/{ballot_id}/void") => {
                    Some(json!({ "reason": "Prüfung der Rechte" }))
                }
                ("PUT", "/competitions/{id}/announcement") => {
                    Some(json!({ "scheduled_for": "2030-01-01T10:00:00Z" }))
                }
                ("POST", "/competitions/{id}/awards") => {
                    Some(json!({ "prize_id": 1, "entry_id": 1 }))
                }
                ("POST", "/competitions/{id}/awards/{award_id}/withdrawal") => {
                    Some(json!({ "reason": "Prüfung der Rechte" }))
                }
                ("PUT", "/competitions/{id}/jury/conflicts/{conflict_id}") => {
                    Some(json!({ "confirmed": false, "reason": "Prüfung der Rechte" }))
                }
                ("PUT", "/jury/competitions/{id}/entries/{kennzahl}/sheet") => {
                    Some(json!({ "marks": [], "submit": false }))
                }
                ("POST", "/jury/competitions/{id}/entries/{kennzahl}/conflict") => {
                    Some(json!({ "reason": "Prüfung" }))
                }
                ("POST", "/jury/competitions/{id}/answer") => Some(json!({ "accept": true })),
                ("PUT", p) if p.ends_with("/rounds/current/{kennzahl}") => {
                    Some(json!({ "outcome": "on" }))
                }
                ("POST", "/competitions/{id}/jury/panel") => {
                    Some(json!({ "user_id": 999, "role": "member" }))
                }
                ("PATCH", "/competitions/{id}/jury/panel/{user_id}") => {
                    Some(json!({ "role": "member" }))
                }
                ("POST" | "PATCH", _)
                | ("PUT", "/entries/{id}/payout")
                | ("PUT", "/entries/{id}/public-name") => Some(json!({})),
                _ => None,
            };
            let (status, _, _) = app
                .request(method.clone(), &url, body, token.as_deref())
                .await;
            let allowed = match access {
                Access::Public => true,
                Access::AnyUser => token.is_some(),
                Access::Admin => *who == "admin",
                Access::Juror => *who == "juror",
            };
            let denied = status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN;
            assert_eq!(!denied, allowed, "{who}: {method} {url} answered {status}");
        }
    }
}

#[tokio::test]
async fn personal_tokens_are_shown_once_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let juror = token_for(&app, "juror").await;
    let (status, me, _) = app
        .request(Method::GET, "/api/me", None, Some(&juror))
        .await;
    assert_eq!(
        (status, me["role"].as_str()),
        (StatusCode::OK, Some("juror"))
    );

    let (status, created, _) = app
        .request(
            Method::POST,
            "/api/me/tokens",
            Some(json!({ "name": "Skript" })),
            Some(&juror),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let value = created["value"].as_str().unwrap().to_owned();
    assert!(value.starts_with("iw_"));
    let (_, list, _) = app
        .request(Method::GET, "/api/me/tokens", None, Some(&value))
        .await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("value").is_none()),
        "never shown again"
    );

    // Someone else's token is not even found.
    let admin_tokens = ideenwettbewerb::services::identity::api_tokens::tokens(&app.state.db, 1)
        .await
        .unwrap();
    let (status, _, _) = app
        .request(
            Method::DELETE,
            &format!("/api/me/tokens/{}", admin_tokens[0].id),
            None,
            Some(&value),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let id = created["token"]["id"].as_i64().unwrap();
    let (status, _, _) = app
        .request(
            Method::DELETE,
            &format!("/api/me/tokens/{id}"),
            None,
            Some(&juror),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = app
        .request(Method::GET, "/api/me", None, Some(&value))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked");
}

#[tokio::test]
async fn administrators_invite_staff_by_email_and_keep_one_administrator() {
    let app = TestApp::spawn().await;
    let (status, invited) = app
        .admin_post(
            "/api/admin/users",
            json!({ "email": "Jury@Gera.de", "display_name": "Frau Jury", "role": "juror" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(invited["email"], "jury@gera.de");
    app.deliver().await;
    let (_, sent) = app
        .admin_get("/api/admin/emails?recipient=jury@gera.de")
        .await;
    assert_eq!(sent[0]["template"], "staff_invitation");

    let cases: [(Value, StatusCode); 3] = [
        (
            json!({ "email": "jury@gera.de", "display_name": "x", "role": "juror" }),
            StatusCode::CONFLICT,
        ),
        (
            json!({ "email": "x@gera.de", "display_name": "x", "role": "emperor" }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "email": "x@gera.de\nBcc: y@z.de", "display_name": "x", "role": "juror" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (body, expected) in cases {
        let (status, problem) = app.admin_post("/api/admin/users", body.clone()).await;
        assert_eq!(status, expected, "{body}: {problem}");
    }
    let (status, problem) = app
        .admin_patch("/api/admin/users/1", json!({ "role": "juror" }))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the last administrator stays: {problem}"
    );
    let (_, history) = app.admin_get("/api/admin/users").await;
    assert_eq!(history.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn people_export_their_data_and_delete_their_account() {
    let app = TestApp::spawn().await;
    let entrant = token_for(&app, "entrant").await;
    let (status, _) = app
        .request_json(
            "/api/subscriptions",
            json!({ "email": "entrant@example.de", "programme_id": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);

    let (status, export, _) = app
        .request(Method::GET, "/api/me/export", None, Some(&entrant))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(export["account"]["email"], "entrant@example.de");
    assert_eq!(export["subscriptions"].as_array().unwrap().len(), 1);
    assert_eq!(export["api_tokens"].as_array().unwrap().len(), 1);

    let (status, _, _) = app
        .request(Method::DELETE, "/api/me", None, Some(&entrant))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = app
        .request(Method::GET, "/api/me", None, Some(&entrant))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "its tokens end with it");
    let (_, accounts) = app.admin_get("/api/admin/users").await;
    let emails: Vec<_> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        !emails.contains(&"entrant@example.de".to_owned()),
        "{emails:?}"
    );
    assert_eq!(
        app.count("subscriptions WHERE email = 'entrant@example.de'")
            .await,
        0
    );

    let admin = app.token.clone().unwrap();
    let (status, problem, _) = app
        .request(Method::DELETE, "/api/me", None, Some(&admin))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the last administrator stays: {problem}"
    );
}

#[tokio::test]
async fn coordinators_manage_only_the_competitions_assigned_to_them() {
    let app = TestApp::spawn().await;
    let coordinator = token_for(&app, "coordinator").await;
    let (_, users) = app.admin_get("/api/admin/users").await;
    let coordinator_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["role"] == "coordinator")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let mine = app.competition("senioren-unabhaengigkeit").await["id"]
        .as_i64()
        .unwrap();
    let other = app.competition("vereine-verbandsarbeit").await["id"]
        .as_i64()
        .unwrap();

    let (status, _, _) = app
        .request(
            Method::PUT,
            &format!("/api/admin/competitions/{mine}/coordinators/{coordinator_id}"),
            None,
            app.token.as_deref(),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = app
        .request(
            Method::PUT,
            &format!("/api/admin/competitions/{mine}/coordinators/{coordinator_id}"),
            None,
            app.token.as_deref(),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "assigned already");
    let (status, _, _) = app
        .request(
            Method::PUT,
            &format!("/api/admin/competitions/{mine}/coordinators/1"),
            None,
            app.token.as_deref(),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only coordinators are assigned"
    );

    let edit = json!({ "aim": "Ein Pilotprojekt für ein selbstbestimmtes Leben im Alter." });
    let (status, _, _) = app
        .request(
            Method::PATCH,
            &format!("/api/competitions/{mine}"),
            Some(edit.clone()),
            Some(&coordinator),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem, _) = app
        .request(
            Method::PATCH,
            &format!("/api/competitions/{other}"),
            Some(edit.clone()),
            Some(&coordinator),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("not assigned"));
    let cancel = json!({ "event": "cancel", "reason": "Zusammengelegt" });
    let (status, _, _) = app
        .request(
            Method::POST,
            &format!("/api/competitions/{mine}/transitions"),
            Some(cancel),
            Some(&coordinator),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, history, _) = app
        .request(
            Method::GET,
            &format!("/api/competitions/{mine}/history"),
            None,
            Some(&coordinator),
        )
        .await;
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == format!("user:{coordinator_id}"))
    );
    let (status, _, _) = app
        .request(
            Method::POST,
            "/api/competitions",
            Some(json!({})),
            Some(&coordinator),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "creating competitions stays with administrators"
    );

    let (status, _, _) = app
        .request(
            Method::DELETE,
            &format!("/api/admin/competitions/{mine}/coordinators/{coordinator_id}"),
            None,
            app.token.as_deref(),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = app
        .request(
            Method::PATCH,
            &format!("/api/competitions/{mine}"),
            Some(edit),
            Some(&coordinator),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no longer assigned");
}
