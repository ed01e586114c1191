//! The people page for administrators: every account with its role and last
//! sign-in (a keyset list with search and a role filter), inviting staff,
//! coordinators and jurors by email, changing a role, assigning coordinators to
//! competitions, and deactivating an account. The last working administrator is
//! protected here exactly as in the API: the rule lives in `services::users`.

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::super::entries::{Fields, field};
use super::super::extract::{Administrator, CsrfForm};
use super::super::flash::{self, Flash, Notice};
use super::super::i18n::Lang;
use super::super::session::{internal, refusal};
use super::{admin_of, when};
use crate::app::AppState;
use crate::domain::email_address::EmailAddress;
use crate::domain::roles::Role;
use crate::entities::user;
use crate::services::authorization::Admin;
use crate::services::users::{self, PEOPLE_PAGE, PeopleFilter};
use crate::services::{ServiceError, competitions, coordinators};

#[derive(Deserialize)]
pub struct PeopleParams {
    q: Option<String>,
    rolle: Option<String>,
    nach: Option<i64>,
}

#[derive(Serialize)]
struct PersonRow {
    id: i64,
    name: String,
    email: String,
    role: &'static str,
    last_sign_in: String,
    deactivated: bool,
}

fn person_row(lang: Lang, person: &user::Model) -> PersonRow {
    PersonRow {
        id: person.id,
        name: person.display_name.clone(),
        email: person.email.clone(),
        role: lang.text(&format!("role_{}", person.role.as_str())),
        last_sign_in: person
            .last_signed_in_at
            .map(|at| when(lang, at))
            .unwrap_or_else(|| lang.text("people_never").to_owned()),
        deactivated: person.deactivated_at.is_some(),
    }
}

fn role_options(lang: Lang, roles: &[Role]) -> Vec<(&'static str, &'static str)> {
    roles
        .iter()
        .map(|role| (role.as_str(), lang.text(&format!("role_{}", role.as_str()))))
        .collect()
}

#[handler]
pub async fn people(
    params: Query<PeopleParams>,
    member: Administrator,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Administrator { lang, admin, .. } = member;
    let filter = PeopleFilter {
        role: params.rolle.as_deref().and_then(|r| r.parse().ok()),
        query: params
            .q
            .as_deref()
            .map(|q| q.trim().chars().take(200).collect::<String>())
            .filter(|q| !q.is_empty()),
    };
    let mut found = users::page(&state.db, &admin, &filter, params.nach, PEOPLE_PAGE + 1)
        .await
        .map_err(internal)?;
    let more = found.len() as u64 > PEOPLE_PAGE;
    found.truncate(PEOPLE_PAGE as usize);
    let rows: Vec<PersonRow> = found.iter().map(|p| person_row(lang, p)).collect();
    let mut query: Vec<(&str, String)> = vec![("lang", lang.code().to_owned())];
    if let Some(role) = filter.role {
        query.push(("rolle", role.as_str().to_owned()));
    }
    if let Some(q) = &filter.query {
        query.push(("q", q.clone()));
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    let mut context = Context::new();
    context.insert("rows", &rows);
    context.insert("next", &more.then(|| found.last().map(|p| p.id)).flatten());
    context.insert("after", &params.nach);
    context.insert("query", &query);
    context.insert("q", &filter.query.unwrap_or_default());
    context.insert("role", &filter.role.map(Role::as_str).unwrap_or_default());
    context.insert("role_options", &role_options(lang, &Role::ALL));
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("staff_people.html", lang, "/verwaltung/personen", context),
    ))
}

/// What was typed into the invitation form.
#[derive(Default, Serialize)]
struct Invitee {
    email: String,
    name: String,
    role: String,
}

#[derive(Serialize)]
struct Problem {
    field: &'static str,
    message: &'static str,
}

