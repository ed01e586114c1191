//! Email: messages to deliver (the email outbox) and "notify me" subscriptions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EmailMessages::Table)
                    .col(big_pk_auto(EmailMessages::Id))
                    .col(string_len_uniq(EmailMessages::IdempotencyKey, 255))
                    .col(string_len(EmailMessages::Template, 60))
                    .col(string_len(EmailMessages::Locale, 5))
                    .col(string_len(EmailMessages::Recipient, 254))
                    .col(text(EmailMessages::Context))
                    .col(big_integer_null(EmailMessages::CompetitionId))
                    .col(big_integer_null(EmailMessages::EventId))
                    .col(big_integer_null(EmailMessages::ResentFromId))
                    .col(string_len(EmailMessages::Status, 10))
                    .col(integer(EmailMessages::Attempts))
                    .col(timestamp_with_time_zone(EmailMessages::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(EmailMessages::LockedUntil))
                    .col(text_null(EmailMessages::LastError))
                    .col(timestamp_with_time_zone(EmailMessages::CreatedAt))
                    .col(timestamp_with_time_zone_null(EmailMessages::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_email_messages_due")
                    .table(EmailMessages::Table)
                    .col(EmailMessages::Status)
                    .col(EmailMessages::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .col(big_pk_auto(Subscriptions::Id))
                    .col(string_len(Subscriptions::Email, 254))
                    .col(string_len(Subscriptions::Locale, 5))
                    .col(big_integer(Subscriptions::ProgrammeId))
                    .col(big_integer_null(Subscriptions::CompetitionId))
                    .col(string_len(Subscriptions::Status, 15))
                    .col(string_len_uniq(Subscriptions::ConfirmTokenHash, 64))
                    .col(string_len_uniq(Subscriptions::UnsubscribeToken, 64))
                    .col(timestamp_with_time_zone(Subscriptions::CreatedAt))
                    .col(timestamp_with_time_zone_null(Subscriptions::ConfirmedAt))
                    .col(timestamp_with_time_zone_null(Subscriptions::UnsubscribedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Subscriptions::Table, Subscriptions::ProgrammeId)
                            .to(Programmes::Table, Programmes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_subscriptions_programme")
                    .table(Subscriptions::Table)
                    .col(Subscriptions::ProgrammeId)
                    .col(Subscriptions::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Subscriptions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(EmailMessages::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EmailMessages {
    Table,
    Id,
    IdempotencyKey,
    Template,
    Locale,
    Recipient,
    Context,
    CompetitionId,
    EventId,
    ResentFromId,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Id,
    Email,
    Locale,
    ProgrammeId,
    CompetitionId,
    Status,
    ConfirmTokenHash,
    UnsubscribeToken,
    CreatedAt,
    ConfirmedAt,
    UnsubscribedAt,
}
