//! Writes on the hot path (submissions), with group commit on SQLite.
//!
//! SQLite has one writer at a time, and with `synchronous=FULL` every commit waits
//! for the disk. Concurrent transactions would queue on the database lock (each
//! polling with sleeps) and each pay a full sync. Here they queue in memory instead:
//! one task takes whatever work is waiting, runs it in a single transaction,
//! commits once, and only then answers each caller. Nobody is told "done" before
//! the data is on disk; if the commit fails, every caller of the batch gets the
//! error.
//!
//! A batch first runs optimistically, without savepoints. If any piece fails (a
//! taken Kennzahl, a repeated idempotency key), the batch is rolled back and run
//! again with each piece in its own savepoint, so that the failure undoes that
//! piece alone. Work must therefore be safe to run twice: it may only write to the
//! transaction it is given.
//!
//! PostgreSQL does group commit itself across connections: there each piece runs
//! in its own transaction on the pool.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::{ServiceError, begin_write};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A piece of work for the writer: a value whose runs borrow it, so that running it
/// again (see the module documentation) needs no copies of its inputs.
pub trait Write: Send + Sync + 'static {
    type Output: Send + 'static;

    /// Does the work inside `txn`. May run more than once; it writes only to `txn`.
    fn run(
        &self,
        txn: &DatabaseTransaction,
    ) -> impl Future<Output = Result<Self::Output, ServiceError>> + Send;
}

/// Shared work, for callers that may hand the same work to the writer again.
impl<W: Write> Write for Arc<W> {
    type Output = W::Output;

    fn run(
        &self,
        txn: &DatabaseTransaction,
    ) -> impl Future<Output = Result<Self::Output, ServiceError>> + Send {
        (**self).run(txn)
    }
}

type Value = Box<dyn Any + Send>;

/// A [`Write`] with its output type erased, so that different work shares a queue.
trait Erased: Send + Sync {
    fn run_erased<'t>(
        &'t self,
        txn: &'t DatabaseTransaction,
    ) -> BoxFuture<'t, Result<Value, ServiceError>>;
}

impl<W: Write> Erased for W {
    fn run_erased<'t>(
        &'t self,
        txn: &'t DatabaseTransaction,
    ) -> BoxFuture<'t, Result<Value, ServiceError>> {
        Box::pin(async move { self.run(txn).await.map(|value| Box::new(value) as Value) })
    }
}

struct Job {
    work: Box<dyn Erased>,
    answer: oneshot::Sender<Result<Value, ServiceError>>,
}

/// The most pieces of work committed together.
const MAX_BATCH: usize = 256;

/// Where hot-path writes go; see the module documentation.
#[derive(Clone)]
pub struct Writes(Mode);

#[derive(Clone)]
enum Mode {
    /// Each piece in its own transaction (PostgreSQL).
    Direct(DatabaseConnection),
    /// Pieces funnelled through one task and committed together (SQLite).
    Batched(mpsc::Sender<Job>),
}

impl Writes {
    /// Group commit for SQLite, direct transactions for PostgreSQL. Must be called
    /// inside a Tokio runtime (SQLite starts its writer task).
    pub fn for_database(db: &DatabaseConnection) -> Self {
        match db.get_database_backend() {
            DbBackend::Sqlite => {
                let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
                tokio::spawn(write_batches(db.clone(), receiver));
                Self(Mode::Batched(sender))
            }
            _ => Self(Mode::Direct(db.clone())),
        }
    }

    /// Runs `work` in a transaction (shared with other work on SQLite) and returns
    /// its result once it is durable. An error from `work` undoes only its writes.
    pub async fn run<W: Write>(&self, work: W) -> Result<W::Output, ServiceError> {
        match &self.0 {
            Mode::Direct(db) => {
                let txn = begin_write(db).await?;
                let value = work.run(&txn).await?;
                txn.commit().await?;
                Ok(value)
            }
            Mode::Batched(queue) => {
                let stopped = || ServiceError::Corrupt("the database writer has stopped".into());
                let (answer, answered) = oneshot::channel();
                let work: Box<dyn Erased> = Box::new(work);
                queue
                    .send(Job { work, answer })
                    .await
                    .map_err(|_| stopped())?;
                let value = answered.await.map_err(|_| stopped())??;
                value
                    .downcast::<W::Output>()
                    .map(|value| *value)
                    .map_err(|_| ServiceError::Corrupt("a write answered the wrong type".into()))
            }
        }
    }
}

/// The writer task: one transaction per batch of whatever work is waiting.
async fn write_batches(db: DatabaseConnection, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // In a task of its own, so that a panicking piece fails its batch (its
        // callers get an error) but not the writer.
        let db = db.clone();
        let written = tokio::spawn(async move {
            if let Err(batch) = optimistic(&db, batch).await {
                careful(&db, batch).await;
            }
        });
        if let Err(err) = written.await {
            tracing::error!(error = %err, "a write batch failed");
        }
    }
}

