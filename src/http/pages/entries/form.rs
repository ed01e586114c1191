//! The entry form: starting an idea, the person's ideas, editing, submitting and
//! withdrawing.

use super::super::flash::{self, Flash, Notice};
use super::*;
use crate::services::authorization;

#[handler]
pub async fn new_entry_form(
    slug: Path<String>,
    person: Person,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Person { lang, current } = person;
    let competition = public_competition(&state, &slug)
        .await
        .map_err(|err| refusal(&state, lang, err))?;
    let action = format!("/wettbewerbe/{}/einreichen", competition.slug);
    // One token per form: sending the same form twice creates one draft.
    let mut blank = FormValues::default();
    // The account's name if the person gave one; never guessed from the address.
    blank.content.contact_name =
        Some(current.user.display_name.clone()).filter(|name| !name.trim().is_empty());
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
    slug: Path<String>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields: form,
    } = form;
    let competition = public_competition(&state, &slug)
        .await
        .map_err(|err| refusal(&state, lang, err))?;
    let content = typed_content(&state, &competition, &form).await?;
    let key = field(&form, "form_token").filter(|t| t.len() <= 100);
    let outcome = entries::create(
        &state.db,
        state.now(),
        &current.user,
        competition.id,
        content.clone(),
        key,
    )
    .await;
    let created = match outcome {
        Ok(created) => created,
        Err(ServiceError::Fields(errors)) => {
            // Show the form again with everything entered and what to fix.
            let action = format!("/wettbewerbe/{}/einreichen", competition.slug);
            let values = FormValues {
                content,
                errors,
                invite: Default::default(),
            };
            return render_form(
                &state,
                lang,
                &current,
                &competition,
                None,
                &action,
                key.map(str::to_owned),
                values,
            )
            .await;
        }
        Err(err) => return refused(&state, lang, err),
    };
    if field(&form, "step") != Some("submit") {
        return Ok(flash::redirect(
            &state,
            &entry_path(created.id, lang),
            Flash::new(Notice::DraftSaved),
        ));
    }
    // Saved as a draft; now submitted, or shown with what is missing.
    let author = authorization::entry_author(&state.db, &current.user, created.id)
        .await
        .map_err(|err| refusal(&state, lang, err))?;
    let public_url = &state.settings.server.public_url;
    match entries::submit(&state.db, state.now(), &author, public_url).await {
        Ok(submitted) => {
            state.queued();
            Ok(submitted_redirect(&state, lang, &submitted))
        }
        Err(ServiceError::Fields(errors)) => {
            let values = FormValues {
                content,
                errors,
                invite: Default::default(),
            };
            show_entry(&state, lang, &current, author.entry(), Some(values)).await
        }
        Err(err) => refused(&state, lang, err),
    }
}

fn entry_path(id: i64, lang: Lang) -> String {
    format!("/konto/ideen/{id}?lang={}", lang.code())
}

fn submitted_redirect(state: &AppState, lang: Lang, submitted: &entry::Model) -> Response {
    flash::redirect(
        state,
        &entry_path(submitted.id, lang),
        Flash::with(
            Notice::Submitted,
            submitted.receipt_number.clone().unwrap_or_default(),
        ),
    )
}

#[handler]
pub async fn my_entries(person: Person, state: Data<&AppState>) -> poem::Result<Response> {
    let Person { lang, current } = person;
    let mine = entries::mine(&state.db, &current.user)
        .await
        .map_err(internal)?;
    // One read of the competitions, however many ideas.
    let competitions: std::collections::HashMap<i64, competition::Model> =
        competitions::list(&state.db, true)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let views: Vec<EntryView> = mine
        .iter()
        .filter_map(|model| {
            competitions
                .get(&model.competition_id)
                .map(|competition| entry_view(lang, model, competition))
        })
        .collect();
    // Winners find their certificate and the payout form here too.
    let ids: Vec<i64> = mine.iter().map(|e| e.id).collect();
    let awarded: Vec<i64> = crate::services::payouts::awarded(&state.db, &ids)
        .await
        .map_err(internal)?
        .into_iter()
        .filter(|id| {
            mine.iter()
                .find(|e| e.id == *id)
                .and_then(|e| competitions.get(&e.competition_id))
                .is_some_and(|c| crate::services::announcements::public(c.state))
        })
        .collect();
    let mut context = Context::new();
    context.insert("entries", &views);
    context.insert("awarded", &awarded);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("my_entries.html", lang, "/konto/ideen", context),
    ))
}

