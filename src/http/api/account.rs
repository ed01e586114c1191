//! The caller's own account: who am I, personal API tokens, data export, deletion.

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::auth::UserAuth;
use super::models::Role;
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
}

impl From<user::Model> for Account {
    fn from(m: user::Model) -> Self {
        Self {
            id: m.id,
            email: m.email,
            display_name: m.display_name,
            role: m.role.into(),
            created_at: m.created_at,
        }
    }
}

/// A personal API token (its value is shown only when created).
#[derive(Debug, Object)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
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

#[derive(ApiResponse)]
pub enum MeResponse {
    /// The caller's account.
    #[oai(status = 200)]
    Ok(Json<Account>),
}

#[derive(ApiResponse)]
pub enum TokensResponse {
    /// The caller's tokens.
    #[oai(status = 200)]
    Ok(Json<Vec<ApiToken>>),
}

#[derive(ApiResponse)]
pub enum CreateTokenResponse {
    /// The token was created; its value is shown only now.
    #[oai(status = 201)]
    Created(Json<CreatedApiToken>),
}

#[derive(ApiResponse)]
pub enum RevokeTokenResponse {
    /// The token no longer works.
    #[oai(status = 204)]
    Revoked,
}

#[derive(ApiResponse)]
pub enum ExportResponse {
    /// Everything stored about the caller.
    #[oai(status = 200)]
    Ok(Json<serde_json::Value>),
}

#[derive(ApiResponse)]
pub enum DeleteAccountResponse {
    /// The account is deleted; its personal data is gone.
    #[oai(status = 204)]
    Deleted,
}

#[OpenApi(tag = "ApiTags::Account")]
impl AccountApi {
    /// The caller's account.
    #[oai(path = "/me", method = "get")]
    async fn me(&self, auth: UserAuth) -> Result<MeResponse, ApiProblem> {
        Ok(MeResponse::Ok(Json(auth.0.into())))
    }

    /// The caller's API tokens.
    #[oai(path = "/me/tokens", method = "get")]
    async fn tokens(&self, auth: UserAuth) -> Result<TokensResponse, ApiProblem> {
        let found = api_tokens::tokens(&self.state.db, auth.0.id).await?;
        Ok(TokensResponse::Ok(Json(
            found.into_iter().map(Into::into).collect(),
        )))
    }

    /// Create a personal API token; its value is in this answer only.
    #[oai(path = "/me/tokens", method = "post")]
    async fn create_token(
        &self,
        auth: UserAuth,
        body: Json<NewApiToken>,
    ) -> Result<CreateTokenResponse, ApiProblem> {
        let (token, value) =
            api_tokens::create_token(&self.state.db, auth.0.id, self.state.now(), &body.0.name)
                .await?;
        Ok(CreateTokenResponse::Created(Json(CreatedApiToken {
            token: token.into(),
            value,
        })))
    }

    /// Revoke one of the caller's tokens.
    #[oai(path = "/me/tokens/:id", method = "delete")]
    async fn revoke_token(
        &self,
        auth: UserAuth,
        id: Path<i64>,
    ) -> Result<RevokeTokenResponse, ApiProblem> {
        api_tokens::revoke_token(&self.state.db, auth.0.id, self.state.now(), id.0).await?;
        Ok(RevokeTokenResponse::Revoked)
    }

    /// Download everything stored about the caller (GDPR).
    #[oai(path = "/me/export", method = "get")]
    async fn export(&self, auth: UserAuth) -> Result<ExportResponse, ApiProblem> {
        Ok(ExportResponse::Ok(Json(
            users::export(&self.state.db, auth.0.id).await?,
        )))
    }

    /// Delete the caller's account (GDPR).
    #[oai(path = "/me", method = "delete")]
    async fn delete(&self, auth: UserAuth) -> Result<DeleteAccountResponse, ApiProblem> {
        users::delete(&self.state.db, self.state.now(), auth.0.id).await?;
        Ok(DeleteAccountResponse::Deleted)
    }
}
