//! The public vote (people's choice): a competition's vote settings and its
//! ballots, one per confirmed email address. A ballot's choices wait as
//! `pending_choices` until the voter confirms them with the emailed link;
//! confirming again with a newer link replaces them, until the vote closes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn statements(backend: DbBackend) -> Vec<String> {
    let (ts, id) = match backend {
        DbBackend::Postgres => ("TIMESTAMPTZ", "BIGSERIAL PRIMARY KEY"),
        _ => (
            "timestamp_with_timezone_text",
            "INTEGER PRIMARY KEY AUTOINCREMENT",
        ),
    };
    vec![
        format!(
            "CREATE TABLE votes (\
               competition_id BIGINT PRIMARY KEY REFERENCES competitions (id) ON DELETE CASCADE, \
               mode TEXT NOT NULL CHECK (mode IN ('single', 'points')), \
               points INTEGER NOT NULL CHECK (points > 0), \
               max_per_entry INTEGER NOT NULL, \
               opens_at {ts} NOT NULL, \
               closes_at {ts} NOT NULL, \
               updated_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               updated_at {ts} NOT NULL)"
        ),
        format!(
            "CREATE TABLE ballots (\
               id {id}, \
               competition_id BIGINT NOT NULL REFERENCES competitions (id) ON DELETE CASCADE, \
               email TEXT NOT NULL, \
               locale TEXT NOT NULL, \
               choices TEXT NULL, \
               pending_choices TEXT NULL, \
               pending_token_hash TEXT NULL, \
               client_tag TEXT NOT NULL DEFAULT '', \
               created_at {ts} NOT NULL, \
               requested_at {ts} NOT NULL, \
               confirmed_at {ts} NULL, \
               voided_at {ts} NULL, \
               voided_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               void_reason TEXT NULL)"
        ),
        "CREATE UNIQUE INDEX ux_ballots_voter ON ballots (competition_id, email)".to_owned(),
        "CREATE UNIQUE INDEX ux_ballots_token ON ballots (pending_token_hash)".to_owned(),
        "CREATE INDEX ix_ballots_client ON ballots (competition_id, client_tag)".to_owned(),
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
        let db = manager.get_connection();
        db.execute_unprepared("DROP TABLE ballots").await?;
        db.execute_unprepared("DROP TABLE votes").await?;
        Ok(())
    }
}
