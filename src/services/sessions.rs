//! Passwordless sign-in by emailed link, and browser sessions.
//!
//! A link is single-use, expires, and works only in the browser that asked for it
//! (a cookie set when asking); a session's cookie value is stored only as a hash,
//! is replaced at every sign-in, and ends after an idle and an absolute limit.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit::{self, AuditRecord};
use super::{Actor, ServiceError, outbox};
use crate::config::AuthSettings;
use crate::domain::email_address::EmailAddress;
use crate::domain::events::{DomainEvent, PersonalMail};
use crate::entities::{session, sign_in_token, user};

/// A random value for cookies and links.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why a sign-in link did not sign anyone in.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the sign-in link is unknown, used or expired")]
    Invalid,
    #[error("the sign-in link was asked for in another browser")]
    OtherBrowser,
    #[error("a current code from the authenticator app is needed")]
    CodeRequired,
    #[error("email, password or code is wrong")]
    WrongCredentials,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<sea_orm::DbErr> for SignInError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Service(err.into())
    }
}

fn auth_audit<'a>(
    action: &'a str,
    subject_type: &'static str,
    id: i64,
    actor: Actor,
) -> AuditRecord<'a> {
    AuditRecord::about(actor, action, subject_type, id)
}

/// Emails a sign-in link, whether or not the address has an account (the answer
/// is the same either way). `browser` is the asking browser's cookie value.
pub async fn request_link(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    settings: &AuthSettings,
    public_url: &str,
    email: &EmailAddress,
    locale: &str,
    browser: &str,
) -> Result<(), ServiceError> {
    let email = email.as_str().to_owned();
    let locale = if locale == "en" { "en" } else { "de" };
    // At most this many links per address and hour, however many instances run.
    const LINKS_PER_HOUR: usize = 5;
    let recent = sign_in_token::Entity::find()
        .filter(sign_in_token::Column::Email.eq(&email))
        .filter(sign_in_token::Column::CreatedAt.gt(now - Duration::hours(1)))
        .order_by_asc(sign_in_token::Column::CreatedAt)
        .all(db)
        .await?;
    if recent.len() >= LINKS_PER_HOUR {
        let free_at = recent[0].created_at + Duration::hours(1);
        return Err(ServiceError::RateLimited {
            retry_after_seconds: (free_at - now).num_seconds().max(1),
        });
    }
    let token = random_token();
    let txn = crate::services::begin_write(db).await?;
    let saved = sign_in_token::ActiveModel {
        email: Set(email.clone()),
        token_hash: Set(hash(&token)),
        browser_hash: Set(Some(hash(browser))),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(settings.sign_in_link_minutes)),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let url = format!(
        "{}/anmelden/link?token={token}&lang={locale}",
        public_url.trim_end_matches('/')
    );
    outbox::enqueue(
        &txn,
        now,
        &DomainEvent::SignInRequested {
            sign_in_id: saved.id,
            mail: PersonalMail {
                email: email.to_owned(),
                locale: locale.to_owned(),
                competition_id: None,
                context: json!({
                "site_name": if locale == "en" { "Idea competitions" } else { "Ideenwettbewerbe" },
                "sign_in_url": url,
                "expires_minutes": settings.sign_in_link_minutes,
            }),
            },
        },
    )
    .await?;
    audit::record(
        &txn,
        now,
        auth_audit(
            "sign_in.requested",
            "sign_in",
            saved.id,
            Actor::System("public"),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Uses a sign-in link: creates the account on first sign-in (as an entrant) and
/// a new session. Returns the user and the session's cookie value.
pub async fn complete(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    settings: &AuthSettings,
    token: &str,
    browser: Option<&str>,
    code: Option<&str>,
) -> Result<(user::Model, String), SignInError> {
    let txn = crate::services::begin_write(db).await?;
    let link = sign_in_token::Entity::find()
        .filter(sign_in_token::Column::TokenHash.eq(hash(token.trim())))
        .one(&txn)
        .await?
        .filter(|link| link.used_at.is_none() && link.expires_at > now)
        .ok_or(SignInError::Invalid)?;
    if let Some(expected) = &link.browser_hash
        && browser.map(hash).as_ref() != Some(expected)
    {
        return Err(SignInError::OtherBrowser);
    }
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(&link.email))
        .one(&txn)
        .await?;
    // Two-factor accounts need their code before the link is spent.
    if let Some(person) = &existing {
        super::credentials::check_second_factor(person, code, now)?;
    }
    let used = sign_in_token::Entity::update_many()
        .set(sign_in_token::ActiveModel {
            used_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(sign_in_token::Column::Id.eq(link.id))
        .filter(sign_in_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(SignInError::Invalid);
    }
    let user = match existing {
        Some(user) => user,
        None => {
            let name = link.email.split('@').next().unwrap_or_default();
            super::accounts::create_entrant(&txn, now, None, &link.email, name).await?
        }
    };
    let cookie = open_session(&txn, now, settings, user.id).await?;
    audit::record(
        &txn,
        now,
        auth_audit("user.signed_in", "user", user.id, Actor::User(user.id)),
    )
    .await?;
    txn.commit().await?;
    Ok((user, cookie))
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
