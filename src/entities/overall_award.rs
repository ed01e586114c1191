use sea_orm::entity::prelude::*;

/// A place of the overall placement awarded to a category winner; withdrawn,
/// never deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "overall_awards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub programme_id: i64,
    pub place_id: i64,
    pub entry_id: i64,
    pub amount_cents: i64,
    pub awarded_by: Option<i64>,
    pub awarded_at: DateTimeUtc,
    pub withdrawn_by: Option<i64>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawal_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
