//! Prizes of a competition, their award to entries after the jury's decision,
//! and the budget overview (rules in [`crate::domain::prizes`]).
//!
//! An award and the sums it is checked against are read and written in one
//! transaction that first locks the programme's row: two staff members, or two
//! app instances on one PostgreSQL database, award one after the other, so the
//! second sees the first's award and no pool or budget is ever exceeded. (On
//! SQLite the write transaction's lock does the same.)

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::json;

use super::audit::{self, AuditRecord};
use super::authorization::{Admin, Manager};
use super::jury::ranking;
use super::{ServiceError, competitions, db, programmes};
use crate::domain::CompetitionState;
use crate::domain::jury::scoring::Basis;
use crate::domain::money::Money;
use crate::domain::prizes::{self, Limits, Placed, PrizeError, PrizeSpec, Suggested};
use crate::entities::{award, competition, phase, precheck, prize, programme};

/// A stored prize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prize {
    pub id: i64,
    pub spec: PrizeSpec,
}

fn prize_of(row: &prize::Model) -> Result<Prize, ServiceError> {
    Ok(Prize {
        id: row.id,
        spec: PrizeSpec {
            tier: row.tier,
            kind: row.kind,
            label: row.label.clone(),
            value: Money::from_cents(row.value_cents)
                .map_err(|_| ServiceError::Corrupt(format!("prizes {}: value", row.id)))?,
        },
    })
}

