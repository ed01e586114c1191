//! The overall placement on the staff pages (`/verwaltung/gesamtwertung`,
//! administrators): define its places with their prizes, award each to a
//! category winner, withdraw a place with a reason.

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Response, handler};
use tera::Context;

use super::super::entries::{Fields, field};
use super::super::extract::{Administrator, CsrfForm};
use super::super::flash::{self, Flash, Notice};
use super::super::i18n::Lang;
use super::super::session::{internal, refusal};
use super::super::view;
use super::admin_of;
use super::prizes::prize_message;
use crate::app::AppState;
use crate::domain::Money;
use crate::domain::prizes::{OverallPlace, PrizeKind};
use crate::domain::vote::VoteError;
use crate::services::authorization::Admin;
use crate::services::{ServiceError, overall, programmes, votes};

/// Rows of the places form: the stored ones and two empty ones.
const EXTRA_ROWS: usize = 2;

async fn render(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    admin: &Admin,
    typed: Option<Vec<[String; 3]>>,
    error: Option<String>,
) -> poem::Result<Response> {
    let db = &state.db;
    let all = programmes::list(db).await.map_err(internal)?;
    let Some(programme) = all.first() else {
        return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
    };
    let standing = overall::standing(db, programme.id)
        .await
        .map_err(internal)?;
    let candidates = overall::candidates(db, programme.id)
        .await
        .map_err(internal)?;
    let rows: Vec<[String; 3]> = typed.unwrap_or_else(|| {
        standing
            .iter()
            .map(|s| {
                [
                    s.spec.label.clone(),
                    s.spec.kind.as_str().to_owned(),
                    s.spec.value.form_value(),
                ]
            })
            .chain(std::iter::repeat_n(
                [String::new(), "cash".to_owned(), String::new()],
                EXTRA_ROWS,
            ))
            .collect()
    });
    let mut context = Context::new();
    context.insert("csrf", csrf);
    context.insert(
        "rows",
        &rows
            .iter()
            .enumerate()
            .map(|(i, [label, kind, value])| {
                serde_json::json!({ "n": i + 1, "label": label, "kind": kind, "value": value })
            })
            .collect::<Vec<_>>(),
    );
    context.insert(
        "kinds",
        &PrizeKind::ALL
            .iter()
            .map(|k| {
                serde_json::json!({
                    "value": k.as_str(),
                    "label": lang.text(&format!("prize_kind_{}", k.as_str())),
                })
            })
            .collect::<Vec<_>>(),
    );
    context.insert(
        "places",
        &standing
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.id,
                    "place": s.spec.place,
                    "label": s.spec.label,
                    "value": view::money(lang, s.spec.value),
                    "entry": s.award.as_ref().map(|a| serde_json::json!({
                        "award_id": a.award_id,
                        "title": a.title,
                        "kennzahl": a.kennzahl,
                        "competition": a.competition,
                        "public": a.public,
                    })),
                })
            })
            .collect::<Vec<_>>(),
    );
    context.insert(
        "candidates",
        &candidates
            .iter()
            .map(|c| {
                serde_json::json!({
                    "entry_id": c.entry_id,
                    "text": format!("{} ({}) – {}", c.title, c.kennzahl, c.competition),
                })
            })
            .collect::<Vec<_>>(),
    );
    let pool = overall::pool(db, programme.id).await.map_err(internal)?;
    context.insert("pool", &view::money(lang, pool));
    // The programme's public vote, once closed, beside the placement: a
    // pointer for the decision, never part of it.
    let keeper = votes::Keeper::of_programme(admin, programme.id);
    let vote_result = match votes::result(db, &keeper, state.now()).await {
        Ok(result) => Some(
            result
                .tally
                .iter()
                .map(|(t, l)| {
                    serde_json::json!({
                        "place": t.place,
                        "competition": l.competition,
                        "kennzahl": l.kennzahl,
                        "title": l.title,
                        "points": t.points,
                        "voters": t.voters,
                    })
                })
                .collect::<Vec<_>>(),
        ),
        Err(ServiceError::Vote(VoteError::Hidden) | ServiceError::NotFound { .. }) => None,
        Err(err) => return Err(internal(err)),
    };
    context.insert("vote_result", &vote_result);
    context.insert("error", &error);
    let html = state.pages.render_html(
        "staff_overall.html",
        lang,
        "/verwaltung/gesamtwertung",
        context,
    );
    let mut response = state.pages.respond(lang, html);
    if error.is_some() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

