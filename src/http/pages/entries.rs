//! Entering ideas on the web, without JavaScript: the form per competition, the
//! person's ideas, editing, submitting and withdrawing.

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Serialize;
use tera::Context;

use super::account::{LangParam, chosen_lang};
use super::i18n::Lang;
use super::session::{SignedIn, internal, require_person, see_other};
use super::view::CompetitionView;
use crate::app::AppState;
use crate::entities::{competition, entry};
use crate::services::entries::{self, EntryContent};
use crate::services::sessions::random_token;
use crate::services::{ServiceError, competitions, programmes};

type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[derive(Serialize)]
struct GoalChoice {
    name: String,
    chosen: bool,
}

#[derive(Serialize)]
struct EntryView {
    id: i64,
    title: String,
    summary: String,
    description: String,
    status: String,
    status_label: &'static str,
    receipt_number: Option<String>,
    kennzahl: Option<String>,
    competition: String,
}

fn entry_view(lang: Lang, model: &entry::Model, competition: &str) -> EntryView {
    EntryView {
        id: model.id,
        title: model.title.clone(),
        summary: model.summary.clone(),
        description: model.description.clone(),
        status_label: lang.text(&format!("entry_status_{}", model.status)),
        status: model.status.clone(),
        receipt_number: model.receipt_number.clone(),
        kennzahl: model.kennzahl.clone(),
        competition: competition.to_owned(),
    }
}

async fn programme_goals(
    state: &AppState,
    competition: &competition::Model,
) -> Result<Vec<String>, ServiceError> {
    let programme = programmes::find(&state.db, competition.programme_id).await?;
    Ok(serde_json::from_str(&programme.goals).unwrap_or_default())
}

fn content_from(fields: &Fields, goals: &[String]) -> EntryContent {
    EntryContent {
        title: field(fields, "title").unwrap_or_default().trim().to_owned(),
        summary: field(fields, "summary")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        description: field(fields, "description").unwrap_or_default().to_owned(),
        goals: goals
            .iter()
            .enumerate()
            .filter(|(i, _)| field(fields, &format!("goal_{i}")).is_some())
            .map(|(_, goal)| goal.clone())
            .collect(),
    }
}

fn content_ok(content: &EntryContent) -> bool {
    let title = content.title.chars().count();
    let summary = content.summary.chars().count();
    (1..=200).contains(&title)
        && (1..=1000).contains(&summary)
        && content.description.chars().count() <= 20_000
}

#[allow(clippy::too_many_arguments)]
async fn render_form(
    state: &AppState,
    lang: Lang,
    current: &SignedIn,
    competition: &competition::Model,
    entry: Option<&entry::Model>,
    action: &str,
    form_token: Option<String>,
) -> poem::Result<Response> {
    let goals = programme_goals(state, competition)
        .await
        .map_err(internal)?;
    let chosen: Vec<String> = entry
        .map(|e| serde_json::from_str(&e.goals).unwrap_or_default())
        .unwrap_or_default();
    let view = CompetitionView::new(competition, lang, state.now());
    let editable = view.accepting_entries && entry.is_none_or(|e| e.status != "withdrawn");
    let mut context = Context::new();
    context.insert("competition", &view);
    context.insert(
        "entry",
        &entry.map(|e| entry_view(lang, e, &competition.headline)),
    );
    context.insert("editable", &editable);
    context.insert("action", action);
    context.insert("form_token", &form_token);
    context.insert("csrf", &current.session.csrf_token);
    let choices: Vec<_> = goals
        .into_iter()
        .map(|name| GoalChoice {
            chosen: chosen.contains(&name),
            name,
        })
        .collect();
    context.insert("goals", &choices);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("entry_form.html", lang, action, context),
    ))
}

fn refused(state: &AppState, lang: Lang, err: ServiceError) -> poem::Result<Response> {
    match err {
        ServiceError::Entry(_) => Ok(state.pages.notice(
            lang,
            StatusCode::CONFLICT,
            "entry_locked_title",
            "entry_locked_text",
        )),
        ServiceError::Invalid { .. } => Ok(state.pages.notice(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "entry_invalid_title",
            "entry_invalid_text",
        )),
        ServiceError::NotFound { .. } => Ok(state.pages.message(lang, StatusCode::NOT_FOUND)),
        err => Err(internal(err)),
    }
}

async fn public_competition(
    state: &AppState,
    slug: &str,
) -> Result<competition::Model, ServiceError> {
    competitions::find_public_by_slug(&state.db, slug).await
}

