//! Browser sessions: a session's cookie value is stored only as a hash, is
//! replaced at every sign-in, and ends after an idle and an absolute limit.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::tokens::{hash, random_token};
use crate::config::AuthSettings;
use crate::entities::{session, user};
use crate::services::audit::{self, AuditRecord};
use crate::services::{Actor, ServiceError};

pub(super) fn auth_audit<'a>(
    action: &'a str,
    subject_type: &'static str,
    id: i64,
    actor: Actor,
) -> AuditRecord<'a> {
    AuditRecord::about(actor, action, subject_type, id)
}

/// Opens a session for `user_id`; returns the cookie value (stored only hashed).
pub(crate) async fn open_session(
    conn: &impl sea_orm::ConnectionTrait,
    now: DateTime<Utc>,
    settings: &AuthSettings,
    user_id: i64,
) -> Result<String, sea_orm::DbErr> {
    let cookie = random_token();
    session::ActiveModel {
        token_hash: Set(hash(&cookie)),
        user_id: Set(user_id),
        csrf_token: Set(random_token()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + Duration::hours(settings.session_absolute_hours)),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    user::Entity::update_many()
        .set(user::ActiveModel {
            last_signed_in_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(cookie)
}

/// The session and user behind a cookie value, if the session is still valid.
pub async fn current(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    settings: &AuthSettings,
    cookie: &str,
) -> Result<Option<(session::Model, user::Model)>, ServiceError> {
    let found = session::Entity::find()
        .filter(session::Column::TokenHash.eq(hash(cookie)))
        .filter(session::Column::RevokedAt.is_null())
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    let Some((session, Some(user))) = found else {
        return Ok(None);
    };
    if user.deactivated_at.is_some() {
        return Ok(None);
    }
    let idle = Duration::minutes(settings.session_idle_minutes);
    if session.expires_at <= now || session.last_seen_at + idle <= now {
        return Ok(None);
    }
    // Record activity at most once a minute, not on every request.
    if now - session.last_seen_at > Duration::minutes(1) {
        session::Entity::update_many()
            .set(session::ActiveModel {
                last_seen_at: Set(now),
                ..Default::default()
            })
            .filter(session::Column::Id.eq(session.id))
            .exec(db)
            .await?;
    }
    Ok(Some((session, user)))
}

/// Ends one session, or (`everywhere`) every session of its user.
pub async fn sign_out(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    session: &session::Model,
    everywhere: bool,
) -> Result<(), ServiceError> {
    let txn = crate::services::begin_write(db).await?;
    let mut query = session::Entity::update_many()
        .set(session::ActiveModel {
            revoked_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(session::Column::RevokedAt.is_null());
    query = if everywhere {
        query.filter(session::Column::UserId.eq(session.user_id))
    } else {
        query.filter(session::Column::Id.eq(session.id))
    };
    query.exec(&txn).await?;
    let action = if everywhere {
        "user.signed_out_everywhere"
    } else {
        "user.signed_out"
    };
    audit::record(
        &txn,
        now,
        auth_audit(
            action,
            "user",
            session.user_id,
            Actor::User(session.user_id),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
