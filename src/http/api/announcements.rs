//! The announcement of a competition's results (staff schedule it) and the
//! public results (readable from the announcement on, "not found" before).

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Attachment, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::auth::{StaffAuth, UserAuth};
use super::prizes::{PrizeKind, Tier};
use super::responses::{Answer, NoContent};
use crate::app::AppState;
use crate::entities::announcement;
use crate::http::problem::ApiProblem;
use crate::services::announcements::{self, Schedule};
use crate::services::{ServiceError, competitions, exports};

pub struct AnnouncementsApi {
    pub state: AppState,
}

/// Schedule (or move) the announcement.
#[derive(Debug, Clone, Object)]
pub struct AnnouncementBody {
    /// The embargo: the moment the results become public and the emails go
    /// out; must be in the future.
    pub scheduled_for: DateTime<Utc>,
    /// The jury's statement, shown with the results (at most 5,000 characters).
    #[oai(default)]
    pub statement: String,
    /// Whether the other entrants' thank-you emails carry their own anonymous
    /// jury comments.
    #[oai(default)]
    pub with_feedback: bool,
}

/// A scheduled or made announcement.
#[derive(Debug, Clone, Object)]
pub struct AnnouncementAnswer {
    pub scheduled_for: DateTime<Utc>,
    pub statement: String,
    pub with_feedback: bool,
    /// When it was made; absent while it waits for its moment.
    #[oai(skip_serializing_if_is_none)]
    pub announced_at: Option<DateTime<Utc>>,
}

impl From<announcement::Model> for AnnouncementAnswer {
    fn from(row: announcement::Model) -> Self {
        Self {
            scheduled_for: row.scheduled_for,
            statement: row.statement,
            with_feedback: row.with_feedback,
            announced_at: row.announced_at,
        }
    }
}

/// A prize as the public sees it.
#[derive(Debug, Clone, Object)]
pub struct PublicPrizeAnswer {
    pub tier: Tier,
    pub kind: PrizeKind,
    pub label: String,
    /// What this entry receives, in cents (a tie's share of the prize).
    pub amount_cents: i64,
}

impl From<announcements::PublicPrize> for PublicPrizeAnswer {
    fn from(p: announcements::PublicPrize) -> Self {
        Self {
            tier: p.tier.into(),
            kind: p.kind.into(),
            label: p.label,
            amount_cents: p.amount.cents(),
        }
    }
}

/// An awarded entry.
#[derive(Debug, Clone, Object)]
pub struct WinnerAnswer {
    pub kennzahl: String,
    pub title: String,
    pub summary: String,
    /// Who is credited: only the entry form's public fields (e.g. school and
    /// class), never children's names; absent when the form has none.
    #[oai(skip_serializing_if_is_none)]
    pub credit: Option<String>,
    pub prizes: Vec<PublicPrizeAnswer>,
}

/// A competition's announced results.
#[derive(Debug, Clone, Object)]
pub struct ResultsAnswer {
    pub competition_id: i64,
    pub slug: String,
    #[oai(skip_serializing_if_is_none)]
    pub announced_at: Option<DateTime<Utc>>,
    /// The jury's statement.
    pub statement: String,
    pub winners: Vec<WinnerAnswer>,
}

#[derive(ApiResponse)]
pub enum CertificateResponse {
    /// The winner's certificate, a tagged PDF ready to print.
    #[oai(status = 200, content_type = "application/pdf")]
    Pdf(Attachment<Vec<u8>>),
}

#[derive(ApiResponse)]
pub enum ResultsExportResponse {
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

#[OpenApi(tag = "ApiTags::Prizes")]
impl AnnouncementsApi {
    /// The competition's announcement (staff of the competition); 404 while
    /// none is scheduled.
    #[oai(path = "/competitions/:id/announcement", method = "get")]
    async fn announcement(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<AnnouncementAnswer>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let found = announcements::find(db, manager.competition_id())
            .await?
            .ok_or_else(|| ServiceError::not_found("announcement", id.0))?;
        Ok(Answer::Ok(Json(found.into())))
    }

