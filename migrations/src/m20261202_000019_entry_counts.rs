//! Entry counts kept as they change, so the dashboard and the staff list never
//! count entries: one row per competition, status, source and shard, moved by
//! triggers in the transaction of every insert, status change or delete. The
//! shard (`id % 16`) spreads concurrent submissions to one competition over 16
//! rows, and on PostgreSQL the triggers are deferred to the commit, so a counter
//! row is locked only while its transaction commits, not for all of it.
//! A count is the sum of at most 16 × 3 × 4 rows.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SHARDS: i64 = 16;

fn bump(sign: &str, row: &str) -> String {
    format!(
        "INSERT INTO entry_counts (competition_id, status, source, shard, n) \
         VALUES ({row}.competition_id, {row}.status, {row}.source, {row}.id % {SHARDS}, {sign}1) \
         ON CONFLICT (competition_id, status, source, shard) \
         DO UPDATE SET n = entry_counts.n {sign} 1;"
    )
}

fn statements(backend: DbBackend) -> Vec<String> {
    let mut statements = vec![
        "CREATE TABLE entry_counts (\
           competition_id BIGINT NOT NULL, status VARCHAR(12) NOT NULL, \
           source VARCHAR(12) NOT NULL, shard INTEGER NOT NULL, n BIGINT NOT NULL, \
           PRIMARY KEY (competition_id, status, source, shard))"
            .to_owned(),
        format!(
            "INSERT INTO entry_counts (competition_id, status, source, shard, n) \
             SELECT competition_id, status, source, id % {SHARDS}, COUNT(*) FROM entries \
             GROUP BY competition_id, status, source, id % {SHARDS}"
        ),
    ];
    let (added, moved_out, moved_in, removed) = (
        bump("+", "NEW"),
        bump("-", "OLD"),
        bump("+", "NEW"),
        bump("-", "OLD"),
    );
    match backend {
        DbBackend::Postgres => statements.extend([
            format!(
                "CREATE FUNCTION entry_counts_changed() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN \
                   IF TG_OP IN ('UPDATE', 'DELETE') THEN {moved_out} END IF; \
                   IF TG_OP IN ('INSERT', 'UPDATE') THEN {moved_in} END IF; \
                   RETURN NULL; \
                 END $$"
            ),
            "CREATE CONSTRAINT TRIGGER entry_counts_inserted AFTER INSERT OR DELETE ON entries \
             DEFERRABLE INITIALLY DEFERRED \
             FOR EACH ROW EXECUTE FUNCTION entry_counts_changed()"
                .to_owned(),
            "CREATE CONSTRAINT TRIGGER entry_counts_updated \
             AFTER UPDATE OF competition_id, status, source \
             ON entries DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
             WHEN (OLD.status IS DISTINCT FROM NEW.status \
                   OR OLD.source IS DISTINCT FROM NEW.source \
                   OR OLD.competition_id IS DISTINCT FROM NEW.competition_id) \
             EXECUTE FUNCTION entry_counts_changed()"
                .to_owned(),
        ]),
        _ => statements.extend([
            format!("CREATE TRIGGER entry_counts_inserted AFTER INSERT ON entries BEGIN {added} END"),
            format!(
                "CREATE TRIGGER entry_counts_updated AFTER UPDATE OF competition_id, status, source \
                 ON entries WHEN OLD.status IS NOT NEW.status OR OLD.source IS NOT NEW.source \
                 OR OLD.competition_id IS NOT NEW.competition_id \
                 BEGIN {moved_out} {moved_in} END"
            ),
            format!("CREATE TRIGGER entry_counts_deleted AFTER DELETE ON entries BEGIN {removed} END"),
        ]),
    }
    statements
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in statements(manager.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &[
                "DROP TRIGGER entry_counts_inserted ON entries",
                "DROP TRIGGER entry_counts_updated ON entries",
                "DROP FUNCTION entry_counts_changed()",
                "DROP TABLE entry_counts",
            ],
            _ => &[
                "DROP TRIGGER entry_counts_inserted",
                "DROP TRIGGER entry_counts_updated",
                "DROP TRIGGER entry_counts_deleted",
                "DROP TABLE entry_counts",
            ],
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
