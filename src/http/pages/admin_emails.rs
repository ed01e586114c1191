//! The email outbox for administrators: list with filters, one message with its
//! rendered content, retry a failed one, resend a sent one.

use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use poem::{Route, get, post};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::extract::{Administrator, CsrfForm};
use super::i18n::Lang;
use super::session::{internal, see_other};
use crate::app::AppState;
use crate::domain::delivery::{DeliveredVia, EmailStatus};
use crate::domain::time;
use crate::entities::email_message;
use crate::services::{ServiceError, emails, notifications};

#[derive(Deserialize)]
pub struct OutboxParams {
    status: Option<String>,
    recipient: Option<String>,
}

#[derive(Deserialize)]
/// The retry and resend buttons send nothing but the session's token.
pub struct ActionForm {}

#[derive(Serialize)]
struct EmailRow {
    id: i64,
    created: String,
    recipient: String,
    template: String,
    /// What the template is for, in the page's language.
    template_name: &'static str,
    locale: String,
    status: EmailStatus,
    status_label: &'static str,
    attempts: i32,
    last_error: String,
}

/// An outbox event that no email could be made from.
#[derive(Serialize)]
struct UnreadableEvent {
    id: i64,
    occurred: String,
    event_type: String,
    error: String,
}

#[derive(Serialize)]
struct StatusOption {
    key: &'static str,
    label: &'static str,
}

fn row(lang: Lang, m: email_message::Model) -> EmailRow {
    let status = m.status;
    EmailRow {
        id: m.id,
        created: if lang == Lang::En {
            time::format_en(m.created_at)
        } else {
            time::format_de(m.created_at)
        },
        recipient: m.recipient,
        template_name: lang.text(&format!("template_{}", m.template)),
        template: m.template,
        locale: m.locale,
        // A message written as a file was not sent: say so.
        status_label: if m.delivered_via == Some(DeliveredVia::File) {
            lang.text("status_filed")
        } else {
            lang.text(&format!("status_{status}"))
        },
        status: m.status,
        attempts: m.attempts,
        last_error: m.last_error.unwrap_or_default(),
    }
}

#[handler]
pub async fn outbox_page(
    params: Query<OutboxParams>,
    administrator: Administrator,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Administrator { lang, admin, .. } = administrator;
    let status = params
        .status
        .as_deref()
        .and_then(|s| s.parse::<EmailStatus>().ok());
    let recipient = params
        .recipient
        .clone()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty() && r.len() <= 254);
    let filter = emails::EmailFilter {
        status,
        recipient: recipient.clone(),
        limit: 200,
        ..Default::default()
    };
    let found = emails::list(&state.db, &admin, filter)
        .await
        .map_err(internal)?;
    let mut context = Context::new();
    let rows: Vec<_> = found.into_iter().map(|m| row(lang, m)).collect();
    context.insert("emails", &rows);
    let options: Vec<_> = EmailStatus::ALL
        .into_iter()
        .map(|status| StatusOption {
            key: status.as_str(),
            label: lang.text(&format!("status_{status}")),
        })
        .collect();
    context.insert("statuses", &options);
    let unreadable: Vec<_> = notifications::unreadable(&state.db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|e| UnreadableEvent {
            id: e.id,
            occurred: match lang {
                Lang::En => time::format_en(e.occurred_at),
                Lang::De => time::format_de(e.occurred_at),
            },
            event_type: e.event_type,
            error: e.last_error.unwrap_or_default(),
        })
        .collect();
    context.insert("unreadable", &unreadable);
    context.insert(
        "status",
        &status.map(EmailStatus::as_str).unwrap_or_default(),
    );
    context.insert("recipient", &recipient.unwrap_or_default());
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("admin_emails.html", lang, "/admin/emails", context),
    ))
}

#[handler]
pub async fn email_page(
    id: Path<i64>,
    administrator: Administrator,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Administrator {
        lang,
        admin,
        current,
    } = administrator;
    let message = match emails::find(&state.db, &admin, id.0).await {
        Ok(message) => message,
        Err(ServiceError::NotFound { .. }) => {
            return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
        }
        Err(err) => return Err(internal(err)),
    };
    let rendered = crate::worker::render(&state, &message)
        .map_err(|err| internal(ServiceError::Corrupt(err.to_string())))?;
    let mut context = Context::new();
    context.insert("email", &row(lang, message));
    context.insert("subject", &rendered.subject);
    context.insert("text", &rendered.text);
    context.insert("csrf", &current.session.csrf_token);
    let path = format!("/admin/emails/{}", id.0);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("admin_email.html", lang, &path, context),
    ))
}

/// The HTML part as the recipient sees it, isolated: no scripts, no same-origin access.
#[handler]
pub async fn email_html(
    administrator: Administrator,
    id: Path<i64>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Administrator { lang, admin, .. } = administrator;
    let message = match emails::find(&state.db, &admin, id.0).await {
        Ok(message) => message,
        Err(ServiceError::NotFound { .. }) => {
            return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
        }
        Err(err) => return Err(internal(err)),
    };
    let rendered = crate::worker::render(&state, &message)
        .map_err(|err| internal(ServiceError::Corrupt(err.to_string())))?;
    Ok(Response::builder()
        .content_type("text/html; charset=utf-8")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        )
        .body(rendered.html))
}

async fn act(
    administrator: Administrator,
    form: CsrfForm<ActionForm>,
    id: i64,
    state: &AppState,
    resend: bool,
) -> poem::Result<Response> {
    let Administrator { admin, .. } = administrator;
    let lang = form.lang;
    let outcome = if resend {
        emails::resend(&state.db, &admin, state.now(), id).await
    } else {
        emails::retry(&state.db, &admin, state.now(), id).await
    };
    match outcome {
        Ok(message) => {
            state.queued();
            Ok(see_other(&format!(
                "/admin/emails/{}?lang={}",
                message.id,
                lang.code()
            )))
        }
        Err(ServiceError::NotFound { .. }) => Ok(state.pages.message(lang, StatusCode::NOT_FOUND)),
        Err(ServiceError::Invalid { .. }) => Ok(see_other(&format!(
            "/admin/emails/{id}?lang={}",
            lang.code()
        ))),
        Err(err) => Err(internal(err)),
    }
}

#[handler]
pub async fn retry_email(
    administrator: Administrator,
    id: Path<i64>,
    form: CsrfForm<ActionForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    act(administrator, form, id.0, &state, false).await
}

#[handler]
pub async fn resend_email(
    administrator: Administrator,
    id: Path<i64>,
    form: CsrfForm<ActionForm>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    act(administrator, form, id.0, &state, true).await
}

/// The administrators' outbox.
pub(super) fn routes(route: Route) -> Route {
    route
        .at("/admin/emails", get(outbox_page))
        .at("/admin/emails/:id", get(email_page))
        .at("/admin/emails/:id/html", get(email_html))
        .at("/admin/emails/:id/retry", post(retry_email))
        .at("/admin/emails/:id/resend", post(resend_email))
}
