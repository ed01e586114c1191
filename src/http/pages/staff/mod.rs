//! Staff pages: the dashboard with counts per competition and phase, the entries of
//! a competition (filter, search, pages, CSV and XLSX), and one entry with its
//! authors. For administrators and the competition's coordinators.

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use poem::{Route, get, post};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::entries::download;
use super::extract::StaffMember;
use super::i18n::Lang;
use super::session::{internal, refusal};
use crate::app::AppState;
use crate::domain::entries::{EntrySource, EntryStatus};
use crate::domain::lifecycle::{self as lifecycle_rules, Attention};
use crate::entities::competition;
use crate::http::streams;
use crate::services::authorization::{self, Manager, Staff};
use crate::services::exports;
use crate::services::staff_entries::{self, EntryFilter, EntryLine, PageAt, StaffEntry, Total};
use crate::services::{attachments, coauthors, competitions, entries, programmes, users};

mod announcement;
mod competition_form;
mod extend;
mod jury;
mod lifecycle;
mod on_behalf;
mod overall;
mod people;
mod prizes;
mod programme;
mod rules;
mod vote;

/// The capability to manage the competition, with the competition; a page saying
/// no otherwise.
/// The administrator's capability for a form an administrator sent, or the
/// refusal page.
fn admin_of(
    state: &AppState,
    lang: Lang,
    person: &crate::entities::user::Model,
) -> poem::Result<authorization::Admin> {
    authorization::admin(person.clone()).map_err(|err| refusal(state, lang, err))
}

/// The sender of a staff form as the manager of competition `id`, or the
/// refusal page.
pub(super) async fn manager_from_form(
    state: &AppState,
    lang: Lang,
    person: &crate::entities::user::Model,
    id: i64,
) -> poem::Result<authorization::Manager> {
    let staff = staff_of(state, lang, person)?;
    Ok(managed(state, lang, &staff, id).await?.0)
}

/// The sender of a staff form as staff, or the refusal page.
fn staff_of(
    state: &AppState,
    lang: Lang,
    form_user: &crate::entities::user::Model,
) -> poem::Result<authorization::Staff> {
    authorization::staff(form_user.clone()).map_err(|err| refusal(state, lang, err))
}

/// An entry with its author, its competition and the capability to manage it,
/// or the refusal page.
async fn managed_entry(
    state: &AppState,
    lang: Lang,
    staff: &Staff,
    id: i64,
) -> poem::Result<(Manager, competition::Model, StaffEntry)> {
    let refused = |err| refusal(state, lang, err);
    let manager = authorization::manager_of_entry(&state.db, staff.person(), id)
        .await
        .map_err(refused)?;
    let competition = competitions::find(&state.db, manager.competition_id())
        .await
        .map_err(refused)?;
    let entry = staff_entries::one(&state.db, &manager, id)
        .await
        .map_err(refused)?;
    Ok((manager, competition, entry))
}

pub(super) async fn managed(
    state: &AppState,
    lang: Lang,
    staff: &Staff,
    id: i64,
) -> poem::Result<(Manager, competition::Model)> {
    let competition = competitions::find(&state.db, id)
        .await
        .map_err(|err| refusal(state, lang, err))?;
    let manager = authorization::manager(&state.db, staff.person(), id)
        .await
        .map_err(|err| refusal(state, lang, err))?;
    Ok((manager, competition))
}

#[derive(Serialize)]
struct CountsView {
    draft: i64,
    submitted: i64,
    withdrawn: i64,
}

impl From<&staff_entries::Counts> for CountsView {
    fn from(c: &staff_entries::Counts) -> Self {
        Self {
            draft: c.draft,
            submitted: c.submitted,
            withdrawn: c.withdrawn,
        }
    }
}

#[derive(Serialize)]
struct DashboardLine {
    id: i64,
    headline: String,
    target_group: String,
    state_label: &'static str,
    counts: CountsView,
}

/// A line of "needs attention": a competition, why, and the step that helps.
#[derive(Serialize)]
struct AttentionView {
    id: i64,
    headline: String,
    text: String,
    step: Option<(&'static str, &'static str)>,
}

