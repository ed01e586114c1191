//! Prizes on the staff pages: a competition's prizes, the suggestion from the
//! ranking, awarding and withdrawing (`/verwaltung/wettbewerbe/:id/preise`), and
//! the programme's budget overview with its chart (`/verwaltung/budget`).

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
use super::{admin_of, managed, manager_from_form};
use crate::app::AppState;
use crate::domain::CompetitionState;
use crate::domain::Money;
use crate::domain::prizes::{PrizeError, PrizeKind, PrizeSpec, Tier};
use crate::services::authorization::Manager;
use crate::services::prizes::{self, AwardRequest};
use crate::services::{ServiceError, programmes};

/// The page's refusal in the person's language, for the rules of prizes.
pub(super) fn prize_message(lang: Lang, err: &PrizeError) -> String {
    let money = |m: &Money| view::money(lang, *m);
    match err {
        PrizeError::PrizesOverPool { total, pool } => lang.text_with(
            "prize_err_prizes_over_pool",
            &[("total", money(total).into()), ("pool", money(pool).into())],
        ),
        PrizeError::NoValue(n) => {
            lang.text_with("prize_err_no_value", &[("n", (*n as i64).into())])
        }
        PrizeError::Label(n) => lang.text_with("prize_err_label", &[("n", (*n as i64).into())]),
        PrizeError::TooMany => lang.text("prize_err_too_many").to_owned(),
        PrizeError::OverPool {
            remaining, pool, ..
        } => lang.text_with(
            "prize_err_over_pool",
            &[
                ("remaining", money(remaining).into()),
                ("pool", money(pool).into()),
            ],
        ),
        PrizeError::OverBudget {
            remaining,
            budget: limit,
            ..
        } => lang.text_with(
            "prize_err_over_budget",
            &[
                ("remaining", money(remaining).into()),
                ("budget", money(limit).into()),
            ],
        ),
        PrizeError::NothingAwarded => lang.text("prize_err_nothing").to_owned(),
        PrizeError::ReasonMissing => lang.text("prize_err_reason").to_owned(),
        PrizeError::WithdrawalReason => lang.text("prize_err_withdrawal_reason").to_owned(),
        PrizeError::AlreadyAwarded => lang.text("prize_err_already").to_owned(),
        PrizeError::Awarded => lang.text("prize_err_awarded").to_owned(),
        PrizeError::Fixed(state) => lang.text_with(
            "prize_err_fixed",
            &[("state", lang.text(&format!("state_{state}")).into())],
        ),
        PrizeError::NotDecided(state) => lang.text_with(
            "prize_err_not_decided",
            &[("state", lang.text(&format!("state_{state}")).into())],
        ),
        PrizeError::PlacesNumbered => lang.text("overall_err_numbered").to_owned(),
        PrizeError::NotAWinner => lang.text("overall_err_not_a_winner").to_owned(),
        PrizeError::PlaceTaken => lang.text("overall_err_place_taken").to_owned(),
        PrizeError::PlacedAlready => lang.text("overall_err_placed").to_owned(),
    }
}

/// The message for a refusal the form shows, or None for one that is a page
/// of its own (not found, forbidden, a database error).
fn form_message(lang: Lang, err: &ServiceError) -> Option<String> {
    match err {
        ServiceError::Prize(refused) => Some(prize_message(lang, refused)),
        ServiceError::NotFound { what, .. } if *what == "admitted entry" => {
            Some(lang.text("prize_err_entry").to_owned())
        }
        _ => None,
    }
}

#[derive(Serialize, Default, Clone)]
struct PrizeRow {
    tier: String,
    kind: String,
    label: String,
    value: String,
}

#[derive(Serialize)]
struct SuggestionRow {
    prize_id: i64,
    entry_id: i64,
    kennzahl: String,
    prize: String,
    amount: String,
}

#[derive(Serialize)]
struct AwardRow {
    id: i64,
    kennzahl: String,
    title: String,
    prize: String,
    amount: String,
    reason: String,
    withdrawn: Option<String>,
}

/// What the award form was sent with, kept when it is refused.
#[derive(Serialize, Default)]
struct AwardTyped {
    prize_id: String,
    kennzahl: String,
    amount: String,
    reason: String,
}

/// Which form a refusal belongs to, and what it says.
struct Refused {
    form: String,
    message: String,
}

fn tier_label(lang: Lang, tier: Tier) -> &'static str {
    lang.text(&format!("prize_tier_{}", tier.as_str()))
}

