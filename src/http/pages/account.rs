//! Signing in with an emailed link, the account page, and signing out.

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::i18n::Lang;
use super::session::too_many;
use super::session::{
    BROWSER_COOKIE, SESSION_COOKIE, SignedIn, add_cookie, cookie, csrf_ok, internal,
    require_person, see_other, set_cookie, signed_in,
};
use crate::app::AppState;
use crate::domain::time;
use crate::http::rate_limit;
use crate::services::ServiceError;
use crate::services::accounts::ROLE_ADMIN;
use crate::services::credentials;
use crate::services::sessions::{self, SignInError};
use crate::services::{subscriptions, users};

#[derive(Deserialize)]
pub struct LangParam {
    pub lang: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    lang: Option<String>,
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
}

#[derive(Deserialize)]
pub struct CredentialForm {
    csrf: Option<String>,
    password: Option<String>,
    code: Option<String>,
    lang: Option<String>,
}

/// After a successful sign-in: the session cookie, and on to the right page.
fn signed_in_response(state: &AppState, lang: Lang, role: &str, session: &str) -> Response {
    let target = if role == ROLE_ADMIN {
        "/admin/emails"
    } else {
        "/konto"
    };
    let mut response = see_other(&format!("{target}?lang={}", lang.code()));
    let max_age = state.settings.auth.session_absolute_hours * 3600;
    // A new session value at every sign-in: a value planted before is never adopted.
    add_cookie(
        &mut response,
        &set_cookie(state, SESSION_COOKIE, session, max_age),
    );
    add_cookie(&mut response, &set_cookie(state, BROWSER_COOKIE, "", 0));
    response
}

fn code_of(code: &Option<String>) -> Option<&str> {
    code.as_deref().map(str::trim).filter(|c| !c.is_empty())
}

#[derive(Deserialize)]
pub struct SignOutForm {
    csrf: Option<String>,
    everywhere: Option<String>,
    lang: Option<String>,
}

pub fn chosen_lang(req: &Request, chosen: Option<&str>) -> Lang {
    match chosen {
        Some("en") => Lang::En,
        Some("de") => Lang::De,
        _ => Lang::of(req),
    }
}

#[handler]
pub fn sign_in_page(req: &Request, params: Query<LangParam>, state: Data<&AppState>) -> Response {
    let lang = chosen_lang(req, params.lang.as_deref());
    state.pages.respond(
        lang,
        state
            .pages
            .render_html("sign_in.html", lang, "/anmelden", Context::new()),
    )
}

#[handler]
pub async fn request_sign_in(
    req: &Request,
    form: Form<SignInForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, form.lang.as_deref());
    if let Err(wait) =
        state
            .limiter
            .check(rate_limit::SIGN_IN, rate_limit::client_ip(req), state.now())
    {
        return Ok(too_many(&state, lang, wait));
    }
    // The link will only work in the browser that holds this cookie.
    let browser = cookie(req, BROWSER_COOKIE)
        .filter(|v| v.len() == 64)
        .unwrap_or_else(sessions::random_token);
    let outcome = sessions::request_link(
        &state.db,
        state.now(),
        &state.settings.auth,
        &state.settings.server.public_url,
        &form.email,
        lang.code(),
        &browser,
    )
    .await;
    let mut response = match outcome {
        Ok(()) => {
            state.queued();
            state.pages.notice(
                lang,
                StatusCode::OK,
                "sign_in_sent_title",
                "sign_in_sent_text",
            )
        }
        Err(ServiceError::RateLimited {
            retry_after_seconds,
        }) => {
            return Ok(too_many(&state, lang, retry_after_seconds));
        }
        Err(ServiceError::Invalid { .. }) => state.pages.notice(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "subscribe_invalid_title",
            "subscribe_invalid_text",
        ),
        Err(err) => return Err(internal(err)),
    };
    let max_age = state.settings.auth.sign_in_link_minutes * 60;
    add_cookie(
        &mut response,
        &set_cookie(&state, BROWSER_COOKIE, &browser, max_age),
    );
    Ok(response)
}

#[handler]
pub fn link_page(req: &Request, params: Query<LinkForm>, state: Data<&AppState>) -> Response {
    let lang = chosen_lang(req, params.lang.as_deref());
    let keys = ["link_title", "link_text", "link_button"];
    state.pages.action(
        lang,
        keys,
        "/anmelden/link",
        params.token.as_deref().unwrap_or_default(),
    )
}

