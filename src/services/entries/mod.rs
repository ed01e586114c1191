//! Entering ideas: drafts (`drafts`), submission with receipt and Kennzahl and
//! withdrawal (`submission`), entries submitted as they are created, online or by
//! staff (`one_step`), and deadline reminders (`reminders`). This module holds what
//! they share: the content, the checks, who may see an entry.
//!
//! Only an entry's authors see it here; the author's identity (and the answers that
//! identify them) is stored apart from the content the jury will read.

use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::audit::{self, AuditRecord};
use super::catalogue::Catalogue;
use super::error::is_unique_violation;
use super::notifications::competition_facts;
use super::writes::Writes;
use super::{Actor, ServiceError, authorization, competitions, outbox, programmes};
use crate::domain::entries::{self as rules, EntryAction, EntryStatus};
use crate::domain::entry_form::{Answers, Completeness, FieldProblem, Localized};
use crate::entities::{
    competition, entry, entry_author, entry_coauthor, entry_version, idempotency_key, programme,
    user,
};

mod drafts;
mod one_step;
mod reminders;
mod submission;

pub use crate::services::authorization::{EntryAuthor, Membership};
pub use drafts::{create, update};
pub use one_step::{Arrival, OneStepSubmission, enter_on_behalf, has_no_address, submit_new};
pub use reminders::remind_drafts;
pub use submission::{submit, withdraw};

/// What an entrant writes.
#[derive(Debug, Clone, Default)]
pub struct EntryContent {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub goals: Vec<String>,
    /// Answers to the competition's entry form, by field key.
    pub details: BTreeMap<String, String>,
    /// For children's entries: the adult confirms the guardians' consent.
    pub guardian_consent: bool,
    /// The name to contact about the entry; none: the account's name (or, when
    /// changing an entry, the name given before).
    pub contact_name: Option<String>,
    /// An optional phone number for questions about the entry.
    pub contact_phone: Option<String>,
}

/// Contact details must be short and a phone number must look like one.
fn contact_problems(content: &EntryContent) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    if let Some(name) = &content.contact_name
        && (name.trim().is_empty() || name.chars().count() > 200)
    {
        problems.push(FieldProblem {
            field: "contact_name".into(),
            message: Localized::new(
                "Bitte geben Sie einen Namen an (höchstens 200 Zeichen).",
                "Please give a name (at most 200 characters).",
            ),
        });
    }
    if let Some(phone) = &content.contact_phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +()/-".contains(c));
        if !allowed || !(5..=20).contains(&digits) || phone.chars().count() > 40 {
            problems.push(FieldProblem {
                field: "contact_phone".into(),
                message: Localized::new(
                    "Bitte geben Sie eine Telefonnummer nur mit Ziffern, Leerzeichen und + ( ) / - an, zum Beispiel 0365 838-0.",
                    "Please give a phone number using only digits, spaces and + ( ) / -, for example +49 365 838-0.",
                ),
            });
        }
    }
    problems
}

/// The author row of an entry: contact details and the answers that identify them.
pub async fn author_of(
    conn: &impl ConnectionTrait,
    entry_id: i64,
) -> Result<Option<entry_author::Model>, ServiceError> {
    Ok(entry_author::Entity::find()
        .filter(entry_author::Column::EntryId.eq(entry_id))
        .one(conn)
        .await?)
}

impl EntryContent {
    /// What a kept version holds: the content and what the jury may see.
    fn version_json(&self, jury: &BTreeMap<String, String>) -> Value {
        json!({
            "title": self.title,
            "summary": self.summary,
            "description": self.description,
            "goals": self.goals,
            "details": jury,
        })
    }
}

/// Checks the answers against the competition's form; `Submit` also demands the
/// required fields, the eligibility rules and (for children) guardian consent.
fn check_answers(
    competition: &competition::Model,
    details: &BTreeMap<String, String>,
    guardian_consent: bool,
    completeness: Completeness,
) -> Result<Answers, ServiceError> {
    let form = competitions::form_of(competition)?;
    form.check(details, guardian_consent, completeness)
        .map_err(ServiceError::Fields)
}

