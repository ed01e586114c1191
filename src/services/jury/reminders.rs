//! Reminding jurors of their open score sheets: by the scheduler before the
//! jury's deadline, and by staff's button. Each reminder is keyed by juror, kind
//! and deadline (for the button: the hour it was pressed) in the transaction of
//! its email, so several instances, retries and double clicks send it once.

use chrono::{DateTime, DurationRound, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::{locked, settings};
use crate::domain::CompetitionState;
use crate::domain::events::{DomainEvent, PersonalMail};
use crate::domain::time;
use crate::entities::{competition, jury, jury_reminder};
use crate::services::audit::{self, AuditRecord};
use crate::services::authorization::Manager;
use crate::services::notifications::competition_facts;
use crate::services::{Actor, ServiceError, outbox, programmes};

/// Which reminder: before the deadline, or by button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scheduled,
    Manual,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Manual => "manual",
        }
    }
}

/// Sends the reminders of one competition in one transaction per juror;
/// returns how many were queued.
async fn remind(
    db: &DatabaseConnection,
    actor: Actor,
    now: DateTime<Utc>,
    competition_id: i64,
    kind: Kind,
    public_url: &str,
) -> Result<usize, ServiceError> {
    let jury = settings(db, competition_id).await?;
    let key = match kind {
        Kind::Scheduled => match jury.deadline {
            Some(deadline) => deadline,
            None => return Ok(0),
        },
        Kind::Manual => now
            .duration_trunc(chrono::Duration::hours(1))
            .unwrap_or(now),
    };
    let progress = super::sheets::progress_of(db, competition_id).await?;
    let mut sent = 0;
    for juror in progress.jurors {
        let open = juror.to_score.saturating_sub(juror.submitted);
        if juror.seat != crate::domain::jury::panel::Seat::Accepted || open == 0 {
            continue;
        }
        let txn = crate::services::begin_write(db).await?;
        let (competition, _) = locked(&txn, competition_id).await?;
        if competition.state != CompetitionState::InReview {
            return Ok(sent);
        }
        let inserted = jury_reminder::Entity::insert(jury_reminder::ActiveModel {
            competition_id: Set(competition_id),
            juror_id: Set(juror.person.id),
            kind: Set(kind.as_str().to_owned()),
            deadline: Set(key),
            sent_at: Set(now),
        })
        .on_conflict_do_nothing_on([
            jury_reminder::Column::CompetitionId,
            jury_reminder::Column::JurorId,
            jury_reminder::Column::Kind,
            jury_reminder::Column::Deadline,
        ])
        .exec(&txn)
        .await?;
        if matches!(inserted, sea_orm::TryInsertResult::Conflicted) {
            continue;
        }
        enqueue(
            &txn,
            actor,
            now,
            &competition,
            &juror.person,
            open,
            jury.deadline,
            kind,
            public_url,
        )
        .await?;
        txn.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

#[allow(clippy::too_many_arguments)]
async fn enqueue(
    txn: &impl ConnectionTrait,
    actor: Actor,
    now: DateTime<Utc>,
    competition: &competition::Model,
    person: &crate::entities::user::Model,
    open: u64,
    deadline: Option<DateTime<Utc>>,
    kind: Kind,
    public_url: &str,
) -> Result<(), ServiceError> {
    let programme = programmes::find(txn, competition.programme_id).await?;
    let locale = person.locale.as_str();
    let deadline = deadline
        .map(|at| {
            if locale == "en" {
                time::format_en(at)
            } else {
                time::format_de(at)
            }
        })
        .unwrap_or_else(|| {
            if locale == "en" {
                "soon".into()
            } else {
                "bald".into()
            }
        });
    audit::record(
        txn,
        now,
        AuditRecord::about(actor, "jury.reminded", "competition", competition.id)
            .details(json!({ "juror": person.id, "open": open, "kind": kind.as_str() })),
    )
    .await?;
    outbox::enqueue(
        txn,
        now,
        &DomainEvent::JuryReminded {
            competition_id: competition.id,
            mail: PersonalMail {
                email: person.email.clone(),
                locale: locale.to_owned(),
                competition_id: Some(competition.id),
                context: json!({
                    "competition": competition_facts(competition, &programme, locale, public_url),
                    "juror_name": if person.display_name.is_empty() { &person.email } else { &person.display_name },
                    "jury_url": format!("{}/jury/wettbewerbe/{}?lang={locale}", public_url.trim_end_matches('/'), competition.id),
                    "jury_deadline": deadline,
                    "open_scores": open,
                }),
            },
        },
    )
    .await?;
    Ok(())
}

/// Staff's button: reminds every seated juror with open sheets now (at most
/// once an hour each).
pub async fn remind_now(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<usize, ServiceError> {
    let competition = crate::services::competitions::find(db, manager.competition_id()).await?;
    crate::domain::jury::may_score(competition.state)?;
    remind(
        db,
        manager.actor(),
        now,
        manager.competition_id(),
        Kind::Manual,
        public_url,
    )
    .await
}

/// The scheduler's pass: reminds the jurors of every competition in review
/// whose jury deadline is less than `hours` away, once per juror and deadline.
pub async fn remind_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    hours: i64,
    public_url: &str,
) -> Result<usize, ServiceError> {
    if hours <= 0 {
        return Ok(0);
    }
    let due = jury::Entity::find()
        .filter(jury::Column::Deadline.gt(now))
        .filter(jury::Column::Deadline.lte(now + chrono::Duration::hours(hours)))
        .all(db)
        .await?;
    let mut sent = 0;
    for row in due {
        let competition = crate::services::competitions::find(db, row.competition_id).await?;
        if competition.state != CompetitionState::InReview {
            continue;
        }
        sent += remind(
            db,
            Actor::System("scheduler"),
            now,
            row.competition_id,
            Kind::Scheduled,
            public_url,
        )
        .await?;
    }
    Ok(sent)
}
