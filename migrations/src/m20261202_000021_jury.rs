//! The jury (issue 13): the pre-check of each entry, one panel per competition
//! drawn from the programme's pool of jurors, the criteria as data, conflicts of
//! interest, and score sheets with one score and comment per criterion.
//!
//! Every value a domain enum knows is checked by the database (CHECK), every
//! "one per" is a unique index: one chair per panel, one sheet per juror and
//! entry, one conflict record per juror and entry, one pre-check per entry.

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
        "ALTER TABLE users ADD COLUMN organisation VARCHAR(200) NULL".to_owned(),
        format!(
            "CREATE TABLE juries (\
               competition_id BIGINT PRIMARY KEY REFERENCES competitions (id) ON DELETE CASCADE, \
               basis VARCHAR(12) NOT NULL DEFAULT 'raw' CHECK (basis IN ('raw', 'normalised')), \
               quorum INTEGER NOT NULL DEFAULT 3 CHECK (quorum >= 1), \
               others_after_submitting BOOLEAN NOT NULL DEFAULT TRUE, \
               deadline {ts} NULL, \
               scoring_started_at {ts} NULL, \
               version BIGINT NOT NULL DEFAULT 0, \
               updated_at {ts} NOT NULL)"
        ),
        format!(
            "CREATE TABLE jury_criteria (\
               id {id}, \
               competition_id BIGINT NOT NULL REFERENCES competitions (id) ON DELETE CASCADE, \
               key VARCHAR(40) NOT NULL, \
               label_de VARCHAR(200) NOT NULL, \
               label_en VARCHAR(200) NOT NULL, \
               weight INTEGER NOT NULL CHECK (weight BETWEEN 1 AND 100), \
               scale_min INTEGER NOT NULL, \
               scale_max INTEGER NOT NULL, \
               position INTEGER NOT NULL, \
               CHECK (scale_min < scale_max), \
               UNIQUE (competition_id, key))"
        ),
        format!(
            "CREATE TABLE panel_members (\
               id {id}, \
               competition_id BIGINT NOT NULL REFERENCES competitions (id) ON DELETE CASCADE, \
               user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
               role VARCHAR(12) NOT NULL CHECK (role IN ('chair', 'member', 'deputy')), \
               invited_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               invited_at {ts} NOT NULL, \
               accepted_at {ts} NULL, \
               declined_at {ts} NULL, \
               UNIQUE (competition_id, user_id))"
        ),
        "CREATE UNIQUE INDEX uq_panel_chair ON panel_members (competition_id) WHERE role = 'chair'"
            .to_owned(),
        "CREATE INDEX ix_panel_members_user ON panel_members (user_id)".to_owned(),
        format!(
            "CREATE TABLE prechecks (\
               entry_id BIGINT PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE, \
               competition_id BIGINT NOT NULL REFERENCES competitions (id) ON DELETE CASCADE, \
               verdict VARCHAR(12) NOT NULL CHECK (verdict IN ('admitted', 'excluded')), \
               reason VARCHAR(20) NULL CHECK (reason IN \
                 ('late', 'off_topic', 'incomplete', 'duplicate', 'not_eligible')), \
               remark TEXT NOT NULL DEFAULT '', \
               jury_note TEXT NOT NULL DEFAULT '', \
               decided_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               decided_at {ts} NOT NULL, \
               CHECK ((verdict = 'excluded') = (reason IS NOT NULL)))"
        ),
        "CREATE INDEX ix_prechecks_competition ON prechecks (competition_id, verdict)".to_owned(),
        format!(
            "CREATE TABLE conflicts (\
               id {id}, \
               competition_id BIGINT NOT NULL REFERENCES competitions (id) ON DELETE CASCADE, \
               entry_id BIGINT NOT NULL REFERENCES entries (id) ON DELETE CASCADE, \
               juror_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
               status VARCHAR(12) NOT NULL \
                 CHECK (status IN ('declared', 'suspected', 'confirmed', 'dismissed')), \
               hints TEXT NOT NULL DEFAULT '[]', \
               reason TEXT NOT NULL DEFAULT '', \
               created_at {ts} NOT NULL, \
               decided_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               decided_at {ts} NULL, \
               decision_reason TEXT NULL, \
               UNIQUE (entry_id, juror_id))"
        ),
        "CREATE INDEX ix_conflicts_competition ON conflicts (competition_id, juror_id)".to_owned(),
        format!(
            "CREATE TABLE score_sheets (\
               id {id}, \
               competition_id BIGINT NOT NULL REFERENCES competitions (id) ON DELETE CASCADE, \
               entry_id BIGINT NOT NULL REFERENCES entries (id) ON DELETE CASCADE, \
               juror_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
               created_at {ts} NOT NULL, \
               updated_at {ts} NOT NULL, \
               submitted_at {ts} NULL, \
               version INTEGER NOT NULL DEFAULT 1, \
               UNIQUE (entry_id, juror_id))"
        ),
        "CREATE INDEX ix_score_sheets_juror ON score_sheets (competition_id, juror_id)".to_owned(),
        "CREATE TABLE scores (\
           sheet_id BIGINT NOT NULL REFERENCES score_sheets (id) ON DELETE CASCADE, \
           criterion_id BIGINT NOT NULL REFERENCES jury_criteria (id) ON DELETE CASCADE, \
           score INTEGER NULL, \
           comment TEXT NOT NULL DEFAULT '', \
           PRIMARY KEY (sheet_id, criterion_id))"
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
        for table in [
            "scores",
            "score_sheets",
            "conflicts",
            "prechecks",
            "panel_members",
            "jury_criteria",
            "juries",
        ] {
            db.execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        db.execute_unprepared("ALTER TABLE users DROP COLUMN organisation")
            .await?;
        Ok(())
    }
}
