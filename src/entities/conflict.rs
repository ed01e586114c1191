use sea_orm::entity::prelude::*;

/// A conflict of interest between a juror and an entry: declared by the juror or
/// suspected by the system, and ruled on by staff.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conflicts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub competition_id: i64,
    pub entry_id: i64,
    pub juror_id: i64,
    pub status: crate::domain::jury::conflicts::ConflictStatus,
    /// JSON array of [`crate::domain::jury::conflicts::Hint`]s (suspicions).
    pub hints: String,
    /// The juror's reason for a declaration.
    pub reason: String,
    pub created_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
