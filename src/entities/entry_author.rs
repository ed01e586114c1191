use sea_orm::entity::prelude::*;

/// Who an entry belongs to, kept apart from its content (anonymity towards the jury).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entry_authors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub entry_id: i64,
    pub user_id: i64,
    pub contact_name: String,
    /// JSON object of the target-group answers that identify the entrant.
    pub details: String,
    /// Optional, for questions about the entry.
    pub contact_phone: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
