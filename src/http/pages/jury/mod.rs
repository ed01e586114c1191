//! The jurors' pages: their panels (and invitations to answer), the queue of
//! entries to score, and one entry by its Kennzahl with the score sheet and the
//! conflict declaration. Everything a juror reads comes through the
//! [`Juror`](crate::services::authorization::Juror) capability and
//! [`sheets::AnonymousEntry`]: nothing here can name an entrant.

pub(super) mod messages;
pub(super) mod sitting;

use std::collections::BTreeMap;

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Response, Route, get, handler, post};
use serde::Deserialize;
use serde::Serialize;
use tera::Context;

use super::entries::{Fields, download, field};
use super::extract::{CsrfForm, JurorMember};
use super::flash::{self, Flash, Notice};
use super::i18n::Lang;
use super::session::{internal, refusal};
use crate::app::AppState;
use crate::domain::jury::criteria::Marked;
use crate::domain::jury::panel::Answer;
use crate::services::ServiceError;
use crate::services::authorization::{self, Juror};
use crate::services::jury::{conflicts, panel, sheets};
use messages::jury_message;

pub(super) use super::view::moment as when;

fn sheet_state_key(state: sheets::SheetState) -> &'static str {
    match state {
        sheets::SheetState::Open => "jury_sheet_open",
        sheets::SheetState::Draft => "jury_sheet_draft",
        sheets::SheetState::Submitted => "jury_sheet_submitted",
    }
}

#[derive(Serialize)]
struct PanelLine {
    id: i64,
    name: String,
    role: String,
    seat: &'static str,
    state: String,
}

/// The juror's panels and invitations.
#[handler]
pub async fn panels(member: JurorMember, state: Data<&AppState>) -> poem::Result<Response> {
    let JurorMember { lang, current } = member;
    let seats = panel::of_person(&state.db, &current.user)
        .await
        .map_err(internal)?;
    let lines: Vec<PanelLine> = seats
        .iter()
        .map(|(seat, competition)| PanelLine {
            id: competition.id,
            name: competition.full_name(),
            role: lang.text(&format!("panel_role_{}", seat.role)).to_owned(),
            seat: seat.seat().as_str(),
            state: lang
                .text(&format!("state_{}", competition.state))
                .to_owned(),
        })
        .collect();
    let mut context = Context::new();
    context.insert("panels", &lines);
    context.insert("csrf", &current.session.csrf_token);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("jury_panels.html", lang, "/jury", context),
    ))
}

#[derive(Serialize)]
struct QueueView {
    kennzahl: String,
    title: String,
    state: String,
    done: bool,
}

/// How many entries the queue lists at a time.
const QUEUE_PAGE: u64 = 50;

/// Where the queue continues: after this Kennzahl.
#[derive(Debug, Deserialize)]
pub struct QueuePage {
    nach: Option<String>,
}

