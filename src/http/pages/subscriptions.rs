//! Subscribing to notifications from a page, confirming, and unsubscribing.
//! Confirmation and unsubscribe links open a page with a button (a mail scanner that
//! follows links changes nothing); mail clients' one-click unsubscribe posts directly.

use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response, handler};
use poem::{Route, get, post};
use serde::Deserialize;

use super::i18n::Lang;
use crate::app::AppState;
use crate::domain::email_address::EmailAddress;
use crate::http::rate_limit;
use crate::services::{ServiceError, subscriptions};

#[derive(Deserialize)]
pub struct SubscribeForm {
    email: String,
    programme_id: i64,
    competition_id: Option<i64>,
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct TokenParams {
    token: Option<String>,
    lang: Option<String>,
}

fn internal(err: ServiceError) -> poem::Error {
    poem::Error::new(err, StatusCode::INTERNAL_SERVER_ERROR)
}

#[handler]
pub async fn subscribe(
    req: &Request,
    form: Form<SubscribeForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = Lang::find(req, form.lang.as_deref());
    if let Err(wait) = state.admit(rate_limit::PUBLIC_FORM, req) {
        return Ok(super::session::too_many(&state, lang, wait));
    }
    let requested = async {
        let request = subscriptions::SubscriptionRequest {
            email: EmailAddress::parse(&form.email)?,
            locale: lang.code().to_owned(),
            programme_id: form.programme_id,
            competition_id: form.competition_id,
        };
        subscriptions::request(
            &state.db,
            state.now(),
            &state.settings.server.public_url,
            request,
        )
        .await
    };
    match requested.await {
        Ok(()) => {
            state.queued();
            Ok(state.pages.notice(
                lang,
                StatusCode::OK,
                "subscribe_sent_title",
                "subscribe_sent_text",
            ))
        }
        Err(ServiceError::Invalid { .. }) => Ok(state.pages.notice(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "subscribe_invalid_title",
            "subscribe_invalid_text",
        )),
        Err(ServiceError::NotFound { .. }) => Ok(state.pages.message(lang, StatusCode::NOT_FOUND)),
        Err(err) => Err(internal(err)),
    }
}

#[handler]
pub fn confirm_form(req: &Request, params: Query<TokenParams>, state: Data<&AppState>) -> Response {
    let lang = Lang::find(req, params.lang.as_deref());
    let keys = ["confirm_title", "confirm_text", "confirm_button"];
    state.pages.action(
        lang,
        keys,
        "/benachrichtigung/bestaetigen",
        params.token.as_deref().unwrap_or_default(),
    )
}

#[handler]
pub async fn confirm_subscription(
    req: &Request,
    form: Form<TokenParams>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = Lang::find(req, form.lang.as_deref());
    match subscriptions::confirm(
        &state.db,
        state.now(),
        form.token.as_deref().unwrap_or_default(),
    )
    .await
    {
        Ok(()) => Ok(state
            .pages
            .notice(lang, StatusCode::OK, "confirmed_title", "confirmed_text")),
        Err(ServiceError::NotFound { .. }) => Ok(state.pages.notice(
            lang,
            StatusCode::NOT_FOUND,
            "link_invalid_title",
            "link_invalid_text",
        )),
        Err(err) => Err(internal(err)),
    }
}

#[handler]
pub fn unsubscribe_form(
    req: &Request,
    params: Query<TokenParams>,
    state: Data<&AppState>,
) -> Response {
    let lang = Lang::find(req, params.lang.as_deref());
    let keys = [
        "unsubscribe_title",
        "unsubscribe_text",
        "unsubscribe_button",
    ];
    state.pages.action(
        lang,
        keys,
        "/benachrichtigung/abmelden",
        params.token.as_deref().unwrap_or_default(),
    )
}

/// The page's button, and RFC 8058 one-click requests (token in the query).
#[handler]
pub async fn unsubscribe(
    req: &Request,
    query: Query<TokenParams>,
    form: Form<TokenParams>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = Lang::find(req, form.lang.as_deref());
    let token = form
        .token
        .as_deref()
        .or(query.token.as_deref())
        .unwrap_or_default();
    match subscriptions::unsubscribe(&state.db, state.now(), token).await {
        Ok(()) => Ok(state.pages.notice(
            lang,
            StatusCode::OK,
            "unsubscribed_title",
            "unsubscribed_text",
        )),
        Err(ServiceError::NotFound { .. }) => Ok(state.pages.notice(
            lang,
            StatusCode::NOT_FOUND,
            "link_invalid_title",
            "link_invalid_text",
        )),
        Err(err) => Err(internal(err)),
    }
}

/// "Notify me": subscribing, confirming, unsubscribing.
pub(super) fn routes(route: Route) -> Route {
    route
        .at("/benachrichtigung", post(subscribe))
        .at(
            "/benachrichtigung/bestaetigen",
            get(confirm_form).post(confirm_subscription),
        )
        .at(
            "/benachrichtigung/abmelden",
            get(unsubscribe_form).post(unsubscribe),
        )
}
