//! Prizes, their award after the jury's decision, and the budget overview.

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::ApiTags;
use super::auth::{AdminAuth, StaffAuth};
use super::responses::{Answer, Created};
use crate::app::AppState;
use crate::domain::money::Money;
use crate::domain::prizes::{PrizeKind as DomainKind, PrizeSpec, Tier as DomainTier};
use crate::http::api::models::api_enum;
use crate::http::problem::ApiProblem;
use crate::services::ServiceError;
use crate::services::prizes::{self, AwardRequest, BudgetRow};

pub struct PrizesApi {
    pub state: AppState,
}

api_enum! {
    /// A place among the prizes: `first`, `second`, `third`, an `honourable`
    /// mention, or a `special` prize (given by choice, not by place).
    Tier mirrors DomainTier { First, Second, Third, Honourable, Special }
}

api_enum! {
    /// What a prize is: `cash`, a shopping `voucher`, a `grant` for equipment or
    /// a class fund, or an `event` such as a party for the class. All count
    /// against the prize money at their value.
    PrizeKind mirrors DomainKind { Cash, Voucher, Grant, Event }
}

/// A prize as staff define it.
#[derive(Debug, Clone, Object)]
pub struct PrizeBody {
    pub tier: Tier,
    pub kind: PrizeKind,
    /// What it is, in a few words.
    pub label: String,
    /// Its value in euro cents.
    pub value_cents: i64,
}

/// The competition's list of prizes, replacing the stored one.
#[derive(Debug, Clone, Object)]
pub struct PrizesBody {
    pub prizes: Vec<PrizeBody>,
}

/// A stored prize.
#[derive(Debug, Clone, Object)]
pub struct PrizeAnswer {
    pub id: i64,
    pub tier: Tier,
    pub kind: PrizeKind,
    pub label: String,
    pub value_cents: i64,
}

/// A suggested award, from the ranking and the tiers (ties share evenly).
#[derive(Debug, Clone, Object)]
pub struct SuggestedAward {
    pub prize_id: i64,
    pub entry_id: i64,
    pub kennzahl: String,
    pub amount_cents: i64,
}

/// A prize awarded to an entry.
#[derive(Debug, Clone, Object)]
pub struct AwardAnswer {
    pub id: i64,
    pub prize_id: i64,
    pub entry_id: i64,
    pub kennzahl: String,
    pub title: String,
    pub amount_cents: i64,
    /// Why it differs from the suggestion (empty when it follows it).
    pub reason: String,
    pub awarded_at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub withdrawn_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub withdrawal_reason: Option<String>,
}

/// A competition's prizes, the suggestion and the awards, with its pool.
#[derive(Debug, Clone, Object)]
pub struct PrizesAnswer {
    /// The competition's prize money, in cents.
    pub pool_cents: i64,
    /// What its active awards add up to.
    pub awarded_cents: i64,
    pub remaining_cents: i64,
    pub prizes: Vec<PrizeAnswer>,
    /// Empty until the jury has decided.
    pub suggestion: Vec<SuggestedAward>,
    pub awards: Vec<AwardAnswer>,
}

/// Award a prize to an entry.
#[derive(Debug, Clone, Object)]
pub struct AwardBody {
    pub prize_id: i64,
    pub entry_id: i64,
    /// Omit for the suggested amount (or the prize's value).
    pub amount_cents: Option<i64>,
    /// Required when the award differs from the suggestion.
    pub reason: Option<String>,
}

/// Withdraw an award.
#[derive(Debug, Clone, Object)]
pub struct WithdrawalBody {
    pub reason: String,
}

/// Planned (the prize money), awarded and remaining.
#[derive(Debug, Clone, Object)]
pub struct BudgetLineAnswer {
    pub id: i64,
    pub name: String,
    pub planned_cents: i64,
    pub awarded_cents: i64,
    pub remaining_cents: i64,
}

impl From<&BudgetRow> for BudgetLineAnswer {
    fn from(row: &BudgetRow) -> Self {
        Self {
            id: row.id,
            name: row.name.clone(),
            planned_cents: row.planned.cents(),
            awarded_cents: row.awarded.cents(),
            remaining_cents: row.remaining.cents(),
        }
    }
}

/// The budget overview of a programme; the programme's `remaining` is left of
/// its budget, a competition's or phase's of its prize money.
#[derive(Debug, Clone, Object)]
pub struct BudgetAnswer {
    pub budget_cents: i64,
    pub programme: BudgetLineAnswer,
    pub phases: Vec<BudgetLineAnswer>,
    pub competitions: Vec<BudgetLineAnswer>,
    /// The overall placement's own pool, when it has places.
    #[oai(skip_serializing_if_is_none)]
    pub overall: Option<BudgetLineAnswer>,
}

fn money(field: &'static str, cents: i64) -> Result<Money, ServiceError> {
    Money::from_cents(cents).map_err(|err| ServiceError::invalid(field, err.to_string()))
}

