//! Co-authors: the person who started an entry invites others by email; whoever
//! signs in with that address and accepts may read and edit the entry and its
//! attachments. Submitting, withdrawing and inviting stay with the lead author.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use super::audit;
use super::error::duplicate_or;
use super::identity::tokens::{hash, random_token};
use super::notifications::competition_facts;
use super::{Actor, ServiceError, competitions, entries, outbox, programmes};
use crate::domain::email_address::EmailAddress;
use crate::domain::entry_form::{FieldProblem, Localized};
use crate::domain::events::{DomainEvent, PersonalMail};
use crate::entities::{entry, entry_coauthor, user};
use crate::services::authorization::EntryAuthor;

/// How long an invitation can be accepted.
pub const INVITATION_DAYS: i64 = 14;
/// The most co-authors (invited or accepted) per entry.
pub const MAX_COAUTHORS: u64 = 10;

/// The co-authors of an entry, for its authors.
pub async fn list(
    db: &DatabaseConnection,
    person: &user::Model,
    entry_id: i64,
) -> Result<Vec<entry_coauthor::Model>, ServiceError> {
    entries::find_own(db, person, entry_id).await?;
    of_entry(db, entry_id).await
}

pub async fn of_entry(
    conn: &impl ConnectionTrait,
    entry_id: i64,
) -> Result<Vec<entry_coauthor::Model>, ServiceError> {
    Ok(entry_coauthor::Entity::find()
        .filter(entry_coauthor::Column::EntryId.eq(entry_id))
        .order_by_asc(entry_coauthor::Column::Id)
        .all(conn)
        .await?)
}

/// A refused invitation, with what to fix in both languages.
fn refused(field: &str, de: impl Into<String>, en: impl Into<String>) -> ServiceError {
    ServiceError::Fields(vec![FieldProblem {
        field: field.to_owned(),
        message: Localized::new(de, en),
    }])
}

/// Invites `email` to co-author the lead's entry, with an email in the same
/// transaction. Only while the entry may still change.
pub async fn invite(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    author: &EntryAuthor,
    email: &EmailAddress,
    name: &str,
    public_url: &str,
) -> Result<entry_coauthor::Model, ServiceError> {
    let lead = author.lead("invite co-authors")?;
    let current = lead.entry().clone();
    let (lead, entry_id) = (lead.person(), current.id);
    entries::check_editable(db, &current, now).await?;
    let email = email.as_str().to_owned();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(refused(
            "name",
            "Bitte geben Sie den Namen der Person an (höchstens 200 Zeichen).",
            "Give the co-author's name (at most 200 characters).",
        ));
    }
    if email.eq_ignore_ascii_case(&lead.email) {
        return Err(refused(
            "email",
            "Sie sind bereits Autorin oder Autor dieser Idee. Laden Sie eine andere Person ein.",
            "You already are the author of this idea; invite someone else.",
        ));
    }
    let token = random_token();
    let txn = crate::services::begin_write(db).await?;
    // Counted with the entry locked: invitations at once cannot pass the limit.
    crate::services::db::lock_row::<entry::Entity>(&txn, entry_id).await?;
    let existing = entry_coauthor::Entity::find()
        .filter(entry_coauthor::Column::EntryId.eq(entry_id))
        .count(&txn)
        .await?;
    if existing >= MAX_COAUTHORS {
        return Err(refused(
            "email",
            format!("Eine Idee kann höchstens {MAX_COAUTHORS} Mitautorinnen und Mitautoren haben."),
            format!("An idea can have at most {MAX_COAUTHORS} co-authors."),
        ));
    }
    let invited = entry_coauthor::ActiveModel {
        entry_id: Set(entry_id),
        email: Set(email.clone()),
        name: Set(name.to_owned()),
        user_id: Set(None),
        token_hash: Set(hash(&token)),
        invited_by: Set(lead.id),
        invited_at: Set(now),
        expires_at: Set(now + Duration::days(INVITATION_DAYS)),
        accepted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| duplicate_or(err, "co-author", "email", &email))?;
    audit::record(
        &txn,
        now,
        entries::entry_audit(
            Actor::User(lead.id),
            "entry.coauthor_invited",
            &current,
            json!({ "coauthor": invited.id }),
        ),
    )
    .await?;
    let competition = competitions::find(&txn, current.competition_id).await?;
    let programme = programmes::find(&txn, competition.programme_id).await?;
    let locale = lead.locale.as_str();
    let base = public_url.trim_end_matches('/');
    outbox::enqueue(
        &txn,
        now,
        &DomainEvent::CoauthorInvited {
            entry_id: current.id,
            mail: PersonalMail {
                email: email.to_owned(),
                locale: locale.to_owned(),
                competition_id: Some(competition.id),
                context: json!({
                    "competition": competition_facts(&competition, &programme, locale, public_url),
                    "inviter_name": if lead.display_name.is_empty() { &lead.email } else { &lead.display_name },
                    "invitee_name": name,
                    "entry_title": current.title,
                    "accept_url": format!("{base}/einladung?token={token}"),
                    "expires_days": INVITATION_DAYS,
                }),
            },
        },
    )
    .await?;
    txn.commit().await?;
    Ok(invited)
}

