//! Entries that are submitted as they are created: online in one request (through
//! the group-committing writer) and by staff on someone's behalf.

use std::sync::Arc;

use super::submission::{About, Notice, notify, notify_with};
use super::*;
use crate::domain::email_address::EmailAddress;
use crate::domain::entries::EntrySource;
use crate::services::authorization::Manager;
use crate::services::error::duplicate_or;
use crate::services::writes::Write;

/// A new entry that is submitted at once (online in one request, or by staff).
struct NewSubmission<'a> {
    competition: &'a competition::Model,
    content: &'a EntryContent,
    answers: &'a Answers,
    source: EntrySource,
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
        status: Set(EntryStatus::Submitted),
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
        source: Set(new.source),
        details: Set(json_of(&new.answers.jury)),
        guardian_consent_at: Set(content.guardian_consent.then_some(now)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let receipt = rules::receipt_number(now, new.competition.id, created.id);
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
        .and_then(|_| content_rules(&competition, &content, Completeness::Submit));
    let answers = match checked {
        Ok(answers) => answers,
        Err(err) => return answer_repeated(db, author, competition_id, key, err).await,
    };
    let mut all_answers = answers.jury.clone();
    all_answers.extend(answers.identity.clone());
    let work = Arc::new(SubmitNew {
        now,
        author: author.clone(),
        competition,
        programme,
        content,
        answers,
        all_answers,
        idempotency_key: idempotency_key.clone(),
        public_url: public_url.to_owned(),
    });
    match retrying_collisions(|| writes.run(work.clone())).await {
        Ok(submitted) => Ok(Authored {
            entry: submitted,
            contact_name: work.contact_name().to_owned(),
            contact_phone: work.content.contact_phone.clone(),
            answers: work.all_answers.clone(),
        }),
        Err(err @ ServiceError::Duplicate { .. }) => {
            answer_repeated(db, author, competition_id, key, err).await
        }
        Err(err) => Err(err),
    }
}

/// The write of a one-step submission, handed to the group-committing writer.
struct SubmitNew {
    now: DateTime<Utc>,
    author: user::Model,
    competition: competition::Model,
    programme: programme::Model,
    content: EntryContent,
    answers: Answers,
    all_answers: BTreeMap<String, String>,
    idempotency_key: Option<String>,
    public_url: String,
}

impl SubmitNew {
    fn contact_name(&self) -> &str {
        self.content
            .contact_name
            .as_deref()
            .unwrap_or(&self.author.display_name)
    }
}

impl Write for SubmitNew {
    type Output = entry::Model;

    async fn run(&self, txn: &DatabaseTransaction) -> Result<entry::Model, ServiceError> {
        let (now, author) = (self.now, &self.author);
        let new = NewSubmission {
            competition: &self.competition,
            content: &self.content,
            answers: &self.answers,
            source: EntrySource::Online,
            contact_name: self.contact_name(),
        };
        let submitted = insert_submitted(txn, now, author, &new).await?;
        if let Some(key) = &self.idempotency_key {
            let remembered = idempotency_key::ActiveModel {
                user_id: Set(author.id),
                key: Set(key.clone()),
                operation: Set(keyed("entry.submit_new", self.competition.id)),
                result_id: Set(submitted.id),
                created_at: Set(now),
                ..Default::default()
            };
            // A repeated key is a retry of an earlier request, not a collision.
            idempotency_key::Entity::insert(remembered)
                .exec_without_returning(txn)
                .await
                .map_err(|err| duplicate_or(err, "request", "Idempotency-Key", key))?;
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
            competition: &self.competition,
            programme: &self.programme,
            answers: &self.all_answers,
            files: Vec::new(),
        };
        notify_with(
            txn,
            now,
            author,
            &submitted,
            Notice::Submitted,
            &self.public_url,
            &about,
        )
        .await?;
        Ok(submitted)
    }
}

/// For a request whose key was seen before: the entry it created then. Otherwise
/// `err`.
async fn answer_repeated(
    db: &DatabaseConnection,
    author: &user::Model,
    competition_id: i64,
    key: Option<&str>,
    err: ServiceError,
) -> Result<Authored, ServiceError> {
    let Some(key) = key else {
        return Err(err);
    };
    let operation = keyed("entry.submit_new", competition_id);
    match earlier(db, author.id, key, &operation).await? {
        Some(done) => authored(db, find_own(db, author, done).await?).await,
        None => Err(err),
    }
}

/// Who sent an idea that staff record, and how and when it reached the city.
pub struct Arrival {
    /// None: the entrant has no email address (staff hand over a printed receipt).
    pub email: Option<EmailAddress>,
    pub name: String,
    pub source: EntrySource,
    /// When it arrived (post mark, email, visit); None: now. An idea that arrived
    /// before the deadline is accepted after it, with a note.
    pub arrived_at: Option<DateTime<Utc>>,
}

