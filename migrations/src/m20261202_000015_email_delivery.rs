//! How a sent message left: `smtp` (handed to the mail server) or `file` (written as
//! an `.eml` file because no mail server is configured), so the outbox does not
//! call a file "sent".

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
                    .add_column(string_len_null(EmailMessages::DeliveredVia, 16))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EmailMessages::Table)
                    .drop_column(EmailMessages::DeliveredVia)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum EmailMessages {
    Table,
    DeliveredVia,
}
