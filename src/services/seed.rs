//! Loading a programme from a data file (`config/programmes/*.toml`): the
//! programme, its phases and its competitions, published as `scheduled`. The clock
//! then opens and closes them; dates are data, never code.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use validator::Validate;

use super::audit::{self};
use super::competitions::{self, NewCompetition, competition_audit};
use super::programmes::{self, NewPhase, NewProgramme, programme_audit};
use super::{Actor, ServiceError};
use crate::domain::entry_form::EntryForm;
use crate::domain::{CompetitionState, Money, time::parse_berlin};
use crate::entities::programme;

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeFile {
    #[validate(nested)]
    pub programme: ProgrammeData,
    #[validate(length(min = 1), nested)]
    pub phases: Vec<PhaseData>,
    #[validate(nested)]
    pub competitions: Vec<CompetitionData>,
    /// Entry forms by name; competitions name the one they use.
    #[serde(default)]
    pub forms: BTreeMap<String, EntryForm>,
    /// Who runs the site, read at every start by [`crate::services::site`].
    #[serde(default)]
    pub site: Option<toml::Value>,
}

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeData {
    #[validate(length(min = 1, max = 80))]
    pub slug: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[validate(length(max = 20000))]
    pub description: String,
    #[validate(range(min = 0, max = 100_000_000))]
    pub budget_euros: i64,
    /// The goals ideas may serve.
    #[serde(default)]
    #[validate(length(max = 10))]
    pub goals: Vec<String>,
}

#[derive(Debug, Deserialize, Serialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct PhaseData {
    #[validate(range(min = 1, max = 99))]
    pub number: i32,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
}

#[derive(Debug, Deserialize, Serialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct CompetitionData {
    pub phase: i32,
    #[validate(length(min = 1, max = 80))]
    pub slug: String,
    #[validate(length(min = 1, max = 200))]
    pub target_group: String,
    #[validate(length(min = 1, max = 200))]
    pub headline: String,
    #[validate(length(max = 1000))]
    pub aim: String,
    #[validate(length(max = 20000))]
    pub description: String,
    #[validate(length(max = 5000))]
    pub eligibility_note: String,
    /// Europe/Berlin wall-clock time, e.g. `2020-06-02T00:00`.
    pub opens_at: String,
    pub closes_at: String,
    #[validate(range(min = 0, max = 100_000_000))]
    pub prize_money_euros: i64,
    /// The name of an entry form under `[forms]`; none: title and texts only.
    #[serde(default)]
    pub form: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read the programme file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the programme file {path} is not valid: {message}")]
    Invalid { path: String, message: String },
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Loads the file unless a programme with its slug exists. Returns the slug loaded.
pub async fn load_if_absent(
    db: &DatabaseConnection,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<Option<String>, SeedError> {
    let invalid = |message: String| SeedError::Invalid {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let file: ProgrammeFile = toml::from_str(&text).map_err(|err| invalid(err.to_string()))?;
    file.validate().map_err(|err| invalid(err.to_string()))?;
    for (name, form) in &file.forms {
        form.validate_definition()
            .map_err(|err| invalid(format!("form `{name}`: {err}")))?;
    }

    let exists = programme::Entity::find()
        .filter(programme::Column::Slug.eq(&file.programme.slug))
        .one(db)
        .await
        .map_err(ServiceError::from)?;
    if exists.is_some() {
        return Ok(None);
    }
    let actor = Actor::System("seed");
    let txn = crate::services::begin_write(db)
        .await
        .map_err(ServiceError::from)?;
    let budget =
        Money::from_euros(file.programme.budget_euros).map_err(|e| invalid(e.to_string()))?;
    let programme = programmes::insert(
        &txn,
        now,
        NewProgramme {
            slug: file.programme.slug.clone(),
            name: file.programme.name,
            description: file.programme.description,
            budget,
            goals: file.programme.goals,
        },
    )
    .await?;
    let source = json!({ "file": path.display().to_string() });
    let record = programme_audit(actor, "programme.imported", &programme).details(source.clone());
    audit::record(&txn, now, record)
        .await
        .map_err(ServiceError::from)?;

    let mut phase_ids = Vec::new();
    for phase in file.phases {
        let number = phase.number;
        let created = programmes::insert_phase(
            &txn,
            now,
            programme.id,
            NewPhase {
                number,
                name: phase.name,
            },
        )
        .await?;
        phase_ids.push((number, created.id));
    }
    for data in file.competitions {
        let phase_id = phase_ids
            .iter()
            .find(|(number, _)| *number == data.phase)
            .map(|(_, id)| *id)
            .ok_or_else(|| {
                invalid(format!(
                    "competition `{}` names phase {}, which is not listed",
                    data.slug, data.phase
                ))
            })?;
        let opens_at = parse_berlin(&data.opens_at)
            .map_err(|e| invalid(format!("{}: opens_at {e}", data.slug)))?;
        let closes_at = parse_berlin(&data.closes_at)
            .map_err(|e| invalid(format!("{}: closes_at {e}", data.slug)))?;
        let prize_money =
            Money::from_euros(data.prize_money_euros).map_err(|e| invalid(e.to_string()))?;
        let entry_form = match &data.form {
            None => EntryForm::default(),
            Some(name) => file.forms.get(name).cloned().ok_or_else(|| {
                invalid(format!(
                    "competition `{}` names the form `{name}`, which is not under [forms]",
                    data.slug
                ))
            })?,
        };
        let created = competitions::insert(
            &txn,
            now,
            NewCompetition {
                phase_id,
                slug: data.slug,
                target_group: data.target_group,
                headline: data.headline,
                aim: data.aim,
                description: data.description,
                eligibility_note: data.eligibility_note,
                opens_at: Some(opens_at),
                closes_at: Some(closes_at),
                prize_money,
                entry_form,
            },
            CompetitionState::Scheduled,
        )
        .await?;
        let record = competition_audit(actor, "competition.imported", &created, source.clone())
            .states(None, Some(CompetitionState::Scheduled.as_str()));
        audit::record(&txn, now, record)
            .await
            .map_err(ServiceError::from)?;
    }
    txn.commit().await.map_err(ServiceError::from)?;
    Ok(Some(programme.slug))
}