#[derive(Serialize)]
struct PhaseView {
    name: String,
    lines: Vec<DashboardLine>,
    total: CountsView,
}

#[handler]
pub async fn dashboard(member: StaffMember, state: Data<&AppState>) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff: current,
        ..
    } = member;
    let (lines, per_phase) = staff_entries::dashboard(&state.db, &current)
        .await
        .map_err(internal)?;
    let now = state.now();
    let attention: Vec<AttentionView> = lines
        .iter()
        .filter_map(|line| {
            let c = &line.competition;
            let why = lifecycle_rules::attention(c.state, c.closes_at, now)?;
            Some(match why {
                Attention::ClosingSoon => AttentionView {
                    id: c.id,
                    headline: c.full_name(),
                    text: lang
                        .text_with(
                            "attention_closing_soon",
                            &[("deadline", when(lang, c.closes_at.unwrap_or(now)).into())],
                        )
                        .to_string(),
                    step: None,
                },
                Attention::AwaitingReview => AttentionView {
                    id: c.id,
                    headline: c.full_name(),
                    text: lang.text("attention_awaiting_review").to_owned(),
                    step: Some(("start_review", lang.text("event_start_review"))),
                },
            })
        })
        .collect();
    let failed_emails = match authorization::admin(current.person().clone()) {
        Ok(admin) => Some(
            crate::services::emails::failed_count(&state.db, &admin)
                .await
                .map_err(internal)?,
        ),
        Err(_) => None,
    };
    let mut phases: Vec<PhaseView> = Vec::new();
    let mut names = std::collections::HashMap::new();
    for programme in programmes::list(&state.db).await.map_err(internal)? {
        for phase in programmes::list_phases(&state.db, programme.id)
            .await
            .map_err(internal)?
        {
            let (phase_name, _) = super::view::phase_name(lang, &phase);
            names.insert(phase.id, format!("{}: {phase_name}", programme.name));
        }
    }
    for line in lines {
        let phase_id = line.competition.phase_id;
        let name = names.get(&phase_id).cloned().unwrap_or_default();
        let view = DashboardLine {
            id: line.competition.id,
            headline: line.competition.headline.clone(),
            target_group: line.competition.target_group.clone(),
            state_label: lang.text(&format!("state_{}", line.competition.state)),
            counts: (&line.counts).into(),
        };
        match phases.last_mut() {
            Some(last) if last.name == name => last.lines.push(view),
            _ => phases.push(PhaseView {
                total: per_phase
                    .get(&phase_id)
                    .map(Into::into)
                    .unwrap_or(CountsView {
                        draft: 0,
                        submitted: 0,
                        withdrawn: 0,
                    }),
                name,
                lines: vec![view],
            }),
        }
    }
    let mut context = Context::new();
    context.insert("phases", &phases);
    context.insert("attention", &attention);
    context.insert("is_admin", &current.is_admin());
    context.insert("failed_emails", &failed_emails.filter(|n| *n > 0));
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("staff_dashboard.html", lang, "/verwaltung", context),
    ))
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    status: Option<String>,
    source: Option<String>,
    q: Option<String>,
    /// The page after this entry id.
    nach: Option<i64>,
    /// The page before this entry id.
    vor: Option<i64>,
    /// `ende=1`: the last page.
    ende: Option<String>,
}

impl ListParams {
    fn at(&self) -> PageAt {
        match (self.nach, self.vor, self.ende.is_some()) {
            (Some(after), _, _) => PageAt::After(after),
            (_, Some(before), _) => PageAt::Before(before),
            (_, _, true) => PageAt::Last,
            _ => PageAt::First,
        }
    }

    fn filter(&self) -> EntryFilter {
        EntryFilter {
            status: self.status.as_deref().and_then(|s| s.parse().ok()),
            source: self.source.as_deref().and_then(|s| s.parse().ok()),
            query: self
                .q
                .as_deref()
                .map(|q| q.trim().chars().take(200).collect::<String>())
                .filter(|q| !q.is_empty()),
        }
    }
}

