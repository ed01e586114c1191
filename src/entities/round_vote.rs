use sea_orm::entity::prelude::*;

/// One juror's recorded vote on a round's decision.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "round_votes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub decision_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub juror_id: i64,
    pub in_favour: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