#[handler]
pub async fn page(member: Administrator, state: Data<&AppState>) -> poem::Result<Response> {
    let Administrator {
        lang,
        current,
        admin,
    } = member;
    render(
        &state,
        lang,
        &current.session.csrf_token,
        &admin,
        None,
        None,
    )
    .await
}

fn back(state: &AppState, lang: Lang, text: String) -> Response {
    flash::redirect(
        state,
        &format!("/verwaltung/gesamtwertung?lang={}", lang.code()),
        Flash::with(Notice::JuryChanged, text),
    )
}

/// A refusal shown on the page, or its own page.
async fn refused(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    admin: &Admin,
    typed: Option<Vec<[String; 3]>>,
    err: ServiceError,
) -> poem::Result<Response> {
    let text = match &err {
        ServiceError::Prize(refused) => prize_message(lang, refused),
        ServiceError::OverBudget(over) => lang.text_with(
            "overall_err_budget",
            &[
                ("total", view::money(lang, over.total).into()),
                ("budget", view::money(lang, over.budget).into()),
            ],
        ),
        ServiceError::Invalid { .. } => lang.text("overall_err_value").to_owned(),
        _ => return Err(refusal(state, lang, err)),
    };
    render(state, lang, csrf, admin, typed, Some(text)).await
}

async fn programme_of(state: &AppState, lang: Lang, admin: &Admin) -> poem::Result<i64> {
    let _ = admin;
    let all = programmes::list(&state.db).await.map_err(internal)?;
    all.first()
        .map(|p| p.id)
        .ok_or_else(|| refusal(state, lang, ServiceError::not_found("programme", 0)))
}

#[handler]
pub async fn save_places(form: CsrfForm<Fields>, state: Data<&AppState>) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let programme = programme_of(&state, lang, &admin).await?;
    let csrf = current.session.csrf_token.clone();
    let mut typed = Vec::new();
    for n in 1..=20 {
        let Some(label) = field(&fields, &format!("label_{n}")) else {
            break;
        };
        typed.push([
            label.trim().to_owned(),
            field(&fields, &format!("kind_{n}"))
                .unwrap_or("cash")
                .to_owned(),
            field(&fields, &format!("value_{n}"))
                .unwrap_or_default()
                .trim()
                .to_owned(),
        ]);
    }
    let mut places = Vec::new();
    for [label, kind, value] in typed
        .iter()
        .filter(|r| !(r[0].is_empty() && r[2].is_empty()))
    {
        let Ok(value) = Money::parse_euros(value) else {
            let err = ServiceError::invalid("value", "not an amount");
            return refused(&state, lang, &csrf, &admin, Some(typed.clone()), err).await;
        };
        places.push(OverallPlace {
            place: places.len() as u32 + 1,
            kind: kind.parse().unwrap_or(PrizeKind::Cash),
            label: label.clone(),
            value,
        });
    }
    match overall::set_places(&state.db, &admin, state.now(), programme, places).await {
        Ok(_) => Ok(back(&state, lang, lang.text("overall_saved").to_owned())),
        Err(err) => refused(&state, lang, &csrf, &admin, Some(typed), err).await,
    }
}

#[handler]
pub async fn award(
    place: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let programme = programme_of(&state, lang, &admin).await?;
    let csrf = current.session.csrf_token.clone();
    let Some(entry) = field(&fields, "entry_id").and_then(|v| v.parse::<i64>().ok()) else {
        let err = ServiceError::Prize(crate::domain::prizes::PrizeError::NotAWinner);
        return refused(&state, lang, &csrf, &admin, None, err).await;
    };
    match overall::award(&state.db, &admin, state.now(), programme, place.0, entry).await {
        Ok(_) => Ok(back(&state, lang, lang.text("overall_awarded").to_owned())),
        Err(err) => refused(&state, lang, &csrf, &admin, None, err).await,
    }
}

#[handler]
pub async fn withdraw(
    award_id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let programme = programme_of(&state, lang, &admin).await?;
    let csrf = current.session.csrf_token.clone();
    let reason = field(&fields, "reason").unwrap_or_default().to_owned();
    match overall::withdraw(
        &state.db,
        &admin,
        state.now(),
        programme,
        award_id.0,
        &reason,
    )
    .await
    {
        Ok(()) => Ok(back(
            &state,
            lang,
            lang.text("overall_withdrawn").to_owned(),
        )),
        Err(err) => refused(&state, lang, &csrf, &admin, None, err).await,
    }
}
