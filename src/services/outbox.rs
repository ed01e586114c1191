//! Domain events, written in the transaction that caused them. The notification
//! pipeline turns them into emails; an event that did not commit does not exist.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::domain::events::DomainEvent;
use crate::entities::outbox_event;

/// Appends an event inside the caller's transaction.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    event: &DomainEvent,
) -> Result<(), DbErr> {
    let subject = event.subject();
    let payload = serde_json::to_string(event)
        .map_err(|err| DbErr::Custom(format!("event {} as JSON: {err}", event.name())))?;
    let row = outbox_event::ActiveModel {
        occurred_at: Set(at),
        event_type: Set(event.name().to_owned()),
        aggregate_type: Set(subject.kind.to_owned()),
        aggregate_id: Set(subject.id),
        payload: Set(payload),
        processed_at: Set(None),
        last_error: Set(None),
        ..Default::default()
    };
    outbox_event::Entity::insert(row)
        .exec_without_returning(conn)
        .await
        .map(drop)
}

/// The event a stored row holds.
pub fn read(row: &outbox_event::Model) -> Result<DomainEvent, serde_json::Error> {
    serde_json::from_str(&row.payload)
}
