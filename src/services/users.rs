//! Accounts: inviting staff and jurors, roles, personal API tokens, and the
//! rights of data subjects (export everything, delete the account).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value, json};

use super::audit::{self, AuditRecord};
use super::authorization::Admin;
use super::error::duplicate_or;
use super::subscriptions::UNSUBSCRIBED;
use super::{Actor, ServiceError, outbox};
use crate::domain::email_address::EmailAddress;
use crate::domain::events::{DomainEvent, PersonalMail};
use crate::domain::roles::Role;
use crate::entities::{
    api_token, audit_entry, entry, entry_attachment, entry_author, entry_coauthor, session,
    subscription, user,
};

fn user_audit<'a>(actor: Actor, action: &'a str, id: i64, details: Value) -> AuditRecord<'a> {
    AuditRecord::about(actor, action, "user", id).details(details)
}

pub fn parse_role(role: &str) -> Result<Role, ServiceError> {
    role.parse()
        .map_err(|err: crate::domain::UnknownValue| ServiceError::invalid("role", err.to_string()))
}

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> Result<user::Model, ServiceError> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found("user", id))
}

/// The addresses of these people by id, in one query (for naming actors).
pub async fn emails_of(
    db: &DatabaseConnection,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, ServiceError> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(unique))
        .all(db)
        .await?
        .into_iter()
        .map(|person| (person.id, person.email))
        .collect())
}

