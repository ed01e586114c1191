//! Signing in: by an emailed link (everyone) or by password (staff and jurors),
//! each with the second factor where it is on, ending in a new session.
//!
//! A link is single-use, expires, and works only in the browser that asked for it
//! (a cookie set when asking).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use super::SignInError;
use super::credentials::check_second_factor;
use super::sessions::{auth_audit, open_session};
use super::tokens::{hash, random_token};
use crate::config::AuthSettings;
use crate::domain::email_address::EmailAddress;
use crate::domain::events::{DomainEvent, PersonalMail};
use crate::domain::roles::Role;
use crate::entities::{sign_in_token, user};
use crate::services::audit;
use crate::services::{Actor, ServiceError, outbox};

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
        return Err(SignInError::OtherBrowser { email: link.email });
    }
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(&link.email))
        .one(&txn)
        .await?;
    // Two-factor accounts need their code before the link is spent.
    if let Some(person) = &existing {
        if person.deactivated_at.is_some() {
            return Err(SignInError::Deactivated);
        }
        check_second_factor(person, code, now)?;
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
            // No name is guessed from the address; people give one when they want.
            let name = "";
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

/// Signs a staff member or juror in with email, password and (if on) a TOTP code.
/// Every failure looks the same, whatever was wrong.
pub async fn sign_in_with_password(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    settings: &AuthSettings,
    email: &str,
    password: &str,
    code: Option<&str>,
) -> Result<(user::Model, String), SignInError> {
    let email = EmailAddress::parse(email)
        .map_err(|_| SignInError::WrongCredentials)?
        .into_string();
    let person = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?;
    let hash = person.as_ref().and_then(|p| p.password_hash.clone());
    let password = password.to_owned();
    let verified = tokio::task::spawn_blocking(move || {
        // Without an account, verify against a fixed hash anyway: the answer takes as
        // long for unknown addresses as for wrong passwords.
        const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$yCU/2zWeULWxo/SmH0ODjY7SmwLkK1sSwN9GeC8XK4E";
        let stored = hash.unwrap_or_else(|| DUMMY.to_owned());
        PasswordHash::new(&stored)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(|err| SignInError::Service(ServiceError::Corrupt(err.to_string())))?;
    let Some(person) = person.filter(|_| verified) else {
        return Err(SignInError::WrongCredentials);
    };
    if person.role == Role::Entrant {
        return Err(SignInError::WrongCredentials);
    }
    if person.deactivated_at.is_some() {
        return Err(SignInError::Deactivated);
    }
    check_second_factor(&person, code, now)?;
    let txn = crate::services::begin_write(db).await?;
    let cookie = open_session(&txn, now, settings, person.id).await?;
    audit::record(
        &txn,
        now,
        auth_audit(
            "user.signed_in_with_password",
            "user",
            person.id,
            Actor::User(person.id),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok((person, cookie))
}
