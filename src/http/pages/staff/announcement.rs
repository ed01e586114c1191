//! The announcement on the staff pages (`/verwaltung/wettbewerbe/:id/bekanntgabe`):
//! schedule or move it (date and time in Gera's time, the jury's statement,
//! whether thank-you emails carry the jury's comments), take it back, and see
//! who will be emailed at that moment.

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
use super::super::view;
use super::competition_form::local_input;
use super::{managed, manager_from_form};
use crate::app::AppState;
use crate::domain::CompetitionState;
use crate::domain::announcement::AnnouncementError;
use crate::services::ServiceError;
use crate::services::announcements::{self, Schedule};
use crate::services::authorization::Manager;

/// What the form was sent with, kept when it is refused.
#[derive(Serialize, Default)]
struct Typed {
    at: String,
    statement: String,
    with_feedback: bool,
}

fn message(lang: Lang, err: &AnnouncementError) -> String {
    match err {
        AnnouncementError::NotDecided(state) => lang.text_with(
            "announcement_err_not_decided",
            &[("state", lang.text(&format!("state_{state}")).into())],
        ),
        AnnouncementError::Announced => lang.text("announcement_err_announced").to_owned(),
        AnnouncementError::InThePast => lang.text("announcement_err_past").to_owned(),
        AnnouncementError::StatementTooLong => lang.text("announcement_err_long").to_owned(),
    }
}

async fn render(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    manager: &Manager,
    typed: Option<Typed>,
    error: Option<String>,
) -> poem::Result<Response> {
    let db = &state.db;
    let id = manager.competition_id();
    let competition = crate::services::competitions::find(db, id)
        .await
        .map_err(internal)?;
    let stored = announcements::find(db, id).await.map_err(internal)?;
    let typed = typed.unwrap_or_else(|| match &stored {
        Some(a) => Typed {
            at: local_input(Some(a.scheduled_for)),
            statement: a.statement.clone(),
            with_feedback: a.with_feedback,
        },
        None => Typed::default(),
    });
    let mut context = Context::new();
    context.insert("csrf", csrf);
    context.insert("competition_id", &id);
    context.insert("headline", &competition.full_name());
    context.insert(
        "state_label",
        lang.text(&format!("state_{}", competition.state)),
    );
    context.insert(
        "may_schedule",
        &(competition.state == CompetitionState::Decided),
    );
    context.insert(
        "scheduled",
        &stored
            .as_ref()
            .filter(|a| a.announced_at.is_none())
            .map(|a| view::moment(lang, a.scheduled_for)),
    );
    context.insert(
        "announced",
        &stored
            .as_ref()
            .and_then(|a| a.announced_at)
            .map(|at| view::moment(lang, at)),
    );
    context.insert("slug", &competition.slug);
    // Once announced, each winner's certificate.
    let mut certificates = Vec::new();
    if stored.as_ref().is_some_and(|a| a.announced_at.is_some()) {
        let mut seen = std::collections::HashSet::new();
        for line in announcements::result_lines(db, manager)
            .await
            .map_err(internal)?
        {
            if seen.insert(line.entry_id) {
                certificates.push(serde_json::json!({
                    "entry_id": line.entry_id,
                    "title": line.title,
                    "kennzahl": line.kennzahl,
                }));
            }
        }
    }
    context.insert("certificates", &certificates);
    // Once announced, what the winners entered for the payout (masked).
    let mut payouts = Vec::new();
    if !certificates.is_empty() {
        for line in crate::services::payouts::overview(db, manager)
            .await
            .map_err(internal)?
        {
            let needs = match (line.needs.bank, line.needs.address) {
                (true, true) => format!(
                    "{}, {}",
                    lang.text("payouts_bank"),
                    lang.text("payouts_address")
                ),
                (true, false) => lang.text("payouts_bank").to_owned(),
                (false, true) => lang.text("payouts_address").to_owned(),
                (false, false) => lang.text("payouts_nothing").to_owned(),
            };
            payouts.push(serde_json::json!({
                "title": line.title,
                "kennzahl": line.kennzahl,
                "needs": needs,
                "complete": line.complete(),
                "iban": line.iban_masked,
                "updated": line.updated_at.map(|at| view::moment(lang, at)),
            }));
        }
    }
    context.insert("payouts", &payouts);
    context.insert(
        "is_admin",
        &(manager.person().role == crate::domain::roles::Role::Admin),
    );
    context.insert("typed", &typed);
    context.insert("error", &error);
    let path = format!("/verwaltung/wettbewerbe/{id}/bekanntgabe");
    let html = state
        .pages
        .render_html("staff_announcement.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    if error.is_some() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

#[handler]
pub async fn page(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff,
        current,
    } = member;
    let (manager, _) = managed(&state, lang, &staff, id.0).await?;
    render(
        &state,
        lang,
        &current.session.csrf_token,
        &manager,
        None,
        None,
    )
    .await
}

fn back(state: &AppState, lang: Lang, id: i64, text: String) -> Response {
    flash::redirect(
        state,
        &format!(
            "/verwaltung/wettbewerbe/{id}/bekanntgabe?lang={}",
            lang.code()
        ),
        Flash::with(Notice::JuryChanged, text),
    )
}

#[handler]
pub async fn save(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let manager = manager_from_form(&state, lang, &current.user, id.0).await?;
    let csrf = current.session.csrf_token.clone();
    let typed = Typed {
        at: field(&fields, "at").unwrap_or_default().trim().to_owned(),
        statement: field(&fields, "statement").unwrap_or_default().to_owned(),
        with_feedback: field(&fields, "with_feedback").is_some(),
    };
    let Ok(at) = crate::domain::time::parse_berlin(&typed.at) else {
        let error = Some(lang.text("announcement_err_when").to_owned());
        return render(&state, lang, &csrf, &manager, Some(typed), error).await;
    };
    let request = Schedule {
        at,
        statement: typed.statement.clone(),
        with_feedback: typed.with_feedback,
    };
    match announcements::schedule(&state.db, &manager, state.now(), request).await {
        Ok(stored) => {
            let text = lang.text_with(
                "announcement_done_scheduled",
                &[("at", view::moment(lang, stored.scheduled_for).into())],
            );
            Ok(back(&state, lang, id.0, text))
        }
        Err(ServiceError::Announcement(refused)) => {
            let error = Some(message(lang, &refused));
            render(&state, lang, &csrf, &manager, Some(typed), error).await
        }
        Err(err) => Err(refusal(&state, lang, err)),
    }
}

#[handler]
pub async fn unschedule(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm { lang, current, .. } = form;
    let manager = manager_from_form(&state, lang, &current.user, id.0).await?;
    match announcements::unschedule(&state.db, &manager, state.now()).await {
        Ok(()) => {
            let text = lang.text("announcement_done_unscheduled").to_owned();
            Ok(back(&state, lang, id.0, text))
        }
        Err(ServiceError::Announcement(refused)) => {
            let csrf = current.session.csrf_token.clone();
            let error = Some(message(lang, &refused));
            render(&state, lang, &csrf, &manager, None, error).await
        }
        Err(err) => Err(refusal(&state, lang, err)),
    }
}
