//! `/wettbewerbe/:slug`: one competition's call for entries.

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};
use tera::Context;

use super::i18n::Lang;
use super::view::CompetitionView;
use crate::app::AppState;
use crate::entities::phase;
use crate::services::{ServiceError, competitions, programmes};
use sea_orm::EntityTrait;

#[handler]
pub async fn competition_page(
    req: &Request,
    slug: Path<String>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = Lang::of(req);
    let internal = |err: ServiceError| poem::Error::new(err, StatusCode::INTERNAL_SERVER_ERROR);
    let found = match competitions::find_public_by_slug(&state.db, &slug).await {
        Ok(found) => found,
        Err(ServiceError::NotFound { .. }) => {
            return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
        }
        Err(err) => return Err(internal(err)),
    };
    let programme = programmes::find(&state.db, found.programme_id)
        .await
        .map_err(internal)?;
    let phase = phase::Entity::find_by_id(found.phase_id)
        .one(&state.db)
        .await
        .map_err(|err| internal(err.into()))?;
    let mut context = Context::new();
    context.insert(
        "competition",
        &CompetitionView::new(&found, lang, state.now()),
    );
    context.insert("programme_name", &programme.name);
    context.insert("phase_name", &phase.map(|p| p.name).unwrap_or_default());
    let path = format!("/wettbewerbe/{}", found.slug);
    Ok(state.pages.render("competition.html", lang, &path, context))
}
