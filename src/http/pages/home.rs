//! `/`: the programmes with their phases and competitions.

use poem::web::Data;
use poem::{Request, Response, handler};
use poem::{Route, get};
use serde::Serialize;
use tera::Context;

use super::i18n::Lang;
use super::view::{CompetitionView, money};
use crate::app::AppState;
use crate::entities::stored::Unreadable;

#[derive(Serialize)]
struct ProgrammeView {
    id: i64,
    name: String,
    description: String,
    budget: String,
    /// It holds a public vote (`/abstimmung`, the first programme's).
    has_vote: bool,
    phases: Vec<PhaseView>,
}

#[derive(Serialize)]
struct PhaseView {
    number: i32,
    name: String,
    /// The name is the programme's German (marked `lang="de"` on English pages).
    german: bool,
    competitions: Vec<CompetitionView>,
}

#[handler]
pub async fn home_page(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = Lang::find(req, None);
    let now = state.now();
    let catalogue = state
        .catalogue
        .get(&state.db)
        .await
        .map_err(|err| poem::Error::new(err, poem::http::StatusCode::INTERNAL_SERVER_ERROR))?;
    // Whether the first programme holds a public vote (kept in the catalogue).
    let vote_of = catalogue
        .programmes
        .first()
        .map(|first| first.programme.id)
        .filter(|id| catalogue.holds_vote(crate::services::votes::VoteScope::Programme(*id)));
    let key = format!("home:{}:{vote_of:?}", lang.code());
    let html = catalogue.rendered(&key, || {
        let unreadable = |err: Unreadable| tera::Error::msg(err.to_string());
        let mut programmes = Vec::with_capacity(catalogue.programmes.len());
        for overview in &catalogue.programmes {
            let mut phases = Vec::new();
            for (phase, competitions) in &overview.phases {
                if competitions.is_empty() {
                    continue;
                }
                let (name, german) = super::view::phase_name(lang, phase);
                phases.push(PhaseView {
                    number: phase.number,
                    name,
                    german,
                    competitions: competitions
                        .iter()
                        .map(|c| CompetitionView::new(c, lang, now))
                        .collect::<Result<_, _>>()
                        .map_err(unreadable)?,
                });
            }
            programmes.push(ProgrammeView {
                id: overview.programme.id,
                name: overview.programme.name.clone(),
                description: overview.programme.description.clone(),
                budget: money(lang, overview.programme.budget().map_err(unreadable)?),
                has_vote: vote_of == Some(overview.programme.id),
                phases,
            });
        }
        let mut context = Context::new();
        context.insert("programmes", &programmes);
        state.pages.render_html("home.html", lang, "/", context)
    });
    Ok(state.pages.respond(lang, html.map(|html| html.to_string())))
}

/// The programme page.
pub(super) fn routes(route: Route) -> Route {
    route.at("/", get(home_page))
}
