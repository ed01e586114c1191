//! The jury's use cases (issue 13): the pre-check, the panel, criteria and
//! settings, conflicts of interest, and score sheets. Rules are in
//! [`crate::domain::jury`]; who may act is proven by a capability: a
//! [`Manager`](super::authorization::Manager) for staff, a
//! [`Juror`](super::authorization::Juror) for a seated juror, who is handed
//! entries only through it.
//!
//! Every write of a competition's jury locks the competition's row first, so
//! the moments that fix things (the first score fixes the criteria and the
//! pre-check) cannot race with the changes they fix, on either engine.

pub mod conflicts;
pub mod decision;
pub mod panel;
pub mod precheck;
pub mod protokoll;
pub mod ranking;
pub mod reminders;
pub mod rounds;
pub mod sheets;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use serde_json::json;

use super::audit::{self, AuditRecord};
use super::authorization::Manager;
use super::{ServiceError, competitions, programmes};
use crate::domain::entry_form::Localized;
use crate::domain::jury::criteria::{self, CriterionSpec};
use crate::domain::jury::scoring::Basis;
use crate::domain::jury::{JuryError, may_change_panel};
use crate::entities::{competition, jury, jury_criterion};

/// The jury's settings of a competition, with the defaults where none are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub basis: Basis,
    pub quorum: u32,
    pub others_after_submitting: bool,
    pub deadline: Option<DateTime<Utc>>,
    pub scoring_started_at: Option<DateTime<Utc>>,
    /// When the authors were revealed to the jury (at the first lock).
    pub revealed_at: Option<DateTime<Utc>>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            basis: Basis::Raw,
            quorum: 3,
            others_after_submitting: true,
            deadline: None,
            scoring_started_at: None,
            revealed_at: None,
        }
    }
}

pub(crate) fn basis_name(basis: Basis) -> &'static str {
    match basis {
        Basis::Raw => "raw",
        Basis::Normalised => "normalised",
    }
}

fn settings_of(row: &jury::Model) -> Result<Settings, ServiceError> {
    let basis = match row.basis.as_str() {
        "raw" => Basis::Raw,
        "normalised" => Basis::Normalised,
        other => {
            return Err(ServiceError::Corrupt(format!(
                "juries {}: basis `{other}`",
                row.competition_id
            )));
        }
    };
    Ok(Settings {
        basis,
        quorum: u32::try_from(row.quorum.max(1)).unwrap_or(1),
        others_after_submitting: row.others_after_submitting,
        deadline: row.deadline,
        scoring_started_at: row.scoring_started_at,
        revealed_at: row.revealed_at,
    })
}

/// The jury's settings of competition `id`.
pub async fn settings(conn: &impl ConnectionTrait, id: i64) -> Result<Settings, ServiceError> {
    match jury::Entity::find_by_id(id).one(conn).await? {
        Some(row) => settings_of(&row),
        None => Ok(Settings::default()),
    }
}

