//! Entering ideas through the API: drafts, submission (also in one request), edits,
//! withdrawal, the caller's entries. Files, co-authors and the staff's side are in
//! `entry_files`, `entry_team` and `staff_entries`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::auth::{StaffAuth, UserAuth};
use super::models::{EntrySource, EntryStatus};
use super::responses::{Answer, Created};
use super::staff_entries::StaffEntry;
use crate::app::AppState;
use crate::entities::entry;
use crate::entities::stored::Unreadable;
use crate::http::problem::ApiProblem;
use crate::services::authorization;
use crate::services::entries::{self, EntryContent};
use crate::services::staff_entries::{self, EntryFilter};

pub struct EntriesApi {
    pub state: AppState,
}

/// An idea as its author sees it.
#[derive(Debug, Object)]
pub struct Entry {
    pub id: i64,
    pub competition_id: i64,
    pub status: EntryStatus,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub goals: Vec<String>,
    /// The anonymous code the jury sees, once submitted.
    #[oai(nullable)]
    pub kennzahl: Option<String>,
    #[oai(nullable)]
    pub receipt_number: Option<String>,
    /// Counts the kept versions of a submitted entry.
    pub version: i32,
    pub source: EntrySource,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[oai(nullable)]
    pub submitted_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// When an idea recorded by staff reached the city (it counts for the
    /// deadline); null for ideas entered online.
    #[oai(nullable)]
    pub arrived_at: Option<DateTime<Utc>>,
    /// Answers to the competition's entry form (see `Competition.entry_form`).
    pub details: BTreeMap<String, String>,
    /// For children's entries: the guardians' consent was confirmed.
    pub guardian_consent: bool,
    /// Whom to contact about the entry (its authors and staff see it).
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub contact_name: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub contact_phone: Option<String>,
}

impl Entry {
    /// The entry with all its answers and contact details (for its authors and staff).
    pub async fn load(
        conn: &impl sea_orm::ConnectionTrait,
        m: entry::Model,
    ) -> Result<Self, ApiProblem> {
        Ok(entries::authored(conn, m).await?.try_into()?)
    }
}

impl TryFrom<entries::Authored> for Entry {
    type Error = Unreadable;

    fn try_from(a: entries::Authored) -> Result<Self, Unreadable> {
        Ok(Self {
            details: a.answers,
            contact_name: Some(a.contact_name),
            contact_phone: a.contact_phone,
            ..a.entry.try_into()?
        })
    }
}

impl TryFrom<entry::Model> for Entry {
    type Error = Unreadable;

    fn try_from(m: entry::Model) -> Result<Self, Unreadable> {
        Ok(Self {
            details: m.jury_answers()?,
            goals: m.goals()?,
            guardian_consent: m.guardian_consent_at.is_some(),
            contact_name: None,
            contact_phone: None,
            id: m.id,
            competition_id: m.competition_id,
            status: m.status.into(),
            title: m.title,
            summary: m.summary,
            description: m.description,
            kennzahl: m.kennzahl,
            receipt_number: m.receipt_number,
            version: m.version,
            source: m.source.into(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            submitted_at: m.submitted_at,
            withdrawn_at: m.withdrawn_at,
            arrived_at: m.arrived_at,
        })
    }
}

/// The content of an idea.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct EntryBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    /// A few sentences.
    #[oai(validator(min_length = 1, max_length = 1000))]
    pub summary: String,
    #[oai(default, validator(max_length = 20000))]
    pub description: String,
    /// The programme goals the idea serves.
    #[oai(default, validator(max_items = 4))]
    pub goals: Vec<String>,
    /// Answers to the competition's entry form by field key (see
    /// `Competition.entry_form`); drafts may leave required ones out.
    #[oai(default, validator(max_properties = 30))]
    pub details: BTreeMap<String, String>,
    /// For children's entries (`entry_form.for_minors`): you submit as an adult and
    /// the guardians consent to publication. Needed to submit.
    #[oai(default)]
    pub guardian_consent: bool,
    /// Whom to contact about the idea; absent: your account's name (when changing:
    /// the name given before).
    #[oai(validator(min_length = 1, max_length = 200))]
    #[oai(nullable)]
    pub contact_name: Option<String>,
    /// A phone number for questions (digits, spaces, `+ ( ) / -`); absent: none.
    #[oai(validator(max_length = 40))]
    #[oai(nullable)]
    pub contact_phone: Option<String>,
}

