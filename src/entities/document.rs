use sea_orm::entity::prelude::*;

/// A document as it was produced (the Protokoll of a locked result), kept
/// unchanged with its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub competition_id: i64,
    pub kind: String,
    pub media_type: String,
    pub content: Vec<u8>,
    pub sha256: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
