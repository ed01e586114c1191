use sea_orm::entity::prelude::*;

/// The jury's settings for one competition; a competition without a row has the
/// defaults (raw ranking, quorum 3, others' scores after one's own, no deadline).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "juries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub competition_id: i64,
    /// `raw` (weighted mean) or `normalised` (z-scores per juror): what ranks.
    pub basis: String,
    /// Sheets from this many non-conflicted jurors per admitted entry, at least,
    /// before the result may be locked.
    pub quorum: i32,
    /// A juror sees the others' scores only after submitting their own sheet.
    pub others_after_submitting: bool,
    /// Jurors are reminded of open sheets before it.
    pub deadline: Option<DateTimeUtc>,
    /// When the first score was saved: the criteria and the pre-check are fixed.
    pub scoring_started_at: Option<DateTimeUtc>,
    /// When the authors were revealed to the jury (at the first lock).
    pub revealed_at: Option<DateTimeUtc>,
    pub version: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
