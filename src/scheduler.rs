//! The clock's side of the lifecycle: opens and closes competitions on time.

use std::time::Duration;

use tokio::sync::watch;

use crate::app::AppState;
use crate::domain::LifecycleEvent;
use crate::services::lifecycle;

/// Looks for due transitions every `interval` until `stop` turns true.
pub async fn run(state: AppState, interval: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => drop(tick(&state).await),
            _ = stop.changed() => break,
        }
        if *stop.borrow() {
            break;
        }
    }
    tracing::debug!("scheduler stopped");
}

/// One pass at the clock's time; failures are logged and retried on the next pass.
/// Returns what this pass applied.
pub async fn tick(state: &AppState) -> Vec<(i64, LifecycleEvent)> {
    match lifecycle::apply_due(&state.db, state.now()).await {
        Ok(applied) => {
            if !applied.is_empty() {
                state.changed();
            }
            for (id, event) in &applied {
                tracing::info!(competition = id, %event, "scheduled transition applied");
            }
            applied
        }
        Err(err) => {
            tracing::error!(error = %err, "scheduler pass failed");
            Vec::new()
        }
    }
}
