//! The public vote on the pages: `/wettbewerbe/:slug/abstimmung` (a
//! competition's vote) and `/abstimmung` (the programme's, across its
//! competitions) list the ideas anonymously and take a ballot (no sign-in,
//! no JavaScript); `/abstimmung/bestaetigen` counts it with the emailed link.

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
use crate::domain::vote::{BallotError, Choices, LINKS_PER_HOUR, VoteMode, VotePhase};
use crate::services::votes::{self, BallotRequest, PublicVote, Subject};
use crate::services::{ServiceError, competitions, programmes};

/// What a voter typed, kept when the ballot is refused.
#[derive(Serialize, Default)]
struct Typed {
    email: String,
    /// Points (or `1` for the chosen idea) per Kennzahl, as typed.
    given: std::collections::BTreeMap<String, String>,
}

/// The refusal in the voter's language (`shown` turns a ballot key into
/// the Kennzahl people see).
fn ballot_message(lang: Lang, err: &BallotError, shown: impl Fn(&str) -> String) -> String {
    match err {
        BallotError::NotOpen(VotePhase::NotYet) => lang.text("vote_err_not_yet").to_owned(),
        BallotError::NotOpen(_) => lang.text("vote_err_closed").to_owned(),
        BallotError::NoneChosen => lang.text("vote_err_none").to_owned(),
        BallotError::MoreThanOne => lang.text("vote_err_more").to_owned(),
        BallotError::Unknown(kennzahl) => {
            lang.text_with("vote_err_unknown", &[("kennzahl", shown(kennzahl).into())])
        }
        BallotError::TooManyForOne { kennzahl, max } => lang.text_with(
            "vote_err_too_many_for_one",
            &[
                ("kennzahl", shown(kennzahl).into()),
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
        BallotError::TooManyLinks {
            retry_after_seconds,
        } => lang.text_with(
            "vote_err_links",
            &[
                ("links", (LINKS_PER_HOUR as i64).into()),
                ("minutes", ((retry_after_seconds + 59) / 60).into()),
            ],
        ),
    }
}

/// Which vote a page is about.
enum Which<'a> {
    Competition(&'a str),
    Programme,
}

async fn load(state: &AppState, which: Which<'_>) -> Result<Option<PublicVote>, ServiceError> {
    let subject = match which {
        Which::Competition(slug) => {
            let Ok(competition) = competitions::find_public_by_slug(&state.db, slug).await else {
                return Ok(None);
            };
            Subject::Competition(competition)
        }
        Which::Programme => match programmes::list(&state.db).await?.into_iter().next() {
            Some(programme) => Subject::Programme(programme),
            None => return Ok(None),
        },
    };
    votes::public(&state.db, subject, state.now()).await
}

/// The vote page's address, and where its "back" link leads.
fn paths(vote: &PublicVote) -> (String, String) {
    match &vote.subject {
        Subject::Competition(c) => (
            format!("/wettbewerbe/{}/abstimmung", c.slug),
            format!("/wettbewerbe/{}", c.slug),
        ),
        Subject::Programme(_) => ("/abstimmung".to_owned(), "/".to_owned()),
    }
}

fn render(
    state: &AppState,
    lang: Lang,
    vote: &PublicVote,
    typed: Typed,
    error: Option<(String, String)>,
) -> Response {
    let rules = vote.rules;
    let (path, back) = paths(vote);
    let mut context = Context::new();
    context.insert("action", &path);
    context.insert("back", &back);
    context.insert("full_name", &vote.subject.name());
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
                "key": l.key,
                "kennzahl": l.kennzahl,
                "title": l.title,
                "summary": l.summary,
                "competition": l.competition,
                "given": typed.given.get(&l.key).cloned().unwrap_or_default(),
            })
        })
        .collect();
    context.insert("ideas", &ideas);
    context.insert("email", &typed.email);
    context.insert("error_field", &error.as_ref().map(|e| e.0.clone()));
    context.insert("error", &error.as_ref().map(|e| e.1.clone()));
    let html = state.pages.render_html("vote.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    if error.is_some() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    response
}

async fn show(req: &Request, state: &AppState, which: Which<'_>) -> poem::Result<Response> {
    let lang = Lang::find(req, None);
    let Some(vote) = load(state, which).await.map_err(internal)? else {
        return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
    };
    Ok(render(state, lang, &vote, Typed::default(), None))
}

