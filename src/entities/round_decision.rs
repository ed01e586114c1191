use sea_orm::entity::prelude::*;

/// What a round decided about one entry: on to the next round or out.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "round_decisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub round_id: i64,
    pub entry_id: i64,
    /// `on` or `out`.
    pub outcome: String,
    /// `chair` or `vote`.
    pub method: String,
    pub votes_for: i32,
    pub votes_against: i32,
    pub remark: String,
    pub decided_by: Option<i64>,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
