//! Entering ideas through the API: drafts, submission, edits, withdrawal.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Attachment, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Multipart, Object, OpenApi};

use super::ApiTags;
use super::auth::{StaffAuth, UserAuth};
use crate::app::AppState;
use crate::entities::{entry, entry_attachment, entry_coauthor};
use crate::http::problem::ApiProblem;
use crate::services::entries::{self, EntryContent};
use crate::services::staff_entries::{self, EntryFilter};
use crate::services::{ServiceError, attachments, coauthors, competitions, coordinators};

pub struct EntriesApi {
    pub state: AppState,
}

/// An idea as its author sees it.
#[derive(Debug, Object)]
pub struct Entry {
    pub id: i64,
    pub competition_id: i64,
    /// `draft`, `submitted` or `withdrawn`.
    pub status: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub goals: Vec<String>,
    /// The anonymous code the jury sees, once submitted.
    pub kennzahl: Option<String>,
    pub receipt_number: Option<String>,
    /// Counts the kept versions of a submitted entry.
    pub version: i32,
    /// `online`, or `email`, `paper`, `walk_in` when staff recorded it.
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Answers to the competition's entry form (see `Competition.entry_form`).
    pub details: BTreeMap<String, String>,
    /// For children's entries: the guardians' consent was confirmed.
    pub guardian_consent: bool,
    /// Whom to contact about the entry (its authors and staff see it).
    #[oai(skip_serializing_if_is_none)]
    pub contact_name: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub contact_phone: Option<String>,
}

impl Entry {
    /// The entry with all its answers and contact details (for its authors and staff).
    pub async fn load(
        conn: &impl sea_orm::ConnectionTrait,
        m: entry::Model,
    ) -> Result<Self, ApiProblem> {
        let mut details: BTreeMap<String, String> =
            serde_json::from_str(&m.details).unwrap_or_default();
        let author = entries::author_of(conn, m.id).await?;
        if let Some(author) = &author {
            details.extend(
                serde_json::from_str::<BTreeMap<String, String>>(&author.details)
                    .unwrap_or_default(),
            );
        }
        Ok(Self {
            details,
            contact_name: author.as_ref().map(|a| a.contact_name.clone()),
            contact_phone: author.and_then(|a| a.contact_phone),
            ..m.into()
        })
    }
}

