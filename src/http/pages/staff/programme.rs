//! The programme page for administrators: its texts, budget and goals, its
//! phases (Staffeln), and the budget line: the prize money each phase and
//! competition plans against the programme's budget.

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Response, handler};
use serde::Serialize;
use tera::Context;

use super::super::entries::{Fields, field};
use super::super::extract::{Administrator, CsrfForm};
use super::super::flash::{self, Flash, Notice};
use super::super::i18n::Lang;
use super::super::session::{internal, refusal, see_other};
use super::super::view;
use super::admin_of;
use super::rules::form_message;
use crate::app::AppState;
use crate::domain::Money;
use crate::domain::prizes::budget_line;
use crate::services::programmes::{self, PhaseChanges, ProgrammeChanges};

/// The programme form as typed.
#[derive(Serialize, Default)]
struct Typed {
    name: String,
    description: String,
    budget: String,
    goals: String,
}

#[derive(Serialize)]
struct CompetitionLine {
    id: i64,
    name: String,
    state: &'static str,
    prize: String,
}

#[derive(Serialize)]
struct PhaseLine {
    id: i64,
    number: i32,
    name: String,
    /// As stored, for the phase's own form.
    stored_name: String,
    planned: String,
    competitions: Vec<CompetitionLine>,
}

/// What went wrong, and where on the page.
struct Refused {
    /// `programme`, `phase-new` or `phase-<id>`.
    form: String,
    message: String,
}