#[handler]
pub async fn entry_page(
    id: Path<i64>,
    person: Person,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Person { lang, current } = person;
    match entries::find_own(&state.db, &current.user, id.0).await {
        Ok(found) => show_entry(&state, lang, &current, &found, None).await,
        Err(err) => refused(&state, lang, err),
    }
}

/// What a POST to an entry does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Saves what is in the form.
    Save,
    /// Saves what is in the form, then submits it.
    Submit,
    Withdraw,
}

/// Saves, submits or withdraws. When saving or submitting fails, the page shows
/// what was typed with what to fix: nothing typed is lost.
async fn act(
    form: CsrfForm<Fields>,
    id: i64,
    state: &AppState,
    step: Step,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let fields = &fields;
    let author = authorization::entry_author(&state.db, &current.user, id)
        .await
        .map_err(|err| refusal(state, lang, err))?;
    let found = author.entry().clone();
    let public_url = &state.settings.server.public_url;
    let mut sent = None;
    // The form's fields are saved first, unless this is the bare withdraw form.
    if step != Step::Withdraw && field(fields, "title").is_some() {
        let competition = competitions::find(&state.db, found.competition_id)
            .await
            .map_err(internal)?;
        let content = typed_content(state, &competition, fields).await?;
        sent = Some(content.clone());
        if let Err(err) = entries::update(&state.db, state.now(), &author, content).await {
            return answer_problem(state, lang, &current, &found, sent, err).await;
        }
    }
    let outcome = match step {
        Step::Save => {
            let notice = if found.status == EntryStatus::Draft {
                Notice::DraftSaved
            } else {
                Notice::ChangesSaved
            };
            return Ok(flash::redirect(
                state,
                &entry_path(id, lang),
                Flash::new(notice),
            ));
        }
        Step::Submit => entries::submit(&state.db, state.now(), &author, public_url).await,
        Step::Withdraw => entries::withdraw(&state.db, state.now(), &author, public_url).await,
    };
    match outcome {
        Ok(changed) => {
            state.queued();
            Ok(match step {
                Step::Withdraw => {
                    flash::redirect(state, &entry_path(id, lang), Flash::new(Notice::Withdrawn))
                }
                _ => submitted_redirect(state, lang, &changed),
            })
        }
        Err(err) => answer_problem(state, lang, &current, &found, sent, err).await,
    }
}

/// The entry page with what was sent (or what is stored) and what to fix; other
/// refusals get their page.
async fn answer_problem(
    state: &AppState,
    lang: Lang,
    current: &SignedIn,
    found: &entry::Model,
    sent: Option<EntryContent>,
    err: ServiceError,
) -> poem::Result<Response> {
    let ServiceError::Fields(errors) = err else {
        return refused(state, lang, err);
    };
    let content = match sent {
        Some(content) => content,
        None => stored_values(state, found).await?.content,
    };
    let values = FormValues {
        content,
        errors,
        invite: Default::default(),
    };
    show_entry(state, lang, current, found, Some(values)).await
}

/// Saves the form, or saves and submits it (`step=submit`).
#[handler]
pub async fn update_entry(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let step = if field(&form.fields, "step") == Some("submit") {
        Step::Submit
    } else {
        Step::Save
    };
    act(form, id.0, &state, step).await
}

/// Submits, saving the form's fields first when they are sent along.
#[handler]
pub async fn submit_entry(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    act(form, id.0, &state, Step::Submit).await
}

/// Asks first: withdrawing cannot be undone.
#[handler]
pub async fn confirm_withdrawal(
    id: Path<i64>,
    person: Person,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Person { lang, current } = person;
    let author = authorization::entry_author(&state.db, &current.user, id.0)
        .await
        .map_err(|err| refusal(&state, lang, err))?;
    author
        .lead("withdraw the entry")
        .map_err(|err| refusal(&state, lang, err))?;
    let path = format!("/konto/ideen/{}/zurueckziehen", id.0);
    let mut context = Context::new();
    context.insert("title", lang.text("withdraw_confirm_title"));
    context.insert(
        "text",
        &format!(
            "„{}“: {}",
            author.entry().title,
            lang.text("withdraw_confirm_text")
        ),
    );
    context.insert("action", &path);
    context.insert("csrf", &current.session.csrf_token);
    context.insert("button", lang.text("withdraw_confirm_button"));
    context.insert("cancel", lang.text("withdraw_cancel"));
    context.insert("cancel_href", &entry_path(id.0, lang));
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("confirm.html", lang, &path, context),
    ))
}

#[handler]
pub async fn withdraw_entry(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    act(form, id.0, &state, Step::Withdraw).await
}
