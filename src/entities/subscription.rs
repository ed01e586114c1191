use sea_orm::entity::prelude::*;

/// "Notify me" for a programme, or for one competition of it (double opt-in).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub email: String,
    pub locale: String,
    pub programme_id: i64,
    /// None: every competition of the programme.
    pub competition_id: Option<i64>,
    /// `pending`, `confirmed` or `unsubscribed`.
    pub status: String,
    /// SHA-256 of the confirmation token, hex.
    #[sea_orm(unique)]
    pub confirm_token_hash: String,
    /// The one-click unsubscribe token in every email.
    #[sea_orm(unique)]
    pub unsubscribe_token: String,
    pub created_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
    pub unsubscribed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
