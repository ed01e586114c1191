//! When an idea recorded by staff reached the city (by post, email or at the shop):
//! it counts for the deadline, not the day it was typed in. Null for ideas entered
//! online (they arrived when they were submitted).

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
                    .add_column(timestamp_with_time_zone_null(Entries::ArrivedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Entries::Table)
                    .drop_column(Entries::ArrivedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Entries {
    Table,
    ArrivedAt,
}
