//! Stored data is read strictly: the database refuses values no domain type knows,
//! and a row that cannot be read is an error with its table and id, never a default.

use sea_orm::{ConnectionTrait, Statement};

use reqwest::{Method, StatusCode};

use crate::entries::{entrant, idea};
use crate::helpers::{TestApp, berlin};

async fn execute(app: &TestApp, sql: &str) -> Result<u64, sea_orm::DbErr> {
    let db = &app.state.db;
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .map(|done| done.rows_affected())
}

#[tokio::test]
async fn the_database_refuses_values_that_no_domain_enum_knows() {
    let app = TestApp::spawn().await;
    app.move_clock_to(berlin("2020-08-01T10:00")).await;
    let open = app.competition("wir-lieben-gera").await["id"]
        .as_i64()
        .unwrap();
    let anna = entrant(&app, "anna@example.de").await;
    let (status, _, _) = app
        .request(
            Method::POST,
            &format!("/api/competitions/{open}/submissions"),
            Some(idea("Solarbänke")),
            Some(&anna),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    app.deliver().await;
    for (constraint, sql) in [
        (
            "users_role_known",
            "UPDATE users SET role = 'superuser' WHERE id = 1",
        ),
        (
            "competitions_state_known",
            "UPDATE competitions SET state = 'paused' WHERE id = 1",
        ),
        (
            "entries_source_known",
            "UPDATE entries SET source = 'pigeon'",
        ),
        (
            "email_messages_status_known",
            "UPDATE email_messages SET status = 'lost'",
        ),
        (
            "users_role_known",
            "INSERT INTO users (email, display_name, role, created_at, locale) \
             VALUES ('x@example.de', 'X', 'root', '2020-01-01T00:00:00Z', 'de')",
        ),
    ] {
        let refused = execute(&app, sql).await;
        match refused {
            Err(err) => assert!(err.to_string().contains(constraint), "{err}"),
            Ok(rows) => {
                panic!("expected a refusal by {constraint}, got {rows} rows changed: {sql}")
            }
        }
    }
    assert_eq!(
        execute(&app, "UPDATE users SET role = 'juror' WHERE id = 1")
            .await
            .expect("a known value is stored"),
        1
    );
}