/// All pieces in one transaction, no savepoints. Gives the batch back, untouched
/// in the database, if a piece failed.
async fn optimistic(db: &DatabaseConnection, batch: Vec<Job>) -> Result<(), Vec<Job>> {
    let Ok(txn) = begin_write(db).await else {
        return Err(batch);
    };
    let mut values = Vec::with_capacity(batch.len());
    for job in &batch {
        match job.work.run_erased(&txn).await {
            Ok(value) => values.push(value),
            Err(_) => {
                let _ = txn.rollback().await;
                return Err(batch);
            }
        }
    }
    match txn.commit().await {
        Ok(()) => {
            for (job, value) in batch.into_iter().zip(values) {
                let _ = job.answer.send(Ok(value));
            }
        }
        Err(err) => {
            tracing::error!(error = %err, "a write batch did not commit");
            for job in batch {
                let _ = job
                    .answer
                    .send(Err(ServiceError::Database(sea_orm::DbErr::Custom(
                        format!("the write did not commit: {err}"),
                    ))));
            }
        }
    }
    Ok(())
}

/// Each piece in its own savepoint, so that a failing one undoes only itself.
async fn careful(db: &DatabaseConnection, batch: Vec<Job>) {
    let txn = match begin_write(db).await {
        Ok(txn) => txn,
        Err(err) => {
            tracing::error!(error = %err, "cannot start a write batch");
            for job in batch {
                let _ = job
                    .answer
                    .send(Err(ServiceError::Database(sea_orm::DbErr::Custom(
                        format!("cannot start a transaction: {err}"),
                    ))));
            }
            return;
        }
    };
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch {
        let outcome = in_savepoint(&txn, job.work.as_ref()).await;
        outcomes.push((job.answer, outcome));
    }
    let committed = txn.commit().await;
    for (answer, outcome) in outcomes {
        let _ = answer.send(match (&committed, outcome) {
            (_, Err(err)) => Err(err),
            (Ok(()), Ok(value)) => Ok(value),
            (Err(err), Ok(_)) => Err(ServiceError::Database(sea_orm::DbErr::Custom(format!(
                "the write did not commit: {err}"
            )))),
        });
    }
}

async fn in_savepoint(txn: &DatabaseTransaction, work: &dyn Erased) -> Result<Value, ServiceError> {
    let savepoint = txn.begin().await?;
    match work.run_erased(&savepoint).await {
        Ok(value) => {
            savepoint.commit().await?;
            Ok(value)
        }
        Err(err) => {
            savepoint.rollback().await?;
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database};

    use super::*;

    async fn sqlite() -> (DatabaseConnection, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/writes.db?mode=rwc", dir.path().display());
        let db = Database::connect(url).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (k TEXT PRIMARY KEY)")
            .await
            .unwrap();
        (db, dir)
    }

    struct Insert(String);

    impl Write for Insert {
        type Output = ();

        async fn run(&self, txn: &DatabaseTransaction) -> Result<(), ServiceError> {
            let sql = format!("INSERT INTO t (k) VALUES ('{}')", self.0);
            txn.execute_unprepared(&sql).await?;
            Ok(())
        }
    }

    struct Panics;

    impl Write for Panics {
        type Output = ();

        async fn run(&self, _txn: &DatabaseTransaction) -> Result<(), ServiceError> {
            panic!("a bug in a piece of work")
        }
    }

    async fn insert(writes: &Writes, key: String) -> Result<(), ServiceError> {
        writes.run(Insert(key)).await
    }

    async fn count(db: &DatabaseConnection) -> i64 {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM t",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "n").unwrap()
    }

    #[tokio::test]
    async fn a_failing_piece_does_not_undo_the_others_in_its_batch() {
        let (db, _dir) = sqlite().await;
        let writes = Writes::for_database(&db);
        let mut pieces = Vec::new();
        for key in (0..20).map(|i| format!("k{i}")).chain(["k5".to_owned()]) {
            let writes = writes.clone();
            pieces.push(tokio::spawn(async move { insert(&writes, key).await }));
        }
        let mut failed = 0;
        for piece in pieces {
            if piece.await.unwrap().is_err() {
                failed += 1;
            }
        }
        assert_eq!(failed, 1, "only the duplicate fails");
        assert_eq!(count(&db).await, 20);
    }

    #[tokio::test]
    async fn a_panicking_piece_fails_alone_and_the_writer_goes_on() {
        let (db, _dir) = sqlite().await;
        let writes = Writes::for_database(&db);
        let panicked = writes.run(Panics).await;
        assert!(panicked.is_err());
        insert(&writes, "after".into()).await.unwrap();
        assert_eq!(count(&db).await, 1);
    }
}
