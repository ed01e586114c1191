//! Entering ideas on the web, without JavaScript: the form per competition, the
//! person's ideas, editing, submitting and withdrawing.

use poem::http::StatusCode;
use poem::web::{Data, Form, Multipart, Path, Query};
use poem::{Request, Response, handler};
use serde::Serialize;
use tera::Context;

use super::account::{LangParam, chosen_lang};
use super::i18n::Lang;
use super::session::{SignedIn, internal, require_person, see_other};
use super::view::CompetitionView;
use crate::app::AppState;
use crate::domain::attachments as rules;
use crate::domain::entry_form::{EntryForm, FieldKind, FieldProblem, GUARDIAN_CONSENT, Localized};
use crate::entities::{competition, entry};
use crate::services::attachments;
use crate::services::coauthors;
use crate::services::entries::{self, EntryContent, Membership};
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
        status: model.status.clone(),
        receipt_number: model.receipt_number.clone(),
        kennzahl: model.kennzahl.clone(),
        competition: competition.headline.clone(),
        competition_state: lang.text(&format!("state_{}", competition.state)),
    }
}

/// A co-author, ready for the template.
#[derive(Serialize)]
struct CoauthorView {
    id: i64,
    name: String,
    email: String,
    accepted: bool,
}

/// A file of the entry, ready for the template.
#[derive(Serialize)]
struct AttachmentView {
    id: i64,
    file_name: String,
    size: String,
}

