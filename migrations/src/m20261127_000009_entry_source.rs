//! Where an entry came from: online, or recorded by staff from email, paper or the
//! walk-in shop.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Entries::Table)
                    .add_column(string_len(Entries::Source, 12).default("online"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Entries::Table)
                    .drop_column(Entries::Source)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Entries {
    Table,
    Source,
}
