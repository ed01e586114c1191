//! The announcement of a competition's results: when staff scheduled it (the
//! embargo), the jury's statement shown with the results, whether the other
//! entrants' thank-you emails carry their own anonymous jury feedback, and
//! when it happened (set once, in the transaction that moves the competition
//! to `announced`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn statements(backend: DbBackend) -> Vec<String> {
    let ts = match backend {
        DbBackend::Postgres => "TIMESTAMPTZ",
        _ => "timestamp_with_timezone_text",
    };
    vec![
        format!(
            "CREATE TABLE announcements (\
               competition_id BIGINT PRIMARY KEY REFERENCES competitions (id) ON DELETE CASCADE, \
               scheduled_for {ts} NOT NULL, \
               statement TEXT NOT NULL DEFAULT '', \
               with_feedback BOOLEAN NOT NULL DEFAULT FALSE, \
               scheduled_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               updated_at {ts} NOT NULL, \
               announced_at {ts} NULL)"
        ),
        "CREATE INDEX ix_announcements_due ON announcements (scheduled_for) \
           WHERE announced_at IS NULL"
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in statements(db.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE announcements")
            .await?;
        Ok(())
    }
}
