//! The sitting's rounds: the chair (or staff keeping the minutes) opens a round,
//! records per entry whether it moves on or out, by the chair's decision or by
//! the votes of the members present, and closes the round. Entries out in a
//! closed round take no further part.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use super::locked;
use crate::domain::jury::conflicts::ConflictStatus;
use crate::domain::jury::panel::PanelRole;
use crate::domain::jury::rounds::{self as rules, Outcome, RoundError, Vote};
use crate::domain::jury::{JuryError, may_score};
use crate::entities::{
    conflict, entry, jury_round, panel_member, precheck, round_decision, round_vote,
};
use crate::services::ServiceError;
use crate::services::audit::{self, AuditRecord};
use crate::services::authorization::Presiding;

/// How a round decided about an entry.
#[derive(Debug, Clone)]
pub enum Ruling {
    /// The chair decided alone.
    Chair(Outcome),
    /// The members present voted.
    Vote(Vec<Vote>),
}

async fn open_round(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<Option<jury_round::Model>, ServiceError> {
    Ok(jury_round::Entity::find()
        .filter(jury_round::Column::CompetitionId.eq(competition_id))
        .filter(jury_round::Column::ClosedAt.is_null())
        .one(conn)
        .await?)
}

/// The number of the open round, if any.
pub async fn open_number(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<Option<u32>, ServiceError> {
    Ok(open_round(conn, competition_id)
        .await?
        .map(|r| u32::try_from(r.number).unwrap_or(0)))
}

/// Opens the next round.
pub async fn open(
    db: &DatabaseConnection,
    presiding: &Presiding,
    now: DateTime<Utc>,
) -> Result<jury_round::Model, ServiceError> {
    let id = presiding.competition_id();
    let txn = crate::services::begin_write(db).await?;
    let (competition, _) = locked(&txn, id).await?;
    may_score(competition.state)?;
    if open_round(&txn, id).await?.is_some() {
        return Err(JuryError::from(RoundError::AlreadyOpen).into());
    }
    let last = jury_round::Entity::find()
        .filter(jury_round::Column::CompetitionId.eq(id))
        .order_by_desc(jury_round::Column::Number)
        .one(&txn)
        .await?
        .map_or(0, |r| r.number);
    let round = jury_round::ActiveModel {
        competition_id: Set(id),
        number: Set(last + 1),
        opened_at: Set(now),
        opened_by: Set(presiding.actor().user_id()),
        closed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(presiding.actor(), "jury.round_opened", "competition", id)
            .details(json!({ "round": round.number })),
    )
    .await?;
    txn.commit().await?;
    Ok(round)
}

/// Closes the open round.
pub async fn close(
    db: &DatabaseConnection,
    presiding: &Presiding,
    now: DateTime<Utc>,
) -> Result<jury_round::Model, ServiceError> {
    let id = presiding.competition_id();
    let txn = crate::services::begin_write(db).await?;
    locked(&txn, id).await?;
    let round = open_round(&txn, id)
        .await?
        .ok_or(JuryError::from(RoundError::NoneOpen))?;
    let mut change: jury_round::ActiveModel = round.into();
    change.closed_at = Set(Some(now));
    let round = change.update(&txn).await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(presiding.actor(), "jury.round_closed", "competition", id)
            .details(json!({ "round": round.number })),
    )
    .await?;
    txn.commit().await?;
    Ok(round)
}

/// Records the open round's decision on the entry with `kennzahl` (again:
/// the newer decision replaces the older one of the same round).
pub async fn decide(
    db: &DatabaseConnection,
    presiding: &Presiding,
    now: DateTime<Utc>,
    kennzahl: &str,
    ruling: Ruling,
    remark: &str,
) -> Result<round_decision::Model, ServiceError> {
    let id = presiding.competition_id();
    let txn = crate::services::begin_write(db).await?;
    let (competition, _) = locked(&txn, id).await?;
    may_score(competition.state)?;
    let round = open_round(&txn, id)
        .await?
        .ok_or(JuryError::from(RoundError::NoneOpen))?;
    let found = entry::Entity::find()
        .filter(entry::Column::CompetitionId.eq(id))
        .filter(entry::Column::Kennzahl.eq(kennzahl))
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("entry", kennzahl))?;
    let admitted = precheck::Entity::find_by_id(found.id)
        .one(&txn)
        .await?
        .is_some_and(|p| p.verdict == "admitted");
    if !admitted {
        return Err(ServiceError::not_found("entry", kennzahl));
    }
    let earlier: Vec<i64> = jury_round::Entity::find()
        .filter(jury_round::Column::CompetitionId.eq(id))
        .filter(jury_round::Column::Number.lt(round.number))
        .all(&txn)
        .await?
        .iter()
        .map(|r| r.id)
        .collect();
    let out_before = round_decision::Entity::find()
        .filter(round_decision::Column::RoundId.is_in(earlier))
        .filter(round_decision::Column::EntryId.eq(found.id))
        .filter(round_decision::Column::Outcome.eq(Outcome::Out.as_str()))
        .one(&txn)
        .await?
        .is_some();
    if out_before {
        return Err(JuryError::from(RoundError::AlreadyOut).into());
    }
    let seats: HashMap<i64, PanelRole> = panel_member::Entity::find()
        .filter(panel_member::Column::CompetitionId.eq(id))
        .filter(panel_member::Column::AcceptedAt.is_not_null())
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.user_id, s.role))
        .collect();
    let chair = seats
        .iter()
        .find(|(_, role)| **role == PanelRole::Chair)
        .map(|(id, _)| *id);
    let (outcome, method, pro, contra, votes) = match ruling {
        Ruling::Chair(outcome) => (outcome, "chair", 0, 0, Vec::new()),
        Ruling::Vote(votes) => {
            let kept_away: Vec<i64> = conflict::Entity::find()
                .filter(conflict::Column::EntryId.eq(found.id))
                .filter(conflict::Column::Status.ne(ConflictStatus::Dismissed))
                .all(&txn)
                .await?
                .iter()
                .map(|c| c.juror_id)
                .collect();
            if votes
                .iter()
                .any(|v| !seats.contains_key(&v.juror) || kept_away.contains(&v.juror))
            {
                return Err(JuryError::from(RoundError::NotOnPanel).into());
            }
            let (outcome, pro, contra) = rules::tally(&votes, chair).map_err(JuryError::from)?;
            (outcome, "vote", pro, contra, votes)
        }
    };
    round_decision::Entity::delete_many()
        .filter(round_decision::Column::RoundId.eq(round.id))
        .filter(round_decision::Column::EntryId.eq(found.id))
        .exec(&txn)
        .await?;
    let decision = round_decision::ActiveModel {
        round_id: Set(round.id),
        entry_id: Set(found.id),
        outcome: Set(outcome.as_str().to_owned()),
        method: Set(method.to_owned()),
        votes_for: Set(pro as i32),
        votes_against: Set(contra as i32),
        remark: Set(remark.trim().chars().take(2000).collect()),
        decided_by: Set(presiding.actor().user_id()),
        decided_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for vote in &votes {
        round_vote::ActiveModel {
            decision_id: Set(decision.id),
            juror_id: Set(vote.juror),
            in_favour: Set(vote.in_favour),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        now,
        AuditRecord::about(presiding.actor(), "jury.round_decided", "entry", found.id).details(
            json!({
                "round": round.number,
                "outcome": outcome.as_str(),
                "method": method,
                "for": pro,
                "against": contra,
                "votes": votes.iter().map(|v| json!({ "juror": v.juror, "for": v.in_favour })).collect::<Vec<_>>(),
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(decision)
}

/// A round with its decisions and their votes.
#[derive(Debug, Clone)]
pub struct RoundRecord {
    pub round: jury_round::Model,
    pub decisions: Vec<(round_decision::Model, Vec<round_vote::Model>)>,
}

/// Every round of the competition, in order.
pub async fn all(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<Vec<RoundRecord>, ServiceError> {
    let rounds = jury_round::Entity::find()
        .filter(jury_round::Column::CompetitionId.eq(competition_id))
        .order_by_asc(jury_round::Column::Number)
        .all(conn)
        .await?;
    // Three queries however many decisions and votes there are.
    let round_ids: Vec<i64> = rounds.iter().map(|r| r.id).collect();
    let mut decisions: Vec<round_decision::Model> = Vec::new();
    for chunk in round_ids.chunks(500) {
        decisions.extend(
            round_decision::Entity::find()
                .filter(round_decision::Column::RoundId.is_in(chunk.to_vec()))
                .order_by_asc(round_decision::Column::Id)
                .all(conn)
                .await?,
        );
    }
    let decision_ids: Vec<i64> = decisions.iter().map(|d| d.id).collect();
    let mut votes: std::collections::HashMap<i64, Vec<round_vote::Model>> =
        std::collections::HashMap::new();
    for chunk in decision_ids.chunks(500) {
        for vote in round_vote::Entity::find()
            .filter(round_vote::Column::DecisionId.is_in(chunk.to_vec()))
            .order_by_asc(round_vote::Column::JurorId)
            .all(conn)
            .await?
        {
            votes.entry(vote.decision_id).or_default().push(vote);
        }
    }
    let mut by_round: std::collections::HashMap<
        i64,
        Vec<(round_decision::Model, Vec<round_vote::Model>)>,
    > = std::collections::HashMap::new();
    for decision in decisions {
        let cast = votes.remove(&decision.id).unwrap_or_default();
        by_round
            .entry(decision.round_id)
            .or_default()
            .push((decision, cast));
    }
    let all = rounds
        .into_iter()
        .map(|round| RoundRecord {
            decisions: by_round.remove(&round.id).unwrap_or_default(),
            round,
        })
        .collect();
    Ok(all)
}