#[handler]
pub async fn complete_sign_in(
    req: &Request,
    form: Form<LinkForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, form.lang.as_deref());
    let browser = cookie(req, BROWSER_COOKIE);
    let token = form.token.as_deref().unwrap_or_default();
    let code = code_of(&form.code);
    match sessions::complete(
        &state.db,
        state.now(),
        &state.settings.auth,
        token,
        browser.as_deref(),
        code,
    )
    .await
    {
        Ok((user, session)) => Ok(signed_in_response(&state, lang, &user.role, &session)),
        Err(SignInError::Invalid | SignInError::WrongCredentials) => Ok(state.pages.notice(
            lang,
            StatusCode::BAD_REQUEST,
            "sign_in_invalid_title",
            "sign_in_invalid_text",
        )),
        Err(SignInError::OtherBrowser) => Ok(state.pages.notice(
            lang,
            StatusCode::BAD_REQUEST,
            "sign_in_other_browser_title",
            "sign_in_other_browser_text",
        )),
        Err(SignInError::CodeRequired) => {
            let mut context = Context::new();
            context.insert("token", token);
            context.insert("wrong", &code.is_some());
            Ok(state.pages.respond(
                lang,
                state
                    .pages
                    .render_html("code.html", lang, "/anmelden/link", context),
            ))
        }
        Err(SignInError::Service(err)) => Err(internal(err)),
    }
}

#[handler]
pub async fn password_sign_in(
    req: &Request,
    form: Form<PasswordSignInForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, form.lang.as_deref());
    if let Err(wait) = state.limiter.check(
        rate_limit::PASSWORD,
        rate_limit::client_ip(req),
        state.now(),
    ) {
        return Ok(too_many(&state, lang, wait));
    }
    let outcome = credentials::sign_in_with_password(
        &state.db,
        state.now(),
        &state.settings.auth,
        &form.email,
        &form.password,
        code_of(&form.code),
    )
    .await;
    match outcome {
        Ok((user, session)) => Ok(signed_in_response(&state, lang, &user.role, &session)),
        Err(SignInError::Service(err)) => Err(internal(err)),
        Err(_) => Ok(state.pages.notice(
            lang,
            StatusCode::UNAUTHORIZED,
            "password_wrong_title",
            "password_wrong_text",
        )),
    }
}

#[handler]
pub async fn set_password(
    req: &Request,
    form: Form<CredentialForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, form.lang.as_deref());
    let current = match require_person(req, &state, lang, form.csrf.as_deref()).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    let password = form.password.as_deref().unwrap_or_default();
    match credentials::set_password(&state.db, state.now(), current.user.id, password).await {
        Ok(()) => Ok(state.pages.notice(
            lang,
            StatusCode::OK,
            "password_saved_title",
            "password_saved_text",
        )),
        Err(ServiceError::Invalid { .. }) => Ok(state.pages.notice(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "password_invalid_title",
            "password_invalid_text",
        )),
        Err(err) => Err(internal(err)),
    }
}

fn two_factor_page(
    state: &AppState,
    lang: Lang,
    current: &SignedIn,
    secret: &str,
    url: &str,
    wrong: bool,
) -> Response {
    let mut context = Context::new();
    context.insert("secret", secret);
    context.insert("otpauth_url", url);
    context.insert("csrf", &current.session.csrf_token);
    context.insert("wrong", &wrong);
    state.pages.respond(
        lang,
        state
            .pages
            .render_html("two_factor.html", lang, "/konto/2fa", context),
    )
}

#[handler]
pub async fn start_two_factor(
    req: &Request,
    form: Form<CredentialForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, form.lang.as_deref());
    let current = match require_person(req, &state, lang, form.csrf.as_deref()).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    match credentials::start_two_factor(&state.db, current.user.id).await {
        Ok(setup) => Ok(two_factor_page(
            &state,
            lang,
            &current,
            &setup.secret,
            &setup.otpauth_url,
            false,
        )),
        Err(ServiceError::Invalid { .. }) => Ok(see_other(&format!("/konto?lang={}", lang.code()))),
        Err(err) => Err(internal(err)),
    }
}

