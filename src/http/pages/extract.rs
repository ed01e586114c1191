//! What every page handler needs, as handler arguments: the visitor (language and,
//! if signed in, who they are), a signed-in person, staff and administrators with
//! their capability, and a form checked against its session's CSRF token. A
//! handler then says only what is special about it; a refusal (sign in first, not
//! allowed, a form from elsewhere) is the page that says so.

use poem::http::{Method, StatusCode};
use poem::{FromRequest, Request, RequestBody};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::i18n::Lang;
use super::session::{SignedIn, answer_with, csrf_ok, internal, signed_in, to_sign_in};
use crate::app::AppState;
use crate::domain::roles::Role;
use crate::services::authorization::{self, Admin, Staff};

fn state(req: &Request) -> poem::Result<&AppState> {
    req.data::<AppState>()
        .ok_or_else(|| poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))
}

/// Whoever asks for a page: their language and, if signed in, who they are.
pub struct Visitor {
    pub lang: Lang,
    pub person: Option<SignedIn>,
}

impl<'a> FromRequest<'a> for Visitor {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let state = state(req)?;
        Ok(Self {
            lang: Lang::find(req, None),
            person: signed_in(req, state).await?,
        })
    }
}

/// The signed-in person; anyone else is sent to the sign-in page.
pub struct Person {
    pub lang: Lang,
    pub current: SignedIn,
}

async fn person(req: &Request, lang: Lang) -> poem::Result<SignedIn> {
    signed_in(req, state(req)?)
        .await?
        .ok_or_else(|| answer_with(to_sign_in(req, lang)))
}

impl<'a> FromRequest<'a> for Person {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let lang = Lang::find(req, None);
        Ok(Self {
            current: person(req, lang).await?,
            lang,
        })
    }
}

/// The signed-in person if they have one of `roles` and, where staff pages require
/// it, two-factor sign-in turned on; otherwise the page that says what to do.
async fn in_role(req: &Request, lang: Lang, roles: &[Role]) -> poem::Result<SignedIn> {
    let state = state(req)?;
    let current = person(req, lang).await?;
    let refuse = |title, text| {
        Err(answer_with(state.pages.notice(
            lang,
            StatusCode::FORBIDDEN,
            title,
            text,
        )))
    };
    if !roles.contains(&current.user.role) {
        return refuse("forbidden_title", "forbidden_text");
    }
    let staff = matches!(current.user.role, Role::Admin | Role::Coordinator);
    if staff
        && state.settings.auth.require_two_factor_for_staff
        && current.user.totp_enabled_at.is_none()
    {
        return refuse("two_factor_required_title", "two_factor_required_text");
    }
    Ok(current)
}

/// Staff (an administrator or a coordinator) on a staff page.
pub struct StaffMember {
    pub lang: Lang,
    pub staff: Staff,
    /// The session, for the token of the forms on the page.
    pub current: SignedIn,
}

impl<'a> FromRequest<'a> for StaffMember {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let lang = Lang::find(req, None);
        let current = in_role(req, lang, &[Role::Admin, Role::Coordinator]).await?;
        let staff = authorization::staff(current.user.clone()).map_err(internal)?;
        Ok(Self {
            lang,
            staff,
            current,
        })
    }
}

/// A juror on a juror's page (which panels they sit on is checked per page).
pub struct JurorMember {
    pub lang: Lang,
    pub current: SignedIn,
}

impl<'a> FromRequest<'a> for JurorMember {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let lang = Lang::find(req, None);
        let current = in_role(req, lang, &[Role::Juror]).await?;
        Ok(Self { lang, current })
    }
}

/// An administrator on an administrators' page.
pub struct Administrator {
    pub lang: Lang,
    pub admin: Admin,
    pub current: SignedIn,
}

impl<'a> FromRequest<'a> for Administrator {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let lang = Lang::find(req, None);
        let current = in_role(req, lang, &[Role::Admin]).await?;
        let admin = authorization::admin(current.user.clone()).map_err(internal)?;
        Ok(Self {
            lang,
            admin,
            current,
        })
    }
}

/// The fields every form of a session carries.
#[derive(Deserialize)]
struct FormMarks {
    csrf: Option<String>,
    lang: Option<String>,
}

/// A form POSTed by the signed-in person with their session's token, its fields
/// read as `T`, and the language it was filled in. Anyone not signed in is sent to
/// the sign-in page; a form without the right token gets the page that says so.
pub struct CsrfForm<T> {
    pub lang: Lang,
    pub current: SignedIn,
    pub fields: T,
}

impl<'a, T: DeserializeOwned> FromRequest<'a> for CsrfForm<T> {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let state = state(req)?;
        let bytes = body.take()?.into_bytes().await?;
        let marks: FormMarks = serde_urlencoded::from_bytes(&bytes)
            .map_err(|err| poem::Error::new(err, StatusCode::BAD_REQUEST))?;
        let lang = Lang::find(req, marks.lang.as_deref());
        let current = person(req, lang).await?;
        if req.method() == Method::POST && !csrf_ok(&current, marks.csrf.as_deref()) {
            return Err(answer_with(state.pages.notice(
                lang,
                StatusCode::FORBIDDEN,
                "csrf_title",
                "csrf_text",
            )));
        }
        let fields = serde_urlencoded::from_bytes(&bytes)
            .map_err(|err| poem::Error::new(err, StatusCode::BAD_REQUEST))?;
        Ok(Self {
            lang,
            current,
            fields,
        })
    }
}
