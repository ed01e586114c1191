use sea_orm::entity::prelude::*;

/// One email address's ballot in a public vote.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ballots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub vote_id: i64,
    /// The voter's address, lower-cased: one ballot per address.
    pub email: String,
    pub locale: String,
    /// The confirmed choices (JSON: points per Kennzahl); what counts.
    pub choices: Option<String>,
    /// Choices waiting for their confirmation link.
    pub pending_choices: Option<String>,
    /// SHA-256 of the confirmation link's token; cleared once used.
    pub pending_token_hash: Option<String>,
    /// A keyed hash of the client address, for the same-client signal.
    pub client_tag: String,
    pub created_at: DateTimeUtc,
    pub requested_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
    pub voided_at: Option<DateTimeUtc>,
    pub voided_by: Option<i64>,
    pub void_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
