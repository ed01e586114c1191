//! The clock's side of the lifecycle: opens and closes competitions on time.

use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::clock::SharedClock;
use crate::services::lifecycle;

/// Looks for due transitions every `interval` until `stop` turns true.
pub async fn run(
    db: DatabaseConnection,
    clock: SharedClock,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => tick(&db, &clock).await,
            _ = stop.changed() => break,
        }
        if *stop.borrow() {
            break;
        }
    }
    tracing::debug!("scheduler stopped");
}

/// One pass; failures are logged and retried on the next pass.
pub async fn tick(db: &DatabaseConnection, clock: &SharedClock) {
    match lifecycle::apply_due(db, clock.now()).await {
        Ok(applied) => {
            for (id, event) in applied {
                tracing::info!(competition = id, %event, "scheduled transition applied");
            }
        }
        Err(err) => tracing::error!(error = %err, "scheduler pass failed"),
    }
}