fn human_size(lang: Lang, bytes: i64) -> String {
    let kib = (bytes as f64 / 1024.0).max(0.1);
    let (value, unit) = if kib >= 1024.0 {
        (kib / 1024.0, "MB")
    } else {
        (kib, "KB")
    };
    let text = format!("{value:.1} {unit}");
    match lang {
        Lang::De => text.replace('.', ","),
        Lang::En => text,
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
struct FormValues {
    content: EntryContent,
    errors: Vec<FieldProblem>,
    /// Name and address typed into the invitation form.
    invite: (String, String),
}

async fn programme_goals(
    state: &AppState,
    competition: &competition::Model,
) -> Result<Vec<String>, ServiceError> {
    let programme = programmes::find(&state.db, competition.programme_id).await?;
    Ok(serde_json::from_str(&programme.goals).unwrap_or_default())
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

/// The limits of the fixed fields, as messages in both languages.
fn content_problems(content: &EntryContent) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let title = content.title.chars().count();
    if !(1..=200).contains(&title) {
        problems.push(FieldProblem {
            field: "title".into(),
            message: Localized::new(
                "Bitte geben Sie einen Titel an (höchstens 200 Zeichen).",
                "Please give a title (at most 200 characters).",
            ),
        });
    }
    let summary = content.summary.chars().count();
    if !(1..=1000).contains(&summary) {
        problems.push(FieldProblem {
            field: "summary".into(),
            message: Localized::new(
                "Bitte beschreiben Sie Ihre Idee kurz (höchstens 1.000 Zeichen).",
                "Please describe your idea briefly (at most 1,000 characters).",
            ),
        });
    }
    if content.description.chars().count() > 20_000 {
        problems.push(FieldProblem {
            field: "description".into(),
            message: Localized::new(
                "Die ausführliche Beschreibung darf höchstens 20.000 Zeichen lang sein.",
                "The full description may have at most 20,000 characters.",
            ),
        });
    }
    problems
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
    let view = CompetitionView::new(competition, lang, state.now());
    let editable = view.accepting_entries && entry.is_none_or(|e| e.status != "withdrawn");
    let code = lang.code();
    let error_of = |key: &str| {
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
    let mut context = Context::new();
    context.insert("competition", &view);
    context.insert("entry", &entry.map(|e| entry_view(lang, e, competition)));
    context.insert("editable", &editable);
    context.insert("action", action);
    context.insert("form_token", &form_token);
    context.insert("csrf", &current.session.csrf_token);
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
    context.insert("account_email", &current.user.email);
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
    if let Some(entry) = entry {
        let files = attachments::of_entry(&state.db, entry.id)
            .await
            .map_err(internal)?;
        let views: Vec<AttachmentView> = files
            .iter()
            .map(|f| AttachmentView {
                id: f.id,
                file_name: f.file_name.clone(),
                size: human_size(lang, f.size_bytes),
            })
            .collect();
        let limits = &state.settings.attachments;
        context.insert("attachments", &views);
        context.insert(
            "may_attach",
            &(editable && (files.len() as u64) < limits.max_files),
        );
        context.insert("max_files", &limits.max_files);
        context.insert("max_mb", &(limits.max_bytes / 1_048_576));
        context.insert(
            "accept",
            &rules::accepted_extensions()
                .iter()
                .map(|e| format!(".{e}"))
                .collect::<Vec<_>>()
                .join(","),
        );
        context.insert("file_error", &error_of("file"));
        let (_, membership) = entries::find_member(&state.db, &current.user, entry.id)
            .await
            .map_err(internal)?;
        let coauthors: Vec<CoauthorView> = coauthors::of_entry(&state.db, entry.id)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|c| CoauthorView {
                id: c.id,
                name: c.name,
                email: c.email,
                accepted: c.accepted_at.is_some(),
            })
            .collect();
        context.insert("coauthors", &coauthors);
        context.insert("is_lead", &(membership == Membership::Lead));
        context.insert("coauthor_error", &error_of("coauthor_email"));
        context.insert("invite_name", &values.invite.0);
        context.insert("invite_email", &values.invite.1);
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

/// The stored entry as form values.
async fn stored_values(state: &AppState, model: &entry::Model) -> poem::Result<FormValues> {
    let author = entries::author_of(&state.db, model.id)
        .await
        .map_err(internal)?;
    Ok(FormValues {
        content: EntryContent {
            title: model.title.clone(),
            summary: model.summary.clone(),
            description: model.description.clone(),
            goals: serde_json::from_str(&model.goals).unwrap_or_default(),
            details: entries::answers_of(&state.db, model)
                .await
                .map_err(internal)?,
            guardian_consent: model.guardian_consent_at.is_some(),
            contact_name: author.as_ref().map(|a| a.contact_name.clone()),
            contact_phone: author.and_then(|a| a.contact_phone),
        },
        errors: Vec::new(),
        invite: Default::default(),
    })
}

fn refused(state: &AppState, lang: Lang, err: ServiceError) -> poem::Result<Response> {
    match err {
        ServiceError::Entry(_) => Ok(state.pages.notice(
            lang,
            StatusCode::CONFLICT,
            "entry_locked_title",
            "entry_locked_text",
        )),
        ServiceError::Invalid { .. } | ServiceError::Fields(_) => Ok(state.pages.notice(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "entry_invalid_title",
            "entry_invalid_text",
        )),
        ServiceError::Forbidden(_) => Ok(state.pages.notice(
            lang,
            StatusCode::FORBIDDEN,
            "entry_lead_only_title",
            "entry_lead_only_text",
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
    let mut blank = FormValues::default();
    blank.content.contact_name = Some(current.user.display_name.clone());
    render_form(
        &state,
        lang,
        &current,
        &competition,
        None,
        &action,
        Some(random_token()),
        blank,
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
    let entry_form = competitions::form_of(&competition).map_err(internal)?;
    let content = content_from(&form, &goals, &entry_form);
    let key = field(&form, "form_token").filter(|t| t.len() <= 100);
    let problems = content_problems(&content);
    let outcome = if problems.is_empty() {
        entries::create(
            &state.db,
            state.now(),
            &current.user,
            competition.id,
            content.clone(),
            key,
        )
        .await
    } else {
        Err(ServiceError::Fields(problems))
    };
    match outcome {
        Ok(created) => Ok(see_other(&format!(
            "/konto/ideen/{}?lang={}",
            created.id,
            lang.code()
        ))),
        Err(ServiceError::Fields(errors)) => {
            // Show the form again with everything entered and what to fix.
            let action = format!("/wettbewerbe/{}/einreichen", competition.slug);
            let values = FormValues {
                content,
                errors,
                invite: Default::default(),
            };
            render_form(
                &state,
                lang,
                &current,
                &competition,
                None,
                &action,
                key.map(str::to_owned),
                values,
            )
            .await
        }
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
        views.push(entry_view(lang, model, &competition));
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
    match entries::find_own(&state.db, &current.user, id.0).await {
        Ok(found) => show_entry(&state, lang, &current, &found, None).await,
        Err(err) => refused(&state, lang, err),
    }
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
    let found = match entries::find_own(&state.db, &current.user, id).await {
        Ok(found) => found,
        Err(err) => return refused(state, lang, err),
    };
    let public_url = &state.settings.server.public_url;
    let mut sent = None;
    let outcome = match step {
        Some("submit") => {
            entries::submit(&state.db, state.now(), &current.user, id, public_url).await
        }
        Some(_) => entries::withdraw(&state.db, state.now(), &current.user, id, public_url).await,
        None => {
            let competition = competitions::find(&state.db, found.competition_id)
                .await
                .map_err(internal)?;
            let goals = programme_goals(state, &competition)
                .await
                .map_err(internal)?;
            let form = competitions::form_of(&competition).map_err(internal)?;
            let content = content_from(fields, &goals, &form);
            sent = Some(content.clone());
            let problems = content_problems(&content);
            if problems.is_empty() {
                entries::update(&state.db, state.now(), &current.user, id, content).await
            } else {
                Err(ServiceError::Fields(problems))
            }
        }
    };
    match outcome {
        Ok(_) => {
            state.queued();
            Ok(see_other(&format!(
                "/konto/ideen/{id}?lang={}",
                lang.code()
            )))
        }
        Err(ServiceError::Fields(errors)) => {
            // What was sent (or, when submitting, what is stored) with what to fix.
            let content = match sent {
                Some(content) => content,
                None => stored_values(state, &found).await?.content,
            };
            let values = FormValues {
                content,
                errors,
                invite: Default::default(),
            };
            show_entry(state, lang, &current, &found, Some(values)).await
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

/// The multipart fields of an upload form: its text fields and the one file.
async fn read_upload(
    mut multipart: Multipart,
) -> Result<(Fields, Option<(String, Vec<u8>)>), poem::Error> {
    let mut fields = Vec::new();
    let mut file = None;
    while let Some(part) = multipart.next_field().await? {
        let name = part.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = part.file_name().unwrap_or_default().to_owned();
            let bytes = part.bytes().await.map_err(|err| {
                poem::Error::from_string(err.to_string(), StatusCode::BAD_REQUEST)
            })?;
            // A form sent without choosing a file has an empty, nameless part.
            if !(bytes.is_empty() && file_name.is_empty()) {
                file = Some((file_name, bytes));
            }
        } else if fields.len() < 10 {
            let value = part.text().await.map_err(|err| {
                poem::Error::from_string(err.to_string(), StatusCode::BAD_REQUEST)
            })?;
            fields.push((name, value));
        }
    }
    Ok((fields, file))
}

/// The entry page again, with one problem about the file.
async fn file_problem(
    state: &AppState,
    lang: Lang,
    current: &SignedIn,
    found: &entry::Model,
    message: Localized,
) -> poem::Result<Response> {
    let mut values = stored_values(state, found).await?;
    values.errors = vec![FieldProblem {
        field: "file".into(),
        message,
    }];
    show_entry(state, lang, current, found, Some(values)).await
}

#[handler]
pub async fn upload_attachment(
    req: &Request,
    id: Path<i64>,
    multipart: Multipart,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (fields, file) = read_upload(multipart).await?;
    let lang = chosen_lang(req, field(&fields, "lang"));
    let current = match require_person(req, &state, lang, field(&fields, "csrf")).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    let found = match entries::find_own(&state.db, &current.user, id.0).await {
        Ok(found) => found,
        Err(err) => return refused(&state, lang, err),
    };
    let Some((file_name, content)) = file else {
        let message = Localized::new(
            "Bitte wählen Sie zuerst eine Datei aus.",
            "Please choose a file first.",
        );
        return file_problem(&state, lang, &current, &found, message).await;
    };
    let upload = attachments::Upload {
        file_name: &file_name,
        content: &content,
    };
    let added = attachments::add(
        &state.db,
        &state.files,
        &state.settings.attachments,
        state.now(),
        &current.user,
        found.id,
        upload,
    )
    .await;
    match added {
        Ok(_) => Ok(see_other(&format!(
            "/konto/ideen/{}?lang={}#anhaenge",
            found.id,
            lang.code()
        ))),
        Err(ServiceError::Attachment(refused)) => {
            let mut response =
                file_problem(&state, lang, &current, &found, refused.localized()).await?;
            response.set_status(match refused {
                rules::AttachmentError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                rules::AttachmentError::UnsupportedType { .. } => {
                    StatusCode::UNSUPPORTED_MEDIA_TYPE
                }
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            });
            Ok(response)
        }
        Err(err) => refused(&state, lang, err),
    }
}

#[handler]
pub async fn download_attachment(
    req: &Request,
    Path((id, attachment_id)): Path<(i64, i64)>,
    params: Query<LangParam>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, params.lang.as_deref());
    let current = match require_person(req, &state, lang, None).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    match attachments::download(&state.db, &state.files, &current.user, id, attachment_id).await {
        Ok((found, content)) => Ok(download(&found.file_name, content)),
        Err(err) => refused(&state, lang, err),
    }
}

/// A file as a download: never rendered by the browser, whatever it contains.
pub fn download(file_name: &str, content: Vec<u8>) -> Response {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = url::form_urlencoded::byte_serialize(file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    Response::builder()
        .content_type("application/octet-stream")
        .header(
            "content-disposition",
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        )
        .header("cache-control", "private, no-store")
        .body(content)
}

#[handler]
pub async fn remove_attachment(
    req: &Request,
    Path((id, attachment_id)): Path<(i64, i64)>,
    form: Form<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, field(&form, "lang"));
    let current = match require_person(req, &state, lang, field(&form, "csrf")).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    let removed = attachments::remove(
        &state.db,
        &state.files,
        state.now(),
        &current.user,
        id,
        attachment_id,
    )
    .await;
    match removed {
        Ok(()) => Ok(see_other(&format!(
            "/konto/ideen/{id}?lang={}#anhaenge",
            lang.code()
        ))),
        Err(err) => refused(&state, lang, err),
    }
}

/// What to fix in the invitation form, in the page's language.
fn invitation_problem(err: &ServiceError) -> Option<Localized> {
    Some(match err {
        ServiceError::Duplicate { .. } => Localized::new(
            "Diese Person ist bereits eingeladen.",
            "This person has already been invited.",
        ),
        ServiceError::Invalid { field: "name", .. } => Localized::new(
            "Bitte geben Sie den Namen der Person an (höchstens 200 Zeichen).",
            "Please give the person's name (at most 200 characters).",
        ),
        ServiceError::Invalid { message, .. } if message.contains("already are the author") => {
            Localized::new(
                "Sie sind bereits Autorin oder Autor dieser Idee. Laden Sie eine andere Person ein.",
                "You already are the author of this idea. Invite someone else.",
            )
        }
        ServiceError::Invalid { message, .. } if message.contains("at most") => Localized::new(
            format!(
                "Eine Idee kann höchstens {} Mitautorinnen und Mitautoren haben.",
                coauthors::MAX_COAUTHORS
            ),
            format!(
                "An idea can have at most {} co-authors.",
                coauthors::MAX_COAUTHORS
            ),
        ),
        ServiceError::Invalid { .. } => Localized::new(
            "Bitte geben Sie eine gültige E-Mail-Adresse an, zum Beispiel name@example.de.",
            "Please give a valid email address, for example name@example.com.",
        ),
        _ => return None,
    })
}

#[handler]
pub async fn invite_coauthor(
    req: &Request,
    id: Path<i64>,
    form: Form<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, field(&form, "lang"));
    let current = match require_person(req, &state, lang, field(&form, "csrf")).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    let found = match entries::find_own(&state.db, &current.user, id.0).await {
        Ok(found) => found,
        Err(err) => return refused(&state, lang, err),
    };
    let name = field(&form, "coauthor_name").unwrap_or_default();
    let email = field(&form, "coauthor_email").unwrap_or_default();
    let invited = coauthors::invite(
        &state.db,
        state.now(),
        &current.user,
        found.id,
        email,
        name,
        &state.settings.server.public_url,
    )
    .await;
    match invited {
        Ok(_) => {
            state.queued();
            Ok(see_other(&format!(
                "/konto/ideen/{}?lang={}#mitautoren",
                found.id,
                lang.code()
            )))
        }
        Err(err) => match invitation_problem(&err) {
            Some(message) => {
                let mut values = stored_values(&state, &found).await?;
                values.errors = vec![FieldProblem {
                    field: "coauthor_email".into(),
                    message,
                }];
                values.invite = (name.to_owned(), email.to_owned());
                show_entry(&state, lang, &current, &found, Some(values)).await
            }
            None => refused(&state, lang, err),
        },
    }
}

#[handler]
pub async fn remove_coauthor(
    req: &Request,
    Path((id, coauthor_id)): Path<(i64, i64)>,
    form: Form<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, field(&form, "lang"));
    let current = match require_person(req, &state, lang, field(&form, "csrf")).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    match coauthors::remove(&state.db, state.now(), &current.user, id, coauthor_id).await {
        Ok(()) => Ok(see_other(&format!(
            "/konto/ideen/{id}?lang={}#mitautoren",
            lang.code()
        ))),
        Err(err) => refused(&state, lang, err),
    }
}

#[derive(serde::Deserialize)]
pub struct InvitationParams {
    token: Option<String>,
    lang: Option<String>,
}

/// The invitation link from the email: says what accepting means, and accepts
/// only with a button (mail scanners that follow links accept nothing).
#[handler]
pub async fn invitation_page(
    req: &Request,
    params: Query<InvitationParams>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, params.lang.as_deref());
    let token = params.token.clone().unwrap_or_default();
    let (invitation, found) = match coauthors::find_invitation(&state.db, &token).await {
        Ok(found) => found,
        Err(_) => {
            return Ok(state.pages.notice(
                lang,
                StatusCode::NOT_FOUND,
                "invitation_unknown_title",
                "invitation_unknown_text",
            ));
        }
    };
    let current = super::session::signed_in(req, &state).await?;
    let mut context = Context::new();
    context.insert("entry_title", &found.title);
    context.insert("invitee", &invitation.name);
    context.insert("token", &token);
    context.insert("signed_in", &current.is_some());
    context.insert(
        "csrf",
        &current.as_ref().map(|c| c.session.csrf_token.clone()),
    );
    let html = state
        .pages
        .render_html("invitation.html", lang, "/einladung", context);
    Ok(state.pages.respond(lang, html))
}

#[handler]
pub async fn accept_invitation(
    req: &Request,
    form: Form<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, field(&form, "lang"));
    let current = match require_person(req, &state, lang, field(&form, "csrf")).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    let token = field(&form, "token").unwrap_or_default();
    match coauthors::accept(&state.db, state.now(), &current.user, token).await {
        Ok(joined) => Ok(see_other(&format!(
            "/konto/ideen/{}?lang={}",
            joined.id,
            lang.code()
        ))),
        Err(ServiceError::Forbidden(_)) => Ok(state.pages.notice(
            lang,
            StatusCode::FORBIDDEN,
            "invitation_other_title",
            "invitation_other_text",
        )),
        Err(ServiceError::Invalid { .. } | ServiceError::NotFound { .. }) => {
            Ok(state.pages.notice(
                lang,
                StatusCode::GONE,
                "invitation_unknown_title",
                "invitation_unknown_text",
            ))
        }
        Err(err) => refused(&state, lang, err),
    }
}