impl From<entry::Model> for Entry {
    fn from(m: entry::Model) -> Self {
        Self {
            details: serde_json::from_str(&m.details).unwrap_or_default(),
            guardian_consent: m.guardian_consent_at.is_some(),
            contact_name: None,
            contact_phone: None,
            id: m.id,
            competition_id: m.competition_id,
            status: m.status,
            title: m.title,
            summary: m.summary,
            description: m.description,
            goals: serde_json::from_str(&m.goals).unwrap_or_default(),
            kennzahl: m.kennzahl,
            receipt_number: m.receipt_number,
            version: m.version,
            source: m.source,
            created_at: m.created_at,
            updated_at: m.updated_at,
            submitted_at: m.submitted_at,
            withdrawn_at: m.withdrawn_at,
        }
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
    pub contact_name: Option<String>,
    /// A phone number for questions (digits, spaces, `+ ( ) / -`); absent: none.
    #[oai(validator(max_length = 40))]
    pub contact_phone: Option<String>,
}

impl EntryBody {
    fn content(self) -> EntryContent {
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

/// An entry with its author, as staff see it.
#[derive(Debug, Object)]
pub struct StaffEntry {
    pub entry: Entry,
    pub author_name: String,
    pub author_email: String,
}

#[derive(ApiResponse)]
pub enum StaffEntriesResponse {
    /// The competition's entries, oldest first.
    #[oai(status = 200)]
    Ok(Json<Vec<StaffEntry>>),
}

#[derive(ApiResponse)]
pub enum ExportResponse {
    /// CSV for spreadsheets (UTF-8 with BOM, semicolon-separated).
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Attachment<Vec<u8>>),
    /// An Excel workbook.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Xlsx(Attachment<Vec<u8>>),
}

/// An idea that arrived by email, on paper or in the walk-in shop.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct OnBehalfBody {
    /// The entrant's email address (their account is created if needed).
    #[oai(validator(min_length = 3, max_length = 254))]
    pub email: String,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    /// `email`, `paper` or `walk_in`.
    #[oai(validator(pattern = "^(email|paper|walk_in)$"))]
    pub source: String,
    pub entry: EntryBody,
}

#[derive(ApiResponse)]
pub enum CreateEntryResponse {
    /// The draft (or, for a repeated request, the one created the first time).
    #[oai(status = 201)]
    Created(Json<Entry>),
}

#[derive(ApiResponse)]
pub enum EntryResponse {
    /// The entry.
    #[oai(status = 200)]
    Ok(Json<Entry>),
}

#[derive(ApiResponse)]
pub enum EntriesResponse {
    /// The caller's entries, newest first.
    #[oai(status = 200)]
    Ok(Json<Vec<Entry>>),
}

/// A file attached to an idea.
#[derive(Debug, Object)]
pub struct AttachmentInfo {
    pub id: i64,
    pub entry_id: i64,
    /// The uploader's file name, cleaned, with the extension of the real type.
    pub file_name: String,
    /// Recognised from the content.
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    /// Where to download it.
    pub download_path: String,
}

impl From<entry_attachment::Model> for AttachmentInfo {
    fn from(m: entry_attachment::Model) -> Self {
        Self {
            download_path: format!("/api/entries/{}/attachments/{}", m.entry_id, m.id),
            id: m.id,
            entry_id: m.entry_id,
            file_name: m.file_name,
            media_type: m.media_type,
            size_bytes: m.size_bytes,
            sha256: m.sha256,
            created_at: m.created_at,
        }
    }
}

/// An upload: one file in the multipart field `file`.
#[derive(Debug, Multipart)]
pub struct UploadBody {
    /// PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint or OpenDocument; the
    /// content decides, not the name.
    pub file: Upload,
}

#[derive(ApiResponse)]
pub enum AttachmentCreated {
    /// The file is stored.
    #[oai(status = 201)]
    Created(Json<AttachmentInfo>),
}

#[derive(ApiResponse)]
pub enum AttachmentsResponse {
    /// The entry's files, oldest first.
    #[oai(status = 200)]
    Ok(Json<Vec<AttachmentInfo>>),
}

#[derive(ApiResponse)]
pub enum DownloadResponse {
    /// The file, always as a download (never shown inline by the browser).
    #[oai(status = 200, content_type = "application/octet-stream")]
    Ok(Attachment<Vec<u8>>),
}

#[derive(ApiResponse)]
pub enum RemovedResponse {
    /// The file is gone.
    #[oai(status = 204)]
    Removed,
}

/// A co-author of an idea, invited by email.
#[derive(Debug, Object)]
pub struct Coauthor {
    pub id: i64,
    pub entry_id: i64,
    pub email: String,
    pub name: String,
    /// Whether they accepted (and can now read and edit the idea).
    pub accepted: bool,
    pub invited_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<entry_coauthor::Model> for Coauthor {
    fn from(m: entry_coauthor::Model) -> Self {
        Self {
            id: m.id,
            entry_id: m.entry_id,
            email: m.email,
            name: m.name,
            accepted: m.accepted_at.is_some(),
            invited_at: m.invited_at,
            expires_at: m.expires_at,
        }
    }
}

/// Whom to invite.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct InviteBody {
    #[oai(validator(min_length = 3, max_length = 254))]
    pub email: String,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
}

/// The token from the invitation email.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct AcceptBody {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub token: String,
}

#[derive(ApiResponse)]
pub enum CoauthorCreated {
    /// Invited; the email is on its way.
    #[oai(status = 201)]
    Created(Json<Coauthor>),
}

#[derive(ApiResponse)]
pub enum CoauthorsResponse {
    /// The co-authors, in the order they were invited.
    #[oai(status = 200)]
    Ok(Json<Vec<Coauthor>>),
}

#[OpenApi(tag = "ApiTags::Entries")]
impl EntriesApi {
    /// Invite a co-author by email (the person who started the idea, until the
    /// deadline).
    #[oai(path = "/entries/:id/coauthors", method = "post")]
    async fn invite(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        body: Json<InviteBody>,
    ) -> Result<CoauthorCreated, ApiProblem> {
        let state = &self.state;
        let invited = coauthors::invite(
            &state.db,
            state.now(),
            &auth.0,
            id.0,
            &body.0.email,
            &body.0.name,
            &state.settings.server.public_url,
        )
        .await?;
        state.queued();
        Ok(CoauthorCreated::Created(Json(invited.into())))
    }

    /// The co-authors of an idea (for its authors).
    #[oai(path = "/entries/:id/coauthors", method = "get")]
    async fn coauthors(
        &self,
        auth: UserAuth,
        id: Path<i64>,
    ) -> Result<CoauthorsResponse, ApiProblem> {
        let all = coauthors::list(&self.state.db, &auth.0, id.0).await?;
        Ok(CoauthorsResponse::Ok(Json(
            all.into_iter().map(Into::into).collect(),
        )))
    }

    /// Remove a co-author or withdraw an invitation (the person who started the idea).
    #[oai(path = "/entries/:id/coauthors/:coauthor_id", method = "delete")]
    async fn remove_coauthor(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        coauthor_id: Path<i64>,
    ) -> Result<RemovedResponse, ApiProblem> {
        let state = &self.state;
        coauthors::remove(&state.db, state.now(), &auth.0, id.0, coauthor_id.0).await?;
        Ok(RemovedResponse::Removed)
    }

