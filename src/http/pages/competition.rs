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
    // Whether the competition holds a public vote (kept in the catalogue).
    let has_vote = catalogue.holds_vote(crate::services::votes::VoteScope::Competition(
        found.competition.id,
    ));
    let key = format!(
        "competition:{}:{}:{has_vote}",
        found.competition.slug,
        lang.code()
    );
    let html = catalogue.rendered(&key, || {
        let mut context = Context::new();
        context.insert("has_vote", &has_vote);
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
/// The announced results of a competition: read fresh each time (never from
/// the page cache), and "not yet" until the announcement.
#[handler]
pub async fn results_page(
    req: &Request,
    slug: Path<String>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = Lang::find(req, None);
    let Ok(competition) =
        crate::services::competitions::find_public_by_slug(&state.db, &slug).await
    else {
        return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
    };
    let results = crate::services::announcements::results(&state.db, &competition)
        .await
        .map_err(super::session::internal)?;
    let Some(results) = results else {
        return Ok(state.pages.notice(
            lang,
            StatusCode::NOT_FOUND,
            "results_pending_title",
            "results_pending_text",
        ));
    };
    let winners: Vec<_> = results
        .winners
        .iter()
        .map(|w| {
            serde_json::json!({
                "kennzahl": w.kennzahl,
                "title": w.title,
                "summary": w.summary,
                "credit": w.credit,
                "prizes": w.prizes.iter().map(|p| serde_json::json!({
                    "tier": lang.text(&format!("prize_tier_{}", p.tier.as_str())),
                    "label": p.label,
                    "amount": super::view::money(lang, p.amount),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut context = Context::new();
    context.insert("headline", &competition.headline);
    context.insert("slug", &competition.slug);
    context.insert("full_name", &competition.full_name());
    context.insert(
        "announced",
        &results.announced_at.map(|at| super::view::moment(lang, at)),
    );
    context.insert(
        "statement",
        &results
            .statement
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>(),
    );
    context.insert("winners", &winners);
    let path = format!("/wettbewerbe/{}/ergebnisse", competition.slug);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("results.html", lang, &path, context),
    ))
}

pub(super) fn routes(route: Route) -> Route {
    route
        .at("/wettbewerbe/:slug", get(competition_page))
        .at("/wettbewerbe/:slug/ergebnisse", get(results_page))
}
