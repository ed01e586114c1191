//! Programmes and their phases.

use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::ApiTags;
use super::auth::AdminAuth;
use super::models::{NewPhase, NewProgramme, Phase, Programme, UpdatePhase, UpdateProgramme};
use super::responses::{Answer, Created};
use crate::app::AppState;
use crate::domain::Money;
use crate::http::problem::ApiProblem;
use crate::services::{ServiceError, programmes};

pub struct ProgrammesApi {
    pub state: AppState,
}

fn money(field: &'static str, cents: i64) -> Result<Money, ServiceError> {
    Money::from_cents(cents).map_err(|err| ServiceError::invalid(field, err.to_string()))
}

#[OpenApi(tag = "ApiTags::Programmes")]
impl ProgrammesApi {
    /// List programmes.
    ///
    /// Answer: All programmes.
    #[oai(path = "/programmes", method = "get")]
    async fn list(&self) -> Result<Answer<Vec<Programme>>, ApiProblem> {
        let all = programmes::list(&self.state.db).await?;
        Ok(Answer::Ok(Json(
            all.into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_, _>>()?,
        )))
    }

    /// Get a programme.
    ///
    /// Answer: The programme.
    #[oai(path = "/programmes/:id", method = "get")]
    async fn get(&self, id: Path<i64>) -> Result<Answer<Programme>, ApiProblem> {
        let found = programmes::find(&self.state.db, id.0).await?;
        Ok(Answer::Ok(Json(found.try_into()?)))
    }

    /// Create a programme (administrators).
    ///
    /// Answer: The programme was created.
    #[oai(path = "/programmes", method = "post")]
    async fn create(
        &self,
        auth: AdminAuth,
        body: Json<NewProgramme>,
    ) -> Result<Created<Programme>, ApiProblem> {
        let body = body.0;
        let new = programmes::NewProgramme {
            slug: body.slug,
            name: body.name,
            description: body.description,
            budget: money("budget_cents", body.budget_cents)?,
            goals: body.goals,
        };
        let created = programmes::create(&self.state.db, &auth.0, self.state.now(), new).await?;
        self.state.changed();
        Ok(Created::New(Json(created.try_into()?)))
    }

    /// Change a programme's name, description, budget or goals (administrators).
    ///
    /// Answer: The programme was changed.
    #[oai(path = "/programmes/:id", method = "patch")]
    async fn update(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<UpdateProgramme>,
    ) -> Result<Answer<Programme>, ApiProblem> {
        let body = body.0;
        let changes = programmes::ProgrammeChanges {
            name: body.name,
            description: body.description,
            budget: body
                .budget_cents
                .map(|c| money("budget_cents", c))
                .transpose()?,
            goals: body.goals,
        };
        let updated =
            programmes::update(&self.state.db, &auth.0, self.state.now(), id.0, changes).await?;
        self.state.changed();
        Ok(Answer::Ok(Json(updated.try_into()?)))
    }

    /// List a programme's phases.
    ///
    /// Answer: The programme's phases in order.
    #[oai(path = "/programmes/:id/phases", method = "get")]
    async fn list_phases(&self, id: Path<i64>) -> Result<Answer<Vec<Phase>>, ApiProblem> {
        let phases = programmes::list_phases(&self.state.db, id.0).await?;
        Ok(Answer::Ok(Json(
            phases.into_iter().map(Into::into).collect(),
        )))
    }

    /// Add a phase to a programme (administrators).
    ///
    /// Answer: The phase was created.
    #[oai(path = "/programmes/:id/phases", method = "post")]
    async fn create_phase(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<NewPhase>,
    ) -> Result<Created<Phase>, ApiProblem> {
        let new = programmes::NewPhase {
            number: body.0.number,
            name: body.0.name,
        };
        let created =
            programmes::create_phase(&self.state.db, &auth.0, self.state.now(), id.0, new).await?;
        self.state.changed();
        Ok(Created::New(Json(created.into())))
    }

    /// Rename or renumber a phase (administrators).
    ///
    /// Answer: The phase was changed.
    #[oai(path = "/phases/:id", method = "patch")]
    async fn update_phase(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<UpdatePhase>,
    ) -> Result<Answer<Phase>, ApiProblem> {
        let changes = programmes::PhaseChanges {
            number: body.0.number,
            name: body.0.name,
        };
        let updated =
            programmes::update_phase(&self.state.db, &auth.0, self.state.now(), id.0, changes)
                .await?;
        self.state.changed();
        Ok(Answer::Ok(Json(updated.into())))
    }
}