fn kind_label(lang: Lang, kind: PrizeKind) -> &'static str {
    lang.text(&format!("prize_kind_{}", kind.as_str()))
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    manager: &Manager,
    typed_prizes: Option<Vec<PrizeRow>>,
    typed_award: Option<AwardTyped>,
    refused: Option<Refused>,
) -> poem::Result<Response> {
    let db = &state.db;
    let id = manager.competition_id();
    let competition = crate::services::competitions::find(db, id)
        .await
        .map_err(internal)?;
    let listed = prizes::prizes(db, id).await.map_err(internal)?;
    let awards = prizes::awards(db, id).await.map_err(internal)?;
    let decided = competition.state == CompetitionState::Decided;
    let suggestion = if decided {
        prizes::suggestion(db, id).await.map_err(internal)?
    } else {
        Vec::new()
    };
    let name_of = |prize_id: i64| {
        listed
            .iter()
            .find(|p| p.id == prize_id)
            .map(|p| format!("{}: {}", tier_label(lang, p.spec.tier), p.spec.label))
            .unwrap_or_default()
    };
    let pool = competition.prize_money().map_err(|e| internal(e.into()))?;
    let awarded_cents: i64 = awards
        .iter()
        .filter(|(a, _, _)| a.withdrawn_at.is_none())
        .map(|(a, _, _)| a.amount_cents)
        .sum();
    let awarded = Money::from_cents(awarded_cents).unwrap_or_default();
    let remaining = Money::from_cents((pool.cents() - awarded_cents).max(0)).unwrap_or_default();
    let active = awards.iter().any(|(a, _, _)| a.withdrawn_at.is_none());
    let mut rows = typed_prizes.unwrap_or_else(|| {
        listed
            .iter()
            .map(|p| PrizeRow {
                tier: p.spec.tier.as_str().to_owned(),
                kind: p.spec.kind.as_str().to_owned(),
                label: p.spec.label.clone(),
                value: p.spec.value.form_value(),
            })
            .collect()
    });
    // Two empty rows for new prizes.
    for _ in 0..2 {
        if rows.len() < 50 {
            rows.push(PrizeRow {
                tier: Tier::Honourable.as_str().into(),
                kind: PrizeKind::Cash.as_str().into(),
                ..PrizeRow::default()
            });
        }
    }
    let mut context = Context::new();
    context.insert("csrf", csrf);
    context.insert("competition_id", &id);
    context.insert("headline", &competition.full_name());
    context.insert(
        "state_label",
        lang.text(&format!("state_{}", competition.state)),
    );
    context.insert("pool", &view::money(lang, pool));
    context.insert("awarded", &view::money(lang, awarded));
    context.insert("remaining", &view::money(lang, remaining));
    context.insert("rows", &rows);
    context.insert(
        "tiers",
        &Tier::ALL
            .iter()
            .map(|t| (t.as_str(), tier_label(lang, *t)))
            .collect::<Vec<_>>(),
    );
    context.insert(
        "kinds",
        &PrizeKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_label(lang, *k)))
            .collect::<Vec<_>>(),
    );
    context.insert(
        "may_define",
        &(!active
            && !matches!(
                competition.state,
                CompetitionState::Announced
                    | CompetitionState::Archived
                    | CompetitionState::Cancelled
            )),
    );
    context.insert("decided", &decided);
    context.insert(
        "prizes",
        &listed
            .iter()
            .map(|p| (p.id, name_of(p.id), view::money(lang, p.spec.value)))
            .collect::<Vec<_>>(),
    );
    context.insert(
        "suggestion",
        &suggestion
            .iter()
            .map(|(prize, entry, kennzahl, amount)| SuggestionRow {
                prize_id: prize.id,
                entry_id: *entry,
                kennzahl: kennzahl.clone(),
                prize: name_of(prize.id),
                amount: view::money(lang, *amount),
            })
            .collect::<Vec<_>>(),
    );
    context.insert(
        "awards",
        &awards
            .iter()
            .map(|(a, kennzahl, title)| AwardRow {
                id: a.id,
                kennzahl: kennzahl.clone(),
                title: title.clone(),
                prize: name_of(a.prize_id),
                amount: view::money(lang, Money::from_cents(a.amount_cents).unwrap_or_default()),
                reason: a.reason.clone(),
                withdrawn: a.withdrawal_reason.clone(),
            })
            .collect::<Vec<_>>(),
    );
    context.insert("award", &typed_award.unwrap_or_default());
    context.insert("refused_form", &refused.as_ref().map(|r| r.form.clone()));
    context.insert("error", &refused.as_ref().map(|r| r.message.clone()));
    let path = format!("/verwaltung/wettbewerbe/{id}/preise");
    let html = state
        .pages
        .render_html("staff_prizes.html", lang, &path, context);
    let mut response = state.pages.respond(lang, html);
    if refused.is_some() {
        response.set_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(response)
}

