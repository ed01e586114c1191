//! RFC 9457 problem details: the one error shape of the JSON API.

use poem::Response;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::types::ToJSON;
use poem_openapi::{ApiResponse, Object};

use crate::domain::edit::EditError;
use crate::domain::{CompetitionState, LifecycleError, LifecycleEvent};
use crate::services::ServiceError;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// What went wrong and what to change (RFC 9457).
#[derive(Debug, Clone, Object)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[oai(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this case, and how to fix the request.
    pub detail: String,
    /// The competition's state, when a lifecycle rule refused the request.
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub current_state: Option<String>,
    /// The lifecycle events allowed in `current_state`.
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub allowed_events: Option<Vec<String>>,
    /// The states reachable from `current_state`.
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub allowed_next_states: Option<Vec<String>>,
    /// The request field to correct.
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub field: Option<String>,
    /// Every field to correct, when there are several (entry form answers).
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub errors: Option<Vec<FieldError>>,
    /// What may still be awarded, in cents, when an award would exceed a
    /// competition's prize money or the programme's budget.
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub remaining_cents: Option<i64>,
}

/// One field to correct, with the message in English and German.
#[derive(Debug, Clone, Object)]
pub struct FieldError {
    pub field: String,
    pub detail: String,
    pub detail_de: String,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, detail: impl Into<String>) -> Self {
        Self {
            problem_type: format!("urn:ideenwettbewerb:problem:{kind}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            current_state: None,
            allowed_events: None,
            allowed_next_states: None,
            field: None,
            errors: None,
            remaining_cents: None,
        }
    }

    fn with_lifecycle(mut self, current: CompetitionState, allowed: &[LifecycleEvent]) -> Self {
        self.current_state = Some(current.as_str().to_owned());
        self.allowed_events = Some(allowed.iter().map(|e| e.as_str().to_owned()).collect());
        self.allowed_next_states = Some(
            current
                .allowed_next_states()
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
        );
        self
    }
}

