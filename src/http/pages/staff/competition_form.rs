//! Creating a competition (from the entry forms the programme already uses, or as
//! a copy of an existing competition) and editing one while the rules allow it.
//! The edit form offers only what may still change and says why the rest may
//! not (`domain::edit::editable`); a refusal from the rules is shown in the form
//! with everything typed kept.

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::super::entries::{Fields, field};
use super::super::extract::{Administrator, CsrfForm, StaffMember};
use super::super::flash::{self, Flash, Notice};
use super::super::i18n::Lang;
use super::super::session::{internal, refusal};
use super::super::view;
use super::rules::{edit_message, form_message};
use super::{admin_of, managed};
use crate::app::AppState;
use crate::domain::edit::{Editable, editable};
use crate::domain::time::parse_berlin;
use crate::domain::{CompetitionState, Money};
use crate::entities::competition;
use crate::services::authorization;
use crate::services::competitions::{self, CompetitionChanges, NewCompetition};
use crate::services::programmes;

/// The form's fields as typed (strings, so nothing typed is lost on a refusal).
#[derive(Default, Serialize, Clone)]
struct Typed {
    phase: String,
    slug: String,
    headline: String,
    target_group: String,
    aim: String,
    description: String,
    eligibility_note: String,
    opens_at: String,
    closes_at: String,
    prize: String,
    form_from: String,
}

