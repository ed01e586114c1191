//! Accounts for administrators: invite staff and jurors, change roles.

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::account::Account;
use super::auth::AdminAuth;
use super::responses::{Answer, Created};
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

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// List accounts (administrators).
    ///
    /// Answer: Every account.
    #[oai(path = "/admin/users", method = "get")]
    async fn list(&self, auth: AdminAuth) -> Result<Answer<Vec<Account>>, ApiProblem> {
        let all = users::list(&self.state.db, &auth.0).await?;
        Ok(Answer::Ok(Json(all.into_iter().map(Into::into).collect())))
    }

    /// Invite a staff member or juror by email (administrators).
    ///
    /// Answer: The account exists and an invitation email is queued.
    #[oai(path = "/admin/users", method = "post")]
    async fn invite(
        &self,
        auth: AdminAuth,
        body: Json<Invitation>,
    ) -> Result<Created<Account>, ApiProblem> {
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
        Ok(Created::New(Json(created.into())))
    }

    /// Change someone's role (administrators).
    ///
    /// Answer: The role was changed.
    #[oai(path = "/admin/users/:id", method = "patch")]
    async fn set_role(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<RoleChange>,
    ) -> Result<Answer<Account>, ApiProblem> {
        let role = users::parse_role(&body.0.role)?;
        let updated =
            users::set_role(&self.state.db, &auth.0, self.state.now(), id.0, role).await?;
        Ok(Answer::Ok(Json(updated.into())))
    }
}
