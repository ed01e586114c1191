//! "Notify me": a double opt-in subscription to a programme or one competition,
//! and one-click unsubscribe.

use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit::{self, AuditRecord};
use super::{Actor, ServiceError, competitions, outbox, programmes};
use crate::domain::email_address::EmailAddress;
use crate::domain::events::{DomainEvent, PersonalMail};
use crate::entities::subscription;

pub const PENDING: &str = "pending";
pub const CONFIRMED: &str = "confirmed";
pub const UNSUBSCRIBED: &str = "unsubscribed";

pub struct SubscriptionRequest {
    pub email: EmailAddress,
    pub locale: String,
    pub programme_id: i64,
    pub competition_id: Option<i64>,
}

fn token() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Asks for a confirmation. Answers the same whether or not the address is already
/// subscribed, so nobody learns who follows what; a confirmed subscription is not
/// mailed again.
pub async fn request(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    public_url: &str,
    request: SubscriptionRequest,
) -> Result<(), ServiceError> {
    let email = request.email.into_string();
    let locale = if request.locale == "en" { "en" } else { "de" }.to_owned();
    let programme = programmes::find(db, request.programme_id).await?;
    let scope_name = match request.competition_id {
        Some(id) => {
            let competition = competitions::find(db, id).await?;
            if competition.programme_id != programme.id || !competition.state.is_public() {
                return Err(ServiceError::not_found("competition", id));
            }
            competition.headline
        }
        None => programme.name.clone(),
    };
    let txn = crate::services::begin_write(db).await?;
    let mut existing = subscription::Entity::find()
        .filter(subscription::Column::Email.eq(&email))
        .filter(subscription::Column::ProgrammeId.eq(programme.id));
    existing = match request.competition_id {
        Some(id) => existing.filter(subscription::Column::CompetitionId.eq(id)),
        None => existing.filter(subscription::Column::CompetitionId.is_null()),
    };
    let existing = existing.one(&txn).await?;
    if existing.as_ref().is_some_and(|s| s.status == CONFIRMED) {
        return Ok(());
    }
    let confirm = token();
    let saved = match existing {
        Some(found) => {
            let mut model: subscription::ActiveModel = found.into();
            model.status = Set(PENDING.to_owned());
            model.locale = Set(locale.clone());
            model.confirm_token_hash = Set(hash(&confirm));
            model.unsubscribed_at = Set(None);
            model.update(&txn).await?
        }
        None => {
            subscription::ActiveModel {
                email: Set(email.clone()),
                locale: Set(locale.clone()),
                programme_id: Set(programme.id),
                competition_id: Set(request.competition_id),
                status: Set(PENDING.to_owned()),
                confirm_token_hash: Set(hash(&confirm)),
                unsubscribe_token: Set(token()),
                created_at: Set(now),
                confirmed_at: Set(None),
                unsubscribed_at: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let confirm_url = format!(
        "{}/benachrichtigung/bestaetigen?token={confirm}&lang={locale}",
        public_url.trim_end_matches('/')
    );
    outbox::enqueue(
        &txn,
        now,
        &DomainEvent::SubscriptionRequested {
            subscription_id: saved.id,
            mail: PersonalMail {
                email: email.to_owned(),
                locale: locale.to_owned(),
                competition_id: request.competition_id,
                context: json!({ "scope_name": scope_name, "confirm_url": confirm_url }),
            },
        },
    )
    .await?;
    audit::record(
        &txn,
        now,
        subscription_audit("subscription.requested", saved.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn subscription_audit(action: &str, id: i64) -> AuditRecord<'_> {
    AuditRecord::about(Actor::System("public"), action, "subscription", id)
}

/// Confirms with the token from the confirmation email (again: no change).
pub async fn confirm(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    token: &str,
) -> Result<(), ServiceError> {
    let txn = crate::services::begin_write(db).await?;
    let found = subscription::Entity::find()
        .filter(subscription::Column::ConfirmTokenHash.eq(hash(token.trim())))
        .filter(subscription::Column::Status.ne(UNSUBSCRIBED))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ServiceError::not_found("confirmation link", "(unknown or no longer valid)")
        })?;
    if found.status == PENDING {
        let id = found.id;
        let mut model: subscription::ActiveModel = found.into();
        model.status = Set(CONFIRMED.to_owned());
        model.confirmed_at = Set(Some(now));
        model.update(&txn).await?;
        audit::record(&txn, now, subscription_audit("subscription.confirmed", id)).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Ends a subscription with the token from any of its emails (again: no change).
pub async fn unsubscribe(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    token: &str,
) -> Result<(), ServiceError> {
    let txn = crate::services::begin_write(db).await?;
    let found = subscription::Entity::find()
        .filter(subscription::Column::UnsubscribeToken.eq(token.trim()))
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("unsubscribe link", "(unknown)"))?;
    if found.status != UNSUBSCRIBED {
        let id = found.id;
        let mut model: subscription::ActiveModel = found.into();
        model.status = Set(UNSUBSCRIBED.to_owned());
        model.unsubscribed_at = Set(Some(now));
        model.update(&txn).await?;
        audit::record(&txn, now, subscription_audit("subscription.ended", id)).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// A subscription of the signed-in person, with what it is about.
pub struct OwnSubscription {
    pub id: i64,
    pub scope_name: String,
    pub status: String,
}

/// The subscriptions of an email address, for its account page.
pub async fn of_email(
    db: &DatabaseConnection,
    email: &str,
) -> Result<Vec<OwnSubscription>, ServiceError> {
    let found = subscription::Entity::find()
        .filter(subscription::Column::Email.eq(email))
        .filter(subscription::Column::Status.ne(UNSUBSCRIBED))
        .all(db)
        .await?;
    let mut own = Vec::with_capacity(found.len());
    for s in found {
        let scope_name = match s.competition_id {
            Some(id) => competitions::find(db, id).await?.headline,
            None => programmes::find(db, s.programme_id).await?.name,
        };
        own.push(OwnSubscription {
            id: s.id,
            scope_name,
            status: s.status,
        });
    }
    Ok(own)
}

/// Ends a subscription of the signed-in person from the account page.
pub async fn unsubscribe_own(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    email: &str,
    id: i64,
) -> Result<(), ServiceError> {
    let found = subscription::Entity::find_by_id(id)
        .filter(subscription::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("subscription", id))?;
    unsubscribe(db, now, &found.unsubscribe_token).await
}
