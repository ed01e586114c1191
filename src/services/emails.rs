//! The email outbox: queueing (idempotent), claiming due messages safely across
//! workers, recording the outcome, and what admins may do with messages.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::{Value, json};

use super::audit::{self, AuditRecord};
use super::authorization::Admin;
use super::{Actor, ServiceError};
use crate::domain::delivery::{DeliveredVia, EmailStatus};
use crate::entities::email_message;

/// A message to queue.
pub struct NewEmail {
    pub idempotency_key: String,
    pub template: &'static str,
    pub locale: String,
    pub recipient: String,
    pub context: Value,
    pub competition_id: Option<i64>,
    pub event_id: Option<i64>,
}

/// Queues a message unless one with the same idempotency key exists, or the
/// recipient is an entrant kept without an address (recorded from paper; see
/// `entries::has_no_address`), who gets nothing by email. Returns whether it was
/// queued.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    email: NewEmail,
) -> Result<bool, ServiceError> {
    if crate::services::entries::has_no_address(&email.recipient) {
        return Ok(false);
    }
    let model = email_message::ActiveModel {
        idempotency_key: Set(email.idempotency_key),
        template: Set(email.template.to_owned()),
        locale: Set(email.locale),
        recipient: Set(email.recipient),
        context: Set(email.context.to_string()),
        competition_id: Set(email.competition_id),
        event_id: Set(email.event_id),
        resent_from_id: Set(None),
        status: Set(EmailStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    };
    let inserted = email_message::Entity::insert(model)
        .on_conflict(
            OnConflict::column(email_message::Column::IdempotencyKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// Reserves up to `limit` due messages for this worker until `now + lease`: pending
/// ones whose time has come, and ones whose previous claim expired (a crashed
/// worker). On PostgreSQL concurrent workers skip each other's rows; SQLite runs
/// the statement under its single-writer lock.
pub async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u32,
) -> Result<Vec<email_message::Model>, ServiceError> {
    // Every claim has its own token: the fencing value its outcomes must show.
    let token = crate::services::identity::tokens::random_token();
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "UPDATE email_messages SET status = 'sending', locked_until = $1, attempts = attempts + 1, claim_token = $4 \
             WHERE id IN (SELECT id FROM email_messages \
               WHERE (status = 'pending' AND next_attempt_at <= $2) OR (status = 'sending' AND locked_until < $2) \
               ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING *"
        }
        _ => {
            "UPDATE email_messages SET status = 'sending', locked_until = ?, attempts = attempts + 1, claim_token = ? \
             WHERE id IN (SELECT id FROM email_messages \
               WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND locked_until < ?) \
               ORDER BY id LIMIT ?) \
             RETURNING *"
        }
    };
    let values: Vec<sea_orm::Value> = match backend {
        DatabaseBackend::Postgres => vec![
            (now + lease).into(),
            now.into(),
            i64::from(limit).into(),
            token.clone().into(),
        ],
        _ => vec![
            (now + lease).into(),
            token.clone().into(),
            now.into(),
            now.into(),
            i64::from(limit).into(),
        ],
    };
    let mut claimed = email_message::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    claimed.sort_by_key(|message| message.id);
    Ok(claimed)
}

/// Whether `message` is still held by its claim; if so the lease is extended to
/// `now + lease`. A worker calls this right before sending, so it never sends a
/// message whose claim another worker has taken over, and the time one message
/// takes can never outlive the lease.
pub async fn renew(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    lease: Duration,
    message: &email_message::Model,
) -> Result<bool, ServiceError> {
    let renewed = email_message::Entity::update_many()
        .set(email_message::ActiveModel {
            locked_until: Set(Some(now + lease)),
            ..Default::default()
        })
        .filter(held_by(message))
        .exec(db)
        .await?;
    Ok(renewed.rows_affected == 1)
}

/// The row as `message`'s claim left it: still sending, under the same claim.
fn held_by(message: &email_message::Model) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(email_message::Column::Id.eq(message.id))
        .add(email_message::Column::Status.eq(EmailStatus::Sending))
        .add(email_message::Column::ClaimToken.eq(message.claim_token.clone()))
}

