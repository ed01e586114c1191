//! The public vote on the staff pages: a competition's
//! (`/verwaltung/wettbewerbe/:id/abstimmung`, its staff) and the
//! programme's (`/verwaltung/abstimmung`, administrators, with its
//! shortlist picked across the competitions): set it up, watch the counts
//! and the fraud signals, void a ballot with a reason, and read the result
//! once the vote has closed.

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Response, handler};
use serde::Serialize;
use tera::Context;

use super::super::entries::{Fields, field};
use super::super::extract::{Administrator, CsrfForm, StaffMember};
use super::super::flash::{self, Flash, Notice};
use super::super::i18n::Lang;
use super::super::session::{internal, refusal};
use super::super::view;
use super::competition_form::local_input;
use super::{admin_of, managed, manager_from_form};
use crate::app::AppState;
use crate::domain::vote::{Signal, VoteError, VoteMode, VoteRules};
use crate::entities::programme;
use crate::services::authorization::{Admin, Manager};
use crate::services::votes::{self, Keeper};
use crate::services::{ServiceError, programmes};

/// How many eligible ideas per competition the programme's form offers
/// (those picked and prize holders first).
const CANDIDATES_PER_COMPETITION: usize = 100;

/// Whose vote a page keeps.
enum Kept {
    Competition(Manager),
    Programme(Admin, programme::Model),
}

impl Kept {
    fn keeper(&self) -> Keeper {
        match self {
            Self::Competition(manager) => Keeper::of_competition(manager),
            Self::Programme(admin, p) => Keeper::of_programme(admin, p.id),
        }
    }

    /// The page's address.
    fn base(&self) -> String {
        match self {
            Self::Competition(m) => {
                format!("/verwaltung/wettbewerbe/{}/abstimmung", m.competition_id())
            }
            Self::Programme(..) => "/verwaltung/abstimmung".to_owned(),
        }
    }
}

/// What the settings form was sent with, kept when it is refused.
#[derive(Serialize)]
struct Typed {
    mode: &'static str,
    points: String,
    max_per_entry: String,
    opens: String,
    closes: String,
    /// The entries ticked for the programme's shortlist.
    picked: Option<Vec<i64>>,
}

