//! API tokens: `Authorization: Bearer iw_…` for scripts and the command line.
//! Shown once, stored hashed, revocable.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use super::tokens::{hash, random_token};
use crate::domain::roles::Role;
use crate::entities::{api_token, user};
use crate::services::audit::{self, AuditRecord};
use crate::services::{Actor, ServiceError};

/// Tokens start with this, so leaked ones are easy to recognise and scan for.
const TOKEN_PREFIX: &str = "iw_";

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
    let token = format!("{TOKEN_PREFIX}{}", random_token());
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
    Ok(found
        .and_then(|(_, user)| user)
        .filter(|user| user.deactivated_at.is_none()))
}

/// The person's API tokens, revoked ones too.
pub async fn tokens(
    db: &DatabaseConnection,
    user_id: i64,
) -> Result<Vec<api_token::Model>, ServiceError> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// A new personal API token; the value is returned once and stored only hashed.
pub async fn create_token(
    db: &DatabaseConnection,
    user_id: i64,
    now: DateTime<Utc>,
    name: &str,
) -> Result<(api_token::Model, String), ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::invalid(
            "name",
            "give the token a name of 1 to 100 characters",
        ));
    }
    let txn = crate::services::begin_write(db).await?;
    let token = insert_token(&txn, user_id, name, now).await?;
    let created = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::Id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::Corrupt("token not stored".into()))?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(Actor::User(user_id), "api_token.created", "user", user_id)
            .details(json!({ "token": created.id, "name": name })),
    )
    .await?;
    txn.commit().await?;
    Ok((created, token))
}

/// Revokes one of the user's own tokens (another's is "not found").
pub async fn revoke_token(
    db: &DatabaseConnection,
    user_id: i64,
    now: DateTime<Utc>,
    id: i64,
) -> Result<(), ServiceError> {
    let txn = crate::services::begin_write(db).await?;
    let found = api_token::Entity::find_by_id(id)
        .filter(api_token::Column::UserId.eq(user_id))
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("token", id))?;
    if found.revoked_at.is_none() {
        let mut model: api_token::ActiveModel = found.into();
        model.revoked_at = Set(Some(now));
        model.update(&txn).await?;
        audit::record(
            &txn,
            now,
            AuditRecord::about(Actor::User(user_id), "api_token.revoked", "user", user_id)
                .details(json!({ "token": id })),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