#[derive(Serialize)]
struct Row {
    id: i64,
    status_label: &'static str,
    source_label: &'static str,
    receipt_number: String,
    kennzahl: String,
    title: String,
    author_name: String,
    author_email: String,
    author_phone: String,
    submitted: String,
}

pub(super) use super::view::moment as when;

fn row(lang: Lang, e: &EntryLine) -> Row {
    Row {
        id: e.id,
        status_label: lang.text(&format!("entry_status_{}", e.status)),
        source_label: lang.text(&format!("source_{}", e.source)),
        receipt_number: e.receipt_number.clone().unwrap_or_default(),
        kennzahl: e.kennzahl.clone().unwrap_or_default(),
        title: e.title.clone(),
        author_name: e.author_name.clone(),
        author_email: if entries::has_no_address(&e.author_email) {
            lang.text("no_email_address").to_owned()
        } else {
            e.author_email.clone()
        },
        author_phone: e.author_phone.clone().unwrap_or_default(),
        submitted: e.submitted_at.map(|at| when(lang, at)).unwrap_or_default(),
    }
}

#[handler]
pub async fn competition_entries(
    id: Path<i64>,
    params: Query<ListParams>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff: current,
        ..
    } = member;
    let (manager, competition) = managed(&state, lang, &current, id.0).await?;
    let filter = params.filter();
    let page = staff_entries::search(&state.db, &manager, &filter, params.at())
        .await
        .map_err(internal)?;
    let rows: Vec<Row> = page.entries.iter().map(|s| row(lang, s)).collect();
    // The filter as a query string, for the page links and the exports.
    let mut query: Vec<(&str, String)> = vec![("lang", lang.code().to_owned())];
    if let Some(status) = filter.status {
        query.push(("status", status.to_string()));
    }
    if let Some(source) = filter.source {
        query.push(("source", source.to_string()));
    }
    if let Some(q) = &filter.query {
        query.push(("q", q.clone()));
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    let mut context = Context::new();
    context.insert("competition_id", &competition.id);
    context.insert("headline", &competition.full_name());
    context.insert(
        "state_label",
        lang.text(&format!("state_{}", competition.state)),
    );
    let steps: Vec<(&str, &str)> = lifecycle::steps(competition.state)
        .into_iter()
        .map(|step| (step, lang.text(&format!("event_{step}"))))
        .collect();
    context.insert("steps", &steps);
    context.insert(
        "may_change",
        &competition_form::what_may_change(lang, competition.state),
    );
    context.insert("is_admin", &current.is_admin());
    context.insert("rows", &rows);
    let (total, more) = match page.total {
        Total::Exactly(n) => (n, false),
        Total::MoreThan(n) => (n, true),
    };
    context.insert("total", &total);
    context.insert("more", &more);
    context.insert("previous", &page.previous);
    context.insert("next", &page.next);
    context.insert(
        "status",
        &filter.status.map(EntryStatus::as_str).unwrap_or_default(),
    );
    context.insert(
        "source",
        &filter.source.map(EntrySource::as_str).unwrap_or_default(),
    );
    context.insert("q", &filter.query.unwrap_or_default());
    context.insert("query", &query);
    let options = |prefix: &str, keys: &[&'static str]| -> Vec<(&'static str, &'static str)> {
        keys.iter()
            .map(|k| (*k, lang.text(&format!("{prefix}{k}"))))
            .collect()
    };
    let statuses = [
        EntryStatus::Submitted,
        EntryStatus::Draft,
        EntryStatus::Withdrawn,
    ];
    context.insert(
        "status_options",
        &options("entry_status_", &statuses.map(EntryStatus::as_str)),
    );
    context.insert(
        "source_options",
        &options("source_", &EntrySource::ALL.map(EntrySource::as_str)),
    );
    let path = format!("/verwaltung/wettbewerbe/{}", competition.id);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("staff_entries.html", lang, &path, context),
    ))
}

