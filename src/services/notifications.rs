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

use super::emails::{self, NewEmail};
use super::{ServiceError, competitions, outbox, programmes};
use crate::domain::events::{DomainEvent, PersonalMail};
use crate::domain::roles::Role;
use crate::domain::time;
use crate::entities::{competition, outbox_event, programme, subscription, user};

/// Turns up to `limit` unprocessed events into queued messages; returns how many
/// events this call processed. An event that cannot be read is logged with its id,
/// keeps the reason and waits for an administrator; it is never dropped.
pub async fn dispatch(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    public_url: &str,
    limit: u64,
) -> Result<usize, ServiceError> {
    let events = outbox_event::Entity::find()
        .filter(outbox_event::Column::ProcessedAt.is_null())
        .filter(outbox_event::Column::LastError.is_null())
        .order_by_asc(outbox_event::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut processed = 0;
    for row in events {
        let event = match outbox::read(&row) {
            Ok(event) => event,
            Err(err) => {
                set_aside(db, &row, format!("cannot be read: {err}")).await?;
                continue;
            }
        };
        let txn = crate::services::begin_write(db).await?;
        let claimed = outbox_event::Entity::update_many()
            .set(outbox_event::ActiveModel {
                processed_at: Set(Some(now)),
                ..Default::default()
            })
            .filter(outbox_event::Column::Id.eq(row.id))
            .filter(outbox_event::Column::ProcessedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            txn.rollback().await?;
            continue;
        }
        let messages = match messages_for(&txn, row.id, &event, public_url).await {
            Ok(messages) => messages,
            Err(ServiceError::NotFound { what, id }) => {
                txn.rollback().await?;
                set_aside(db, &row, format!("its {what} {id} does not exist")).await?;
                continue;
            }
            Err(err) => return Err(err),
        };
        for email in messages {
            emails::enqueue(&txn, now, email).await?;
        }
        txn.commit().await?;
        processed += 1;
    }
    Ok(processed)
}

/// Keeps an event that no email can be made from, with the reason, for an
/// administrator: logged with its id, skipped by later rounds, never dropped.
async fn set_aside(
    db: &DatabaseConnection,
    row: &outbox_event::Model,
    reason: String,
) -> Result<(), ServiceError> {
    tracing::error!(
        table = "outbox_events",
        id = row.id,
        event_type = %row.event_type,
        reason = %reason,
        "an outbox event cannot be turned into email; it waits for an administrator"
    );
    outbox_event::Entity::update_many()
        .col_expr(
            outbox_event::Column::LastError,
            sea_orm::sea_query::Expr::value(reason),
        )
        .filter(outbox_event::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Events that could not be read, for the administrators' outbox.
pub async fn unreadable(db: &DatabaseConnection) -> Result<Vec<outbox_event::Model>, ServiceError> {
    Ok(outbox_event::Entity::find()
        .filter(outbox_event::Column::LastError.is_not_null())
        .order_by_asc(outbox_event::Column::Id)
        .limit(100)
        .all(db)
        .await?)
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
        "name": competition.full_name(),
        "target_group": competition.target_group,
        "programme_name": programme.name,
        "opens": when(competition.opens_at),
        "closes": when(competition.closes_at),
        "url": link(public_url, &format!("/wettbewerbe/{}?lang={locale}", competition.slug)),
    })
}

/// Who receives what for `event`: the one exhaustive decision per event.
async fn messages_for(
    conn: &impl ConnectionTrait,
    event_id: i64,
    event: &DomainEvent,
    public_url: &str,
) -> Result<Vec<NewEmail>, ServiceError> {
    use DomainEvent as E;
    let personal = |template: &'static str, mail: &PersonalMail| {
        vec![NewEmail {
            idempotency_key: format!("event:{event_id}:{template}:{}", mail.email),
            template,
            locale: mail.locale.clone(),
            context: mail.context.clone(),
            recipient: mail.email.clone(),
            competition_id: mail.competition_id,
            event_id: Some(event_id),
        }]
    };
    let to_subscribers = |template, competition_id, extras| Broadcast {
        event_id,
        template,
        competition_id,
        extras,
        audience: Audience::Subscribers,
    };
    let broadcast = match event {
        E::SignInRequested { mail, .. } => return Ok(personal("sign_in_link", mail)),
        E::UserInvited { mail, .. } => return Ok(personal("staff_invitation", mail)),
        E::SubscriptionRequested { mail, .. } => {
            return Ok(personal("subscription_confirm", mail));
        }
        E::BallotRequested { mail, .. } => return Ok(personal("vote_confirm", mail)),
        E::EntrySubmitted { mail, .. } => return Ok(personal("submission_received", mail)),
        E::EntryWithdrawn { mail, .. } => return Ok(personal("submission_withdrawn", mail)),
        E::DeadlineReminder { mail, .. } => return Ok(personal("deadline_reminder", mail)),
        E::CoauthorInvited { mail, .. } => return Ok(personal("coauthor_invitation", mail)),
        E::EntryExcluded { mail, .. } => return Ok(personal("entry_excluded", mail)),
        E::JuryInvited { mail, .. } => return Ok(personal("jury_invitation", mail)),
        E::JuryReminded { mail, .. } => return Ok(personal("jury_reminder", mail)),
        E::CompetitionScheduled(t) => {
            to_subscribers("competition_scheduled", t.competition_id, Extras::None)
        }
        E::CompetitionOpened(t) | E::CompetitionReopened(t) => {
            to_subscribers("competition_opened", t.competition_id, Extras::None)
        }
        E::DeadlineExtended(d) => to_subscribers(
            "deadline_extended",
            d.competition_id,
            Extras::PreviousDeadline(d.previous_closes_at),
        ),
        E::CompetitionAnnounced(t) => {
            // Subscribers, then the winners, the other entrants and the panel.
            let id = t.competition_id;
            let mut mails = to_subscribers("announcement", id, Extras::Results)
                .messages(conn, public_url)
                .await?;
            let competition = competitions::find(conn, id).await?;
            let programme = programmes::find(conn, competition.programme_id).await?;
            let facts = |locale: &str| json!({ "competition": competition_facts(&competition, &programme, locale, public_url) });
            mails
                .extend(super::announcements::mails(conn, event_id, id, public_url, &facts).await?);
            return Ok(mails);
        }
        E::CompetitionClosed(t) => Broadcast {
            event_id,
            template: "competition_closed",
            competition_id: t.competition_id,
            extras: Extras::None,
            audience: Audience::Administrators,
        },
        // The jury and the results bring their own emails with their features.
        E::ReviewStarted(_)
        | E::CompetitionDecided(_)
        | E::ReviewReopened(_)
        | E::CompetitionArchived(_)
        | E::CompetitionCancelled(_) => return Ok(Vec::new()),
    };
    broadcast.messages(conn, public_url).await
}

