//! HTTP: the JSON API under `/api`, public pages, health checks. Handlers are thin:
//! parse, call a service, map the result.

pub mod api;
mod body_limit;
mod health;
pub mod pages;
pub mod problem;

use poem::http::StatusCode;
use poem::middleware::{CatchPanic, RequestId, ReuseId, SetHeader, Tracing};
use poem::{Endpoint, EndpointExt, IntoResponse, Response, Route, get, handler};

use crate::app::AppState;

const STYLESHEET: &str = include_str!("../../templates/static/app.css");

#[handler]
fn stylesheet() -> Response {
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header("cache-control", "public, max-age=3600")
        .body(STYLESHEET)
}

/// The whole application as one endpoint.
pub fn routes(state: AppState) -> impl Endpoint {
    let api = api::service(state.clone());
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    let api = api
        .around(body_limit::limit_body)
        .catch_all_error(problem::from_poem_error);

    let page_state = state.clone();
    let pages = Route::new()
        .at("/", get(pages::home_page))
        .at("/wettbewerbe/:slug", get(pages::competition_page))
        .at("/static/app.css", get(stylesheet))
        .at("/benachrichtigung", poem::post(pages::subscribe))
        .at(
            "/benachrichtigung/bestaetigen",
            get(pages::confirm_form).post(pages::confirm_subscription),
        )
        .at(
            "/benachrichtigung/abmelden",
            get(pages::unsubscribe_form).post(pages::unsubscribe),
        )
        .with(
            SetHeader::new()
                .overriding(
                    "content-security-policy",
                    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
                ),
        )
        .catch_all_error(move |err: poem::Error| {
            let state = page_state.clone();
            async move {
                let lang = pages::i18n::Lang::De;
                pages::page_error(&state.pages, lang, err).await
            }
        });

    Route::new()
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/api/openapi.json", spec)
        .nest("/api/docs", docs)
        .nest("/api", api)
        .nest("/", pages)
        .data(state)
        .with(
            SetHeader::new()
                .overriding("x-content-type-options", "nosniff")
                .overriding("referrer-policy", "strict-origin-when-cross-origin")
                .overriding("x-frame-options", "DENY"),
        )
        .with(CatchPanic::new().with_handler(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
        .with(Tracing)
        .with(RequestId::default().reuse_id(ReuseId::Ignore))
}
