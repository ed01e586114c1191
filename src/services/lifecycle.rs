//! Moving competitions through their lifecycle, by staff and by the clock.
//!
//! Every move is a compare-and-set on (state, version): of two instances racing on
//! the same move exactly one wins, and the loser changes nothing.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::audit::{self, AuditRecord};
use super::authorization::Manager;
use super::competitions::{find, window_of};
use super::{Actor, ServiceError, outbox};
use crate::domain::events::{DomainEvent, Transitioned};
use crate::domain::guards::{decide, due_event};
use crate::domain::{CompetitionState, LifecycleEvent, TransitionCommand, TransitionDecision};
use crate::entities::competition;

/// A transition asked for by staff.
pub async fn transition(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    command: TransitionCommand,
) -> Result<competition::Model, ServiceError> {
    let (actor, id) = (manager.actor(), manager.competition_id());
    if command.event == LifecycleEvent::Decide {
        // Locking the result has the jury's rules (quorum, rounds closed), reveals
        // the authors and stores the Protokoll: one use case, whoever asks.
        let reason = command
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        return super::jury::decision::lock(db, &manager.presiding(), now, reason).await;
    }
    let current = find(db, id).await?;
    let state = current.state;
    let decision = decide(state, window_of(&current), &command, now).map_err(|source| {
        ServiceError::Lifecycle {
            current: state,
            allowed: state.allowed_events(),
            source,
        }
    })?;
    let reason = command
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let applied = apply(db, actor, now, &current, command.event, decision, reason).await?;
    if !applied {
        return Err(ServiceError::Concurrent("the competition"));
    }
    find(db, id).await
}

/// Applies every transition the clock makes due at `now` (opening at `opens_at`,
/// closing at `closes_at`) and returns what this call applied. Moves another
/// instance applied first are skipped, so running this everywhere is safe.
pub async fn apply_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, LifecycleEvent)>, ServiceError> {
    let candidates = competition::Entity::find()
        .filter(competition::Column::State.is_in([
            CompetitionState::Scheduled.as_str(),
            CompetitionState::Open.as_str(),
        ]))
        .all(db)
        .await?;
    let mut applied = Vec::new();
    for mut current in candidates {
        loop {
            let state = current.state;
            let Some(event) = due_event(state, window_of(&current), now) else {
                break;
            };
            let Ok(to) = crate::domain::lifecycle::transition(state, event) else {
                break;
            };
            let decision = TransitionDecision {
                from: state,
                to,
                new_closes_at: None,
            };
            let actor = Actor::System("scheduler");
            if !apply(db, actor, now, &current, event, decision, None).await? {
                break;
            }
            applied.push((current.id, event));
            current = find(db, current.id).await?;
        }
    }
    // Announcements whose embargo has passed: the compare-and-set lets one
    // instance make each, once.
    for current in super::announcements::due(db, now).await? {
        let event = LifecycleEvent::Announce;
        let Ok(to) = crate::domain::lifecycle::transition(current.state, event) else {
            continue;
        };
        let decision = TransitionDecision {
            from: current.state,
            to,
            new_closes_at: None,
        };
        if apply(
            db,
            Actor::System("scheduler"),
            now,
            &current,
            event,
            decision,
            None,
        )
        .await?
        {
            applied.push((current.id, event));
        }
    }
    Ok(applied)
}

/// Writes one decided transition with its audit row and outbox event in one
/// transaction; `false` when another writer changed the competition first.
async fn apply(
    db: &DatabaseConnection,
    actor: Actor,
    now: DateTime<Utc>,
    current: &competition::Model,
    event: LifecycleEvent,
    decision: TransitionDecision,
    reason: Option<&str>,
) -> Result<bool, ServiceError> {
    let txn = crate::services::begin_write(db).await?;
    if !apply_in(&txn, actor, now, current, event, decision, reason).await? {
        txn.rollback().await?;
        return Ok(false);
    }
    txn.commit().await?;
    Ok(true)
}

/// The transition's writes inside the caller's transaction (the jury's lock
/// adds its own to the same one); `false` when another writer changed the
/// competition first, and then nothing was written.
pub(crate) async fn apply_in(
    txn: &sea_orm::DatabaseTransaction,
    actor: Actor,
    now: DateTime<Utc>,
    current: &competition::Model,
    event: LifecycleEvent,
    decision: TransitionDecision,
    reason: Option<&str>,
) -> Result<bool, ServiceError> {
    let mut model = competition::ActiveModel {
        state: Set(decision.to),
        version: Set(current.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(closes_at) = decision.new_closes_at {
        model.closes_at = Set(Some(closes_at));
    }
    if event == LifecycleEvent::Reopen {
        model.reopened_at = Set(Some(now));
    }
    // Opened before its planned start: the window starts now, so entries are
    // taken from now on (and the public page says when it really opened).
    let opened_early = event == LifecycleEvent::Open && current.opens_at.is_some_and(|at| now < at);
    let opens_at = if opened_early {
        Some(now)
    } else {
        current.opens_at
    };
    if opened_early {
        model.opens_at = Set(opens_at);
    }
    // The compare-and-set: first statement of the transaction, so SQLite takes the
    // write lock here and PostgreSQL re-checks the row after a concurrent commit.
    let written = competition::Entity::update_many()
        .set(model)
        .filter(competition::Column::Id.eq(current.id))
        .filter(competition::Column::State.eq(decision.from))
        .filter(competition::Column::Version.eq(current.version))
        .exec(txn)
        .await?;
    if written.rows_affected != 1 {
        return Ok(false);
    }
    if event == LifecycleEvent::Announce {
        super::announcements::mark_announced(txn, current.id, now).await?;
    }
    let closes_at = decision.new_closes_at.or(current.closes_at);
    let details = json!({
        "slug": current.slug,
        "event": event.as_str(),
        "previous_closes_at": decision.new_closes_at.and(current.closes_at),
        "closes_at": closes_at,
        "previous_opens_at": current.opens_at.filter(|_| opened_early),
        "opens_at": opens_at,
    });
    audit::record(
        txn,
        now,
        AuditRecord::about(actor, "competition.transitioned", "competition", current.id)
            .details(details)
            .reason(reason)
            .states(Some(decision.from.as_str()), Some(decision.to.as_str())),
    )
    .await?;
    let facts = Transitioned {
        competition_id: current.id,
        slug: current.slug.clone(),
        from: decision.from,
        to: decision.to,
        reason: reason.map(str::to_owned),
        opens_at,
        closes_at,
    };
    outbox::enqueue(txn, now, &DomainEvent::transitioned(event, facts)).await?;
    Ok(true)
}