#[handler]
pub async fn export_entries(
    Path((id, format)): Path<(i64, String)>,
    params: Query<ListParams>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff: current,
        ..
    } = member;
    let (manager, competition) = managed(&state, lang, &current, id).await?;
    let all = staff_entries::all(&state.db, &manager, &params.filter())
        .await
        .map_err(internal)?;
    let form = competitions::form_of(&competition).map_err(internal)?;
    let name = format!("einreichungen-{}", competition.slug);
    let (body, content_type, file) = match format.as_str() {
        "einreichungen.csv" => (
            streams::csv(exports::Csv::new(all, form)),
            "text/csv; charset=utf-8",
            format!("{name}.csv"),
        ),
        "einreichungen.xlsx" => (
            streams::file(exports::xlsx(all, &form).await.map_err(internal)?),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("{name}.xlsx"),
        ),
        _ => return Ok(state.pages.message(lang, StatusCode::NOT_FOUND)),
    };
    let mut response = download(&file, body);
    response.headers_mut().insert(
        poem::http::header::CONTENT_TYPE,
        poem::http::HeaderValue::from_static(content_type),
    );
    Ok(response)
}

#[derive(Serialize)]
struct Answer {
    label: String,
    value: String,
}

/// A receipt to print and hand over, for an idea recorded by staff (the only
/// receipt an entrant without an email address gets).
#[handler]
pub async fn receipt(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff: current,
        ..
    } = member;
    let (_, competition, with_author) = managed_entry(&state, lang, &current, id.0).await?;
    let e = &with_author.entry;
    if e.status != EntryStatus::Submitted {
        return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
    }
    let recorded = e.submitted_at.unwrap_or(e.created_at);
    let mut context = Context::new();
    context.insert("entry_id", &e.id);
    context.insert("competition", &competition.full_name());
    context.insert(
        "receipt_number",
        &e.receipt_number.clone().unwrap_or_default(),
    );
    context.insert("title", &e.title);
    context.insert("author", &with_author.author_name);
    context.insert("source", lang.text(&format!("source_{}", e.source)));
    context.insert("arrived", &e.arrived_at.map(|at| time_day(lang, at)));
    context.insert("recorded", &when(lang, recorded));
    context.insert(
        "late",
        &(e.arrived_at.is_some() && competition.closes_at.is_some_and(|c| recorded >= c)),
    );
    let path = format!("/verwaltung/einreichungen/{}/bestaetigung", e.id);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("staff_receipt.html", lang, &path, context),
    ))
}

/// A day as people write it: `29.09.2020` / `29 Sep 2020`.
fn time_day(lang: Lang, at: chrono::DateTime<chrono::Utc>) -> String {
    let local = at.with_timezone(&chrono_tz::Europe::Berlin);
    match lang {
        Lang::De => local.format("%d.%m.%Y").to_string(),
        Lang::En => local.format("%-d %b %Y").to_string(),
    }
}

#[handler]
pub async fn entry_detail(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff: current,
        ..
    } = member;
    let (manager, competition, with_author) = managed_entry(&state, lang, &current, id.0).await?;
    let found = with_author.entry.clone();
    let form = competitions::form_of(&competition).map_err(internal)?;
    let answers: Vec<Answer> = form
        .fields
        .iter()
        .filter_map(|f| {
            with_author.details.get(&f.key).map(|value| Answer {
                label: f.label.get(lang.code()).to_owned(),
                value: value.clone(),
            })
        })
        .collect();
    let files = attachments::of_entry(&state.db, found.id)
        .await
        .map_err(internal)?;
    let team = coauthors::of_entry(&state.db, found.id)
        .await
        .map_err(internal)?;
    let goals = found.goals().map_err(|err| internal(err.into()))?;
    let mut context = Context::new();
    context.insert("entry", &row(lang, &with_author.line()));
    context.insert("competition_id", &competition.id);
    context.insert("headline", &competition.full_name());
    context.insert("summary", &found.summary);
    context.insert("description", &found.description);
    context.insert("goals", &goals);
    context.insert("answers", &answers);
    context.insert("for_minors", &form.for_minors);
    context.insert("guardian_consent", &found.guardian_consent_at.is_some());
    context.insert(
        "attachments",
        &files
            .iter()
            .map(|f| (f.id, f.file_name.clone()))
            .collect::<Vec<_>>(),
    );
    context.insert(
        "coauthors",
        &team
            .iter()
            .map(|c| (c.name.clone(), c.email.clone(), c.accepted_at.is_some()))
            .collect::<Vec<_>>(),
    );
    let history = staff_entries::history(&state.db, &manager, found.id)
        .await
        .map_err(internal)?;
    context.insert("history", &timeline(&state, lang, &history.events).await?);
    context.insert("versions", &history.versions.len());
    context.insert("recorded", &(found.source != EntrySource::Online));
    context.insert(
        "arrived_note",
        &found.arrived_at.map(|arrived| {
            lang.text_with(
                "entry_arrived_note",
                &[
                    ("arrived", when(lang, arrived).into()),
                    (
                        "recorded",
                        when(lang, found.submitted_at.unwrap_or(found.created_at)).into(),
                    ),
                ],
            )
        }),
    );
    context.insert(
        "arrived_late",
        &(found.arrived_at.is_some()
            && competition
                .closes_at
                .zip(found.submitted_at)
                .is_some_and(|(closes, recorded)| recorded >= closes)),
    );
    let path = format!("/verwaltung/einreichungen/{}", found.id);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("staff_entry.html", lang, &path, context),
    ))
}

