//! `/`: the programmes with their phases and competitions.

use poem::web::Data;
use poem::{Request, Response, handler};
use serde::Serialize;
use tera::Context;

use super::i18n::Lang;
use super::view::{CompetitionView, money};
use crate::app::AppState;

#[derive(Serialize)]
struct ProgrammeView {
    id: i64,
    name: String,
    description: String,
    budget: String,
    phases: Vec<PhaseView>,
}

#[derive(Serialize)]
struct PhaseView {
    number: i32,
    name: String,
    competitions: Vec<CompetitionView>,
}

#[handler]
pub async fn home_page(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = Lang::of(req);
    let now = state.now();
    let catalogue = state
        .catalogue
        .get(&state.db)
        .await
        .map_err(|err| poem::Error::new(err, poem::http::StatusCode::INTERNAL_SERVER_ERROR))?;
    let key = format!("home:{}", lang.code());
    let html = catalogue.rendered(&key, || {
        let programmes: Vec<ProgrammeView> = catalogue
            .programmes
            .iter()
            .map(|overview| ProgrammeView {
                id: overview.programme.id,
                name: overview.programme.name.clone(),
                description: overview.programme.description.clone(),
                budget: money(lang, overview.programme.budget_cents),
                phases: overview
                    .phases
                    .iter()
                    .filter(|(_, competitions)| !competitions.is_empty())
                    .map(|(phase, competitions)| PhaseView {
                        number: phase.number,
                        name: phase.name.clone(),
                        competitions: competitions
                            .iter()
                            .map(|c| CompetitionView::new(c, lang, now))
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        let mut context = Context::new();
        context.insert("programmes", &programmes);
        state.pages.render_html("home.html", lang, "/", context)
    });
    Ok(state.pages.respond(lang, html.map(|html| html.to_string())))
}
