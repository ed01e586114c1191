//! Entering ideas on the web, without JavaScript: the form and the person's ideas
//! (`form`), attachments (`files`), co-authors (`team`). This module renders the
//! entry page they share, with what was entered and what to fix.

use poem::http::StatusCode;
use poem::web::{Data, Multipart, Path, Query};
use poem::{Request, Response, handler};
use poem::{Route, get, post};
use serde::Serialize;
use tera::Context;

use super::extract::{CsrfForm, Person};
use super::flash::{self, Flash, Notice};
use super::i18n::Lang;
use super::session::{SignedIn, internal, refusal, require_person, see_other};
use super::view::CompetitionView;
use crate::app::AppState;
use crate::domain::attachments as rules;
use crate::domain::entries::EntryStatus;
use crate::domain::entry_form::{EntryForm, FieldKind, FieldProblem, GUARDIAN_CONSENT, Localized};
use crate::entities::{competition, entry};
use crate::services::attachments;
use crate::services::coauthors;
use crate::services::entries::{self, EntryContent, Membership};
use crate::services::identity::tokens::random_token;
use crate::services::{ServiceError, competitions, programmes};

mod files;
mod form;
mod team;

pub use files::{download, download_attachment, remove_attachment, upload_attachment};
pub use form::{
    confirm_withdrawal, create_entry, entry_page, my_entries, new_entry_form, submit_entry,
    update_entry, withdraw_entry,
};
pub use team::{accept_invitation, invitation_page, invite_coauthor, remove_coauthor};

pub(in crate::http::pages) type Fields = Vec<(String, String)>;

pub(in crate::http::pages) fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
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
    status: EntryStatus,
    status_label: &'static str,
    receipt_number: Option<String>,
    kennzahl: Option<String>,
    competition: String,
    /// Where the competition stands (open, jury at work, decided, ...).
    competition_state: &'static str,
}

fn entry_view(lang: Lang, model: &entry::Model, competition: &competition::Model) -> EntryView {
    EntryView {
        id: model.id,
        title: model.title.clone(),
        summary: model.summary.clone(),
        description: model.description.clone(),
        status_label: lang.text(&format!("entry_status_{}", model.status)),
        status: model.status,
        receipt_number: model.receipt_number.clone(),
        kennzahl: model.kennzahl.clone(),
        competition: competition.full_name(),
        competition_state: lang.text(&format!("state_{}", competition.state)),
    }
}

/// One question of the competition's form, ready for the template.
#[derive(Serialize)]
struct FieldView {
    key: String,
    name: String,
    label: String,
    help: Option<String>,
    kind: FieldKind,
    required: bool,
    choices: Vec<String>,
    value: String,
    error: Option<String>,
}

/// A message about one field, linked from the summary at the top of the form.
#[derive(Serialize)]
struct ErrorView {
    field: String,
    message: String,
}

/// What the form shows: the stored entry, or what was just sent with its problems.
#[derive(Default)]
pub(in crate::http::pages) struct FormValues {
    pub content: EntryContent,
    pub errors: Vec<FieldProblem>,
    /// Name and address typed into the invitation form.
    pub invite: (String, String),
}

pub(in crate::http::pages) async fn programme_goals(
    state: &AppState,
    competition: &competition::Model,
) -> Result<Vec<String>, ServiceError> {
    let programme = programmes::find(&state.db, competition.programme_id).await?;
    Ok(programme.goals()?)
}

/// What the form's fields say about the idea, read against the competition's
/// goals and entry form.
pub(in crate::http::pages) async fn typed_content(
    state: &AppState,
    competition: &competition::Model,
    fields: &Fields,
) -> poem::Result<EntryContent> {
    let goals = programme_goals(state, competition)
        .await
        .map_err(internal)?;
    let form = competitions::form_of(competition).map_err(internal)?;
    Ok(content_from(fields, &goals, &form))
}

/// Form field name of an entry-form answer.
fn detail_name(key: &str) -> String {
    format!("detail_{key}")
}