impl EntryBody {
    pub(super) fn content(self) -> EntryContent {
        EntryContent {
            title: self.title.trim().to_owned(),
            summary: self.summary.trim().to_owned(),
            description: self.description,
            goals: self
                .goals
                .into_iter()
                .map(|g| g.chars().take(100).collect())
                .collect(),
            details: self.details,
            guardian_consent: self.guardian_consent,
            contact_name: self.contact_name.map(|n| n.trim().to_owned()),
            contact_phone: self
                .contact_phone
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty()),
        }
    }
}

#[OpenApi(tag = "ApiTags::Entries")]
impl EntriesApi {
    // Listed here rather than with the other staff operations: poem-openapi
    // documents a path from one API struct only, and this path also takes the POST.
    /// The entries of a competition with their authors, oldest first, optionally
    /// filtered (administrators and the competition's coordinators; never the jury).
    /// At most `limit` entries (1,000 unless fewer are asked for): for the next ones
    /// ask again with `after` set to the last id received, until fewer come back.
    #[oai(path = "/competitions/:id/entries", method = "get")]
    // poem-openapi documents each query parameter as an argument of its own.
    #[allow(clippy::too_many_arguments)]
    async fn of_competition(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        status: Query<Option<EntryStatus>>,
        source: Query<Option<EntrySource>>,
        /// Words in the title, summary, receipt number, Kennzahl, author name or email.
        #[oai(validator(max_length = 200))]
        q: Query<Option<String>>,
        /// Only entries with a greater id (the last id of the previous answer).
        after: Query<Option<i64>>,
        /// How many entries at most (1 to 1,000; 1,000 if not given).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
    ) -> Result<Answer<Vec<StaffEntry>>, ApiProblem> {
        let manager = auth.manager(&self.state.db, id.0).await?;
        let filter = EntryFilter {
            status: status.0.map(Into::into),
            source: source.0.map(Into::into),
            query: q.0,
        };
        let all = staff_entries::all(&self.state.db, &manager, &filter)
            .await?
            .after(after.0)
            .of(limit.0.unwrap_or(1000))
            .next()
            .await?;
        Ok(Answer::Ok(Json(
            all.into_iter()
                .map(|s| {
                    Ok(StaffEntry {
                        entry: Entry {
                            details: s.details,
                            ..s.entry.try_into()?
                        },
                        author_name: s.author_name,
                        author_email: s.author_email,
                    })
                })
                .collect::<Result<_, Unreadable>>()?,
        )))
    }

    /// Start an entry as a draft. Send an `Idempotency-Key` so that a retried
    /// request never creates a second entry.
    #[oai(path = "/competitions/:id/entries", method = "post")]
    async fn create(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        /// Any unique value per intended entry, e.g. a UUID.
        #[oai(name = "Idempotency-Key", validator(max_length = 100))]
        idempotency_key: Header<Option<String>>,
        body: Json<EntryBody>,
    ) -> Result<Created<Entry>, ApiProblem> {
        let state = &self.state;
        let created = entries::create(
            &state.db,
            state.now(),
            &auth.0,
            id.0,
            body.0.content(),
            idempotency_key.0.as_deref(),
        )
        .await?;
        Ok(Created::New(Json(
            Entry::load(&self.state.db, created).await?,
        )))
    }

