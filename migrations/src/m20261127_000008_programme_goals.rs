//! The goals a programme's ideas may serve (Gera: its four sustainability goals).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Programmes::Table)
                    .add_column(text(Programmes::Goals).default("[]"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Programmes::Table)
                    .drop_column(Programmes::Goals)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Goals,
}