/// Records that the mail server accepted `message`, right after it answered (its
/// own short write, so a crash repeats at most the message in flight). Returns
/// false when the claim is no longer this worker's: the newer claim decides.
pub async fn mark_sent(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    message: &email_message::Model,
    via: DeliveredVia,
) -> Result<bool, ServiceError> {
    let recorded = email_message::Entity::update_many()
        .set(email_message::ActiveModel {
            status: Set(EmailStatus::Sent),
            delivered_via: Set(Some(via)),
            sent_at: Set(Some(now)),
            locked_until: Set(None),
            claim_token: Set(None),
            last_error: Set(None),
            ..Default::default()
        })
        .filter(held_by(message))
        .exec(db)
        .await?;
    Ok(recorded.rows_affected == 1)
}

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// How long after it was queued a message is still retried.
    pub window: Duration,
    pub base_seconds: u64,
    pub max_seconds: u64,
}

impl RetryPolicy {
    pub fn of(mail: &crate::config::MailSettings) -> Self {
        Self {
            window: Duration::hours(i64::try_from(mail.retry_window_hours).unwrap_or(72)),
            base_seconds: mail.retry_base_seconds,
            max_seconds: mail.retry_max_seconds,
        }
    }
}

/// When to try again after `attempts` failed attempts: exponential up to
/// `max_seconds`, with ±25 % jitter so that many messages failing together do not
/// retry together.
pub fn retry_delay(attempts: i32, base_seconds: u64, max_seconds: u64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
    let seconds =
        (base_seconds.max(1) as f64 * 2f64.powi(exponent as i32)).min(max_seconds.max(1) as f64);
    let jitter = rand::rng().random_range(0.75..1.25);
    Duration::milliseconds((seconds * jitter * 1000.0) as i64)
}

/// Records a failed attempt: retried later, or parked as failed when it cannot
/// succeed or its retry window has passed.
pub async fn mark_failed(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    message: &email_message::Model,
    error: &str,
    permanent: bool,
    retry: RetryPolicy,
) -> Result<bool, ServiceError> {
    let next = now + retry_delay(message.attempts, retry.base_seconds, retry.max_seconds);
    let parked = permanent || next > message.created_at + retry.window;
    let mut update = email_message::ActiveModel {
        locked_until: Set(None),
        claim_token: Set(None),
        last_error: Set(Some(error.chars().take(2000).collect())),
        ..Default::default()
    };
    if parked {
        update.status = Set(EmailStatus::Failed);
    } else {
        update.status = Set(EmailStatus::Pending);
        update.next_attempt_at = Set(next);
    }
    let recorded = email_message::Entity::update_many()
        .set(update)
        .filter(held_by(message))
        .exec(db)
        .await?;
    Ok(recorded.rows_affected == 1)
}

/// Messages waiting for a retry, and the newest error among them: what a mail
/// server outage looks like from here.
pub async fn waiting(db: &DatabaseConnection) -> Result<(u64, Option<String>), ServiceError> {
    let waiting = email_message::Entity::find()
        .filter(email_message::Column::Status.eq(EmailStatus::Pending))
        .filter(email_message::Column::LastError.is_not_null());
    let count = waiting.clone().count(db).await?;
    let newest = waiting
        .order_by_desc(email_message::Column::Id)
        .one(db)
        .await?
        .and_then(|m| m.last_error);
    Ok((count, newest))
}

/// Filters for the admin list.
#[derive(Default)]
pub struct EmailFilter {
    pub status: Option<EmailStatus>,
    pub competition_id: Option<i64>,
    pub recipient: Option<String>,
    pub before_id: Option<i64>,
    pub limit: u64,
}