fn back(state: &AppState, lang: Lang, id: i64, key: &str) -> Response {
    flash::redirect(
        state,
        &format!("/verwaltung/wettbewerbe/{id}/preise?lang={}", lang.code()),
        Flash::with(Notice::JuryChanged, lang.text(key).to_owned()),
    )
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
        None,
    )
    .await
}

/// The prize rows of the form, as typed: `tier_1`, `kind_1`, `label_1`,
/// `value_1`, …; rows without a label and a value are left out.
fn typed_rows(fields: &Fields) -> Vec<PrizeRow> {
    (1..=50)
        .map(|n| PrizeRow {
            tier: field(fields, &format!("tier_{n}"))
                .unwrap_or_default()
                .to_owned(),
            kind: field(fields, &format!("kind_{n}"))
                .unwrap_or_default()
                .to_owned(),
            label: field(fields, &format!("label_{n}"))
                .unwrap_or_default()
                .trim()
                .to_owned(),
            value: field(fields, &format!("value_{n}"))
                .unwrap_or_default()
                .trim()
                .to_owned(),
        })
        .filter(|r| !(r.label.is_empty() && r.value.is_empty()))
        .collect()
}

fn specs_of(lang: Lang, rows: &[PrizeRow]) -> Result<Vec<PrizeSpec>, String> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let n = (i + 1) as i64;
            let value = Money::parse_euros(&row.value)
                .map_err(|_| lang.text_with("prize_err_value", &[("n", n.into())]))?;
            Ok(PrizeSpec {
                tier: row.tier.parse().unwrap_or(Tier::Special),
                kind: row.kind.parse().unwrap_or(PrizeKind::Cash),
                label: row.label.clone(),
                value,
            })
        })
        .collect()
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
    let rows = typed_rows(&fields);
    let refuse = |message: String| Refused {
        form: "prizes".into(),
        message,
    };
    let specs = match specs_of(lang, &rows) {
        Ok(specs) => specs,
        Err(message) => {
            let refused = Some(refuse(message));
            return render(&state, lang, &csrf, &manager, Some(rows), None, refused).await;
        }
    };
    match prizes::set_prizes(&state.db, &manager, state.now(), specs).await {
        Ok(_) => Ok(back(&state, lang, id.0, "prizes_done_set")),
        Err(err) => match form_message(lang, &err) {
            Some(message) => {
                let refused = Some(refuse(message));
                render(&state, lang, &csrf, &manager, Some(rows), None, refused).await
            }
            None => Err(refusal(&state, lang, err)),
        },
    }
}

#[handler]
pub async fn award(
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
    let typed = AwardTyped {
        prize_id: field(&fields, "prize_id").unwrap_or_default().to_owned(),
        kennzahl: field(&fields, "kennzahl")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        amount: field(&fields, "amount")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        reason: field(&fields, "reason")
            .unwrap_or_default()
            .trim()
            .to_owned(),
    };
    // Which form sent it: a suggestion's button, or the form for any award.
    let form_name = if field(&fields, "entry_id").is_some() {
        "suggestion"
    } else {
        "award"
    };
    let refused = |message: String| {
        Some(Refused {
            form: form_name.into(),
            message,
        })
    };
    let amount = if typed.amount.is_empty() {
        None
    } else {
        match Money::parse_euros(&typed.amount) {
            Ok(m) => Some(m),
            Err(_) => {
                let message = lang.text("prize_err_amount").to_owned();
                return render(
                    &state,
                    lang,
                    &csrf,
                    &manager,
                    None,
                    Some(typed),
                    refused(message),
                )
                .await;
            }
        }
    };
    let entry_id = match field(&fields, "entry_id").and_then(|e| e.parse::<i64>().ok()) {
        Some(id) => Some(id),
        None => prizes::admitted_entry(&state.db, &manager, &typed.kennzahl)
            .await
            .map_err(internal)?,
    };
    let (Some(entry_id), Ok(prize_id)) = (entry_id, typed.prize_id.parse::<i64>()) else {
        let message = lang.text("prize_err_entry").to_owned();
        return render(
            &state,
            lang,
            &csrf,
            &manager,
            None,
            Some(typed),
            refused(message),
        )
        .await;
    };
    let request = AwardRequest {
        prize_id,
        entry_id,
        amount,
        reason: typed.reason.clone(),
    };
    match prizes::award(&state.db, &manager, state.now(), request).await {
        Ok(_) => Ok(back(&state, lang, id.0, "prizes_done_awarded")),
        Err(err) => match form_message(lang, &err) {
            Some(message) => {
                render(
                    &state,
                    lang,
                    &csrf,
                    &manager,
                    None,
                    Some(typed),
                    refused(message),
                )
                .await
            }
            None => Err(refusal(&state, lang, err)),
        },
    }
}