impl PrizesApi {
    async fn answer(&self, id: i64) -> Result<PrizesAnswer, ServiceError> {
        let db = &self.state.db;
        let competition = crate::services::competitions::find(db, id).await?;
        let listed = prizes::prizes(db, id).await?;
        let suggestion = if competition.state == crate::domain::CompetitionState::Decided {
            prizes::suggestion(db, id).await?
        } else {
            Vec::new()
        };
        let awards = prizes::awards(db, id).await?;
        let pool = competition.prize_money()?.cents();
        let awarded: i64 = awards
            .iter()
            .filter(|(a, _, _)| a.withdrawn_at.is_none())
            .map(|(a, _, _)| a.amount_cents)
            .sum();
        Ok(PrizesAnswer {
            pool_cents: pool,
            awarded_cents: awarded,
            remaining_cents: (pool - awarded).max(0),
            prizes: listed
                .into_iter()
                .map(|p| PrizeAnswer {
                    id: p.id,
                    tier: p.spec.tier.into(),
                    kind: p.spec.kind.into(),
                    label: p.spec.label,
                    value_cents: p.spec.value.cents(),
                })
                .collect(),
            suggestion: suggestion
                .into_iter()
                .map(|(prize, entry_id, kennzahl, amount)| SuggestedAward {
                    prize_id: prize.id,
                    entry_id,
                    kennzahl,
                    amount_cents: amount.cents(),
                })
                .collect(),
            awards: awards
                .into_iter()
                .map(|(a, kennzahl, title)| AwardAnswer {
                    id: a.id,
                    prize_id: a.prize_id,
                    entry_id: a.entry_id,
                    kennzahl,
                    title,
                    amount_cents: a.amount_cents,
                    reason: a.reason,
                    awarded_at: a.awarded_at,
                    withdrawn_at: a.withdrawn_at,
                    withdrawal_reason: a.withdrawal_reason,
                })
                .collect(),
        })
    }
}

#[OpenApi(tag = "ApiTags::Prizes")]
impl PrizesApi {
    /// The competition's prizes, the suggestion from the ranking, and the
    /// awards (staff of the competition).
    #[oai(path = "/competitions/:id/prizes", method = "get")]
    async fn prizes(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<PrizesAnswer>, ApiProblem> {
        let manager = auth.manager(&self.state.db, id.0).await?;
        Ok(Answer::Ok(Json(
            self.answer(manager.competition_id()).await?,
        )))
    }

    /// Replace the competition's prizes; together they never promise more than
    /// its prize money (422), and they are fixed once one is awarded (409).
    #[oai(path = "/competitions/:id/prizes", method = "put")]
    async fn set_prizes(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<PrizesBody>,
    ) -> Result<Answer<PrizesAnswer>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let specs = body
            .0
            .prizes
            .into_iter()
            .map(|p| {
                Ok(PrizeSpec {
                    tier: p.tier.into(),
                    kind: p.kind.into(),
                    label: p.label,
                    value: money("value_cents", p.value_cents)?,
                })
            })
            .collect::<Result<Vec<_>, ServiceError>>()?;
        prizes::set_prizes(db, &manager, self.state.now(), specs).await?;
        Ok(Answer::Ok(Json(self.answer(id.0).await?)))
    }

    /// Award a prize to an admitted entry of a decided competition. Refused
    /// with 409 and `remaining_cents` when it would exceed the competition's
    /// prize money or the programme's budget, even under concurrent awards.
    #[oai(path = "/competitions/:id/awards", method = "post")]
    async fn award(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<AwardBody>,
    ) -> Result<Created<PrizesAnswer>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        let body = body.0;
        let amount = body
            .amount_cents
            .map(|cents| money("amount_cents", cents))
            .transpose()?;
        prizes::award(
            db,
            &manager,
            self.state.now(),
            AwardRequest {
                prize_id: body.prize_id,
                entry_id: body.entry_id,
                amount,
                reason: body.reason.unwrap_or_default(),
            },
        )
        .await?;
        Ok(Created::New(Json(self.answer(id.0).await?)))
    }

    /// Withdraw an award, with a reason (audited); its money is free again.
    #[oai(
        path = "/competitions/:id/awards/:award_id/withdrawal",
        method = "post"
    )]
    async fn withdraw(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        award_id: Path<i64>,
        body: Json<WithdrawalBody>,
    ) -> Result<Answer<PrizesAnswer>, ApiProblem> {
        let db = &self.state.db;
        let manager = auth.manager(db, id.0).await?;
        prizes::withdraw(db, &manager, self.state.now(), award_id.0, &body.0.reason).await?;
        Ok(Answer::Ok(Json(self.answer(id.0).await?)))
    }

    /// The programme's budget: planned, awarded and remaining per competition,
    /// per phase and in all (administrators).
    #[oai(path = "/programmes/:id/budget", method = "get")]
    async fn budget(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> Result<Answer<BudgetAnswer>, ApiProblem> {
        let overview = prizes::overview(&self.state.db, &auth.0, id.0).await?;
        let programme = crate::services::programmes::find(&self.state.db, id.0).await?;
        Ok(Answer::Ok(Json(BudgetAnswer {
            budget_cents: programme.budget_cents,
            programme: (&overview.programme).into(),
            phases: overview.phases.iter().map(Into::into).collect(),
            competitions: overview
                .competitions
                .iter()
                .map(|(_, r)| r.into())
                .collect(),
            overall: overview.overall.as_ref().map(Into::into),
        })))
    }
}
