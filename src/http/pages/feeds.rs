//! `/neuigkeiten.atom` (the programme's news as an Atom feed) and
//! `/termine.ics` (its dates as a calendar to subscribe to), in the visitor's
//! language (`?lang=en`). Read fresh on each request: feed readers poll
//! rarely, and an announcement must appear at its moment, not before.

use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Request, Response, Route, get, handler};
use tera::Context;

use super::i18n::Lang;
use super::session::internal;
use crate::app::AppState;
use crate::domain::news::{DateKind, NewsKind};
use crate::http::ics::{Calendar, Event};
use crate::services::feeds;

fn base(state: &AppState) -> &str {
    state.settings.server.public_url.trim_end_matches('/')
}

fn page_of(base: &str, slug: &str, kind: Option<NewsKind>) -> String {
    match kind {
        Some(NewsKind::Announced) => format!("{base}/wettbewerbe/{slug}/ergebnisse"),
        _ => format!("{base}/wettbewerbe/{slug}"),
    }
}

#[handler]
async fn news_feed(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = Lang::find(req, None);
    let now = state.now();
    let catalogue = state.catalogue.get(&state.db).await.map_err(internal)?;
    let news = feeds::news(&state.db, &catalogue, now)
        .await
        .map_err(internal)?;
    let base = base(&state);
    let items: Vec<_> = news
        .iter()
        .map(|item| {
            let c = item.placed.competition;
            let kind = item.news.kind;
            let mut summary = vec![c.aim.clone()];
            for w in &item.winners {
                let prizes: Vec<String> = w
                    .prizes
                    .iter()
                    .map(|p| lang.text(&format!("prize_tier_{}", p.tier.as_str())).to_owned())
                    .collect();
                summary.push(format!("{}: {}", prizes.join(", "), w.title));
            }
            serde_json::json!({
                "title": format!("{}: {}", lang.text(&format!("news_{}", kind.as_str())), c.full_name()),
                "id": format!("{}#{}-{}", page_of(base, &c.slug, None), kind.as_str(), item.news.at.timestamp()),
                "link": format!("{}{}", page_of(base, &c.slug, Some(kind)), lang_query(lang)),
                "updated": item.news.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "summary": summary.join("\n"),
            })
        })
        .collect();
    let updated = news.first().map_or(now, |item| item.news.at);
    let mut context = Context::new();
    context.insert("base", base);
    context.insert("items", &items);
    context.insert(
        "updated",
        &updated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    let xml = state
        .pages
        .render_html("feed.xml", lang, "/neuigkeiten.atom", context)
        .map_err(|err| poem::Error::new(err, StatusCode::INTERNAL_SERVER_ERROR))?;
    Ok(Response::builder()
        .content_type("application/atom+xml; charset=utf-8")
        .body(xml))
}

fn lang_query(lang: Lang) -> String {
    format!("?lang={}", lang.code())
}

#[handler]
async fn calendar(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = Lang::find(req, None);
    let now = state.now();
    let catalogue = state.catalogue.get(&state.db).await.map_err(internal)?;
    let dates = feeds::dates(&state.db, &catalogue)
        .await
        .map_err(internal)?;
    let base = base(&state);
    let host = url_host(base);
    let mut ics = Calendar::new(&format!(
        "{} · {}",
        lang.text("calendar_name"),
        state.site.name
    ));
    for item in &dates {
        let c = item.placed.competition;
        let date = &item.date;
        let kind = date.kind.as_str();
        let summary = format!("{}: {}", lang.text(&format!("date_{kind}")), c.full_name());
        let url = format!("{}{}", page_of(base, &c.slug, None), lang_query(lang));
        ics.event(&Event {
            uid: &format!("competition-{}-{kind}@{host}", c.id),
            stamp: now,
            starts: date.starts,
            ends: (date.kind == DateKind::Window).then_some(date.ends),
            summary: &summary,
            description: &format!("{}\n{url}", c.aim),
            url: &url,
            cancelled: date.cancelled,
        });
    }
    Ok(Response::builder()
        .content_type("text/calendar; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            "inline; filename=\"termine.ics\"",
        )
        .body(ics.finish()))
}

/// The host of the public address, for the events' UIDs.
fn url_host(base: &str) -> &str {
    let rest = base.split_once("://").map_or(base, |(_, rest)| rest);
    rest.split(['/', ':'])
        .next()
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost")
}

pub(super) fn routes(route: Route) -> Route {
    route
        .at("/neuigkeiten.atom", get(news_feed))
        .at("/termine.ics", get(calendar))
}
