//! Reminding the authors of drafts before the deadline.

use super::*;
use crate::domain::events::{DomainEvent, PersonalMail};

/// Reminds the authors of drafts in open competitions whose deadline is less than
/// `hours` away, once per draft: the reminder is marked on the entry in the same
/// transaction as its email, so several instances never send it twice. Returns how
/// many reminders were queued.
pub async fn remind_drafts(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    hours: i64,
    public_url: &str,
) -> Result<usize, ServiceError> {
    if hours <= 0 {
        return Ok(0);
    }
    let soon = competition::Entity::find()
        .filter(competition::Column::State.eq(crate::domain::CompetitionState::Open))
        .filter(competition::Column::ClosesAt.gt(now))
        .filter(competition::Column::ClosesAt.lte(now + chrono::Duration::hours(hours)))
        .all(db)
        .await?;
    let mut sent = 0;
    for competition in soon {
        let drafts = entry::Entity::find()
            .filter(entry::Column::CompetitionId.eq(competition.id))
            .filter(entry::Column::Status.eq(EntryStatus::Draft))
            .filter(entry::Column::RemindedAt.is_null())
            .all(db)
            .await?;
        let programme = programmes::find(db, competition.programme_id).await?;
        for draft in drafts {
            let Some(author) = author_of(db, draft.id).await? else {
                continue;
            };
            let Some(person) = user::Entity::find_by_id(author.user_id).one(db).await? else {
                continue;
            };
            let txn = crate::services::begin_write(db).await?;
            let marked = entry::Entity::update_many()
                .col_expr(
                    entry::Column::RemindedAt,
                    sea_orm::sea_query::Expr::value(Some(now)),
                )
                .filter(entry::Column::Id.eq(draft.id))
                .filter(entry::Column::RemindedAt.is_null())
                .filter(entry::Column::Status.eq(EntryStatus::Draft))
                .exec(&txn)
                .await?;
            if marked.rows_affected != 1 {
                // Another instance reminded, or the draft was just submitted.
                continue;
            }
            audit::record(
                &txn,
                now,
                entry_audit(
                    Actor::System("scheduler"),
                    "entry.reminded",
                    &draft,
                    json!({ "closes_at": competition.closes_at }),
                ),
            )
            .await?;
            let locale = person.locale.as_str();
            outbox::enqueue(
                &txn,
                now,
                &DomainEvent::DeadlineReminder {
                    entry_id: draft.id,
                    mail: PersonalMail {
                        email: person.email.to_owned(),
                        locale: locale.to_owned(),
                        competition_id: Some(competition.id),
                        context: json!({
                        "competition": competition_facts(&competition, &programme, locale, public_url),
                        "entry_title": draft.title,
                        "entry_url": format!("{}/konto/ideen/{}", public_url.trim_end_matches('/'), draft.id),
                    }),
                    },
                },
            )
            .await?;
            txn.commit().await?;
            sent += 1;
        }
    }
    Ok(sent)
}
