use sea_orm::entity::prelude::*;

/// A file attached to an entry. The bytes live in the attachment store under
/// `stored_name` (random, never derived from what the uploader sent).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entry_attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub entry_id: i64,
    #[sea_orm(unique)]
    pub stored_name: String,
    /// The uploader's file name, cleaned, for display and downloads.
    pub file_name: String,
    /// Detected from the content.
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
