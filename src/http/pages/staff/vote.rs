//! The public vote on the staff pages (`/verwaltung/wettbewerbe/:id/abstimmung`):
//! set it up, watch the counts and the fraud signals, void a ballot with a
//! reason, and read the result once the vote has closed.

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
use crate::domain::vote::{Signal, VoteError, VoteMode, VoteRules};
use crate::services::ServiceError;
use crate::services::authorization::Manager;
use crate::services::votes;

/// What the settings form was sent with, kept when it is refused.
#[derive(Serialize)]
struct Typed {
    mode: &'static str,
    points: String,
    max_per_entry: String,
    opens: String,
    closes: String,
}

impl Default for Typed {
    fn default() -> Self {
        Self {
            mode: "points",
            points: "100".into(),
            max_per_entry: "30".into(),
            opens: String::new(),
            closes: String::new(),
        }
    }
}

fn message(lang: Lang, err: &VoteError) -> String {
    let key = match err {
        VoteError::NotNow(_) => "staff_vote_err_not_now",
        VoteError::Window => "staff_vote_err_window",
        VoteError::ClosesInThePast => "staff_vote_err_past",
        VoteError::Points => "staff_vote_err_points",
        VoteError::Fixed => "staff_vote_err_fixed",
        VoteError::EmptyShortlist => "staff_vote_err_empty",
        VoteError::Hidden => "staff_vote_hidden",
        VoteError::Voided => "staff_vote_err_voided",
        VoteError::Reason => "staff_vote_err_reason",
    };
    lang.text(key).to_owned()
}

fn signal_text(lang: Lang, signal: &Signal) -> String {
    match signal {
        Signal::SameClient { count } => lang.text_with(
            "staff_vote_signal_same_client",
            &[("count", (*count as i64).into())],
        ),
        Signal::Disposable { domain } => lang.text_with(
            "staff_vote_signal_disposable",
            &[("domain", domain.as_str().into())],
        ),
        Signal::Burst { minute, count } => lang.text_with(
            "staff_vote_signal_burst",
            &[
                ("count", (*count as i64).into()),
                ("minute", view::moment(lang, *minute).into()),
            ],
        ),
    }
}