#[handler]
async fn page(req: &Request, slug: Path<String>, state: Data<&AppState>) -> poem::Result<Response> {
    show(req, &state, Which::Competition(&slug)).await
}

#[handler]
async fn programme_page(req: &Request, state: Data<&AppState>) -> poem::Result<Response> {
    show(req, &state, Which::Programme).await
}

#[handler]
async fn cast(
    req: &Request,
    slug: Path<String>,
    form: Form<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    take(req, &state, Which::Competition(&slug), form.0).await
}

#[handler]
async fn programme_cast(
    req: &Request,
    form: Form<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    take(req, &state, Which::Programme, form.0).await
}

/// Checks and stores a ballot sent from a vote page.
async fn take(
    req: &Request,
    state: &AppState,
    which: Which<'_>,
    fields: Fields,
) -> poem::Result<Response> {
    let lang = Lang::find(req, field(&fields, "lang"));
    let Some(vote) = load(state, which).await.map_err(internal)? else {
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
            if let Some(key) = field(&fields, "choice") {
                typed.given.insert(key.to_owned(), "1".to_owned());
                choices.insert(key.to_owned(), 1);
            }
        }
        VoteMode::Points => {
            for listed in &vote.shortlist {
                let raw = field(&fields, &format!("points_{}", listed.key))
                    .unwrap_or_default()
                    .trim();
                typed.given.insert(listed.key.clone(), raw.to_owned());
                if raw.is_empty() {
                    continue;
                }
                match raw.parse::<u32>() {
                    Ok(points) => {
                        choices.insert(listed.key.clone(), points);
                    }
                    Err(_) => unreadable = unreadable.or(Some(listed)),
                }
            }
        }
    }
    if let Some(listed) = unreadable {
        let text = lang.text_with(
            "vote_err_number",
            &[("kennzahl", listed.kennzahl.as_str().into())],
        );
        let target = format!("points_{}", listed.key);
        return Ok(render(state, lang, &vote, typed, Some((target, text))));
    }
    // A readable address, then the limit per client (a refused typo does
    // not count); either refusal points at the address field.
    let admitted = EmailAddress::parse(&typed.email)
        .map_err(|_| lang.text("vote_err_email").to_owned())
        .and_then(|email| {
            let minutes = |wait: i64| (wait + 59) / 60;
            state
                .admit(crate::http::rate_limit::BALLOTS, req)
                .map(|client| (email, client))
                .map_err(|wait| {
                    lang.text_with("vote_err_busy", &[("minutes", minutes(wait).into())])
                })
        });
    let (email, client) = match admitted {
        Ok(admitted) => admitted,
        Err(text) => {
            let at = Some(("email".to_owned(), text));
            return Ok(render(state, lang, &vote, typed, at));
        }
    };
    let request = BallotRequest {
        email,
        locale: lang.code().to_owned(),
        choices,
        client_tag: crate::http::rate_limit::client_tag(&state.secrets, client),
    };
    let submitted = votes::submit(
        &state.db,
        &state.writes,
        state.now(),
        &state.settings.server.public_url,
        &vote.subject,
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
                    VoteMode::Single => format!("choice-{}", l.key),
                    VoteMode::Points => format!("points_{}", l.key),
                })
                .unwrap_or_default();
            let target = match &refused {
                BallotError::TooManyForOne { kennzahl, .. } | BallotError::Unknown(kennzahl) => {
                    format!("points_{kennzahl}")
                }
                BallotError::TooManyLinks { .. } => "email".to_owned(),
                _ => first,
            };
            let shown = |key: &str| {
                vote.shortlist
                    .iter()
                    .find(|l| l.key == key)
                    .map_or_else(|| key.to_owned(), |l| l.kennzahl.clone())
            };
            let text = ballot_message(lang, &refused, shown);
            Ok(render(state, lang, &vote, typed, Some((target, text))))
        }
        Err(err) => Err(super::session::refusal(state, lang, err)),
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
        .at("/abstimmung", get(programme_page).post(programme_cast))
        .at("/abstimmung/bestaetigen", get(confirm_form).post(confirm))
}