    /// Create and submit an idea in one request: the answer carries the receipt
    /// number and the Kennzahl, and a receipt email is sent. Send an
    /// `Idempotency-Key` so that a retried request never submits twice.
    #[oai(path = "/competitions/:id/submissions", method = "post")]
    async fn submit_new(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        /// Any unique value per intended entry, e.g. a UUID.
        #[oai(name = "Idempotency-Key", validator(max_length = 100))]
        idempotency_key: Header<Option<String>>,
        body: Json<EntryBody>,
    ) -> Result<Created<Entry>, ApiProblem> {
        let state = &self.state;
        let request = entries::OneStepSubmission {
            competition_id: id.0,
            content: body.0.content(),
            idempotency_key: idempotency_key.0,
        };
        let catalogue = state.catalogue.get(&state.db).await?;
        let submitted = entries::submit_new(
            &state.db,
            &state.writes,
            &catalogue,
            state.now(),
            &auth.0,
            request,
            &state.settings.server.public_url,
        )
        .await?;
        state.queued();
        Ok(Created::New(Json(submitted.try_into()?)))
    }

    /// The caller's entries.
    ///
    /// Answer: The caller's entries, newest first.
    #[oai(path = "/me/entries", method = "get")]
    async fn mine(&self, auth: UserAuth) -> Result<Answer<Vec<Entry>>, ApiProblem> {
        let all = entries::mine(&self.state.db, &auth.0).await?;
        let mut loaded = Vec::with_capacity(all.len());
        for model in all {
            loaded.push(Entry::load(&self.state.db, model).await?);
        }
        Ok(Answer::Ok(Json(loaded)))
    }

    /// One of the caller's entries.
    ///
    /// Answer: The entry.
    #[oai(path = "/entries/:id", method = "get")]
    async fn get(&self, auth: UserAuth, id: Path<i64>) -> Result<Answer<Entry>, ApiProblem> {
        let found = entries::find_own(&self.state.db, &auth.0, id.0).await?;
        Ok(Answer::Ok(Json(Entry::load(&self.state.db, found).await?)))
    }

    /// Change an entry until the deadline; each version of a submitted entry is kept.
    ///
    /// Answer: The entry.
    #[oai(path = "/entries/:id", method = "put")]
    async fn update(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        body: Json<EntryBody>,
    ) -> Result<Answer<Entry>, ApiProblem> {
        let state = &self.state;
        let author = authorization::entry_author(&state.db, &auth.0, id.0).await?;
        let updated = entries::update(&state.db, state.now(), &author, body.0.content()).await?;
        Ok(Answer::Ok(Json(
            Entry::load(&self.state.db, updated).await?,
        )))
    }

    /// Submit: the answer carries the receipt number and the Kennzahl, and a
    /// receipt email is sent. Submitting again answers with the same receipt.
    ///
    /// Answer: The entry.
    #[oai(path = "/entries/:id/submit", method = "post")]
    async fn submit(&self, auth: UserAuth, id: Path<i64>) -> Result<Answer<Entry>, ApiProblem> {
        let state = &self.state;
        let author = authorization::entry_author(&state.db, &auth.0, id.0).await?;
        let submitted = entries::submit(
            &state.db,
            state.now(),
            &author,
            &state.settings.server.public_url,
        )
        .await?;
        state.queued();
        Ok(Answer::Ok(Json(
            Entry::load(&self.state.db, submitted).await?,
        )))
    }

    /// Withdraw a submitted entry.
    ///
    /// Answer: The entry.
    #[oai(path = "/entries/:id/withdraw", method = "post")]
    async fn withdraw(&self, auth: UserAuth, id: Path<i64>) -> Result<Answer<Entry>, ApiProblem> {
        let state = &self.state;
        let author = authorization::entry_author(&state.db, &auth.0, id.0).await?;
        let withdrawn = entries::withdraw(
            &state.db,
            state.now(),
            &author,
            &state.settings.server.public_url,
        )
        .await?;
        state.queued();
        Ok(Answer::Ok(Json(
            Entry::load(&self.state.db, withdrawn).await?,
        )))
    }
}