/// The competition's prizes in their listed order.
pub async fn prizes(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<Prize>, ServiceError> {
    prize::Entity::find()
        .filter(prize::Column::CompetitionId.eq(id))
        .order_by_asc(prize::Column::Position)
        .all(conn)
        .await?
        .iter()
        .map(prize_of)
        .collect()
}

/// The prizes may change until the first is awarded, and not after the
/// announcement.
fn may_define(state: CompetitionState) -> Result<(), ServiceError> {
    match state {
        CompetitionState::Announced | CompetitionState::Archived | CompetitionState::Cancelled => {
            Err(ServiceError::Prize(PrizeError::Fixed(state)))
        }
        _ => Ok(()),
    }
}

/// Awards are made after the jury's decision and before the announcement.
fn may_award(state: CompetitionState) -> Result<(), ServiceError> {
    match state {
        CompetitionState::Decided => Ok(()),
        other => Err(ServiceError::Prize(PrizeError::NotDecided(other))),
    }
}

/// Sets the competition's prizes (staff), replacing the listed ones; refused
/// once a prize is awarded.
pub async fn set_prizes(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    specs: Vec<PrizeSpec>,
) -> Result<Vec<Prize>, ServiceError> {
    let id = manager.competition_id();
    let txn = db::begin_write(db).await?;
    let competition = locked_competition(&txn, id).await?;
    may_define(competition.state)?;
    prizes::check_prizes(competition.prize_money()?, &specs)?;
    let awarded = award::Entity::find()
        .filter(award::Column::CompetitionId.eq(id))
        .filter(award::Column::WithdrawnAt.is_null())
        .count(&txn)
        .await?;
    if awarded > 0 {
        return Err(ServiceError::Prize(PrizeError::Awarded));
    }
    // Withdrawn awards keep their prize: such a prize stays and is updated.
    let kept: Vec<i64> = award::Entity::find()
        .filter(award::Column::CompetitionId.eq(id))
        .select_only()
        .column(award::Column::PrizeId)
        .distinct()
        .into_tuple()
        .all(&txn)
        .await?;
    prize::Entity::delete_many()
        .filter(prize::Column::CompetitionId.eq(id))
        .filter(prize::Column::Id.is_not_in(kept.clone()))
        .exec(&txn)
        .await?;
    // Positions move out of the way first (they are unique per competition).
    for prize_id in &kept {
        prize::Entity::update_many()
            .col_expr(
                prize::Column::Position,
                sea_orm::sea_query::Expr::value(-(*prize_id as i32).abs() - 1000),
            )
            .filter(prize::Column::Id.eq(*prize_id))
            .exec(&txn)
            .await?;
    }
    let mut reuse = kept.into_iter();
    for (position, spec) in specs.iter().enumerate() {
        let row = prize::ActiveModel {
            competition_id: Set(id),
            position: Set(position as i32 + 1),
            tier: Set(spec.tier),
            kind: Set(spec.kind),
            label: Set(spec.label.trim().to_owned()),
            value_cents: Set(spec.value.cents()),
            ..Default::default()
        };
        match reuse.next() {
            Some(prize_id) => {
                prize::Entity::update(prize::ActiveModel {
                    id: Set(prize_id),
                    ..row
                })
                .exec(&txn)
                .await?;
            }
            None => {
                prize::Entity::insert(row).exec(&txn).await?;
            }
        }
    }
    // Prizes of withdrawn awards beyond the new list stay as they were named,
    // at the end (never deleted while an award row points to them).
    for (extra, prize_id) in reuse.enumerate() {
        prize::Entity::update_many()
            .col_expr(
                prize::Column::Position,
                sea_orm::sea_query::Expr::value((specs.len() + extra) as i32 + 1),
            )
            .filter(prize::Column::Id.eq(prize_id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "prizes.set", "competition", id).details(json!({
            "prizes": specs.iter().map(|p| json!({
                "tier": p.tier.as_str(),
                "kind": p.kind.as_str(),
                "label": p.label.trim(),
                "value_cents": p.value.cents(),
            })).collect::<Vec<_>>(),
        })),
    )
    .await?;
    let stored = prizes(&txn, id).await?;
    txn.commit().await?;
    Ok(stored)
}

async fn locked_competition(
    txn: &impl ConnectionTrait,
    id: i64,
) -> Result<competition::Model, ServiceError> {
    db::lock_row::<competition::Entity>(txn, id).await?;
    competitions::find(txn, id).await
}

/// Competition `id` with its programme's row locked, then its own (the order
/// every award and withdrawal takes, so none waits on another in reverse), and
/// in the state that allows awards.
async fn locked_for_awards(
    txn: &impl ConnectionTrait,
    id: i64,
) -> Result<competition::Model, ServiceError> {
    let competition = competitions::find(txn, id).await?;
    db::lock_row::<programme::Entity>(txn, competition.programme_id).await?;
    let competition = locked_competition(txn, id).await?;
    may_award(competition.state)?;
    Ok(competition)
}

/// The sum of the awards' amounts as BIGINT on both engines (PostgreSQL sums
/// BIGINT as NUMERIC).
fn summed() -> sea_orm::sea_query::SimpleExpr {
    summed_cents("amount_cents")
}

/// The sum of a cents column as BIGINT on both engines.
pub(crate) fn summed_cents(column: &str) -> sea_orm::sea_query::SimpleExpr {
    sea_orm::sea_query::Expr::cust(format!("CAST(SUM({column}) AS BIGINT)"))
}

/// What the active awards add up to, in cents, under `filter`.
pub(crate) async fn awarded_sum(
    conn: &impl ConnectionTrait,
    column: award::Column,
    id: i64,
) -> Result<Money, ServiceError> {
    let total: Option<Option<i64>> = award::Entity::find()
        .select_only()
        .column_as(summed(), "total")
        .filter(column.eq(id))
        .filter(award::Column::WithdrawnAt.is_null())
        .into_tuple()
        .one(conn)
        .await?;
    let cents = total.flatten().unwrap_or(0);
    Money::from_cents(cents).map_err(|_| ServiceError::Corrupt(format!("awards: sum {cents}")))
}

/// The limits an award of competition `c` is checked against, as they stand.
async fn limits(
    conn: &impl ConnectionTrait,
    c: &competition::Model,
    programme: &programme::Model,
) -> Result<Limits, ServiceError> {
    Ok(Limits {
        pool: c.prize_money()?,
        awarded_in_pool: awarded_sum(conn, award::Column::CompetitionId, c.id).await?,
        budget: programme.budget()?,
        awarded_in_programme: awarded_sum(conn, award::Column::ProgrammeId, programme.id)
            .await?
            .checked_add(super::overall::awarded(conn, programme.id).await?)
            .ok_or_else(|| ServiceError::Corrupt("awards: sum".into()))?,
    })
}

/// The suggested awards of a decided competition: its ranking (entries still
/// in after the rounds) and its prizes.
pub async fn suggestion(
    db: &DatabaseConnection,
    id: i64,
) -> Result<Vec<(Prize, i64, String, Money)>, ServiceError> {
    let listed = prizes(db, id).await?;
    let specs: Vec<PrizeSpec> = listed.iter().map(|p| p.spec.clone()).collect();
    let ranked = ranking::ranking(db, id).await?;
    let kennzahlen: HashMap<i64, String> = ranked
        .entries
        .iter()
        .map(|e| (e.entry_id, e.kennzahl.clone()))
        .collect();
    let placed: Vec<Placed> = ranked
        .entries
        .iter()
        .filter(|e| e.out_in_round.is_none())
        .map(|e| Placed {
            entry: e.entry_id,
            key: match ranked.basis {
                Basis::Raw => [e.result.mean, e.result.median, e.result.sheets as f64],
                Basis::Normalised => [e.result.normalised, e.result.mean, e.result.sheets as f64],
            },
        })
        .collect();
    Ok(prizes::suggest(&specs, &placed)
        .into_iter()
        .map(
            |Suggested {
                 prize,
                 entry,
                 amount,
             }| {
                (
                    listed[prize].clone(),
                    entry,
                    kennzahlen.get(&entry).cloned().unwrap_or_default(),
                    amount,
                )
            },
        )
        .collect())
}

/// The admitted entry of the manager's competition with this Kennzahl.
pub async fn admitted_entry(
    db: &DatabaseConnection,
    manager: &Manager,
    kennzahl: &str,
) -> Result<Option<i64>, ServiceError> {
    use crate::entities::entry;
    let found: Option<i64> = entry::Entity::find()
        .select_only()
        .column(entry::Column::Id)
        .filter(entry::Column::CompetitionId.eq(manager.competition_id()))
        .filter(entry::Column::Kennzahl.eq(kennzahl.trim()))
        .into_tuple()
        .one(db)
        .await?;
    let Some(id) = found else {
        return Ok(None);
    };
    let admitted = precheck::Entity::find_by_id(id)
        .filter(precheck::Column::Verdict.eq("admitted"))
        .one(db)
        .await?;
    Ok(admitted.map(|_| id))
}

/// What staff ask to award.
#[derive(Debug, Clone)]
pub struct AwardRequest {
    pub prize_id: i64,
    pub entry_id: i64,
    /// None: the suggested amount, or the prize's value if none is suggested.
    pub amount: Option<Money>,
    pub reason: String,
}

/// Awards a prize to an admitted entry of the decided competition, within the
/// pool and the budget (see the module). Anything but the suggestion needs a
/// reason.
pub async fn award(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    request: AwardRequest,
) -> Result<award::Model, ServiceError> {
    let id = manager.competition_id();
    // The suggestion is read before the write: it depends on the locked-in
    // ranking only, which cannot change while the competition is decided.
    let suggested = suggestion(db, id).await?;
    let txn = db::begin_write(db).await?;
    let competition = locked_for_awards(&txn, id).await?;
    let programme = programmes::find(&txn, competition.programme_id).await?;
    let prize = prize::Entity::find_by_id(request.prize_id)
        .filter(prize::Column::CompetitionId.eq(id))
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("prize", request.prize_id))?;
    let prize = prize_of(&prize)?;
    let admitted = precheck::Entity::find_by_id(request.entry_id)
        .filter(precheck::Column::CompetitionId.eq(id))
        .filter(precheck::Column::Verdict.eq("admitted"))
        .one(&txn)
        .await?;
    if admitted.is_none() {
        return Err(ServiceError::not_found("admitted entry", request.entry_id));
    }
    let proposal = suggested
        .iter()
        .find(|(p, entry, _, _)| p.id == prize.id && *entry == request.entry_id)
        .map(|(_, _, _, amount)| *amount);
    let amount = request.amount.or(proposal).unwrap_or(prize.spec.value);
    let reason = request.reason.trim();
    if proposal != Some(amount) && reason.is_empty() {
        return Err(ServiceError::Prize(PrizeError::ReasonMissing));
    }
    prizes::check_award(&limits(&txn, &competition, &programme).await?, amount)?;
    let already = award::Entity::find()
        .filter(award::Column::PrizeId.eq(prize.id))
        .filter(award::Column::EntryId.eq(request.entry_id))
        .filter(award::Column::WithdrawnAt.is_null())
        .one(&txn)
        .await?;
    if already.is_some() {
        return Err(ServiceError::Prize(PrizeError::AlreadyAwarded));
    }
    let inserted = award::Entity::insert(award::ActiveModel {
        programme_id: Set(programme.id),
        competition_id: Set(id),
        prize_id: Set(prize.id),
        entry_id: Set(request.entry_id),
        amount_cents: Set(amount.cents()),
        reason: Set(reason.to_owned()),
        awarded_by: Set(Some(manager.person().id)),
        awarded_at: Set(now),
        withdrawn_by: Set(None),
        withdrawn_at: Set(None),
        withdrawal_reason: Set(None),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "prize.awarded", "entry", request.entry_id)
            .reason((!reason.is_empty()).then_some(reason))
            .details(json!({
                "award": inserted.last_insert_id,
                "prize": prize.id,
                "tier": prize.spec.tier.as_str(),
                "amount_cents": amount.cents(),
                "suggested_cents": proposal.map(Money::cents),
            })),
    )
    .await?;
    let stored = award::Entity::find_by_id(inserted.last_insert_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("award", inserted.last_insert_id))?;
    txn.commit().await?;
    Ok(stored)
}

/// Withdraws an award (staff), with a reason; the money is free again.
pub async fn withdraw(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    award_id: i64,
    reason: &str,
) -> Result<award::Model, ServiceError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ServiceError::Prize(PrizeError::WithdrawalReason));
    }
    let id = manager.competition_id();
    let txn = db::begin_write(db).await?;
    locked_for_awards(&txn, id).await?;
    let found = award::Entity::find_by_id(award_id)
        .filter(award::Column::CompetitionId.eq(id))
        .filter(award::Column::WithdrawnAt.is_null())
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("award", award_id))?;
    award::Entity::update(award::ActiveModel {
        id: Set(found.id),
        withdrawn_by: Set(Some(manager.person().id)),
        withdrawn_at: Set(Some(now)),
        withdrawal_reason: Set(Some(reason.to_owned())),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(manager.actor(), "prize.withdrawn", "entry", found.entry_id)
            .reason(Some(reason))
            .details(json!({ "award": found.id, "amount_cents": found.amount_cents })),
    )
    .await?;
    let stored = award::Entity::find_by_id(found.id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("award", found.id))?;
    txn.commit().await?;
    Ok(stored)
}

