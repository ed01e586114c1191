//! Staff pages of the jury: the pre-check of a closed competition (admit or
//! exclude each entry, the report), and the jury page (settings, criteria, the
//! panel with invitations, conflicts to rule on, progress per juror).

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use serde::Serialize;
use tera::Context;

use super::super::entries::{Fields, field};
use super::super::extract::{CsrfForm, StaffMember};
use super::super::flash::{self, Flash, Notice};
use super::super::i18n::Lang;
use super::super::jury::messages::jury_message;
use super::super::session::{internal, refusal};
use super::{ListParams, managed, when};
use crate::app::AppState;
use crate::domain::entries::EntryStatus;
use crate::domain::entry_form::Localized;
use crate::domain::jury::conflicts::{Hint, Ruling};
use crate::domain::jury::criteria::{CriterionSpec, key_of};
use crate::domain::jury::panel::PanelRole;
use crate::domain::jury::precheck::{ExclusionReason, Verdict};
use crate::domain::jury::scoring::Basis;
use crate::domain::time::parse_berlin;
use crate::entities::competition;
use crate::services::ServiceError;
use crate::services::authorization::Manager;
use crate::services::jury::{self, conflicts, panel, precheck, sheets};
use crate::services::staff_entries::{self, EntryFilter, Total};

use super::staff_of;

#[derive(Serialize)]
struct PrecheckRow {
    id: i64,
    kennzahl: String,
    receipt_number: String,
    title: String,
    author_name: String,
    verdict: String,
    reason: String,
    remark: String,
    jury_note: String,
    decided: bool,
}

#[derive(Serialize)]
struct ReasonView {
    key: &'static str,
    label: String,
}

fn reasons(lang: Lang) -> Vec<ReasonView> {
    ExclusionReason::ALL
        .iter()
        .map(|r| ReasonView {
            key: r.as_str(),
            label: r.label().get(lang.code()).to_owned(),
        })
        .collect()
}

/// The pre-check page: the report and one form per submitted entry.
#[allow(clippy::too_many_arguments)]
async fn render_precheck(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    manager: &Manager,
    competition: &competition::Model,
    params: &ListParams,
    error: Option<(i64, String)>,
) -> poem::Result<Response> {
    let filter = EntryFilter {
        status: Some(EntryStatus::Submitted),
        ..params.filter()
    };
    let page = staff_entries::search(&state.db, manager, &filter, params.at())
        .await
        .map_err(internal)?;
    let ids: Vec<i64> = page.entries.iter().map(|e| e.id).collect();
    let verdicts = precheck::verdicts(&state.db, manager, &ids)
        .await
        .map_err(internal)?;
    let mut rows = Vec::new();
    for e in &page.entries {
        let found = verdicts.iter().find(|v| v.entry_id == e.id);
        let verdict = found
            .map(|v| v.verdict())
            .transpose()
            .map_err(|err| internal(err.into()))?;
        rows.push(PrecheckRow {
            id: e.id,
            kennzahl: e.kennzahl.clone().unwrap_or_default(),
            receipt_number: e.receipt_number.clone().unwrap_or_default(),
            title: e.title.clone(),
            author_name: e.author_name.clone(),
            verdict: verdict.map(|v| v.as_str().to_owned()).unwrap_or_default(),
            reason: verdict
                .and_then(Verdict::reason)
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            remark: found.map(|v| v.remark.clone()).unwrap_or_default(),
            jury_note: found.map(|v| v.jury_note.clone()).unwrap_or_default(),
            decided: found.is_some(),
        });
    }
    let report = precheck::report(&state.db, competition.id)
        .await
        .map_err(internal)?;
    let settings = jury::settings(&state.db, competition.id)
        .await
        .map_err(internal)?;
    let mut context = Context::new();
    context.insert("competition_id", &competition.id);
    context.insert("headline", &competition.full_name());
    context.insert("csrf", csrf);
    context.insert("rows", &rows);
    context.insert("reasons", &reasons(lang));
    context.insert("submitted", &report.submitted);
    context.insert("admitted", &report.admitted);
    context.insert("open", &report.open);
    let excluded: Vec<(String, u64)> = report
        .excluded
        .iter()
        .map(|(r, n)| (r.label().get(lang.code()).to_owned(), *n))
        .collect();
    context.insert("excluded", &excluded);
    context.insert(
        "may_decide",
        &crate::domain::jury::precheck::may_decide(
            competition.state,
            settings.scoring_started_at.is_some(),
        )
        .is_ok(),
    );
    context.insert(
        "state_label",
        lang.text(&format!("state_{}", competition.state)),
    );
    let more = matches!(page.total, Total::MoreThan(_));
    context.insert("more", &more);
    context.insert("previous", &page.previous);
    context.insert("next", &page.next);
    context.insert("error_entry", &error.as_ref().map(|(id, _)| *id));
    context.insert("error", &error.map(|(_, text)| text));
    let path = format!("/verwaltung/wettbewerbe/{}/vorpruefung", competition.id);
    let html = state
        .pages
        .render_html("staff_precheck.html", lang, &path, context);
    Ok(state.pages.respond(lang, html))
}