#[handler]
pub async fn new_entry_form(
    req: &Request,
    slug: Path<String>,
    params: Query<LangParam>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, params.lang.as_deref());
    let current = match require_person(req, &state, lang, None).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    let competition = match public_competition(&state, &slug).await {
        Ok(competition) => competition,
        Err(err) => return refused(&state, lang, err),
    };
    let action = format!("/wettbewerbe/{}/einreichen", competition.slug);
    // One token per form: sending the same form twice creates one draft.
    render_form(
        &state,
        lang,
        &current,
        &competition,
        None,
        &action,
        Some(random_token()),
    )
    .await
}

#[handler]
pub async fn create_entry(
    req: &Request,
    slug: Path<String>,
    form: Form<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, field(&form, "lang"));
    let current = match require_person(req, &state, lang, field(&form, "csrf")).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    let competition = match public_competition(&state, &slug).await {
        Ok(competition) => competition,
        Err(err) => return refused(&state, lang, err),
    };
    let goals = programme_goals(&state, &competition)
        .await
        .map_err(internal)?;
    let content = content_from(&form, &goals);
    if !content_ok(&content) {
        return refused(&state, lang, ServiceError::invalid("title", "missing"));
    }
    let key = field(&form, "form_token").filter(|t| t.len() <= 100);
    match entries::create(
        &state.db,
        state.now(),
        &current.user,
        competition.id,
        content,
        key,
    )
    .await
    {
        Ok(created) => Ok(see_other(&format!(
            "/konto/ideen/{}?lang={}",
            created.id,
            lang.code()
        ))),
        Err(err) => refused(&state, lang, err),
    }
}

#[handler]
pub async fn my_entries(
    req: &Request,
    params: Query<LangParam>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, params.lang.as_deref());
    let current = match require_person(req, &state, lang, None).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    let mine = entries::mine(&state.db, &current.user)
        .await
        .map_err(internal)?;
    let mut views = Vec::with_capacity(mine.len());
    for model in &mine {
        let competition = competitions::find(&state.db, model.competition_id)
            .await
            .map_err(internal)?;
        views.push(entry_view(lang, model, &competition.headline));
    }
    let mut context = Context::new();
    context.insert("entries", &views);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("my_entries.html", lang, "/konto/ideen", context),
    ))
}

#[handler]
pub async fn entry_page(
    req: &Request,
    id: Path<i64>,
    params: Query<LangParam>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, params.lang.as_deref());
    let current = match require_person(req, &state, lang, None).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    let found = match entries::find_own(&state.db, &current.user, id.0).await {
        Ok(found) => found,
        Err(err) => return refused(&state, lang, err),
    };
    let competition = competitions::find(&state.db, found.competition_id)
        .await
        .map_err(internal)?;
    let action = format!("/konto/ideen/{}", found.id);
    render_form(
        &state,
        lang,
        &current,
        &competition,
        Some(&found),
        &action,
        None,
    )
    .await
}

/// Saves changes (`step` absent), submits or withdraws.
async fn act(
    req: &Request,
    id: i64,
    fields: &Fields,
    state: &AppState,
    step: Option<&str>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, field(fields, "lang"));
    let current = match require_person(req, state, lang, field(fields, "csrf")).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    let public_url = &state.settings.server.public_url;
    let outcome = match step {
        Some("submit") => {
            entries::submit(&state.db, state.now(), &current.user, id, public_url).await
        }
        Some(_) => entries::withdraw(&state.db, state.now(), &current.user, id, public_url).await,
        None => {
            let found = match entries::find_own(&state.db, &current.user, id).await {
                Ok(found) => found,
                Err(err) => return refused(state, lang, err),
            };
            let competition = competitions::find(&state.db, found.competition_id)
                .await
                .map_err(internal)?;
            let goals = programme_goals(state, &competition)
                .await
                .map_err(internal)?;
            let content = content_from(fields, &goals);
            if !content_ok(&content) {
                return refused(state, lang, ServiceError::invalid("title", "missing"));
            }
            entries::update(&state.db, state.now(), &current.user, id, content).await
        }
    };
    match outcome {
        Ok(_) => {
            state.changed();
            Ok(see_other(&format!(
                "/konto/ideen/{id}?lang={}",
                lang.code()
            )))
        }
        Err(err) => refused(state, lang, err),
    }
}

#[handler]
pub async fn update_entry(
    req: &Request,
    id: Path<i64>,
    form: Form<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    act(req, id.0, &form, &state, None).await
}

#[handler]
pub async fn submit_entry(
    req: &Request,
    id: Path<i64>,
    form: Form<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    act(req, id.0, &form, &state, Some("submit")).await
}

#[handler]
pub async fn withdraw_entry(
    req: &Request,
    id: Path<i64>,
    form: Form<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    act(req, id.0, &form, &state, Some("withdraw")).await
}