/// Error responses of the API operations, all as problem JSON.
#[derive(Debug, ApiResponse)]
pub enum ApiProblem {
    /// The request is malformed: fix the JSON, a parameter or a field limit.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No valid API token was sent.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// The caller may not do this.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// The resource does not exist.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with the current state (e.g. an illegal lifecycle move).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The upload is larger than allowed.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The file is not of an accepted type (judged by its content).
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// The request is well-formed but breaks a rule (dates, budget, reasons).
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Too many requests from this client or for this address; wait as long as
    /// Retry-After says.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] i64),
    /// Something failed on our side; the request id in the logs tells what.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The database is busy (no free connection in time, or a statement ran past
    /// its timeout); try again after Retry-After seconds.
    #[oai(status = 503, content_type = "application/problem+json")]
    Busy(Json<Problem>, #[oai(header = "Retry-After")] i64),
}

/// How long a client should wait when the database is busy.
const BUSY_RETRY_SECONDS: i64 = 5;

impl From<Problem> for ApiProblem {
    fn from(problem: Problem) -> Self {
        match problem.status {
            400 => Self::BadRequest(Json(problem)),
            401 => Self::Unauthorized(Json(problem)),
            403 => Self::Forbidden(Json(problem)),
            404 => Self::NotFound(Json(problem)),
            409 => Self::Conflict(Json(problem)),
            413 => Self::PayloadTooLarge(Json(problem)),
            415 => Self::UnsupportedMediaType(Json(problem)),
            422 => Self::Unprocessable(Json(problem)),
            429 => Self::TooManyRequests(Json(problem), 60),
            503 => Self::Busy(Json(problem), BUSY_RETRY_SECONDS),
            _ => Self::Internal(Json(problem)),
        }
    }
}

impl From<crate::entities::stored::Unreadable> for ApiProblem {
    fn from(err: crate::entities::stored::Unreadable) -> Self {
        ServiceError::from(err).into()
    }
}

impl From<crate::domain::email_address::InvalidEmail> for ApiProblem {
    fn from(err: crate::domain::email_address::InvalidEmail) -> Self {
        ServiceError::from(err).into()
    }
}

impl From<ServiceError> for ApiProblem {
    fn from(err: ServiceError) -> Self {
        let detail = err.to_string();
        let problem = match &err {
            ServiceError::NotFound { .. } => {
                Problem::new(StatusCode::NOT_FOUND, "not-found", detail)
            }
            ServiceError::Lifecycle {
                current,
                allowed,
                source,
            } => {
                let (status, kind) = match source {
                    LifecycleError::NotAllowed(_) => (StatusCode::CONFLICT, "illegal-transition"),
                    LifecycleError::Guard(_) => {
                        (StatusCode::UNPROCESSABLE_ENTITY, "transition-precondition")
                    }
                };
                Problem::new(status, kind, detail).with_lifecycle(*current, allowed)
            }
            ServiceError::Edit(edit) => {
                let status = match edit {
                    EditError::Frozen { .. }
                    | EditError::OpeningFixed { .. }
                    | EditError::DeadlineFixed { .. }
                    | EditError::PrizeMoneyFixed { .. }
                    | EditError::FormFixed { .. } => StatusCode::CONFLICT,
                    EditError::DeadlineShortened { .. }
                    | EditError::DeadlineInPast
                    | EditError::WindowOrder => StatusCode::UNPROCESSABLE_ENTITY,
                };
                Problem::new(status, "edit-not-allowed", detail)
            }
            ServiceError::OverBudget(_) => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "over-budget", detail)
            }
            ServiceError::Prize(refused) => {
                use crate::domain::prizes::PrizeError as P;
                let (status, kind) = match refused {
                    P::OverPool { .. } | P::OverBudget { .. } => {
                        (StatusCode::CONFLICT, "over-budget")
                    }
                    P::AlreadyAwarded
                    | P::Awarded
                    | P::Fixed(_)
                    | P::NotDecided(_)
                    | P::NotAWinner
                    | P::PlaceTaken
                    | P::PlacedAlready => (StatusCode::CONFLICT, "prize-rule"),
                    _ => (StatusCode::UNPROCESSABLE_ENTITY, "prize-invalid"),
                };
                Problem {
                    remaining_cents: refused.remaining().map(|m| m.cents()),
                    ..Problem::new(status, kind, detail)
                }
            }
            ServiceError::Announcement(refused) => {
                use crate::domain::announcement::AnnouncementError as A;
                let status = match refused {
                    A::NotDecided(_) | A::Announced => StatusCode::CONFLICT,
                    A::InThePast | A::StatementTooLong => StatusCode::UNPROCESSABLE_ENTITY,
                };
                Problem::new(status, "announcement-rule", detail)
            }
            ServiceError::Vote(refused) => {
                use crate::domain::vote::VoteError as V;
                let status = match refused {
                    V::NotNow(_)
                    | V::Fixed
                    | V::ShortlistFixed
                    | V::EmptyShortlist
                    | V::Hidden
                    | V::Voided => StatusCode::CONFLICT,
                    V::Window | V::ClosesInThePast | V::Points | V::Reason | V::NotEligible(_) => {
                        StatusCode::UNPROCESSABLE_ENTITY
                    }
                };
                Problem::new(status, "vote-rule", detail)
            }
            ServiceError::Ballot(refused) => {
                use crate::domain::vote::BallotError as B;
                match refused {
                    B::NotOpen(_) => Problem::new(StatusCode::CONFLICT, "vote-not-open", detail),
                    B::TooManyLinks {
                        retry_after_seconds,
                    } => {
                        let problem =
                            Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", detail);
                        return Self::TooManyRequests(Json(problem), *retry_after_seconds);
                    }
                    _ => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-ballot", detail),
                }
            }
            ServiceError::Invalid { field, .. } => Problem {
                field: Some((*field).to_owned()),
                ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-field", detail)
            },
            ServiceError::Fields(problems) => Problem {
                field: problems.first().map(|p| p.field.clone()),
                errors: Some(
                    problems
                        .iter()
                        .map(|p| FieldError {
                            field: p.field.clone(),
                            detail: p.message.en.clone(),
                            detail_de: p.message.de.clone(),
                        })
                        .collect(),
                ),
                ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-entry", detail)
            },
            ServiceError::Duplicate { field, .. } => Problem {
                field: Some((*field).to_owned()),
                ..Problem::new(StatusCode::CONFLICT, "duplicate", detail)
            },
            ServiceError::Forbidden(_) | ServiceError::LeadOnly(_) => {
                Problem::new(StatusCode::FORBIDDEN, "forbidden", detail)
            }
            ServiceError::Attachment(refused) => {
                use crate::domain::attachments::AttachmentError as A;
                let (status, kind) = match refused {
                    A::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "file-too-large"),
                    A::UnsupportedType { .. } => {
                        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-file-type")
                    }
                    A::TooMany { .. } => (StatusCode::CONFLICT, "too-many-files"),
                    A::Empty => (StatusCode::UNPROCESSABLE_ENTITY, "empty-file"),
                };
                Problem::new(status, kind, detail)
            }
            ServiceError::Entry(_) => Problem::new(StatusCode::CONFLICT, "entry-locked", detail),
            ServiceError::Jury(refused) => {
                use crate::domain::jury::JuryError as J;
                match refused {
                    J::Criteria(_) | J::Mark(_) | J::NoReason | J::Ruling(_) => {
                        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "jury-invalid", detail)
                    }
                    J::ChairOnly => Problem::new(StatusCode::FORBIDDEN, "forbidden", detail),
                    _ => Problem::new(StatusCode::CONFLICT, "jury-rule", detail),
                }
            }
            ServiceError::RateLimited {
                retry_after_seconds,
            } => {
                let problem = Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", detail);
                return Self::TooManyRequests(Json(problem), *retry_after_seconds);
            }
            ServiceError::Concurrent(_) => {
                Problem::new(StatusCode::CONFLICT, "concurrent-change", detail)
            }
            ServiceError::Database(_) if err.is_busy() => {
                tracing::warn!(error = %err, "database busy");
                let problem = Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "the database is busy; try again in a few seconds",
                );
                return Self::Busy(Json(problem), BUSY_RETRY_SECONDS);
            }
            ServiceError::Database(_) | ServiceError::Corrupt(_) => {
                tracing::error!(error = %err, "request failed");
                internal()
            }
        };
        problem.into()
    }
}