#[handler]
pub async fn precheck_page(
    id: Path<i64>,
    params: Query<ListParams>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff,
        current,
    } = member;
    let (manager, competition) = managed(&state, lang, &staff, id.0).await?;
    render_precheck(
        &state,
        lang,
        &current.session.csrf_token,
        &manager,
        &competition,
        &params,
        None,
    )
    .await
}

#[handler]
pub async fn decide(
    Path((id, entry_id)): Path<(i64, i64)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let staff = staff_of(&state, lang, &current.user)?;
    let (manager, competition) = managed(&state, lang, &staff, id).await?;
    let verdict = match (field(&fields, "verdict"), field(&fields, "reason")) {
        (Some("admitted"), _) => Some(Verdict::Admitted),
        (Some("excluded"), Some(reason)) => reason
            .parse::<ExclusionReason>()
            .ok()
            .map(Verdict::Excluded),
        _ => None,
    };
    let csrf = current.session.csrf_token.clone();
    let Some(verdict) = verdict else {
        let text = lang.text("jury_err_verdict").to_owned();
        return refuse_precheck(&state, lang, &csrf, &manager, &competition, entry_id, text).await;
    };
    let decision = precheck::Decision {
        verdict,
        remark: field(&fields, "remark").unwrap_or_default().to_owned(),
        jury_note: field(&fields, "jury_note").unwrap_or_default().to_owned(),
    };
    let done = precheck::decide(
        &state.db,
        &manager,
        state.now(),
        entry_id,
        decision,
        &state.settings.server.public_url,
    )
    .await;
    match done {
        Ok(_) => {
            state.queued();
            Ok(flash::redirect(
                &state,
                &format!(
                    "/verwaltung/wettbewerbe/{id}/vorpruefung?lang={}#entry-{entry_id}",
                    lang.code()
                ),
                Flash::with(Notice::JuryChanged, lang.text("jury_done_precheck")),
            ))
        }
        Err(err) => match jury_message(lang, &err, &|k| k.to_owned()) {
            Some(text) => {
                refuse_precheck(&state, lang, &csrf, &manager, &competition, entry_id, text).await
            }
            None => Err(refusal(&state, lang, err)),
        },
    }
}

/// The pre-check page again with the refusal, pointing at the entry's form.
async fn refuse_precheck(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    manager: &Manager,
    competition: &competition::Model,
    entry_id: i64,
    text: String,
) -> poem::Result<Response> {
    let mut response = render_precheck(
        state,
        lang,
        csrf,
        manager,
        competition,
        &ListParams::default(),
        Some((entry_id, text)),
    )
    .await?;
    response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    Ok(response)
}

#[handler]
pub async fn admit_rest(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm { lang, current, .. } = form;
    let staff = staff_of(&state, lang, &current.user)?;
    let (manager, _) = managed(&state, lang, &staff, id.0).await?;
    match precheck::admit_the_rest(&state.db, &manager, state.now()).await {
        Ok(n) => Ok(flash::redirect(
            &state,
            &format!(
                "/verwaltung/wettbewerbe/{}/vorpruefung?lang={}",
                id.0,
                lang.code()
            ),
            Flash::with(
                Notice::JuryChanged,
                lang.text_with("jury_done_admitted", &[("n", (n as i64).into())]),
            ),
        )),
        Err(err) => Err(refusal(&state, lang, err)),
    }
}

#[derive(Serialize)]
struct CriterionRow {
    key: String,
    label_de: String,
    label_en: String,
    weight: u32,
    min: i32,
    max: i32,
}

#[derive(Serialize)]
struct SeatRow {
    user_id: i64,
    name: String,
    email: String,
    role: &'static str,
    role_label: String,
    seat: String,
    to_score: u64,
    drafts: u64,
    submitted: u64,
}

