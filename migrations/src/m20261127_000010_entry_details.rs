//! What the rest of entering ideas needs: the entry form per competition (target
//! group fields and eligibility rules, as data), the answers to it (what the jury may
//! see on the entry; what identifies the entrant beside the author), guardian
//! consent for entries by children, the entrant's phone number, when a draft's
//! author was reminded of the deadline, co-authors invited by email, and attachments.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        let columns = [
            (
                Competitions::Table.into_iden(),
                text(Competitions::EntryForm).default("{}").to_owned(),
            ),
            (
                Entries::Table.into_iden(),
                text(Entries::Details).default("{}").to_owned(),
            ),
            (
                Entries::Table.into_iden(),
                timestamp_with_time_zone_null(Entries::GuardianConsentAt),
            ),
            (
                Entries::Table.into_iden(),
                timestamp_with_time_zone_null(Entries::RemindedAt),
            ),
            (
                EntryAuthors::Table.into_iden(),
                text(EntryAuthors::Details).default("{}").to_owned(),
            ),
            (
                EntryAuthors::Table.into_iden(),
                string_len_null(EntryAuthors::ContactPhone, 40).to_owned(),
            ),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(EntryCoauthors::Table)
                    .col(big_pk_auto(EntryCoauthors::Id))
                    .col(big_integer(EntryCoauthors::EntryId))
                    .col(string_len(EntryCoauthors::Email, 254))
                    .col(string_len(EntryCoauthors::Name, 200))
                    .col(big_integer_null(EntryCoauthors::UserId))
                    .col(string_len(EntryCoauthors::TokenHash, 64))
                    .col(big_integer(EntryCoauthors::InvitedBy))
                    .col(timestamp_with_time_zone(EntryCoauthors::InvitedAt))
                    .col(timestamp_with_time_zone(EntryCoauthors::ExpiresAt))
                    .col(timestamp_with_time_zone_null(EntryCoauthors::AcceptedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntryCoauthors::Table, EntryCoauthors::EntryId)
                            .to(Entries::Table, Entries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntryCoauthors::Table, EntryCoauthors::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_entry_coauthors_email")
                            .col(EntryCoauthors::EntryId)
                            .col(EntryCoauthors::Email)
                            .unique(),
                    )
                    .index(
                        Index::create()
                            .name("uq_entry_coauthors_token")
                            .col(EntryCoauthors::TokenHash)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_entry_coauthors_user")
                    .table(EntryCoauthors::Table)
                    .col(EntryCoauthors::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EntryAttachments::Table)
                    .col(big_pk_auto(EntryAttachments::Id))
                    .col(big_integer(EntryAttachments::EntryId))
                    .col(string_len_uniq(EntryAttachments::StoredName, 64))
                    .col(string_len(EntryAttachments::FileName, 200))
                    .col(string_len(EntryAttachments::MediaType, 100))
                    .col(big_integer(EntryAttachments::SizeBytes))
                    .col(string_len(EntryAttachments::Sha256, 64))
                    .col(big_integer(EntryAttachments::UploadedBy))
                    .col(timestamp_with_time_zone(EntryAttachments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EntryAttachments::Table, EntryAttachments::EntryId)
                            .to(Entries::Table, Entries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_entry_attachments_entry")
                    .table(EntryAttachments::Table)
                    .col(EntryAttachments::EntryId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_entries_competition_status")
                    .table(Entries::Table)
                    .col(Entries::CompetitionId)
                    .col(Entries::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_entry_authors_user")
                    .table(EntryAuthors::Table)
                    .col(EntryAuthors::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EntryAttachments::Table.into_iden(),
            EntryCoauthors::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for (table, column) in [
            (
                EntryAuthors::Table.into_iden(),
                EntryAuthors::ContactPhone.into_iden(),
            ),
            (
                EntryAuthors::Table.into_iden(),
                EntryAuthors::Details.into_iden(),
            ),
            (Entries::Table.into_iden(), Entries::RemindedAt.into_iden()),
            (
                Entries::Table.into_iden(),
                Entries::GuardianConsentAt.into_iden(),
            ),
            (Entries::Table.into_iden(), Entries::Details.into_iden()),
            (
                Competitions::Table.into_iden(),
                Competitions::EntryForm.into_iden(),
            ),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Competitions {
    Table,
    EntryForm,
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
    Details,
    GuardianConsentAt,
    RemindedAt,
}

#[derive(DeriveIden)]
enum EntryAuthors {
    Table,
    UserId,
    Details,
    ContactPhone,
}

#[derive(DeriveIden)]
enum EntryCoauthors {
    Table,
    Id,
    EntryId,
    Email,
    Name,
    UserId,
    TokenHash,
    InvitedBy,
    InvitedAt,
    ExpiresAt,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum EntryAttachments {
    Table,
    Id,
    EntryId,
    StoredName,
    FileName,
    MediaType,
    SizeBytes,
    Sha256,
    UploadedBy,
    CreatedAt,
}