fn render_invite(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    invitee: &Invitee,
    errors: Vec<Problem>,
) -> Response {
    let mut context = Context::new();
    context.insert("csrf", csrf);
    context.insert("invitee", invitee);
    context.insert(
        "role_options",
        &role_options(lang, &[Role::Juror, Role::Coordinator, Role::Admin]),
    );
    for key in ["email", "name", "role"] {
        let message = errors.iter().find(|e| e.field == key).map(|e| e.message);
        context.insert(format!("{key}_error"), &message);
    }
    let failed = !errors.is_empty();
    context.insert("errors", &errors);
    let html = state.pages.render_html(
        "staff_invite.html",
        lang,
        "/verwaltung/personen/einladen",
        context,
    );
    let mut response = state.pages.respond(lang, html);
    if failed {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    response
}

#[handler]
pub async fn invite_form(member: Administrator, state: Data<&AppState>) -> Response {
    let Administrator { lang, current, .. } = member;
    let invitee = Invitee {
        role: Role::Juror.as_str().to_owned(),
        ..Default::default()
    };
    render_invite(
        &state,
        lang,
        &current.session.csrf_token,
        &invitee,
        Vec::new(),
    )
}

#[handler]
pub async fn invite(form: CsrfForm<Fields>, state: Data<&AppState>) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let text = |name| field(&fields, name).unwrap_or_default().trim().to_owned();
    let invitee = Invitee {
        email: text("email"),
        name: text("name"),
        role: text("role"),
    };
    let mut errors = Vec::new();
    let email = EmailAddress::parse(&invitee.email).ok();
    if email.is_none() {
        errors.push(Problem {
            field: "email",
            message: lang.text("people_email_invalid"),
        });
    }
    if invitee.name.is_empty() || invitee.name.chars().count() > 200 {
        errors.push(Problem {
            field: "name",
            message: lang.text("people_name_missing"),
        });
    }
    let role = invitee
        .role
        .parse::<Role>()
        .ok()
        .filter(|role| role.is_invited());
    if role.is_none() {
        errors.push(Problem {
            field: "role",
            message: lang.text("people_role_missing"),
        });
    }
    let csrf = current.session.csrf_token.clone();
    let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
        return Ok(render_invite(&state, lang, &csrf, &invitee, errors));
    };
    let invited = users::invite(
        &state.db,
        &admin,
        state.now(),
        &state.settings.server.public_url,
        &email,
        &invitee.name,
        role,
    )
    .await;
    match invited {
        Ok(person) => {
            state.queued();
            Ok(flash::redirect(
                &state,
                &format!("/verwaltung/personen/{}?lang={}", person.id, lang.code()),
                Flash::with(Notice::PersonInvited, person.email),
            ))
        }
        Err(ServiceError::Duplicate { .. }) => {
            let errors = vec![Problem {
                field: "email",
                message: lang.text("people_email_taken"),
            }];
            Ok(render_invite(&state, lang, &csrf, &invitee, errors))
        }
        Err(err) => Err(refusal(&state, lang, err)),
    }
}

