//! The public vote on the pages: `/wettbewerbe/:slug/abstimmung` lists the
//! admitted ideas anonymously and takes a ballot (no sign-in, no
//! JavaScript); `/abstimmung/bestaetigen` counts it with the emailed link.

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, Route, get, handler};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::entries::{Fields, field};
use super::i18n::Lang;
use super::session::internal;
use super::view;
use crate::app::AppState;
use crate::domain::email_address::EmailAddress;
use crate::domain::vote::{BallotError, Choices, VoteMode, VotePhase};
use crate::services::votes::{self, BallotRequest, PublicVote};
use crate::services::{ServiceError, competitions};

/// What a voter typed, kept when the ballot is refused.
#[derive(Serialize, Default)]
struct Typed {
    email: String,
    /// Points (or `1` for the chosen idea) per Kennzahl, as typed.
    given: std::collections::BTreeMap<String, String>,
}

/// The refusal in the voter's language.
pub(super) fn ballot_message(lang: Lang, err: &BallotError) -> String {
    match err {
        BallotError::NotOpen(VotePhase::NotYet) => lang.text("vote_err_not_yet").to_owned(),
        BallotError::NotOpen(_) => lang.text("vote_err_closed").to_owned(),
        BallotError::NoneChosen => lang.text("vote_err_none").to_owned(),
        BallotError::MoreThanOne => lang.text("vote_err_more").to_owned(),
        BallotError::Unknown(kennzahl) => lang.text_with(
            "vote_err_unknown",
            &[("kennzahl", kennzahl.as_str().into())],
        ),
        BallotError::TooManyForOne { kennzahl, max } => lang.text_with(
            "vote_err_too_many_for_one",
            &[
                ("kennzahl", kennzahl.as_str().into()),
                ("max", (*max as i64).into()),
            ],
        ),
        BallotError::TooMany { given, points } => lang.text_with(
            "vote_err_too_many",
            &[
                ("given", (*given as i64).into()),
                ("points", (*points as i64).into()),
            ],
        ),
    }
}

async fn load(state: &AppState, slug: &str) -> Result<Option<PublicVote>, ServiceError> {
    let Ok(competition) = competitions::find_public_by_slug(&state.db, slug).await else {
        return Ok(None);
    };
    votes::public(&state.db, competition, state.now()).await
}