impl Default for Typed {
    fn default() -> Self {
        Self {
            mode: "points",
            points: "100".into(),
            max_per_entry: "30".into(),
            opens: String::new(),
            closes: String::new(),
            picked: None,
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
        VoteError::ShortlistFixed => "staff_vote_err_shortlist_fixed",
        VoteError::NotEligible(kennzahl) => {
            return lang.text_with(
                "staff_vote_err_not_eligible",
                &[("kennzahl", kennzahl.as_str().into())],
            );
        }
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
    kept: &Kept,
    typed: Option<Typed>,
    error: Option<(String, String)>,
) -> poem::Result<Response> {
    let db = &state.db;
    let keeper = kept.keeper();
    let stored = votes::find(db, keeper.scope()).await.map_err(internal)?;
    let typed = typed.unwrap_or_else(|| match &stored {
        Some(v) => Typed {
            mode: v.mode.as_str(),
            points: v.points.to_string(),
            max_per_entry: v.max_per_entry.to_string(),
            opens: local_input(Some(v.opens_at)),
            closes: local_input(Some(v.closes_at)),
            picked: None,
        },
        None => Typed::default(),
    });
    let base = kept.base();
    let mut context = Context::new();
    match kept {
        Kept::Competition(manager) => {
            let id = manager.competition_id();
            let competition = crate::services::competitions::find(db, id)
                .await
                .map_err(internal)?;
            context.insert("back", &format!("/verwaltung/wettbewerbe/{id}"));
            context.insert(
                "public_path",
                &format!("/wettbewerbe/{}/abstimmung", competition.slug),
            );
            context.insert("headline", &competition.full_name());
            context.insert("programme", &false);
        }
        Kept::Programme(admin, p) => {
            let candidates =
                votes::programme_candidates(db, admin, p.id, CANDIDATES_PER_COMPETITION)
                    .await
                    .map_err(internal)?;
            let checked = |c: &votes::ProgrammeCandidate| match &typed.picked {
                Some(ids) => ids.contains(&c.entry_id),
                None => c.picked,
            };
            let groups: Vec<serde_json::Value> = candidates
                .chunk_by(|a, b| a.competition_id == b.competition_id)
                .map(|group| {
                    let entries: Vec<_> = group
                        .iter()
                        .map(|c| {
                            serde_json::json!({
                                "id": c.entry_id,
                                "kennzahl": c.kennzahl,
                                "title": c.title,
                                "prized": c.prized,
                                "checked": checked(c),
                            })
                        })
                        .collect();
                    serde_json::json!({ "name": group[0].competition, "entries": entries })
                })
                .collect();
            context.insert("groups", &groups);
            context.insert(
                "shortlist_help",
                &lang.text_with(
                    "staff_vote_shortlist_help",
                    &[("per", (CANDIDATES_PER_COMPETITION as i64).into())],
                ),
            );
            context.insert("back", "/verwaltung/gesamtwertung");
            context.insert("public_path", "/abstimmung");
            context.insert("headline", &p.name);
            context.insert("programme", &true);
        }
    }
    context.insert("csrf", csrf);
    context.insert("base", &base);
    context.insert("typed", &typed);
    context.insert("error_field", &error.as_ref().map(|e| e.0.clone()));
    context.insert("error", &error.as_ref().map(|e| e.1.clone()));
    context.insert("configured", &stored.is_some());
    if stored.is_some() {
        let (counts, reviewed) = votes::review(db, &keeper).await.map_err(internal)?;
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
        match votes::result(db, &keeper, state.now()).await {
            Ok(result) => {
                let rows: Vec<_> = result
                    .tally
                    .iter()
                    .map(|(t, l)| {
                        serde_json::json!({
                            "place": t.place,
                            "kennzahl": l.kennzahl,
                            "competition": l.competition,
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
    let html = state
        .pages
        .render_html("staff_vote.html", lang, &base, context);
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
    let kept = Kept::Competition(manager);
    render(&state, lang, &current.session.csrf_token, &kept, None, None).await
}

/// The programme the staff pages work on.
async fn programme_of(state: &AppState, lang: Lang) -> poem::Result<programme::Model> {
    let all = programmes::list(&state.db).await.map_err(internal)?;
    all.into_iter()
        .next()
        .ok_or_else(|| refusal(state, lang, ServiceError::not_found("programme", 0)))
}

#[handler]
pub async fn programme_page(
    member: Administrator,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Administrator {
        lang,
        current,
        admin,
    } = member;
    let kept = Kept::Programme(admin, programme_of(&state, lang).await?);
    render(&state, lang, &current.session.csrf_token, &kept, None, None).await
}

fn back(state: &AppState, lang: Lang, kept: &Kept, text: String) -> Response {
    flash::redirect(
        state,
        &format!("{}?lang={}", kept.base(), lang.code()),
        Flash::with(Notice::JuryChanged, text),
    )
}

/// Reads the settings form, keeping what was typed.
fn typed_of(fields: &Fields, kept: &Kept) -> Typed {
    let value = |name: &str| field(fields, name).unwrap_or_default().trim().to_owned();
    let picked = match kept {
        Kept::Competition(_) => None,
        Kept::Programme(..) => Some(
            fields
                .iter()
                .filter(|(name, _)| name == "entry")
                .filter_map(|(_, v)| v.trim().parse::<i64>().ok())
                .collect(),
        ),
    };
    Typed {
        mode: if value("mode") == "single" {
            "single"
        } else {
            "points"
        },
        points: value("points"),
        max_per_entry: value("max_per_entry"),
        opens: value("opens"),
        closes: value("closes"),
        picked,
    }
}

/// Sets the vote up as the form says, or shows the form again with why not.
async fn store(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    kept: &Kept,
    typed: Typed,
) -> poem::Result<Response> {
    let (Ok(opens_at), Ok(closes_at)) = (
        crate::domain::time::parse_berlin(&typed.opens),
        crate::domain::time::parse_berlin(&typed.closes),
    ) else {
        let error = Some((
            "opens".to_owned(),
            lang.text("staff_vote_err_when").to_owned(),
        ));
        return render(state, lang, csrf, kept, Some(typed), error).await;
    };
    let mode = if typed.mode == "single" {
        VoteMode::Single
    } else {
        VoteMode::Points
    };
    let number = |text: &str| text.parse::<u32>().unwrap_or(0);
    let single = mode == VoteMode::Single;
    let rules = VoteRules {
        mode,
        points: if single { 1 } else { number(&typed.points) },
        max_per_entry: if single {
            1
        } else {
            number(&typed.max_per_entry)
        },
        opens_at,
        closes_at,
    };
    let now = state.now();
    let stored = match kept {
        Kept::Competition(manager) => votes::configure(&state.db, manager, now, rules).await,
        Kept::Programme(admin, p) => {
            let picked = typed.picked.clone().unwrap_or_default();
            votes::configure_programme(&state.db, admin, now, p.id, rules, &picked).await
        }
    };
    match stored {
        Ok(_) => {
            // The public pages link to the vote.
            state.changed();
            Ok(back(
                state,
                lang,
                kept,
                lang.text("staff_vote_saved").to_owned(),
            ))
        }
        Err(ServiceError::Vote(refused)) => {
            let target = match refused {
                VoteError::Points => "points",
                VoteError::Window | VoteError::ClosesInThePast => "closes",
                VoteError::EmptyShortlist
                | VoteError::ShortlistFixed
                | VoteError::NotEligible(_)
                    if matches!(kept, Kept::Programme(..)) =>
                {
                    "shortlist"
                }
                _ => "mode-points",
            };
            let text = match (&refused, kept) {
                (VoteError::EmptyShortlist, Kept::Programme(..)) => {
                    lang.text("staff_vote_err_none_picked").to_owned()
                }
                _ => message(lang, &refused),
            };
            render(
                state,
                lang,
                csrf,
                kept,
                Some(typed),
                Some((target.to_owned(), text)),
            )
            .await
        }
        Err(err) => Err(refusal(state, lang, err)),
    }
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
    let kept = Kept::Competition(manager);
    let typed = typed_of(&fields, &kept);
    store(&state, lang, &current.session.csrf_token, &kept, typed).await
}

#[handler]
pub async fn programme_save(
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let kept = Kept::Programme(admin, programme_of(&state, lang).await?);
    let typed = typed_of(&fields, &kept);
    store(&state, lang, &current.session.csrf_token, &kept, typed).await
}

/// Voids the ballot as the form says, or shows the page again with why not.
async fn void_ballot(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    kept: &Kept,
    ballot: i64,
    fields: &Fields,
) -> poem::Result<Response> {
    let reason = field(fields, "reason").unwrap_or_default().to_owned();
    let keeper = kept.keeper();
    match votes::void(&state.db, &keeper, state.now(), ballot, &reason).await {
        Ok(()) => Ok(back(
            state,
            lang,
            kept,
            lang.text("staff_vote_voided_done").to_owned(),
        )),
        Err(ServiceError::Vote(refused)) => {
            let error = Some((format!("reason-{ballot}"), message(lang, &refused)));
            render(state, lang, csrf, kept, None, error).await
        }
        Err(err) => Err(refusal(state, lang, err)),
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
    let kept = Kept::Competition(manager);
    void_ballot(
        &state,
        lang,
        &current.session.csrf_token,
        &kept,
        ballot,
        &fields,
    )
    .await
}

#[handler]
pub async fn programme_void(
    ballot: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let kept = Kept::Programme(admin, programme_of(&state, lang).await?);
    void_ballot(
        &state,
        lang,
        &current.session.csrf_token,
        &kept,
        ballot.0,
        &fields,
    )
    .await
}
