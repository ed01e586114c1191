//! The sitting of the panel on the pages: the ranking explained (both bases,
//! disagreement, leniency, agreement, the tie-break rule), progress, the rounds
//! with the chair's decisions or recorded votes, and locking the result. The
//! chair sees it under `/jury/…/sitzung`, staff keeping the minutes under
//! `/verwaltung/…/rangfolge`; both act through the same
//! [`Presiding`](crate::services::authorization::Presiding) capability.

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::super::entries::{Fields, field};
use super::super::extract::{CsrfForm, JurorMember, StaffMember};
use super::super::flash::{self, Flash, Notice};
use super::super::i18n::Lang;
use super::super::session::{internal, refusal};
use super::messages::jury_message;
use crate::app::AppState;
use crate::domain::CompetitionState;
use crate::domain::jury::rounds::{Outcome, Vote};
use crate::domain::jury::scoring::Basis;
use crate::services::ServiceError;
use crate::services::authorization::{self, Presiding};
use crate::services::jury::{decision, panel, protokoll, rounds, sheets};
use crate::services::{competitions, jury};

/// Who looks at the sitting: the chair, or staff.
struct Seat {
    presiding: Presiding,
    base: String,
    staff: bool,
    manager: Option<authorization::Manager>,
}

fn number(lang: Lang, value: f64) -> String {
    let text = format!("{value:.2}");
    if lang == Lang::De {
        text.replace('.', ",")
    } else {
        text
    }
}

#[derive(Serialize)]
struct RankRow {
    place: usize,
    kennzahl: String,
    title: String,
    mean: String,
    median: String,
    normalised: String,
    raw_place: usize,
    normalised_place: usize,
    std_dev: String,
    range: String,
    sheets: usize,
    discuss: bool,
    out_in_round: Option<u32>,
    still_in: bool,
}

#[derive(Serialize)]
struct JurorRow {
    name: String,
    sheets: usize,
    mean: String,
    leniency: String,
}

#[derive(Serialize)]
struct RoundView {
    number: i32,
    open: bool,
    decisions: Vec<(String, String, String, String)>,
}

#[derive(Serialize)]
struct Voter {
    id: i64,
    name: String,
}

/// How many places of the ranking one page shows (with their round forms).
const RANKING_PAGE: usize = 50;

/// Which page of the ranking: `?seite=2` shows places 51–100.
#[derive(Debug, Default, Deserialize)]
pub struct RankingPage {
    seite: Option<usize>,
}

impl RankingPage {
    fn number(&self) -> usize {
        self.seite.unwrap_or(1).max(1)
    }
}

