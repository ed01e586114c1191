use sea_orm::entity::prelude::*;

/// A place of a programme's overall placement, with its prize.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "overall_places")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub programme_id: i64,
    /// 1 for the first place.
    pub place: i32,
    pub kind: crate::domain::prizes::PrizeKind,
    pub label: String,
    pub value_cents: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
