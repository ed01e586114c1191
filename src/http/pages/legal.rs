//! The pages a German public site must have: Impressum, Datenschutzerklärung,
//! Erklärung zur Barrierefreiheit (BITV 2.0) and the explanation in Leichte
//! Sprache, made from the `[site]` table of the programme file; the logo and the
//! favicon.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Response, Route, get, handler};
use tera::Context;

use super::extract::Visitor;
use crate::app::AppState;
use crate::services::site::PLACEHOLDER;

const FAVICON: &str = include_str!("../../../templates/static/favicon.svg");

/// One legal page: `template` with the site information.
fn page(state: &AppState, visitor: &Visitor, template: &str, path: &str) -> Response {
    let mut context = Context::new();
    context.insert("site", &SiteView::of(state));
    context.insert("placeholder", PLACEHOLDER);
    context.insert(
        "retention_sign_in_minutes",
        &state.settings.auth.sign_in_link_minutes,
    );
    context.insert(
        "retention_session_hours",
        &state.settings.auth.session_absolute_hours,
    );
    let lang = visitor.lang;
    state
        .pages
        .respond(lang, state.pages.render_html(template, lang, path, context))
}

/// The site information as the templates read it.
#[derive(serde::Serialize)]
struct SiteView<'a> {
    name: &'a str,
    sign_language_video_url: &'a str,
    operator: &'a crate::services::site::Operator,
    privacy: &'a crate::services::site::Privacy,
    accessibility: &'a crate::services::site::Accessibility,
}

impl<'a> SiteView<'a> {
    fn of(state: &'a AppState) -> Self {
        let site = &state.site;
        Self {
            name: &site.name,
            sign_language_video_url: &site.sign_language_video_url,
            operator: &site.operator,
            privacy: &site.privacy,
            accessibility: &site.accessibility,
        }
    }
}

#[handler]
fn imprint(visitor: Visitor, state: Data<&AppState>) -> Response {
    page(&state, &visitor, "imprint.html", "/impressum")
}

#[handler]
fn privacy(visitor: Visitor, state: Data<&AppState>) -> Response {
    page(&state, &visitor, "privacy.html", "/datenschutz")
}

#[handler]
fn accessibility(visitor: Visitor, state: Data<&AppState>) -> Response {
    page(&state, &visitor, "accessibility.html", "/barrierefreiheit")
}

#[handler]
fn easy_read(visitor: Visitor, state: Data<&AppState>) -> Response {
    page(&state, &visitor, "easy_read.html", "/leichte-sprache")
}

#[handler]
fn favicon() -> Response {
    Response::builder()
        .content_type("image/svg+xml")
        .header("cache-control", "public, max-age=86400")
        .body(FAVICON)
}

/// The configured logo, with its type from its content.
#[handler]
async fn logo(state: Data<&AppState>) -> Response {
    let Some(path) = state.site.logo_path() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let kind = if bytes.starts_with(b"<svg") || bytes.starts_with(b"<?xml") {
                "image/svg+xml"
            } else {
                infer::get(&bytes).map_or("application/octet-stream", |t| t.mime_type())
            };
            Response::builder()
                .content_type(kind)
                .header("cache-control", "public, max-age=3600")
                .body(bytes)
        }
        Err(err) => {
            tracing::warn!(error = %err, logo = %path.display(), "logo not readable");
            StatusCode::NOT_FOUND.into_response()
        }
    }
}

pub(super) fn routes(route: Route) -> Route {
    route
        .at("/impressum", get(imprint))
        .at("/datenschutz", get(privacy))
        .at("/barrierefreiheit", get(accessibility))
        .at("/leichte-sprache", get(easy_read))
        .at("/favicon.ico", get(favicon))
        .at("/static/favicon.svg", get(favicon))
        .at("/static/logo", get(logo))
}
