//! Submitting a draft (receipt number, Kennzahl, receipt email) and withdrawing it,
//! and the emails both send.

use super::*;
use crate::domain::events::{DomainEvent, PersonalMail};

/// Submits: a receipt number and a Kennzahl, a first kept version, and a receipt
/// email. Submitting again answers with the same receipt.
pub async fn submit(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    author: &EntryAuthor,
    public_url: &str,
) -> Result<entry::Model, ServiceError> {
    let lead = author.lead("submit it")?;
    let (person, current) = (lead.person(), lead.entry().clone());
    if current.status == EntryStatus::Submitted {
        return Ok(current);
    }
    let (competition, _) = check(
        db,
        current.competition_id,
        EntryAction::Submit,
        Some(current.status),
        now,
    )
    .await?;
    let answers = answers_of(db, &current).await?;
    let stored = EntryContent {
        details: answers.clone(),
        guardian_consent: current.guardian_consent_at.is_some(),
        ..content_of(&current)?
    };
    content_rules(&competition, &stored, Completeness::Submit)?;
    // What the receipt copies, read once for every attempt.
    let programme = programmes::find(db, competition.programme_id).await?;
    let about = About {
        competition: &competition,
        programme: &programme,
        answers: &answers,
        files: attachment_names(db, current.id).await?,
    };
    retrying_collisions(|| try_submit(db, now, person, &current, &about, public_url)).await
}

async fn try_submit(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    person: &user::Model,
    current: &entry::Model,
    about: &About<'_>,
    public_url: &str,
) -> Result<entry::Model, ServiceError> {
    let kennzahl = rules::kennzahl(rand::rng().random());
    let txn = crate::services::begin_write(db).await?;
    let receipt = rules::receipt_number(now, current.competition_id, current.id);
    let written = entry::Entity::update_many()
        .set(entry::ActiveModel {
            status: Set(EntryStatus::Submitted),
            kennzahl: Set(Some(kennzahl.clone())),
            receipt_number: Set(Some(receipt.clone())),
            version: Set(1),
            submitted_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(entry::Column::Id.eq(current.id))
        .filter(entry::Column::Status.eq(EntryStatus::Draft))
        // The draft as read: an edit in between would not be in version 1.
        .filter(entry::Column::UpdatedAt.eq(current.updated_at))
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
        &content_of(current)?,
        &current.jury_answers()?,
    )
    .await?;
    let submitted = entry::Model {
        status: EntryStatus::Submitted,
        kennzahl: Some(kennzahl),
        receipt_number: Some(receipt.clone()),
        version: 1,
        submitted_at: Some(now),
        updated_at: now,
        ..current.clone()
    };
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
    notify_with(
        &txn,
        now,
        person,
        &submitted,
        Notice::Submitted,
        public_url,
        about,
    )
    .await?;
    txn.commit().await?;
    Ok(submitted)
}

/// Withdraws a submitted entry: it no longer takes part.
pub async fn withdraw(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    author: &EntryAuthor,
    public_url: &str,
) -> Result<entry::Model, ServiceError> {
    let lead = author.lead("withdraw it")?;
    let (person, current) = (lead.person(), lead.entry().clone());
    let id = current.id;
    check(
        db,
        current.competition_id,
        EntryAction::Withdraw,
        Some(current.status),
        now,
    )
    .await?;
    let txn = crate::services::begin_write(db).await?;
    let written = entry::Entity::update_many()
        .set(entry::ActiveModel {
            status: Set(EntryStatus::Withdrawn),
            withdrawn_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(entry::Column::Id.eq(id))
        .filter(entry::Column::Status.eq(EntryStatus::Submitted))
        .exec(&txn)
        .await?;
    if written.rows_affected != 1 {
        return Err(ServiceError::Concurrent("the entry"));
    }
    let withdrawn = entry::Model {
        status: EntryStatus::Withdrawn,
        withdrawn_at: Some(now),
        updated_at: now,
        ..current
    };
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
    notify(&txn, now, person, &withdrawn, Notice::Withdrawn, public_url).await?;
    txn.commit().await?;
    Ok(withdrawn)
}

/// The receipt or withdrawal email, as an event in the same transaction.
/// Which email an entrant gets about their entry.
#[derive(Debug, Clone, Copy)]
pub(super) enum Notice {
    /// The receipt, with a copy of the entry.
    Submitted,
    Withdrawn,
}

pub(super) async fn notify(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    person: &user::Model,
    entry: &entry::Model,
    notice: Notice,
    public_url: &str,
) -> Result<(), ServiceError> {
    let competition = competitions::find(txn, entry.competition_id).await?;
    let programme = programmes::find(txn, competition.programme_id).await?;
    let answers = answers_of(txn, entry).await?;
    let about = About {
        competition: &competition,
        programme: &programme,
        answers: &answers,
        files: attachment_names(txn, entry.id).await?,
    };
    notify_with(txn, now, person, entry, notice, public_url, &about).await
}

/// The names of an entry's files, for the receipt's copy.
async fn attachment_names(
    conn: &impl ConnectionTrait,
    entry_id: i64,
) -> Result<Vec<String>, ServiceError> {
    Ok(crate::services::attachments::of_entry(conn, entry_id)
        .await?
        .into_iter()
        .map(|a| a.file_name)
        .collect())
}

/// What a receipt says about the entry besides its own columns.
pub(super) struct About<'a> {
    pub(super) competition: &'a competition::Model,
    pub(super) programme: &'a programme::Model,
    pub(super) answers: &'a BTreeMap<String, String>,
    pub(super) files: Vec<String>,
}

/// [`notify`] with what the caller has already loaded.
pub(super) async fn notify_with(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    person: &user::Model,
    entry: &entry::Model,
    notice: Notice,
    public_url: &str,
    about: &About<'_>,
) -> Result<(), ServiceError> {
    let About {
        competition,
        programme,
        answers,
        files,
    } = about;
    let (competition, programme) = (*competition, *programme);
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
    let mail = PersonalMail {
        email: person.email.clone(),
        locale: locale.to_owned(),
        competition_id: Some(competition.id),
        context: json!({
                "competition": competition_facts(competition, programme, locale, public_url),
                "entry_title": entry.title,
                "entry_summary": entry.summary,
                "entry_description": entry.description,
                "entry_goals": entry.goals()?,
                "entry_details": details,
                "entry_attachments": files,
                "receipt_number": entry.receipt_number,
            "entry_url": format!("{}/konto", public_url.trim_end_matches('/')),
        }),
    };
    let entry_id = entry.id;
    let event = match notice {
        Notice::Submitted => DomainEvent::EntrySubmitted { entry_id, mail },
        Notice::Withdrawn => DomainEvent::EntryWithdrawn { entry_id, mail },
    };
    outbox::enqueue(txn, now, &event).await?;
    Ok(())
}
