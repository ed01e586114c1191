//! The overall placement across a programme's competitions: administrators
//! define its places (each with a prize; their values are the placement's
//! own pool, promised against the programme's budget) and award them to
//! category winners (entries holding a prize in a competition whose jury has
//! decided). Each award is checked inside its transaction with the
//! programme's row locked, like a competition's awards, so that neither the
//! pool nor the budget is exceeded by awards at once; a place goes to one
//! entry, an entry gets one place. The public sees a placement once the
//! entry's own competition has announced its results.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;

use super::audit::{self, AuditRecord};
use super::authorization::Admin;
use super::{ServiceError, db, programmes};
use crate::domain::money::Money;
use crate::domain::prizes::{self, Limits, OverallPlace, PrizeError};
use crate::entities::{award, competition, entry, overall_award, overall_place, programme};

fn money(cents: Option<Option<i64>>) -> Result<Money, ServiceError> {
    let cents = cents.flatten().unwrap_or(0);
    Money::from_cents(cents).map_err(|_| ServiceError::Corrupt(format!("overall: sum {cents}")))
}

/// The placement's pool: what its places promise.
pub async fn pool(conn: &impl ConnectionTrait, programme_id: i64) -> Result<Money, ServiceError> {
    let total: Option<Option<i64>> = overall_place::Entity::find()
        .select_only()
        .column_as(super::prizes::summed_cents("value_cents"), "total")
        .filter(overall_place::Column::ProgrammeId.eq(programme_id))
        .into_tuple()
        .one(conn)
        .await?;
    money(total)
}

/// What the placement's active awards add up to.
pub async fn awarded(
    conn: &impl ConnectionTrait,
    programme_id: i64,
) -> Result<Money, ServiceError> {
    let total: Option<Option<i64>> = overall_award::Entity::find()
        .select_only()
        .column_as(super::prizes::summed_cents("amount_cents"), "total")
        .filter(overall_award::Column::ProgrammeId.eq(programme_id))
        .filter(overall_award::Column::WithdrawnAt.is_null())
        .into_tuple()
        .one(conn)
        .await?;
    money(total)
}

/// A place with its prize and, when awarded, its entry.
#[derive(Debug, Clone)]
pub struct Standing {
    pub id: i64,
    pub spec: OverallPlace,
    pub award: Option<Placed>,
}

/// An awarded place's entry.
#[derive(Debug, Clone)]
pub struct Placed {
    pub award_id: i64,
    pub entry_id: i64,
    pub competition_id: i64,
    pub competition: String,
    pub competition_slug: String,
    /// Whether the entry's competition has announced its results.
    pub public: bool,
    pub kennzahl: String,
    pub title: String,
    pub amount: Money,
}

fn spec(row: &overall_place::Model) -> Result<OverallPlace, ServiceError> {
    Ok(OverallPlace {
        place: row.place.max(0) as u32,
        kind: row.kind,
        label: row.label.clone(),
        value: Money::from_cents(row.value_cents)
            .map_err(|_| ServiceError::Corrupt(format!("overall_places {}: value", row.id)))?,
    })
}