/// The jury's settings of competition `id` with the version of its data
/// (None while nothing is stored), in one read.
pub async fn settings_and_version(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<(Settings, Option<i64>), ServiceError> {
    match jury::Entity::find_by_id(id).one(conn).await? {
        Some(row) => Ok((settings_of(&row)?, Some(row.version))),
        None => Ok((Settings::default(), None)),
    }
}

/// Makes sure the competition has its settings row (inside a write).
async fn ensure_row(
    txn: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let defaults = Settings::default();
    jury::Entity::insert(jury::ActiveModel {
        competition_id: Set(id),
        basis: Set(basis_name(defaults.basis).to_owned()),
        quorum: Set(defaults.quorum as i32),
        others_after_submitting: Set(defaults.others_after_submitting),
        deadline: Set(None),
        scoring_started_at: Set(None),
        revealed_at: Set(None),
        version: Set(0),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([jury::Column::CompetitionId])
    .exec(txn)
    .await?;
    Ok(())
}

/// Locks the competition's row for a jury write and reads it and its settings.
async fn locked(
    txn: &impl ConnectionTrait,
    id: i64,
) -> Result<(competition::Model, Settings), ServiceError> {
    super::db::lock_row::<competition::Entity>(txn, id).await?;
    // Every jury write raises the version, so a ranking computed before it
    // is computed again (see ranking::RankingCache).
    jury::Entity::update_many()
        .col_expr(
            jury::Column::Version,
            sea_orm::sea_query::ExprTrait::add(
                sea_orm::sea_query::Expr::col(jury::Column::Version),
                1,
            ),
        )
        .filter(jury::Column::CompetitionId.eq(id))
        .exec(txn)
        .await?;
    let competition = competitions::find(txn, id).await?;
    Ok((competition, settings(txn, id).await?))
}

fn spec_of(row: &jury_criterion::Model) -> CriterionSpec {
    CriterionSpec {
        key: row.key.clone(),
        label: Localized::new(row.label_de.clone(), row.label_en.clone()),
        weight: u32::try_from(row.weight).unwrap_or(1),
        scale_min: row.scale_min,
        scale_max: row.scale_max,
    }
}

/// A stored criterion: its row id and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub id: i64,
    pub spec: CriterionSpec,
}

async fn stored_criteria(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<Vec<Criterion>, ServiceError> {
    Ok(jury_criterion::Entity::find()
        .filter(jury_criterion::Column::CompetitionId.eq(id))
        .order_by_asc(jury_criterion::Column::Position)
        .all(conn)
        .await?
        .iter()
        .map(|row| Criterion {
            id: row.id,
            spec: spec_of(row),
        })
        .collect())
}

/// Writes `specs` as the competition's criteria, replacing the stored ones.
async fn write_criteria(
    txn: &impl ConnectionTrait,
    id: i64,
    specs: &[CriterionSpec],
) -> Result<(), ServiceError> {
    jury_criterion::Entity::delete_many()
        .filter(jury_criterion::Column::CompetitionId.eq(id))
        .exec(txn)
        .await?;
    for (position, spec) in specs.iter().enumerate() {
        jury_criterion::Entity::insert(jury_criterion::ActiveModel {
            competition_id: Set(id),
            key: Set(spec.key.clone()),
            label_de: Set(spec.label.de.trim().to_owned()),
            label_en: Set(if spec.label.en.trim().is_empty() {
                spec.label.de.trim().to_owned()
            } else {
                spec.label.en.trim().to_owned()
            }),
            weight: Set(spec.weight as i32),
            scale_min: Set(spec.scale_min),
            scale_max: Set(spec.scale_max),
            position: Set(position as i32 + 1),
            ..Default::default()
        })
        .exec(txn)
        .await?;
    }
    Ok(())
}

/// The competition's criteria; the defaults (its programme's goals, feasibility,
/// benefit for the city) are stored the first time they are asked for, inside
/// the caller's write transaction.
async fn criteria_in(
    txn: &impl ConnectionTrait,
    competition: &competition::Model,
) -> Result<Vec<Criterion>, ServiceError> {
    let stored = stored_criteria(txn, competition.id).await?;
    if !stored.is_empty() {
        return Ok(stored);
    }
    let programme = programmes::find(txn, competition.programme_id).await?;
    write_criteria(
        txn,
        competition.id,
        &criteria::defaults(&programme.goals()?),
    )
    .await?;
    stored_criteria(txn, competition.id).await
}

/// The competition's criteria as they stand (the defaults if none are stored yet).
pub async fn criteria(
    db: &sea_orm::DatabaseConnection,
    id: i64,
) -> Result<Vec<Criterion>, ServiceError> {
    let stored = stored_criteria(db, id).await?;
    if !stored.is_empty() {
        return Ok(stored);
    }
    let txn = super::begin_write(db).await?;
    let (competition, _) = locked(&txn, id).await?;
    let made = criteria_in(&txn, &competition).await?;
    txn.commit().await?;
    Ok(made)
}

/// Sets the competition's criteria (staff), until the first score is saved.
pub async fn set_criteria(
    db: &sea_orm::DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    specs: Vec<CriterionSpec>,
) -> Result<Vec<Criterion>, ServiceError> {
    let id = manager.competition_id();
    let txn = super::begin_write(db).await?;
    let (competition, settings) = locked(&txn, id).await?;
    may_change_panel(competition.state)?;
    criteria::check(&specs, settings.scoring_started_at.is_some()).map_err(JuryError::from)?;
    write_criteria(&txn, id, &specs).await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "jury.criteria_set", "competition", id).details(
            json!({
                "criteria": specs.iter().map(|c| json!({
                    "key": c.key, "label": c.label.de, "weight": c.weight,
                    "scale": [c.scale_min, c.scale_max],
                })).collect::<Vec<_>>(),
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    stored_criteria(db, id).await
}

/// What staff may change of the jury's settings.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    pub basis: Option<Basis>,
    pub quorum: Option<u32>,
    pub others_after_submitting: Option<bool>,
    /// `Some(None)` clears the deadline.
    pub deadline: Option<Option<DateTime<Utc>>>,
}

/// Changes the jury's settings (staff) while the result is not decided.
pub async fn update_settings(
    db: &sea_orm::DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    change: SettingsChange,
) -> Result<Settings, ServiceError> {
    let id = manager.competition_id();
    if change.quorum.is_some_and(|q| !(1..=50).contains(&q)) {
        return Err(ServiceError::invalid(
            "quorum",
            "the quorum is a whole number of jurors from 1 to 50",
        ));
    }
    let txn = super::begin_write(db).await?;
    let (competition, before) = locked(&txn, id).await?;
    may_change_panel(competition.state)?;
    ensure_row(&txn, id, now).await?;
    let mut row = jury::ActiveModel {
        competition_id: Set(id),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(basis) = change.basis {
        row.basis = Set(basis_name(basis).to_owned());
    }
    if let Some(quorum) = change.quorum {
        row.quorum = Set(quorum as i32);
    }
    if let Some(others) = change.others_after_submitting {
        row.others_after_submitting = Set(others);
    }
    if let Some(deadline) = change.deadline {
        row.deadline = Set(deadline);
    }
    jury::Entity::update(row).exec(&txn).await?;
    let after = settings(&txn, id).await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "jury.settings_changed", "competition", id).details(
            json!({
                "basis": [basis_name(before.basis), basis_name(after.basis)],
                "quorum": [before.quorum, after.quorum],
                "others_after_submitting": [before.others_after_submitting, after.others_after_submitting],
                "deadline": [before.deadline, after.deadline],
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Marks the start of scoring (the first saved score) inside the sheet's write:
/// from now on the criteria and the pre-check are fixed.
async fn start_scoring(
    txn: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    ensure_row(txn, id, now).await?;
    jury::Entity::update_many()
        .col_expr(
            jury::Column::ScoringStartedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(jury::Column::CompetitionId.eq(id))
        .filter(jury::Column::ScoringStartedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// Every recorded conflict of a competition.
async fn conflicts_of(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<Vec<crate::entities::conflict::Model>, ServiceError> {
    use crate::entities::conflict;
    Ok(conflict::Entity::find()
        .filter(conflict::Column::CompetitionId.eq(id))
        .order_by_asc(conflict::Column::Id)
        .all(conn)
        .await?)
}

/// The submitted sheets that count, per entry.
async fn counted_per_entry(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<std::collections::HashMap<i64, u32>, ServiceError> {
    let mut counts = std::collections::HashMap::new();
    for (_, sheet) in sheets::counted_sheets(conn, id, None).await? {
        *counts.entry(sheet.entry_id).or_insert(0) += 1;
    }
    Ok(counts)
}