/// One line of an entry's history: when, who, what, why.
#[derive(Serialize)]
struct Moment {
    when: String,
    who: String,
    what: String,
    why: Option<String>,
}

/// The audit lines as a readable timeline, naming people by their address.
async fn timeline(
    state: &AppState,
    lang: Lang,
    events: &[crate::entities::audit_entry::Model],
) -> poem::Result<Vec<Moment>> {
    let ids: Vec<i64> = events.iter().filter_map(|e| e.actor_user_id).collect();
    let people = users::emails_of(&state.db, &ids).await.map_err(internal)?;
    Ok(events
        .iter()
        .map(|event| {
            let label = lang.text(&format!("action_{}", event.action.replace('.', "_")));
            Moment {
                when: when(lang, event.occurred_at),
                who: event
                    .actor_user_id
                    .and_then(|id| people.get(&id).cloned())
                    .unwrap_or_else(|| lang.text("actor_system").to_owned()),
                what: {
                    let what = if label.is_empty() {
                        event.action.clone()
                    } else {
                        label.to_owned()
                    };
                    match (&event.from_state, &event.to_state) {
                        (Some(from), Some(to)) => format!(
                            "{what}: {} → {}",
                            lang.text(&format!("state_{from}")),
                            lang.text(&format!("state_{to}"))
                        ),
                        _ => what,
                    }
                },
                why: event.reason.clone(),
            }
        })
        .collect())
}

/// A competition's audit trail as a timeline: who did what, when and why.
#[handler]
pub async fn competition_history(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff: current,
        ..
    } = member;
    let (manager, competition) = managed(&state, lang, &current, id.0).await?;
    let events = competitions::history(&state.db, &manager)
        .await
        .map_err(internal)?;
    let mut context = Context::new();
    context.insert("competition_id", &competition.id);
    context.insert("headline", &competition.full_name());
    context.insert("history", &timeline(&state, lang, &events).await?);
    let path = format!("/verwaltung/wettbewerbe/{}/verlauf", competition.id);
    Ok(state.pages.respond(
        lang,
        state
            .pages
            .render_html("staff_history.html", lang, &path, context),
    ))
}