async fn render(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    manager: &Manager,
    typed: Option<Typed>,
    error: Option<(String, String)>,
) -> poem::Result<Response> {
    let db = &state.db;
    let id = manager.competition_id();
    let competition = crate::services::competitions::find(db, id)
        .await
        .map_err(internal)?;
    let stored = votes::find(db, id).await.map_err(internal)?;
    let typed = typed.unwrap_or_else(|| match &stored {
        Some(v) => Typed {
            mode: v.mode.as_str(),
            points: v.points.to_string(),
            max_per_entry: v.max_per_entry.to_string(),
            opens: local_input(Some(v.opens_at)),
            closes: local_input(Some(v.closes_at)),
        },
        None => Typed::default(),
    });
    let mut context = Context::new();
    context.insert("csrf", csrf);
    context.insert("competition_id", &id);
    context.insert("slug", &competition.slug);
    context.insert("headline", &competition.full_name());
    context.insert("typed", &typed);
    context.insert("error_field", &error.as_ref().map(|e| e.0.clone()));
    context.insert("error", &error.as_ref().map(|e| e.1.clone()));
    context.insert("configured", &stored.is_some());
    if stored.is_some() {
        let (counts, reviewed) = votes::review(db, manager).await.map_err(internal)?;
        context.insert(
            "counts",
            &lang.text_with(
                "staff_vote_counts",
                &[
                    ("counted", (counts.counted as i64).into()),
                    ("unconfirmed", (counts.unconfirmed as i64).into()),
                    ("voided", (counts.voided as i64).into()),
                ],
            ),
        );
        let ballots: Vec<_> = reviewed
            .iter()
            .map(|b| {
                serde_json::json!({
                    "id": b.id,
                    "email": b.email,
                    "signals": b.signals.iter().map(|s| signal_text(lang, s)).collect::<Vec<_>>(),
                    "voided": b.voided_at.map(|at| view::moment(lang, at)),
                    "reason": b.void_reason,
                })
            })
            .collect();
        context.insert("ballots", &ballots);
        match votes::result(db, manager, state.now()).await {
            Ok(result) => {
                let rows: Vec<_> = result
                    .tally
                    .iter()
                    .map(|(t, l)| {
                        serde_json::json!({
                            "place": t.place,
                            "kennzahl": t.kennzahl,
                            "title": l.title,
                            "points": t.points,
                            "voters": t.voters,
                        })
                    })
                    .collect();
                context.insert("result", &rows);
            }
            Err(ServiceError::Vote(VoteError::Hidden)) => {
                context.insert("result", &Option::<()>::None);
            }
            Err(err) => return Err(internal(err)),
        }
    }
    let path = format!("/verwaltung/wettbewerbe/{id}/abstimmung");
    let html = state
        .pages
        .render_html("staff_vote.html", lang, &path, context);
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
            "/verwaltung/wettbewerbe/{id}/abstimmung?lang={}",
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
    let value = |name: &str| field(&fields, name).unwrap_or_default().trim().to_owned();
    let typed = Typed {
        mode: if value("mode") == "single" {
            "single"
        } else {
            "points"
        },
        points: value("points"),
        max_per_entry: value("max_per_entry"),
        opens: value("opens"),
        closes: value("closes"),
    };
    let (Ok(opens_at), Ok(closes_at)) = (
        crate::domain::time::parse_berlin(&typed.opens),
        crate::domain::time::parse_berlin(&typed.closes),
    ) else {
        let error = Some((
            "opens".to_owned(),
            lang.text("staff_vote_err_when").to_owned(),
        ));
        return render(&state, lang, &csrf, &manager, Some(typed), error).await;
    };
    let mode = if typed.mode == "single" {
        VoteMode::Single
    } else {
        VoteMode::Points
    };
    let number = |text: &str| text.parse::<u32>().unwrap_or(0);
    let rules = VoteRules {
        mode,
        points: if mode == VoteMode::Single {
            1
        } else {
            number(&typed.points)
        },
        max_per_entry: if mode == VoteMode::Single {
            1
        } else {
            number(&typed.max_per_entry)
        },
        opens_at,
        closes_at,
    };
    match votes::configure(&state.db, &manager, state.now(), rules).await {
        Ok(_) => Ok(back(
            &state,
            lang,
            id.0,
            lang.text("staff_vote_saved").to_owned(),
        )),
        Err(ServiceError::Vote(refused)) => {
            let target = match refused {
                VoteError::Points => "points",
                VoteError::Window | VoteError::ClosesInThePast => "closes",
                _ => "mode-points",
            };
            let error = Some((target.to_owned(), message(lang, &refused)));
            render(&state, lang, &csrf, &manager, Some(typed), error).await
        }
        Err(err) => Err(refusal(&state, lang, err)),
    }
}

#[handler]
pub async fn void(
    path: Path<(i64, i64)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (id, ballot) = path.0;
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let manager = manager_from_form(&state, lang, &current.user, id).await?;
    let reason = field(&fields, "reason").unwrap_or_default().to_owned();
    match votes::void(&state.db, &manager, state.now(), ballot, &reason).await {
        Ok(()) => Ok(back(
            &state,
            lang,
            id,
            lang.text("staff_vote_voided_done").to_owned(),
        )),
        Err(ServiceError::Vote(refused)) => {
            let csrf = current.session.csrf_token.clone();
            let error = Some((format!("reason-{ballot}"), message(lang, &refused)));
            render(&state, lang, &csrf, &manager, None, error).await
        }
        Err(err) => Err(refusal(&state, lang, err)),
    }
}
