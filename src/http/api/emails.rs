//! The email outbox for administrators: what was sent, what waits, what failed.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::ApiTags;
use super::auth::AdminAuth;
use super::responses::{Answer, Created};
use crate::app::AppState;
use crate::domain::delivery::EmailStatus as DomainEmailStatus;
use crate::entities::email_message;
use crate::http::problem::ApiProblem;
use crate::services::{ServiceError, emails};

pub struct EmailsApi {
    pub state: AppState,
}

super::models::api_enum! {
    /// Delivery state of a message.
    EmailStatus mirrors DomainEmailStatus { Pending, Sending, Sent, Failed }
}

/// One message of the email outbox.
#[derive(Debug, Object)]
pub struct Email {
    pub id: i64,
    pub template: String,
    pub locale: String,
    pub recipient: String,
    pub status: EmailStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    #[oai(nullable)]
    pub last_error: Option<String>,
    #[oai(nullable)]
    pub competition_id: Option<i64>,
    /// The copy's original, for resent messages.
    #[oai(nullable)]
    pub resent_from_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    #[oai(nullable)]
    pub sent_at: Option<DateTime<Utc>>,
}

/// A message with its rendered content.
#[derive(Debug, Object)]
pub struct EmailPreview {
    pub email: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl From<email_message::Model> for Email {
    fn from(m: email_message::Model) -> Self {
        Self {
            id: m.id,
            template: m.template,
            locale: m.locale,
            recipient: m.recipient,
            status: m.status.into(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            competition_id: m.competition_id,
            resent_from_id: m.resent_from_id,
            created_at: m.created_at,
            sent_at: m.sent_at,
        }
    }
}

#[OpenApi(tag = "ApiTags::Emails")]
impl EmailsApi {
    /// List outbox messages, newest first (administrators).
    #[oai(path = "/admin/emails", method = "get")]
    async fn list(
        &self,
        auth: AdminAuth,
        /// Only messages in this state.
        status: Query<Option<EmailStatus>>,
        /// Only messages about this competition.
        competition_id: Query<Option<i64>>,
        /// Only messages to this address.
        #[oai(validator(max_length = 254))]
        recipient: Query<Option<String>>,
        /// Page on: only messages older than this id.
        before_id: Query<Option<i64>>,
        /// At most this many (1–500, default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u64>>,
    ) -> Result<Answer<Vec<Email>>, ApiProblem> {
        let filter = emails::EmailFilter {
            status: status.0.map(Into::into),
            competition_id: competition_id.0,
            recipient: recipient.0,
            before_id: before_id.0,
            limit: limit.0.unwrap_or(100),
        };
        let found = emails::list(&self.state.db, &auth.0, filter).await?;
        Ok(Answer::Ok(Json(
            found.into_iter().map(Into::into).collect(),
        )))
    }

    /// A message with its rendered subject, text and HTML (administrators).
    ///
    /// Answer: The message and how it renders.
    #[oai(path = "/admin/emails/:id", method = "get")]
    async fn preview(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> Result<Answer<EmailPreview>, ApiProblem> {
        let message = emails::find(&self.state.db, &auth.0, id.0).await?;
        let rendered = crate::worker::render(&self.state, &message)
            .map_err(|err| ServiceError::Corrupt(format!("email {}: {err}", message.id)))?;
        Ok(Answer::Ok(Json(EmailPreview {
            email: message.into(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        })))
    }

    /// Try a failed message again (administrators).
    ///
    /// Answer: The message waits for delivery again.
    #[oai(path = "/admin/emails/:id/retry", method = "post")]
    async fn retry(&self, auth: AdminAuth, id: Path<i64>) -> Result<Answer<Email>, ApiProblem> {
        let retried = emails::retry(&self.state.db, &auth.0, self.state.now(), id.0).await?;
        self.state.queued();
        Ok(Answer::Ok(Json(retried.into())))
    }

    /// Send a sent message again, as a new message (administrators).
    ///
    /// Answer: A copy was queued as a new message.
    #[oai(path = "/admin/emails/:id/resend", method = "post")]
    async fn resend(&self, auth: AdminAuth, id: Path<i64>) -> Result<Created<Email>, ApiProblem> {
        let copy = emails::resend(&self.state.db, &auth.0, self.state.now(), id.0).await?;
        self.state.queued();
        Ok(Created::New(Json(copy.into())))
    }
}