/// The invitation behind `token`, if it exists (for the page that shows it).
pub async fn find_invitation(
    db: &DatabaseConnection,
    token: &str,
) -> Result<(entry_coauthor::Model, entry::Model), ServiceError> {
    let invitation = entry_coauthor::Entity::find()
        .filter(entry_coauthor::Column::TokenHash.eq(hash(token)))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("invitation", "with this link"))?;
    let found = entry::Entity::find_by_id(invitation.entry_id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::not_found("entry", invitation.entry_id))?;
    Ok((invitation, found))
}

/// Accepts an invitation for the signed-in `person`, who must use the invited
/// address. Accepting again is harmless.
pub async fn accept(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    person: &user::Model,
    token: &str,
) -> Result<entry::Model, ServiceError> {
    let (invitation, found) = find_invitation(db, token).await?;
    if invitation.user_id == Some(person.id) {
        return Ok(found);
    }
    if invitation.user_id.is_some() {
        return Err(ServiceError::Forbidden(
            "this invitation has already been accepted".into(),
        ));
    }
    if !invitation.email.eq_ignore_ascii_case(&person.email) {
        return Err(ServiceError::Forbidden(format!(
            "this invitation is for another email address; sign in with the address it was sent to ({})",
            mask(&invitation.email)
        )));
    }
    if invitation.expires_at <= now {
        return Err(ServiceError::invalid(
            "token",
            "this invitation has expired; ask for a new one",
        ));
    }
    let txn = crate::services::begin_write(db).await?;
    let written = entry_coauthor::Entity::update_many()
        .set(entry_coauthor::ActiveModel {
            user_id: Set(Some(person.id)),
            accepted_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(entry_coauthor::Column::Id.eq(invitation.id))
        .filter(entry_coauthor::Column::UserId.is_null())
        .exec(&txn)
        .await?;
    if written.rows_affected != 1 {
        return Err(ServiceError::Concurrent("the invitation"));
    }
    audit::record(
        &txn,
        now,
        entries::entry_audit(
            Actor::User(person.id),
            "entry.coauthor_accepted",
            &found,
            json!({ "coauthor": invitation.id }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(found)
}

/// `anna@example.de` → `a…@example.de`: enough to recognise, not to harvest.
fn mask(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            format!("{}…@{domain}", local.chars().next().unwrap_or('?'))
        }
        None => "…".into(),
    }
}

/// Removes a co-author (or an open invitation); the lead author only.
pub async fn remove(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    author: &EntryAuthor,
    coauthor_id: i64,
) -> Result<(), ServiceError> {
    let lead = author.lead("remove co-authors")?;
    let current = lead.entry().clone();
    let (lead, entry_id) = (lead.person(), current.id);
    let txn = crate::services::begin_write(db).await?;
    let removed = entry_coauthor::Entity::delete_many()
        .filter(entry_coauthor::Column::Id.eq(coauthor_id))
        .filter(entry_coauthor::Column::EntryId.eq(entry_id))
        .exec(&txn)
        .await?;
    if removed.rows_affected != 1 {
        return Err(ServiceError::not_found("co-author", coauthor_id));
    }
    audit::record(
        &txn,
        now,
        entries::entry_audit(
            Actor::User(lead.id),
            "entry.coauthor_removed",
            &current,
            json!({ "coauthor": coauthor_id }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_are_masked_in_messages() {
        assert_eq!(super::mask("anna@example.de"), "a…@example.de");
    }
}
