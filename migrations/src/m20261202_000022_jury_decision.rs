//! The jury's decision (issue 13): rounds (Rundgänge) with the panel's decision
//! per entry, by the chair or by a recorded vote; reminders of open sheets, one
//! per juror and jury deadline; documents such as the Protokoll, stored as
//! produced with their SHA-256; and when the authors were revealed to the jury.
//! A reminder's key is its juror, its kind and the deadline it was for (for a
//! reminder by button: the hour it was sent), so none is sent twice.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn statements(backend: DbBackend) -> Vec<String> {
    let (id, ts, blob) = match backend {
        DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ", "BYTEA"),
        _ => (
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "timestamp_with_timezone_text",
            "BLOB",
        ),
    };
    vec![
        format!("ALTER TABLE juries ADD COLUMN revealed_at {ts} NULL"),
        format!(
            "CREATE TABLE jury_rounds (\
               id {id}, \
               competition_id BIGINT NOT NULL REFERENCES competitions (id) ON DELETE CASCADE, \
               number INTEGER NOT NULL CHECK (number >= 1), \
               opened_at {ts} NOT NULL, \
               opened_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               closed_at {ts} NULL, \
               UNIQUE (competition_id, number))"
        ),
        "CREATE UNIQUE INDEX uq_jury_rounds_open ON jury_rounds (competition_id) \
         WHERE closed_at IS NULL"
            .to_owned(),
        format!(
            "CREATE TABLE round_decisions (\
               id {id}, \
               round_id BIGINT NOT NULL REFERENCES jury_rounds (id) ON DELETE CASCADE, \
               entry_id BIGINT NOT NULL REFERENCES entries (id) ON DELETE CASCADE, \
               outcome VARCHAR(8) NOT NULL CHECK (outcome IN ('on', 'out')), \
               method VARCHAR(8) NOT NULL CHECK (method IN ('chair', 'vote')), \
               votes_for INTEGER NOT NULL DEFAULT 0, \
               votes_against INTEGER NOT NULL DEFAULT 0, \
               remark TEXT NOT NULL DEFAULT '', \
               decided_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               decided_at {ts} NOT NULL, \
               UNIQUE (round_id, entry_id))"
        ),
        "CREATE TABLE round_votes (\
           decision_id BIGINT NOT NULL REFERENCES round_decisions (id) ON DELETE CASCADE, \
           juror_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
           in_favour BOOLEAN NOT NULL, \
           PRIMARY KEY (decision_id, juror_id))"
            .to_owned(),
        format!(
            "CREATE TABLE jury_reminders (\
               competition_id BIGINT NOT NULL REFERENCES competitions (id) ON DELETE CASCADE, \
               juror_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
               kind VARCHAR(12) NOT NULL CHECK (kind IN ('scheduled', 'manual')), \
               deadline {ts} NOT NULL, \
               sent_at {ts} NOT NULL, \
               PRIMARY KEY (competition_id, juror_id, kind, deadline))"
        ),
        format!(
            "CREATE TABLE documents (\
               id {id}, \
               competition_id BIGINT NOT NULL REFERENCES competitions (id) ON DELETE CASCADE, \
               kind VARCHAR(20) NOT NULL CHECK (kind IN ('protokoll')), \
               media_type VARCHAR(100) NOT NULL, \
               content {blob} NOT NULL, \
               sha256 VARCHAR(64) NOT NULL, \
               created_at {ts} NOT NULL)"
        ),
        "CREATE INDEX ix_documents_competition ON documents (competition_id, kind, id)".to_owned(),
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
        for table in [
            "documents",
            "jury_reminders",
            "round_votes",
            "round_decisions",
            "jury_rounds",
        ] {
            db.execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        db.execute_unprepared("ALTER TABLE juries DROP COLUMN revealed_at")
            .await?;
        Ok(())
    }
}