async fn render(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    id: i64,
    typed: Option<Typed>,
    refused: Option<Refused>,
) -> poem::Result<Response> {
    let overview = programmes::overviews(&state.db, true)
        .await
        .map_err(internal)?
        .into_iter()
        .find(|o| o.programme.id == id)
        .ok_or_else(|| {
            refusal(
                state,
                lang,
                crate::services::ServiceError::not_found("programme", id),
            )
        })?;
    let programme = &overview.programme;
    let budget = programme.budget().map_err(|e| internal(e.into()))?;
    let phase_ids: Vec<i64> = overview.phases.iter().map(|(p, _)| p.id).collect();
    let prizes: Vec<(i64, Money)> = overview
        .phases
        .iter()
        .flat_map(|(p, members)| {
            members.iter().map(move |c| {
                (
                    p.id,
                    Money::from_cents(c.prize_money_cents).unwrap_or_default(),
                )
            })
        })
        .collect();
    let line = budget_line(budget, &phase_ids, &prizes);
    let phases: Vec<PhaseLine> = overview
        .phases
        .iter()
        .zip(&line.phases)
        .map(|((phase, members), (_, planned))| PhaseLine {
            id: phase.id,
            number: phase.number,
            name: view::phase_name(lang, phase).0,
            stored_name: phase.name.clone(),
            planned: view::money(lang, *planned),
            competitions: members
                .iter()
                .map(|c| CompetitionLine {
                    id: c.id,
                    name: c.full_name(),
                    state: lang.text(&format!("state_{}", c.state)),
                    prize: view::money(
                        lang,
                        Money::from_cents(c.prize_money_cents).unwrap_or_default(),
                    ),
                })
                .collect(),
        })
        .collect();
    let typed = typed.unwrap_or_else(|| Typed {
        name: programme.name.clone(),
        description: programme.description.clone(),
        budget: budget.form_value(),
        goals: programme.goals().unwrap_or_default().join("\n"),
    });
    let mut context = Context::new();
    context.insert("csrf", csrf);
    context.insert("programme_id", &id);
    context.insert("title", &programme.name);
    context.insert("typed", &typed);
    context.insert("phases", &phases);
    context.insert("planned", &view::money(lang, line.planned));
    context.insert("budget", &view::money(lang, line.budget));
    context.insert("remaining", &line.remaining.map(|m| view::money(lang, m)));
    context.insert(
        "next_number",
        &(phases.iter().map(|p| p.number).max().unwrap_or(0) + 1),
    );
    context.insert("refused_form", &refused.as_ref().map(|r| r.form.clone()));
    context.insert("error", &refused.as_ref().map(|r| r.message.clone()));
    let path = format!("/verwaltung/programm/{id}");
    let html = state
        .pages
        .render_html("staff_programme.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    if refused.is_some() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

#[handler]
pub async fn first(member: Administrator, state: Data<&AppState>) -> poem::Result<Response> {
    let Administrator { lang, .. } = member;
    let all = programmes::list(&state.db).await.map_err(internal)?;
    match all.first() {
        Some(programme) => Ok(see_other(&format!(
            "/verwaltung/programm/{}?lang={}",
            programme.id,
            lang.code()
        ))),
        None => Ok(state.pages.message(lang, StatusCode::NOT_FOUND)),
    }
}

#[handler]
pub async fn page(
    id: Path<i64>,
    member: Administrator,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Administrator { lang, current, .. } = member;
    render(&state, lang, &current.session.csrf_token, id.0, None, None).await
}

#[handler]
pub async fn update(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let csrf = current.session.csrf_token.clone();
    let typed = Typed {
        name: field(&fields, "name").unwrap_or_default().trim().to_owned(),
        description: field(&fields, "description").unwrap_or_default().to_owned(),
        budget: field(&fields, "budget")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        goals: field(&fields, "goals").unwrap_or_default().to_owned(),
    };
    let refuse = |key: &str| Refused {
        form: "programme".into(),
        message: lang.text(key).to_owned(),
    };
    if typed.name.is_empty() || typed.name.chars().count() > 200 {
        let refused = refuse("programme_name_missing");
        return render(&state, lang, &csrf, id.0, Some(typed), Some(refused)).await;
    }
    let Ok(budget) = Money::parse_euros(&typed.budget) else {
        let refused = refuse("programme_budget_bad");
        return render(&state, lang, &csrf, id.0, Some(typed), Some(refused)).await;
    };
    let changes = ProgrammeChanges {
        name: Some(typed.name.clone()),
        description: Some(typed.description.clone()),
        budget: Some(budget),
        goals: Some(typed.goals.lines().map(str::to_owned).collect()),
    };
    match programmes::update(&state.db, &admin, state.now(), id.0, changes).await {
        Ok(_) => {
            state.changed();
            Ok(flash::redirect(
                &state,
                &format!("/verwaltung/programm/{}?lang={}", id.0, lang.code()),
                Flash::new(Notice::ProgrammeChanged),
            ))
        }
        Err(err) => match form_message(lang, &err) {
            Some(message) => {
                let refused = Refused {
                    form: "programme".into(),
                    message,
                };
                render(&state, lang, &csrf, id.0, Some(typed), Some(refused)).await
            }
            None => Err(refusal(&state, lang, err)),
        },
    }
}

/// A phase's number and name from its form, or what is wrong with them.
fn phase_fields(lang: Lang, fields: &Fields) -> Result<(i32, String), String> {
    let number = field(fields, "number")
        .and_then(|n| n.trim().parse::<i32>().ok())
        .filter(|n| (1..=99).contains(n));
    let name = field(fields, "name").unwrap_or_default().trim().to_owned();
    match number {
        None => Err(lang.text("programme_phase_number_bad").to_owned()),
        Some(_) if name.is_empty() || name.chars().count() > 200 => {
            Err(lang.text("programme_phase_name_missing").to_owned())
        }
        Some(n) => Ok((n, name)),
    }
}

#[handler]
pub async fn add_phase(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let csrf = current.session.csrf_token.clone();
    let failed = |message| Refused {
        form: "phase-new".into(),
        message,
    };
    let (number, name) = match phase_fields(lang, &fields) {
        Ok(parts) => parts,
        Err(message) => {
            return render(&state, lang, &csrf, id.0, None, Some(failed(message))).await;
        }
    };
    let new = programmes::NewPhase { number, name };
    match programmes::create_phase(&state.db, &admin, state.now(), id.0, new).await {
        Ok(phase) => {
            state.changed();
            Ok(flash::redirect(
                &state,
                &format!("/verwaltung/programm/{}?lang={}", id.0, lang.code()),
                Flash::with(Notice::PhaseSaved, phase.name),
            ))
        }
        Err(err) => match form_message(lang, &err) {
            Some(message) => render(&state, lang, &csrf, id.0, None, Some(failed(message))).await,
            None => Err(refusal(&state, lang, err)),
        },
    }
}

#[handler]
pub async fn update_phase(
    Path((id, phase_id)): Path<(i64, i64)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let csrf = current.session.csrf_token.clone();
    let failed = |message| Refused {
        form: format!("phase-{phase_id}"),
        message,
    };
    let (number, name) = match phase_fields(lang, &fields) {
        Ok(parts) => parts,
        Err(message) => return render(&state, lang, &csrf, id, None, Some(failed(message))).await,
    };
    let changes = PhaseChanges {
        number: Some(number),
        name: Some(name),
    };
    match programmes::update_phase(&state.db, &admin, state.now(), phase_id, changes).await {
        Ok(phase) => {
            state.changed();
            Ok(flash::redirect(
                &state,
                &format!("/verwaltung/programm/{id}?lang={}", lang.code()),
                Flash::with(Notice::PhaseSaved, phase.name),
            ))
        }
        Err(err) => match form_message(lang, &err) {
            Some(message) => render(&state, lang, &csrf, id, None, Some(failed(message))).await,
            None => Err(refusal(&state, lang, err)),
        },
    }
}