/// The places, by place, with what is awarded.
pub async fn standing(
    conn: &impl ConnectionTrait,
    programme_id: i64,
) -> Result<Vec<Standing>, ServiceError> {
    let places = overall_place::Entity::find()
        .filter(overall_place::Column::ProgrammeId.eq(programme_id))
        .order_by_asc(overall_place::Column::Place)
        .all(conn)
        .await?;
    let awards = overall_award::Entity::find()
        .filter(overall_award::Column::ProgrammeId.eq(programme_id))
        .filter(overall_award::Column::WithdrawnAt.is_null())
        .all(conn)
        .await?;
    let ids: Vec<i64> = awards.iter().map(|a| a.entry_id).collect();
    let entries: HashMap<i64, entry::Model> = entry::Entity::find()
        .filter(entry::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let competitions: HashMap<i64, competition::Model> = competition::Entity::find()
        .filter(competition::Column::ProgrammeId.eq(programme_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    places
        .iter()
        .map(|p| {
            let award = awards.iter().find(|a| a.place_id == p.id).and_then(|a| {
                let e = entries.get(&a.entry_id)?;
                let c = competitions.get(&e.competition_id)?;
                Some(Placed {
                    award_id: a.id,
                    entry_id: e.id,
                    competition_id: c.id,
                    competition: c.full_name(),
                    competition_slug: c.slug.clone(),
                    public: super::announcements::public(c.state),
                    kennzahl: e.kennzahl.clone().unwrap_or_default(),
                    title: e.title.clone(),
                    amount: Money::from_cents(a.amount_cents).unwrap_or_default(),
                })
            });
            Ok(Standing {
                id: p.id,
                spec: spec(p)?,
                award,
            })
        })
        .collect()
}

/// The placements the public may see: those whose competition has
/// announced its results (nothing about a winner before that).
pub async fn public(
    conn: &impl ConnectionTrait,
    programme_id: i64,
) -> Result<Vec<Standing>, ServiceError> {
    Ok(standing(conn, programme_id)
        .await?
        .into_iter()
        .filter(|s| s.award.as_ref().is_some_and(|a| a.public))
        .collect())
}

/// A category winner that may be placed.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub entry_id: i64,
    pub competition: String,
    pub kennzahl: String,
    pub title: String,
}

/// The entries holding a prize in a competition of the programme whose jury
/// has decided.
pub async fn candidates(
    conn: &impl ConnectionTrait,
    programme_id: i64,
) -> Result<Vec<Candidate>, ServiceError> {
    let competitions: HashMap<i64, competition::Model> = competition::Entity::find()
        .filter(competition::Column::ProgrammeId.eq(programme_id))
        .all(conn)
        .await?
        .into_iter()
        .filter(|c| prizes::may_place(c.state, true).is_ok())
        .map(|c| (c.id, c))
        .collect();
    let mut ids: Vec<i64> = award::Entity::find()
        .select_only()
        .column(award::Column::EntryId)
        .filter(award::Column::ProgrammeId.eq(programme_id))
        .filter(award::Column::WithdrawnAt.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    ids.sort_unstable();
    ids.dedup();
    let mut found: Vec<Candidate> = entry::Entity::find()
        .filter(entry::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|e| {
            let c = competitions.get(&e.competition_id)?;
            Some(Candidate {
                entry_id: e.id,
                competition: c.full_name(),
                kennzahl: e.kennzahl.unwrap_or_default(),
                title: e.title,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        a.competition
            .cmp(&b.competition)
            .then(a.kennzahl.cmp(&b.kennzahl))
    });
    Ok(found)
}

/// Defines the places (replacing those before), while none is awarded; the
/// new pool must fit the budget beside the competitions' prize money.
pub async fn set_places(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    programme_id: i64,
    places: Vec<OverallPlace>,
) -> Result<Vec<Standing>, ServiceError> {
    let pool = prizes::check_overall(&places)?;
    let txn = db::begin_write(db).await?;
    db::lock_row::<programme::Entity>(&txn, programme_id).await?;
    let found = programmes::find(&txn, programme_id).await?;
    if awarded(&txn, programme_id).await? > Money::ZERO {
        return Err(PrizeError::Awarded.into());
    }
    // The competitions' prize money and the new pool (it replaces the old).
    let mut promised = super::competitions::promised_prize_money(&txn, programme_id, None).await?;
    promised.push(pool);
    prizes::check_budget(found.budget()?, promised)?;
    overall_place::Entity::delete_many()
        .filter(overall_place::Column::ProgrammeId.eq(programme_id))
        .exec(&txn)
        .await?;
    for p in &places {
        overall_place::Entity::insert(overall_place::ActiveModel {
            programme_id: Set(programme_id),
            place: Set(p.place as i32),
            kind: Set(p.kind),
            label: Set(p.label.trim().to_owned()),
            value_cents: Set(p.value.cents()),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
    }
    audit::record(
        &txn,
        now,
        AuditRecord::about(
            admin.actor(),
            "overall.places_set",
            "programme",
            programme_id,
        )
        .details(json!({
            "places": places.len(),
            "pool_cents": pool.cents(),
        })),
    )
    .await?;
    let stored = standing(&txn, programme_id).await?;
    txn.commit().await?;
    Ok(stored)
}

/// Awards place `place_id` to the category winner `entry_id`, within the
/// placement's pool and the programme's budget.
pub async fn award(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    programme_id: i64,
    place_id: i64,
    entry_id: i64,
) -> Result<overall_award::Model, ServiceError> {
    let txn = db::begin_write(db).await?;
    db::lock_row::<programme::Entity>(&txn, programme_id).await?;
    let found = programmes::find(&txn, programme_id).await?;
    let place = overall_place::Entity::find_by_id(place_id)
        .filter(overall_place::Column::ProgrammeId.eq(programme_id))
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("overall place", place_id))?;
    let value = spec(&place)?.value;
    let placed_entry = entry::Entity::find_by_id(entry_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("entry", entry_id))?;
    let its_competition = super::competitions::find(&txn, placed_entry.competition_id).await?;
    if its_competition.programme_id != programme_id {
        return Err(ServiceError::not_found("entry", entry_id));
    }
    let has_prize = award::Entity::find()
        .filter(award::Column::EntryId.eq(entry_id))
        .filter(award::Column::WithdrawnAt.is_null())
        .one(&txn)
        .await?
        .is_some();
    prizes::may_place(its_competition.state, has_prize)?;
    let active = |column: overall_award::Column, id: i64| {
        overall_award::Entity::find()
            .filter(column.eq(id))
            .filter(overall_award::Column::ProgrammeId.eq(programme_id))
            .filter(overall_award::Column::WithdrawnAt.is_null())
    };
    if active(overall_award::Column::PlaceId, place_id)
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(PrizeError::PlaceTaken.into());
    }
    if active(overall_award::Column::EntryId, entry_id)
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(PrizeError::PlacedAlready.into());
    }
    let placed = awarded(&txn, programme_id).await?;
    let in_programme = super::prizes::awarded_sum(&txn, award::Column::ProgrammeId, programme_id)
        .await?
        .checked_add(placed)
        .ok_or_else(|| ServiceError::Corrupt("awards: sum".into()))?;
    let limits = Limits {
        pool: pool(&txn, programme_id).await?,
        awarded_in_pool: placed,
        budget: found.budget()?,
        awarded_in_programme: in_programme,
    };
    prizes::check_award(&limits, value)?;
    let inserted = overall_award::Entity::insert(overall_award::ActiveModel {
        programme_id: Set(programme_id),
        place_id: Set(place_id),
        entry_id: Set(entry_id),
        amount_cents: Set(value.cents()),
        awarded_by: Set(Some(admin.person().id)),
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
        AuditRecord::about(admin.actor(), "overall.awarded", "entry", entry_id).details(json!({
            "award": inserted.last_insert_id,
            "place": place.place,
            "amount_cents": value.cents(),
        })),
    )
    .await?;
    let stored = overall_award::Entity::find_by_id(inserted.last_insert_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("overall award", inserted.last_insert_id))?;
    txn.commit().await?;
    Ok(stored)
}

/// Withdraws an awarded place, with a reason (audited); the place is free.
pub async fn withdraw(
    db: &DatabaseConnection,
    admin: &Admin,
    now: DateTime<Utc>,
    programme_id: i64,
    award_id: i64,
    reason: &str,
) -> Result<(), ServiceError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(PrizeError::WithdrawalReason.into());
    }
    let txn = db::begin_write(db).await?;
    db::lock_row::<programme::Entity>(&txn, programme_id).await?;
    let found = overall_award::Entity::find_by_id(award_id)
        .filter(overall_award::Column::ProgrammeId.eq(programme_id))
        .filter(overall_award::Column::WithdrawnAt.is_null())
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("overall award", award_id))?;
    overall_award::Entity::update_many()
        .col_expr(overall_award::Column::WithdrawnAt, Expr::value(now))
        .col_expr(
            overall_award::Column::WithdrawnBy,
            Expr::value(admin.person().id),
        )
        .col_expr(overall_award::Column::WithdrawalReason, Expr::value(reason))
        .filter(overall_award::Column::Id.eq(found.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(admin.actor(), "overall.withdrawn", "entry", found.entry_id)
            .reason(Some(reason))
            .details(json!({ "award": found.id, "amount_cents": found.amount_cents })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
