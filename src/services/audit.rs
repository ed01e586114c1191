//! The append-only audit log.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde_json::Value;

use super::Actor;
use crate::entities::audit_entry;

/// One thing that happened, for [`record`].
pub struct AuditRecord<'a> {
    pub actor: Actor,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: i64,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub details: Value,
}

impl<'a> AuditRecord<'a> {
    /// `actor` did `action` to the `subject_type` row `subject_id`; no state
    /// change, reason or details until the builders below add them.
    pub fn about(actor: Actor, action: &'a str, subject_type: &'a str, subject_id: i64) -> Self {
        Self {
            actor,
            action,
            subject_type,
            subject_id,
            from_state: None,
            to_state: None,
            reason: None,
            details: Value::Object(Default::default()),
        }
    }

    /// What changed, as a JSON object.
    pub fn details(self, details: Value) -> Self {
        Self { details, ..self }
    }

    /// Why, in the words of whoever acted.
    pub fn reason(self, reason: Option<&'a str>) -> Self {
        Self { reason, ..self }
    }

    /// The state before and after.
    pub fn states(self, from: Option<&'a str>, to: Option<&'a str>) -> Self {
        Self {
            from_state: from,
            to_state: to,
            ..self
        }
    }
}

/// Appends an audit row inside the caller's transaction.
pub async fn record(
    conn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    entry: AuditRecord<'_>,
) -> Result<(), sea_orm::DbErr> {
    let row = audit_entry::ActiveModel {
        occurred_at: Set(at),
        actor: Set(entry.actor.label()),
        actor_user_id: Set(entry.actor.user_id()),
        action: Set(entry.action.to_owned()),
        subject_type: Set(entry.subject_type.to_owned()),
        subject_id: Set(entry.subject_id),
        from_state: Set(entry.from_state.map(str::to_owned)),
        to_state: Set(entry.to_state.map(str::to_owned)),
        reason: Set(entry.reason.map(str::to_owned)),
        details: Set(entry.details.to_string()),
        ..Default::default()
    };
    audit_entry::Entity::insert(row)
        .exec_without_returning(conn)
        .await
        .map(drop)
}
