//! Cookies, the signed-in user of a request, and protection against cross-site
//! requests: every form POST must come from our own pages (Origin and Fetch
//! metadata), and forms of a session also carry that session's token.

use poem::http::{Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use super::i18n::Lang;
use crate::app::AppState;
use crate::entities::{session, user};
use crate::services::ServiceError;
use crate::services::identity::sessions;

pub const SESSION_COOKIE: &str = "iw_session";
/// Where to go after signing in with an emailed link (set with the link's request).
pub const RETURN_COOKIE: &str = "iw_return";

/// `path` if it is a path on this site (`/…`, not `//…` or `/\…`, no scheme, no
/// control characters, at most 300 characters): the only places sign-in returns to.
pub fn safe_return(path: &str) -> Option<&str> {
    let safe = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && path.len() <= 300
        && !path.contains("://")
        && path
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '\\' && c != '"' && c != '<' && c != '>');
    safe.then_some(path)
}

/// The sign-in page, with the way back to `req`'s page when it is one to return to.
pub fn to_sign_in(req: &Request, lang: Lang) -> Response {
    let here = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let back = (req.method() == poem::http::Method::GET)
        .then(|| safe_return(&here))
        .flatten()
        .map(|path| format!("&weiter={}", urlencode(path)))
        .unwrap_or_default();
    see_other(&format!("/anmelden?lang={}{back}", lang.code()))
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
pub const BROWSER_COOKIE: &str = "iw_browser";

/// A cookie's value from the request.
pub fn cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure when served over HTTPS.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_seconds: i64) -> String {
    let secure = if state.settings.server.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}")
}

/// Adds a `Set-Cookie` header built by [`set_cookie`].
pub fn add_cookie(response: &mut Response, value: &str) {
    match header::HeaderValue::from_str(value) {
        Ok(value) => {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        Err(err) => tracing::error!(error = %err, "cookie not set"),
    }
}

pub struct SignedIn {
    pub session: session::Model,
    pub user: user::Model,
}

/// The signed-in user of this request, if any.
pub async fn signed_in(req: &Request, state: &AppState) -> Result<Option<SignedIn>, poem::Error> {
    let Some(value) = cookie(req, SESSION_COOKIE) else {
        return Ok(None);
    };
    let found = sessions::current(&state.db, state.now(), &state.settings.auth, &value)
        .await
        .map_err(internal)?;
    if let Some((_, user)) = &found {
        super::layout::note_role(user.role);
    }
    Ok(found.map(|(session, user)| SignedIn { session, user }))
}

pub fn internal(err: ServiceError) -> poem::Error {
    // A busy database is worth a retry; the error page says so (503).
    let status = if err.is_busy() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    poem::Error::new(err, status)
}

/// The one page for a use case's refusal, as an error to pass on with `?`;
/// failures on our side stay internal errors (logged, a neutral page). Every
/// refusal is decided here, so a new one cannot fall through unnoticed.
pub fn refusal(state: &AppState, lang: Lang, err: ServiceError) -> poem::Error {
    let (status, title, text) = match &err {
        ServiceError::NotFound { .. } => {
            return answer_with(state.pages.message(lang, StatusCode::NOT_FOUND));
        }
        ServiceError::RateLimited {
            retry_after_seconds,
        } => return answer_with(too_many(state, lang, *retry_after_seconds)),
        ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden_title", "forbidden_text"),
        ServiceError::LeadOnly(_) => (
            StatusCode::FORBIDDEN,
            "entry_lead_only_title",
            "entry_lead_only_text",
        ),
        ServiceError::Entry(_) => (
            StatusCode::CONFLICT,
            "entry_locked_title",
            "entry_locked_text",
        ),
        ServiceError::Invalid { .. } | ServiceError::Fields(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "entry_invalid_title",
            "entry_invalid_text",
        ),
        ServiceError::Lifecycle { .. }
        | ServiceError::Edit(_)
        | ServiceError::OverBudget(_)
        | ServiceError::Jury(_)
        | ServiceError::Prize(_)
        | ServiceError::Announcement(_)
        | ServiceError::Vote(_)
        | ServiceError::Ballot(_)
        | ServiceError::Attachment(_)
        | ServiceError::Duplicate { .. }
        | ServiceError::Concurrent(_) => (StatusCode::CONFLICT, "conflict_title", "conflict_text"),
        ServiceError::Database(_) | ServiceError::Corrupt(_) => return internal(err),
    };
    answer_with(state.pages.notice(lang, status, title, text))
}

/// Whether a submitted form carries its session's token.
pub fn csrf_ok(signed_in: &SignedIn, submitted: Option<&str>) -> bool {
    submitted.is_some_and(|token| {
        let expected = signed_in.session.csrf_token.as_bytes();
        let token = token.as_bytes();
        // Compare in constant time.
        token.len() == expected.len()
            && token
                .iter()
                .zip(expected)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    })
}

/// 429 with Retry-After, as a page in the visitor's language.
pub fn too_many(state: &AppState, lang: Lang, retry_after_seconds: i64) -> Response {
    let mut response = state.pages.notice(
        lang,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited_title",
        "rate_limited_text",
    );
    if let Ok(value) = header::HeaderValue::from_str(&retry_after_seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// A redirect after a form (303: the browser follows with GET).
pub fn see_other(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .finish()
}

/// Refuses POSTs that a browser marks as coming from another site. Requests
/// without browser markers (e.g. a mail provider's one-click unsubscribe) pass.
pub async fn same_origin<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    if req.method() == Method::POST && !from_our_pages(&req) {
        let state = req.data::<AppState>().cloned();
        let lang = Lang::find(&req, None);
        return Ok(match state {
            Some(state) => {
                state
                    .pages
                    .notice(lang, StatusCode::FORBIDDEN, "csrf_title", "csrf_text")
            }
            None => StatusCode::FORBIDDEN.into_response(),
        });
    }
    next.call(req).await.map(IntoResponse::into_response)
}

fn from_our_pages(req: &Request) -> bool {
    if let Some(site) = req.header("sec-fetch-site")
        && matches!(site, "cross-site" | "same-site")
    {
        return false;
    }
    match (req.header("origin"), req.header(header::HOST)) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// A page to answer with instead of what was asked (a redirect, a refusal), as an
/// error that handlers pass on with `?`; the pages' error handling sends it as is.
pub fn answer_with(response: Response) -> poem::Error {
    poem::Error::from_response(response)
}

/// The signed-in person; otherwise a redirect to the sign-in page, or a refusal of
/// a form POSTed without the session's token (see [`answer_with`]). For forms whose
/// token is read by the handler (a multipart upload); every other page takes the
/// extractors of [`super::extract`].
pub async fn require_person(
    req: &Request,
    state: &AppState,
    lang: Lang,
    csrf: Option<&str>,
) -> poem::Result<SignedIn> {
    let Some(current) = signed_in(req, state).await? else {
        return Err(answer_with(to_sign_in(req, lang)));
    };
    if req.method() == poem::http::Method::POST && !csrf_ok(&current, csrf) {
        return Err(answer_with(state.pages.notice(
            lang,
            StatusCode::FORBIDDEN,
            "csrf_title",
            "csrf_text",
        )));
    }
    Ok(current)
}
