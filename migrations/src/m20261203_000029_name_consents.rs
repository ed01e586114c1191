//! An adult winner's consent to be named with the results: the name as it
//! should appear, who gave the consent and when. Withdrawing the consent
//! deletes the row (the audit log keeps that it was given and withdrawn).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn statements(backend: DbBackend) -> Vec<String> {
    let ts = match backend {
        DbBackend::Postgres => "TIMESTAMPTZ",
        _ => "timestamp_with_timezone_text",
    };
    vec![format!(
        "CREATE TABLE name_consents (\
           entry_id BIGINT PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE, \
           public_name VARCHAR(200) NOT NULL, \
           given_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
           given_at {ts} NOT NULL)"
    )]
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
            .execute_unprepared("DROP TABLE name_consents")
            .await?;
        Ok(())
    }
}
