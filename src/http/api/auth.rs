//! Bearer-token authentication for staff operations.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::app::AppState;
use sea_orm::DatabaseConnection;

use crate::entities::user;
use crate::services::ServiceError;
use crate::services::authorization::{self, Admin, Manager, Staff};
use crate::services::identity::api_tokens;

/// An administrator's API token: `Authorization: Bearer iw_…`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "admin_from_token")]
pub struct AdminAuth(pub Admin);

/// Any signed-up person's API token: `Authorization: Bearer iw_…`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "user_from_token")]
pub struct UserAuth(pub user::Model);

async fn user_from_token(req: &Request, bearer: Bearer) -> poem::Result<user::Model> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::INTERNAL_SERVER_ERROR))?;
    match api_tokens::authenticate(&state.db, &bearer.token).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(poem::Error::from_status(
            poem::http::StatusCode::UNAUTHORIZED,
        )),
        Err(err) => Err(failed(err)),
    }
}

/// A token check that failed on our side, as the problem JSON of its cause (a
/// busy database answers 503 with Retry-After; anything else is logged, 500).
fn failed(err: ServiceError) -> poem::Error {
    use poem::IntoResponse;
    poem::Error::from_response(crate::http::problem::ApiProblem::from(err).into_response())
}

/// An administrator's or coordinator's API token; which competitions a
/// coordinator may manage is checked per operation.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "staff_from_token")]
pub struct StaffAuth(pub Staff);

impl StaffAuth {
    /// The capability to manage one competition, or a refusal.
    pub async fn manager(
        &self,
        db: &DatabaseConnection,
        competition_id: i64,
    ) -> Result<Manager, ServiceError> {
        authorization::manager(db, self.0.person(), competition_id).await
    }
}

async fn staff_from_token(req: &Request, bearer: Bearer) -> poem::Result<Staff> {
    let user = user_from_token(req, bearer).await?;
    authorization::staff(user).map_err(|refused| {
        poem::Error::from_string(refused.to_string(), poem::http::StatusCode::FORBIDDEN)
    })
}

async fn admin_from_token(req: &Request, bearer: Bearer) -> poem::Result<Admin> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::INTERNAL_SERVER_ERROR))?;
    let user = api_tokens::authenticate(&state.db, &bearer.token)
        .await
        .map_err(failed)?;
    match user {
        Some(user) => authorization::admin(user).map_err(|refused| {
            poem::Error::from_string(refused.to_string(), poem::http::StatusCode::FORBIDDEN)
        }),
        None => Err(poem::Error::from_status(
            poem::http::StatusCode::UNAUTHORIZED,
        )),
    }
}

/// A juror's API token; which panels they sit on is checked per operation.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "juror_from_token")]
pub struct JurorAuth(pub user::Model);

impl JurorAuth {
    /// The capability of a seated juror of the competition, or "not found".
    pub async fn juror(
        &self,
        db: &DatabaseConnection,
        competition_id: i64,
    ) -> Result<authorization::Juror, ServiceError> {
        authorization::juror(db, &self.0, competition_id).await
    }
}

async fn juror_from_token(req: &Request, bearer: Bearer) -> poem::Result<user::Model> {
    let user = user_from_token(req, bearer).await?;
    if user.role == crate::domain::roles::Role::Juror {
        Ok(user)
    } else {
        Err(poem::Error::from_string(
            "this operation is for jurors",
            poem::http::StatusCode::FORBIDDEN,
        ))
    }
}
