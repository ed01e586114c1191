//! Winners' payout details: sealed (encrypted with the key of `[payout]`, see
//! `services::secrets`) so that a copy of the database does not give away
//! bank accounts or addresses; beside them only what staff may see: the
//! masked IBAN and whether an address is there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn statements(backend: DbBackend) -> Vec<String> {
    let (ts, bytes) = match backend {
        DbBackend::Postgres => ("TIMESTAMPTZ", "BYTEA"),
        _ => ("timestamp_with_timezone_text", "BLOB"),
    };
    vec![format!(
        "CREATE TABLE payout_details (\
           entry_id BIGINT PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE, \
           sealed {bytes} NOT NULL, \
           iban_masked TEXT NOT NULL DEFAULT '', \
           has_address BOOLEAN NOT NULL DEFAULT FALSE, \
           updated_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
           updated_at {ts} NOT NULL)"
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
            .execute_unprepared("DROP TABLE payout_details")
            .await?;
        Ok(())
    }
}
