use sea_orm::entity::prelude::*;

/// One criterion the jury of a competition scores.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jury_criteria")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub competition_id: i64,
    pub key: String,
    pub label_de: String,
    pub label_en: String,
    pub weight: i32,
    pub scale_min: i32,
    pub scale_max: i32,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