/// A panel's page: the invitation to answer, or the queue of entries to score.
#[handler]
pub async fn queue_page(
    id: Path<i64>,
    page: Query<QueuePage>,
    member: JurorMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let JurorMember { lang, current } = member;
    let found = authorization::panel_seat(&state.db, &current.user, id.0)
        .await
        .map_err(internal)?;
    let Some(authorization::PanelSeat {
        seat,
        competition,
        juror,
    }) = found
    else {
        return Err(refusal(
            &state,
            lang,
            ServiceError::not_found("panel", id.0),
        ));
    };
    let path = format!("/jury/wettbewerbe/{}", competition.id);
    let mut context = Context::new();
    context.insert("competition_id", &competition.id);
    context.insert("headline", &competition.full_name());
    context.insert("csrf", &current.session.csrf_token);
    context.insert("seat", seat.seat().as_str());
    context.insert(
        "is_chair",
        &(seat.role == crate::domain::jury::panel::PanelRole::Chair),
    );
    context.insert("role", lang.text(&format!("panel_role_{}", seat.role)));
    let (jury, version) = crate::services::jury::settings_and_version(&state.db, competition.id)
        .await
        .map_err(internal)?;
    context.insert("deadline", &jury.deadline.map(|at| when(lang, at)));
    context.insert(
        "state_label",
        lang.text(&format!("state_{}", competition.state)),
    );
    let mut queue = Vec::new();
    let (mut total, mut done, mut next) = (0, 0, None);
    if let Some(juror) = juror {
        let page = sheets::queue_page(
            &state.db,
            &juror,
            page.nach.as_deref(),
            QUEUE_PAGE,
            &state.progress,
            version,
        )
        .await
        .map_err(internal)?;
        (total, done, next) = (page.total, page.submitted, page.next);
        queue = page
            .lines
            .into_iter()
            .map(|line| QueueView {
                state: lang.text(sheet_state_key(line.state)).to_owned(),
                done: line.state == sheets::SheetState::Submitted,
                kennzahl: line.kennzahl,
                title: line.title,
            })
            .collect();
    }
    context.insert("done", &done);
    context.insert("total", &total);
    let next_href = next.map(|after| {
        let query = serde_urlencoded::to_string([("nach", after.as_str()), ("lang", lang.code())])
            .unwrap_or_default();
        format!("{path}?{query}")
    });
    context.insert("next_href", &next_href);
    context.insert("paged", &page.nach.is_some());
    context.insert("queue", &queue);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("jury_queue.html", lang, &path, context),
    ))
}

/// The invited juror accepts or declines.
#[handler]
pub async fn answer(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let answer = match field(&fields, "answer") {
        Some("accept") => Answer::Accept,
        Some("decline") => Answer::Decline,
        _ => {
            return Err(refusal(
                &state,
                lang,
                ServiceError::invalid("answer", "accept or decline"),
            ));
        }
    };
    let path = format!("/jury/wettbewerbe/{}?lang={}", id.0, lang.code());
    match panel::answer(&state.db, &current.user, state.now(), id.0, answer).await {
        Ok(seat) => Ok(flash::redirect(
            &state,
            &path,
            Flash::with(
                Notice::JuryChanged,
                lang.text(&format!("jury_answered_{}", seat.as_str())),
            ),
        )),
        Err(err) => match jury_message(lang, &err, &|k| k.to_owned()) {
            Some(text) => Ok(state.pages.respond(lang, {
                let mut context = Context::new();
                context.insert("title", lang.text("jury_answer_refused"));
                context.insert("text", &text);
                state
                    .pages
                    .render_html("message.html", lang, &path, context)
            })),
            None => Err(refusal(&state, lang, err)),
        },
    }
}

async fn seated(
    state: &AppState,
    lang: Lang,
    person: &crate::entities::user::Model,
    id: i64,
) -> poem::Result<Juror> {
    authorization::juror(&state.db, person, id)
        .await
        .map_err(|err| refusal(state, lang, err))
}

#[derive(Serialize)]
struct CriterionView {
    key: String,
    label: String,
    weight: u32,
    min: i32,
    max: i32,
    options: Vec<i32>,
    score: Option<i32>,
    comment: String,
}

#[derive(Serialize)]
struct AnlageView {
    number: usize,
    label: &'static str,
    size: String,
    warn: bool,
}

