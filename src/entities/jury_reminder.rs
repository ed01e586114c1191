use sea_orm::entity::prelude::*;

/// A reminder of open sheets sent to a juror before a jury deadline (once each).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jury_reminders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub competition_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub juror_id: i64,
    /// `scheduled` (before the jury deadline) or `manual` (by staff's button).
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// The jury deadline it was for; for a manual one, the hour it was sent.
    #[sea_orm(primary_key, auto_increment = false)]
    pub deadline: DateTimeUtc,
    pub sent_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
