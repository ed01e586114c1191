//! The clock's side of the lifecycle: opens and closes competitions on time, and
//! reminds the authors of drafts before the deadline and jurors of their open
//! score sheets before the jury's deadline.

use std::time::Duration;

use tokio::sync::watch;

use crate::app::AppState;
use crate::domain::LifecycleEvent;
use crate::services::{entries, lifecycle};

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

/// One pass at the clock's time: due lifecycle moves, then deadline reminders for
/// drafts. Failures are logged and retried on the next pass. Returns the moves this
/// pass applied.
pub async fn tick(state: &AppState) -> Vec<(i64, LifecycleEvent)> {
    let applied = move_competitions(state).await;
    let settings = &state.settings;
    match entries::remind_drafts(
        &state.db,
        state.now(),
        settings.scheduler.reminder_hours,
        &settings.server.public_url,
    )
    .await
    {
        Ok(0) => {}
        Ok(sent) => {
            tracing::info!(reminders = sent, "deadline reminders queued");
            state.queued();
        }
        Err(err) => tracing::error!(error = %err, "deadline reminders failed"),
    }
    match crate::services::jury::reminders::remind_due(
        &state.db,
        state.now(),
        settings.scheduler.jury_reminder_hours,
        &settings.server.public_url,
    )
    .await
    {
        Ok(0) => {}
        Ok(sent) => {
            tracing::info!(reminders = sent, "jury reminders queued");
            state.queued();
        }
        Err(err) => tracing::error!(error = %err, "jury reminders failed"),
    }
    applied
}

async fn move_competitions(state: &AppState) -> Vec<(i64, LifecycleEvent)> {
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