/// The staff pages: dashboard, entry lists, exports and entry details.
pub(super) fn routes(route: Route) -> Route {
    route
        .at("/verwaltung", get(dashboard))
        .at(
            "/verwaltung/wettbewerbe/neu",
            get(competition_form::new_form).post(competition_form::create),
        )
        .at("/verwaltung/wettbewerbe/:id", get(competition_entries))
        .at(
            "/verwaltung/wettbewerbe/:id/bearbeiten",
            get(competition_form::edit_form).post(competition_form::update),
        )
        .at("/verwaltung/wettbewerbe/:id/:format", get(export_entries))
        .at("/verwaltung/einreichungen/:id", get(entry_detail))
        .at("/verwaltung/einreichungen/:id/bestaetigung", get(receipt))
        .at(
            "/verwaltung/wettbewerbe/:id/verlauf",
            get(competition_history),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/schritt/:event",
            get(lifecycle::confirm_step).post(lifecycle::take_step),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/erfassen",
            get(on_behalf::blank_form).post(on_behalf::record),
        )
        .at(
            "/verwaltung/fristen",
            get(extend::choose).post(extend::extend),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/preise",
            get(prizes::page).post(prizes::save),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/preise/vergeben",
            post(prizes::award),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/preise/:award/zurueckziehen",
            post(prizes::withdraw),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/bekanntgabe",
            get(announcement::page).post(announcement::save),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/bekanntgabe/zuruecknehmen",
            post(announcement::unschedule),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/abstimmung",
            get(vote::page).post(vote::save),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/abstimmung/:ballot/ungueltig",
            post(vote::void),
        )
        .at(
            "/verwaltung/abstimmung",
            get(vote::programme_page).post(vote::programme_save),
        )
        .at(
            "/verwaltung/abstimmung/:ballot/ungueltig",
            post(vote::programme_void),
        )
        .at("/verwaltung/budget", get(prizes::budget))
        .at(
            "/verwaltung/gesamtwertung",
            get(overall::page).post(overall::save_places),
        )
        .at(
            "/verwaltung/gesamtwertung/plaetze/:place/vergeben",
            post(overall::award),
        )
        .at(
            "/verwaltung/gesamtwertung/vergaben/:award/zurueckziehen",
            post(overall::withdraw),
        )
        .at("/verwaltung/programm", get(programme::first))
        .at(
            "/verwaltung/programm/:id",
            get(programme::page).post(programme::update),
        )
        .at(
            "/verwaltung/programm/:id/staffeln",
            post(programme::add_phase),
        )
        .at(
            "/verwaltung/programm/:id/staffeln/:phase",
            post(programme::update_phase),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/vorpruefung",
            get(jury::precheck_page),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/vorpruefung/rest",
            post(jury::admit_rest),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/vorpruefung/:entry",
            post(jury::decide),
        )
        .at("/verwaltung/wettbewerbe/:id/jury", get(jury::jury_page))
        .at(
            "/verwaltung/wettbewerbe/:id/rangfolge",
            get(super::jury::sitting::staff_page),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/rangfolge/runde",
            post(super::jury::sitting::staff_open_round),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/rangfolge/runde/schliessen",
            post(super::jury::sitting::staff_close_round),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/rangfolge/runde/:kennzahl",
            post(super::jury::sitting::staff_decide),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/rangfolge/feststellen",
            post(super::jury::sitting::staff_lock),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/protokoll",
            get(super::jury::sitting::protokoll_page),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/protokoll.pdf",
            get(super::jury::sitting::protokoll_pdf),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/jury/einstellungen",
            post(jury::save_settings),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/jury/kriterien",
            post(jury::save_criteria),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/jury/einladen",
            post(jury::invite),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/jury/sitz/:user",
            post(jury::change_seat),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/jury/befangenheiten",
            post(jury::detect),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/jury/erinnern",
            post(jury::remind),
        )
        .at(
            "/verwaltung/wettbewerbe/:id/jury/befangenheiten/:conflict",
            post(jury::rule),
        )
        .at("/verwaltung/personen", get(people::people))
        .at(
            "/verwaltung/personen/einladen",
            get(people::invite_form).post(people::invite),
        )
        .at("/verwaltung/personen/:id", get(people::person_page))
        .at("/verwaltung/personen/:id/rolle", post(people::change_role))
        .at("/verwaltung/personen/:id/wettbewerbe", post(people::assign))
        .at(
            "/verwaltung/personen/:id/wettbewerbe/:competition/entfernen",
            post(people::unassign),
        )
        .at(
            "/verwaltung/personen/:id/deaktivieren",
            post(people::deactivate),
        )
        .at(
            "/verwaltung/personen/:id/reaktivieren",
            post(people::reactivate),
        )
}
