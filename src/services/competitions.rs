//! Creating, editing and reading competitions. Lifecycle moves are in `lifecycle`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::{Map, Value, json};

use super::audit::{self, AuditRecord};
use super::authorization::{Admin, Manager};
use super::error::{ServiceError, duplicate_or};
use super::{Actor, outbox, programmes};
use crate::domain::edit::{CompetitionEdit, check_edit};
use crate::domain::entry_form::EntryForm;
use crate::domain::events::{DeadlineExtended, DomainEvent};
use crate::domain::prizes::check_budget;
use crate::domain::{CompetitionState, Money, SubmissionWindow};
use crate::entities::stored;
use crate::entities::{audit_entry, competition, phase, programme};

pub struct NewCompetition {
    pub phase_id: i64,
    pub slug: String,
    pub target_group: String,
    pub headline: String,
    pub aim: String,
    pub description: String,
    pub eligibility_note: String,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub prize_money: Money,
    pub entry_form: EntryForm,
}

#[derive(Default)]
pub struct CompetitionChanges {
    pub target_group: Option<String>,
    pub headline: Option<String>,
    pub aim: Option<String>,
    pub description: Option<String>,
    pub eligibility_note: Option<String>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub prize_money: Option<Money>,
    pub entry_form: Option<EntryForm>,
}

/// The competition's entry form (target-group fields and eligibility rules).
pub fn form_of(model: &competition::Model) -> Result<EntryForm, ServiceError> {
    Ok(model.form()?)
}

pub fn window_of(model: &competition::Model) -> SubmissionWindow {
    SubmissionWindow {
        opens_at: model.opens_at,
        closes_at: model.closes_at,
    }
}

/// Creates a competition as a draft in the programme of its phase.
pub async fn create(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    new: NewCompetition,
) -> Result<competition::Model, ServiceError> {
    let actor = admin.actor();
    let txn = crate::services::begin_write(db).await?;
    let created = insert(&txn, now, new, CompetitionState::Draft).await?;
    let record = competition_audit(actor, "competition.created", &created, json!({}))
        .states(None, Some(created.state.as_str()));
    audit::record(&txn, now, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Inserts in `state` after checking the phase, window and budget; no audit row.
pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    new: NewCompetition,
    state: CompetitionState,
) -> Result<competition::Model, ServiceError> {
    let phase = phase::Entity::find_by_id(new.phase_id)
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found("phase", new.phase_id))?;
    if let (Some(opens), Some(closes)) = (new.opens_at, new.closes_at)
        && opens >= closes
    {
        return Err(ServiceError::invalid("closes_at", "must be after opens_at"));
    }
    new.entry_form
        .validate_definition()
        .map_err(|err| ServiceError::invalid("entry_form", err))?;
    // The budget is summed with the programme locked: competitions created or
    // changed at once cannot together pass it.
    crate::services::db::lock_row::<programme::Entity>(conn, phase.programme_id).await?;
    let programme = programmes::find(conn, phase.programme_id).await?;
    let mut promised = promised_from_budget(conn, programme.id, None).await?;
    promised.push(new.prize_money);
    check_budget(programme.budget()?, promised)?;
    let position: Option<i32> = competition::Entity::find()
        .select_only()
        .column_as(competition::Column::Position.max(), "max")
        .filter(competition::Column::ProgrammeId.eq(programme.id))
        .into_tuple::<Option<i32>>()
        .one(conn)
        .await?
        .flatten();
    let slug = new.slug.clone();
    competition::ActiveModel {
        programme_id: Set(programme.id),
        phase_id: Set(phase.id),
        slug: Set(new.slug),
        target_group: Set(new.target_group),
        headline: Set(new.headline),
        aim: Set(new.aim),
        description: Set(new.description),
        eligibility_note: Set(new.eligibility_note),
        opens_at: Set(new.opens_at),
        closes_at: Set(new.closes_at),
        prize_money_cents: Set(new.prize_money.cents()),
        state: Set(state),
        version: Set(1),
        position: Set(position.map_or(1, |p| p + 1)),
        created_at: Set(now),
        updated_at: Set(now),
        entry_form: Set(serde_json::to_string(&new.entry_form)
            .map_err(|err| ServiceError::Corrupt(err.to_string()))?),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|err| duplicate_or(err, "competition", "slug", slug))
}

