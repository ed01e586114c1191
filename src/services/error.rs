use sea_orm::DbErr;

use crate::domain::edit::EditError;
use crate::domain::prizes::{OverBudget, PrizeError};
use crate::domain::{CompetitionState, LifecycleError, LifecycleEvent};

/// Why a use case did not happen. Nothing was written when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("{source}")]
    Lifecycle {
        current: CompetitionState,
        allowed: Vec<LifecycleEvent>,
        source: LifecycleError,
    },
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error(transparent)]
    Entry(#[from] crate::domain::entries::EntryError),
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
    #[error(transparent)]
    Jury(#[from] crate::domain::jury::JuryError),
    #[error(transparent)]
    Prize(#[from] PrizeError),
    #[error(transparent)]
    Announcement(#[from] crate::domain::announcement::AnnouncementError),
    #[error(transparent)]
    Vote(#[from] crate::domain::vote::VoteError),
    #[error(transparent)]
    Ballot(#[from] crate::domain::vote::BallotError),
    #[error(transparent)]
    Attachment(crate::domain::attachments::AttachmentError),
    #[error("`{field}`: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{}", describe_fields(.0))]
    Fields(Vec<crate::domain::entry_form::FieldProblem>),
    #[error("{what} with {field} `{value}` already exists; choose another {field}")]
    Duplicate {
        what: &'static str,
        field: &'static str,
        value: String,
    },
    #[error("{0}")]
    Forbidden(String),
    #[error("only the person who started this entry can {0}")]
    LeadOnly(String),
    #[error("too many requests; try again in {retry_after_seconds} seconds")]
    RateLimited { retry_after_seconds: i64 },
    #[error("{0} was changed at the same time by someone else; reload it and try again")]
    Concurrent(&'static str),
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

impl From<crate::entities::stored::Unreadable> for ServiceError {
    fn from(err: crate::entities::stored::Unreadable) -> Self {
        Self::Corrupt(err.to_string())
    }
}

impl From<crate::domain::email_address::InvalidEmail> for ServiceError {
    fn from(err: crate::domain::email_address::InvalidEmail) -> Self {
        Self::invalid("email", err.to_string())
    }
}

impl ServiceError {
    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            what,
            id: id.to_string(),
        }
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}

fn describe_fields(problems: &[crate::domain::entry_form::FieldProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("`{}`: {}", p.field, p.message.en))
        .collect::<Vec<_>>()
        .join(" ")
}

impl ServiceError {
    /// The database is too busy to answer now: no connection became free in time
    /// (the pool's acquire timeout), or PostgreSQL cancelled a statement that ran
    /// past `database.statement_timeout_seconds`. Worth a retry, not a bug.
    pub fn is_busy(&self) -> bool {
        let ServiceError::Database(err) = self else {
            return false;
        };
        if matches!(err, DbErr::ConnectionAcquire(_)) {
            return true;
        }
        // SQLSTATE 57014: query_canceled (the statement timeout).
        err.to_string()
            .contains("canceling statement due to statement timeout")
    }
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Turns a unique-constraint violation into [`ServiceError::Duplicate`].
pub(crate) fn duplicate_or(
    err: DbErr,
    what: &'static str,
    field: &'static str,
    value: impl ToString,
) -> ServiceError {
    if is_unique_violation(&err) {
        ServiceError::Duplicate {
            what,
            field,
            value: value.to_string(),
        }
    } else {
        err.into()
    }
}
