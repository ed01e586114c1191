//! The pre-check (Vorprüfung): staff admit or exclude each submitted entry of a
//! closed competition. An exclusion tells the entrant why, by email, in the same
//! transaction; the report counts the verdicts for the Protokoll.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::locked;
use crate::domain::entries::EntryStatus;
use crate::domain::events::{DomainEvent, PersonalMail};
use crate::domain::jury::JuryError;
use crate::domain::jury::precheck::{self as rules, Report, Verdict};
use crate::entities::{entry, precheck, user};
use crate::services::audit::{self, AuditRecord};
use crate::services::authorization::Manager;
use crate::services::notifications::competition_facts;
use crate::services::{ServiceError, entries, outbox, programmes};

/// A verdict as staff give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    /// Free text; an excluded entrant reads it in their email.
    pub remark: String,
    /// A short neutral note the jury sees with the entry.
    pub jury_note: String,
}

fn checked_text(field: &'static str, text: &str, max: usize) -> Result<String, ServiceError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(ServiceError::invalid(
            field,
            format!("at most {max} characters, please"),
        ));
    }
    Ok(text.to_owned())
}

/// Gives or changes the pre-check's verdict on one entry of the manager's
/// competition. Excluding sends the entrant the reason (once per exclusion;
/// the same verdict again changes and sends nothing).
pub async fn decide(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    entry_id: i64,
    decision: Decision,
    public_url: &str,
) -> Result<precheck::Model, ServiceError> {
    let remark = checked_text("remark", &decision.remark, 2000)?;
    let jury_note = checked_text("jury_note", &decision.jury_note, 500)?;
    let id = manager.competition_id();
    let txn = crate::services::begin_write(db).await?;
    let (competition, settings) = locked(&txn, id).await?;
    rules::may_decide(competition.state, settings.scoring_started_at.is_some())
        .map_err(JuryError::from)?;
    let found = entry::Entity::find_by_id(entry_id)
        .filter(entry::Column::CompetitionId.eq(id))
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("entry", entry_id))?;
    if found.status != EntryStatus::Submitted {
        return Err(JuryError::from(rules::PrecheckError::NotSubmitted).into());
    }
    let before = precheck::Entity::find_by_id(entry_id).one(&txn).await?;
    let previous = before.as_ref().map(precheck::Model::verdict).transpose()?;
    let unchanged = before.as_ref().is_some_and(|b| {
        previous == Some(decision.verdict) && b.remark == remark && b.jury_note == jury_note
    });
    if unchanged {
        txn.rollback().await?;
        return Ok(before.expect("checked above"));
    }
    let row = precheck::ActiveModel {
        entry_id: Set(entry_id),
        competition_id: Set(id),
        verdict: Set(decision.verdict.as_str().to_owned()),
        reason: Set(decision.verdict.reason()),
        remark: Set(remark.clone()),
        jury_note: Set(jury_note.clone()),
        decided_by: Set(manager.actor().user_id()),
        decided_at: Set(now),
    };
    precheck::Entity::insert(row)
        .on_conflict(
            OnConflict::column(precheck::Column::EntryId)
                .update_columns([
                    precheck::Column::Verdict,
                    precheck::Column::Reason,
                    precheck::Column::Remark,
                    precheck::Column::JuryNote,
                    precheck::Column::DecidedBy,
                    precheck::Column::DecidedAt,
                ])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "entry.prechecked", "entry", entry_id)
            .details(json!({
                "verdict": decision.verdict.as_str(),
                "reason": decision.verdict.reason().map(|r| r.as_str()),
                "previous": previous.map(|v| v.as_str()),
                "jury_note": jury_note,
            }))
            .reason(Some(remark.as_str()).filter(|r| !r.is_empty())),
    )
    .await?;
    let newly_excluded = match (previous, decision.verdict) {
        (Some(Verdict::Excluded(_)), Verdict::Excluded(_)) => false,
        (_, Verdict::Excluded(_)) => true,
        _ => false,
    };
    if let (true, Verdict::Excluded(reason)) = (newly_excluded, decision.verdict)
        && let Some(author) = entries::author_of(&txn, entry_id).await?
        && let Some(person) = user::Entity::find_by_id(author.user_id).one(&txn).await?
    {
        let programme = programmes::find(&txn, competition.programme_id).await?;
        let locale = person.locale.as_str();
        outbox::enqueue(
            &txn,
            now,
            &DomainEvent::EntryExcluded {
                entry_id,
                mail: PersonalMail {
                    email: person.email.clone(),
                    locale: locale.to_owned(),
                    competition_id: Some(id),
                    context: json!({
                        "competition": competition_facts(&competition, &programme, locale, public_url),
                        "entry_title": found.title,
                        "receipt_number": found.receipt_number,
                        "reason": reason.label().get(locale),
                        "remark": remark,
                    }),
                },
            },
        )
        .await?;
    }
    let saved = precheck::Entity::find_by_id(entry_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("pre-check", entry_id))?;
    txn.commit().await?;
    Ok(saved)
}