/// The competition's awards, active first, each with its entry's Kennzahl and
/// title.
pub async fn awards(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<Vec<(award::Model, String, String)>, ServiceError> {
    let rows = award::Entity::find()
        .filter(award::Column::CompetitionId.eq(id))
        .order_by_asc(award::Column::WithdrawnAt.is_not_null())
        .order_by_asc(award::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|a| a.entry_id).collect();
    let mut names: HashMap<i64, (String, String)> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(i64, Option<String>, String)> = crate::entities::entry::Entity::find()
            .select_only()
            .column(crate::entities::entry::Column::Id)
            .column(crate::entities::entry::Column::Kennzahl)
            .column(crate::entities::entry::Column::Title)
            .filter(crate::entities::entry::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        for (entry, kennzahl, title) in found {
            names.insert(entry, (kennzahl.unwrap_or_default(), title));
        }
    }
    Ok(rows
        .into_iter()
        .map(|a| {
            let (kennzahl, title) = names.get(&a.entry_id).cloned().unwrap_or_default();
            (a, kennzahl, title)
        })
        .collect())
}

/// A line of the budget overview: planned (the prize money), awarded, left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetRow {
    pub id: i64,
    pub name: String,
    pub planned: Money,
    pub awarded: Money,
    pub remaining: Money,
}

