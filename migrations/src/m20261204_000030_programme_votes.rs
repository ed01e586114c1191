//! A public vote for the whole programme beside the competitions' own votes:
//! a vote now has an id and belongs to a competition or to a programme
//! (exactly one of them), its ballots belong to the vote (one per address
//! and vote), and a programme's vote lists its shortlist in `vote_entries`
//! (a competition's vote lists its admitted entries, as before).
//!
//! SQLite cannot change a primary key in place, so there the two tables are
//! rebuilt and their rows copied (ballot ids kept); PostgreSQL alters them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const VOTE_COLUMNS: &str =
    "mode, points, max_per_entry, opens_at, closes_at, updated_by, updated_at";
const BALLOT_COLUMNS: &str = "email, locale, choices, pending_choices, pending_token_hash, \
     client_tag, created_at, requested_at, confirmed_at, voided_at, voided_by, void_reason";
const SCOPE_CHECK: &str = "CHECK ((competition_id IS NULL) <> (programme_id IS NULL))";

fn sqlite() -> Vec<String> {
    let ts = "timestamp_with_timezone_text";
    let ballot_values = BALLOT_COLUMNS
        .split(", ")
        .map(|c| format!("b.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        format!(
            "CREATE TABLE votes_scoped (\
               id INTEGER PRIMARY KEY AUTOINCREMENT, \
               competition_id BIGINT NULL UNIQUE REFERENCES competitions (id) ON DELETE CASCADE, \
               programme_id BIGINT NULL UNIQUE REFERENCES programmes (id) ON DELETE CASCADE, \
               mode TEXT NOT NULL CHECK (mode IN ('single', 'points')), \
               points INTEGER NOT NULL CHECK (points > 0), \
               max_per_entry INTEGER NOT NULL, \
               opens_at {ts} NOT NULL, \
               closes_at {ts} NOT NULL, \
               updated_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL, \
               updated_at {ts} NOT NULL, \
               {SCOPE_CHECK})"
        ),
        format!(
            "INSERT INTO votes_scoped (competition_id, {VOTE_COLUMNS}) \
             SELECT competition_id, {VOTE_COLUMNS} FROM votes ORDER BY competition_id"
        ),
        format!(
            "CREATE TABLE ballots_scoped (\
               id INTEGER PRIMARY KEY AUTOINCREMENT, \
               vote_id BIGINT NOT NULL REFERENCES votes_scoped (id) ON DELETE CASCADE, \
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
        format!(
            "INSERT INTO ballots_scoped (id, vote_id, {BALLOT_COLUMNS}) \
             SELECT b.id, v.id, {ballot_values} FROM ballots b \
             JOIN votes_scoped v ON v.competition_id = b.competition_id"
        ),
        "DROP TABLE ballots".to_owned(),
        "DROP TABLE votes".to_owned(),
        "ALTER TABLE votes_scoped RENAME TO votes".to_owned(),
        "ALTER TABLE ballots_scoped RENAME TO ballots".to_owned(),
    ]
}

fn postgres() -> Vec<String> {
    vec![
        "ALTER TABLE votes DROP CONSTRAINT votes_pkey".to_owned(),
        "ALTER TABLE votes ADD COLUMN id BIGSERIAL PRIMARY KEY".to_owned(),
        "ALTER TABLE votes ALTER COLUMN competition_id DROP NOT NULL".to_owned(),
        "ALTER TABLE votes ADD CONSTRAINT ux_votes_competition UNIQUE (competition_id)".to_owned(),
        "ALTER TABLE votes ADD COLUMN programme_id BIGINT NULL UNIQUE \
           REFERENCES programmes (id) ON DELETE CASCADE"
            .to_owned(),
        format!("ALTER TABLE votes ADD CONSTRAINT ck_votes_scope {SCOPE_CHECK}"),
        "ALTER TABLE ballots ADD COLUMN vote_id BIGINT NULL REFERENCES votes (id) ON DELETE CASCADE"
            .to_owned(),
        "UPDATE ballots SET vote_id = \
           (SELECT v.id FROM votes v WHERE v.competition_id = ballots.competition_id)"
            .to_owned(),
        "ALTER TABLE ballots ALTER COLUMN vote_id SET NOT NULL".to_owned(),
        "DROP INDEX ux_ballots_voter".to_owned(),
        "DROP INDEX ix_ballots_client".to_owned(),
        "ALTER TABLE ballots DROP COLUMN competition_id".to_owned(),
    ]
}

fn common() -> Vec<String> {
    vec![
        "CREATE UNIQUE INDEX ux_ballots_voter ON ballots (vote_id, email)".to_owned(),
        "CREATE INDEX ix_ballots_client ON ballots (vote_id, client_tag)".to_owned(),
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_ballots_token ON ballots (pending_token_hash)"
            .to_owned(),
        "CREATE TABLE vote_entries (\
           vote_id BIGINT NOT NULL REFERENCES votes (id) ON DELETE CASCADE, \
           entry_id BIGINT NOT NULL REFERENCES entries (id) ON DELETE CASCADE, \
           PRIMARY KEY (vote_id, entry_id))"
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let mut statements = match db.get_database_backend() {
            DbBackend::Postgres => postgres(),
            _ => sqlite(),
        };
        statements.extend(common());
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Programme votes have no place in the older schema; going back would
        // drop them with their ballots, so it is refused.
        Err(DbErr::Migration(
            "the programme vote cannot be rolled back without losing its ballots".into(),
        ))
    }
}