    /// Accept an invitation to co-author an idea, signed in with the invited address.
    #[oai(path = "/coauthor-invitations/accept", method = "post")]
    async fn accept_invitation(
        &self,
        auth: UserAuth,
        body: Json<AcceptBody>,
    ) -> Result<EntryResponse, ApiProblem> {
        let state = &self.state;
        let joined = coauthors::accept(&state.db, state.now(), &auth.0, &body.0.token).await?;
        Ok(EntryResponse::Ok(Json(
            Entry::load(&state.db, joined).await?,
        )))
    }

    /// Attach a file to an idea until the deadline (its author and co-authors). At
    /// most `attachments.max_files` files of `attachments.max_bytes` each.
    #[oai(path = "/entries/:id/attachments", method = "post")]
    async fn attach(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        body: UploadBody,
    ) -> Result<AttachmentCreated, ApiProblem> {
        let state = &self.state;
        let name = body.file.file_name().unwrap_or_default().to_owned();
        let content = body.file.into_vec().await.map_err(|err| {
            ServiceError::invalid("file", format!("the upload could not be read: {err}"))
        })?;
        let created = attachments::add(
            &state.db,
            &state.files,
            &state.settings.attachments,
            state.now(),
            &auth.0,
            id.0,
            attachments::Upload {
                file_name: &name,
                content: &content,
            },
        )
        .await?;
        Ok(AttachmentCreated::Created(Json(created.into())))
    }

    /// The files of an idea (its authors, administrators and the competition's
    /// coordinators).
    #[oai(path = "/entries/:id/attachments", method = "get")]
    async fn attachments(
        &self,
        auth: UserAuth,
        id: Path<i64>,
    ) -> Result<AttachmentsResponse, ApiProblem> {
        let all = attachments::list(&self.state.db, &auth.0, id.0).await?;
        Ok(AttachmentsResponse::Ok(Json(
            all.into_iter().map(Into::into).collect(),
        )))
    }

    /// Download one file (its authors, administrators and the competition's
    /// coordinators).
    #[oai(path = "/entries/:id/attachments/:attachment_id", method = "get")]
    async fn download(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        attachment_id: Path<i64>,
    ) -> Result<DownloadResponse, ApiProblem> {
        let state = &self.state;
        let (found, content) =
            attachments::download(&state.db, &state.files, &auth.0, id.0, attachment_id.0).await?;
        Ok(DownloadResponse::Ok(
            Attachment::new(content).filename(found.file_name),
        ))
    }

    /// Remove a file until the deadline (its author and co-authors).
    #[oai(path = "/entries/:id/attachments/:attachment_id", method = "delete")]
    async fn remove_attachment(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        attachment_id: Path<i64>,
    ) -> Result<RemovedResponse, ApiProblem> {
        let state = &self.state;
        attachments::remove(
            &state.db,
            &state.files,
            state.now(),
            &auth.0,
            id.0,
            attachment_id.0,
        )
        .await?;
        Ok(RemovedResponse::Removed)
    }

    /// The entries of a competition with their authors, oldest first, optionally
    /// filtered (administrators and the competition's coordinators; never the jury).
    #[oai(path = "/competitions/:id/entries", method = "get")]
    async fn of_competition(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        /// `draft`, `submitted` or `withdrawn`.
        #[oai(validator(pattern = "^(draft|submitted|withdrawn)$"))]
        status: Query<Option<String>>,
        /// `online`, `email`, `paper` or `walk_in`.
        #[oai(validator(pattern = "^(online|email|paper|walk_in)$"))]
        source: Query<Option<String>>,
        /// Words in the title, summary, receipt number, Kennzahl, author name or email.
        #[oai(validator(max_length = 200))]
        q: Query<Option<String>>,
    ) -> Result<StaffEntriesResponse, ApiProblem> {
        coordinators::may_manage(&self.state.db, &auth.0, id.0).await?;
        let filter = EntryFilter {
            status: status.0,
            source: source.0,
            query: q.0,
        };
        let all = staff_entries::all(&self.state.db, id.0, &filter).await?;
        Ok(StaffEntriesResponse::Ok(Json(
            all.into_iter()
                .map(|s| StaffEntry {
                    entry: Entry {
                        details: s.details,
                        ..s.entry.into()
                    },
                    author_name: s.author_name,
                    author_email: s.author_email,
                })
                .collect(),
        )))
    }