/// The address under which an entrant without email is kept: the reserved
/// `.invalid` top-level domain (RFC 6761) can never receive mail, and nothing is
/// ever sent there.
fn without_address() -> String {
    format!(
        "ohne-adresse-{}@ideen.invalid",
        &crate::services::identity::tokens::random_token()[..16]
    )
}

/// Whether an account's address is one kept for an entrant without email.
pub fn has_no_address(email: &str) -> bool {
    email.ends_with("@ideen.invalid")
}

/// Records and submits an idea that arrived by email, on paper or in the walk-in
/// shop, in one transaction. The entrant's account is found or created by email
/// address and gets the same receipt as online (none without an address: staff
/// print it); the audit names the staff member, the day it arrived and whether
/// it was recorded after the deadline.
pub async fn enter_on_behalf(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    manager: &Manager,
    arrival: Arrival,
    content: EntryContent,
    idempotency_key: Option<&str>,
    public_url: &str,
) -> Result<entry::Model, ServiceError> {
    let Arrival {
        email,
        name,
        source,
        arrived_at,
    } = arrival;
    let name = name.as_str();
    let (staff, competition_id) = (manager.person(), manager.competition_id());
    // A key belongs to this operation on this competition.
    let operation = keyed("entry.enter_on_behalf", competition_id);
    if let Some(key) = idempotency_key
        && let Some(done) = repeated(db, staff.id, key, &operation).await?
    {
        return Ok(done);
    }
    if !EntrySource::STAFF.contains(&source) {
        return Err(ServiceError::invalid(
            "source",
            "say where the idea came from: email, paper or walk_in",
        ));
    }
    let known = email.is_some();
    let email = email.map_or_else(without_address, |e| e.as_str().to_owned());
    let (competition, late) = match arrived_at {
        None => (
            check(db, competition_id, EntryAction::Create, None, now)
                .await?
                .0,
            false,
        ),
        Some(arrived) => {
            let competition = competitions::find(db, competition_id).await?;
            if !competition.state.is_public() {
                return Err(ServiceError::not_found("competition", competition_id));
            }
            let late = rules::accepts_arrival(
                competition.state,
                competitions::window_of(&competition),
                arrived,
                now,
            )?;
            (competition, late)
        }
    };
    let answers = checked_content(db, &competition, &content, Completeness::Submit).await?;
    let new = NewSubmission {
        competition: &competition,
        content: &content,
        answers: &answers,
        source,
        contact_name: name,
    };
    let entered = retrying_collisions(|| async {
        let txn = crate::services::begin_write(db).await?;
        let entrant = match user::Entity::find()
            .filter(user::Column::Email.eq(&email))
            .one(&txn)
            .await?
        {
            Some(existing) => existing,
            None => crate::services::identity::accounts::create_entrant(
                &txn,
                now,
                Some(Actor::User(staff.id)),
                &email,
                name,
            )
            .await
            .map_err(|err| duplicate_or(err, "user", "email", &email))?,
        };
        let mut submitted = insert_submitted(&txn, now, &entrant, &new).await?;
        if let Some(arrived) = arrived_at {
            let mut noted: entry::ActiveModel = submitted.clone().into();
            noted.arrived_at = Set(Some(arrived));
            submitted = noted.update(&txn).await?;
        }
        if let Some(key) = idempotency_key {
            let remembered = idempotency_key::ActiveModel {
                user_id: Set(staff.id),
                key: Set(key.to_owned()),
                operation: Set(operation.clone()),
                result_id: Set(submitted.id),
                created_at: Set(now),
                ..Default::default()
            };
            idempotency_key::Entity::insert(remembered)
                .exec_without_returning(&txn)
                .await
                .map_err(|err| duplicate_or(err, "request", "Idempotency-Key", key))?;
        }
        let details = json!({
            "source": source, "entrant_id": entrant.id, "receipt_number": submitted.receipt_number,
            "arrived_at": arrived_at, "after_deadline": late, "without_email": !known,
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
        if known {
            notify(
                &txn,
                now,
                &entrant,
                &submitted,
                Notice::Submitted,
                public_url,
            )
            .await?;
        }
        txn.commit().await?;
        Ok(submitted)
    })
    .await;
    match (entered, idempotency_key) {
        // The same request at the same moment: the first one's entry.
        (Err(err @ ServiceError::Duplicate { .. }), Some(key)) => {
            repeated(db, staff.id, key, &operation).await?.ok_or(err)
        }
        (entered, _) => entered,
    }
}

/// The entry an earlier request with `key` recorded for `operation`; a key used
/// for another operation or competition is refused.
async fn repeated(
    db: &DatabaseConnection,
    user_id: i64,
    key: &str,
    operation: &str,
) -> Result<Option<entry::Model>, ServiceError> {
    let Some(id) = earlier(db, user_id, key, operation).await? else {
        return Ok(None);
    };
    let found = entry::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("entry", id))?;
    Ok(Some(found))
}
