//! Connecting to SQLite or PostgreSQL and bringing the schema up to date.

use std::path::Path;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, PrimaryKeyTrait, QuerySelect, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use crate::config::DatabaseSettings;

/// Opens the pool and runs pending migrations.
///
/// SQLite runs in WAL mode with `synchronous=FULL` (an acknowledged write is on
/// disk), foreign keys on, and waits up to five seconds for a busy writer.
pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    let url = settings.url.as_str();
    if let Some(dir) = sqlite_path(url)
        .and_then(|path| Path::new(path).parent())
        .filter(|dir| !dir.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|err| {
            DbErr::Custom(format!(
                "cannot create the database folder {}: {err}",
                dir.display()
            ))
        })?;
    }
    // Migrations first, on a connection of their own without a statement
    // timeout (building an index over many entries may take a while).
    let migrating = Database::connect(options(settings, 1, 0)).await?;
    Migrator::up(&migrating, None).await?;
    migrating.close().await?;
    Database::connect(options(
        settings,
        settings.max_connections,
        settings.statement_timeout_seconds,
    ))
    .await
}

fn options(settings: &DatabaseSettings, connections: u32, timeout_seconds: u64) -> ConnectOptions {
    let mut options = ConnectOptions::new(settings.url.as_str());
    options
        .max_connections(connections.max(1))
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(settings.acquire_timeout_seconds.max(1)))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        })
        .map_sqlx_postgres_opts(move |opts| {
            if timeout_seconds == 0 {
                opts
            } else {
                opts.options([("statement_timeout", format!("{timeout_seconds}s"))])
            }
        });
    options
}

/// Starts a transaction that will write. This is the one way every write begins.
///
/// On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken up front, so a busy
/// database makes the transaction wait (the pool's busy timeout) instead of failing.
/// A deferred transaction that reads and then writes cannot wait: if another
/// connection committed in between, SQLite refuses its upgrade at once with
/// `SQLITE_BUSY_SNAPSHOT` ("database is locked", code 517). The group-commit writer
/// of [`super::writes`] begins its batches here too, so the hot path and every other
/// write share one rule instead of funnelling each service through the writer (which
/// would make every use case a retry-able piece of work for a throughput only
/// submissions need). PostgreSQL takes row locks as statements need them; there
/// this is a plain `BEGIN` at READ COMMITTED, and limits lock what they protect.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Locks the row that a limit protects ("at most 5 files per entry", "never more
/// prize money than the budget") inside a write transaction, before the limit is
/// counted. On PostgreSQL this is `SELECT … FOR UPDATE`: under READ COMMITTED two
/// transactions would otherwise both count 4 and both insert; with the lock the
/// second waits and counts 5. On SQLite the write lock that [`begin_write`] takes
/// already lets one writer in at a time (sea-query writes no lock clause there).
pub async fn lock_row<E>(txn: &impl ConnectionTrait, id: i64) -> Result<(), DbErr>
where
    E: EntityTrait,
    i64: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    E::find_by_id(id).lock_exclusive().one(txn).await?;
    Ok(())
}

/// The file path of a SQLite URL, if it names a file.
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then_some(path)
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;

    #[test]
    fn finds_the_sqlite_file() {
        assert_eq!(
            sqlite_path("sqlite://data/x.db?mode=rwc"),
            Some("data/x.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://localhost/x"), None);
    }
}
