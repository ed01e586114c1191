//! Extending the deadline of several open competitions at once, as Gera did on
//! 1 October 2020 for all twelve: one form, then one transaction per competition
//! (each with its audit row and its subscribers' email) and a summary of what
//! happened to each. A competition that cannot be extended (no longer open, the
//! new deadline earlier than its own) is named with the reason; the others are
//! extended all the same. Sending the form again changes nothing further.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Response, handler};
use serde::Serialize;
use tera::Context;

use super::super::entries::Fields;
use super::super::extract::{CsrfForm, StaffMember};
use super::super::i18n::Lang;
use super::super::session::{internal, refusal};
use super::rules::form_message;
use super::when;
use crate::app::AppState;
use crate::domain::CompetitionState;
use crate::domain::time::parse_berlin;
use crate::entities::competition;
use crate::services::authorization::{self, Staff};
use crate::services::competitions::{self, CompetitionChanges};
use crate::services::staff_entries;

#[derive(Serialize)]
struct Choice {
    id: i64,
    name: String,
    deadline: String,
    checked: bool,
}

#[derive(Serialize)]
struct Outcome {
    name: String,
    done: bool,
    text: String,
}

/// The open competitions the staff member manages, in programme order.
async fn open_ones(state: &AppState, staff: &Staff) -> poem::Result<Vec<competition::Model>> {
    let mut managed = staff_entries::managed_competitions(&state.db, staff)
        .await
        .map_err(internal)?;
    managed.retain(|c| c.state == CompetitionState::Open);
    Ok(managed)
}

fn render(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    choices: Vec<Choice>,
    typed: &str,
    error: Option<String>,
    outcomes: Vec<Outcome>,
) -> Response {
    let mut context = Context::new();
    context.insert("csrf", csrf);
    context.insert("choices", &choices);
    context.insert("closes_at", typed);
    context.insert("error", &error);
    context.insert("outcomes", &outcomes);
    let html = state
        .pages
        .render_html("staff_extend.html", lang, "/verwaltung/fristen", context);
    let mut response = state.pages.respond(lang, html);
    if error.is_some() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    response
}

fn choices(lang: Lang, open: &[competition::Model], checked: &[i64]) -> Vec<Choice> {
    open.iter()
        .map(|c| Choice {
            id: c.id,
            name: c.full_name(),
            deadline: c.closes_at.map(|at| when(lang, at)).unwrap_or_default(),
            checked: checked.contains(&c.id),
        })
        .collect()
}

#[handler]
pub async fn choose(member: StaffMember, state: Data<&AppState>) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff,
        current,
    } = member;
    let open = open_ones(&state, &staff).await?;
    let choices = choices(lang, &open, &[]);
    Ok(render(
        &state,
        lang,
        &current.session.csrf_token,
        choices,
        "",
        None,
        Vec::new(),
    ))
}

#[handler]
pub async fn extend(form: CsrfForm<Fields>, state: Data<&AppState>) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let staff =
        authorization::staff(current.user.clone()).map_err(|err| refusal(&state, lang, err))?;
    let csrf = current.session.csrf_token.clone();
    let open = open_ones(&state, &staff).await?;
    let picked: Vec<i64> = fields
        .iter()
        .filter(|(name, _)| name == "competition")
        .filter_map(|(_, value)| value.parse().ok())
        .collect();
    let typed = fields
        .iter()
        .find(|(name, _)| name == "closes_at")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let refuse = |key: &str| {
        Ok(render(
            &state,
            lang,
            &csrf,
            choices(lang, &open, &picked),
            &typed,
            Some(lang.text(key).to_owned()),
            Vec::new(),
        ))
    };
    if picked.is_empty() {
        return refuse("extend_none_picked");
    }
    let Ok(closes_at) = parse_berlin(&typed) else {
        return refuse("step_deadline_malformed");
    };
    let now = state.now();
    let mut outcomes = Vec::new();
    for id in &picked {
        // Each competition on its own: its rules, its transaction, its emails.
        let outcome = async {
            let manager = authorization::manager(&state.db, staff.person(), *id).await?;
            let before = competitions::find(&state.db, *id).await?;
            if before.closes_at == Some(closes_at) {
                return Ok((before, false));
            }
            let changes = CompetitionChanges {
                closes_at: Some(closes_at),
                ..Default::default()
            };
            let updated = competitions::update(&state.db, &manager, now, changes).await?;
            Ok::<_, crate::services::ServiceError>((updated, true))
        }
        .await;
        let name = open
            .iter()
            .find(|c| c.id == *id)
            .map(|c| c.full_name())
            .unwrap_or_else(|| format!("#{id}"));
        outcomes.push(match outcome {
            Ok((updated, changed)) => Outcome {
                name,
                done: true,
                text: lang.text_with(
                    if changed {
                        "extend_done"
                    } else {
                        "extend_unchanged"
                    },
                    &[(
                        "deadline",
                        updated
                            .closes_at
                            .map(|at| when(lang, at))
                            .unwrap_or_default()
                            .into(),
                    )],
                ),
            },
            Err(err) => Outcome {
                name,
                done: false,
                text: form_message(lang, &err).unwrap_or_else(|| match err {
                    crate::services::ServiceError::NotFound { .. }
                    | crate::services::ServiceError::Forbidden(_) => {
                        lang.text("extend_not_yours").to_owned()
                    }
                    other => {
                        tracing::error!(error = %other, "extending a deadline failed");
                        lang.text("extend_failed").to_owned()
                    }
                }),
            },
        });
    }
    state.changed();
    // The list again, as it is now, below the summary.
    let open = open_ones(&state, &staff).await?;
    Ok(render(
        &state,
        lang,
        &csrf,
        choices(lang, &open, &[]),
        "",
        None,
        outcomes,
    ))
}
