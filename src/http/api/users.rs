//! Accounts for administrators: invite staff and jurors, change roles.

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::account::Account;
use super::auth::AdminAuth;
use crate::app::AppState;
use crate::domain::email_address::EmailAddress;
use crate::http::problem::ApiProblem;
use crate::services::users;

pub struct UsersApi {
    pub state: AppState,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Invitation {
    #[oai(validator(min_length = 3, max_length = 254))]
    pub email: String,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub display_name: String,
    /// `admin`, `coordinator` or `juror`.
    #[oai(validator(pattern = "^(admin|coordinator|juror)$"))]
    pub role: String,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct RoleChange {
    #[oai(validator(pattern = "^(admin|coordinator|juror|entrant)$"))]
    pub role: String,
}

#[derive(ApiResponse)]
pub enum ListUsersResponse {
    /// Every account.
    #[oai(status = 200)]
    Ok(Json<Vec<Account>>),
}

#[derive(ApiResponse)]
pub enum InviteResponse {
    /// The account exists and an invitation email is queued.
    #[oai(status = 201)]
    Created(Json<Account>),
}

#[derive(ApiResponse)]
pub enum RoleResponse {
    /// The role was changed.
    #[oai(status = 200)]
    Ok(Json<Account>),
}

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// List accounts (administrators).
    #[oai(path = "/admin/users", method = "get")]
    async fn list(&self, auth: AdminAuth) -> Result<ListUsersResponse, ApiProblem> {
        let all = users::list(&self.state.db, &auth.0).await?;
        Ok(ListUsersResponse::Ok(Json(
            all.into_iter().map(Into::into).collect(),
        )))
    }

    /// Invite a staff member or juror by email (administrators).
    #[oai(path = "/admin/users", method = "post")]
    async fn invite(
        &self,
        auth: AdminAuth,
        body: Json<Invitation>,
    ) -> Result<InviteResponse, ApiProblem> {
        let body = body.0;
        let role = users::parse_role(&body.role)?;
        let state = &self.state;
        let created = users::invite(
            &state.db,
            &auth.0,
            state.now(),
            &state.settings.server.public_url,
            &EmailAddress::parse(&body.email)?,
            &body.display_name,
            role,
        )
        .await?;
        state.queued();
        Ok(InviteResponse::Created(Json(created.into())))
    }

    /// Change someone's role (administrators).
    #[oai(path = "/admin/users/:id", method = "patch")]
    async fn set_role(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<RoleChange>,
    ) -> Result<RoleResponse, ApiProblem> {
        let role = users::parse_role(&body.0.role)?;
        let updated =
            users::set_role(&self.state.db, &auth.0, self.state.now(), id.0, role).await?;
        Ok(RoleResponse::Ok(Json(updated.into())))
    }
}
