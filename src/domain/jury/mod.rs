//! The jury's rules (issue 13), pure and free of IO: the pre-check, the panel,
//! the criteria, conflicts of interest, and how scores become a ranking everyone
//! can follow.

pub mod conflicts;
pub mod criteria;
pub mod panel;
pub mod precheck;
pub mod rounds;
pub mod scoring;

use crate::domain::CompetitionState;

/// Why the jury's rules refuse a step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JuryError {
    #[error(transparent)]
    Precheck(#[from] precheck::PrecheckError),
    #[error(transparent)]
    Criteria(#[from] criteria::CriteriaError),
    #[error(transparent)]
    Mark(#[from] criteria::MarkError),
    #[error(transparent)]
    Answer(#[from] panel::AnswerError),
    #[error(transparent)]
    Ruling(#[from] conflicts::RulingError),
    #[error("scoring is open while the competition is in review (it is `{0}`)")]
    NotScoring(CompetitionState),
    #[error("the panel is fixed once the result is decided (it is `{0}`)")]
    PanelFixed(CompetitionState),
    #[error("only accounts with the role juror can sit on a panel; change the role first")]
    NotAJuror,
    #[error("the panel has a chair already; make them a member first")]
    ChairTaken,
    #[error("the sheet has been submitted; it can no longer be saved as a draft")]
    AlreadySubmitted,
    #[error("give the reason for the conflict of interest")]
    NoReason,
    #[error("this juror has scored already; their sheets stay part of the record")]
    HasScored,
    #[error(transparent)]
    Round(#[from] rounds::RoundError),
    #[error(transparent)]
    NotReady(#[from] rounds::NotReady),
    #[error("only the chair of the panel locks the result")]
    ChairOnly,
}

/// Whether jurors may score now.
pub fn may_score(state: CompetitionState) -> Result<(), JuryError> {
    match state {
        CompetitionState::InReview => Ok(()),
        other => Err(JuryError::NotScoring(other)),
    }
}

/// Whether the panel may still change (invitations, seats, settings).
pub fn may_change_panel(state: CompetitionState) -> Result<(), JuryError> {
    match state {
        CompetitionState::Decided
        | CompetitionState::Announced
        | CompetitionState::Archived
        | CompetitionState::Cancelled => Err(JuryError::PanelFixed(state)),
        _ => Ok(()),
    }
}
