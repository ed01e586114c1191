//! Accounts on the web: signing in (`sign_in`), passwords, two-factor sign-in and
//! API tokens (`access`), and here the account page, language, notifications,
//! data export, deletion and signing out.

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use poem::{Route, get, post};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::extract::{CsrfForm, Person};
use super::i18n::Lang;
use super::session::too_many;
use super::session::{
    BROWSER_COOKIE, RETURN_COOKIE, SESSION_COOKIE, SignedIn, add_cookie, cookie, internal,
    safe_return, see_other, set_cookie,
};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::domain::time;
use crate::http::rate_limit;
use crate::services::ServiceError;
use crate::services::identity::SignInError;
use crate::services::identity::api_tokens;
use crate::services::identity::credentials;
use crate::services::identity::sessions;
use crate::services::identity::sign_in as signing_in;
use crate::services::identity::tokens;
use crate::services::{subscriptions, users};

mod access;
mod sign_in;

pub use access::{create_token, enable_two_factor, revoke_token, set_password, start_two_factor};
pub use sign_in::{complete_sign_in, link_page, password_sign_in, request_sign_in, sign_in_page};

/// The sign-in page's query: its language and the page to return to.
#[derive(Deserialize)]
pub struct SignInParams {
    pub lang: Option<String>,
    pub weiter: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    lang: Option<String>,
    weiter: Option<String>,
}

#[derive(Deserialize)]
pub struct LinkForm {
    token: Option<String>,
    code: Option<String>,
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct PasswordSignInForm {
    email: String,
    password: String,
    code: Option<String>,
    lang: Option<String>,
    weiter: Option<String>,
}

#[derive(Deserialize)]
pub struct CredentialForm {
    password: Option<String>,
    code: Option<String>,
}

/// After a successful sign-in: the session cookie, and on to the page the person
/// wanted (`back`, a path on this site), or their start page: the staff overview
/// for staff, the account otherwise.
fn signed_in_response(
    state: &AppState,
    lang: Lang,
    role: Role,
    session: &str,
    back: Option<&str>,
) -> Response {
    let start = match role {
        Role::Admin | Role::Coordinator => format!("/verwaltung?lang={}", lang.code()),
        Role::Entrant | Role::Juror => format!("/konto?lang={}", lang.code()),
    };
    let target = back.and_then(safe_return).map_or(start, str::to_owned);
    let mut response = see_other(&target);
    let max_age = state.settings.auth.session_absolute_hours * 3600;
    // A new session value at every sign-in: a value planted before is never adopted.
    add_cookie(
        &mut response,
        &set_cookie(state, SESSION_COOKIE, session, max_age),
    );
    add_cookie(&mut response, &set_cookie(state, BROWSER_COOKIE, "", 0));
    add_cookie(&mut response, &set_cookie(state, RETURN_COOKIE, "", 0));
    response
}

fn code_of(code: &Option<String>) -> Option<&str> {
    code.as_deref().map(str::trim).filter(|c| !c.is_empty())
}

#[derive(Deserialize)]
pub struct SignOutForm {
    everywhere: Option<String>,
}

#[derive(Serialize)]
struct TokenRow {
    id: i64,
    name: String,
    created: String,
    revoked: bool,
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: Option<String>,
}

#[derive(Deserialize)]
pub struct LocaleForm {
    locale: Option<String>,
}

#[handler]
pub async fn set_locale(
    form: CsrfForm<LocaleForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields: form,
    } = form;
    let locale = form.locale.as_deref().unwrap_or_default();
    match users::set_locale(&state.db, state.now(), current.user.id, locale).await {
        Ok(()) | Err(ServiceError::Invalid { .. }) => {
            Ok(see_other(&format!("/konto?lang={}", lang.code())))
        }
        Err(err) => Err(internal(err)),
    }
}