fn content_from(fields: &Fields, goals: &[String], form: &EntryForm) -> EntryContent {
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
        details: form
            .fields
            .iter()
            .filter_map(|f| {
                field(fields, &detail_name(&f.key))
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (f.key.clone(), v.to_owned()))
            })
            .collect(),
        guardian_consent: field(fields, GUARDIAN_CONSENT).is_some(),
        contact_name: field(fields, "contact_name")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
        contact_phone: field(fields, "contact_phone")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
    }
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
    values: FormValues,
) -> poem::Result<Response> {
    let goals = programme_goals(state, competition)
        .await
        .map_err(internal)?;
    let form = competitions::form_of(competition).map_err(internal)?;
    let view =
        CompetitionView::new(competition, lang, state.now()).map_err(|err| internal(err.into()))?;
    let editable =
        view.accepting_entries && entry.is_none_or(|e| e.status != EntryStatus::Withdrawn);
    let mut context = Context::new();
    context.insert("competition", &view);
    context.insert("entry", &entry.map(|e| entry_view(lang, e, competition)));
    context.insert("editable", &editable);
    context.insert("action", action);
    context.insert("form_token", &form_token);
    context.insert("csrf", &current.session.csrf_token);
    context.insert("account_email", &current.user.email);
    context.insert("on_behalf", &false);
    let error_of = insert_content(&mut context, lang, goals, &form, &values);
    if let Some(entry) = entry {
        let file_error = error_of("file");
        files::describe(state, lang, entry, editable, file_error, &mut context).await?;
        let invite_error = error_of("coauthor_email");
        let invite = (&values.invite, invite_error);
        team::describe(state, current, entry, invite, &mut context).await?;
    }
    let html = state
        .pages
        .render_html("entry_form.html", lang, action, context);
    let mut response = state.pages.respond(lang, html);
    if !values.errors.is_empty() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

/// The idea's fields for `_entry_fields.html`: `values` with their problems.
/// Returns a lookup of the problem with a field, for the sections around them.
pub(in crate::http::pages) fn insert_content<'v>(
    context: &mut Context,
    lang: Lang,
    goals: Vec<String>,
    form: &EntryForm,
    values: &'v FormValues,
) -> impl Fn(&str) -> Option<String> + 'v {
    let code = lang.code();
    let error_of = move |key: &str| {
        values
            .errors
            .iter()
            .find(|p| p.field == key)
            .map(|p| p.message.get(code).to_owned())
    };
    let content = &values.content;
    let fields: Vec<FieldView> = form
        .fields
        .iter()
        .map(|f| FieldView {
            key: f.key.clone(),
            name: detail_name(&f.key),
            label: f.label.get(code).to_owned(),
            help: f.help.as_ref().map(|h| h.get(code).to_owned()),
            kind: f.kind,
            required: f.required,
            choices: f.choices.clone(),
            value: content.details.get(&f.key).cloned().unwrap_or_default(),
            error: error_of(&f.key),
        })
        .collect();
    let errors: Vec<ErrorView> = values
        .errors
        .iter()
        .map(|p| ErrorView {
            field: if form.field(&p.field).is_some() {
                detail_name(&p.field)
            } else {
                p.field.clone()
            },
            message: p.message.get(code).to_owned(),
        })
        .collect();
    context.insert("title", &content.title);
    context.insert("summary", &content.summary);
    context.insert("description", &content.description);
    context.insert("fields", &fields);
    context.insert("errors", &errors);
    context.insert("title_error", &error_of("title"));
    context.insert("summary_error", &error_of("summary"));
    context.insert("description_error", &error_of("description"));
    context.insert("for_minors", &form.for_minors);
    context.insert("contact_name", &content.contact_name);
    context.insert("contact_phone", &content.contact_phone);
    context.insert("contact_name_error", &error_of("contact_name"));
    context.insert("contact_phone_error", &error_of("contact_phone"));
    context.insert("guardian_consent", &content.guardian_consent);
    context.insert("consent_error", &error_of(GUARDIAN_CONSENT));
    let choices: Vec<_> = goals
        .into_iter()
        .map(|name| GoalChoice {
            chosen: content.goals.contains(&name),
            name,
        })
        .collect();
    context.insert("goals", &choices);
    error_of
}

/// The stored entry as form values.
async fn stored_values(state: &AppState, model: &entry::Model) -> poem::Result<FormValues> {
    let authored = entries::authored(&state.db, model.clone())
        .await
        .map_err(internal)?;
    Ok(FormValues {
        content: authored.content().map_err(internal)?,
        errors: Vec::new(),
        invite: Default::default(),
    })
}

fn refused(state: &AppState, lang: Lang, err: ServiceError) -> poem::Result<Response> {
    Err(refusal(state, lang, err))
}

async fn public_competition(
    state: &AppState,
    slug: &str,
) -> Result<competition::Model, ServiceError> {
    competitions::find_public_by_slug(&state.db, slug).await
}

/// The entry page, with `values` (stored ones when `None`).
async fn show_entry(
    state: &AppState,
    lang: Lang,
    current: &SignedIn,
    found: &entry::Model,
    values: Option<FormValues>,
) -> poem::Result<Response> {
    let competition = competitions::find(&state.db, found.competition_id)
        .await
        .map_err(internal)?;
    let values = match values {
        Some(values) => values,
        None => stored_values(state, found).await?,
    };
    let action = format!("/konto/ideen/{}", found.id);
    render_form(
        state,
        lang,
        current,
        &competition,
        Some(found),
        &action,
        None,
        values,
    )
    .await
}

/// Entering ideas: the form, an entry's page, co-authors and attachments.
pub(super) fn routes(route: Route) -> Route {
    route
        .at(
            "/wettbewerbe/:slug/einreichen",
            get(new_entry_form).post(create_entry),
        )
        .at("/konto/ideen", get(my_entries))
        .at("/konto/ideen/:id", get(entry_page).post(update_entry))
        .at("/konto/ideen/:id/einreichen", post(submit_entry))
        .at(
            "/konto/ideen/:id/zurueckziehen",
            get(confirm_withdrawal).post(withdraw_entry),
        )
        .at("/konto/ideen/:id/mitautoren", post(invite_coauthor))
        .at(
            "/konto/ideen/:id/mitautoren/:coauthor_id/entfernen",
            post(remove_coauthor),
        )
        .at("/einladung", get(invitation_page).post(accept_invitation))
        .at("/konto/ideen/:id/anhaenge", post(upload_attachment))
        .at(
            "/konto/ideen/:id/anhaenge/:attachment_id",
            get(download_attachment),
        )
        .at(
            "/konto/ideen/:id/anhaenge/:attachment_id/loeschen",
            post(remove_attachment),
        )
}
