//! Programmes (e.g. SMARTCity Gera) and their phases.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use super::audit::{self, AuditRecord};
use super::authorization::Admin;
use super::error::{ServiceError, duplicate_or};
use super::{Actor, competitions};
use crate::domain::Money;
use crate::domain::prizes::check_budget;
use crate::entities::{competition, phase, programme};

pub struct NewProgramme {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub budget: Money,
    pub goals: Vec<String>,
}

#[derive(Default)]
pub struct ProgrammeChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub budget: Option<Money>,
    /// The goals ideas may serve; entries keep the goals they named.
    pub goals: Option<Vec<String>>,
}

/// Goals are named, short and distinct; a programme has one to twelve.
fn checked_goals(goals: Vec<String>) -> Result<Vec<String>, ServiceError> {
    let goals: Vec<String> = goals
        .into_iter()
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty())
        .collect();
    if goals.is_empty() || goals.len() > 12 {
        return Err(ServiceError::invalid(
            "goals",
            "name one to twelve goals, one per line",
        ));
    }
    if let Some(long) = goals.iter().find(|g| g.chars().count() > 100) {
        return Err(ServiceError::invalid(
            "goals",
            format!("a goal has at most 100 characters: `{long}`"),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = goals.iter().find(|g| !seen.insert(g.to_lowercase())) {
        return Err(ServiceError::invalid(
            "goals",
            format!("the goal `{twice}` is named twice"),
        ));
    }
    Ok(goals)
}

pub struct NewPhase {
    pub number: i32,
    pub name: String,
}

#[derive(Default)]
pub struct PhaseChanges {
    pub number: Option<i32>,
    pub name: Option<String>,
}

/// A programme with its phases and the competitions of each phase, in order.
pub struct ProgrammeOverview {
    pub programme: programme::Model,
    pub phases: Vec<(phase::Model, Vec<competition::Model>)>,
}

pub async fn create(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    new: NewProgramme,
) -> Result<programme::Model, ServiceError> {
    let actor = admin.actor();
    let txn = crate::services::begin_write(db).await?;
    let created = insert(&txn, now, new).await?;
    audit::record(
        &txn,
        now,
        programme_audit(actor, "programme.created", &created),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Inserts without auditing, for callers that audit the whole operation themselves.
pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    new: NewProgramme,
) -> Result<programme::Model, ServiceError> {
    let slug = new.slug.clone();
    programme::ActiveModel {
        slug: Set(new.slug),
        name: Set(new.name),
        description: Set(new.description),
        budget_cents: Set(new.budget.cents()),
        goals: Set(serde_json::json!(new.goals).to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|err| duplicate_or(err, "programme", "slug", slug))
}

pub async fn update(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    id: i64,
    changes: ProgrammeChanges,
) -> Result<programme::Model, ServiceError> {
    let actor = admin.actor();
    let txn = crate::services::begin_write(db).await?;
    let current = find(&txn, id).await?;
    if let Some(budget) = changes.budget {
        let promised = competitions::promised_from_budget(&txn, id, None).await?;
        check_budget(budget, promised)?;
    }
    let mut model: programme::ActiveModel = current.into();
    if let Some(name) = changes.name {
        model.name = Set(name);
    }
    if let Some(description) = changes.description {
        model.description = Set(description);
    }
    if let Some(budget) = changes.budget {
        model.budget_cents = Set(budget.cents());
    }
    if let Some(goals) = changes.goals {
        model.goals = Set(serde_json::json!(checked_goals(goals)?).to_string());
    }
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        now,
        programme_audit(actor, "programme.updated", &updated),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> Result<programme::Model, ServiceError> {
    programme::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found("programme", id))
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<programme::Model>, ServiceError> {
    Ok(programme::Entity::find()
        .order_by_asc(programme::Column::Id)
        .all(db)
        .await?)
}

pub async fn list_phases(
    db: &DatabaseConnection,
    programme_id: i64,
) -> Result<Vec<phase::Model>, ServiceError> {
    find(db, programme_id).await?;
    Ok(phase::Entity::find()
        .filter(phase::Column::ProgrammeId.eq(programme_id))
        .order_by_asc(phase::Column::Number)
        .all(db)
        .await?)
}

pub async fn create_phase(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    programme_id: i64,
    new: NewPhase,
) -> Result<phase::Model, ServiceError> {
    let actor = admin.actor();
    let txn = crate::services::begin_write(db).await?;
    find(&txn, programme_id).await?;
    let created = insert_phase(&txn, now, programme_id, new).await?;
    audit::record(&txn, now, phase_audit(actor, "phase.created", &created)).await?;
    txn.commit().await?;
    Ok(created)
}

pub(crate) async fn insert_phase(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    programme_id: i64,
    new: NewPhase,
) -> Result<phase::Model, ServiceError> {
    let number = new.number;
    phase::ActiveModel {
        programme_id: Set(programme_id),
        number: Set(new.number),
        name: Set(new.name),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|err| duplicate_or(err, "phase", "number", number))
}

pub async fn update_phase(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    id: i64,
    changes: PhaseChanges,
) -> Result<phase::Model, ServiceError> {
    let actor = admin.actor();
    let txn = crate::services::begin_write(db).await?;
    let current = phase::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("phase", id))?;
    let mut model: phase::ActiveModel = current.into();
    if let Some(number) = changes.number {
        model.number = Set(number);
    }
    if let Some(name) = changes.name {
        model.name = Set(name);
    }
    model.updated_at = Set(now);
    let number = changes.number.unwrap_or_default();
    let updated = model
        .update(&txn)
        .await
        .map_err(|err| duplicate_or(err, "phase", "number", number))?;
    audit::record(&txn, now, phase_audit(actor, "phase.updated", &updated)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Every programme with its phases and the competitions the viewer may see.
pub async fn overviews(
    db: &DatabaseConnection,
    include_drafts: bool,
) -> Result<Vec<ProgrammeOverview>, ServiceError> {
    let programmes = list(db).await?;
    let phases = phase::Entity::find()
        .order_by_asc(phase::Column::ProgrammeId)
        .order_by_asc(phase::Column::Number)
        .all(db)
        .await?;
    let competitions = competitions::list(db, include_drafts).await?;
    Ok(programmes
        .into_iter()
        .map(|programme| {
            let phases = phases
                .iter()
                .filter(|phase| phase.programme_id == programme.id)
                .map(|phase| {
                    let members = competitions
                        .iter()
                        .filter(|c| c.phase_id == phase.id)
                        .cloned()
                        .collect();
                    (phase.clone(), members)
                })
                .collect();
            ProgrammeOverview { programme, phases }
        })
        .collect())
}

pub(crate) fn programme_audit<'a>(
    actor: Actor,
    action: &'a str,
    programme: &programme::Model,
) -> AuditRecord<'a> {
    AuditRecord::about(actor, action, "programme", programme.id).details(json!({
        "slug": programme.slug,
        "name": programme.name,
        "budget_cents": programme.budget_cents,
    }))
}

fn phase_audit<'a>(actor: Actor, action: &'a str, phase: &phase::Model) -> AuditRecord<'a> {
    AuditRecord::about(actor, action, "phase", phase.id).details(json!({
        "programme_id": phase.programme_id,
        "number": phase.number,
        "name": phase.name,
    }))
}
