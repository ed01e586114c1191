//! Co-authors on the entry page: inviting, removing, and accepting an invitation
//! from its email link.

use super::super::extract::Visitor;
use super::*;
use crate::domain::email_address::EmailAddress;
use crate::services::authorization;

/// The entry page's part about the team: the co-authors, and for the lead the
/// invitation form with what was typed and what to fix.
pub(super) async fn describe(
    state: &AppState,
    current: &SignedIn,
    entry: &entry::Model,
    (typed, error): (&(String, String), Option<String>),
    context: &mut Context,
) -> poem::Result<()> {
    let membership = authorization::entry_author(&state.db, &current.user, entry.id)
        .await
        .map_err(internal)?
        .membership();
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
    context.insert("coauthor_error", &error);
    context.insert("invite_name", &typed.0);
    context.insert("invite_email", &typed.1);
    Ok(())
}

/// A co-author, ready for the template.
#[derive(Serialize)]
struct CoauthorView {
    id: i64,
    name: String,
    email: String,
    accepted: bool,
}

/// What to fix in the invitation form, in the page's language.
fn invitation_problem(err: &ServiceError) -> Option<Localized> {
    Some(match err {
        ServiceError::Duplicate { .. } => Localized::new(
            "Diese Person ist bereits eingeladen.",
            "This person has already been invited.",
        ),
        ServiceError::Fields(problems) if !problems.is_empty() => problems[0].message.clone(),
        ServiceError::Invalid { field: "email", .. } => Localized::new(
            "Bitte geben Sie eine gültige E-Mail-Adresse an, zum Beispiel name@example.de.",
            "Please give a valid email address, for example name@example.com.",
        ),
        _ => return None,
    })
}

#[handler]
pub async fn invite_coauthor(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields: form,
    } = form;
    let author = authorization::entry_author(&state.db, &current.user, id.0)
        .await
        .map_err(|err| refusal(&state, lang, err))?;
    let found = author.entry().clone();
    let name = field(&form, "coauthor_name").unwrap_or_default();
    let email = field(&form, "coauthor_email").unwrap_or_default();
    let invited = async {
        let email = EmailAddress::parse(email)?;
        coauthors::invite(
            &state.db,
            state.now(),
            &author,
            &email,
            name,
            &state.settings.server.public_url,
        )
        .await
    }
    .await;
    match invited {
        Ok(_) => {
            state.queued();
            Ok(flash::redirect(
                &state,
                &format!("/konto/ideen/{}?lang={}#mitautoren", found.id, lang.code()),
                Flash::with(Notice::CoauthorInvited, email.trim()),
            ))
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
    Path((id, coauthor_id)): Path<(i64, i64)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm { lang, current, .. } = form;
    let author = authorization::entry_author(&state.db, &current.user, id)
        .await
        .map_err(|err| refusal(&state, lang, err))?;
    match coauthors::remove(&state.db, state.now(), &author, coauthor_id).await {
        Ok(()) => Ok(flash::redirect(
            &state,
            &format!("/konto/ideen/{id}?lang={}#mitautoren", lang.code()),
            Flash::new(Notice::CoauthorRemoved),
        )),
        Err(err) => refused(&state, lang, err),
    }
}

#[derive(serde::Deserialize)]
pub struct InvitationParams {
    token: Option<String>,
}

/// The invitation link from the email: says what accepting means, and accepts
/// only with a button (mail scanners that follow links accept nothing).
#[handler]
pub async fn invitation_page(
    visitor: Visitor,
    params: Query<InvitationParams>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Visitor {
        lang,
        person: current,
    } = visitor;
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
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields: form,
    } = form;
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
