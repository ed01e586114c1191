//! `/gesamtwertung`: the programme's overall placement for everyone; a
//! place appears once its entry's competition has announced its results.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, Route, get, handler};
use tera::Context;

use super::i18n::Lang;
use super::session::internal;
use super::view;
use crate::app::AppState;
use crate::services::{overall, programmes};

#[handler]
async fn page(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = Lang::find(req, None);
    let all = programmes::list(&state.db).await.map_err(internal)?;
    let Some(programme) = all.first() else {
        return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
    };
    let shown = overall::public(&state.db, programme.id)
        .await
        .map_err(internal)?;
    let places: Vec<_> = shown
        .iter()
        .filter_map(|s| {
            let a = s.award.as_ref()?;
            Some(serde_json::json!({
                "place": s.spec.place,
                "label": s.spec.label,
                "value": view::money(lang, s.spec.value),
                "title": a.title,
                "kennzahl": a.kennzahl,
                "competition": a.competition,
                "slug": a.competition_slug,
            }))
        })
        .collect();
    let mut context = Context::new();
    context.insert("programme_name", &programme.name);
    context.insert("places", &places);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("overall.html", lang, "/gesamtwertung", context),
    ))
}

pub(super) fn routes(route: Route) -> Route {
    route.at("/gesamtwertung", get(page))
}