async fn render(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    seat: &Seat,
    page: usize,
    error: Option<String>,
) -> poem::Result<Response> {
    let id = seat.presiding.competition_id();
    let db = &state.db;
    let competition = competitions::find(db, id).await.map_err(internal)?;
    let ranked = state.rankings.ranking(db, id).await.map_err(internal)?;
    let settings = jury::settings(db, id).await.map_err(internal)?;
    let pages = ranked.entries.len().div_ceil(RANKING_PAGE).max(1);
    let page = page.min(pages);
    let rows: Vec<RankRow> = ranked
        .entries
        .iter()
        .enumerate()
        .skip((page - 1) * RANKING_PAGE)
        .take(RANKING_PAGE)
        .map(|(i, e)| RankRow {
            place: i + 1,
            kennzahl: e.kennzahl.clone(),
            title: e.title.clone(),
            mean: number(lang, e.result.mean),
            median: number(lang, e.result.median),
            normalised: number(lang, e.result.normalised),
            raw_place: e.raw_place,
            normalised_place: e.normalised_place,
            std_dev: number(lang, e.result.std_dev),
            range: number(lang, e.result.range),
            sheets: e.result.sheets,
            discuss: e.result.discuss,
            out_in_round: e.out_in_round,
            still_in: e.out_in_round.is_none(),
        })
        .collect();
    let jurors: Vec<JurorRow> = ranked
        .jurors
        .iter()
        .map(|j| JurorRow {
            name: j.name.clone(),
            sheets: j.result.sheets,
            mean: number(lang, j.result.mean),
            leniency: j
                .result
                .leniency
                .map(|l| number(lang, l))
                .unwrap_or_else(|| "–".into()),
        })
        .collect();
    let record = rounds::all(db, id).await.map_err(internal)?;
    let kennzahlen: std::collections::HashMap<i64, &str> = ranked
        .entries
        .iter()
        .map(|e| (e.entry_id, e.kennzahl.as_str()))
        .collect();
    let kennzahl_of = |entry: i64| {
        kennzahlen
            .get(&entry)
            .copied()
            .unwrap_or_default()
            .to_owned()
    };
    let round_views: Vec<RoundView> = record
        .iter()
        .map(|r| RoundView {
            number: r.round.number,
            open: r.round.closed_at.is_none(),
            decisions: r
                .decisions
                .iter()
                .map(|(d, _)| {
                    (
                        kennzahl_of(d.entry_id),
                        lang.text(&format!("round_outcome_{}", d.outcome))
                            .to_owned(),
                        if d.method == "chair" {
                            lang.text("round_by_chair").to_owned()
                        } else {
                            lang.text_with(
                                "round_by_vote",
                                &[
                                    ("for", i64::from(d.votes_for).into()),
                                    ("against", i64::from(d.votes_against).into()),
                                ],
                            )
                        },
                        d.remark.clone(),
                    )
                })
                .collect(),
        })
        .collect();
    let open_round = record.iter().find(|r| r.round.closed_at.is_none());
    let voters: Vec<Voter> = panel::members(db, id)
        .await
        .map_err(internal)?
        .into_iter()
        .filter(|m| m.seat.accepted_at.is_some())
        .map(|m| Voter {
            id: m.person.id,
            name: m.person.display_name,
        })
        .collect();
    let reviewing = competition.state == CompetitionState::InReview;
    let mut context = Context::new();
    context.insert("competition_id", &id);
    context.insert("headline", &competition.full_name());
    context.insert("csrf", csrf);
    context.insert("base", &seat.base);
    context.insert("staff", &seat.staff);
    context.insert("rows", &rows);
    context.insert("page", &page);
    context.insert("pages", &pages);
    context.insert(
        "unranked",
        &ranked
            .unranked
            .iter()
            .map(|(k, _)| k.clone())
            .collect::<Vec<_>>(),
    );
    context.insert("jurors", &jurors);
    context.insert("alpha", &ranked.alpha.map(|a| number(lang, a)));
    context.insert("flag_above", &number(lang, ranked.flag_above));
    context.insert(
        "basis_label",
        lang.text(match settings.basis {
            Basis::Raw => "jury_basis_raw",
            Basis::Normalised => "jury_basis_normalised",
        }),
    );
    context.insert(
        "rule",
        lang.text(match settings.basis {
            Basis::Raw => "ranking_rule_raw",
            Basis::Normalised => "ranking_rule_normalised",
        }),
    );
    context.insert("rounds", &round_views);
    context.insert("open_round", &open_round.map(|r| r.round.number));
    context.insert("voters", &voters);
    context.insert("reviewing", &reviewing);
    context.insert("decided", &(competition.state == CompetitionState::Decided));
    // The public vote's result, once it has closed: beside the ranking, not in it.
    let vote: Vec<_> = crate::services::votes::result_for_sitting(db, &seat.presiding, state.now())
        .await
        .map_err(internal)?
        .map(|r| r.tally)
        .unwrap_or_default()
        .into_iter()
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
    context.insert("vote", &vote);
    context.insert("quorum", &settings.quorum);
    context.insert(
        "state_label",
        lang.text(&format!("state_{}", competition.state)),
    );
    if let Some(manager) = &seat.manager {
        let progress = sheets::progress(db, manager).await.map_err(internal)?;
        context.insert("below_quorum", &progress.below_quorum);
    }
    context.insert("error", &error);
    let path = seat.base.clone();
    let html = state
        .pages
        .render_html("jury_sitting.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    if error.is_some() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

async fn chair_seat(
    state: &AppState,
    lang: Lang,
    person: &crate::entities::user::Model,
    id: i64,
) -> poem::Result<Seat> {
    let juror = authorization::juror(&state.db, person, id)
        .await
        .map_err(|err| refusal(state, lang, err))?;
    let presiding = juror
        .presiding()
        .map_err(|err| refusal(state, lang, ServiceError::Forbidden(err.to_string())))?;
    Ok(Seat {
        presiding,
        base: format!("/jury/wettbewerbe/{id}/sitzung"),
        staff: false,
        manager: None,
    })
}

async fn staff_seat(
    state: &AppState,
    lang: Lang,
    person: &crate::entities::user::Model,
    id: i64,
) -> poem::Result<Seat> {
    competitions::find(&state.db, id)
        .await
        .map_err(|err| refusal(state, lang, err))?;
    let manager = authorization::manager(&state.db, person, id)
        .await
        .map_err(|err| refusal(state, lang, err))?;
    Ok(Seat {
        presiding: manager.presiding(),
        base: format!("/verwaltung/wettbewerbe/{id}/rangfolge"),
        staff: true,
        manager: Some(manager),
    })
}

#[handler]
pub async fn chair_page(
    id: Path<i64>,
    page: Query<RankingPage>,
    member: JurorMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let JurorMember { lang, current } = member;
    let seat = chair_seat(&state, lang, &current.user, id.0).await?;
    let csrf = &current.session.csrf_token;
    render(&state, lang, csrf, &seat, page.number(), None).await
}

#[handler]
pub async fn staff_page(
    id: Path<i64>,
    page: Query<RankingPage>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember { lang, current, .. } = member;
    let seat = staff_seat(&state, lang, &current.user, id.0).await?;
    let csrf = &current.session.csrf_token;
    render(&state, lang, csrf, &seat, page.number(), None).await
}

/// One of the sitting's steps, from either page.
enum Step {
    OpenRound,
    CloseRound,
    Decide(String),
    Lock,
}

async fn take(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    seat: Seat,
    step: Step,
    fields: &Fields,
) -> poem::Result<Response> {
    let now = state.now();
    let db = &state.db;
    let p = &seat.presiding;
    let page = field(fields, "seite")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let done: Result<String, ServiceError> = match step {
        Step::OpenRound => rounds::open(db, p, now)
            .await
            .map(|r| lang.text_with("round_opened", &[("n", i64::from(r.number).into())])),
        Step::CloseRound => rounds::close(db, p, now)
            .await
            .map(|r| lang.text_with("round_closed", &[("n", i64::from(r.number).into())])),
        Step::Decide(kennzahl) => {
            let ruling = match field(fields, "method") {
                Some("vote") => rounds::Ruling::Vote(
                    fields
                        .iter()
                        .filter_map(|(name, value)| {
                            let juror = name.strip_prefix("vote_")?.parse().ok()?;
                            match value.as_str() {
                                "for" => Some(Vote {
                                    juror,
                                    in_favour: true,
                                }),
                                "against" => Some(Vote {
                                    juror,
                                    in_favour: false,
                                }),
                                _ => None,
                            }
                        })
                        .collect(),
                ),
                _ => rounds::Ruling::Chair(
                    Outcome::parse(field(fields, "outcome").unwrap_or_default())
                        .unwrap_or(Outcome::On),
                ),
            };
            let remark = field(fields, "remark").unwrap_or_default();
            rounds::decide(db, p, now, &kennzahl, ruling, remark)
                .await
                .map(|_| lang.text_with("round_decided", &[("kennzahl", kennzahl.clone().into())]))
        }
        Step::Lock => {
            let remark = field(fields, "remark")
                .map(str::trim)
                .filter(|r| !r.is_empty());
            decision::lock(db, p, now, remark)
                .await
                .map(|_| lang.text("jury_locked").to_owned())
        }
    };
    match done {
        Ok(text) => {
            state.changed();
            Ok(flash::redirect(
                state,
                &format!("{}?lang={}&seite={page}", seat.base, lang.code()),
                Flash::with(Notice::JuryChanged, text),
            ))
        }
        Err(err) => match jury_message(lang, &err, &|k| k.to_owned()) {
            Some(text) => render(state, lang, csrf, &seat, page, Some(text)).await,
            None => match err {
                ServiceError::Lifecycle { .. } => {
                    let text = lang.text("jury_err_not_in_review").to_owned();
                    render(state, lang, csrf, &seat, page, Some(text)).await
                }
                other => Err(refusal(state, lang, other)),
            },
        },
    }
}

/// Who takes a step of the sitting on the pages.
#[derive(Clone, Copy)]
enum Bench {
    /// The chair, under `/jury/…/sitzung`.
    Chair,
    /// Staff keeping the minutes, under `/verwaltung/…/rangfolge`.
    Staff,
}

/// Checks the form's sender presides over competition `id`, then takes `step`.
async fn step(
    state: &AppState,
    form: CsrfForm<Fields>,
    id: i64,
    bench: Bench,
    step: Step,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let seat = match bench {
        Bench::Chair => chair_seat(state, lang, &current.user, id).await?,
        Bench::Staff => staff_seat(state, lang, &current.user, id).await?,
    };
    take(
        state,
        lang,
        &current.session.csrf_token,
        seat,
        step,
        &fields,
    )
    .await
}

macro_rules! step_handlers {
    ($chair:ident, $staff:ident, $step:expr) => {
        #[handler]
        pub async fn $chair(
            id: Path<i64>,
            form: CsrfForm<Fields>,
            state: Data<&AppState>,
        ) -> poem::Result<Response> {
            step(&state, form, id.0, Bench::Chair, $step).await
        }

        #[handler]
        pub async fn $staff(
            id: Path<i64>,
            form: CsrfForm<Fields>,
            state: Data<&AppState>,
        ) -> poem::Result<Response> {
            step(&state, form, id.0, Bench::Staff, $step).await
        }
    };
}

step_handlers!(chair_open_round, staff_open_round, Step::OpenRound);
step_handlers!(chair_close_round, staff_close_round, Step::CloseRound);
step_handlers!(chair_lock, staff_lock, Step::Lock);

#[handler]
pub async fn chair_decide(
    Path((id, kennzahl)): Path<(i64, String)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    step(&state, form, id, Bench::Chair, Step::Decide(kennzahl)).await
}

#[handler]
pub async fn staff_decide(
    Path((id, kennzahl)): Path<(i64, String)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    step(&state, form, id, Bench::Staff, Step::Decide(kennzahl)).await
}

/// The Protokoll as a printable page (staff), as it stands now.
#[handler]
pub async fn protokoll_page(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember { lang, current, .. } = member;
    let seat = staff_seat(&state, lang, &current.user, id.0).await?;
    let id_of = seat.presiding.competition_id();
    let decided = competitions::find(&state.db, id_of)
        .await
        .map_err(internal)?
        .state
        == CompetitionState::Decided;
    // Once locked, the page shows what the stored Protokoll says, remarks too.
    let remarks = if decided {
        decision::lock_remarks(&state.db, id_of)
            .await
            .map_err(internal)?
    } else {
        Vec::new()
    };
    let facts = protokoll::gather(&state.db, id_of, state.now(), remarks)
        .await
        .map_err(internal)?;
    let stored = decision::documents(&state.db, id.0)
        .await
        .map_err(internal)?;
    let mut context = Context::new();
    context.insert("competition_id", &id.0);
    context.insert("p", &facts);
    context.insert(
        "stored",
        &stored
            .first()
            .map(|d| (d.sha256.clone(), super::when(lang, d.created_at))),
    );
    let path = format!("/verwaltung/wettbewerbe/{}/protokoll", id.0);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("jury_protokoll.html", lang, &path, context),
    ))
}

/// The Protokoll stored when the result was locked, as PDF (staff).
#[handler]
pub async fn protokoll_pdf(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember { lang, current, .. } = member;
    staff_seat(&state, lang, &current.user, id.0).await?;
    let stored = decision::latest_document(&state.db, id.0)
        .await
        .map_err(internal)?;
    let Some(latest) = stored else {
        return Err(refusal(
            &state,
            lang,
            ServiceError::not_found("Protokoll", id.0),
        ));
    };
    Ok(Response::builder()
        .content_type("application/pdf")
        .header(
            "content-disposition",
            format!("attachment; filename=\"protokoll-{}.pdf\"", id.0),
        )
        .header("cache-control", "private, no-store")
        .body(latest.content))
}