/// Applies an edit if the lifecycle state allows it; extending an open deadline
/// records a `competition.deadline_extended` event.
pub async fn update(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    changes: CompetitionChanges,
) -> Result<competition::Model, ServiceError> {
    let (actor, id) = (manager.actor(), manager.competition_id());
    let current = find(db, id).await?;
    let state = current.state;
    let texts = changes.target_group.is_some()
        || changes.headline.is_some()
        || changes.aim.is_some()
        || changes.description.is_some()
        || changes.eligibility_note.is_some();
    if let Some(form) = &changes.entry_form {
        form.validate_definition()
            .map_err(|err| ServiceError::invalid("entry_form", err))?;
    }
    let edit = CompetitionEdit {
        opens_at: changes.opens_at,
        closes_at: changes.closes_at,
        prize_money: changes.prize_money,
        texts,
        entry_form: changes.entry_form.is_some(),
    };
    let outcome = check_edit(state, window_of(&current), &edit, now)?;

    let txn = crate::services::begin_write(db).await?;
    if let Some(prize) = changes.prize_money {
        crate::services::db::lock_row::<programme::Entity>(&txn, current.programme_id).await?;
        let programme = programmes::find(&txn, current.programme_id).await?;
        let mut promised = promised_from_budget(&txn, programme.id, Some(id)).await?;
        promised.push(prize);
        check_budget(programme.budget()?, promised)?;
    }
    let mut diff = Map::new();
    let mut model = competition::ActiveModel {
        version: Set(current.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    macro_rules! apply {
        ($field:ident, $value:expr) => {
            if let Some(value) = $value {
                diff.insert(
                    stringify!($field).into(),
                    json!({ "from": current.$field, "to": value }),
                );
                model.$field = Set(value);
            }
        };
    }
    apply!(target_group, changes.target_group);
    apply!(headline, changes.headline);
    apply!(aim, changes.aim);
    apply!(description, changes.description);
    apply!(eligibility_note, changes.eligibility_note);
    apply!(opens_at, changes.opens_at.map(Some));
    apply!(closes_at, changes.closes_at.map(Some));
    apply!(prize_money_cents, changes.prize_money.map(Money::cents));
    let form_json = changes
        .entry_form
        .as_ref()
        .map(|form| {
            serde_json::to_string(form).map_err(|err| ServiceError::Corrupt(err.to_string()))
        })
        .transpose()?;
    apply!(entry_form, form_json);

    let written = competition::Entity::update_many()
        .set(model)
        .filter(competition::Column::Id.eq(id))
        .filter(competition::Column::Version.eq(current.version))
        .filter(competition::Column::State.eq(current.state))
        .exec(&txn)
        .await?;
    if written.rows_affected != 1 {
        return Err(ServiceError::Concurrent("the competition"));
    }
    let updated = find(&txn, id).await?;
    audit::record(
        &txn,
        now,
        competition_audit(actor, "competition.updated", &updated, Value::Object(diff)),
    )
    .await?;
    if outcome.deadline_extended {
        let extended = DeadlineExtended {
            competition_id: id,
            slug: updated.slug.clone(),
            previous_closes_at: current.closes_at,
            closes_at: updated.closes_at,
        };
        outbox::enqueue(&txn, now, &DomainEvent::DeadlineExtended(extended)).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

pub async fn find(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<competition::Model, ServiceError> {
    competition::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found("competition", id))
}

/// A competition the public may see, by its slug.
pub async fn find_public_by_slug(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<competition::Model, ServiceError> {
    competition::Entity::find()
        .filter(competition::Column::Slug.eq(slug))
        .filter(competition::Column::State.ne(CompetitionState::Draft))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("competition", slug))
}

/// All competitions in programme order; drafts only for staff.
pub async fn list(
    db: &DatabaseConnection,
    include_drafts: bool,
) -> Result<Vec<competition::Model>, ServiceError> {
    let mut query = competition::Entity::find();
    if !include_drafts {
        query = query.filter(competition::Column::State.ne(CompetitionState::Draft));
    }
    Ok(query
        .order_by_asc(competition::Column::ProgrammeId)
        .order_by_asc(competition::Column::Position)
        .all(db)
        .await?)
}

/// A programme's competitions in its order, drafts included.
pub async fn list_of_programme(
    conn: &impl ConnectionTrait,
    programme_id: i64,
) -> Result<Vec<competition::Model>, ServiceError> {
    Ok(competition::Entity::find()
        .filter(competition::Column::ProgrammeId.eq(programme_id))
        .order_by_asc(competition::Column::Position)
        .order_by_asc(competition::Column::Id)
        .all(conn)
        .await?)
}

/// The audit trail of one competition, oldest first.
pub async fn history(
    db: &DatabaseConnection,
    manager: &Manager,
) -> Result<Vec<audit_entry::Model>, ServiceError> {
    let id = manager.competition_id();
    find(db, id).await?;
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::SubjectType.eq("competition"))
        .filter(audit_entry::Column::SubjectId.eq(id))
        .order_by_asc(audit_entry::Column::Id)
        .all(db)
        .await?)
}

/// Everything promised from the programme's budget: the competitions' prize
/// money (but `except`'s) and the overall placement's pool.
pub(crate) async fn promised_from_budget(
    conn: &impl ConnectionTrait,
    programme_id: i64,
    except: Option<i64>,
) -> Result<Vec<Money>, ServiceError> {
    let mut promised = promised_prize_money(conn, programme_id, except).await?;
    promised.push(super::overall::pool(conn, programme_id).await?);
    Ok(promised)
}

/// Prize money promised by the programme's live competitions, leaving out `except`.
pub(crate) async fn promised_prize_money(
    conn: &impl ConnectionTrait,
    programme_id: i64,
    except: Option<i64>,
) -> Result<Vec<Money>, ServiceError> {
    let mut query = competition::Entity::find()
        .select_only()
        .column(competition::Column::Id)
        .column(competition::Column::PrizeMoneyCents)
        .filter(competition::Column::ProgrammeId.eq(programme_id))
        .filter(competition::Column::State.ne(CompetitionState::Cancelled));
    if let Some(id) = except {
        query = query.filter(competition::Column::Id.ne(id));
    }
    let cents: Vec<(i64, i64)> = query.into_tuple().all(conn).await?;
    let promised: Vec<Money> = cents
        .into_iter()
        .map(|(id, cents)| {
            Ok(stored::money(
                "competitions",
                id,
                "prize_money_cents",
                cents,
            )?)
        })
        .collect::<Result<_, ServiceError>>()?;
    Ok(promised)
}

pub(crate) fn competition_audit<'a>(
    actor: Actor,
    action: &'a str,
    competition: &competition::Model,
    changes: Value,
) -> AuditRecord<'a> {
    AuditRecord::about(actor, action, "competition", competition.id)
        .details(json!({ "slug": competition.slug, "changes": changes }))
}
