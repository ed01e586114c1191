use sea_orm::entity::prelude::*;

/// A juror's seat on one competition's panel, from invitation to answer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub competition_id: i64,
    pub user_id: i64,
    pub role: crate::domain::jury::panel::PanelRole,
    pub invited_by: Option<i64>,
    pub invited_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub declined_at: Option<DateTimeUtc>,
}

impl Model {
    pub fn seat(&self) -> crate::domain::jury::panel::Seat {
        crate::domain::jury::panel::Seat::of(self.accepted_at.is_some(), self.declined_at.is_some())
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::competition::Entity",
        from = "Column::CompetitionId",
        to = "super::competition::Column::Id"
    )]
    Competition,
}

impl Related<super::competition::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Competition.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
