//! Entering ideas: drafts, submission with receipt and Kennzahl, edits until the
//! deadline (each submitted version kept), withdrawal. Only the author (by account)
//! sees an entry here; the author's identity is stored apart from the content.

use chrono::{DateTime, Datelike, Utc};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::audit::{self, AuditRecord};
use super::catalogue::Catalogue;
use super::error::is_unique_violation;
use super::notifications::competition_facts;
use super::writes::Writes;
use super::{Actor, ServiceError, competitions, outbox, programmes};
use crate::domain::entries::{self as rules, EntryAction, EntryStatus};
use crate::domain::entry_form::{Answers, Completeness, FieldProblem, Localized};
use crate::entities::{
    competition, entry, entry_author, entry_coauthor, entry_version, idempotency_key, programme,
    user,
};

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
fn check_contact(content: &EntryContent) -> Result<(), ServiceError> {
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
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Fields(problems))
    }
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

/// How someone belongs to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// Started it; submits, withdraws and invites co-authors.
    Lead,
    /// Invited and accepted; reads and edits the content and attachments.
    Coauthor,
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

fn map_of(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn json_of(map: &BTreeMap<String, String>) -> String {
    json!(map).to_string()
}

/// All answers of an entry: those the jury sees and those kept with the author.
pub async fn answers_of(
    conn: &impl ConnectionTrait,
    entry: &entry::Model,
) -> Result<BTreeMap<String, String>, ServiceError> {
    let mut all = map_of(&entry.details);
    if let Some(author) = entry_author::Entity::find()
        .filter(entry_author::Column::EntryId.eq(entry.id))
        .one(conn)
        .await?
    {
        all.extend(map_of(&author.details));
    }
    Ok(all)
}

/// An audit row about an entry (its content, files or co-authors).
pub(crate) fn entry_audit<'a>(
    actor: Actor,
    action: &'a str,
    entry: &entry::Model,
    details: Value,
) -> AuditRecord<'a> {
    AuditRecord {
        actor,
        action,
        subject_type: "entry",
        subject_id: entry.id,
        from_state: None,
        to_state: None,
        reason: None,
        details,
    }
}

fn status_of(model: &entry::Model) -> Result<EntryStatus, ServiceError> {
    EntryStatus::parse(&model.status).ok_or_else(|| {
        ServiceError::Corrupt(format!("entry {}: status {}", model.id, model.status))
    })
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
    let allowed: Vec<String> = serde_json::from_str(&programme.goals).unwrap_or_default();
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
    let state = competitions::state_of(competition)?;
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
        Some(status_of(entry)?),
        now,
    )
    .await
    .map(|_| ())
}

