use sea_orm::entity::prelude::*;

/// A competition's public vote: how people vote, and when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "votes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub competition_id: i64,
    pub mode: crate::domain::vote::VoteMode,
    pub points: i32,
    pub max_per_entry: i32,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub updated_by: Option<i64>,
    pub updated_at: DateTimeUtc,
}

impl Model {
    pub fn rules(&self) -> crate::domain::vote::VoteRules {
        crate::domain::vote::VoteRules {
            mode: self.mode,
            points: self.points.max(0) as u32,
            max_per_entry: self.max_per_entry.max(0) as u32,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