#[handler]
pub async fn unsubscribe_own(
    id: Path<i64>,
    form: CsrfForm<TokenForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm { lang, current, .. } = form;
    match subscriptions::unsubscribe_own(&state.db, state.now(), &current.user.email, id.0).await {
        Ok(()) => Ok(see_other(&format!("/konto?lang={}", lang.code()))),
        Err(ServiceError::NotFound { .. }) => Ok(state.pages.message(lang, StatusCode::NOT_FOUND)),
        Err(err) => Err(internal(err)),
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    confirm: Option<String>,
}

/// The account page, with a just-created token's value when there is one.
async fn render_account(
    state: &AppState,
    lang: Lang,
    current: &SignedIn,
    new_token: Option<String>,
) -> poem::Result<Response> {
    let tokens = api_tokens::tokens(&state.db, current.user.id)
        .await
        .map_err(internal)?;
    let rows: Vec<_> = tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: if lang == Lang::En {
                time::format_en(t.created_at)
            } else {
                time::format_de(t.created_at)
            },
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    let mut context = Context::new();
    context.insert("email", &current.user.email);
    context.insert("role", lang.text(&format!("role_{}", current.user.role)));
    context.insert("is_admin", &(current.user.role == Role::Admin));
    context.insert("is_staff", &(current.user.role != Role::Entrant));
    context.insert("is_juror", &(current.user.role == Role::Juror));
    context.insert("two_factor", &current.user.totp_enabled_at.is_some());
    context.insert("csrf", &current.session.csrf_token);
    context.insert("tokens", &rows);
    context.insert("locale", &current.user.locale);
    let own = subscriptions::of_email(&state.db, &current.user.email)
        .await
        .map_err(internal)?;
    let own: Vec<_> = own
        .into_iter()
        .map(|s| serde_json::json!({ "id": s.id, "scope_name": s.scope_name, "status": s.status }))
        .collect();
    context.insert("subscriptions", &own);
    context.insert("new_token", &new_token);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("account.html", lang, "/konto", context),
    ))
}

#[handler]
pub async fn account_page(person: Person, state: Data<&AppState>) -> poem::Result<Response> {
    let Person { lang, current } = person;
    render_account(&state, lang, &current, None).await
}

/// All personal data as a JSON download.
#[handler]
pub async fn export_data(person: Person, state: Data<&AppState>) -> poem::Result<Response> {
    let Person { current, .. } = person;
    let data = users::export(&state.db, current.user.id)
        .await
        .map_err(internal)?;
    let body = serde_json::to_string_pretty(&data)
        .map_err(|err| internal(ServiceError::Corrupt(err.to_string())))?;
    Ok(Response::builder()
        .content_type("application/json; charset=utf-8")
        .header(
            "content-disposition",
            "attachment; filename=\"meine-daten.json\"",
        )
        .header("cache-control", "no-store")
        .body(body))
}

#[handler]
pub async fn delete_account(
    form: CsrfForm<DeleteForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields: form,
    } = form;
    let refused = || {
        state.pages.notice(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "delete_refused_title",
            "delete_refused_text",
        )
    };
    if form.confirm.as_deref() != Some("yes") {
        return Ok(refused());
    }
    match users::delete(&state.db, state.now(), current.user.id).await {
        Ok(()) => {
            let mut response =
                state
                    .pages
                    .notice(lang, StatusCode::OK, "deleted_title", "deleted_text");
            add_cookie(&mut response, &set_cookie(&state, SESSION_COOKIE, "", 0));
            Ok(response)
        }
        Err(ServiceError::Invalid { .. }) => Ok(refused()),
        Err(err) => Err(internal(err)),
    }
}

#[handler]
pub async fn sign_out(
    form: CsrfForm<SignOutForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields: form,
    } = form;
    let everywhere = form.everywhere.is_some();
    sessions::sign_out(&state.db, state.now(), &current.session, everywhere)
        .await
        .map_err(internal)?;
    let mut response =
        state
            .pages
            .notice(lang, StatusCode::OK, "signed_out_title", "signed_out_text");
    add_cookie(&mut response, &set_cookie(&state, SESSION_COOKIE, "", 0));
    Ok(response)
}

/// Signing in and out, and the account page with its keys, data and settings.
pub(super) fn routes(route: Route) -> Route {
    route
        .at("/anmelden", get(sign_in_page).post(request_sign_in))
        .at("/anmelden/link", get(link_page).post(complete_sign_in))
        .at("/konto", get(account_page))
        .at("/konto/abmelden", post(sign_out))
        .at("/konto/schluessel", post(create_token))
        .at("/konto/schluessel/:id/widerrufen", post(revoke_token))
        .at("/konto/daten", get(export_data))
        .at("/konto/loeschen", post(delete_account))
        .at("/anmelden/passwort", post(password_sign_in))
        .at("/konto/passwort", post(set_password))
        .at("/konto/2fa", post(start_two_factor))
        .at("/konto/sprache", post(set_locale))
        .at(
            "/konto/benachrichtigungen/:id/abbestellen",
            post(unsubscribe_own),
        )
        .at("/konto/2fa/einschalten", post(enable_two_factor))
}