#[handler]
pub async fn withdraw(
    Path((id, award_id)): Path<(i64, i64)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm {
        lang,
        current,
        fields,
    } = form;
    let manager = manager_from_form(&state, lang, &current.user, id).await?;
    let reason = field(&fields, "reason").unwrap_or_default();
    match prizes::withdraw(&state.db, &manager, state.now(), award_id, reason).await {
        Ok(_) => Ok(back(&state, lang, id, "prizes_done_withdrawn")),
        Err(err) => match form_message(lang, &err) {
            Some(message) => {
                let csrf = current.session.csrf_token.clone();
                let refused = Some(Refused {
                    form: format!("withdraw-{award_id}"),
                    message,
                });
                render(&state, lang, &csrf, &manager, None, None, refused).await
            }
            None => Err(refusal(&state, lang, err)),
        },
    }
}

#[derive(Serialize)]
struct BudgetView {
    name: String,
    planned: String,
    awarded: String,
    remaining: String,
}

#[derive(Serialize)]
struct Bar {
    name: String,
    y: usize,
    planned_width: f64,
    awarded_width: f64,
    label: String,
}

/// The programme's budget overview (administrators), with its chart.
#[handler]
pub async fn budget(member: Administrator, state: Data<&AppState>) -> poem::Result<Response> {
    let Administrator { lang, current, .. } = member;
    let admin = admin_of(&state, lang, &current.user)?;
    let all = programmes::list(&state.db).await.map_err(internal)?;
    let Some(programme) = all.first() else {
        return Ok(state.pages.message(lang, StatusCode::NOT_FOUND));
    };
    let overview = prizes::overview(&state.db, &admin, programme.id)
        .await
        .map_err(internal)?;
    let line = |r: &prizes::BudgetRow| BudgetView {
        name: r.name.clone(),
        planned: view::money(lang, r.planned),
        awarded: view::money(lang, r.awarded),
        remaining: view::money(lang, r.remaining),
    };
    // The chart: one bar per competition, its length the planned prize money
    // against the largest, the awarded part filled.
    let widest = overview
        .competitions
        .iter()
        .map(|(_, r)| r.planned.cents())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let bars: Vec<Bar> = overview
        .competitions
        .iter()
        .enumerate()
        .map(|(i, (_, r))| Bar {
            name: r.name.clone(),
            y: i * 28,
            planned_width: 400.0 * r.planned.cents() as f64 / widest,
            awarded_width: 400.0 * r.awarded.cents().min(r.planned.cents()) as f64 / widest,
            label: format!(
                "{} / {}",
                view::money(lang, r.awarded),
                view::money(lang, r.planned)
            ),
        })
        .collect();
    let mut context = Context::new();
    context.insert("programme", &line(&overview.programme));
    context.insert(
        "budget",
        &view::money(lang, programme.budget().map_err(|e| internal(e.into()))?),
    );
    context.insert(
        "phases",
        &overview.phases.iter().map(line).collect::<Vec<_>>(),
    );
    context.insert(
        "competitions",
        &overview
            .competitions
            .iter()
            .map(|(_, r)| (r.id, line(r)))
            .collect::<Vec<_>>(),
    );
    context.insert("overall", &overview.overall.as_ref().map(line));
    context.insert("bars", &bars);
    context.insert("chart_height", &(bars.len() * 28 + 8));
    let html = state
        .pages
        .render_html("staff_budget.html", lang, "/verwaltung/budget", context);
    Ok(state.pages.respond(lang, html))
}
