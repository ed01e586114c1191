//! Running a competition from its staff page: the lifecycle steps allowed now, each
//! behind a confirmation page that asks for what its rule needs (a reason, a new
//! deadline) and says who will be emailed. A refusal is shown in the form, in the
//! page's language, with what was entered kept.

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Response, handler};
use serde::Serialize;
use tera::Context;

use super::super::entries::{Fields, field};
use super::super::extract::{CsrfForm, StaffMember};
use super::super::flash::{self, Flash, Notice};
use super::super::i18n::Lang;
use super::super::session::{internal, refusal};
use super::managed;
use crate::app::AppState;
use crate::domain::guards::{GuardError, LifecycleError, TransitionCommand};
use crate::domain::time::parse_berlin;
use crate::domain::{CompetitionState, LifecycleEvent};
use crate::entities::competition;
use crate::services::{ServiceError, authorization, competitions, lifecycle};

/// What the confirmation page asks for.
#[derive(Serialize, Default)]
struct Asks {
    reason: bool,
    deadline: bool,
}

/// What the rule for `step` needs from staff now.
fn asks(step: Step, competition: &competition::Model, now: chrono::DateTime<chrono::Utc>) -> Asks {
    let Step::Event(event) = step else {
        return Asks {
            reason: false,
            deadline: true,
        };
    };
    let early = |at: Option<chrono::DateTime<chrono::Utc>>| at.is_some_and(|at| now < at);
    match event {
        LifecycleEvent::Reopen => Asks {
            reason: true,
            deadline: true,
        },
        LifecycleEvent::Cancel | LifecycleEvent::ReopenReview => Asks {
            reason: true,
            deadline: false,
        },
        LifecycleEvent::Close => Asks {
            reason: early(competition.closes_at),
            deadline: false,
        },
        LifecycleEvent::Open => Asks {
            reason: early(competition.opens_at),
            deadline: false,
        },
        _ => Asks::default(),
    }
}

/// The step's refusal in the page's language.
fn explain(lang: Lang, err: &LifecycleError) -> String {
    let key = match err {
        LifecycleError::NotAllowed(_) => "step_not_allowed",
        LifecycleError::Guard(guard) => match guard {
            GuardError::MissingWindow => "step_missing_window",
            GuardError::WindowOrder => "step_window_order",
            GuardError::WindowOver { .. } => "step_window_over",
            GuardError::NotYetOpen { .. } => "step_reason_missing",
            GuardError::ReasonRequired { .. } => "step_reason_missing",
            GuardError::EarlyCloseNeedsReason { .. } => "step_reason_missing",
            GuardError::NewDeadlineRequired => "step_deadline_missing",
        },
    };
    lang.text(key).to_owned()
}

/// A step on the staff page: a lifecycle event, or extending an open competition's
/// deadline (an edit of `closes_at`, which tells the subscribers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Event(LifecycleEvent),
    Extend,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Event(event) => event.as_str(),
            Step::Extend => "extend",
        }
    }
}

/// The steps staff may take in `state`, in the order the page offers them.
pub(super) fn steps(state: CompetitionState) -> Vec<&'static str> {
    let mut steps: Vec<&str> = Vec::new();
    if state == CompetitionState::Open {
        steps.push(Step::Extend.name());
    }
    steps.extend(
        state
            .allowed_events()
            .into_iter()
            .map(LifecycleEvent::as_str),
    );
    steps
}

/// The step named in the path, if staff may take it now.
fn step_of(name: &str, state: CompetitionState) -> Option<Step> {
    if name == "extend" {
        return (state == CompetitionState::Open).then_some(Step::Extend);
    }
    state
        .allowed_events()
        .into_iter()
        .find(|event| event.as_str() == name)
        .map(Step::Event)
}