/// `2020-09-30T23:59` in Gera's time, as a `datetime-local` field shows it.
pub(super) fn local_input(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| {
        at.with_timezone(&chrono_tz::Europe::Berlin)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

impl Typed {
    fn of(c: &competition::Model) -> Self {
        Typed {
            phase: c.phase_id.to_string(),
            slug: c.slug.clone(),
            headline: c.headline.clone(),
            target_group: c.target_group.clone(),
            aim: c.aim.clone(),
            description: c.description.clone(),
            eligibility_note: c.eligibility_note.clone(),
            opens_at: local_input(c.opens_at),
            closes_at: local_input(c.closes_at),
            prize: Money::from_cents(c.prize_money_cents)
                .map(Money::form_value)
                .unwrap_or_default(),
            form_from: c.id.to_string(),
        }
    }

    fn from_fields(fields: &Fields) -> Self {
        let text = |name| field(fields, name).unwrap_or_default().trim().to_owned();
        Typed {
            phase: text("phase"),
            slug: text("slug"),
            headline: text("headline"),
            target_group: text("target_group"),
            aim: text("aim"),
            description: field(fields, "description").unwrap_or_default().to_owned(),
            eligibility_note: text("eligibility_note"),
            opens_at: text("opens_at"),
            closes_at: text("closes_at"),
            prize: text("prize"),
            form_from: text("form_from"),
        }
    }
}

/// A problem with one field, in the page's language.
#[derive(Serialize)]
struct Problem {
    field: &'static str,
    message: String,
}

/// The values of the form, checked field by field; every problem is named.
struct Parsed {
    opens_at: Option<DateTime<Utc>>,
    closes_at: Option<DateTime<Utc>>,
    prize: Option<Money>,
}

fn parse(lang: Lang, typed: &Typed, creating: bool, problems: &mut Vec<Problem>) -> Parsed {
    let mut problem = |field, key: &str| {
        problems.push(Problem {
            field,
            message: lang.text(key).to_owned(),
        })
    };
    if creating {
        let slug_ok = (3..=80).contains(&typed.slug.len())
            && typed.slug.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        if !slug_ok {
            problem("slug", "edit_slug_bad");
        }
    }
    if typed.headline.is_empty() || typed.headline.chars().count() > 200 {
        problem("headline", "edit_headline_missing");
    }
    if typed.target_group.is_empty() || typed.target_group.chars().count() > 200 {
        problem("target_group", "edit_target_group_missing");
    }
    if typed.aim.chars().count() > 1000 {
        problem("aim", "edit_aim_long");
    }
    if typed.description.chars().count() > 20_000 || typed.eligibility_note.chars().count() > 5000 {
        problem("description", "edit_text_long");
    }
    let mut moment = |field, text: &str| -> Option<DateTime<Utc>> {
        if text.is_empty() {
            return None;
        }
        let parsed = parse_berlin(text).ok();
        if parsed.is_none() {
            problem(field, "edit_moment_bad");
        }
        parsed
    };
    let opens_at = moment("opens_at", &typed.opens_at);
    let closes_at = moment("closes_at", &typed.closes_at);
    let prize = if typed.prize.is_empty() {
        Some(Money::ZERO)
    } else {
        let parsed = Money::parse_euros(&typed.prize).ok();
        if parsed.is_none() {
            problem("prize", "edit_prize_bad");
        }
        parsed
    };
    Parsed {
        opens_at,
        closes_at,
        prize,
    }
}

/// Why a part may not change now, or nothing when it may.
#[derive(Serialize, Default)]
struct Locks {
    texts: Option<String>,
    opening: Option<String>,
    deadline: Option<String>,
    deadline_later_only: bool,
    prize: Option<String>,
    entry_form: Option<String>,
}

fn locks(lang: Lang, rules: &Editable) -> Locks {
    let why = |r: &Result<(), crate::domain::edit::EditError>| {
        r.as_ref().err().map(|e| edit_message(lang, e))
    };
    Locks {
        texts: why(&rules.texts),
        opening: why(&rules.opening),
        deadline: rules.deadline.as_ref().err().map(|e| edit_message(lang, e)),
        deadline_later_only: rules.deadline == Ok(true),
        prize: why(&rules.prize_money),
        entry_form: why(&rules.entry_form),
    }
}

struct FormPage<'a> {
    /// None: a new competition.
    competition: Option<&'a competition::Model>,
    csrf: &'a str,
    typed: Typed,
    problems: Vec<Problem>,
    copied_from: Option<String>,
}

async fn render(state: &AppState, lang: Lang, page: FormPage<'_>) -> poem::Result<Response> {
    let overviews = programmes::overviews(&state.db, true)
        .await
        .map_err(internal)?;
    let mut phases = Vec::new();
    let mut forms = Vec::new();
    for overview in &overviews {
        for (phase, members) in &overview.phases {
            let (name, _) = view::phase_name(lang, phase);
            phases.push((
                phase.id.to_string(),
                format!("{}: {name}", overview.programme.name),
            ));
            for c in members {
                forms.push((c.id.to_string(), c.full_name()));
            }
        }
    }
    let mut context = Context::new();
    context.insert("csrf", page.csrf);
    context.insert("typed", &page.typed);
    context.insert("phases", &phases);
    context.insert("forms", &forms);
    context.insert("copied_from", &page.copied_from);
    let (path, action) = match page.competition {
        Some(c) => {
            context.insert("competition_id", &c.id);
            context.insert("headline", &c.full_name());
            context.insert("state_label", lang.text(&format!("state_{}", c.state)));
            context.insert("locks", &locks(lang, &editable(c.state)));
            let path = format!("/verwaltung/wettbewerbe/{}/bearbeiten", c.id);
            (path.clone(), path)
        }
        None => {
            context.insert("locks", &Locks::default());
            let path = "/verwaltung/wettbewerbe/neu".to_owned();
            (path.clone(), path)
        }
    };
    context.insert("action", &action);
    for key in [
        "phase",
        "slug",
        "headline",
        "target_group",
        "aim",
        "description",
        "opens_at",
        "closes_at",
        "prize",
        "form_from",
    ] {
        let message = page
            .problems
            .iter()
            .find(|p| p.field == key)
            .map(|p| &p.message);
        context.insert(format!("{key}_error"), &message);
    }
    let failed = !page.problems.is_empty();
    context.insert("errors", &page.problems);
    let html = state
        .pages
        .render_html("staff_competition_form.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    if failed {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

/// The form field a rule's refusal belongs to (the window for the rest).
fn field_of(err: &crate::services::ServiceError) -> &'static str {
    use crate::domain::edit::EditError;
    use crate::services::ServiceError;
    match err {
        ServiceError::Duplicate { .. } => "slug",
        ServiceError::OverBudget(_) => "prize",
        ServiceError::Edit(EditError::OpeningFixed { .. }) => "opens_at",
        _ => "closes_at",
    }
}

#[derive(Deserialize)]
pub struct NewParams {
    /// Copy this competition.
    vorlage: Option<i64>,
}

#[handler]
pub async fn new_form(
    params: Query<NewParams>,
    member: Administrator,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Administrator { lang, current, .. } = member;
    let (typed, copied_from) = match params.vorlage {
        Some(id) => {
            let source = competitions::find(&state.db, id)
                .await
                .map_err(|err| refusal(&state, lang, err))?;
            let mut typed = Typed::of(&source);
            typed.slug = format!("{}-kopie", source.slug);
            // A copy is a new round: its window is set anew.
            typed.opens_at.clear();
            typed.closes_at.clear();
            (typed, Some(source.full_name()))
        }
        None => (Typed::default(), None),
    };
    let page = FormPage {
        competition: None,
        csrf: &current.session.csrf_token,
        typed,
        problems: Vec::new(),
        copied_from,
    };
    render(&state, lang, page).await
}

#[handler]
pub async fn create(form: CsrfForm<Fields>, state: Data<&AppState>) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let admin = admin_of(&state, lang, &current.user)?;
    let typed = Typed::from_fields(&fields);
    let mut problems = Vec::new();
    let parsed = parse(lang, &typed, true, &mut problems);
    let phase = typed.phase.parse::<i64>().ok();
    if phase.is_none() {
        problems.push(Problem {
            field: "phase",
            message: lang.text("edit_phase_missing").to_owned(),
        });
    }
    let source = match typed.form_from.parse::<i64>() {
        Ok(id) => competitions::find(&state.db, id).await.ok(),
        Err(_) => None,
    };
    if source.is_none() {
        problems.push(Problem {
            field: "form_from",
            message: lang.text("edit_form_from_missing").to_owned(),
        });
    }
    let csrf = current.session.csrf_token.clone();
    let again = |typed: Typed, problems| FormPage {
        competition: None,
        csrf: &csrf,
        typed,
        problems,
        copied_from: None,
    };
    let (Some(phase_id), Some(source), Some(prize), true) =
        (phase, source, parsed.prize, problems.is_empty())
    else {
        return render(&state, lang, again(typed, problems)).await;
    };
    let new = NewCompetition {
        phase_id,
        slug: typed.slug.clone(),
        target_group: typed.target_group.clone(),
        headline: typed.headline.clone(),
        aim: typed.aim.clone(),
        description: typed.description.clone(),
        eligibility_note: typed.eligibility_note.clone(),
        opens_at: parsed.opens_at,
        closes_at: parsed.closes_at,
        prize_money: prize,
        entry_form: competitions::form_of(&source).map_err(internal)?,
    };
    match competitions::create(&state.db, &admin, state.now(), new).await {
        Ok(created) => {
            state.changed();
            Ok(flash::redirect(
                &state,
                &format!(
                    "/verwaltung/wettbewerbe/{}?lang={}",
                    created.id,
                    lang.code()
                ),
                Flash::with(Notice::CompetitionCreated, created.full_name()),
            ))
        }
        Err(err) => match form_message(lang, &err) {
            Some(message) => {
                let field = field_of(&err);
                render(&state, lang, again(typed, vec![Problem { field, message }])).await
            }
            None => Err(refusal(&state, lang, err)),
        },
    }
}

#[handler]
pub async fn edit_form(
    id: Path<i64>,
    member: StaffMember,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let StaffMember {
        lang,
        staff,
        current,
    } = member;
    let (_, competition) = managed(&state, lang, &staff, id.0).await?;
    let page = FormPage {
        competition: Some(&competition),
        csrf: &current.session.csrf_token,
        typed: Typed::of(&competition),
        problems: Vec::new(),
        copied_from: None,
    };
    render(&state, lang, page).await
}

/// Only what differs from the stored competition, and only what may change: a
/// field the form showed locked is not sent as a change.
fn changes(
    competition: &competition::Model,
    typed: &Typed,
    parsed: &Parsed,
    rules: &Editable,
    form_from: Option<crate::domain::entry_form::EntryForm>,
) -> CompetitionChanges {
    let differs = |new: &str, old: &str| (new != old).then(|| new.to_owned());
    let texts = rules.texts.is_ok();
    CompetitionChanges {
        headline: differs(&typed.headline, &competition.headline).filter(|_| texts),
        target_group: differs(&typed.target_group, &competition.target_group).filter(|_| texts),
        aim: differs(&typed.aim, &competition.aim).filter(|_| texts),
        description: differs(&typed.description, &competition.description).filter(|_| texts),
        eligibility_note: differs(&typed.eligibility_note, &competition.eligibility_note)
            .filter(|_| texts),
        opens_at: parsed
            .opens_at
            .filter(|at| Some(*at) != competition.opens_at && rules.opening.is_ok()),
        closes_at: parsed
            .closes_at
            .filter(|at| Some(*at) != competition.closes_at && rules.deadline.is_ok()),
        prize_money: parsed
            .prize
            .filter(|m| m.cents() != competition.prize_money_cents && rules.prize_money.is_ok()),
        entry_form: form_from.filter(|_| rules.entry_form.is_ok()),
    }
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
    let staff =
        authorization::staff(current.user.clone()).map_err(|err| refusal(&state, lang, err))?;
    let (manager, competition) = managed(&state, lang, &staff, id.0).await?;
    let mut typed = Typed::from_fields(&fields);
    let rules = editable(competition.state);
    // Locked fields are not in the form (disabled); keep the stored values.
    let stored = Typed::of(&competition);
    if rules.texts.is_err() {
        typed = Typed {
            opens_at: typed.opens_at,
            closes_at: typed.closes_at,
            prize: typed.prize,
            form_from: typed.form_from,
            ..stored.clone()
        };
    }
    if rules.opening.is_err() {
        typed.opens_at = stored.opens_at.clone();
    }
    if rules.deadline.is_err() {
        typed.closes_at = stored.closes_at.clone();
    }
    if rules.prize_money.is_err() {
        typed.prize = stored.prize.clone();
    }
    typed.slug = competition.slug.clone();
    typed.phase = competition.phase_id.to_string();
    let mut problems = Vec::new();
    let parsed = parse(lang, &typed, false, &mut problems);
    let form_from = match typed.form_from.parse::<i64>() {
        Ok(source) if source != competition.id && rules.entry_form.is_ok() => Some(
            competitions::form_of(
                &competitions::find(&state.db, source)
                    .await
                    .map_err(|err| refusal(&state, lang, err))?,
            )
            .map_err(internal)?,
        ),
        _ => None,
    };
    let csrf = current.session.csrf_token.clone();
    if !problems.is_empty() {
        let page = FormPage {
            competition: Some(&competition),
            csrf: &csrf,
            typed,
            problems,
            copied_from: None,
        };
        return render(&state, lang, page).await;
    }
    let changes = changes(&competition, &typed, &parsed, &rules, form_from);
    match competitions::update(&state.db, &manager, state.now(), changes).await {
        Ok(updated) => {
            state.changed();
            Ok(flash::redirect(
                &state,
                &format!(
                    "/verwaltung/wettbewerbe/{}?lang={}",
                    updated.id,
                    lang.code()
                ),
                Flash::with(Notice::CompetitionChanged, updated.full_name()),
            ))
        }
        Err(err) => match form_message(lang, &err) {
            Some(message) => {
                let field = field_of(&err);
                let page = FormPage {
                    competition: Some(&competition),
                    csrf: &csrf,
                    typed,
                    problems: vec![Problem { field, message }],
                    copied_from: None,
                };
                render(&state, lang, page).await
            }
            None => Err(refusal(&state, lang, err)),
        },
    }
}

/// What the competition's own page says may still change.
pub(super) fn what_may_change(
    lang: Lang,
    state: CompetitionState,
) -> Vec<(String, Option<String>)> {
    let rules = editable(state);
    let locks = locks(lang, &rules);
    let part = |key: &str, lock: Option<String>| (lang.text(key).to_owned(), lock);
    let mut parts = vec![
        part("edit_part_texts", locks.texts),
        part("edit_part_opening", locks.opening),
        part("edit_part_deadline", locks.deadline),
        part("edit_part_prize", locks.prize),
        part("edit_part_entry_form", locks.entry_form),
    ];
    if locks.deadline_later_only {
        parts[2].0 = lang.text("edit_part_deadline_later").to_owned();
    }
    parts
}
