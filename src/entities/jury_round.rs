use sea_orm::entity::prelude::*;

/// A round (Rundgang) of the panel's sitting.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jury_rounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub competition_id: i64,
    pub number: i32,
    pub opened_at: DateTimeUtc,
    pub opened_by: Option<i64>,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