/// What an entrant wrote, checked against the competition (the goals apart, see
/// [`checked_content`]): the texts, contact details and the form's answers, every
/// problem at once.
fn content_rules(
    competition: &competition::Model,
    content: &EntryContent,
    completeness: Completeness,
) -> Result<Answers, ServiceError> {
    let mut problems = rules::text_problems(&content.title, &content.summary, &content.description);
    problems.extend(contact_problems(content));
    let answers = check_answers(
        competition,
        &content.details,
        content.guardian_consent,
        completeness,
    );
    match answers {
        Ok(answers) if problems.is_empty() => Ok(answers),
        Ok(_) => Err(ServiceError::Fields(problems)),
        Err(ServiceError::Fields(more)) => {
            problems.extend(more);
            Err(ServiceError::Fields(problems))
        }
        Err(other) => Err(other),
    }
}

/// Every check on what an entrant wrote; returns the answers, split by who may see
/// them.
async fn checked_content(
    conn: &impl ConnectionTrait,
    competition: &competition::Model,
    content: &EntryContent,
    completeness: Completeness,
) -> Result<Answers, ServiceError> {
    check_goals(conn, competition, &content.goals).await?;
    content_rules(competition, content, completeness)
}

fn json_of(map: &BTreeMap<String, String>) -> String {
    json!(map).to_string()
}

/// All answers of an entry: those the jury sees and those kept with the author.
pub async fn answers_of(
    conn: &impl ConnectionTrait,
    entry: &entry::Model,
) -> Result<BTreeMap<String, String>, ServiceError> {
    let author = author_of(conn, entry.id).await?;
    all_answers(entry, author.as_ref())
}

/// An entry's answers: those on the entry and those kept with its author.
pub(crate) fn all_answers(
    entry: &entry::Model,
    author: Option<&entry_author::Model>,
) -> Result<BTreeMap<String, String>, ServiceError> {
    let mut all = entry.jury_answers()?;
    if let Some(author) = author {
        all.extend(author.answers()?);
    }
    Ok(all)
}

/// An entry with everything its authors see.
pub struct Authored {
    pub entry: entry::Model,
    /// All answers to the entry form.
    pub answers: BTreeMap<String, String>,
    pub contact_name: String,
    pub contact_phone: Option<String>,
}

impl Authored {
    /// What its authors wrote, as they would send it again.
    pub fn content(&self) -> Result<EntryContent, ServiceError> {
        Ok(EntryContent {
            details: self.answers.clone(),
            contact_name: Some(self.contact_name.clone()),
            contact_phone: self.contact_phone.clone(),
            ..content_of(&self.entry)?
        })
    }
}

/// The entry with all its answers and contact details.
pub async fn authored(
    conn: &impl ConnectionTrait,
    entry: entry::Model,
) -> Result<Authored, ServiceError> {
    let author = author_of(conn, entry.id).await?;
    Ok(Authored {
        answers: all_answers(&entry, author.as_ref())?,
        contact_name: author
            .as_ref()
            .map(|a| a.contact_name.clone())
            .ok_or_else(|| {
                ServiceError::Corrupt(format!("entries {}: no row in entry_authors", entry.id))
            })?,
        contact_phone: author.and_then(|a| a.contact_phone),
        entry,
    })
}

/// An audit row about an entry (its content, files or co-authors).
pub(crate) fn entry_audit<'a>(
    actor: Actor,
    action: &'a str,
    entry: &entry::Model,
    details: Value,
) -> AuditRecord<'a> {
    AuditRecord::about(actor, action, "entry", entry.id).details(details)
}

/// Goals must be among the programme's (when it names any).
async fn check_goals(
    conn: &impl ConnectionTrait,
    competition: &competition::Model,
    goals: &[String],
) -> Result<(), ServiceError> {
    if goals.is_empty() {
        return Ok(());
    }
    let programme = programmes::find(conn, competition.programme_id).await?;
    goals_of_programme(&programme, goals)
}

/// Goals must be among the programme's (when it names any).
fn goals_of_programme(programme: &programme::Model, goals: &[String]) -> Result<(), ServiceError> {
    let allowed = programme.goals()?;
    if let Some(unknown) = goals
        .iter()
        .find(|g| !allowed.is_empty() && !allowed.contains(g))
    {
        return Err(ServiceError::invalid(
            "goals",
            format!(
                "`{unknown}` is not a goal of {}; choose among: {}",
                programme.name,
                allowed.join("; ")
            ),
        ));
    }
    Ok(())
}

/// Checks the rule for `action` against the competition at `now`; returns the
/// competition and the entry's status afterwards.
async fn check(
    conn: &impl ConnectionTrait,
    competition_id: i64,
    action: EntryAction,
    status: Option<EntryStatus>,
    now: DateTime<Utc>,
) -> Result<(competition::Model, EntryStatus), ServiceError> {
    let competition = competitions::find(conn, competition_id).await?;
    let next = decide(&competition, action, status, now)?;
    Ok((competition, next))
}

