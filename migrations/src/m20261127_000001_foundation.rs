//! Programmes, phases, competitions, accounts with API tokens, the audit log and the
//! event outbox.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Programmes::Table)
                    .col(big_pk_auto(Programmes::Id))
                    .col(string_len_uniq(Programmes::Slug, 80))
                    .col(string_len(Programmes::Name, 200))
                    .col(text(Programmes::Description))
                    .col(big_integer(Programmes::BudgetCents))
                    .col(timestamp_with_time_zone(Programmes::CreatedAt))
                    .col(timestamp_with_time_zone(Programmes::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Phases::Table)
                    .col(big_pk_auto(Phases::Id))
                    .col(big_integer(Phases::ProgrammeId))
                    .col(integer(Phases::Number))
                    .col(string_len(Phases::Name, 200))
                    .col(timestamp_with_time_zone(Phases::CreatedAt))
                    .col(timestamp_with_time_zone(Phases::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Phases::Table, Phases::ProgrammeId)
                            .to(Programmes::Table, Programmes::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(
                        Index::create()
                            .name("uq_phases_programme_number")
                            .col(Phases::ProgrammeId)
                            .col(Phases::Number)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Competitions::Table)
                    .col(big_pk_auto(Competitions::Id))
                    .col(big_integer(Competitions::ProgrammeId))
                    .col(big_integer(Competitions::PhaseId))
                    .col(string_len_uniq(Competitions::Slug, 80))
                    .col(string_len(Competitions::TargetGroup, 200))
                    .col(string_len(Competitions::Headline, 200))
                    .col(text(Competitions::Aim))
                    .col(text(Competitions::Description))
                    .col(text(Competitions::EligibilityNote))
                    .col(timestamp_with_time_zone_null(Competitions::OpensAt))
                    .col(timestamp_with_time_zone_null(Competitions::ClosesAt))
                    .col(big_integer(Competitions::PrizeMoneyCents))
                    .col(string_len(Competitions::State, 20))
                    .col(big_integer(Competitions::Version))
                    .col(integer(Competitions::Position))
                    .col(timestamp_with_time_zone(Competitions::CreatedAt))
                    .col(timestamp_with_time_zone(Competitions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Competitions::Table, Competitions::ProgrammeId)
                            .to(Programmes::Table, Programmes::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Competitions::Table, Competitions::PhaseId)
                            .to(Phases::Table, Phases::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_competitions_state")
                    .table(Competitions::Table)
                    .col(Competitions::State)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string_len(Users::DisplayName, 200))
                    .col(string_len(Users::Role, 20))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(big_pk_auto(ApiTokens::Id))
                    .col(big_integer(ApiTokens::UserId))
                    .col(string_len(ApiTokens::Name, 100))
                    .col(string_len_uniq(ApiTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::OccurredAt))
                    .col(string_len(AuditLog::Actor, 100))
                    .col(big_integer_null(AuditLog::ActorUserId))
                    .col(string_len(AuditLog::Action, 60))
                    .col(string_len(AuditLog::SubjectType, 40))
                    .col(big_integer(AuditLog::SubjectId))
                    .col(string_len_null(AuditLog::FromState, 20))
                    .col(string_len_null(AuditLog::ToState, 20))
                    .col(text_null(AuditLog::Reason))
                    .col(text(AuditLog::Details))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_log_subject")
                    .table(AuditLog::Table)
                    .col(AuditLog::SubjectType)
                    .col(AuditLog::SubjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OutboxEvents::Table)
                    .col(big_pk_auto(OutboxEvents::Id))
                    .col(timestamp_with_time_zone(OutboxEvents::OccurredAt))
                    .col(string_len(OutboxEvents::EventType, 60))
                    .col(string_len(OutboxEvents::AggregateType, 40))
                    .col(big_integer(OutboxEvents::AggregateId))
                    .col(text(OutboxEvents::Payload))
                    .col(timestamp_with_time_zone_null(OutboxEvents::ProcessedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_events_unprocessed")
                    .table(OutboxEvents::Table)
                    .col(OutboxEvents::ProcessedAt)
                    .col(OutboxEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OutboxEvents::Table.into_iden(),
            AuditLog::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Users::Table.into_iden(),
            Competitions::Table.into_iden(),
            Phases::Table.into_iden(),
            Programmes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Programmes {
    Table,
    Id,
    Slug,
    Name,
    Description,
    BudgetCents,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Phases {
    Table,
    Id,
    ProgrammeId,
    Number,
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Competitions {
    Table,
    Id,
    ProgrammeId,
    PhaseId,
    Slug,
    TargetGroup,
    Headline,
    Aim,
    Description,
    EligibilityNote,
    OpensAt,
    ClosesAt,
    PrizeMoneyCents,
    State,
    Version,
    Position,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OccurredAt,
    Actor,
    ActorUserId,
    Action,
    SubjectType,
    SubjectId,
    FromState,
    ToState,
    Reason,
    Details,
}

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    Id,
    OccurredAt,
    EventType,
    AggregateType,
    AggregateId,
    Payload,
    ProcessedAt,
}
