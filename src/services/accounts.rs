//! Creating accounts (the first administrator, entrants) and checking API tokens.
//! Signing in is in `sessions`, invitations and roles in `users`.

use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit::{self, AuditRecord};
use super::{Actor, ServiceError};
use crate::config::AdminSettings;
use crate::domain::email_address::EmailAddress;
use crate::domain::roles::Role;
use crate::entities::{api_token, user};

/// Tokens start with this, so leaked ones are easy to recognise and scan for.
const TOKEN_PREFIX: &str = "iw_";

/// Creates an entrant's account (first sign-in, or an idea recorded on their
/// behalf), with its audit row, inside the caller's transaction. `email` is
/// already normalised.
pub async fn create_entrant(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: Option<Actor>,
    email: &str,
    display_name: &str,
) -> Result<user::Model, sea_orm::DbErr> {
    let created = user::ActiveModel {
        email: Set(email.to_owned()),
        display_name: Set(display_name.trim().to_owned()),
        role: Set(Role::Entrant),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        now,
        AuditRecord::about(
            actor.unwrap_or(Actor::User(created.id)),
            "user.created",
            "user",
            created.id,
        ),
    )
    .await?;
    Ok(created)
}

/// The first administrator and a token, if no administrator exists yet.
/// The token is returned once; only its hash is stored.
pub async fn bootstrap_admin(
    db: &DatabaseConnection,
    settings: &AdminSettings,
    now: DateTime<Utc>,
) -> Result<Option<String>, ServiceError> {
    let email = EmailAddress::parse(&settings.email)
        .map_err(|err| ServiceError::invalid("admin.email", err.to_string()))?;
    let txn = crate::services::begin_write(db).await?;
    let existing = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin))
        .one(&txn)
        .await?;
    if existing.is_some() {
        return Ok(None);
    }
    let admin = user::ActiveModel {
        email: Set(email.into_string()),
        display_name: Set(settings.name.clone()),
        role: Set(Role::Admin),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let token = insert_token(&txn, admin.id, "bootstrap", now).await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(Actor::System("bootstrap"), "user.created", "user", admin.id)
            .details(json!({ "role": Role::Admin }))
            .reason(Some("first start")),
    )
    .await?;
    txn.commit().await?;
    Ok(Some(token))
}

/// A fresh token for the (first) administrator, e.g. when the printed one was lost.
pub async fn issue_admin_token(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let txn = crate::services::begin_write(db).await?;
    let admin = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ServiceError::not_found("administrator", "(none yet: start the server once)")
        })?;
    let token = insert_token(&txn, admin.id, "command line", now).await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(Actor::System("cli"), "api_token.created", "user", admin.id),
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

pub(crate) async fn insert_token(
    conn: &impl ConnectionTrait,
    user_id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{TOKEN_PREFIX}{}", hex(&bytes));
    api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        token_hash: Set(hash(&token)),
        created_at: Set(now),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The user a bearer token belongs to, unless it is unknown or revoked.
pub async fn authenticate(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<user::Model>, ServiceError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    Ok(found.and_then(|(_, user)| user))
}

fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
