use sea_orm::entity::prelude::*;

/// A co-author invited by email; `user_id` is set once they accept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entry_coauthors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub entry_id: i64,
    pub email: String,
    pub name: String,
    pub user_id: Option<i64>,
    /// SHA-256 of the invitation token (the token itself is only in the email).
    pub token_hash: String,
    pub invited_by: i64,
    pub invited_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