#[handler]
pub async fn enable_two_factor(
    req: &Request,
    form: Form<CredentialForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, form.lang.as_deref());
    let current = match require_person(req, &state, lang, form.csrf.as_deref()).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    let code = form.code.as_deref().unwrap_or_default();
    match credentials::enable_two_factor(&state.db, state.now(), current.user.id, code).await {
        Ok(()) => Ok(state.pages.notice(
            lang,
            StatusCode::OK,
            "two_factor_enabled_title",
            "two_factor_enabled_text",
        )),
        Err(ServiceError::Invalid { .. }) => {
            let secret = current.user.totp_secret.clone().unwrap_or_default();
            Ok(two_factor_page(&state, lang, &current, &secret, "", true))
        }
        Err(err) => Err(internal(err)),
    }
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
    csrf: Option<String>,
    name: Option<String>,
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct LocaleForm {
    csrf: Option<String>,
    locale: Option<String>,
    lang: Option<String>,
}

#[handler]
pub async fn set_locale(
    req: &Request,
    form: Form<LocaleForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, form.lang.as_deref());
    let current = match require_person(req, &state, lang, form.csrf.as_deref()).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
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
    req: &Request,
    id: Path<i64>,
    form: Form<TokenForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, form.lang.as_deref());
    let current = match require_person(req, &state, lang, form.csrf.as_deref()).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    match subscriptions::unsubscribe_own(&state.db, state.now(), &current.user.email, id.0).await {
        Ok(()) => Ok(see_other(&format!("/konto?lang={}", lang.code()))),
        Err(ServiceError::NotFound { .. }) => Ok(state.pages.message(lang, StatusCode::NOT_FOUND)),
        Err(err) => Err(internal(err)),
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    csrf: Option<String>,
    confirm: Option<String>,
    lang: Option<String>,
}

/// The account page, with a just-created token's value when there is one.
async fn render_account(
    state: &AppState,
    lang: Lang,
    current: &SignedIn,
    new_token: Option<String>,
) -> poem::Result<Response> {
    let tokens = users::tokens(&state.db, current.user.id)
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
    context.insert("role", &current.user.role);
    context.insert("is_admin", &(current.user.role == ROLE_ADMIN));
    context.insert("is_staff", &(current.user.role != sessions::ROLE_ENTRANT));
    context.insert("is_juror", &(current.user.role == "juror"));
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
pub async fn account_page(
    req: &Request,
    params: Query<LangParam>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, params.lang.as_deref());
    match require_person(req, &state, lang, None).await? {
        Ok(current) => render_account(&state, lang, &current, None).await,
        Err(response) => Ok(response),
    }
}

#[handler]
pub async fn create_token(
    req: &Request,
    form: Form<TokenForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, form.lang.as_deref());
    let current = match require_person(req, &state, lang, form.csrf.as_deref()).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    let name = form.name.as_deref().unwrap_or_default();
    match users::create_token(&state.db, current.user.id, state.now(), name).await {
        Ok((_, value)) => render_account(&state, lang, &current, Some(value)).await,
        Err(ServiceError::Invalid { .. }) => Ok(see_other(&format!("/konto?lang={}", lang.code()))),
        Err(err) => Err(internal(err)),
    }
}

#[handler]
pub async fn revoke_token(
    req: &Request,
    id: Path<i64>,
    form: Form<TokenForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, form.lang.as_deref());
    let current = match require_person(req, &state, lang, form.csrf.as_deref()).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
    match users::revoke_token(&state.db, current.user.id, state.now(), id.0).await {
        Ok(()) => Ok(see_other(&format!("/konto?lang={}", lang.code()))),
        Err(ServiceError::NotFound { .. }) => Ok(state.pages.message(lang, StatusCode::NOT_FOUND)),
        Err(err) => Err(internal(err)),
    }
}

/// All personal data as a JSON download.
#[handler]
pub async fn export_data(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = Lang::of(req);
    let current = match require_person(req, &state, lang, None).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
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
    req: &Request,
    form: Form<DeleteForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, form.lang.as_deref());
    let current = match require_person(req, &state, lang, form.csrf.as_deref()).await? {
        Ok(current) => current,
        Err(response) => return Ok(response),
    };
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
    req: &Request,
    form: Form<SignOutForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = chosen_lang(req, form.lang.as_deref());
    let Some(current) = signed_in(req, &state).await? else {
        return Ok(see_other(&format!("/anmelden?lang={}", lang.code())));
    };
    if !csrf_ok(&current, form.csrf.as_deref()) {
        return Ok(state
            .pages
            .notice(lang, StatusCode::FORBIDDEN, "csrf_title", "csrf_text"));
    }
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
