//! Accounts for administrators: invite staff and jurors, change roles.

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::account::Account;
use super::auth::AdminAuth;
use super::models::Role as RoleName;
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
    pub role: Option<String>,
    /// A juror's organisation, company or school (compared with entrants' for
    /// likely conflicts of interest); empty clears it.
    #[oai(validator(max_length = 200))]
    pub organisation: Option<String>,
}

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// List accounts (administrators), oldest first, optionally by role or by part
    /// of the name or address. At most `limit` (1,000 unless fewer are asked for):
    /// for the next ones ask again with `after` set to the last id received.
    ///
    /// Answer: The accounts.
    #[oai(path = "/admin/users", method = "get")]
    async fn list(
        &self,
        auth: AdminAuth,
        role: Query<Option<RoleName>>,
        /// Part of the name or email address.
        #[oai(validator(max_length = 200))]
        q: Query<Option<String>>,
        /// Only accounts with a greater id (the last id of the previous answer).
        after: Query<Option<i64>>,
        /// How many accounts at most (1 to 1,000; 1,000 if not given).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
    ) -> Result<Answer<Vec<Account>>, ApiProblem> {
        let filter = users::PeopleFilter {
            role: role.0.map(Into::into),
            query: q.0,
        };
        let found = users::page(
            &self.state.db,
            &auth.0,
            &filter,
            after.0,
            limit.0.unwrap_or(1000),
        )
        .await?;
        Ok(Answer::Ok(Json(
            found.into_iter().map(Into::into).collect(),
        )))
    }

    /// Deactivate an account (administrators): its sessions end and its API tokens
    /// stop working at once; it keeps its entries. The last administrator cannot
    /// be deactivated. Deactivating a deactivated account changes nothing.
    ///
    /// Answer: The account, deactivated.
    #[oai(path = "/admin/users/:id/deactivation", method = "put")]
    async fn deactivate(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> Result<Answer<Account>, ApiProblem> {
        let done = users::deactivate(&self.state.db, &auth.0, self.state.now(), id.0).await?;
        Ok(Answer::Ok(Json(done.into())))
    }

    /// Reactivate a deactivated account (administrators).
    ///
    /// Answer: The account, working again.
    #[oai(path = "/admin/users/:id/deactivation", method = "delete")]
    async fn reactivate(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> Result<Answer<Account>, ApiProblem> {
        let done = users::reactivate(&self.state.db, &auth.0, self.state.now(), id.0).await?;
        Ok(Answer::Ok(Json(done.into())))
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

    /// Change someone's role or organisation (administrators).
    ///
    /// Answer: The account as changed.
    #[oai(path = "/admin/users/:id", method = "patch")]
    async fn set_role(
        &self,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<RoleChange>,
    ) -> Result<Answer<Account>, ApiProblem> {
        let (db, now) = (&self.state.db, self.state.now());
        let body = body.0;
        if body.role.is_none() && body.organisation.is_none() {
            return Err(crate::services::ServiceError::invalid(
                "role",
                "name the new `role`, the `organisation`, or both",
            )
            .into());
        }
        let mut updated = None;
        if let Some(role) = &body.role {
            let role = users::parse_role(role)?;
            updated = Some(users::set_role(db, &auth.0, now, id.0, role).await?);
        }
        if let Some(organisation) = &body.organisation {
            updated = Some(users::set_organisation(db, &auth.0, now, id.0, organisation).await?);
        }
        let updated = updated.expect("one of them was given");
        Ok(Answer::Ok(Json(updated.into())))
    }
}