async fn render_person(
    state: &AppState,
    lang: Lang,
    admin: &Admin,
    csrf: &str,
    person: &user::Model,
    error: Option<&'static str>,
) -> poem::Result<Response> {
    let assigned = coordinators::competitions_of(&state.db, admin, person.id)
        .await
        .map_err(internal)?;
    let all = competitions::list(&state.db, true)
        .await
        .map_err(internal)?;
    let (mine, others): (Vec<_>, Vec<_>) = all.into_iter().partition(|c| assigned.contains(&c.id));
    let named = |list: Vec<crate::entities::competition::Model>| -> Vec<(i64, String)> {
        list.into_iter().map(|c| (c.id, c.full_name())).collect()
    };
    let mut context = Context::new();
    context.insert("csrf", csrf);
    context.insert("person", &person_row(lang, person));
    context.insert("role", person.role.as_str());
    context.insert("created", &when(lang, person.created_at));
    context.insert("is_coordinator", &(person.role == Role::Coordinator));
    context.insert("assigned", &named(mine));
    context.insert("assignable", &named(others));
    context.insert("role_options", &role_options(lang, &Role::ALL));
    context.insert("error", &error);
    let path = format!("/verwaltung/personen/{}", person.id);
    let html = state
        .pages
        .render_html("staff_person.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    if error.is_some() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

async fn found(state: &AppState, lang: Lang, id: i64) -> poem::Result<user::Model> {
    users::find(&state.db, id)
        .await
        .map_err(|err| refusal(state, lang, err))
}

#[handler]
pub async fn person_page(
    id: Path<i64>,
    member: Administrator,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Administrator {
        lang,
        admin,
        current,
    } = member;
    let person = found(&state, lang, id.0).await?;
    render_person(
        &state,
        lang,
        &admin,
        &current.session.csrf_token,
        &person,
        None,
    )
    .await
}

/// The rule's refusal in the page's language.
fn explain(lang: Lang, err: &ServiceError) -> Option<&'static str> {
    match err {
        ServiceError::Invalid { message, .. } if message.contains("last administrator") => {
            Some(lang.text("people_last_admin"))
        }
        ServiceError::Invalid {
            field: "user_id", ..
        } => Some(lang.text("people_not_coordinator")),
        ServiceError::Duplicate { .. } => Some(lang.text("people_already_assigned")),
        _ => None,
    }
}

/// An action on the person page: done → back to the page with a confirmation;
/// refused by a rule → the page again with the reason.
async fn after(
    state: &AppState,
    lang: Lang,
    admin: &Admin,
    csrf: &str,
    id: i64,
    outcome: Result<Flash, ServiceError>,
) -> poem::Result<Response> {
    match outcome {
        Ok(done) => Ok(flash::redirect(
            state,
            &format!("/verwaltung/personen/{id}?lang={}", lang.code()),
            done,
        )),
        Err(err) => match explain(lang, &err) {
            Some(message) => {
                let person = found(state, lang, id).await?;
                render_person(state, lang, admin, csrf, &person, Some(message)).await
            }
            None => Err(refusal(state, lang, err)),
        },
    }
}

#[handler]
pub async fn change_role(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let csrf = current.session.csrf_token.clone();
    let Some(role) = field(&fields, "role").and_then(|r| r.parse::<Role>().ok()) else {
        let person = found(&state, lang, id.0).await?;
        let message = Some(lang.text("people_role_missing"));
        return render_person(&state, lang, &admin, &csrf, &person, message).await;
    };
    let outcome = users::set_role(&state.db, &admin, state.now(), id.0, role)
        .await
        .map(|_| {
            Flash::with(
                Notice::RoleChanged,
                lang.text(&format!("role_{}", role.as_str())),
            )
        });
    after(&state, lang, &admin, &csrf, id.0, outcome).await
}

#[handler]
pub async fn assign(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let csrf = current.session.csrf_token.clone();
    let Some(competition_id) = field(&fields, "competition").and_then(|c| c.parse::<i64>().ok())
    else {
        let person = found(&state, lang, id.0).await?;
        let message = Some(lang.text("people_competition_missing"));
        return render_person(&state, lang, &admin, &csrf, &person, message).await;
    };
    let outcome = async {
        let competition = competitions::find(&state.db, competition_id).await?;
        coordinators::assign(&state.db, &admin, state.now(), competition_id, id.0).await?;
        Ok(Flash::with(
            Notice::CoordinatorAssigned,
            competition.full_name(),
        ))
    }
    .await;
    after(&state, lang, &admin, &csrf, id.0, outcome).await
}

#[handler]
pub async fn unassign(
    Path((id, competition_id)): Path<(i64, i64)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm { lang, current, .. } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let csrf = current.session.csrf_token.clone();
    let outcome = async {
        let competition = competitions::find(&state.db, competition_id).await?;
        coordinators::unassign(&state.db, &admin, state.now(), competition_id, id).await?;
        Ok(Flash::with(
            Notice::CoordinatorRemoved,
            competition.full_name(),
        ))
    }
    .await;
    after(&state, lang, &admin, &csrf, id, outcome).await
}

#[handler]
pub async fn deactivate(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm { lang, current, .. } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let csrf = current.session.csrf_token.clone();
    let outcome = users::deactivate(&state.db, &admin, state.now(), id.0)
        .await
        .map(|person| Flash::with(Notice::PersonDeactivated, person.email));
    after(&state, lang, &admin, &csrf, id.0, outcome).await
}

#[handler]
pub async fn reactivate(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm { lang, current, .. } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let csrf = current.session.csrf_token.clone();
    let outcome = users::reactivate(&state.db, &admin, state.now(), id.0)
        .await
        .map(|person| Flash::with(Notice::PersonReactivated, person.email));
    after(&state, lang, &admin, &csrf, id.0, outcome).await
}
