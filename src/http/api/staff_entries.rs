//! The entries of a competition for staff: list with filters, exports, and ideas
//! recorded on someone's behalf.

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Attachment, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::auth::StaffAuth;
use super::entries::{Entry, EntryBody};
use super::models::{AuditEntry, EntrySource};
use super::responses::{Answer, Created};
use crate::app::AppState;
use crate::domain::email_address::EmailAddress;
use crate::http::problem::ApiProblem;
use crate::http::streams;
use crate::services::staff_entries::{self, EntryFilter};
use crate::services::{competitions, entries, exports};

pub struct StaffEntriesApi {
    pub state: AppState,
}

/// An entry with its author, as staff see it.
#[derive(Debug, Object)]
pub struct StaffEntry {
    pub entry: Entry,
    pub author_name: String,
    pub author_email: String,
}

/// One kept version of an entry.
#[derive(Debug, Object)]
pub struct EntryVersion {
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The version's title, summary, description and goals (and jury answers).
    pub content: serde_json::Value,
}

/// An entry's history: its versions and every recorded action on it.
#[derive(Debug, Object)]
pub struct EntryHistory {
    pub versions: Vec<EntryVersion>,
    pub events: Vec<AuditEntry>,
}

#[derive(ApiResponse)]
pub enum ExportResponse {
    /// CSV for spreadsheets (UTF-8 with BOM, semicolon-separated).
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Attachment<poem::Body>),
    /// An Excel workbook.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Xlsx(Attachment<poem::Body>),
}

/// An idea that arrived by email, on paper or in the walk-in shop.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct OnBehalfBody {
    /// The entrant's email address (their account is created if needed). Null or
    /// left out: the entrant has none; no receipt is emailed (print the staff
    /// page's receipt instead).
    #[oai(validator(min_length = 3, max_length = 254))]
    #[oai(nullable)]
    pub email: Option<String>,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    /// `email`, `paper` or `walk_in` (`online` is for entrants themselves).
    pub source: EntrySource,
    /// When the idea reached the city (post mark, email, visit); now if left out.
    /// An idea that arrived before the deadline is accepted after it, with a note;
    /// one that arrived after it is refused.
    #[oai(nullable)]
    pub arrived_at: Option<chrono::DateTime<chrono::Utc>>,
    pub entry: EntryBody,
}

#[OpenApi(tag = "ApiTags::Entries")]
impl StaffEntriesApi {
    /// Record and submit an idea on someone's behalf (administrators and the
    /// competition's coordinators); the entrant gets the usual receipt.
    #[oai(path = "/competitions/:id/entries/on-behalf", method = "post")]
    async fn on_behalf(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        /// Any unique value per idea recorded, e.g. a UUID: a retried request
        /// records nothing twice and sends no second receipt.
        #[oai(name = "Idempotency-Key", validator(max_length = 100))]
        idempotency_key: Header<Option<String>>,
        body: Json<OnBehalfBody>,
    ) -> Result<Created<Entry>, ApiProblem> {
        let manager = auth.manager(&self.state.db, id.0).await?;
        let body = body.0;
        let state = &self.state;
        let entered = entries::enter_on_behalf(
            &state.db,
            state.now(),
            &manager,
            entries::Arrival {
                email: body.email.as_deref().map(EmailAddress::parse).transpose()?,
                name: body.name.clone(),
                source: body.source.into(),
                arrived_at: body.arrived_at,
            },
            body.entry.content(),
            idempotency_key.0.as_deref(),
            &state.settings.server.public_url,
        )
        .await?;
        state.queued();
        Ok(Created::New(Json(
            Entry::load(&self.state.db, entered).await?,
        )))
    }

    /// An entry's history (staff of its competition): its kept versions and every
    /// recorded action on it (created, submitted, changed, withdrawn, files,
    /// co-authors, staff actions), oldest first.
    #[oai(path = "/entries/:id/history", method = "get")]
    async fn history(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<EntryHistory>, ApiProblem> {
        let db = &self.state.db;
        let manager =
            crate::services::authorization::manager_of_entry(db, auth.0.person(), id.0).await?;
        let history = staff_entries::history(db, &manager, id.0).await?;
        let versions = history
            .versions
            .into_iter()
            .map(|v| {
                Ok(EntryVersion {
                    content: v.content_json()?,
                    version: v.version,
                    created_at: v.created_at,
                })
            })
            .collect::<Result<_, crate::entities::stored::Unreadable>>()?;
        let events = history
            .events
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<_, _>>()?;
        Ok(Answer::Ok(Json(EntryHistory { versions, events })))
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
        let manager = auth.manager(db, id.0).await?;
        let all = staff_entries::all(db, &manager, &EntryFilter::default()).await?;
        let competition = competitions::find(db, id.0).await?;
        let form = competitions::form_of(&competition)?;
        // Named by the competition's slug, which tells same-named competitions apart.
        let name = format!("einreichungen-{}", competition.slug);
        Ok(match format.0.as_deref() {
            Some("xlsx") => ExportResponse::Xlsx(
                Attachment::new(streams::file(exports::xlsx(all, &form).await?))
                    .filename(format!("{name}.xlsx")),
            ),
            _ => ExportResponse::Csv(
                Attachment::new(streams::csv(exports::Csv::new(all, form)))
                    .filename(format!("{name}.csv")),
            ),
        })
    }
}
