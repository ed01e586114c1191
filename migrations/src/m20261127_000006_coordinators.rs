//! Coordinators manage the competitions assigned to them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CompetitionCoordinators::Table)
                    .col(big_pk_auto(CompetitionCoordinators::Id))
                    .col(big_integer(CompetitionCoordinators::CompetitionId))
                    .col(big_integer(CompetitionCoordinators::UserId))
                    .col(timestamp_with_time_zone(CompetitionCoordinators::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                CompetitionCoordinators::Table,
                                CompetitionCoordinators::CompetitionId,
                            )
                            .to(Competitions::Table, Competitions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                CompetitionCoordinators::Table,
                                CompetitionCoordinators::UserId,
                            )
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_competition_coordinators")
                            .col(CompetitionCoordinators::CompetitionId)
                            .col(CompetitionCoordinators::UserId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(CompetitionCoordinators::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Competitions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CompetitionCoordinators {
    Table,
    Id,
    CompetitionId,
    UserId,
    CreatedAt,
}