    /// Record and submit an idea on someone's behalf (administrators and the
    /// competition's coordinators); the entrant gets the usual receipt.
    #[oai(path = "/competitions/:id/entries/on-behalf", method = "post")]
    async fn on_behalf(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<OnBehalfBody>,
    ) -> Result<CreateEntryResponse, ApiProblem> {
        coordinators::may_manage(&self.state.db, &auth.0, id.0).await?;
        let body = body.0;
        let state = &self.state;
        let entered = entries::enter_on_behalf(
            &state.db,
            state.now(),
            &auth.0,
            id.0,
            &body.email,
            &body.name,
            &body.source,
            body.entry.content(),
            &state.settings.server.public_url,
        )
        .await?;
        state.queued();
        Ok(CreateEntryResponse::Created(Json(
            Entry::load(&self.state.db, entered).await?,
        )))
    }

    /// All entries of a competition as a download: `csv` (UTF-8 with BOM, semicolons,
    /// for German Excel) or `xlsx`, with the competition's own questions as columns.
    #[oai(path = "/competitions/:id/entries/export", method = "get")]
    async fn export(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        /// `csv` (the default) or `xlsx`.
        #[oai(validator(pattern = "^(csv|xlsx)$"))]
        format: Query<Option<String>>,
    ) -> Result<ExportResponse, ApiProblem> {
        let db = &self.state.db;
        coordinators::may_manage(db, &auth.0, id.0).await?;
        let all = staff_entries::all(db, id.0, &EntryFilter::default()).await?;
        let form = competitions::form_of(&competitions::find(db, id.0).await?)?;
        Ok(match format.0.as_deref() {
            Some("xlsx") => ExportResponse::Xlsx(
                Attachment::new(staff_entries::to_xlsx(&all, &form)?)
                    .filename(format!("einreichungen-{}.xlsx", id.0)),
            ),
            _ => ExportResponse::Csv(
                Attachment::new(staff_entries::to_csv(&all, &form)?)
                    .filename(format!("einreichungen-{}.csv", id.0)),
            ),
        })
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
    ) -> Result<CreateEntryResponse, ApiProblem> {
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
        Ok(CreateEntryResponse::Created(Json(
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
    ) -> Result<CreateEntryResponse, ApiProblem> {
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
        Ok(CreateEntryResponse::Created(Json(Entry {
            details: submitted.answers,
            contact_name: Some(submitted.contact_name),
            contact_phone: submitted.contact_phone,
            ..submitted.entry.into()
        })))
    }

    /// The caller's entries.
    #[oai(path = "/me/entries", method = "get")]
    async fn mine(&self, auth: UserAuth) -> Result<EntriesResponse, ApiProblem> {
        let all = entries::mine(&self.state.db, &auth.0).await?;
        let mut loaded = Vec::with_capacity(all.len());
        for model in all {
            loaded.push(Entry::load(&self.state.db, model).await?);
        }
        Ok(EntriesResponse::Ok(Json(loaded)))
    }

    /// One of the caller's entries.
    #[oai(path = "/entries/:id", method = "get")]
    async fn get(&self, auth: UserAuth, id: Path<i64>) -> Result<EntryResponse, ApiProblem> {
        let found = entries::find_own(&self.state.db, &auth.0, id.0).await?;
        Ok(EntryResponse::Ok(Json(
            Entry::load(&self.state.db, found).await?,
        )))
    }

    /// Change an entry until the deadline; each version of a submitted entry is kept.
    #[oai(path = "/entries/:id", method = "put")]
    async fn update(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        body: Json<EntryBody>,
    ) -> Result<EntryResponse, ApiProblem> {
        let state = &self.state;
        let updated =
            entries::update(&state.db, state.now(), &auth.0, id.0, body.0.content()).await?;
        Ok(EntryResponse::Ok(Json(
            Entry::load(&self.state.db, updated).await?,
        )))
    }

    /// Submit: the answer carries the receipt number and the Kennzahl, and a
    /// receipt email is sent. Submitting again answers with the same receipt.
    #[oai(path = "/entries/:id/submit", method = "post")]
    async fn submit(&self, auth: UserAuth, id: Path<i64>) -> Result<EntryResponse, ApiProblem> {
        let state = &self.state;
        let submitted = entries::submit(
            &state.db,
            state.now(),
            &auth.0,
            id.0,
            &state.settings.server.public_url,
        )
        .await?;
        state.queued();
        Ok(EntryResponse::Ok(Json(
            Entry::load(&self.state.db, submitted).await?,
        )))
    }

    /// Withdraw a submitted entry.
    #[oai(path = "/entries/:id/withdraw", method = "post")]
    async fn withdraw(&self, auth: UserAuth, id: Path<i64>) -> Result<EntryResponse, ApiProblem> {
        let state = &self.state;
        let withdrawn = entries::withdraw(
            &state.db,
            state.now(),
            &auth.0,
            id.0,
            &state.settings.server.public_url,
        )
        .await?;
        state.queued();
        Ok(EntryResponse::Ok(Json(
            Entry::load(&self.state.db, withdrawn).await?,
        )))
    }
}
