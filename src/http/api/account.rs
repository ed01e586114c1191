//! The caller's own account: who am I, personal API tokens, data export, deletion.

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::auth::UserAuth;
use super::models::Role;
use super::responses::{Answer, Created, NoContent};
use crate::app::AppState;
use crate::entities::{api_token, user};
use crate::http::problem::ApiProblem;
use crate::services::identity::api_tokens;
use crate::services::users;

pub struct AccountApi {
    pub state: AppState,
}

/// A person's account.
#[derive(Debug, Object)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// When they last signed in; never if null.
    #[oai(nullable)]
    pub last_signed_in_at: Option<DateTime<Utc>>,
    /// Set while an administrator has deactivated the account.
    #[oai(nullable)]
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Organisation, company or school (set by administrators for jurors).
    #[oai(nullable)]
    pub organisation: Option<String>,
}

impl From<user::Model> for Account {
    fn from(m: user::Model) -> Self {
        Self {
            id: m.id,
            email: m.email,
            display_name: m.display_name,
            role: m.role.into(),
            created_at: m.created_at,
            last_signed_in_at: m.last_signed_in_at,
            deactivated_at: m.deactivated_at,
            organisation: m.organisation,
        }
    }
}

/// A personal API token (its value is shown only when created).
#[derive(Debug, Object)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    #[oai(nullable)]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for ApiToken {
    fn from(m: api_token::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            created_at: m.created_at,
            revoked_at: m.revoked_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewApiToken {
    /// What the token is for, e.g. "Auswertungs-Skript".
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: String,
}

/// A new token with its value, shown this once.
#[derive(Debug, Object)]
pub struct CreatedApiToken {
    pub token: ApiToken,
    /// Send as `Authorization: Bearer <value>`. Not retrievable later.
    pub value: String,
}

#[OpenApi(tag = "ApiTags::Account")]
impl AccountApi {
    /// The caller's account.
    #[oai(path = "/me", method = "get")]
    async fn me(&self, auth: UserAuth) -> Result<Answer<Account>, ApiProblem> {
        Ok(Answer::Ok(Json(auth.0.into())))
    }

    /// The caller's API tokens.
    ///
    /// Answer: The caller's tokens.
    #[oai(path = "/me/tokens", method = "get")]
    async fn tokens(&self, auth: UserAuth) -> Result<Answer<Vec<ApiToken>>, ApiProblem> {
        let found = api_tokens::tokens(&self.state.db, auth.0.id).await?;
        Ok(Answer::Ok(Json(
            found.into_iter().map(Into::into).collect(),
        )))
    }

    /// Create a personal API token; its value is in this answer only.
    ///
    /// Answer: The token was created; its value is shown only now.
    #[oai(path = "/me/tokens", method = "post")]
    async fn create_token(
        &self,
        auth: UserAuth,
        body: Json<NewApiToken>,
    ) -> Result<Created<CreatedApiToken>, ApiProblem> {
        let (token, value) =
            api_tokens::create_token(&self.state.db, auth.0.id, self.state.now(), &body.0.name)
                .await?;
        Ok(Created::New(Json(CreatedApiToken {
            token: token.into(),
            value,
        })))
    }

    /// Revoke one of the caller's tokens.
    ///
    /// Answer: The token no longer works.
    #[oai(path = "/me/tokens/:id", method = "delete")]
    async fn revoke_token(&self, auth: UserAuth, id: Path<i64>) -> Result<NoContent, ApiProblem> {
        api_tokens::revoke_token(&self.state.db, auth.0.id, self.state.now(), id.0).await?;
        Ok(NoContent::Done)
    }

    /// Download everything stored about the caller (GDPR).
    ///
    /// Answer: Everything stored about the caller.
    #[oai(path = "/me/export", method = "get")]
    async fn export(&self, auth: UserAuth) -> Result<Answer<serde_json::Value>, ApiProblem> {
        Ok(Answer::Ok(Json(
            users::export(&self.state.db, auth.0.id).await?,
        )))
    }

    /// Delete the caller's account (GDPR).
    ///
    /// Answer: The account is deleted; its personal data is gone.
    #[oai(path = "/me", method = "delete")]
    async fn delete(&self, auth: UserAuth) -> Result<NoContent, ApiProblem> {
        users::delete(&self.state.db, self.state.now(), auth.0.id).await?;
        Ok(NoContent::Done)
    }
}
