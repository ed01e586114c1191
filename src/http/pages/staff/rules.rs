//! The rules' refusals in the page's language, for every staff form: what the
//! rule is, and what to do instead. The rules themselves are in `domain::edit`.

use super::super::i18n::Lang;
use super::when;
use crate::domain::edit::EditError;
use crate::domain::prizes::OverBudget;
use crate::services::ServiceError;

fn state_label(lang: Lang, state: crate::domain::CompetitionState) -> String {
    lang.text(&format!("state_{state}")).to_owned()
}

/// Why an edit of a competition is refused.
pub(super) fn edit_message(lang: Lang, err: &EditError) -> String {
    let with_state =
        |key: &str, state| lang.text_with(key, &[("state", state_label(lang, state).into())]);
    match err {
        EditError::Frozen { state } => with_state("edit_frozen", *state),
        EditError::OpeningFixed { state } => with_state("edit_opening_fixed", *state),
        EditError::DeadlineFixed { state } => with_state("edit_deadline_fixed", *state),
        EditError::PrizeMoneyFixed { state } => with_state("edit_prize_fixed", *state),
        EditError::FormFixed { state } => with_state("edit_form_fixed", *state),
        EditError::DeadlineShortened { current } => lang.text_with(
            "edit_deadline_shortened",
            &[("current", when(lang, *current).into())],
        ),
        EditError::DeadlineInPast => lang.text("edit_deadline_past").to_owned(),
        EditError::WindowOrder => lang.text("step_window_order").to_owned(),
    }
}

/// Why prize money or a budget is refused.
pub(super) fn budget_message(lang: Lang, err: &OverBudget) -> String {
    let money = |m| super::super::view::money(lang, m);
    lang.text_with(
        "edit_over_budget",
        &[
            ("total", money(err.total).into()),
            ("budget", money(err.budget).into()),
        ],
    )
}

/// The message for a refusal a staff form shows in place, or `None` for the
/// refusals that get a page of their own (not found, forbidden, failures).
pub(super) fn form_message(lang: Lang, err: &ServiceError) -> Option<String> {
    Some(match err {
        ServiceError::Edit(edit) => edit_message(lang, edit),
        ServiceError::OverBudget(over) => budget_message(lang, over),
        ServiceError::Duplicate { field: "slug", .. } => lang.text("edit_slug_taken").to_owned(),
        ServiceError::Duplicate {
            field: "number", ..
        } => lang.text("programme_phase_taken").to_owned(),
        ServiceError::Invalid { field: "goals", .. } => lang.text("programme_goals_bad").to_owned(),
        ServiceError::Invalid {
            field: "closes_at", ..
        } => lang.text("step_window_order").to_owned(),
        ServiceError::Concurrent(_) => lang.text("step_concurrent").to_owned(),
        _ => return None,
    })
}
