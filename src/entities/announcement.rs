use sea_orm::entity::prelude::*;

/// The scheduled (and then made) announcement of a competition's results.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "announcements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub competition_id: i64,
    /// The embargo: nothing about the winners is public or sent before it.
    pub scheduled_for: DateTimeUtc,
    /// The jury's statement, shown with the results.
    pub statement: String,
    /// The other entrants' thank-you emails carry their anonymous jury feedback.
    pub with_feedback: bool,
    pub scheduled_by: Option<i64>,
    pub updated_at: DateTimeUtc,
    /// When the competition moved to `announced` (once).
    pub announced_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