#[derive(Serialize)]
struct ConflictRow {
    id: i64,
    juror: String,
    kennzahl: String,
    title: String,
    status: &'static str,
    status_label: String,
    why: String,
    decision_reason: String,
}

fn hint_text(lang: Lang, hint: &Hint) -> String {
    match hint {
        Hint::SamePerson => lang.text("jury_hint_same_person").to_owned(),
        Hint::SameOrganisation(v) => {
            lang.text_with("jury_hint_organisation", &[("value", v.clone().into())])
        }
        Hint::SameEmailDomain(v) => {
            lang.text_with("jury_hint_domain", &[("value", v.clone().into())])
        }
        Hint::SameSurname(v) => lang.text_with("jury_hint_surname", &[("value", v.clone().into())]),
    }
}

/// What every jury form's answer needs: the language, the form token, the
/// capability and the competition.
struct Ctx {
    lang: Lang,
    csrf: String,
    manager: Manager,
    competition: competition::Model,
}

/// Where the jury page's forms report a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Part {
    Settings,
    Criteria,
    Panel,
    Conflicts,
}

async fn render_jury(
    state: &AppState,
    ctx: &Ctx,
    typed_criteria: Option<Vec<CriterionRow>>,
    error: Option<(Part, String)>,
) -> poem::Result<Response> {
    let Ctx {
        lang,
        csrf,
        manager,
        competition,
    } = ctx;
    let lang = *lang;
    let db = &state.db;
    let settings = jury::settings(db, competition.id).await.map_err(internal)?;
    let criteria = match typed_criteria {
        Some(rows) => rows,
        None => jury::criteria(db, competition.id)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|c| CriterionRow {
                key: c.spec.key,
                label_de: c.spec.label.de,
                label_en: c.spec.label.en,
                weight: c.spec.weight,
                min: c.spec.scale_min,
                max: c.spec.scale_max,
            })
            .collect(),
    };
    let progress = sheets::progress(db, manager).await.map_err(internal)?;
    let seats: Vec<SeatRow> = progress
        .jurors
        .iter()
        .map(|j| SeatRow {
            user_id: j.person.id,
            name: j.person.display_name.clone(),
            email: j.person.email.clone(),
            role: j.role.as_str(),
            role_label: lang.text(&format!("panel_role_{}", j.role)).to_owned(),
            seat: lang
                .text(&format!("jury_seat_{}", j.seat.as_str()))
                .to_owned(),
            to_score: j.to_score,
            drafts: j.drafts,
            submitted: j.submitted,
        })
        .collect();
    let seated: Vec<i64> = seats.iter().map(|s| s.user_id).collect();
    let pool: Vec<(i64, String)> = panel::pool(db)
        .await
        .map_err(internal)?
        .into_iter()
        .filter(|p| !seated.contains(&p.id))
        .map(|p| {
            let name = if p.display_name.is_empty() {
                p.email.clone()
            } else {
                format!("{} ({})", p.display_name, p.email)
            };
            (p.id, name)
        })
        .collect();
    let conflict_rows: Vec<ConflictRow> = conflicts::list(db, manager)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|line| ConflictRow {
            id: line.conflict.id,
            juror: line.juror,
            kennzahl: line.kennzahl,
            title: line.title,
            status: line.conflict.status.as_str(),
            status_label: lang
                .text(&format!("conflict_{}", line.conflict.status))
                .to_owned(),
            why: if line.conflict.reason.is_empty() {
                line.hints
                    .iter()
                    .map(|h| hint_text(lang, h))
                    .collect::<Vec<_>>()
                    .join("; ")
            } else {
                line.conflict.reason.clone()
            },
            decision_reason: line.conflict.decision_reason.unwrap_or_default(),
        })
        .collect();
    let mut context = Context::new();
    context.insert("competition_id", &competition.id);
    context.insert("headline", &competition.full_name());
    context.insert("csrf", csrf);
    context.insert("basis", crate::services::jury::basis_name(settings.basis));
    context.insert("quorum", &settings.quorum);
    context.insert("others_after_submitting", &settings.others_after_submitting);
    context.insert(
        "deadline",
        &super::competition_form::local_input(settings.deadline),
    );
    context.insert("deadline_text", &settings.deadline.map(|at| when(lang, at)));
    context.insert(
        "scoring_started",
        &settings.scoring_started_at.map(|at| when(lang, at)),
    );
    context.insert("criteria", &criteria);
    context.insert("seats", &seats);
    context.insert("pool", &pool);
    context.insert(
        "has_chair",
        &progress.jurors.iter().any(|j| j.role == PanelRole::Chair),
    );
    context.insert("conflicts", &conflict_rows);
    context.insert("admitted", &progress.admitted);
    context.insert("below_quorum", &progress.below_quorum);
    context.insert(
        "roles",
        &PanelRole::ALL
            .iter()
            .map(|r| (r.as_str(), lang.text(&format!("panel_role_{r}"))))
            .collect::<Vec<_>>(),
    );
    context.insert(
        "state_label",
        lang.text(&format!("state_{}", competition.state)),
    );
    context.insert("error_part", &error.as_ref().map(|(p, _)| *p));
    let failed = error.is_some();
    context.insert("error", &error.map(|(_, t)| t));
    let path = format!("/verwaltung/wettbewerbe/{}/jury", competition.id);
    let html = state
        .pages
        .render_html("staff_jury.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    if failed {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

#[handler]
pub async fn jury_page(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff,
        current,
    } = member;
    let (manager, competition) = managed(&state, lang, &staff, id.0).await?;
    let ctx = Ctx {
        lang,
        csrf: current.session.csrf_token.clone(),
        manager,
        competition,
    };
    render_jury(&state, &ctx, None, None).await
}

