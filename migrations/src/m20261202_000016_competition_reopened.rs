//! When a closed competition was opened again: its page then shows the new window
//! ("wieder geöffnet am …" and the new deadline), not the first start next to the
//! new deadline.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Competitions::Table)
                    .add_column(timestamp_with_time_zone_null(Competitions::ReopenedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Competitions::Table)
                    .drop_column(Competitions::ReopenedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Competitions {
    Table,
    ReopenedAt,
}
