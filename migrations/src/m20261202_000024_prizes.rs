//! Prizes as data per competition (tier, kind, label, value in cents), and the
//! awards of prizes to entries: the amount (a tie's share, or what staff chose
//! with a reason), who awarded it and when, and a withdrawal with its reason
//! (rows are never deleted, so the audit trail and the sums agree). A prize goes
//! to an entry at most once while awarded.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn statements(backend: DbBackend) -> Vec<String> {
    let (id, ts) = match backend {
        DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ"),
        _ => (
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "timestamp_with_timezone_text",
        ),
    };
    vec![
        format!(
            "CREATE TABLE prizes (\
               id {id}, \
               competition_id BIGINT NOT NULL REFERENCES competitions (id) ON DELETE CASCADE, \
               position INTEGER NOT NULL, \
               tier VARCHAR(12) NOT NULL \
                 CHECK (tier IN ('first', 'second', 'third', 'honourable', 'special')), \
               kind VARCHAR(12) NOT NULL CHECK (kind IN ('cash', 'voucher', 'grant', 'event')), \
               label VARCHAR(200) NOT NULL, \
               value_cents BIGINT NOT NULL CHECK (value_cents > 0), \
               UNIQUE (competition_id, position))"
        ),
        format!(
            "CREATE TABLE awards (\
               id {id}, \
               programme_id BIGINT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE, \
               competition_id BIGINT NOT NULL REFERENCES competitions (id) ON DELETE CASCADE, \
               prize_id BIGINT NOT NULL REFERENCES prizes (id) ON DELETE RESTRICT, \
               entry_id BIGINT NOT NULL REFERENCES entries (id) ON DELETE CASCADE, \
               amount_cents BIGINT NOT NULL CHECK (amount_cents > 0), \
               reason TEXT NOT NULL DEFAULT '', \
               awarded_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               awarded_at {ts} NOT NULL, \
               withdrawn_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               withdrawn_at {ts} NULL, \
               withdrawal_reason TEXT NULL, \
               CHECK ((withdrawn_at IS NULL) = (withdrawal_reason IS NULL)))"
        ),
        "CREATE UNIQUE INDEX uq_awards_prize_entry ON awards (prize_id, entry_id) \
           WHERE withdrawn_at IS NULL"
            .to_owned(),
        "CREATE INDEX ix_awards_competition ON awards (competition_id, amount_cents) \
           WHERE withdrawn_at IS NULL"
            .to_owned(),
        "CREATE INDEX ix_awards_programme ON awards (programme_id, amount_cents) \
           WHERE withdrawn_at IS NULL"
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
        let db = manager.get_connection();
        for table in ["awards", "prizes"] {
            db.execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        Ok(())
    }
}
