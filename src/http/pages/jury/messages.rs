//! The jury rules' refusals in the page's language, for jurors' and staff's
//! forms alike: what the rule is and what to do.

use super::super::i18n::Lang;
use crate::domain::jury::JuryError;
use crate::domain::jury::conflicts::RulingError;
use crate::domain::jury::criteria::{CriteriaError, MarkError};
use crate::domain::jury::panel::AnswerError;
use crate::domain::jury::precheck::PrecheckError;
use crate::domain::jury::rounds::{NotReady, RoundError};
use crate::services::ServiceError;

fn state_label(lang: Lang, state: crate::domain::CompetitionState) -> String {
    lang.text(&format!("state_{state}")).to_owned()
}

/// The message for a jury refusal, or `None` for what gets a page of its own.
pub(in crate::http::pages) fn jury_message(
    lang: Lang,
    err: &ServiceError,
    label_of: &dyn Fn(&str) -> String,
) -> Option<String> {
    let n = |key: &str, n: usize| lang.text_with(key, &[("n", (n as i64).into())]);
    Some(match err {
        ServiceError::Jury(refused) => match refused {
            JuryError::Precheck(PrecheckError::NotClosed(state)) => lang.text_with(
                "jury_err_precheck_not_closed",
                &[("state", state_label(lang, *state).into())],
            ),
            JuryError::Precheck(PrecheckError::ScoringStarted) => {
                lang.text("jury_err_scoring_started").to_owned()
            }
            JuryError::Precheck(PrecheckError::NotSubmitted) => {
                lang.text("jury_err_not_submitted").to_owned()
            }
            JuryError::Criteria(c) => match c {
                CriteriaError::Count => lang.text("jury_err_criteria_count").to_owned(),
                CriteriaError::Unnamed(i) => n("jury_err_criterion_unnamed", *i),
                CriteriaError::BadKey(i) => n("jury_err_criterion_key", *i),
                CriteriaError::Duplicate(i, _) => n("jury_err_criterion_duplicate", *i),
                CriteriaError::Weight(i) => n("jury_err_criterion_weight", *i),
                CriteriaError::Scale(i) => n("jury_err_criterion_scale", *i),
                CriteriaError::Fixed => lang.text("jury_err_criteria_fixed").to_owned(),
            },
            JuryError::Mark(m) => match m {
                MarkError::Unknown(_) => lang.text("jury_err_mark_unknown").to_owned(),
                MarkError::OutOfScale { key, min, max } => lang.text_with(
                    "jury_err_mark_scale",
                    &[
                        ("criterion", label_of(key).into()),
                        ("min", i64::from(*min).into()),
                        ("max", i64::from(*max).into()),
                    ],
                ),
                MarkError::Missing(key) => lang.text_with(
                    "jury_err_mark_missing",
                    &[("criterion", label_of(key).into())],
                ),
                MarkError::LongComment(key) => {
                    lang.text_with("jury_err_mark_long", &[("criterion", label_of(key).into())])
                }
            },
            JuryError::Answer(AnswerError::AlreadyAccepted) => {
                lang.text("jury_err_already_accepted").to_owned()
            }
            JuryError::Answer(AnswerError::AlreadyDeclined) => {
                lang.text("jury_err_already_declined").to_owned()
            }
            JuryError::Ruling(RulingError::Declared) => {
                lang.text("jury_err_ruling_declared").to_owned()
            }
            JuryError::Ruling(RulingError::NoReason) | JuryError::NoReason => {
                lang.text("jury_err_no_reason").to_owned()
            }
            JuryError::NotScoring(state) => lang.text_with(
                "jury_err_not_scoring",
                &[("state", state_label(lang, *state).into())],
            ),
            JuryError::PanelFixed(state) => lang.text_with(
                "jury_err_panel_fixed",
                &[("state", state_label(lang, *state).into())],
            ),
            JuryError::NotAJuror => lang.text("jury_err_not_a_juror").to_owned(),
            JuryError::ChairTaken => lang.text("jury_err_chair_taken").to_owned(),
            JuryError::AlreadySubmitted => lang.text("jury_err_already_submitted").to_owned(),
            JuryError::HasScored => lang.text("jury_err_has_scored").to_owned(),
            JuryError::ChairOnly => lang.text("jury_err_chair_only").to_owned(),
            JuryError::Round(round) => lang
                .text(match round {
                    RoundError::AlreadyOpen => "jury_err_round_open",
                    RoundError::NoneOpen => "jury_err_no_round",
                    RoundError::AlreadyOut => "jury_err_already_out",
                    RoundError::NoVotes => "jury_err_no_votes",
                    RoundError::NotOnPanel => "jury_err_vote_not_on_panel",
                    RoundError::TieWithoutChair => "jury_err_tie",
                    RoundError::NotChair => "jury_err_chair_only",
                })
                .to_owned(),
            JuryError::NotReady(NotReady::PrecheckOpen(n)) => {
                lang.text_with("jury_err_lock_precheck", &[("n", (*n as i64).into())])
            }
            JuryError::NotReady(NotReady::RoundOpen(n)) => {
                lang.text_with("jury_err_lock_round_open", &[("n", i64::from(*n).into())])
            }
            JuryError::NotReady(NotReady::BelowQuorum { quorum, short }) => lang.text_with(
                "jury_err_lock_quorum",
                &[
                    ("count", (short.len() as i64).into()),
                    ("quorum", i64::from(*quorum).into()),
                    (
                        "kennzahlen",
                        short
                            .iter()
                            .take(10)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                            .into(),
                    ),
                ],
            ),
        },
        ServiceError::Invalid { field, .. } => match *field {
            "quorum" => lang.text("jury_err_quorum").to_owned(),
            "deadline" => lang.text("step_deadline_malformed").to_owned(),
            "remark" | "jury_note" | "reason" | "organisation" => {
                lang.text("jury_err_too_long").to_owned()
            }
            _ => return None,
        },
        ServiceError::Duplicate { .. } => lang.text("jury_err_already_on_panel").to_owned(),
        ServiceError::Concurrent(_) => lang.text("step_concurrent").to_owned(),
        _ => return None,
    })
}
