use sea_orm::entity::prelude::*;

/// One prize of a competition (see [`crate::domain::prizes`]).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "prizes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub competition_id: i64,
    /// 1, 2, …: the order staff listed them in.
    pub position: i32,
    pub tier: crate::domain::prizes::Tier,
    pub kind: crate::domain::prizes::PrizeKind,
    pub label: String,
    pub value_cents: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
