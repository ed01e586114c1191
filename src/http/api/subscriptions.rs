//! "Notify me" subscriptions.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::app::AppState;
use crate::domain::email_address::EmailAddress;
use crate::http::problem::ApiProblem;
use crate::http::rate_limit;
use crate::services::{ServiceError, subscriptions};

pub struct SubscriptionsApi {
    pub state: AppState,
}

/// Ask to be notified about a programme, or one competition of it.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewSubscription {
    #[oai(validator(min_length = 3, max_length = 254))]
    pub email: String,
    /// `de` (default) or `en`.
    #[oai(default = "default_locale", validator(pattern = "^(de|en)$"))]
    pub locale: String,
    pub programme_id: i64,
    /// Only this competition; all of the programme's when absent.
    #[oai(nullable)]
    pub competition_id: Option<i64>,
}

fn default_locale() -> String {
    "de".to_owned()
}

#[derive(ApiResponse)]
pub enum SubscribeResponse {
    /// A confirmation email is on its way (the same answer for addresses already
    /// subscribed).
    #[oai(status = 202)]
    Accepted,
}

#[OpenApi(tag = "ApiTags::Subscriptions")]
impl SubscriptionsApi {
    /// Subscribe to notifications; confirmed by a link sent by email.
    #[oai(path = "/subscriptions", method = "post")]
    async fn subscribe(
        &self,
        req: &poem::Request,
        body: Json<NewSubscription>,
    ) -> Result<SubscribeResponse, ApiProblem> {
        self.state
            .admit(rate_limit::PUBLIC_FORM, req)
            .map_err(|wait| ServiceError::RateLimited {
                retry_after_seconds: wait,
            })?;
        let body = body.0;
        let request = subscriptions::SubscriptionRequest {
            email: EmailAddress::parse(&body.email)?,
            locale: body.locale,
            programme_id: body.programme_id,
            competition_id: body.competition_id,
        };
        subscriptions::request(
            &self.state.db,
            self.state.now(),
            &self.state.settings.server.public_url,
            request,
        )
        .await?;
        self.state.queued();
        Ok(SubscribeResponse::Accepted)
    }
}