/// Creates a draft. With an idempotency key, a repeated request returns the entry
/// the first one created instead of a second one.
pub async fn create(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    author: &user::Model,
    competition_id: i64,
    content: EntryContent,
    idempotency: Option<&str>,
) -> Result<entry::Model, ServiceError> {
    if let Some(key) = idempotency
        && let Some(done) = earlier(db, author.id, key).await?
    {
        return find_own(db, author, done).await;
    }
    let (competition, _) = check(db, competition_id, EntryAction::Create, None, now).await?;
    check_goals(db, &competition, &content.goals).await?;
    check_contact(&content)?;
    let answers = check_answers(
        &competition,
        &content.details,
        content.guardian_consent,
        Completeness::Draft,
    )?;
    let txn = db.begin().await?;
    let created = entry::ActiveModel {
        competition_id: Set(competition_id),
        status: Set(EntryStatus::Draft.as_str().to_owned()),
        title: Set(content.title.clone()),
        summary: Set(content.summary.clone()),
        description: Set(content.description.clone()),
        goals: Set(json!(content.goals).to_string()),
        kennzahl: Set(None),
        receipt_number: Set(None),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(None),
        withdrawn_at: Set(None),
        details: Set(json_of(&answers.jury)),
        guardian_consent_at: Set(content.guardian_consent.then_some(now)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    entry_author::ActiveModel {
        entry_id: Set(created.id),
        user_id: Set(author.id),
        contact_name: Set(content
            .contact_name
            .clone()
            .unwrap_or_else(|| author.display_name.clone())
            .trim()
            .to_owned()),
        contact_phone: Set(content.contact_phone.clone()),
        details: Set(json_of(&answers.identity)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(key) = idempotency {
        let remembered = idempotency_key::ActiveModel {
            user_id: Set(author.id),
            key: Set(key.to_owned()),
            operation: Set("entry.create".to_owned()),
            result_id: Set(created.id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        if let Err(err) = remembered {
            // The same request raced us and won: answer with its entry.
            if is_unique_violation(&err) {
                txn.rollback().await?;
                let done = earlier(db, author.id, key)
                    .await?
                    .ok_or_else(|| ServiceError::Concurrent("the entry"))?;
                return find_own(db, author, done).await;
            }
            return Err(err.into());
        }
    }
    audit::record(
        &txn,
        now,
        entry_audit(Actor::User(author.id), "entry.created", &created, json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

async fn earlier(
    db: &DatabaseConnection,
    user_id: i64,
    key: &str,
) -> Result<Option<i64>, ServiceError> {
    Ok(idempotency_key::Entity::find()
        .filter(idempotency_key::Column::UserId.eq(user_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(db)
        .await?
        .map(|k| k.result_id))
}

/// The entry and how `person` belongs to it; "not found" for anyone else (nobody
/// learns it exists).
pub async fn find_member(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    id: i64,
) -> Result<(entry::Model, Membership), ServiceError> {
    let lead = entry_author::Entity::find()
        .filter(entry_author::Column::EntryId.eq(id))
        .filter(entry_author::Column::UserId.eq(person.id))
        .one(conn)
        .await?
        .is_some();
    let membership = if lead {
        Membership::Lead
    } else {
        let coauthor = entry_coauthor::Entity::find()
            .filter(entry_coauthor::Column::EntryId.eq(id))
            .filter(entry_coauthor::Column::UserId.eq(person.id))
            .one(conn)
            .await?;
        if coauthor.is_none() {
            return Err(ServiceError::not_found("entry", id));
        }
        Membership::Coauthor
    };
    let found = entry::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found("entry", id))?;
    Ok((found, membership))
}

/// The entry if `person` wrote it or co-authors it; otherwise "not found".
pub async fn find_own(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    id: i64,
) -> Result<entry::Model, ServiceError> {
    Ok(find_member(conn, person, id).await?.0)
}

/// The entry if `person` started it. A co-author learns that only the lead may `what`.
pub async fn find_led(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    id: i64,
    what: &str,
) -> Result<entry::Model, ServiceError> {
    match find_member(conn, person, id).await? {
        (found, Membership::Lead) => Ok(found),
        (_, Membership::Coauthor) => Err(ServiceError::Forbidden(format!(
            "only the person who started this entry can {what}"
        ))),
    }
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

fn content_of(model: &entry::Model) -> EntryContent {
    EntryContent {
        title: model.title.clone(),
        summary: model.summary.clone(),
        description: model.description.clone(),
        goals: serde_json::from_str(&model.goals).unwrap_or_default(),
        details: map_of(&model.details),
        guardian_consent: model.guardian_consent_at.is_some(),
        contact_name: None,
        contact_phone: None,
    }
}

/// Changes the content until the deadline; a submitted entry keeps each version.
pub async fn update(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    person: &user::Model,
    id: i64,
    content: EntryContent,
) -> Result<entry::Model, ServiceError> {
    let current = find_own(db, person, id).await?;
    let (competition, status) = check(
        db,
        current.competition_id,
        EntryAction::Edit,
        Some(status_of(&current)?),
        now,
    )
    .await?;
    check_goals(db, &competition, &content.goals).await?;
    check_contact(&content)?;
    let completeness = if status == EntryStatus::Submitted {
        Completeness::Submit
    } else {
        Completeness::Draft
    };
    let answers = check_answers(
        &competition,
        &content.details,
        content.guardian_consent,
        completeness,
    )?;
    let consent_at = match (content.guardian_consent, current.guardian_consent_at) {
        (false, _) => None,
        (true, Some(earlier)) => Some(earlier),
        (true, None) => Some(now),
    };
    let txn = db.begin().await?;
    let version = if status == EntryStatus::Submitted {
        current.version + 1
    } else {
        current.version
    };
    let written = entry::Entity::update_many()
        .set(entry::ActiveModel {
            title: Set(content.title.clone()),
            summary: Set(content.summary.clone()),
            description: Set(content.description.clone()),
            goals: Set(json!(content.goals).to_string()),
            details: Set(json_of(&answers.jury)),
            guardian_consent_at: Set(consent_at),
            version: Set(version),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(entry::Column::Id.eq(id))
        .filter(entry::Column::Version.eq(current.version))
        .filter(entry::Column::Status.eq(current.status.as_str()))
        .exec(&txn)
        .await?;
    if written.rows_affected != 1 {
        return Err(ServiceError::Concurrent("the entry"));
    }
    let mut author = entry_author::Entity::update_many()
        .col_expr(
            entry_author::Column::Details,
            sea_orm::sea_query::Expr::value(json_of(&answers.identity)),
        )
        .col_expr(
            entry_author::Column::ContactPhone,
            sea_orm::sea_query::Expr::value(content.contact_phone.clone()),
        );
    if let Some(name) = &content.contact_name {
        author = author.col_expr(
            entry_author::Column::ContactName,
            sea_orm::sea_query::Expr::value(name.trim().to_owned()),
        );
    }
    author
        .filter(entry_author::Column::EntryId.eq(id))
        .exec(&txn)
        .await?;
    if status == EntryStatus::Submitted {
        save_version(&txn, now, id, version, &content, &answers.jury).await?;
    }
    let updated = find_own(&txn, person, id).await?;
    audit::record(
        &txn,
        now,
        entry_audit(
            Actor::User(person.id),
            "entry.updated",
            &updated,
            json!({ "version": version }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Submits: a receipt number and a Kennzahl, a first kept version, and a receipt
/// email. Submitting again answers with the same receipt.
pub async fn submit(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    person: &user::Model,
    id: i64,
    public_url: &str,
) -> Result<entry::Model, ServiceError> {
    let current = find_led(db, person, id, "submit it").await?;
    if status_of(&current)? == EntryStatus::Submitted {
        return Ok(current);
    }
    let (competition, _) = check(
        db,
        current.competition_id,
        EntryAction::Submit,
        Some(status_of(&current)?),
        now,
    )
    .await?;
    check_answers(
        &competition,
        &answers_of(db, &current).await?,
        current.guardian_consent_at.is_some(),
        Completeness::Submit,
    )?;
    for _ in 0..10 {
        let kennzahl = rules::kennzahl(rand::rng().random());
        match try_submit(db, now, person, &current, &kennzahl, public_url).await {
            Err(ServiceError::Database(err)) if is_unique_violation(&err) => continue,
            outcome => return outcome,
        }
    }
    Err(ServiceError::Concurrent("the Kennzahl"))
}

async fn try_submit(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    person: &user::Model,
    current: &entry::Model,
    kennzahl: &str,
    public_url: &str,
) -> Result<entry::Model, ServiceError> {
    let txn = db.begin().await?;
    let receipt = format!(
        "{}-{:02}-{:05}",
        now.year(),
        current.competition_id,
        current.id
    );
    let written = entry::Entity::update_many()
        .set(entry::ActiveModel {
            status: Set(EntryStatus::Submitted.as_str().to_owned()),
            kennzahl: Set(Some(kennzahl.to_owned())),
            receipt_number: Set(Some(receipt.clone())),
            version: Set(1),
            submitted_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(entry::Column::Id.eq(current.id))
        .filter(entry::Column::Status.eq(EntryStatus::Draft.as_str()))
        .exec(&txn)
        .await?;
    if written.rows_affected != 1 {
        return Err(ServiceError::Concurrent("the entry"));
    }
    save_version(
        &txn,
        now,
        current.id,
        1,
        &content_of(current),
        &map_of(&current.details),
    )
    .await?;
    let submitted = find_own(&txn, person, current.id).await?;
    audit::record(
        &txn,
        now,
        entry_audit(
            Actor::User(person.id),
            "entry.submitted",
            &submitted,
            json!({ "receipt_number": receipt }),
        ),
    )
    .await?;
    notify(&txn, now, person, &submitted, "entry.submitted", public_url).await?;
    txn.commit().await?;
    Ok(submitted)
}

/// Withdraws a submitted entry: it no longer takes part.
pub async fn withdraw(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    person: &user::Model,
    id: i64,
    public_url: &str,
) -> Result<entry::Model, ServiceError> {
    let current = find_led(db, person, id, "withdraw it").await?;
    check(
        db,
        current.competition_id,
        EntryAction::Withdraw,
        Some(status_of(&current)?),
        now,
    )
    .await?;
    let txn = db.begin().await?;
    let written = entry::Entity::update_many()
        .set(entry::ActiveModel {
            status: Set(EntryStatus::Withdrawn.as_str().to_owned()),
            withdrawn_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(entry::Column::Id.eq(id))
        .filter(entry::Column::Status.eq(EntryStatus::Submitted.as_str()))
        .exec(&txn)
        .await?;
    if written.rows_affected != 1 {
        return Err(ServiceError::Concurrent("the entry"));
    }
    let withdrawn = find_own(&txn, person, id).await?;
    audit::record(
        &txn,
        now,
        entry_audit(
            Actor::User(person.id),
            "entry.withdrawn",
            &withdrawn,
            json!({}),
        ),
    )
    .await?;
    notify(&txn, now, person, &withdrawn, "entry.withdrawn", public_url).await?;
    txn.commit().await?;
    Ok(withdrawn)
}

/// The receipt or withdrawal email, as an event in the same transaction.
async fn notify(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    person: &user::Model,
    entry: &entry::Model,
    event: &str,
    public_url: &str,
) -> Result<(), ServiceError> {
    let competition = competitions::find(txn, entry.competition_id).await?;
    let programme = programmes::find(txn, competition.programme_id).await?;
    let answers = answers_of(txn, entry).await?;
    let files: Vec<String> = super::attachments::of_entry(txn, entry.id)
        .await?
        .into_iter()
        .map(|a| a.file_name)
        .collect();
    let about = About {
        competition: &competition,
        programme: &programme,
        answers: &answers,
        files,
    };
    notify_with(txn, now, person, entry, event, public_url, about).await
}

/// What a receipt says about the entry besides its own columns.
struct About<'a> {
    competition: &'a competition::Model,
    programme: &'a programme::Model,
    answers: &'a BTreeMap<String, String>,
    files: Vec<String>,
}

/// [`notify`] with what the caller has already loaded.
async fn notify_with(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    person: &user::Model,
    entry: &entry::Model,
    event: &str,
    public_url: &str,
    about: About<'_>,
) -> Result<(), ServiceError> {
    let About {
        competition,
        programme,
        answers,
        files,
    } = about;
    let locale = person.locale.as_str();
    // A copy of the entry as it stands, answers labelled in the reader's language.
    let form = competitions::form_of(competition)?;
    let details: Vec<Value> = form
        .fields
        .iter()
        .filter_map(|f| {
            answers
                .get(&f.key)
                .map(|value| json!({ "label": f.label.get(locale), "value": value }))
        })
        .collect();
    outbox::enqueue(
        txn,
        now,
        event,
        "entry",
        entry.id,
        json!({
            "email": person.email,
            "locale": locale,
            "competition_id": competition.id,
            "context": {
                "competition": competition_facts(competition, programme, locale, public_url),
                "entry_title": entry.title,
                "entry_summary": entry.summary,
                "entry_description": entry.description,
                "entry_goals": serde_json::from_str::<Vec<String>>(&entry.goals).unwrap_or_default(),
                "entry_details": details,
                "entry_attachments": files,
                "receipt_number": entry.receipt_number,
                "entry_url": format!("{}/konto", public_url.trim_end_matches('/')),
            },
        }),
    )
    .await?;
    Ok(())
}

/// How an idea that staff record reached the city.
pub const STAFF_SOURCES: [&str; 3] = ["email", "paper", "walk_in"];

/// A new entry that is submitted at once (online in one request, or by staff).
struct NewSubmission<'a> {
    competition: &'a competition::Model,
    content: &'a EntryContent,
    answers: &'a Answers,
    /// `online`, `email`, `paper` or `walk_in`.
    source: &'a str,
    contact_name: &'a str,
}

/// Inserts the entry as submitted with a fresh Kennzahl and its receipt number, its
/// author and first kept version, inside the caller's transaction.
async fn insert_submitted(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    entrant: &user::Model,
    new: &NewSubmission<'_>,
) -> Result<entry::Model, ServiceError> {
    let content = new.content;
    let kennzahl = rules::kennzahl(rand::rng().random());
    let created = entry::ActiveModel {
        competition_id: Set(new.competition.id),
        status: Set(EntryStatus::Submitted.as_str().to_owned()),
        title: Set(content.title.clone()),
        summary: Set(content.summary.clone()),
        description: Set(content.description.clone()),
        goals: Set(json!(content.goals).to_string()),
        kennzahl: Set(Some(kennzahl)),
        receipt_number: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(Some(now)),
        withdrawn_at: Set(None),
        source: Set(new.source.to_owned()),
        details: Set(json_of(&new.answers.jury)),
        guardian_consent_at: Set(content.guardian_consent.then_some(now)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let receipt = format!("{}-{:02}-{:05}", now.year(), new.competition.id, created.id);
    entry::Entity::update_many()
        .col_expr(
            entry::Column::ReceiptNumber,
            sea_orm::sea_query::Expr::value(receipt.clone()),
        )
        .filter(entry::Column::Id.eq(created.id))
        .exec(txn)
        .await?;
    let submitted = entry::Model {
        receipt_number: Some(receipt),
        ..created
    };
    let author = entry_author::ActiveModel {
        entry_id: Set(submitted.id),
        user_id: Set(entrant.id),
        contact_name: Set(new.contact_name.trim().to_owned()),
        contact_phone: Set(content.contact_phone.clone()),
        details: Set(json_of(&new.answers.identity)),
        ..Default::default()
    };
    entry_author::Entity::insert(author)
        .exec_without_returning(txn)
        .await?;
    save_version(txn, now, submitted.id, 1, content, &new.answers.jury).await?;
    Ok(submitted)
}

/// Runs `attempt` again when it failed on a unique index: a Kennzahl that another
/// entry drew at the same moment (one in a million per entry).
async fn retrying_collisions<F, Fut>(mut attempt: F) -> Result<entry::Model, ServiceError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<entry::Model, ServiceError>>,
{
    for _ in 0..10 {
        match attempt().await {
            Err(ServiceError::Database(err)) if is_unique_violation(&err) => continue,
            outcome => return outcome,
        }
    }
    Err(ServiceError::Concurrent("the Kennzahl"))
}

/// An entry created and submitted in one request.
pub struct OneStepSubmission {
    pub competition_id: i64,
    pub content: EntryContent,
    /// A repeated request with the same key answers with the first one's entry.
    pub idempotency_key: Option<String>,
}

/// Creates and submits an entry in one request, in one transaction (a savepoint of
/// a group commit on SQLite): receipt number, Kennzahl, first version, audit row and
/// receipt email. Returns the entry and all its answers.
///
/// The competition comes from the public catalogue snapshot (`catalogue`); its
/// deadline is checked against `now` here, so a stale snapshot cannot let a late
/// entry in. A repeated request is recognised by its key when the insert meets the
/// first one's, or when the competition has closed since.
pub async fn submit_new(
    db: &DatabaseConnection,
    writes: &Writes,
    catalogue: &Catalogue,
    now: DateTime<Utc>,
    author: &user::Model,
    request: OneStepSubmission,
    public_url: &str,
) -> Result<Authored, ServiceError> {
    let OneStepSubmission {
        competition_id,
        content,
        idempotency_key,
    } = request;
    let key = idempotency_key.as_deref();
    let (competition, programme) = match catalogue.by_id(competition_id) {
        Some(placed) => (placed.competition.clone(), placed.programme.clone()),
        None => {
            let competition = competitions::find(db, competition_id).await?;
            let programme = programmes::find(db, competition.programme_id).await?;
            (competition, programme)
        }
    };
    let checked = decide(&competition, EntryAction::Create, None, now)
        .and_then(|_| goals_of_programme(&programme, &content.goals))
        .and_then(|_| check_contact(&content))
        .and_then(|_| {
            check_answers(
                &competition,
                &content.details,
                content.guardian_consent,
                Completeness::Submit,
            )
        });
    let answers = match checked {
        Ok(answers) => answers,
        Err(err) => return answer_repeated(db, author, key, err).await,
    };
    let mut all_answers = answers.jury.clone();
    all_answers.extend(answers.identity.clone());
    let attempt = || {
        let (author, competition, programme) =
            (author.clone(), competition.clone(), programme.clone());
        let (content, answers, all_answers) =
            (content.clone(), answers.clone(), all_answers.clone());
        let (key, public_url) = (idempotency_key.clone(), public_url.to_owned());
        // May run twice (see `writes`): each run works on its own copies.
        writes.run(move |txn| {
            let (author, competition, programme) =
                (author.clone(), competition.clone(), programme.clone());
            let (content, answers, all_answers) =
                (content.clone(), answers.clone(), all_answers.clone());
            let (key, public_url) = (key.clone(), public_url.clone());
            Box::pin(async move {
                let contact = content
                    .contact_name
                    .clone()
                    .unwrap_or_else(|| author.display_name.clone());
                let new = NewSubmission {
                    competition: &competition,
                    content: &content,
                    answers: &answers,
                    source: "online",
                    contact_name: &contact,
                };
                let submitted = insert_submitted(txn, now, &author, &new).await?;
                if let Some(key) = key {
                    let remembered = idempotency_key::ActiveModel {
                        user_id: Set(author.id),
                        key: Set(key),
                        operation: Set("entry.submit_new".to_owned()),
                        result_id: Set(submitted.id),
                        created_at: Set(now),
                        ..Default::default()
                    };
                    idempotency_key::Entity::insert(remembered)
                        .exec_without_returning(txn)
                        .await?;
                }
                let details = json!({ "receipt_number": submitted.receipt_number });
                audit::record(
                    txn,
                    now,
                    entry_audit(
                        Actor::User(author.id),
                        "entry.submitted",
                        &submitted,
                        details,
                    ),
                )
                .await?;
                let about = About {
                    competition: &competition,
                    programme: &programme,
                    answers: &all_answers,
                    files: Vec::new(),
                };
                notify_with(
                    txn,
                    now,
                    &author,
                    &submitted,
                    "entry.submitted",
                    &public_url,
                    about,
                )
                .await?;
                Ok(submitted)
            })
        })
    };
    let mut attempts = 0;
    loop {
        attempts += 1;
        match attempt().await {
            Ok(submitted) => {
                return Ok(Authored {
                    entry: submitted,
                    answers: all_answers,
                    contact_name: content
                        .contact_name
                        .clone()
                        .unwrap_or_else(|| author.display_name.clone()),
                    contact_phone: content.contact_phone.clone(),
                });
            }
            Err(ServiceError::Database(err)) if is_unique_violation(&err) => {
                // The key was used before (a retry), or the Kennzahl was taken.
                if let Some(key) = key
                    && earlier(db, author.id, key).await?.is_some()
                {
                    return answer_repeated(db, author, Some(key), err.into()).await;
                }
                if attempts == 10 {
                    return Err(ServiceError::Concurrent("the Kennzahl"));
                }
            }
            Err(err) => return Err(err),
        }
    }
}

/// For a request whose key was seen before: the entry it created then. Otherwise
/// `err`.
async fn answer_repeated(
    db: &DatabaseConnection,
    author: &user::Model,
    key: Option<&str>,
    err: ServiceError,
) -> Result<Authored, ServiceError> {
    let Some(key) = key else {
        return Err(err);
    };
    match earlier(db, author.id, key).await? {
        Some(done) => {
            let found = find_own(db, author, done).await?;
            let answers = answers_of(db, &found).await?;
            let contact = author_of(db, found.id).await?;
            Ok(Authored {
                entry: found,
                answers,
                contact_name: contact
                    .as_ref()
                    .map(|a| a.contact_name.clone())
                    .unwrap_or_default(),
                contact_phone: contact.and_then(|a| a.contact_phone),
            })
        }
        None => Err(err),
    }
}

/// An entry with everything its authors see.
pub struct Authored {
    pub entry: entry::Model,
    /// All answers to the entry form.
    pub answers: BTreeMap<String, String>,
    pub contact_name: String,
    pub contact_phone: Option<String>,
}

/// Records and submits an idea that arrived by email, on paper or in the walk-in
/// shop, in one transaction. The entrant's account is found or created by email
/// address and gets the same receipt as online; the audit names the staff member.
#[allow(clippy::too_many_arguments)]
pub async fn enter_on_behalf(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    staff: &user::Model,
    competition_id: i64,
    email: &str,
    name: &str,
    source: &str,
    content: EntryContent,
    public_url: &str,
) -> Result<entry::Model, ServiceError> {
    if !STAFF_SOURCES.contains(&source) {
        return Err(ServiceError::invalid(
            "source",
            "say where the idea came from: email, paper or walk_in",
        ));
    }
    let email = super::subscriptions::parse_email(email)?;
    let (competition, _) = check(db, competition_id, EntryAction::Create, None, now).await?;
    check_goals(db, &competition, &content.goals).await?;
    check_contact(&content)?;
    let answers = check_answers(
        &competition,
        &content.details,
        content.guardian_consent,
        Completeness::Submit,
    )?;
    let new = NewSubmission {
        competition: &competition,
        content: &content,
        answers: &answers,
        source,
        contact_name: name,
    };
    retrying_collisions(|| async {
        let txn = db.begin().await?;
        let entrant = match user::Entity::find()
            .filter(user::Column::Email.eq(&email))
            .one(&txn)
            .await?
        {
            Some(existing) => existing,
            None => user::ActiveModel {
                email: Set(email.clone()),
                display_name: Set(name.trim().to_owned()),
                role: Set(super::sessions::ROLE_ENTRANT.to_owned()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(|err| super::error::duplicate_or(err, "user", "email", &email))?,
        };
        let submitted = insert_submitted(&txn, now, &entrant, &new).await?;
        let details = json!({
            "source": source, "entrant": entrant.id, "receipt_number": submitted.receipt_number,
        });
        audit::record(
            &txn,
            now,
            entry_audit(
                Actor::User(staff.id),
                "entry.entered_on_behalf",
                &submitted,
                details,
            ),
        )
        .await?;
        notify(
            &txn,
            now,
            &entrant,
            &submitted,
            "entry.submitted",
            public_url,
        )
        .await?;
        txn.commit().await?;
        Ok(submitted)
    })
    .await
}

/// Reminds the authors of drafts in open competitions whose deadline is less than
/// `hours` away, once per draft: the reminder is marked on the entry in the same
/// transaction as its email, so several instances never send it twice. Returns how
/// many reminders were queued.
pub async fn remind_drafts(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    hours: i64,
    public_url: &str,
) -> Result<usize, ServiceError> {
    if hours <= 0 {
        return Ok(0);
    }
    let soon = competition::Entity::find()
        .filter(competition::Column::State.eq(crate::domain::CompetitionState::Open.as_str()))
        .filter(competition::Column::ClosesAt.gt(now))
        .filter(competition::Column::ClosesAt.lte(now + chrono::Duration::hours(hours)))
        .all(db)
        .await?;
    let mut sent = 0;
    for competition in soon {
        let drafts = entry::Entity::find()
            .filter(entry::Column::CompetitionId.eq(competition.id))
            .filter(entry::Column::Status.eq(EntryStatus::Draft.as_str()))
            .filter(entry::Column::RemindedAt.is_null())
            .all(db)
            .await?;
        let programme = programmes::find(db, competition.programme_id).await?;
        for draft in drafts {
            let Some(author) = author_of(db, draft.id).await? else {
                continue;
            };
            let Some(person) = user::Entity::find_by_id(author.user_id).one(db).await? else {
                continue;
            };
            let txn = db.begin().await?;
            let marked = entry::Entity::update_many()
                .col_expr(
                    entry::Column::RemindedAt,
                    sea_orm::sea_query::Expr::value(Some(now)),
                )
                .filter(entry::Column::Id.eq(draft.id))
                .filter(entry::Column::RemindedAt.is_null())
                .filter(entry::Column::Status.eq(EntryStatus::Draft.as_str()))
                .exec(&txn)
                .await?;
            if marked.rows_affected != 1 {
                // Another instance reminded, or the draft was just submitted.
                continue;
            }
            audit::record(
                &txn,
                now,
                entry_audit(
                    Actor::System("scheduler"),
                    "entry.reminded",
                    &draft,
                    json!({ "closes_at": competition.closes_at }),
                ),
            )
            .await?;
            let locale = person.locale.as_str();
            outbox::enqueue(
                &txn,
                now,
                "entry.deadline_reminder",
                "entry",
                draft.id,
                json!({
                    "email": person.email,
                    "locale": locale,
                    "competition_id": competition.id,
                    "context": {
                        "competition": competition_facts(&competition, &programme, locale, public_url),
                        "entry_title": draft.title,
                        "entry_url": format!("{}/konto/ideen/{}", public_url.trim_end_matches('/'), draft.id),
                    },
                }),
            )
            .await?;
            txn.commit().await?;
            sent += 1;
        }
    }
    Ok(sent)
}