/// Who hears of a competition's news.
enum Audience {
    Subscribers,
    Administrators,
}

/// What a competition email shows beyond the competition's facts.
enum Extras {
    None,
    PreviousDeadline(Option<DateTime<Utc>>),
    Results,
}

/// One template about one competition to many recipients.
struct Broadcast {
    event_id: i64,
    template: &'static str,
    competition_id: i64,
    extras: Extras,
    audience: Audience,
}

impl Broadcast {
    async fn messages(
        self,
        conn: &impl ConnectionTrait,
        public_url: &str,
    ) -> Result<Vec<NewEmail>, ServiceError> {
        let Broadcast {
            event_id, template, ..
        } = self;
        let key = |recipient: &str| format!("event:{event_id}:{template}:{recipient}");
        let competition = competitions::find(conn, self.competition_id).await?;
        let programme = programmes::find(conn, competition.programme_id).await?;
        let when = |at: DateTime<Utc>, locale: &str| {
            if locale == "en" {
                time::format_en(at)
            } else {
                time::format_de(at)
            }
        };
        let extras = |locale: &str| -> Value {
            match self.extras {
                Extras::PreviousDeadline(previous) => json!({
                    "previous_closes": previous.map(|at| when(at, locale)).unwrap_or_default(),
                }),
                Extras::Results => json!({
                    "results_url": link(public_url, &format!("/wettbewerbe/{}/ergebnisse?lang={locale}", competition.slug)),
                }),
                Extras::None => json!({}),
            }
        };
        let context = |locale: &str, unsubscribe_url: Option<String>| {
            let mut context = extras(locale);
            context["competition"] =
                competition_facts(&competition, &programme, locale, public_url);
            if let Some(url) = unsubscribe_url {
                context["unsubscribe_url"] = json!(url);
            }
            context
        };

        if let Audience::Administrators = self.audience {
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
                    event_id: Some(event_id),
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
                    event_id: Some(event_id),
                }
            })
            .collect())
    }
}
