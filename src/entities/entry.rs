use sea_orm::entity::prelude::*;

/// An idea's content. Who wrote it is in `entry_authors`, so that what the jury
/// reads carries no identity: only the Kennzahl.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub competition_id: i64,
    pub status: crate::domain::entries::EntryStatus,
    pub title: String,
    pub summary: String,
    pub description: String,
    /// JSON array of the programme goals the idea serves.
    pub goals: String,
    /// Six digits, unique per competition, given at submission.
    pub kennzahl: Option<String>,
    pub receipt_number: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub source: crate::domain::entries::EntrySource,
    /// JSON object of the target-group answers the jury may see (e.g. grade band).
    pub details: String,
    /// When the adult submitting for children confirmed the guardians' consent.
    pub guardian_consent_at: Option<DateTimeUtc>,
    /// When the author of this draft was reminded of the deadline (once).
    pub reminded_at: Option<DateTimeUtc>,
    /// When an idea recorded by staff reached the city (it counts for the
    /// deadline); None for ideas entered online.
    pub arrived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Who the entry belongs to (staff only; see `entry_author`).
    #[sea_orm(has_one = "super::entry_author::Entity")]
    Author,
}

impl Related<super::entry_author::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Author.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
