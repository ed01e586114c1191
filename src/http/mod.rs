//! HTTP: the JSON API under `/api`, public pages, health checks. Handlers are thin:
//! parse, call a service, map the result.

pub mod api;
mod body_limit;
mod health;
pub mod ics;
pub mod pages;
pub mod problem;
pub mod rate_limit;
pub mod streams;

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

/// Pages may load only our own resources, run no inline script, and not be framed.
/// A page that sets a stricter policy of its own (an email preview) keeps it.
async fn page_security_policy<E: Endpoint>(next: E, req: poem::Request) -> poem::Result<Response> {
    let mut response = next.call(req).await?.into_response();
    if !response
        .headers()
        .contains_key(poem::http::header::CONTENT_SECURITY_POLICY)
    {
        response.headers_mut().insert(
            poem::http::header::CONTENT_SECURITY_POLICY,
            poem::http::HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            ),
        );
    }
    Ok(response)
}

/// Answers that carry secrets or personal data are never stored by browsers or
/// proxies: anything for a signed-in person (a session cookie or an API token) and
/// the personal areas. Answers that set their own policy keep it.
async fn personal_no_store<E: Endpoint>(next: E, req: poem::Request) -> poem::Result<Response> {
    let path = req.uri().path();
    let personal = req
        .headers()
        .contains_key(poem::http::header::AUTHORIZATION)
        || pages::session::cookie(&req, pages::session::SESSION_COOKIE).is_some()
        || [
            "/konto",
            "/verwaltung",
            "/admin",
            "/api/me",
            "/api/admin",
            "/einladung",
        ]
        .iter()
        .any(|area| path == *area || path.starts_with(&format!("{area}/")));
    let mut response = next.call(req).await?.into_response();
    if personal
        && !response
            .headers()
            .contains_key(poem::http::header::CACHE_CONTROL)
    {
        response.headers_mut().insert(
            poem::http::header::CACHE_CONTROL,
            poem::http::HeaderValue::from_static("no-store"),
        );
    }
    Ok(response)
}

/// The OpenAPI document, finished (see `api::document`).
#[handler]
fn openapi_document(document: poem::web::Data<&String>) -> Response {
    Response::builder()
        .content_type("application/json; charset=utf-8")
        .body(document.0.clone())
}

/// The whole application as one endpoint.
pub fn routes(state: AppState) -> impl Endpoint {
    let behind_tls = state.settings.server.public_url.starts_with("https://");
    let api = api::service(state.clone());
    let document = api::document(&api);
    let docs = api.swagger_ui();
    let max_file = state.settings.attachments.max_bytes;
    let contract = std::sync::Arc::new(api::contract::Contract::from_spec(&document));
    let api = api
        .around(move |ep, req| api::contract::enforce(ep, req, contract.clone()))
        .around(move |ep, req| body_limit::limit_body(ep, req, max_file))
        .catch_all_error(problem::from_poem_error);

    let page_state = state.clone();
    let pages = pages::routes()
        .at("/static/app.css", get(stylesheet))
        .around(pages::session::same_origin)
        .around(pages::layout::around)
        .around(move |ep, req| body_limit::limit_body(ep, req, max_file))
        // Errors (an unknown path, a refused body) as a page in the visitor's language.
        .around(move |ep, req| {
            let state = page_state.clone();
            async move {
                let lang = pages::i18n::Lang::find(&req, None);
                match ep.call(req).await {
                    Ok(response) => Ok(response.into_response()),
                    Err(err) => Ok(pages::page_error(&state.pages, lang, err).await),
                }
            }
        })
        // Outermost, so error pages carry the policy too.
        .around(page_security_policy);

    Route::new()
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/api/openapi.json", get(openapi_document).data(document))
        .nest(
            "/api/docs",
            // Swagger UI is one page with inline script and style: those, its own
            // document and nothing from elsewhere.
            docs.with(SetHeader::new().overriding(
                poem::http::header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                 img-src 'self' data:; connect-src 'self'; font-src 'self' data:; \
                 frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            )),
        )
        .nest("/api", api)
        .nest("/", pages)
        .data(state)
        .around(personal_no_store)
        .with(
            SetHeader::new()
                .overriding("x-content-type-options", "nosniff")
                .overriding("referrer-policy", "strict-origin-when-cross-origin")
                .overriding("x-frame-options", "DENY"),
        )
        // Browsers that reached us over HTTPS stay on HTTPS.
        .with_if(
            behind_tls,
            SetHeader::new().overriding(
                "strict-transport-security",
                "max-age=31536000; includeSubDomains",
            ),
        )
        .with(CatchPanic::new().with_handler(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
        .with(Tracing)
        .with(RequestId::default().reuse_id(ReuseId::Ignore))
}