/// The entry rule for `action` in `competition` at `now`.
fn decide(
    competition: &competition::Model,
    action: EntryAction,
    status: Option<EntryStatus>,
    now: DateTime<Utc>,
) -> Result<EntryStatus, ServiceError> {
    let state = competition.state;
    if !state.is_public() {
        return Err(ServiceError::not_found("competition", competition.id));
    }
    Ok(rules::decide(
        action,
        status,
        state,
        competitions::window_of(competition),
        now,
    )?)
}

/// Whether the entry may still change now (open competition, before the deadline,
/// not withdrawn).
pub(crate) async fn check_editable(
    conn: &impl ConnectionTrait,
    entry: &entry::Model,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    check(
        conn,
        entry.competition_id,
        EntryAction::Edit,
        Some(entry.status),
        now,
    )
    .await
    .map(|_| ())
}

/// The operation a key belongs to: one kind of request on one competition.
fn keyed(kind: &str, competition_id: i64) -> String {
    format!("{kind}:{competition_id}")
}

/// The entry an earlier request with `key` made for `operation`. A key already
/// used for another operation or competition is refused, never answered with that
/// request's entry.
async fn earlier(
    db: &DatabaseConnection,
    user_id: i64,
    key: &str,
    operation: &str,
) -> Result<Option<i64>, ServiceError> {
    let Some(found) = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::UserId.eq(user_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if found.operation != operation {
        return Err(ServiceError::invalid(
            "Idempotency-Key",
            "this key was used for another request; send a new key for a new request",
        ));
    }
    Ok(Some(found.result_id))
}

/// The person's entries (their own and those they co-author), newest first.
pub async fn mine(
    db: &DatabaseConnection,
    person: &user::Model,
) -> Result<Vec<entry::Model>, ServiceError> {
    let mut ids: Vec<i64> = entry_author::Entity::find()
        .filter(entry_author::Column::UserId.eq(person.id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.entry_id)
        .collect();
    ids.extend(
        entry_coauthor::Entity::find()
            .filter(entry_coauthor::Column::UserId.eq(person.id))
            .all(db)
            .await?
            .into_iter()
            .map(|c| c.entry_id),
    );
    Ok(entry::Entity::find()
        .filter(entry::Column::Id.is_in(ids))
        .order_by_desc(entry::Column::Id)
        .all(db)
        .await?)
}

async fn save_version(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    entry_id: i64,
    version: i32,
    content: &EntryContent,
    jury: &BTreeMap<String, String>,
) -> Result<(), ServiceError> {
    let row = entry_version::ActiveModel {
        entry_id: Set(entry_id),
        version: Set(version),
        content: Set(content.version_json(jury).to_string()),
        created_at: Set(now),
        ..Default::default()
    };
    entry_version::Entity::insert(row)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

fn content_of(model: &entry::Model) -> Result<EntryContent, ServiceError> {
    Ok(EntryContent {
        title: model.title.clone(),
        summary: model.summary.clone(),
        description: model.description.clone(),
        goals: model.goals()?,
        details: model.jury_answers()?,
        guardian_consent: model.guardian_consent_at.is_some(),
        contact_name: None,
        contact_phone: None,
    })
}

/// Runs `attempt` again when it failed on a unique index: a Kennzahl that another
/// entry drew at the same moment (one in a million per entry).
async fn retrying_collisions<T, F, Fut>(mut attempt: F) -> Result<T, ServiceError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ServiceError>>,
{
    for _ in 0..10 {
        match attempt().await {
            Err(ServiceError::Database(err)) if is_unique_violation(&err) => continue,
            outcome => return outcome,
        }
    }
    Err(ServiceError::Concurrent("the Kennzahl"))
}

/// The entry if `person` wrote it or co-authors it; otherwise "not found".
pub async fn find_own(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    id: i64,
) -> Result<entry::Model, ServiceError> {
    Ok(authorization::entry_author(conn, person, id)
        .await?
        .into_entry())
}

/// The entry if `person` started it. A co-author learns that only the lead may `what`.
pub async fn find_led(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    id: i64,
    what: &str,
) -> Result<entry::Model, ServiceError> {
    let author = authorization::entry_author(conn, person, id).await?;
    author.lead(what)?;
    Ok(author.into_entry())
}
