use sea_orm::entity::prelude::*;

/// A domain event written in the transaction that caused it, for the notification
/// pipeline to pick up.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub occurred_at: DateTimeUtc,
    pub event_type: String,
    pub aggregate_type: String,
    pub aggregate_id: i64,
    /// The [`crate::domain::events::DomainEvent`] as JSON.
    pub payload: String,
    pub processed_at: Option<DateTimeUtc>,
    /// Why the event could not be read; such an event waits for an administrator.
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
