//! Passwords (argon2id) and TOTP two-factor authentication for staff and jurors.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use totp_rs::{Algorithm, Secret, TOTP};

use super::SignInError;
use crate::domain::roles::Role;
use crate::entities::user;
use crate::services::audit::{self, AuditRecord};
use crate::services::users::find;
use crate::services::{Actor, ServiceError};

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

fn credential_audit(action: &str, user_id: i64) -> AuditRecord<'_> {
    AuditRecord::about(Actor::User(user_id), action, "user", user_id)
}

fn may_have_credentials(person: &user::Model) -> Result<(), ServiceError> {
    match person.role {
        Role::Entrant => Err(ServiceError::invalid(
            "role",
            "passwords and two-factor authentication are for staff and jurors; entrants sign in by email link",
        )),
        Role::Admin | Role::Coordinator | Role::Juror => Ok(()),
    }
}

/// Sets (or replaces) a password of 12 to 128 characters.
pub async fn set_password(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    user_id: i64,
    password: &str,
) -> Result<(), ServiceError> {
    let length = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&length) {
        return Err(ServiceError::invalid(
            "password",
            format!("choose a password of {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let person = find(db, user_id).await?;
    may_have_credentials(&person)?;
    let password = password.to_owned();
    // argon2id takes ~20 ms of CPU: off the async workers.
    let hash = tokio::task::spawn_blocking(move || {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let salt = SaltString::encode_b64(&bytes)?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|err| ServiceError::Corrupt(err.to_string()))?
    .map_err(|err| ServiceError::Corrupt(err.to_string()))?;
    let txn = crate::services::begin_write(db).await?;
    let mut model: user::ActiveModel = person.into();
    model.password_hash = Set(Some(hash));
    model.update(&txn).await?;
    audit::record(&txn, now, credential_audit("user.password_set", user_id)).await?;
    txn.commit().await?;
    Ok(())
}

fn totp(secret_base32: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("Ideenwettbewerb".to_owned()),
        account.to_owned(),
    )
    .ok()
}

/// Whether `code` is the current (or the neighbouring) code of the secret at `now`.
pub fn code_is_valid(secret_base32: &str, code: &str, now: DateTime<Utc>) -> bool {
    let code = code.trim();
    code.len() == 6
        && totp(secret_base32, "x")
            .is_some_and(|t| t.check(code, u64::try_from(now.timestamp()).unwrap_or(0)))
}

/// The code of `secret_base32` at `now` (for tests and the enrolment page).
pub fn current_code(secret_base32: &str, now: DateTime<Utc>) -> Option<String> {
    totp(secret_base32, "x").map(|t| t.generate(u64::try_from(now.timestamp()).unwrap_or(0)))
}

/// What an authenticator app needs to be set up.
pub struct TwoFactorSetup {
    pub secret: String,
    pub otpauth_url: String,
}

/// Starts enrolment: a new secret, active only once a code from it is confirmed.
pub async fn start_two_factor(
    db: &DatabaseConnection,
    user_id: i64,
) -> Result<TwoFactorSetup, ServiceError> {
    let person = find(db, user_id).await?;
    may_have_credentials(&person)?;
    if person.totp_enabled_at.is_some() {
        return Err(ServiceError::invalid(
            "two_factor",
            "two-factor authentication is already on",
        ));
    }
    let secret = Secret::generate_secret().to_encoded().to_string();
    let url = totp(&secret, &person.email)
        .map(|t| t.get_url())
        .unwrap_or_default();
    let mut model: user::ActiveModel = person.into();
    model.totp_secret = Set(Some(secret.clone()));
    model.update(db).await?;
    Ok(TwoFactorSetup {
        secret,
        otpauth_url: url,
    })
}

/// Turns two-factor authentication on with a code from the enrolled secret.
pub async fn enable_two_factor(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    user_id: i64,
    code: &str,
) -> Result<(), ServiceError> {
    let person = find(db, user_id).await?;
    let secret = person
        .totp_secret
        .clone()
        .ok_or_else(|| ServiceError::invalid("code", "start the set-up first"))?;
    if !code_is_valid(&secret, code, now) {
        return Err(ServiceError::invalid(
            "code",
            "the code does not match; enter the current 6-digit code from your app",
        ));
    }
    let txn = crate::services::begin_write(db).await?;
    let mut model: user::ActiveModel = person.into();
    model.totp_enabled_at = Set(Some(now));
    model.update(&txn).await?;
    audit::record(
        &txn,
        now,
        credential_audit("user.two_factor_enabled", user_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// With two-factor authentication on, a valid code is required.
pub fn check_second_factor(
    person: &user::Model,
    code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), SignInError> {
    match (&person.totp_enabled_at, &person.totp_secret) {
        (Some(_), Some(secret)) => match code {
            Some(code) if code_is_valid(secret, code, now) => Ok(()),
            _ => Err(SignInError::CodeRequired),
        },
        _ => Ok(()),
    }
}