/// What a jury form's POST did: a confirmation, or a refusal shown in its part.
async fn answered(
    state: &AppState,
    ctx: &Ctx,
    part: Part,
    done: Result<String, ServiceError>,
    typed_criteria: Option<Vec<CriterionRow>>,
) -> poem::Result<Response> {
    let (lang, competition) = (ctx.lang, &ctx.competition);
    match done {
        Ok(text) => {
            state.queued();
            Ok(flash::redirect(
                state,
                &format!(
                    "/verwaltung/wettbewerbe/{}/jury?lang={}",
                    competition.id,
                    lang.code()
                ),
                Flash::with(Notice::JuryChanged, text),
            ))
        }
        Err(err) => match jury_message(lang, &err, &|k| k.to_owned()) {
            Some(text) => render_jury(state, ctx, typed_criteria, Some((part, text))).await,
            None => Err(refusal(state, lang, err)),
        },
    }
}

macro_rules! jury_form {
    ($form:ident, $state:ident, $id:expr) => {{
        let CsrfForm {
            lang,
            current,
            fields,
        } = $form;
        let staff = staff_of(&$state, lang, &current.user)?;
        let (manager, competition) = managed(&$state, lang, &staff, $id).await?;
        let ctx = Ctx {
            lang,
            csrf: current.session.csrf_token.clone(),
            manager,
            competition,
        };
        (ctx, fields)
    }};
}

#[handler]
pub async fn save_settings(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (ctx, fields) = jury_form!(form, state, id.0);
    let (lang, manager) = (ctx.lang, &ctx.manager);
    let done: Result<String, ServiceError> = async {
        let quorum = match field(&fields, "quorum").map(str::trim) {
            Some(q) => Some(
                q.parse::<u32>()
                    .map_err(|_| ServiceError::invalid("quorum", "a whole number"))?,
            ),
            None => None,
        };
        let deadline = match field(&fields, "deadline").map(str::trim) {
            Some("") | None => Some(None),
            Some(text) => {
                Some(Some(parse_berlin(text).map_err(|_| {
                    ServiceError::invalid("deadline", "a date and time")
                })?))
            }
        };
        let change = jury::SettingsChange {
            basis: match field(&fields, "basis") {
                Some("normalised") => Some(Basis::Normalised),
                Some(_) => Some(Basis::Raw),
                None => None,
            },
            quorum,
            others_after_submitting: Some(field(&fields, "others_after_submitting") == Some("yes")),
            deadline,
        };
        jury::update_settings(&state.db, manager, state.now(), change).await?;
        Ok(lang.text("jury_done_settings").to_owned())
    }
    .await;
    answered(&state, &ctx, Part::Settings, done, None).await
}

