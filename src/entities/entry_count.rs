use sea_orm::entity::prelude::*;

/// How many entries a competition has per status and source, in shards that
/// triggers keep current (migration 000019); a count is the sum of the shards.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entry_counts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub competition_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    /// An `EntryStatus`.
    pub status: String,
    #[sea_orm(primary_key, auto_increment = false)]
    /// An `EntrySource`.
    pub source: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub shard: i32,
    pub n: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