/// Creates a staff or juror account and emails them how to sign in.
pub async fn invite(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    public_url: &str,
    email: &EmailAddress,
    display_name: &str,
    role: Role,
) -> Result<user::Model, ServiceError> {
    let actor = admin.actor();
    let email = email.as_str().to_owned();
    if !role.is_invited() {
        return Err(ServiceError::invalid(
            "role",
            "entrants sign up themselves; invite admin, coordinator or juror",
        ));
    }
    let txn = crate::services::begin_write(db).await?;
    let created = user::ActiveModel {
        email: Set(email.clone()),
        display_name: Set(display_name.trim().to_owned()),
        role: Set(role),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| duplicate_or(err, "user", "email", &email))?;
    audit::record(
        &txn,
        now,
        user_audit(
            actor,
            "user.invited",
            created.id,
            json!({ "role": role.as_str() }),
        ),
    )
    .await?;
    outbox::enqueue(
        &txn,
        now,
        &DomainEvent::UserInvited {
            user_id: created.id,
            mail: PersonalMail {
                email: email.to_owned(),
                locale: "de".to_owned(),
                competition_id: None,
                context: json!({
                    "display_name": created.display_name,
                    "role": role.as_str(),
                    "sign_in_url": format!("{}/anmelden", public_url.trim_end_matches('/')),
                }),
            },
        },
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a role; the last administrator cannot stop being one.
pub async fn set_role(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    id: i64,
    role: Role,
) -> Result<user::Model, ServiceError> {
    let actor = admin.actor();
    let txn = crate::services::begin_write(db).await?;
    let current = find(&txn, id).await?;
    if current.role == Role::Admin && role != Role::Admin && admins(&txn).await? <= 1 {
        return Err(ServiceError::invalid(
            "role",
            "this is the last administrator; make someone else an administrator first",
        ));
    }
    let from = current.role;
    let mut model: user::ActiveModel = current.into();
    model.role = Set(role);
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        now,
        user_audit(
            actor,
            "user.role_changed",
            id,
            json!({ "from": from, "to": role.as_str() }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Sets the organisation, company or school of an account (for jurors: compared
/// with entrants' for likely conflicts of interest); empty clears it.
pub async fn set_organisation(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    id: i64,
    organisation: &str,
) -> Result<user::Model, ServiceError> {
    let organisation = organisation.trim();
    if organisation.chars().count() > 200 {
        return Err(ServiceError::invalid(
            "organisation",
            "at most 200 characters, please",
        ));
    }
    let txn = crate::services::begin_write(db).await?;
    let current = find(&txn, id).await?;
    let value = (!organisation.is_empty()).then(|| organisation.to_owned());
    if current.organisation == value {
        return Ok(current);
    }
    let mut model: user::ActiveModel = current.into();
    model.organisation = Set(value.clone());
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        now,
        user_audit(
            admin.actor(),
            "user.organisation_changed",
            id,
            json!({ "organisation": value }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Administrators whose accounts work (not deactivated), counted inside a write
/// transaction with their rows locked: two administrators demoting or
/// deactivating each other at once on PostgreSQL cannot both see "two left" (the
/// second waits, then counts again without the first). SQLite's write lock
/// already lets one such transaction in at a time.
async fn admins(conn: &impl ConnectionTrait) -> Result<u64, ServiceError> {
    use sea_orm::QuerySelect;
    let ids: Vec<i64> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Role.eq(Role::Admin))
        .filter(user::Column::DeactivatedAt.is_null())
        .lock_exclusive()
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.len() as u64)
}

/// Which accounts to list.
#[derive(Debug, Clone, Default)]
pub struct PeopleFilter {
    pub role: Option<Role>,
    /// Part of the name or email address.
    pub query: Option<String>,
}

/// People per page of the people list.
pub const PEOPLE_PAGE: u64 = 50;

/// Up to `limit` accounts after the id `after`, by id (a keyset page: as fast for
/// the 10,000th account as for the first). A search compares the folded address
/// and name; at programme size (tens of thousands of accounts) the primary-key
/// walk it rides on stays within a few milliseconds.
pub async fn page(
    db: &DatabaseConnection,
    _admin: &Admin,
    filter: &PeopleFilter,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<user::Model>, ServiceError> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    let mut query = user::Entity::find().order_by_asc(user::Column::Id);
    if let Some(role) = filter.role {
        query = query.filter(user::Column::Role.eq(role));
    }
    if let Some(after) = after {
        query = query.filter(user::Column::Id.gt(after));
    }
    if let Some(needle) = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        let escaped = needle
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let like = |column: user::Column| {
            Expr::expr(Func::lower(Expr::col((user::Entity, column))))
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
        };
        query = query.filter(
            sea_orm::Condition::any()
                .add(like(user::Column::Email))
                .add(like(user::Column::DisplayName)),
        );
    }
    Ok(query.limit(limit).all(db).await?)
}

/// Deactivates an account: its sessions end and its API tokens stop working at
/// once; it cannot sign in until reactivated. Its entries and history stay. The
/// last working administrator cannot be deactivated.
pub async fn deactivate(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    id: i64,
) -> Result<user::Model, ServiceError> {
    let txn = crate::services::begin_write(db).await?;
    let current = find(&txn, id).await?;
    if current.deactivated_at.is_some() {
        return Ok(current);
    }
    if current.role == Role::Admin && admins(&txn).await? <= 1 {
        return Err(ServiceError::invalid(
            "user",
            "this is the last administrator; make someone else an administrator first",
        ));
    }
    let mut model: user::ActiveModel = current.into();
    model.deactivated_at = Set(Some(now));
    let updated = model.update(&txn).await?;
    session::Entity::update_many()
        .set(session::ActiveModel {
            revoked_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(session::Column::UserId.eq(id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        user_audit(admin.actor(), "user.deactivated", id, json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Lets a deactivated account sign in again (its API tokens work again too).
pub async fn reactivate(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    id: i64,
) -> Result<user::Model, ServiceError> {
    let txn = crate::services::begin_write(db).await?;
    let current = find(&txn, id).await?;
    if current.deactivated_at.is_none() {
        return Ok(current);
    }
    let mut model: user::ActiveModel = current.into();
    model.deactivated_at = Set(None);
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        now,
        user_audit(admin.actor(), "user.reactivated", id, json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Everything stored about the person (DSGVO Art. 15/20), as JSON.
pub async fn export(db: &DatabaseConnection, user_id: i64) -> Result<Value, ServiceError> {
    let person = find(db, user_id).await?;
    let tokens = super::identity::api_tokens::tokens(db, user_id).await?;
    let sessions = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let subscriptions = subscription::Entity::find()
        .filter(subscription::Column::Email.eq(&person.email))
        .all(db)
        .await?;
    let entry_ids: Vec<i64> = entry_author::Entity::find()
        .filter(entry_author::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.entry_id)
        .collect();
    let entries = entry::Entity::find()
        .filter(entry::Column::Id.is_in(entry_ids))
        .all(db)
        .await?;
    let authorships = entry_author::Entity::find()
        .filter(entry_author::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let coauthorships = entry_coauthor::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(entry_coauthor::Column::UserId.eq(user_id))
                .add(entry_coauthor::Column::Email.eq(&person.email)),
        )
        .all(db)
        .await?;
    let uploads = entry_attachment::Entity::find()
        .filter(entry_attachment::Column::UploadedBy.eq(user_id))
        .all(db)
        .await?;
    let actions = audit_entry::Entity::find()
        .filter(audit_entry::Column::ActorUserId.eq(user_id))
        .order_by_asc(audit_entry::Column::Id)
        .all(db)
        .await?;
    let contacts = authorships
        .iter()
        .map(|a| {
            Ok(json!({ "entry_id": a.entry_id, "contact_name": a.contact_name, "contact_phone": a.contact_phone, "answers": a.answers()? }))
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    Ok(json!({
        "account": {
            "id": person.id, "email": person.email, "display_name": person.display_name,
            "role": person.role, "created_at": person.created_at,
        },
        "api_tokens": tokens.iter().map(|t| json!({ "id": t.id, "name": t.name, "created_at": t.created_at, "revoked_at": t.revoked_at })).collect::<Vec<_>>(),
        "sessions": sessions.iter().map(|s| json!({ "created_at": s.created_at, "last_seen_at": s.last_seen_at, "expires_at": s.expires_at, "revoked_at": s.revoked_at })).collect::<Vec<_>>(),
        "entries": entries.iter().map(|e| json!({ "id": e.id, "competition_id": e.competition_id, "status": e.status, "title": e.title, "summary": e.summary, "description": e.description, "receipt_number": e.receipt_number, "submitted_at": e.submitted_at })).collect::<Vec<_>>(),
        "entry_contacts": contacts,
        "coauthorships": coauthorships.iter().map(|c| json!({ "entry_id": c.entry_id, "name": c.name, "email": c.email, "invited_at": c.invited_at, "accepted_at": c.accepted_at })).collect::<Vec<_>>(),
        "attachments": uploads.iter().map(|f| json!({ "entry_id": f.entry_id, "file_name": f.file_name, "media_type": f.media_type, "size_bytes": f.size_bytes, "created_at": f.created_at })).collect::<Vec<_>>(),
        "subscriptions": subscriptions.iter().map(|s| json!({ "programme_id": s.programme_id, "competition_id": s.competition_id, "status": s.status, "locale": s.locale, "created_at": s.created_at })).collect::<Vec<_>>(),
        "actions": actions.iter().map(|a| json!({ "occurred_at": a.occurred_at, "action": a.action, "subject_type": a.subject_type, "subject_id": a.subject_id })).collect::<Vec<_>>(),
    }))
}

/// Deletes the account: personal data is replaced, sessions and tokens end, and
/// subscriptions stop. Records that others rely on (audit trail; later entries and
/// scores) keep their shape with the person removed.
pub async fn delete(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    user_id: i64,
) -> Result<(), ServiceError> {
    let txn = crate::services::begin_write(db).await?;
    let person = find(&txn, user_id).await?;
    if person.role == Role::Admin && admins(&txn).await? <= 1 {
        return Err(ServiceError::invalid(
            "account",
            "the last administrator cannot be deleted; make someone else an administrator first",
        ));
    }
    subscription::Entity::update_many()
        .set(subscription::ActiveModel {
            status: Set(UNSUBSCRIBED.to_owned()),
            email: Set(format!("deleted-{user_id}@invalid")),
            unsubscribed_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(subscription::Column::Email.eq(&person.email))
        .exec(&txn)
        .await?;
    session::Entity::update_many()
        .set(session::ActiveModel {
            revoked_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    api_token::Entity::update_many()
        .set(api_token::ActiveModel {
            revoked_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    // Entries stay in their competitions (the jury's work depends on them); the
    // author's name on them goes.
    // With the name go the phone number and the answers that identify the author
    // (school, company, children's names); co-authorships and invitations end.
    entry_author::Entity::update_many()
        .set(entry_author::ActiveModel {
            contact_name: Set("(gelöscht)".to_owned()),
            contact_phone: Set(None),
            details: Set("{}".to_owned()),
            ..Default::default()
        })
        .filter(entry_author::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    entry_coauthor::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(entry_coauthor::Column::UserId.eq(user_id))
                .add(entry_coauthor::Column::Email.eq(&person.email)),
        )
        .exec(&txn)
        .await?;
    let mut model: user::ActiveModel = person.into();
    model.email = Set(format!("deleted-{user_id}@invalid"));
    model.display_name = Set("(gelöscht)".to_owned());
    model.update(&txn).await?;
    audit::record(
        &txn,
        now,
        user_audit(Actor::User(user_id), "user.deleted", user_id, json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets the language of emails to this person.
pub async fn set_locale(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    user_id: i64,
    locale: &str,
) -> Result<(), ServiceError> {
    if !matches!(locale, "de" | "en") {
        return Err(ServiceError::invalid("locale", "choose de or en"));
    }
    let txn = crate::services::begin_write(db).await?;
    let mut model: user::ActiveModel = find(&txn, user_id).await?.into();
    model.locale = Set(locale.to_owned());
    model.update(&txn).await?;
    audit::record(
        &txn,
        now,
        user_audit(
            Actor::User(user_id),
            "user.locale_changed",
            user_id,
            json!({ "locale": locale }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
