//! A claimed email carries its claim: the worker that holds it records its outcome
//! only while the claim is still its own (a fencing token), so a late worker cannot
//! overwrite the outcome of the one that took the message over.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EmailMessages::Table)
                    .add_column(string_len_null(EmailMessages::ClaimToken, 64))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EmailMessages::Table)
                    .drop_column(EmailMessages::ClaimToken)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum EmailMessages {
    Table,
    ClaimToken,
}
