//! Creating accounts: the first administrator and entrants. Signing in is in
//! `sign_in`, invitations and roles in `crate::services::users`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;

use super::api_tokens::insert_token;
use crate::config::AdminSettings;
use crate::domain::email_address::EmailAddress;
use crate::domain::roles::Role;
use crate::entities::user;
use crate::services::audit::{self, AuditRecord};
use crate::services::{Actor, ServiceError};

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
