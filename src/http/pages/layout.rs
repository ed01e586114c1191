//! What the layout of every page needs to know about the request that is not the
//! page's own business: the one-time confirmation to show (see [`super::flash`]) and
//! whether the person looking is staff (the staff menu in the header). A task-local
//! scope around the pages holds it: the extractors note who signed in, the
//! renderer reads it, and the middleware clears a confirmation once it was shown.

use std::cell::{Cell, RefCell};

use poem::http::header;
use poem::{Endpoint, IntoResponse, Request, Response};

use super::flash::{self, FLASH_COOKIE, Flash};
use super::session::{SESSION_COOKIE, add_cookie, cookie};
use crate::domain::roles::Role;

struct Scope {
    session: Option<String>,
    flash: Option<Flash>,
    flash_shown: Cell<bool>,
    role: RefCell<Option<Role>>,
}

tokio::task_local! {
    static SCOPE: Scope;
}

/// The browser's session cookie (what confirmations are signed with).
pub(super) fn session_cookie() -> Option<String> {
    SCOPE.try_with(|scope| scope.session.clone()).ok().flatten()
}

pub(super) fn take_flash() -> Option<Flash> {
    SCOPE
        .try_with(|scope| {
            let flash = scope.flash.clone();
            if flash.is_some() {
                scope.flash_shown.set(true);
            }
            flash
        })
        .ok()
        .flatten()
}

/// Notes who is signed in, for the header.
pub(super) fn note_role(role: Role) {
    let _ = SCOPE.try_with(|scope| *scope.role.borrow_mut() = Some(role));
}

/// Whether the header shows the staff menu.
pub(super) fn staff_menu() -> bool {
    SCOPE
        .try_with(|scope| matches!(*scope.role.borrow(), Some(Role::Admin | Role::Coordinator)))
        .unwrap_or(false)
}

/// Whether a juror is looking (their menu leads to their panels).
pub(super) fn jury_menu() -> bool {
    SCOPE
        .try_with(|scope| matches!(*scope.role.borrow(), Some(Role::Juror)))
        .unwrap_or(false)
}

/// Whether an administrator is looking (their menu adds the email outbox).
pub(super) fn admin_menu() -> bool {
    SCOPE
        .try_with(|scope| matches!(*scope.role.borrow(), Some(Role::Admin)))
        .unwrap_or(false)
}

/// Around the pages: opens the scope, and clears a confirmation once a page
/// showed it (or when it is not valid for this session).
pub async fn around<E: Endpoint>(ep: E, req: Request) -> poem::Result<Response> {
    let session = cookie(&req, SESSION_COOKIE);
    let raw = cookie(&req, FLASH_COOKIE);
    let incoming = match (&session, &raw) {
        (Some(session), Some(raw)) => flash::read(session, raw),
        _ => None,
    };
    let stale = raw.is_some() && incoming.is_none();
    let scope = Scope {
        session,
        flash: incoming,
        flash_shown: Cell::new(false),
        role: RefCell::new(None),
    };
    let (result, shown) = SCOPE
        .scope(scope, async move {
            let result = ep.call(req).await.map(IntoResponse::into_response);
            (result, SCOPE.with(|scope| scope.flash_shown.get()))
        })
        .await;
    let mut response = result?;
    let sets_new = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(FLASH_COOKIE.as_bytes()));
    if (shown || stale) && !sets_new {
        add_cookie(
            &mut response,
            &format!("{FLASH_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        );
    }
    Ok(response)
}
