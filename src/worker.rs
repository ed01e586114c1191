//! The email worker: turns domain events into queued messages, then delivers due
//! messages with retries. Runs inside `serve`, or alone as `ideenwettbewerb worker`;
//! any number of workers may share one database.

use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::app::AppState;
use crate::entities::email_message;
use crate::mail::compose::{self, Sender};
use crate::mail::templates::Envelope;
use crate::mail::{MailError, RenderedEmail};
use crate::services::{ServiceError, emails, notifications};

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub events: usize,
    pub sent: usize,
    pub failed: usize,
    /// A whole batch was claimed: there may be more waiting.
    pub full: bool,
}

pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let interval = Duration::from_millis(state.settings.mail.interval_ms.max(10));
    loop {
        let round = match round(&state).await {
            Ok(round) => round,
            Err(err) => {
                tracing::error!(error = %err, "email round failed");
                Round::default()
            }
        };
        if *stop.borrow() {
            break;
        }
        if !round.full {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = state.wake.notified() => {}
                _ = stop.changed() => break,
            }
        }
    }
    tracing::debug!("email worker stopped");
}

/// Dispatches pending events and delivers one batch of due messages.
pub async fn round(state: &AppState) -> Result<Round, ServiceError> {
    let mail = &state.settings.mail;
    let events = notifications::dispatch(
        &state.db,
        state.now(),
        &state.settings.server.public_url,
        u64::from(mail.batch_size.max(1)),
    )
    .await?;
    let lease = chrono::Duration::seconds(i64::try_from(mail.claim_lease_seconds).unwrap_or(300));
    let claimed = emails::claim(&state.db, state.now(), lease, mail.batch_size.max(1)).await?;
    let full = claimed.len() >= mail.batch_size.max(1) as usize;

    let slots = state.mailer.slots().min(claimed.len().max(1));
    let mut lanes: Vec<Vec<email_message::Model>> = vec![Vec::new(); slots];
    for (i, message) in claimed.into_iter().enumerate() {
        lanes[i % slots].push(message);
    }
    let mut tasks = JoinSet::new();
    for (slot, lane) in lanes.into_iter().enumerate() {
        let state = state.clone();
        tasks.spawn(async move { deliver_lane(&state, slot, lane, lease).await });
    }
    let (mut sent, mut failed) = (0, 0);
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok((lane_sent, lane_failed))) => {
                sent += lane_sent;
                failed += lane_failed;
            }
            Ok(Err(err)) => return Err(err),
            Err(err) => tracing::error!(error = %err, "an email connection task failed"),
        }
    }
    Ok(Round {
        events,
        sent,
        failed,
        full,
    })
}

/// Sends one connection's share of a round, one message at a time: the claim is
/// renewed (and checked) right before each message and the outcome recorded right
/// after the server answers, so a crash repeats at most the message in flight on
/// each connection, and a message whose claim another worker took over is left
/// to that worker.
async fn deliver_lane(
    state: &AppState,
    slot: usize,
    lane: Vec<email_message::Model>,
    lease: chrono::Duration,
) -> Result<(usize, usize), ServiceError> {
    let mail = &state.settings.mail;
    let (mut sent, mut failed) = (0, 0);
    for message in lane {
        if !emails::renew(&state.db, state.now(), lease, &message).await? {
            tracing::info!(email = message.id, "the claim was taken over; not sending");
            continue;
        }
        let recorded = match deliver(state, slot, &message).await {
            Ok(()) => {
                sent += 1;
                emails::mark_sent(&state.db, state.now(), &message, state.mailer.via()).await?
            }
            Err(err) => {
                failed += 1;
                let permanent = matches!(err, MailError::Permanent(_));
                tracing::warn!(email = message.id, attempt = message.attempts, error = %err, "email not delivered");
                emails::mark_failed(
                    &state.db,
                    state.now(),
                    &message,
                    &err.to_string(),
                    permanent,
                    emails::RetryPolicy::of(mail),
                )
                .await?
            }
        };
        if !recorded {
            tracing::warn!(
                email = message.id,
                "the outcome was not recorded: a newer claim holds the message"
            );
        }
    }
    Ok((sent, failed))
}

/// Renders a stored message as it will be (or was) sent.
pub fn render(
    state: &AppState,
    message: &email_message::Model,
) -> Result<RenderedEmail, MailError> {
    let context = message
        .template_context()
        .map_err(|err| MailError::Permanent(err.to_string()))?;
    let sender_name = compose::sender_name(&state.settings.mail.from);
    let envelope = Envelope {
        locale: &message.locale,
        sender_name: &sender_name,
        site_url: &state.settings.server.public_url,
        unsubscribe_url: context["unsubscribe_url"].as_str(),
    };
    state
        .emails
        .render(&message.template, &context, &envelope)
        .map_err(|err| MailError::Permanent(err.to_string()))
}

async fn deliver(
    state: &AppState,
    slot: usize,
    message: &email_message::Model,
) -> Result<(), MailError> {
    let rendered = render(state, message)?;
    let context = message
        .template_context()
        .map_err(|err| MailError::Permanent(err.to_string()))?;
    let mail = &state.settings.mail;
    let sender = Sender {
        from: &mail.from,
        reply_to: &mail.reply_to,
    };
    let digest: String = Sha256::digest(message.idempotency_key.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    let message_id = format!("<{digest}@ideenwettbewerb>");
    let built = compose::compose(
        &sender,
        &message.recipient,
        &rendered,
        &message_id,
        context["unsubscribe_url"].as_str(),
    )
    .map_err(|err| MailError::Permanent(err.to_string()))?;
    state
        .mailer
        .send(
            slot,
            &format!("{:08}-{}", message.id, message.template),
            &built,
        )
        .await
}
