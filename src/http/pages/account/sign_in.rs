//! Signing in: the emailed link (bound to the asking browser, confirmed with a
//! button) and, for staff, a password with an optional second factor.

use super::*;
use crate::domain::email_address::EmailAddress;

#[handler]
pub fn sign_in_page(
    req: &Request,
    params: Query<SignInParams>,
    state: Data<&AppState>,
) -> Response {
    let lang = Lang::find(req, params.lang.as_deref());
    let back = params.weiter.as_deref().and_then(safe_return);
    let mut context = Context::new();
    context.insert("back", &back);
    // Why signing in comes first, in the words of what the person wanted.
    let why = back.map(|path| {
        if path
            .split('?')
            .next()
            .is_some_and(|p| p.ends_with("/einreichen"))
        {
            "sign_in_first_to_submit"
        } else {
            "sign_in_first"
        }
    });
    context.insert("why", &why.map(|key| lang.text(key)));
    state.pages.respond(
        lang,
        state
            .pages
            .render_html("sign_in.html", lang, "/anmelden", context),
    )
}

#[handler]
pub async fn request_sign_in(
    req: &Request,
    form: Form<SignInForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = Lang::find(req, form.lang.as_deref());
    if let Err(wait) = state.admit(rate_limit::SIGN_IN, req) {
        return Ok(too_many(&state, lang, wait));
    }
    // The link will only work in the browser that holds this cookie.
    let browser = cookie(req, BROWSER_COOKIE)
        .filter(|v| v.len() == 64)
        .unwrap_or_else(tokens::random_token);
    let outcome = async {
        let email = EmailAddress::parse(&form.email)?;
        signing_in::request_link(
            &state.db,
            state.now(),
            &state.settings.auth,
            &state.settings.server.public_url,
            &email,
            lang.code(),
            &browser,
        )
        .await
    }
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
    // The link brings the person back to where they were, in this browser.
    let back = form.weiter.as_deref().and_then(safe_return);
    let back =
        back.map(|path| url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>());
    add_cookie(
        &mut response,
        &set_cookie(
            &state,
            RETURN_COOKIE,
            back.as_deref().unwrap_or_default(),
            if back.is_some() { max_age } else { 0 },
        ),
    );
    Ok(response)
}

#[handler]
pub fn link_page(req: &Request, params: Query<LinkForm>, state: Data<&AppState>) -> Response {
    let lang = Lang::find(req, params.lang.as_deref());
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
    let lang = Lang::find(req, form.lang.as_deref());
    let browser = cookie(req, BROWSER_COOKIE);
    let token = form.token.as_deref().unwrap_or_default();
    let code = code_of(&form.code);
    match signing_in::complete(
        &state.db,
        state.now(),
        &state.settings.auth,
        token,
        browser.as_deref(),
        code,
    )
    .await
    {
        Ok((user, session)) => {
            let back = cookie(req, RETURN_COOKIE).and_then(|value| {
                url::form_urlencoded::parse(format!("p={value}").as_bytes())
                    .next()
                    .map(|(_, path)| path.into_owned())
            });
            Ok(signed_in_response(
                &state,
                lang,
                user.role,
                &session,
                back.as_deref(),
            ))
        }
        Err(SignInError::Invalid | SignInError::WrongCredentials) => Ok(state.pages.notice(
            lang,
            StatusCode::BAD_REQUEST,
            "sign_in_invalid_title",
            "sign_in_invalid_text",
        )),
        Err(SignInError::Deactivated) => Ok(deactivated(&state, lang)),
        Err(SignInError::OtherBrowser { email }) => {
            // Explain, and offer a new link to the same address from here.
            let mut context = Context::new();
            context.insert("email", &email);
            let html = state
                .pages
                .render_html("other_browser.html", lang, "/anmelden", context);
            let mut response = state.pages.respond(lang, html);
            response.set_status(StatusCode::BAD_REQUEST);
            Ok(response)
        }
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

/// The page for a deactivated account: whom to ask.
fn deactivated(state: &AppState, lang: Lang) -> Response {
    state.pages.notice(
        lang,
        StatusCode::FORBIDDEN,
        "account_deactivated_title",
        "account_deactivated_text",
    )
}

#[handler]
pub async fn password_sign_in(
    req: &Request,
    form: Form<PasswordSignInForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = Lang::find(req, form.lang.as_deref());
    if let Err(wait) = state.admit(rate_limit::PASSWORD, req) {
        return Ok(too_many(&state, lang, wait));
    }
    let outcome = signing_in::sign_in_with_password(
        &state.db,
        state.now(),
        &state.settings.auth,
        &form.email,
        &form.password,
        code_of(&form.code),
    )
    .await;
    match outcome {
        Ok((user, session)) => Ok(signed_in_response(
            &state,
            lang,
            user.role,
            &session,
            form.weiter.as_deref(),
        )),
        Err(SignInError::Service(err)) => Err(internal(err)),
        Err(SignInError::Deactivated) => Ok(deactivated(&state, lang)),
        Err(_) => Ok(state.pages.notice(
            lang,
            StatusCode::UNAUTHORIZED,
            "password_wrong_title",
            "password_wrong_text",
        )),
    }
}