fn render(
    state: &AppState,
    lang: Lang,
    vote: &PublicVote,
    typed: Typed,
    error: Option<(String, String)>,
) -> Response {
    let rules = vote.rules;
    let mut context = Context::new();
    context.insert("slug", &vote.competition.slug);
    context.insert("full_name", &vote.competition.full_name());
    context.insert("points_mode", &(rules.mode == VoteMode::Points));
    context.insert("points", &rules.points);
    context.insert("max_per_entry", &rules.max_per_entry);
    let numbers = [
        ("points", (rules.points as i64).into()),
        ("max", (rules.max_per_entry as i64).into()),
    ];
    context.insert(
        "intro",
        &match rules.mode {
            VoteMode::Points => lang.text_with("vote_intro_points", &numbers),
            VoteMode::Single => lang.text("vote_intro_single").to_owned(),
        },
    );
    context.insert("points_help", &lang.text_with("vote_points_help", &numbers));
    context.insert("opens", &view::moment(lang, rules.opens_at));
    context.insert("closes", &view::moment(lang, rules.closes_at));
    context.insert(
        "phase",
        match vote.phase {
            VotePhase::NotYet => "not_yet",
            VotePhase::Open => "open",
            VotePhase::Closed => "closed",
        },
    );
    let ideas: Vec<_> = vote
        .shortlist
        .iter()
        .map(|l| {
            serde_json::json!({
                "kennzahl": l.kennzahl,
                "title": l.title,
                "summary": l.summary,
                "given": typed.given.get(&l.kennzahl).cloned().unwrap_or_default(),
            })
        })
        .collect();
    context.insert("ideas", &ideas);
    context.insert("email", &typed.email);
    context.insert("error_field", &error.as_ref().map(|e| e.0.clone()));
    context.insert("error", &error.as_ref().map(|e| e.1.clone()));
    let path = format!("/wettbewerbe/{}/abstimmung", vote.competition.slug);
    let html = state.pages.render_html("vote.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    if error.is_some() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    response
}

#[handler]
async fn page(req: &Request, slug: Path<String>, state: Data<&AppState>) -> poem::Result<Response> {
    let lang = Lang::find(req, None);
    let Some(vote) = load(&state, &slug).await.map_err(internal)? else {
        return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
    };
    Ok(render(&state, lang, &vote, Typed::default(), None))
}

#[handler]
async fn cast(
    req: &Request,
    slug: Path<String>,
    form: Form<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let fields = form.0;
    let lang = Lang::find(req, field(&fields, "lang"));
    let Some(vote) = load(&state, &slug).await.map_err(internal)? else {
        return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
    };
    let mut typed = Typed {
        email: field(&fields, "email")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        given: Default::default(),
    };
    let mut choices = Choices::new();
    let mut unreadable = None;
    match vote.rules.mode {
        VoteMode::Single => {
            if let Some(kennzahl) = field(&fields, "choice") {
                typed.given.insert(kennzahl.to_owned(), "1".to_owned());
                choices.insert(kennzahl.to_owned(), 1);
            }
        }
        VoteMode::Points => {
            for listed in &vote.shortlist {
                let raw = field(&fields, &format!("points_{}", listed.kennzahl))
                    .unwrap_or_default()
                    .trim();
                typed.given.insert(listed.kennzahl.clone(), raw.to_owned());
                if raw.is_empty() {
                    continue;
                }
                match raw.parse::<u32>() {
                    Ok(points) => {
                        choices.insert(listed.kennzahl.clone(), points);
                    }
                    Err(_) => unreadable = unreadable.or(Some(listed.kennzahl.clone())),
                }
            }
        }
    }
    if let Some(kennzahl) = unreadable {
        let text = lang.text_with("vote_err_number", &[("kennzahl", kennzahl.as_str().into())]);
        return Ok(render(
            &state,
            lang,
            &vote,
            typed,
            Some((format!("points_{kennzahl}"), text)),
        ));
    }
    let Ok(email) = EmailAddress::parse(&typed.email) else {
        let text = lang.text("vote_err_email").to_owned();
        return Ok(render(
            &state,
            lang,
            &vote,
            typed,
            Some(("email".to_owned(), text)),
        ));
    };
    let request = BallotRequest {
        email,
        locale: lang.code().to_owned(),
        choices,
        client_tag: crate::http::rate_limit::client_tag(&state.secrets, req),
    };
    let submitted = votes::submit(
        &state.db,
        &state.writes,
        state.now(),
        &state.settings.server.public_url,
        &vote.competition,
        request,
    )
    .await;
    match submitted {
        Ok(()) => {
            state.queued();
            Ok(state
                .pages
                .notice(lang, StatusCode::OK, "vote_sent_title", "vote_sent_text"))
        }
        Err(ServiceError::Ballot(refused)) => {
            let first = vote
                .shortlist
                .first()
                .map(|l| match vote.rules.mode {
                    VoteMode::Single => format!("choice-{}", l.kennzahl),
                    VoteMode::Points => format!("points_{}", l.kennzahl),
                })
                .unwrap_or_default();
            let target = match &refused {
                BallotError::TooManyForOne { kennzahl, .. } | BallotError::Unknown(kennzahl) => {
                    format!("points_{kennzahl}")
                }
                _ => first,
            };
            let text = ballot_message(lang, &refused);
            Ok(render(&state, lang, &vote, typed, Some((target, text))))
        }
        Err(err) => Err(super::session::refusal(&state, lang, err)),
    }
}

#[derive(Deserialize)]
struct TokenParams {
    token: Option<String>,
    lang: Option<String>,
}

#[handler]
fn confirm_form(req: &Request, params: Query<TokenParams>, state: Data<&AppState>) -> Response {
    let lang = Lang::find(req, params.lang.as_deref());
    state.pages.action(
        lang,
        [
            "vote_confirm_title",
            "vote_confirm_text",
            "vote_confirm_button",
        ],
        "/abstimmung/bestaetigen",
        params.token.as_deref().unwrap_or_default(),
    )
}

#[handler]
async fn confirm(
    req: &Request,
    form: Form<TokenParams>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let lang = Lang::find(req, form.lang.as_deref());
    let token = form.token.as_deref().unwrap_or_default();
    Ok(
        match votes::confirm(&state.writes, state.now(), token).await {
            Ok(done) => {
                let text = if done.replaced {
                    "vote_replaced_text"
                } else {
                    "vote_counted_text"
                };
                state
                    .pages
                    .notice(lang, StatusCode::OK, "vote_counted_title", text)
            }
            Err(ServiceError::NotFound { .. }) => state.pages.notice(
                lang,
                StatusCode::NOT_FOUND,
                "link_invalid_title",
                "vote_link_invalid_text",
            ),
            Err(ServiceError::Ballot(_)) => state.pages.notice(
                lang,
                StatusCode::CONFLICT,
                "vote_closed_title",
                "vote_closed_text",
            ),
            Err(err) => return Err(internal(err)),
        },
    )
}

pub(super) fn routes(route: Route) -> Route {
    route
        .at("/wettbewerbe/:slug/abstimmung", get(page).post(cast))
        .at("/abstimmung/bestaetigen", get(confirm_form).post(confirm))
}
