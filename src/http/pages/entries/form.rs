//! The entry form: starting an idea, the person's ideas, editing, submitting and
//! withdrawing.

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
    let goals = programme_goals(&state, &competition)
        .await
        .map_err(internal)?;
    let entry_form = competitions::form_of(&competition).map_err(internal)?;
    let content = content_from(&form, &goals, &entry_form);
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

/// Saves changes (`step` absent), submits or withdraws.
async fn act(
    form: CsrfForm<Fields>,
    id: i64,
    state: &AppState,
    step: Option<&str>,
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
    let outcome = match step {
        Some("submit") => entries::submit(&state.db, state.now(), &author, public_url).await,
        Some(_) => entries::withdraw(&state.db, state.now(), &author, public_url).await,
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
            entries::update(&state.db, state.now(), &author, content).await
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
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    act(form, id.0, &state, None).await
}

#[handler]
pub async fn submit_entry(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    act(form, id.0, &state, Some("submit")).await
}

#[handler]
pub async fn withdraw_entry(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    act(form, id.0, &state, Some("withdraw")).await
}