    /// Schedule or move the announcement of a decided competition (409 in any
    /// other state or once made; 422 for a moment not in the future). Nothing
    /// is public or sent before that moment.
    #[oai(path = "/competitions/:id/announcement", method = "put")]
    async fn schedule(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<AnnouncementBody>,
    ) -> Result<Answer<AnnouncementAnswer>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let body = body.0;
        let stored = announcements::schedule(
            db,
            &manager,
            self.state.now(),
            Schedule {
                at: body.scheduled_for,
                statement: body.statement,
                with_feedback: body.with_feedback,
            },
        )
        .await?;
        Ok(Answer::Ok(Json(stored.into())))
    }

    /// Take a scheduled announcement back (409 once made).
    #[oai(path = "/competitions/:id/announcement", method = "delete")]
    async fn unschedule(&self, auth: StaffAuth, id: Path<i64>) -> Result<NoContent, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        announcements::unschedule(db, &manager, self.state.now()).await?;
        Ok(NoContent::Done)
    }

    /// The competition's results, for everyone, from the announcement on;
    /// 404 before it, whatever is decided and awarded already.
    #[oai(path = "/competitions/:id/results", method = "get")]
    async fn results(&self, id: Path<i64>) -> Result<Answer<ResultsAnswer>, ApiProblem> {
        let db = &self.state.db;
        let hidden = || ServiceError::not_found("results", id.0);
        let competition = competitions::find(db, id.0).await.map_err(|_| hidden())?;
        let results = announcements::results(db, &competition)
            .await?
            .ok_or_else(hidden)?;
        Ok(Answer::Ok(Json(ResultsAnswer {
            competition_id: competition.id,
            slug: competition.slug.clone(),
            announced_at: results.announced_at,
            statement: results.statement,
            winners: results
                .winners
                .into_iter()
                .map(|w| WinnerAnswer {
                    kennzahl: w.kennzahl,
                    title: w.title,
                    summary: w.summary,
                    credit: w.credit,
                    prizes: w.prizes.into_iter().map(Into::into).collect(),
                })
                .collect(),
        })))
    }

    /// An awarded entry's certificate, for its authors and the competition's
    /// staff, from the announcement on; 404 for anyone else, for an entry
    /// without a prize and before the announcement.
    #[oai(path = "/entries/:id/certificate", method = "get")]
    async fn certificate(
        &self,
        auth: UserAuth,
        id: Path<i64>,
    ) -> Result<CertificateResponse, ApiProblem> {
        let pdf =
            announcements::certificate(&self.state.db, &auth.0, id.0, self.state.site.place())
                .await?;
        Ok(CertificateResponse::Pdf(
            Attachment::new(pdf).filename(format!("urkunde-{}.pdf", id.0)),
        ))
    }

    /// The results for the city (staff of the competition): every awarded
    /// entry with its prizes, amounts and the lead author's contact, by the
    /// entries' best prizes (staff see their allocation before the
    /// announcement too).
    #[oai(path = "/competitions/:id/results/export", method = "get")]
    async fn results_export(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        /// `csv` (the default) or `xlsx`.
        #[oai(validator(pattern = "^(csv|xlsx)$"))]
        format: Query<Option<String>>,
    ) -> Result<ResultsExportResponse, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let competition = competitions::find(db, id.0).await?;
        let lines = announcements::result_lines(db, &manager).await?;
        let name = format!("ergebnisse-{}", competition.slug);
        Ok(match format.0.as_deref() {
            Some("xlsx") => ResultsExportResponse::Xlsx(
                Attachment::new(exports::results_xlsx(&lines)?).filename(format!("{name}.xlsx")),
            ),
            _ => ResultsExportResponse::Csv(
                Attachment::new(exports::results_csv(&lines)?).filename(format!("{name}.csv")),
            ),
        })
    }
}