/// The criteria rows of the form: `label_de_N`, `label_en_N`, `key_N`,
/// `weight_N`, `min_N`, `max_N`; a row without a German name is left out.
fn typed_criteria(fields: &Fields) -> Vec<CriterionRow> {
    let mut rows = Vec::new();
    for n in 0..40 {
        let get = |name: &str| {
            field(fields, &format!("{name}_{n}"))
                .map(str::trim)
                .unwrap_or_default()
        };
        let label_de = get("label_de");
        if label_de.is_empty() {
            if get("key").is_empty() && n > 20 {
                break;
            }
            continue;
        }
        let key = if get("key").is_empty() {
            key_of(label_de)
        } else {
            get("key").to_owned()
        };
        rows.push(CriterionRow {
            key,
            label_de: label_de.to_owned(),
            label_en: get("label_en").to_owned(),
            weight: get("weight").parse().unwrap_or(0),
            min: get("min").parse().unwrap_or(0),
            max: get("max").parse().unwrap_or(-1),
        });
    }
    rows
}

#[handler]
pub async fn save_criteria(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (ctx, fields) = jury_form!(form, state, id.0);
    let (lang, manager) = (ctx.lang, &ctx.manager);
    let rows = typed_criteria(&fields);
    let specs: Vec<CriterionSpec> = rows
        .iter()
        .map(|r| CriterionSpec {
            key: r.key.clone(),
            label: Localized::new(r.label_de.clone(), r.label_en.clone()),
            weight: r.weight,
            scale_min: r.min,
            scale_max: r.max,
        })
        .collect();
    let done = jury::set_criteria(&state.db, manager, state.now(), specs)
        .await
        .map(|_| lang.text("jury_done_criteria").to_owned());
    answered(&state, &ctx, Part::Criteria, done, Some(rows)).await
}

#[handler]
pub async fn invite(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (ctx, fields) = jury_form!(form, state, id.0);
    let (lang, manager) = (ctx.lang, &ctx.manager);
    let done = async {
        let user_id: i64 = field(&fields, "juror")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| ServiceError::Jury(crate::domain::jury::JuryError::NotAJuror))?;
        let role: PanelRole = field(&fields, "role")
            .and_then(|v| v.parse().ok())
            .unwrap_or(PanelRole::Member);
        panel::invite(
            &state.db,
            manager,
            state.now(),
            user_id,
            role,
            &state.settings.server.public_url,
        )
        .await?;
        Ok(lang.text("jury_done_invited").to_owned())
    }
    .await;
    answered(&state, &ctx, Part::Panel, done, None).await
}

#[handler]
pub async fn change_seat(
    Path((id, user_id)): Path<(i64, i64)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (ctx, fields) = jury_form!(form, state, id);
    let (lang, manager) = (ctx.lang, &ctx.manager);
    let done = async {
        if field(&fields, "remove") == Some("yes") {
            panel::remove(&state.db, manager, state.now(), user_id).await?;
            return Ok(lang.text("jury_done_removed").to_owned());
        }
        let role: PanelRole = field(&fields, "role")
            .and_then(|v| v.parse().ok())
            .unwrap_or(PanelRole::Member);
        panel::set_role(&state.db, manager, state.now(), user_id, role).await?;
        Ok(lang.text("jury_done_seat").to_owned())
    }
    .await;
    answered(&state, &ctx, Part::Panel, done, None).await
}

#[handler]
pub async fn detect(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (ctx, _fields) = jury_form!(form, state, id.0);
    let (lang, manager) = (ctx.lang, &ctx.manager);
    let done = conflicts::detect(&state.db, manager, state.now())
        .await
        .map(|n| lang.text_with("jury_done_detected", &[("n", (n as i64).into())]));
    answered(&state, &ctx, Part::Conflicts, done, None).await
}

#[handler]
pub async fn rule(
    Path((id, conflict_id)): Path<(i64, i64)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (ctx, fields) = jury_form!(form, state, id);
    let (lang, manager) = (ctx.lang, &ctx.manager);
    let ruling = if field(&fields, "ruling") == Some("confirm") {
        Ruling::Confirm
    } else {
        Ruling::Dismiss
    };
    let reason = field(&fields, "reason").unwrap_or_default();
    let done = conflicts::rule(&state.db, manager, state.now(), conflict_id, ruling, reason)
        .await
        .map(|_| lang.text("jury_done_ruled").to_owned());
    answered(&state, &ctx, Part::Conflicts, done, None).await
}

#[handler]
pub async fn remind(
    id: Path<i64>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (ctx, _fields) = jury_form!(form, state, id.0);
    let (lang, manager) = (ctx.lang, &ctx.manager);
    let done = crate::services::jury::reminders::remind_now(
        &state.db,
        manager,
        state.now(),
        &state.settings.server.public_url,
    )
    .await
    .map(|n| lang.text_with("jury_done_reminded", &[("n", (n as i64).into())]));
    answered(&state, &ctx, Part::Panel, done, None).await
}