fn internal() -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the server failed to handle the request; it has been logged with the request id",
    )
}

/// Turns any error that reached the API edge (unparsable JSON, unknown fields,
/// field limits, missing token, unknown path) into problem JSON.
pub async fn from_poem_error(err: poem::Error) -> Response {
    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    let problem = match status {
        StatusCode::UNAUTHORIZED => Problem::new(
            status,
            "unauthorized",
            "send your API token as `Authorization: Bearer iw_…` (entrants and staff create one on their account page; the first administrator's is printed at the first start or by `ideenwettbewerb admin-token`)",
        ),
        StatusCode::FORBIDDEN => Problem::new(status, "forbidden", err.to_string()),
        StatusCode::NOT_FOUND => Problem::new(
            status,
            "not-found",
            "no API operation at this path; see /api/docs",
        ),
        StatusCode::METHOD_NOT_ALLOWED => Problem::new(
            status,
            "method-not-allowed",
            "this path does not take that HTTP method; see /api/docs",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            status,
            "payload-too-large",
            format!("the request is too large: {err}"),
        ),
        status if status.is_server_error() => {
            tracing::error!(error = %err, "request failed");
            internal()
        }
        status => Problem::new(status, "bad-request", explain(&err.to_string())),
    };
    let body = problem.to_json_string();
    Response::builder()
        .status(status)
        .content_type(CONTENT_TYPE)
        .body(body)
}

/// poem-openapi reports a missing required field as a `null` of its type; say so.
fn explain(message: &str) -> String {
    if message.contains("found null") {
        let object = message
            .rsplit("while parsing \"")
            .next()
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("the body");
        format!(
            "a required field of {object} is missing or null; see the schema at /api/docs ({message})"
        )
    } else {
        message.to_owned()
    }
}
