//! Guards on lifecycle transitions that depend on dates, reasons and the clock.

use chrono::{DateTime, Utc};

use super::lifecycle::{CompetitionState, LifecycleEvent, TransitionError, transition};

/// When entries are accepted. Either bound may be unset while a competition is a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SubmissionWindow {
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
}

/// What staff ask for when they move a competition by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionCommand {
    pub event: LifecycleEvent,
    /// Why; required where the move is unusual (forcing, re-opening, cancelling, closing early).
    pub reason: Option<String>,
    /// Open before the window starts.
    pub force: bool,
    /// The new deadline when re-opening.
    pub new_closes_at: Option<DateTime<Utc>>,
}

/// What a permitted transition does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionDecision {
    pub from: CompetitionState,
    pub to: CompetitionState,
    /// Set when the transition also moves the deadline (re-opening).
    pub new_closes_at: Option<DateTime<Utc>>,
}

/// Why a lifecycle move is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error(transparent)]
    NotAllowed(#[from] TransitionError),
    #[error(transparent)]
    Guard(#[from] GuardError),
}

/// A transition that the state machine allows but the dates or missing details forbid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("set both opens_at and closes_at before scheduling the competition")]
    MissingWindow,
    #[error("opens_at must be before closes_at")]
    WindowOrder,
    #[error(
        "the submission window has already ended (closes_at {closes_at}); set a later closes_at first"
    )]
    WindowOver { closes_at: DateTime<Utc> },
    #[error(
        "the submission window opens at {opens_at}; to open earlier, send force=true with a reason"
    )]
    NotYetOpen { opens_at: DateTime<Utc> },
    #[error("a reason is required for `{event}`")]
    ReasonRequired { event: LifecycleEvent },
    #[error("closing before the deadline ({closes_at}) needs a reason")]
    EarlyCloseNeedsReason { closes_at: DateTime<Utc> },
    #[error("re-opening needs a new deadline: send closes_at later than now")]
    NewDeadlineRequired,
}

impl SubmissionWindow {
    /// Both bounds, in order; otherwise why not.
    pub fn complete(&self) -> Result<(DateTime<Utc>, DateTime<Utc>), GuardError> {
        match (self.opens_at, self.closes_at) {
            (Some(opens), Some(closes)) if opens < closes => Ok((opens, closes)),
            (Some(_), Some(_)) => Err(GuardError::WindowOrder),
            _ => Err(GuardError::MissingWindow),
        }
    }

    /// Entries are accepted at `now`.
    pub fn contains(&self, now: DateTime<Utc>) -> bool {
        matches!(self.complete(), Ok((opens, closes)) if opens <= now && now < closes)
    }
}

fn has_reason(reason: &Option<String>) -> bool {
    reason.as_deref().is_some_and(|r| !r.trim().is_empty())
}

/// Decides a transition asked for by staff at `now`.
pub fn decide(
    state: CompetitionState,
    window: SubmissionWindow,
    command: &TransitionCommand,
    now: DateTime<Utc>,
) -> Result<TransitionDecision, LifecycleError> {
    let to = transition(state, command.event)?;
    let mut new_closes_at = None;
    match command.event {
        LifecycleEvent::Schedule => {
            let (_, closes) = window.complete()?;
            if closes <= now {
                return Err(GuardError::WindowOver { closes_at: closes }.into());
            }
        }
        LifecycleEvent::Open => {
            let (opens, closes) = window.complete()?;
            if closes <= now {
                return Err(GuardError::WindowOver { closes_at: closes }.into());
            }
            if now < opens && !(command.force && has_reason(&command.reason)) {
                return Err(GuardError::NotYetOpen { opens_at: opens }.into());
            }
        }
        LifecycleEvent::Close => {
            if let Some(closes) = window.closes_at
                && now < closes
                && !has_reason(&command.reason)
            {
                return Err(GuardError::EarlyCloseNeedsReason { closes_at: closes }.into());
            }
        }
        LifecycleEvent::Reopen => {
            if !has_reason(&command.reason) {
                return Err(GuardError::ReasonRequired {
                    event: command.event,
                }
                .into());
            }
            match command.new_closes_at {
                Some(closes) if closes > now => new_closes_at = Some(closes),
                _ => return Err(GuardError::NewDeadlineRequired.into()),
            }
        }
        LifecycleEvent::Cancel | LifecycleEvent::ReopenReview => {
            if !has_reason(&command.reason) {
                return Err(GuardError::ReasonRequired {
                    event: command.event,
                }
                .into());
            }
        }
        LifecycleEvent::StartReview
        | LifecycleEvent::Decide
        | LifecycleEvent::Announce
        | LifecycleEvent::Archive => {}
    }
    Ok(TransitionDecision {
        from: state,
        to,
        new_closes_at,
    })
}