fn size_of(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// The sheet page, with what the juror typed kept when a save was refused.
async fn render_sheet(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    juror: &Juror,
    kennzahl: &str,
    typed: Option<&BTreeMap<String, Marked>>,
    error: Option<String>,
) -> poem::Result<Response> {
    let view = sheets::sheet(&state.db, juror, kennzahl)
        .await
        .map_err(|err| refusal(state, lang, err))?;
    let marks = typed.unwrap_or(&view.marks);
    let criteria: Vec<CriterionView> = view
        .criteria
        .iter()
        .map(|c| {
            let mark = marks.get(&c.spec.key).cloned().unwrap_or_default();
            CriterionView {
                key: c.spec.key.clone(),
                label: c.spec.label.get(lang.code()).to_owned(),
                weight: c.spec.weight,
                min: c.spec.scale_min,
                max: c.spec.scale_max,
                options: (c.spec.scale_min..=c.spec.scale_max).collect(),
                score: mark.score,
                comment: mark.comment,
            }
        })
        .collect();
    let entry = &view.entry;
    let anlagen: Vec<AnlageView> = entry
        .attachments
        .iter()
        .map(|a| AnlageView {
            number: a.number,
            label: a.label,
            size: size_of(a.size_bytes),
            warn: a.may_name_author,
        })
        .collect();
    let details: Vec<(String, String)> = entry
        .details
        .iter()
        .map(|(de, en, value)| {
            (
                if lang == Lang::En {
                    en.clone()
                } else {
                    de.clone()
                },
                value.clone(),
            )
        })
        .collect();
    let path = format!(
        "/jury/wettbewerbe/{}/{}",
        juror.competition_id(),
        entry.kennzahl
    );
    let mut context = Context::new();
    context.insert("competition_id", &juror.competition_id());
    context.insert("csrf", csrf);
    context.insert("kennzahl", &entry.kennzahl);
    context.insert("title", &entry.title);
    context.insert("summary", &entry.summary);
    context.insert("description", &entry.description);
    context.insert("goals", &entry.goals);
    context.insert("details", &details);
    context.insert("jury_note", &entry.jury_note);
    context.insert("anlagen", &anlagen);
    context.insert("criteria", &criteria);
    context.insert("sheet_state", lang.text(sheet_state_key(view.state)));
    context.insert("submitted", &(view.state == sheets::SheetState::Submitted));
    context.insert("scoring_open", &view.scoring_open);
    context.insert(
        "others",
        &view
            .others
            .map(|o| o.iter().map(|s| format!("{s:.1}")).collect::<Vec<_>>()),
    );
    context.insert("error", &error);
    context.insert("revealed", &view.revealed);
    let html = state
        .pages
        .render_html("jury_sheet.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    if error.is_some() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

/// One entry by Kennzahl with the juror's sheet.
#[handler]
pub async fn sheet(
    Path((id, kennzahl)): Path<(i64, String)>,
    member: JurorMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let JurorMember { lang, current } = member;
    let juror = seated(&state, lang, &current.user, id).await?;
    render_sheet(
        &state,
        lang,
        &current.session.csrf_token,
        &juror,
        &kennzahl,
        None,
        None,
    )
    .await
}

/// The marks a sheet form carries: `score_<key>` and `comment_<key>`.
fn typed_marks(fields: &Fields) -> BTreeMap<String, Marked> {
    let mut marks: BTreeMap<String, Marked> = BTreeMap::new();
    for (name, value) in fields {
        if let Some(key) = name.strip_prefix("score_") {
            marks.entry(key.to_owned()).or_default().score = value.trim().parse().ok();
        } else if let Some(key) = name.strip_prefix("comment_") {
            marks.entry(key.to_owned()).or_default().comment = value.clone();
        }
    }
    marks
}

/// Saves the sheet as a draft or submits it.
#[handler]
pub async fn save_sheet(
    Path((id, kennzahl)): Path<(i64, String)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let juror = seated(&state, lang, &current.user, id).await?;
    let submit = field(&fields, "action") == Some("submit");
    let marks = typed_marks(&fields);
    // A score typed but not a number is refused by name, not silently dropped.
    let malformed = fields.iter().find(|(name, value)| {
        name.starts_with("score_")
            && !value.trim().is_empty()
            && value.trim().parse::<i32>().is_err()
    });
    let csrf = current.session.csrf_token.clone();
    if malformed.is_some() {
        let text = lang.text("jury_err_mark_number").to_owned();
        return render_sheet(
            &state,
            lang,
            &csrf,
            &juror,
            &kennzahl,
            Some(&marks),
            Some(text),
        )
        .await;
    }
    match sheets::save(
        &state.db,
        &juror,
        state.now(),
        &kennzahl,
        marks.clone(),
        submit,
    )
    .await
    {
        Ok(_) => Ok(flash::redirect(
            &state,
            &format!("/jury/wettbewerbe/{id}?lang={}", lang.code()),
            Flash::with(
                if submit {
                    Notice::SheetSubmitted
                } else {
                    Notice::SheetSaved
                },
                kennzahl.clone(),
            ),
        )),
        Err(err) => {
            let criteria = crate::services::jury::criteria(&state.db, id)
                .await
                .map_err(internal)?;
            let label_of = |key: &str| {
                criteria
                    .iter()
                    .find(|c| c.spec.key == key)
                    .map(|c| c.spec.label.get(lang.code()).to_owned())
                    .unwrap_or_else(|| key.to_owned())
            };
            match jury_message(lang, &err, &label_of) {
                Some(text) => {
                    render_sheet(
                        &state,
                        lang,
                        &csrf,
                        &juror,
                        &kennzahl,
                        Some(&marks),
                        Some(text),
                    )
                    .await
                }
                None => Err(refusal(&state, lang, err)),
            }
        }
    }
}

/// The juror declares a conflict of interest.
#[handler]
pub async fn declare(
    Path((id, kennzahl)): Path<(i64, String)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let juror = seated(&state, lang, &current.user, id).await?;
    let reason = field(&fields, "reason").unwrap_or_default();
    match conflicts::declare(&state.db, &juror, state.now(), &kennzahl, reason).await {
        Ok(()) => Ok(flash::redirect(
            &state,
            &format!("/jury/wettbewerbe/{id}?lang={}", lang.code()),
            Flash::with(Notice::ConflictDeclared, kennzahl.clone()),
        )),
        Err(err) => match jury_message(lang, &err, &|k| k.to_owned()) {
            Some(text) => {
                render_sheet(
                    &state,
                    lang,
                    &current.session.csrf_token,
                    &juror,
                    &kennzahl,
                    None,
                    Some(text),
                )
                .await
            }
            None => Err(refusal(&state, lang, err)),
        },
    }
}

/// An attachment under its anonymous name.
#[handler]
pub async fn attachment(
    Path((id, kennzahl, number)): Path<(i64, String, usize)>,
    member: JurorMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let JurorMember { lang, current } = member;
    let juror = seated(&state, lang, &current.user, id).await?;
    let (name, content) = sheets::attachment(&state.db, &state.files, &juror, &kennzahl, number)
        .await
        .map_err(|err| refusal(&state, lang, err))?;
    Ok(download(&name, content))
}

/// The jurors' pages.
pub(super) fn routes(route: Route) -> Route {
    route
        .at("/jury", get(panels))
        .at("/jury/wettbewerbe/:id", get(queue_page))
        .at("/jury/wettbewerbe/:id/antwort", post(answer))
        .at("/jury/wettbewerbe/:id/sitzung", get(sitting::chair_page))
        .at(
            "/jury/wettbewerbe/:id/sitzung/runde",
            post(sitting::chair_open_round),
        )
        .at(
            "/jury/wettbewerbe/:id/sitzung/runde/schliessen",
            post(sitting::chair_close_round),
        )
        .at(
            "/jury/wettbewerbe/:id/sitzung/runde/:kennzahl",
            post(sitting::chair_decide),
        )
        .at(
            "/jury/wettbewerbe/:id/sitzung/feststellen",
            post(sitting::chair_lock),
        )
        .at("/jury/wettbewerbe/:id/:kennzahl", get(sheet))
        .at(
            "/jury/wettbewerbe/:id/:kennzahl/bewertung",
            post(save_sheet),
        )
        .at("/jury/wettbewerbe/:id/:kennzahl/befangen", post(declare))
        .at(
            "/jury/wettbewerbe/:id/:kennzahl/anlagen/:number",
            get(attachment),
        )
}