pub async fn list(
    db: &DatabaseConnection,
    _admin: &Admin,
    filter: EmailFilter,
) -> Result<Vec<email_message::Model>, ServiceError> {
    let mut query = email_message::Entity::find();
    if let Some(status) = filter.status {
        query = query.filter(email_message::Column::Status.eq(status));
    }
    if let Some(id) = filter.competition_id {
        query = query.filter(email_message::Column::CompetitionId.eq(id));
    }
    if let Some(recipient) = filter.recipient {
        query = query.filter(email_message::Column::Recipient.eq(recipient.trim().to_lowercase()));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(email_message::Column::Id.lt(before));
    }
    Ok(query
        .order_by_desc(email_message::Column::Id)
        .limit(filter.limit.clamp(1, 500))
        .all(db)
        .await?)
}

/// How many messages could not be delivered (for the dashboard).
pub async fn failed_count(db: &DatabaseConnection, _admin: &Admin) -> Result<u64, ServiceError> {
    use sea_orm::PaginatorTrait;
    Ok(email_message::Entity::find()
        .filter(email_message::Column::Status.eq(crate::domain::delivery::EmailStatus::Failed))
        .count(db)
        .await?)
}

pub async fn find(
    db: &impl ConnectionTrait,
    _admin: &Admin,
    id: i64,
) -> Result<email_message::Model, ServiceError> {
    email_message::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("email", id))
}

fn email_audit<'a>(actor: Actor, action: &'a str, id: i64, details: Value) -> AuditRecord<'a> {
    AuditRecord::about(actor, action, "email", id).details(details)
}

/// Sends a failed message again from scratch.
pub async fn retry(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    id: i64,
) -> Result<email_message::Model, ServiceError> {
    let actor = admin.actor();
    let txn = crate::services::begin_write(db).await?;
    let message = find(&txn, admin, id).await?;
    if message.status != EmailStatus::Failed {
        return Err(ServiceError::invalid(
            "status",
            format!(
                "only failed messages can be retried; this one is `{}` (use resend for sent ones)",
                message.status
            ),
        ));
    }
    email_message::Entity::update_many()
        .set(email_message::ActiveModel {
            status: Set(EmailStatus::Pending),
            attempts: Set(0),
            next_attempt_at: Set(now),
            ..Default::default()
        })
        .filter(email_message::Column::Id.eq(id))
        .filter(email_message::Column::Status.eq(EmailStatus::Failed))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        email_audit(
            actor,
            "email.retried",
            id,
            json!({ "recipient": message.recipient }),
        ),
    )
    .await?;
    let retried = find(&txn, admin, id).await?;
    txn.commit().await?;
    Ok(retried)
}

/// Queues a copy of a sent message as a new message.
pub async fn resend(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    id: i64,
) -> Result<email_message::Model, ServiceError> {
    let actor = admin.actor();
    let txn = crate::services::begin_write(db).await?;
    let original = find(&txn, admin, id).await?;
    if original.status != EmailStatus::Sent {
        return Err(ServiceError::invalid(
            "status",
            format!(
                "only sent messages can be resent; this one is `{}`",
                original.status
            ),
        ));
    }
    let copies = email_message::Entity::find()
        .filter(email_message::Column::ResentFromId.eq(id))
        .count(&txn)
        .await?;
    let copy = email_message::ActiveModel {
        idempotency_key: Set(format!("resend:{id}:{}", copies + 1)),
        template: Set(original.template.clone()),
        locale: Set(original.locale.clone()),
        recipient: Set(original.recipient.clone()),
        context: Set(original.context.clone()),
        competition_id: Set(original.competition_id),
        event_id: Set(original.event_id),
        resent_from_id: Set(Some(id)),
        status: Set(EmailStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        email_audit(
            actor,
            "email.resent",
            id,
            json!({ "copy": copy.id, "recipient": copy.recipient }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(copy)
}