/// The transition the clock makes at `now`, if any: opening at `opens_at`,
/// closing at `closes_at` (a catch-up after downtime takes two calls).
pub fn due_event(
    state: CompetitionState,
    window: SubmissionWindow,
    now: DateTime<Utc>,
) -> Option<LifecycleEvent> {
    match state {
        CompetitionState::Scheduled if window.opens_at.is_some_and(|at| at <= now) => {
            Some(LifecycleEvent::Open)
        }
        CompetitionState::Open if window.closes_at.is_some_and(|at| at <= now) => {
            Some(LifecycleEvent::Close)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CompetitionState as S;
    use LifecycleEvent as E;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 6, day, 12, 0, 0).unwrap()
    }

    fn window(opens: u32, closes: u32) -> SubmissionWindow {
        SubmissionWindow {
            opens_at: Some(at(opens)),
            closes_at: Some(at(closes)),
        }
    }

    fn command(event: E) -> TransitionCommand {
        TransitionCommand {
            event,
            reason: None,
            force: false,
            new_closes_at: None,
        }
    }

    fn with_reason(event: E) -> TransitionCommand {
        TransitionCommand {
            reason: Some("Stadtratsbeschluss".into()),
            ..command(event)
        }
    }

    #[test]
    fn scheduling_needs_a_complete_window_that_ends_in_the_future() {
        let cases = [
            (
                SubmissionWindow::default(),
                at(1),
                Err(GuardError::MissingWindow),
            ),
            (window(10, 5), at(1), Err(GuardError::WindowOrder)),
            (
                window(2, 5),
                at(6),
                Err(GuardError::WindowOver { closes_at: at(5) }),
            ),
            (window(2, 5), at(3), Ok(S::Scheduled)),
            (window(2, 5), at(1), Ok(S::Scheduled)),
        ];
        for (w, now, expected) in cases {
            let got = decide(S::Draft, w, &command(E::Schedule), now).map(|d| d.to);
            assert_eq!(
                got,
                expected.map_err(LifecycleError::from),
                "{w:?} at {now}"
            );
        }
    }

    #[test]
    fn opening_early_needs_force_and_a_reason() {
        let w = window(10, 20);
        let early = decide(S::Scheduled, w, &command(E::Open), at(5));
        assert_eq!(
            early,
            Err(GuardError::NotYetOpen { opens_at: at(10) }.into())
        );
        let forced_without_reason = TransitionCommand {
            force: true,
            ..command(E::Open)
        };
        assert!(decide(S::Scheduled, w, &forced_without_reason, at(5)).is_err());
        let forced = TransitionCommand {
            force: true,
            ..with_reason(E::Open)
        };
        assert_eq!(
            decide(S::Scheduled, w, &forced, at(5)).map(|d| d.to),
            Ok(S::Open)
        );
        assert_eq!(
            decide(S::Scheduled, w, &command(E::Open), at(10)).map(|d| d.to),
            Ok(S::Open)
        );
        assert!(decide(S::Scheduled, w, &command(E::Open), at(21)).is_err());
    }

    #[test]
    fn closing_early_needs_a_reason() {
        let w = window(1, 20);
        assert!(decide(S::Open, w, &command(E::Close), at(5)).is_err());
        assert!(decide(S::Open, w, &with_reason(E::Close), at(5)).is_ok());
        assert!(decide(S::Open, w, &command(E::Close), at(20)).is_ok());
    }

    #[test]
    fn reopening_needs_a_reason_and_a_future_deadline() {
        let w = window(1, 10);
        let now = at(12);
        assert!(decide(S::Closed, w, &command(E::Reopen), now).is_err());
        let past = TransitionCommand {
            new_closes_at: Some(at(11)),
            ..with_reason(E::Reopen)
        };
        assert_eq!(
            decide(S::Closed, w, &past, now),
            Err(GuardError::NewDeadlineRequired.into())
        );
        let future = TransitionCommand {
            new_closes_at: Some(at(28)),
            ..with_reason(E::Reopen)
        };
        let decision = decide(S::Closed, w, &future, now).unwrap();
        assert_eq!(
            (decision.to, decision.new_closes_at),
            (S::Open, Some(at(28)))
        );
    }

    #[test]
    fn cancelling_needs_a_reason() {
        let blank = TransitionCommand {
            reason: Some("  ".into()),
            ..command(E::Cancel)
        };
        assert!(decide(S::Open, window(1, 10), &blank, at(2)).is_err());
        assert!(decide(S::Open, window(1, 10), &with_reason(E::Cancel), at(2)).is_ok());
    }

    #[test]
    fn illegal_moves_are_refused_before_any_guard() {
        let got = decide(S::Announced, window(1, 10), &with_reason(E::Cancel), at(2));
        assert!(matches!(got, Err(LifecycleError::NotAllowed(_))));
    }

    #[test]
    fn the_clock_opens_and_closes_on_time() {
        let w = window(10, 20);
        let cases = [
            (S::Scheduled, at(9), None),
            (S::Scheduled, at(10), Some(E::Open)),
            (S::Open, at(19), None),
            (S::Open, at(20), Some(E::Close)),
            (S::Draft, at(15), None),
            (S::Closed, at(25), None),
            (S::Cancelled, at(15), None),
        ];
        for (state, now, expected) in cases {
            assert_eq!(due_event(state, w, now), expected, "{state} at {now}");
        }
    }

    #[test]
    fn the_window_contains_its_start_but_not_its_end() {
        let w = window(10, 20);
        assert!(!w.contains(at(9)));
        assert!(w.contains(at(10)));
        assert!(!w.contains(at(20)));
    }
}
