use sea_orm::entity::prelude::*;

/// A winner's payout details for one entry, sealed (see `services::secrets`).
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_details")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub entry_id: i64,
    /// Nonce and ciphertext of the details as JSON.
    pub sealed: Vec<u8>,
    /// What staff see of the IBAN (`DE89 **** 3000`); empty when none is needed.
    pub iban_masked: String,
    pub has_address: bool,
    pub updated_by: Option<i64>,
    pub updated_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("payout_detail::Model")
            .field("entry_id", &self.entry_id)
            .field("iban_masked", &self.iban_masked)
            .field("has_address", &self.has_address)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
