use sea_orm::entity::prelude::*;

/// One email to one recipient, in the email outbox until delivered.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// event + recipient + template: the same notification is never queued twice.
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub template: String,
    pub locale: String,
    pub recipient: String,
    /// JSON object with the template's variables.
    pub context: String,
    pub competition_id: Option<i64>,
    pub event_id: Option<i64>,
    pub resent_from_id: Option<i64>,
    pub status: crate::domain::delivery::EmailStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// While `sending`: the claim expires then (a crashed worker's claim is taken over).
    pub locked_until: Option<DateTimeUtc>,
    /// While `sending`: which claim holds the message. Outcomes are recorded only
    /// under the claim that sent it.
    pub claim_token: Option<String>,
    /// How a sent message left (none before it is sent).
    pub delivered_via: Option<crate::domain::delivery::DeliveredVia>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
