//! The database refuses values that no domain enum knows: roles, competition
//! states, entry states and sources, email states.
//!
//! PostgreSQL gets CHECK constraints. SQLite cannot add a constraint to an existing
//! table without rebuilding it, so there a pair of triggers per column (insert and
//! update) aborts the statement instead; the effect is the same.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Table, column and the values it may hold. Keep in step with the domain enums
/// (`Role`, `CompetitionState`, `EntryStatus`, `EntrySource`, `EmailStatus`).
const KNOWN: &[(&str, &str, &[&str])] = &[
    (
        "users",
        "role",
        &["admin", "coordinator", "juror", "entrant"],
    ),
    (
        "competitions",
        "state",
        &[
            "draft",
            "scheduled",
            "open",
            "closed",
            "in_review",
            "decided",
            "announced",
            "archived",
            "cancelled",
        ],
    ),
    ("entries", "status", &["draft", "submitted", "withdrawn"]),
    (
        "entries",
        "source",
        &["online", "email", "paper", "walk_in"],
    ),
    (
        "email_messages",
        "status",
        &["pending", "sending", "sent", "failed"],
    ),
];

fn list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, column, values) in KNOWN {
            let values = list(values);
            let name = format!("{table}_{column}_known");
            match db.get_database_backend() {
                DbBackend::Sqlite => {
                    for (when, event) in [
                        ("insert", "INSERT".to_owned()),
                        ("update", format!("UPDATE OF {column}")),
                    ] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {name}_{when} BEFORE {event} ON {table} \
                             WHEN NEW.{column} NOT IN ({values}) \
                             BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name} ({table}.{column} must be one of {})'); END",
                            values.replace('\'', "")
                        ))
                        .await?;
                    }
                }
                _ => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({values}))"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, column, _) in KNOWN {
            let name = format!("{table}_{column}_known");
            match db.get_database_backend() {
                DbBackend::Sqlite => {
                    for when in ["insert", "update"] {
                        db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}_{when}"))
                            .await?;
                    }
                }
                _ => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }
}
