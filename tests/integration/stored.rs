//! Stored data is read strictly: the database refuses values no domain type knows,
//! and a row that cannot be read is an error with its table and id, never a default.

use sea_orm::{ConnectionTrait, Statement};

use reqwest::{Method, StatusCode};

use crate::helpers::{OpenDraft, TestApp, logs};

async fn execute(app: &TestApp, sql: &str) -> Result<u64, sea_orm::DbErr> {
    let db = &app.state.db;
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .map(|done| done.rows_affected())
}

#[tokio::test]
async fn the_database_refuses_values_that_no_domain_enum_knows() {
    let app = TestApp::spawn().await;
    let OpenDraft {
        entry_id, token, ..
    } = app.open_with_draft().await;
    let (status, _, _) = app
        .request(
            Method::POST,
            &format!("/api/entries/{entry_id}/submit"),
            None,
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
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

#[tokio::test]
async fn a_corrupt_row_is_a_500_with_its_table_and_id_in_the_log_never_a_default() {
    logs::capture();
    let app = TestApp::spawn().await;
    let OpenDraft {
        competition_id: open,
        entry_id: id,
        token: anna,
    } = app.open_with_draft().await;
    execute(
        &app,
        &format!("UPDATE entries SET goals = 'not json' WHERE id = {id}"),
    )
    .await
    .unwrap();

    let (status, problem, _) = app
        .request(
            Method::GET,
            &format!("/api/entries/{id}"),
            None,
            Some(&anna),
        )
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{problem}");
    assert!(
        !problem.to_string().contains("not json"),
        "the cause is logged, not shown: {problem}"
    );
    let (status, _) = app
        .admin_get(&format!("/api/competitions/{open}/entries"))
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "the staff list");
    let cause = format!("entries {id}: the column goals cannot be read");
    assert!(
        logs::text().contains(&cause),
        "expected `{cause}` in the log"
    );

    // Money: a negative budget is not shown as 0 €.
    execute(&app, "UPDATE programmes SET budget_cents = -5 WHERE id = 1")
        .await
        .unwrap();
    app.state.catalogue.invalidate();
    let (status, _) = app.page("/").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "the home page");
    assert!(logs::text().contains("programmes 1: the column budget_cents cannot be read"));
}

#[tokio::test]
async fn an_outbox_event_that_cannot_be_read_waits_for_an_administrator() {
    logs::capture();
    let smtp = ideenwettbewerb::mail::sink::SmtpSink::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let app = TestApp::builder().smtp(smtp.addr()).spawn().await;
    let db = &app.state.db;
    execute(
        &app,
        "INSERT INTO outbox_events (occurred_at, event_type, aggregate_type, aggregate_id, payload) \
         VALUES ('2020-05-01T10:00:00Z', 'competition.opened', 'competition', 1, '{\"broken\": true}')",
    )
    .await
    .unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT MAX(id) AS id FROM outbox_events",
        ))
        .await
        .unwrap()
        .unwrap();
    let id: i64 = row.try_get("", "id").unwrap();
    app.deliver().await;
    app.deliver().await;
    assert_eq!(
        app.count(&format!(
            "outbox_events WHERE id = {id} AND processed_at IS NULL AND last_error IS NOT NULL"
        ))
        .await,
        1,
        "kept, marked, not dropped"
    );
    assert!(
        logs::text().contains(&format!("id={id}")),
        "logged with its id"
    );

    let mut admin = crate::credentials::signed_in_browser(&app, &smtp, "admin@localhost").await;
    let page = admin.get("/admin/emails").await.body;
    assert!(
        page.contains("Ereignisse, die nicht gelesen werden konnten"),
        "{page}"
    );
    assert!(page.contains("competition.opened"));
}

/// The query plan of `sql`, as text, with sequential scans discouraged on
/// PostgreSQL (its planner scans small tables whole otherwise).
async fn plan(app: &TestApp, sql: &str) -> String {
    use sea_orm::TransactionTrait;
    let db = &app.state.db;
    let backend = db.get_database_backend();
    // One transaction, so the setting and the EXPLAIN share a connection.
    let txn = db.begin().await.unwrap();
    let explain = match backend {
        sea_orm::DbBackend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
        _ => {
            txn.execute_raw(Statement::from_string(
                backend,
                "SET LOCAL enable_seqscan = off",
            ))
            .await
            .unwrap();
            format!("EXPLAIN {sql}")
        }
    };
    let rows = txn
        .query_all_raw(Statement::from_string(backend, explain))
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    rows.iter()
        .map(|row| {
            row.try_get::<String>("", "detail")
                .or_else(|_| row.try_get::<String>("", "QUERY PLAN"))
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn lookups_by_entry_use_their_indexes() {
    let app = TestApp::builder().without_seed().spawn().await;
    for (index, sql) in [
        (
            "ix_entry_versions_entry",
            "SELECT * FROM entry_versions WHERE entry_id = 1 ORDER BY version",
        ),
        (
            "uq_entry_authors_entry",
            "SELECT * FROM entry_authors WHERE entry_id = 1",
        ),
        // The dashboard's and the list's counts come from an index.
        (
            "ix_entries_competition",
            "SELECT COUNT(*) FROM entries WHERE competition_id = 1 AND status = 'submitted'",
        ),
        // A page of the staff list is read by keyset from an index, filtered or not.
        (
            "ix_entries_competition_status_id",
            "SELECT id FROM entries WHERE competition_id = 1 AND status = 'submitted' \
             AND id > 100 ORDER BY id LIMIT 51",
        ),
        (
            "ix_entries_competition",
            "SELECT id FROM entries WHERE competition_id = 1 AND source = 'paper' \
             AND id < 100 ORDER BY id DESC LIMIT 51",
        ),
        (
            "ix_entry_attachments_entry",
            "SELECT COUNT(*) FROM entry_attachments WHERE entry_id = 1",
        ),
        (
            "ix_sign_in_tokens_email",
            "SELECT * FROM sign_in_tokens WHERE email = 'a@example.de' AND created_at > '2020-01-01'",
        ),
    ] {
        let plan = plan(&app, sql).await;
        assert!(plan.contains(index), "{sql}: expected {index} in\n{plan}");
    }
    // A search reads the full-text index, not the entries.
    let (sql, index) = match app.state.db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => (
            "SELECT rowid FROM entry_search WHERE entry_search MATCH '\"elster\"*'",
            "VIRTUAL TABLE INDEX",
        ),
        _ => (
            "SELECT entry_id FROM entry_search WHERE document @@ to_tsquery('german', 'elster:*')",
            "ix_entry_search_document",
        ),
    };
    let plan = plan(&app, sql).await;
    assert!(plan.contains(index), "{sql}: expected {index} in\n{plan}");
}
