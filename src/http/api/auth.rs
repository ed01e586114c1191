//! Bearer-token authentication for staff operations.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::app::AppState;
use crate::domain::roles::Role;
use crate::entities::user;
use crate::services::Actor;
use crate::services::accounts;

/// An administrator's API token: `Authorization: Bearer iw_…`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "admin_from_token")]
pub struct AdminAuth(user::Model);

impl AdminAuth {
    pub fn actor(&self) -> Actor {
        Actor::User(self.0.id)
    }
}

/// Any signed-up person's API token: `Authorization: Bearer iw_…`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "user_from_token")]
pub struct UserAuth(pub user::Model);

async fn user_from_token(req: &Request, bearer: Bearer) -> poem::Result<user::Model> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::INTERNAL_SERVER_ERROR))?;
    match accounts::authenticate(&state.db, &bearer.token).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(poem::Error::from_status(
            poem::http::StatusCode::UNAUTHORIZED,
        )),
        Err(err) => {
            tracing::error!(error = %err, "token check failed");
            Err(poem::Error::from_status(
                poem::http::StatusCode::INTERNAL_SERVER_ERROR,
            ))
        }
    }
}

/// An administrator's or coordinator's API token; which competitions a
/// coordinator may manage is checked per operation.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "staff_from_token")]
pub struct StaffAuth(pub user::Model);

impl StaffAuth {
    pub fn actor(&self) -> Actor {
        Actor::User(self.0.id)
    }
}

async fn staff_from_token(req: &Request, bearer: Bearer) -> poem::Result<user::Model> {
    let user = user_from_token(req, bearer).await?;
    if user.role == Role::Admin || user.role == crate::domain::roles::Role::Coordinator {
        Ok(user)
    } else {
        Err(poem::Error::from_string(
            "this operation needs an administrator or coordinator",
            poem::http::StatusCode::FORBIDDEN,
        ))
    }
}

async fn admin_from_token(req: &Request, bearer: Bearer) -> poem::Result<user::Model> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::INTERNAL_SERVER_ERROR))?;
    let user = accounts::authenticate(&state.db, &bearer.token)
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "token check failed");
            poem::Error::from_status(poem::http::StatusCode::INTERNAL_SERVER_ERROR)
        })?;
    match user {
        Some(user) if user.role == Role::Admin => Ok(user),
        Some(_) => Err(poem::Error::from_string(
            "this operation needs an administrator",
            poem::http::StatusCode::FORBIDDEN,
        )),
        None => Err(poem::Error::from_status(
            poem::http::StatusCode::UNAUTHORIZED,
        )),
    }
}
