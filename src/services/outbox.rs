//! Domain events, written in the transaction that caused them. The notification
//! pipeline turns them into emails; an event that did not commit does not exist.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde_json::Value;

use crate::entities::outbox_event;

/// Appends an event inside the caller's transaction.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    event_type: &str,
    aggregate_type: &str,
    aggregate_id: i64,
    payload: Value,
) -> Result<(), sea_orm::DbErr> {
    let row = outbox_event::ActiveModel {
        occurred_at: Set(at),
        event_type: Set(event_type.to_owned()),
        aggregate_type: Set(aggregate_type.to_owned()),
        aggregate_id: Set(aggregate_id),
        payload: Set(payload.to_string()),
        processed_at: Set(None),
        ..Default::default()
    };
    outbox_event::Entity::insert(row)
        .exec_without_returning(conn)
        .await
        .map(drop)
}
