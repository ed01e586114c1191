use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "competitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub programme_id: i64,
    pub phase_id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub target_group: String,
    pub headline: String,
    pub aim: String,
    pub description: String,
    pub eligibility_note: String,
    pub opens_at: Option<DateTimeUtc>,
    pub closes_at: Option<DateTimeUtc>,
    /// When a closed competition was last opened again (its new window starts then).
    pub reopened_at: Option<DateTimeUtc>,
    pub prize_money_cents: i64,
    pub state: crate::domain::CompetitionState,
    /// Incremented by every write; the compare-and-set token.
    pub version: i64,
    /// Order within the programme.
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// A [`crate::domain::entry_form::EntryForm`] as JSON: target-group fields and
    /// eligibility rules.
    pub entry_form: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::programme::Entity",
        from = "Column::ProgrammeId",
        to = "super::programme::Column::Id"
    )]
    Programme,
    #[sea_orm(
        belongs_to = "super::phase::Entity",
        from = "Column::PhaseId",
        to = "super::phase::Column::Id"
    )]
    Phase,
}

impl Related<super::programme::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Programme.def()
    }
}

impl Related<super::phase::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Phase.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
