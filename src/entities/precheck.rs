use sea_orm::entity::prelude::*;

/// The pre-check's verdict on one entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "prechecks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub entry_id: i64,
    pub competition_id: i64,
    /// `admitted` or `excluded` (read with [`Model::verdict`]).
    pub verdict: String,
    pub reason: Option<crate::domain::jury::precheck::ExclusionReason>,
    /// Free text with the verdict; told to an excluded entrant.
    pub remark: String,
    /// A short neutral note the jury sees with the entry.
    pub jury_note: String,
    pub decided_by: Option<i64>,
    pub decided_at: DateTimeUtc,
}

impl Model {
    pub fn verdict(
        &self,
    ) -> Result<crate::domain::jury::precheck::Verdict, super::stored::Unreadable> {
        use crate::domain::jury::precheck::Verdict;
        match (self.verdict.as_str(), self.reason) {
            ("admitted", None) => Ok(Verdict::Admitted),
            ("excluded", Some(reason)) => Ok(Verdict::Excluded(reason)),
            (other, reason) => Err(super::stored::Unreadable {
                table: "prechecks",
                id: self.entry_id,
                column: "verdict",
                reason: format!("`{other}` with reason {reason:?}"),
            }),
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
