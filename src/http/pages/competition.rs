//! `/wettbewerbe/:slug`: one competition's call for entries.

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};
use poem::{Route, get};
use tera::Context;

use super::i18n::Lang;
use super::view::CompetitionView;
use crate::app::AppState;

#[handler]
pub async fn competition_page(
    req: &Request,
    slug: Path<String>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = Lang::find(req, None);
    let catalogue = state
        .catalogue
        .get(&state.db)
        .await
        .map_err(|err| poem::Error::new(err, StatusCode::INTERNAL_SERVER_ERROR))?;
    let Some(found) = catalogue.by_slug(&slug) else {
        return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
    };
    let key = format!("competition:{}:{}", found.competition.slug, lang.code());
    let html = catalogue.rendered(&key, || {
        let mut context = Context::new();
        let view = CompetitionView::new(found.competition, lang, state.now())
            .map_err(|err| tera::Error::msg(err.to_string()))?;
        context.insert("competition", &view);
        context.insert("programme_name", &found.programme.name);
        context.insert("phase_name", &super::view::phase_name(lang, found.phase).0);
        context.insert("programme_id", &found.programme.id);
        context.insert("competition_id", &found.competition.id);
        let path = format!("/wettbewerbe/{}", found.competition.slug);
        state
            .pages
            .render_html("competition.html", lang, &path, context)
    });
    Ok(state.pages.respond(lang, html.map(|html| html.to_string())))
}

/// A competition's public page.
pub(super) fn routes(route: Route) -> Route {
    route.at("/wettbewerbe/:slug", get(competition_page))
}