/// An edit's refusal (extending the deadline) in the page's language.
#[allow(clippy::too_many_arguments)]
fn render(
    state: &AppState,
    lang: Lang,
    competition: &competition::Model,
    step: Step,
    csrf: &str,
    typed: (&str, &str),
    error: Option<String>,
) -> Response {
    let mut context = Context::new();
    let event = step.name();
    let label = lang.text(&format!("event_{event}"));
    context.insert("competition_id", &competition.id);
    context.insert("headline", &competition.full_name());
    context.insert("event", event);
    context.insert("label", label);
    context.insert("help", lang.text(&format!("event_{event}_help")));
    context.insert("mail", lang.text(&format!("event_{event}_mail")));
    context.insert("asks", &asks(step, competition, state.now()));
    context.insert("csrf", csrf);
    context.insert("reason", typed.0);
    context.insert("closes_at", typed.1);
    context.insert("error", &error);
    let path = format!("/verwaltung/wettbewerbe/{}/schritt/{event}", competition.id);
    let html = state
        .pages
        .render_html("staff_step.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    if error.is_some() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    response
}

#[handler]
pub async fn confirm_step(
    Path((id, name)): Path<(i64, String)>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff,
        current,
    } = member;
    let (_, competition) = managed(&state, lang, &staff, id).await?;
    let Some(event) = step_of(&name, competition.state) else {
        return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
    };
    let csrf = current.session.csrf_token.clone();
    Ok(render(
        &state,
        lang,
        &competition,
        event,
        &csrf,
        ("", ""),
        None,
    ))
}

#[handler]
pub async fn take_step(
    Path((id, name)): Path<(i64, String)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let staff =
        authorization::staff(current.user.clone()).map_err(|err| refusal(&state, lang, err))?;
    let (manager, competition) = managed(&state, lang, &staff, id).await?;
    let Some(step) = step_of(&name, competition.state) else {
        return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
    };
    let reason = field(&fields, "reason")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let typed_deadline = field(&fields, "closes_at")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let csrf = current.session.csrf_token.clone();
    let again = |error: String| {
        render(
            &state,
            lang,
            &competition,
            step,
            &csrf,
            (&reason, &typed_deadline),
            Some(error),
        )
    };
    let new_closes_at = if typed_deadline.is_empty() {
        None
    } else {
        match parse_berlin(&typed_deadline) {
            Ok(at) => Some(at),
            Err(_) => return Ok(again(lang.text("step_deadline_malformed").to_owned())),
        }
    };
    let now = state.now();
    let outcome = match step {
        Step::Extend => {
            let Some(closes_at) = new_closes_at else {
                return Ok(again(lang.text("step_deadline_missing").to_owned()));
            };
            let changes = competitions::CompetitionChanges {
                closes_at: Some(closes_at),
                ..Default::default()
            };
            competitions::update(&state.db, &manager, now, changes).await
        }
        Step::Event(event) => {
            let command = TransitionCommand {
                event,
                reason: (!reason.is_empty()).then(|| reason.clone()),
                // Opening before the window starts is what the reason is asked for.
                force: event == LifecycleEvent::Open
                    && competition.opens_at.is_some_and(|at| now < at),
                new_closes_at,
            };
            lifecycle::transition(&state.db, &manager, now, command).await
        }
    };
    match outcome {
        Ok(moved) => {
            state.changed();
            state.queued();
            Ok(flash::redirect(
                &state,
                &format!("/verwaltung/wettbewerbe/{}?lang={}", moved.id, lang.code()),
                Flash::with(
                    Notice::StepTaken,
                    lang.text(&format!("event_{}", step.name())),
                ),
            ))
        }
        Err(ServiceError::Edit(edit)) => Ok(again(super::rules::edit_message(lang, &edit))),
        Err(ServiceError::Lifecycle { source, .. }) => Ok(again(explain(lang, &source))),
        Err(ServiceError::Concurrent(_)) => Ok(again(lang.text("step_concurrent").to_owned())),
        Err(err) if matches!(err, ServiceError::Database(_) | ServiceError::Corrupt(_)) => {
            Err(internal(err))
        }
        Err(err) => Err(refusal(&state, lang, err)),
    }
}