/// Admits every submitted entry of the competition that has no verdict yet, in
/// one transaction; returns how many.
pub async fn admit_the_rest(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let id = manager.competition_id();
    let txn = crate::services::begin_write(db).await?;
    let (competition, settings) = locked(&txn, id).await?;
    rules::may_decide(competition.state, settings.scoring_started_at.is_some())
        .map_err(JuryError::from)?;
    let mut admitted = 0;
    let mut after = 0;
    loop {
        let open = undecided(&txn, id, after, 500).await?;
        let Some(last) = open.last() else { break };
        after = *last;
        for entry_id in open {
            precheck::Entity::insert(precheck::ActiveModel {
                entry_id: Set(entry_id),
                competition_id: Set(id),
                verdict: Set(Verdict::Admitted.as_str().to_owned()),
                reason: Set(None),
                remark: Set(String::new()),
                jury_note: Set(String::new()),
                decided_by: Set(manager.actor().user_id()),
                decided_at: Set(now),
            })
            .exec(&txn)
            .await?;
            admitted += 1;
        }
    }
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "jury.rest_admitted", "competition", id)
            .details(json!({ "admitted": admitted })),
    )
    .await?;
    txn.commit().await?;
    Ok(admitted)
}

/// Submitted entries after `after` (by id) without a verdict.
async fn undecided(
    conn: &impl ConnectionTrait,
    competition_id: i64,
    after: i64,
    limit: u64,
) -> Result<Vec<i64>, ServiceError> {
    use sea_orm::sea_query::Query;
    let decided = Query::select()
        .column(precheck::Column::EntryId)
        .from(precheck::Entity)
        .and_where(precheck::Column::CompetitionId.eq(competition_id))
        .to_owned();
    Ok(entry::Entity::find()
        .select_only()
        .column(entry::Column::Id)
        .filter(entry::Column::CompetitionId.eq(competition_id))
        .filter(entry::Column::Status.eq(EntryStatus::Submitted))
        .filter(entry::Column::Id.gt(after))
        .filter(entry::Column::Id.not_in_subquery(decided))
        .order_by_asc(entry::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?)
}

/// The verdicts of the given entries (staff's list shows them beside each).
pub async fn verdicts(
    conn: &impl ConnectionTrait,
    manager: &Manager,
    entry_ids: &[i64],
) -> Result<Vec<precheck::Model>, ServiceError> {
    let mut all = Vec::new();
    for chunk in entry_ids.chunks(500) {
        all.extend(
            precheck::Entity::find()
                .filter(precheck::Column::CompetitionId.eq(manager.competition_id()))
                .filter(precheck::Column::EntryId.is_in(chunk.to_vec()))
                .all(conn)
                .await?,
        );
    }
    Ok(all)
}

/// The pre-check report of a competition: admitted, excluded per reason, open.
pub async fn report(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<Report, ServiceError> {
    let submitted = entry::Entity::find()
        .filter(entry::Column::CompetitionId.eq(competition_id))
        .filter(entry::Column::Status.eq(EntryStatus::Submitted))
        .count(conn)
        .await?;
    let rows: Vec<(
        String,
        Option<crate::domain::jury::precheck::ExclusionReason>,
        i64,
    )> = precheck::Entity::find()
        .select_only()
        .column(precheck::Column::Verdict)
        .column(precheck::Column::Reason)
        .column_as(precheck::Column::EntryId.count(), "n")
        .filter(precheck::Column::CompetitionId.eq(competition_id))
        .group_by(precheck::Column::Verdict)
        .group_by(precheck::Column::Reason)
        .into_tuple()
        .all(conn)
        .await?;
    let mut verdicts = Vec::new();
    for (verdict, reason, n) in rows {
        let one = match (verdict.as_str(), reason) {
            ("admitted", None) => Verdict::Admitted,
            ("excluded", Some(reason)) => Verdict::Excluded(reason),
            (other, _) => {
                return Err(ServiceError::Corrupt(format!(
                    "prechecks: verdict `{other}`"
                )));
            }
        };
        verdicts.push((one, u64::try_from(n).unwrap_or(0)));
    }
    Ok(Report::from_counts(submitted, &verdicts))
}
