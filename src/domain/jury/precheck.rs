//! The pre-check (Vorprüfung): before the jury sees anything, staff admit each
//! submitted entry or exclude it for a reason from a fixed list, with free text.
//! Excluded entrants are told why; the counts and reasons are the pre-check
//! report of the Protokoll.

use serde::{Deserialize, Serialize};

use crate::domain::CompetitionState;

/// Why an entry is excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// Arrived after the deadline.
    Late,
    /// Not about the competition's task.
    OffTopic,
    /// Missing what the call asked for.
    Incomplete,
    /// The same idea entered twice.
    Duplicate,
    /// The entrant is not in the target group.
    NotEligible,
}

impl ExclusionReason {
    pub const ALL: [Self; 5] = [
        Self::Late,
        Self::OffTopic,
        Self::Incomplete,
        Self::Duplicate,
        Self::NotEligible,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Late => "late",
            Self::OffTopic => "off_topic",
            Self::Incomplete => "incomplete",
            Self::Duplicate => "duplicate",
            Self::NotEligible => "not_eligible",
        }
    }
}

named_values!(ExclusionReason, "exclusion reason");

impl ExclusionReason {
    /// What the reason says, in both languages (pages, emails, the Protokoll).
    pub fn label(self) -> crate::domain::entry_form::Localized {
        use crate::domain::entry_form::Localized;
        match self {
            Self::Late => Localized::new(
                "nach Einsendeschluss eingegangen",
                "arrived after the deadline",
            ),
            Self::OffTopic => Localized::new(
                "nicht zur Aufgabe des Wettbewerbs",
                "not about the competition's task",
            ),
            Self::Incomplete => Localized::new("unvollständig", "incomplete"),
            Self::Duplicate => Localized::new("doppelt eingereicht", "entered twice"),
            Self::NotEligible => Localized::new("nicht teilnahmeberechtigt", "not eligible"),
        }
    }
}

/// The outcome of the pre-check for one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict", content = "reason")]
pub enum Verdict {
    Admitted,
    Excluded(ExclusionReason),
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admitted => "admitted",
            Self::Excluded(_) => "excluded",
        }
    }

    pub fn reason(self) -> Option<ExclusionReason> {
        match self {
            Self::Admitted => None,
            Self::Excluded(reason) => Some(reason),
        }
    }
}

/// Why the pre-check cannot be changed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PrecheckError {
    #[error("the pre-check starts when the competition has closed (it is `{0}`)")]
    NotClosed(CompetitionState),
    #[error("the pre-check is over: the jury has started scoring")]
    ScoringStarted,
    #[error("only submitted entries are pre-checked")]
    NotSubmitted,
}

/// Whether a verdict may be given or changed: after the deadline, in `closed` or
/// `in_review`, and no longer once the first score sheet exists (the jury would
/// lose or gain an entry under its hands).
pub fn may_decide(state: CompetitionState, scoring_started: bool) -> Result<(), PrecheckError> {
    match state {
        CompetitionState::Closed | CompetitionState::InReview if !scoring_started => Ok(()),
        CompetitionState::Closed | CompetitionState::InReview => Err(PrecheckError::ScoringStarted),
        other => Err(PrecheckError::NotClosed(other)),
    }
}

/// The pre-check report: how many were admitted, excluded per reason, and open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub submitted: u64,
    pub admitted: u64,
    pub excluded: Vec<(ExclusionReason, u64)>,
    pub open: u64,
}

impl Report {
    /// From the verdicts given so far and the number of submitted entries.
    pub fn of(submitted: u64, verdicts: &[Verdict]) -> Self {
        let counts: Vec<(Verdict, u64)> = verdicts.iter().map(|v| (*v, 1)).collect();
        Self::from_counts(submitted, &counts)
    }

    /// From how many entries got each verdict (as the database counts them;
    /// a verdict may appear more than once) and the number submitted.
    pub fn from_counts(submitted: u64, counts: &[(Verdict, u64)]) -> Self {
        let total = |wanted: &dyn Fn(&Verdict) -> bool| -> u64 {
            counts
                .iter()
                .filter(|(v, _)| wanted(v))
                .map(|(_, n)| n)
                .sum()
        };
        let admitted = total(&|v| *v == Verdict::Admitted);
        let excluded = ExclusionReason::ALL
            .into_iter()
            .map(|reason| (reason, total(&|v| v.reason() == Some(reason))))
            .filter(|(_, n)| *n > 0)
            .collect();
        let decided = total(&|_| true);
        Self {
            submitted,
            admitted,
            excluded,
            open: submitted.saturating_sub(decided),
        }
    }

    pub fn excluded_total(&self) -> u64 {
        self.excluded.iter().map(|(_, n)| n).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pre_check_runs_between_the_deadline_and_the_first_score() {
        assert_eq!(may_decide(CompetitionState::Closed, false), Ok(()));
        assert_eq!(may_decide(CompetitionState::InReview, false), Ok(()));
        assert_eq!(
            may_decide(CompetitionState::InReview, true),
            Err(PrecheckError::ScoringStarted)
        );
        assert_eq!(
            may_decide(CompetitionState::Open, false),
            Err(PrecheckError::NotClosed(CompetitionState::Open))
        );
    }

    #[test]
    fn the_report_counts_each_reason_and_what_is_still_open() {
        use ExclusionReason::*;
        let report = Report::of(
            6,
            &[
                Verdict::Admitted,
                Verdict::Admitted,
                Verdict::Excluded(Late),
                Verdict::Excluded(Duplicate),
                Verdict::Excluded(Late),
            ],
        );
        assert_eq!(report.admitted, 2);
        assert_eq!(report.excluded, vec![(Late, 2), (Duplicate, 1)]);
        assert_eq!(report.excluded_total(), 3);
        assert_eq!(report.open, 1);
    }
}
