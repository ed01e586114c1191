use sea_orm::entity::prelude::*;

/// A public vote: how people vote, and when. It belongs to one competition
/// (its admitted entries are the shortlist) or to a programme (its
/// shortlist is in `vote_entries`), never both.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "votes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub competition_id: Option<i64>,
    pub programme_id: Option<i64>,
    pub mode: crate::domain::vote::VoteMode,
    pub points: i32,
    pub max_per_entry: i32,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub updated_by: Option<i64>,
    pub updated_at: DateTimeUtc,
}

impl Model {
    /// What the vote is about.
    pub fn scope(&self) -> crate::domain::vote::VoteScope {
        use crate::domain::vote::VoteScope;
        match (self.competition_id, self.programme_id) {
            (Some(id), _) => VoteScope::Competition(id),
            (None, Some(id)) => VoteScope::Programme(id),
            // The schema's CHECK keeps exactly one of them set.
            (None, None) => VoteScope::Programme(0),
        }
    }

    pub fn rules(&self) -> crate::domain::vote::VoteRules {
        crate::domain::vote::VoteRules {
            mode: self.mode,
            points: self.points.max(0) as u32,
            max_per_entry: self.max_per_entry.max(0) as u32,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
