//! Competitions and their lifecycle.

use chrono::{DateTime, SubsecRound, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::auth::{AdminAuth, StaffAuth};
use super::models::{
    AuditEntry, Competition, NewCompetition, TransitionRequest, UpdateCompetition,
};
use super::prepared::PreparedJson;
use super::responses::{Answer, Created, NoContent};
use crate::app::AppState;
use crate::domain::{Money, TransitionCommand};
use crate::entities::competition;
use crate::http::problem::ApiProblem;
use crate::services::{ServiceError, competitions, coordinators, lifecycle};
use poem_openapi::types::ToJSON;

pub struct CompetitionsApi {
    pub state: AppState,
}

#[derive(ApiResponse)]
pub enum ListPublicCompetitionsResponse {
    /// Competitions in programme order.
    #[oai(status = 200)]
    Ok(PreparedJson<Vec<Competition>>),
}

/// Deadlines are kept to the second.
fn second(at: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    at.map(|at| at.trunc_subsecs(0))
}

fn money(cents: i64) -> Result<Money, ServiceError> {
    Money::from_cents(cents)
        .map_err(|err| ServiceError::invalid("prize_money_cents", err.to_string()))
}

impl CompetitionsApi {
    fn view(&self, model: competition::Model) -> Result<Competition, ServiceError> {
        Competition::from_model(model, self.state.now())
    }

    fn views(&self, models: Vec<competition::Model>) -> Result<Vec<Competition>, ServiceError> {
        models.into_iter().map(|m| self.view(m)).collect()
    }
}

#[OpenApi(tag = "ApiTags::Competitions")]
impl CompetitionsApi {
    /// Let a coordinator manage this competition (administrators).
    #[oai(path = "/admin/competitions/:id/coordinators/:user_id", method = "put")]
    async fn assign_coordinator(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        user_id: Path<i64>,
    ) -> Result<NoContent, ApiProblem> {
        coordinators::assign(&self.state.db, &auth.0, self.state.now(), id.0, user_id.0).await?;
        Ok(NoContent::Done)
    }

    /// Stop a coordinator managing this competition (administrators).
    #[oai(
        path = "/admin/competitions/:id/coordinators/:user_id",
        method = "delete"
    )]
    async fn unassign_coordinator(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        user_id: Path<i64>,
    ) -> Result<NoContent, ApiProblem> {
        coordinators::unassign(&self.state.db, &auth.0, self.state.now(), id.0, user_id.0).await?;
        Ok(NoContent::Done)
    }

    /// List the public competitions (all but drafts).
    #[oai(path = "/competitions", method = "get")]
    async fn list(&self) -> Result<ListPublicCompetitionsResponse, ApiProblem> {
        let catalogue = self.state.catalogue.get(&self.state.db).await?;
        let body = catalogue.rendered("api:competitions", || {
            let all = catalogue
                .competitions()
                .map(|placed| placed.competition.clone())
                .collect();
            self.views(all).map(|views| views.to_json_string())
        })?;
        Ok(ListPublicCompetitionsResponse::Ok(PreparedJson::new(body)))
    }

    /// List all competitions including drafts (administrators).
    ///
    /// Answer: Competitions in programme order.
    #[oai(path = "/admin/competitions", method = "get")]
    async fn list_all(&self, _auth: AdminAuth) -> Result<Answer<Vec<Competition>>, ApiProblem> {
        let all = competitions::list(&self.state.db, true).await?;
        Ok(Answer::Ok(Json(self.views(all)?)))
    }

    /// Get a public competition.
    ///
    /// Answer: The competition.
    #[oai(path = "/competitions/:id", method = "get")]
    async fn get(&self, id: Path<i64>) -> Result<Answer<Competition>, ApiProblem> {
        let found = competitions::find(&self.state.db, id.0).await?;
        if !found.state.is_public() {
            return Err(ServiceError::not_found("competition", id.0).into());
        }
        Ok(Answer::Ok(Json(self.view(found)?)))
    }

    /// Create a competition as a draft in a phase (administrators).
    ///
    /// Answer: The competition was created as a draft.
    #[oai(path = "/competitions", method = "post")]
    async fn create(
        &self,
        auth: AdminAuth,
        body: Json<NewCompetition>,
    ) -> Result<Created<Competition>, ApiProblem> {
        let body = body.0;
        let new = competitions::NewCompetition {
            phase_id: body.phase_id,
            slug: body.slug,
            target_group: body.target_group,
            headline: body.headline,
            aim: body.aim,
            description: body.description,
            eligibility_note: body.eligibility_note,
            opens_at: second(body.opens_at),
            closes_at: second(body.closes_at),
            prize_money: money(body.prize_money_cents)?,
            entry_form: body
                .entry_form
                .map(entry_form)
                .transpose()?
                .unwrap_or_default(),
        };
        let created = competitions::create(&self.state.db, &auth.0, self.state.now(), new).await?;
        self.state.changed();
        Ok(Created::New(Json(self.view(created)?)))
    }

    /// Change a competition (administrators). While it is open, the deadline can
    /// only be extended.
    ///
    /// Answer: The competition was changed.
    #[oai(path = "/competitions/:id", method = "patch")]
    async fn update(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<UpdateCompetition>,
    ) -> Result<Answer<Competition>, ApiProblem> {
        let manager = auth.manager(&self.state.db, id.0).await?;
        let body = body.0;
        let changes = competitions::CompetitionChanges {
            target_group: body.target_group,
            headline: body.headline,
            aim: body.aim,
            description: body.description,
            eligibility_note: body.eligibility_note,
            opens_at: second(body.opens_at),
            closes_at: second(body.closes_at),
            prize_money: body.prize_money_cents.map(money).transpose()?,
            entry_form: body.entry_form.map(entry_form).transpose()?,
        };
        let updated =
            competitions::update(&self.state.db, &manager, self.state.now(), changes).await?;
        self.state.changed();
        Ok(Answer::Ok(Json(self.view(updated)?)))
    }

    /// Move a competition through its lifecycle (administrators). An illegal move
    /// answers 409 naming the current state and the allowed next states.
    ///
    /// Answer: The competition moved to its new state.
    #[oai(path = "/competitions/:id/transitions", method = "post")]
    async fn transition(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<TransitionRequest>,
    ) -> Result<Answer<Competition>, ApiProblem> {
        let manager = auth.manager(&self.state.db, id.0).await?;
        let body = body.0;
        let command = TransitionCommand {
            event: body.event.into(),
            reason: body.reason,
            force: body.force,
            new_closes_at: second(body.closes_at),
        };
        let moved =
            lifecycle::transition(&self.state.db, &manager, self.state.now(), command).await?;
        self.state.changed();
        Ok(Answer::Ok(Json(self.view(moved)?)))
    }

    /// The audit trail of a competition (administrators).
    ///
    /// Answer: The audit trail, oldest first.
    #[oai(path = "/competitions/:id/history", method = "get")]
    async fn history(
        &self,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> Result<Answer<Vec<AuditEntry>>, ApiProblem> {
        let manager = auth.manager(&self.state.db, id.0).await?;
        let entries = competitions::history(&self.state.db, &manager).await?;
        Ok(Answer::Ok(Json(
            entries
                .into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_, _>>()?,
        )))
    }
}

/// An entry form from the request body, or what is wrong with it.
fn entry_form(
    value: serde_json::Value,
) -> Result<crate::domain::entry_form::EntryForm, ServiceError> {
    serde_json::from_value(value).map_err(|err| {
        ServiceError::invalid("entry_form", format!("not a valid entry form: {err}"))
    })
}
