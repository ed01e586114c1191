//! Entries (ideas): content apart from the author's identity, versions of submitted
//! entries, and idempotency keys for retried requests.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Entries::Table)
                    .col(big_pk_auto(Entries::Id))
                    .col(big_integer(Entries::CompetitionId))
                    .col(string_len(Entries::Status, 12))
                    .col(string_len(Entries::Title, 200))
                    .col(text(Entries::Summary))
                    .col(text(Entries::Description))
                    .col(text(Entries::Goals))
                    .col(string_len_null(Entries::Kennzahl, 6))
                    .col(string_len_null(Entries::ReceiptNumber, 40))
                    .col(integer(Entries::Version))
                    .col(timestamp_with_time_zone(Entries::CreatedAt))
                    .col(timestamp_with_time_zone(Entries::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Entries::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Entries::WithdrawnAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Entries::Table, Entries::CompetitionId)
                            .to(Competitions::Table, Competitions::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(
                        Index::create()
                            .name("uq_entries_kennzahl")
                            .col(Entries::CompetitionId)
                            .col(Entries::Kennzahl)
                            .unique(),
                    )
                    .index(
                        Index::create()
                            .name("uq_entries_receipt")
                            .col(Entries::ReceiptNumber)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EntryAuthors::Table)
                    .col(big_pk_auto(EntryAuthors::Id))
                    .col(big_integer_uniq(EntryAuthors::EntryId))
                    .col(big_integer(EntryAuthors::UserId))
                    .col(string_len(EntryAuthors::ContactName, 200))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntryAuthors::Table, EntryAuthors::EntryId)
                            .to(Entries::Table, Entries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntryAuthors::Table, EntryAuthors::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EntryVersions::Table)
                    .col(big_pk_auto(EntryVersions::Id))
                    .col(big_integer(EntryVersions::EntryId))
                    .col(integer(EntryVersions::Version))
                    .col(text(EntryVersions::Content))
                    .col(timestamp_with_time_zone(EntryVersions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntryVersions::Table, EntryVersions::EntryId)
                            .to(Entries::Table, Entries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(big_pk_auto(IdempotencyKeys::Id))
                    .col(big_integer(IdempotencyKeys::UserId))
                    .col(string_len(IdempotencyKeys::Key, 100))
                    .col(string_len(IdempotencyKeys::Operation, 60))
                    .col(big_integer(IdempotencyKeys::ResultId))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .index(
                        Index::create()
                            .name("uq_idempotency_keys")
                            .col(IdempotencyKeys::UserId)
                            .col(IdempotencyKeys::Key)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            EntryVersions::Table.into_iden(),
            EntryAuthors::Table.into_iden(),
            Entries::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
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
enum Entries {
    Table,
    Id,
    CompetitionId,
    Status,
    Title,
    Summary,
    Description,
    Goals,
    Kennzahl,
    ReceiptNumber,
    Version,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
    WithdrawnAt,
}

#[derive(DeriveIden)]
enum EntryAuthors {
    Table,
    Id,
    EntryId,
    UserId,
    ContactName,
}

#[derive(DeriveIden)]
enum EntryVersions {
    Table,
    Id,
    EntryId,
    Version,
    Content,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    UserId,
    Key,
    Operation,
    ResultId,
    CreatedAt,
}