/// The budget overview of a programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetOverview {
    pub programme: BudgetRow,
    /// Per phase, in order.
    pub phases: Vec<BudgetRow>,
    /// Per competition, by phase and then by id; `id` is the competition's.
    pub competitions: Vec<(i64, BudgetRow)>,
    /// The overall placement's pool, when it has places (`id` is the
    /// programme's).
    pub overall: Option<BudgetRow>,
}

/// Planned, awarded and remaining per competition, per phase and for the
/// programme (staff).
pub async fn overview(
    db: &DatabaseConnection,
    _admin: &Admin,
    programme_id: i64,
) -> Result<BudgetOverview, ServiceError> {
    let txn = db.begin().await?;
    let programme = programmes::find(&txn, programme_id).await?;
    let phases = phase::Entity::find()
        .filter(phase::Column::ProgrammeId.eq(programme_id))
        .order_by_asc(phase::Column::Number)
        .all(&txn)
        .await?;
    let all = competition::Entity::find()
        .filter(competition::Column::ProgrammeId.eq(programme_id))
        .order_by_asc(competition::Column::Id)
        .all(&txn)
        .await?;
    let sums: Vec<(i64, Option<i64>)> = award::Entity::find()
        .select_only()
        .column(award::Column::CompetitionId)
        .column_as(summed(), "total")
        .filter(award::Column::ProgrammeId.eq(programme_id))
        .filter(award::Column::WithdrawnAt.is_null())
        .group_by(award::Column::CompetitionId)
        .into_tuple()
        .all(&txn)
        .await?;
    let overall_pool = super::overall::pool(&txn, programme_id).await?.cents();
    let overall_given = super::overall::awarded(&txn, programme_id).await?.cents();
    txn.commit().await?;
    let awarded: HashMap<i64, i64> = sums.into_iter().map(|(c, s)| (c, s.unwrap_or(0))).collect();
    let money = |cents: i64| Money::from_cents(cents.max(0)).unwrap_or(Money::ZERO);
    let row = |id: i64, name: String, planned: i64, given: i64, limit: i64| BudgetRow {
        id,
        name,
        planned: money(planned),
        awarded: money(given),
        remaining: money(limit - given),
    };
    let mut competitions = Vec::new();
    let mut per_phase: HashMap<i64, (i64, i64)> = HashMap::new();
    for c in &all {
        let planned = c.prize_money_cents;
        let given = awarded.get(&c.id).copied().unwrap_or(0);
        let sums = per_phase.entry(c.phase_id).or_default();
        sums.0 += planned;
        sums.1 += given;
        competitions.push((
            c.phase_id,
            row(c.id, c.full_name(), planned, given, planned),
        ));
    }
    competitions.sort_by_key(|(phase, r)| {
        (
            phases
                .iter()
                .position(|p| p.id == *phase)
                .unwrap_or(usize::MAX),
            r.id,
        )
    });
    let phase_rows = phases
        .iter()
        .map(|p| {
            let (planned, given) = per_phase.get(&p.id).copied().unwrap_or((0, 0));
            row(p.id, p.name.clone(), planned, given, planned)
        })
        .collect();
    let planned: i64 = all.iter().map(|c| c.prize_money_cents).sum::<i64>() + overall_pool;
    let given: i64 = awarded.values().sum::<i64>() + overall_given;
    let overall = (overall_pool > 0).then(|| {
        row(
            programme.id,
            "Gesamtwertung".to_owned(),
            overall_pool,
            overall_given,
            overall_pool,
        )
    });
    Ok(BudgetOverview {
        overall,
        programme: row(
            programme.id,
            programme.name.clone(),
            planned,
            given,
            programme.budget_cents,
        ),
        phases: phase_rows,
        competitions,
    })
}
