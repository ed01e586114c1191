//! The notification catalogue: which domain event sends which email to whom. Events
//! are taken from the event outbox one at a time; turning an event into queued
//! messages and marking it done is one transaction, so a crash repeats at most the
//! whole event, and idempotency keys keep repeats from queueing twice.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use super::ServiceError;
use super::emails::{self, NewEmail};
use crate::domain::roles::Role;
use crate::domain::time;
use crate::entities::{competition, outbox_event, programme, subscription, user};

/// Who receives what, for the README and the admin view.
pub const CATALOGUE: &[(&str, &str, &str)] = &[
    (
        "user.sign_in_requested",
        "the person signing in",
        "sign_in_link",
    ),
    (
        "user.invited",
        "the invited staff member or juror",
        "staff_invitation",
    ),
    (
        "subscription.requested",
        "the person subscribing",
        "subscription_confirm",
    ),
    (
        "entry.submitted",
        "the entrant (with the receipt number)",
        "submission_received",
    ),
    ("entry.withdrawn", "the entrant", "submission_withdrawn"),
    (
        "entry.deadline_reminder",
        "the author of a draft not yet submitted",
        "deadline_reminder",
    ),
    (
        "entry.coauthor_invited",
        "the invited co-author",
        "coauthor_invitation",
    ),
    (
        "competition.scheduled",
        "confirmed subscribers of the programme or competition",
        "competition_scheduled",
    ),
    (
        "competition.opened",
        "confirmed subscribers",
        "competition_opened",
    ),
    (
        "competition.reopened",
        "confirmed subscribers",
        "competition_opened",
    ),
    (
        "competition.deadline_extended",
        "confirmed subscribers",
        "deadline_extended",
    ),
    ("competition.closed", "administrators", "competition_closed"),
    (
        "competition.announced",
        "confirmed subscribers",
        "announcement",
    ),
];

/// Turns up to `limit` unprocessed events into queued messages; returns how many
/// events this call processed.
pub async fn dispatch(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    public_url: &str,
    limit: u64,
) -> Result<usize, ServiceError> {
    let events = outbox_event::Entity::find()
        .filter(outbox_event::Column::ProcessedAt.is_null())
        .order_by_asc(outbox_event::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut processed = 0;
    for event in events {
        let txn = crate::services::begin_write(db).await?;
        let claimed = outbox_event::Entity::update_many()
            .set(outbox_event::ActiveModel {
                processed_at: Set(Some(now)),
                ..Default::default()
            })
            .filter(outbox_event::Column::Id.eq(event.id))
            .filter(outbox_event::Column::ProcessedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            txn.rollback().await?;
            continue;
        }
        for email in messages_for(&txn, &event, public_url).await? {
            emails::enqueue(&txn, now, email).await?;
        }
        txn.commit().await?;
        processed += 1;
    }
    Ok(processed)
}

fn link(public_url: &str, path: &str) -> String {
    format!("{}{path}", public_url.trim_end_matches('/'))
}

/// The competition facts every competition email shows, in the reader's language.
pub(crate) fn competition_facts(
    competition: &competition::Model,
    programme: &programme::Model,
    locale: &str,
    public_url: &str,
) -> Value {
    let when = |at: Option<DateTime<Utc>>| {
        at.map(|at| {
            if locale == "en" {
                time::format_en(at)
            } else {
                time::format_de(at)
            }
        })
        .unwrap_or_default()
    };
    json!({
        "headline": competition.headline,
        "target_group": competition.target_group,
        "programme_name": programme.name,
        "opens": when(competition.opens_at),
        "closes": when(competition.closes_at),
        "url": link(public_url, &format!("/wettbewerbe/{}?lang={locale}", competition.slug)),
    })
}

async fn messages_for(
    conn: &impl ConnectionTrait,
    event: &outbox_event::Model,
    public_url: &str,
) -> Result<Vec<NewEmail>, ServiceError> {
    let payload: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    let Some((_, _, template)) = CATALOGUE
        .iter()
        .find(|(kind, _, _)| *kind == event.event_type)
    else {
        return Ok(Vec::new());
    };
    let key = |recipient: &str| format!("event:{}:{template}:{recipient}", event.id);

    // Mails to one address given in the event, with the template's variables.
    if matches!(
        event.event_type.as_str(),
        "subscription.requested"
            | "user.sign_in_requested"
            | "user.invited"
            | "entry.submitted"
            | "entry.withdrawn"
            | "entry.coauthor_invited"
            | "entry.deadline_reminder"
    ) {
        let recipient = payload["email"].as_str().unwrap_or_default().to_owned();
        let locale = payload["locale"].as_str().unwrap_or("de").to_owned();
        return Ok(vec![NewEmail {
            idempotency_key: key(&recipient),
            template,
            locale,
            context: payload["context"].clone(),
            recipient,
            competition_id: payload["competition_id"].as_i64(),
            event_id: Some(event.id),
        }]);
    }

    let Some(competition) = competition::Entity::find_by_id(event.aggregate_id)
        .one(conn)
        .await?
    else {
        return Ok(Vec::new());
    };
    let Some(programme) = programme::Entity::find_by_id(competition.programme_id)
        .one(conn)
        .await?
    else {
        return Ok(Vec::new());
    };
    let extras = |locale: &str| -> Value {
        match event.event_type.as_str() {
            "competition.deadline_extended" => {
                let previous = payload["previous_closes_at"]
                    .as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                    .map(|at| at.with_timezone(&Utc));
                let previous = previous
                    .map(|at| {
                        if locale == "en" {
                            time::format_en(at)
                        } else {
                            time::format_de(at)
                        }
                    })
                    .unwrap_or_default();
                json!({ "previous_closes": previous })
            }
            "competition.announced" => json!({
                "results_url": link(public_url, &format!("/wettbewerbe/{}?lang={locale}", competition.slug)),
            }),
            _ => json!({}),
        }
    };
    let context = |locale: &str, unsubscribe_url: Option<String>| {
        let mut context = extras(locale);
        context["competition"] = competition_facts(&competition, &programme, locale, public_url);
        if let Some(url) = unsubscribe_url {
            context["unsubscribe_url"] = json!(url);
        }
        context
    };

    if event.event_type == "competition.closed" {
        let admins = user::Entity::find()
            .filter(user::Column::Role.eq(Role::Admin))
            .all(conn)
            .await?;
        return Ok(admins
            .into_iter()
            .map(|admin| NewEmail {
                idempotency_key: key(&admin.email),
                template,
                context: context(&admin.locale, None),
                locale: admin.locale,
                recipient: admin.email,
                competition_id: Some(competition.id),
                event_id: Some(event.id),
            })
            .collect());
    }

    let subscribers = subscription::Entity::find()
        .filter(subscription::Column::ProgrammeId.eq(programme.id))
        .filter(subscription::Column::Status.eq(super::subscriptions::CONFIRMED))
        .filter(
            Condition::any()
                .add(subscription::Column::CompetitionId.is_null())
                .add(subscription::Column::CompetitionId.eq(competition.id)),
        )
        .order_by_asc(subscription::Column::Id)
        .all(conn)
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(subscribers
        .into_iter()
        .filter(|s| seen.insert(s.email.clone()))
        .map(|s| {
            let unsubscribe = link(
                public_url,
                &format!("/benachrichtigung/abmelden?token={}", s.unsubscribe_token),
            );
            NewEmail {
                idempotency_key: key(&s.email),
                template,
                context: context(&s.locale, Some(unsubscribe)),
                locale: s.locale,
                recipient: s.email,
                competition_id: Some(competition.id),
                event_id: Some(event.id),
            }
        })
        .collect())
}
