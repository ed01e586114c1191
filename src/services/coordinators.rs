//! Which coordinator manages which competition.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::audit::{self, AuditRecord};
use super::authorization::Admin;
use super::error::duplicate_or;
use super::{Actor, ServiceError, competitions, users};
use crate::domain::roles::Role;
use crate::entities::competition_coordinator;

fn assignment_audit(
    actor: Actor,
    action: &str,
    competition_id: i64,
    user_id: i64,
) -> AuditRecord<'_> {
    AuditRecord::about(actor, action, "competition", competition_id)
        .details(json!({ "coordinator_id": user_id }))
}

pub async fn assign(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    competition_id: i64,
    user_id: i64,
) -> Result<(), ServiceError> {
    let actor = admin.actor();
    let txn = crate::services::begin_write(db).await?;
    competitions::find(&txn, competition_id).await?;
    let person = users::find(&txn, user_id).await?;
    if person.role != Role::Coordinator {
        return Err(ServiceError::invalid(
            "user_id",
            format!("user {user_id} is not a coordinator; change their role first"),
        ));
    }
    competition_coordinator::ActiveModel {
        competition_id: Set(competition_id),
        user_id: Set(user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| duplicate_or(err, "assignment", "user_id", user_id))?;
    audit::record(
        &txn,
        now,
        assignment_audit(
            actor,
            "competition.coordinator_assigned",
            competition_id,
            user_id,
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn unassign(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    competition_id: i64,
    user_id: i64,
) -> Result<(), ServiceError> {
    let actor = admin.actor();
    let txn = crate::services::begin_write(db).await?;
    let removed = competition_coordinator::Entity::delete_many()
        .filter(competition_coordinator::Column::CompetitionId.eq(competition_id))
        .filter(competition_coordinator::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(ServiceError::not_found(
            "assignment",
            format!("{competition_id}/{user_id}"),
        ));
    }
    audit::record(
        &txn,
        now,
        assignment_audit(
            actor,
            "competition.coordinator_removed",
            competition_id,
            user_id,
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The competitions a person coordinates, by id (administrators' people page).
pub async fn competitions_of(
    db: &DatabaseConnection,
    _admin: &Admin,
    user_id: i64,
) -> Result<Vec<i64>, ServiceError> {
    Ok(competition_coordinator::Entity::find()
        .filter(competition_coordinator::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.competition_id)
        .collect())
}
