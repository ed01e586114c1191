//! Credentials on the account page: a staff password, two-factor sign-in (TOTP)
//! and personal API tokens.

use super::*;

#[handler]
pub async fn set_password(
    form: CsrfForm<CredentialForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields: form,
    } = form;
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
    form: CsrfForm<CredentialForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm { lang, current, .. } = form;
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
    form: CsrfForm<CredentialForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields: form,
    } = form;
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

#[handler]
pub async fn create_token(
    form: CsrfForm<TokenForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields: form,
    } = form;
    let name = form.name.as_deref().unwrap_or_default();
    match api_tokens::create_token(&state.db, current.user.id, state.now(), name).await {
        Ok((_, value)) => render_account(&state, lang, &current, Some(value)).await,
        Err(ServiceError::Invalid { .. }) => Ok(see_other(&format!("/konto?lang={}", lang.code()))),
        Err(err) => Err(internal(err)),
    }
}

#[handler]
pub async fn revoke_token(
    id: Path<i64>,
    form: CsrfForm<TokenForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm { lang, current, .. } = form;
    match api_tokens::revoke_token(&state.db, current.user.id, state.now(), id.0).await {
        Ok(()) => Ok(see_other(&format!("/konto?lang={}", lang.code()))),
        Err(ServiceError::NotFound { .. }) => Ok(state.pages.message(lang, StatusCode::NOT_FOUND)),
        Err(err) => Err(internal(err)),
    }
}
