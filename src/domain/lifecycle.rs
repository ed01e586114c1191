//! The competition lifecycle: which state follows which event.
//!
//! `transition` is the whole state machine as one exhaustive `match`; the guards
//! that depend on dates and reasons live in [`super::guards`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a competition stands between the call for entries and the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompetitionState {
    /// Being prepared by staff; not public.
    Draft,
    /// Published with a submission window that has not started yet.
    Scheduled,
    /// Accepting entries.
    Open,
    /// The deadline has passed; no more entries.
    Closed,
    /// The jury is assessing the entries.
    InReview,
    /// The jury's ranking is fixed; results are not public yet.
    Decided,
    /// Results are public.
    Announced,
    /// Finished and kept for the record.
    Archived,
    /// Called off before the announcement.
    Cancelled,
}

/// Something that moves a competition from one state to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleEvent {
    Schedule,
    Open,
    Close,
    Reopen,
    StartReview,
    Decide,
    /// A correction after the result was locked: back to the review, with a reason.
    ReopenReview,
    Announce,
    Archive,
    Cancel,
}

/// The event is not allowed in the current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a competition in state `{from}` cannot take the event `{event}`")]
pub struct TransitionError {
    pub from: CompetitionState,
    pub event: LifecycleEvent,
}

impl CompetitionState {
    pub const ALL: [CompetitionState; 9] = [
        Self::Draft,
        Self::Scheduled,
        Self::Open,
        Self::Closed,
        Self::InReview,
        Self::Decided,
        Self::Announced,
        Self::Archived,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Open => "open",
            Self::Closed => "closed",
            Self::InReview => "in_review",
            Self::Decided => "decided",
            Self::Announced => "announced",
            Self::Archived => "archived",
            Self::Cancelled => "cancelled",
        }
    }

    /// Events this state accepts, in lifecycle order.
    pub fn allowed_events(self) -> Vec<LifecycleEvent> {
        LifecycleEvent::ALL
            .into_iter()
            .filter(|event| transition(self, *event).is_ok())
            .collect()
    }

    /// States reachable with one event from this one.
    pub fn allowed_next_states(self) -> Vec<CompetitionState> {
        LifecycleEvent::ALL
            .into_iter()
            .filter_map(|event| transition(self, event).ok())
            .collect()
    }

    /// Whether the public may see the competition at all.
    pub fn is_public(self) -> bool {
        !matches!(self, Self::Draft)
    }
}

impl LifecycleEvent {
    pub const ALL: [LifecycleEvent; 10] = [
        Self::Schedule,
        Self::Open,
        Self::Close,
        Self::Reopen,
        Self::StartReview,
        Self::Decide,
        Self::ReopenReview,
        Self::Announce,
        Self::Archive,
        Self::Cancel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Open => "open",
            Self::Close => "close",
            Self::Reopen => "reopen",
            Self::StartReview => "start_review",
            Self::Decide => "decide",
            Self::ReopenReview => "reopen_review",
            Self::Announce => "announce",
            Self::Archive => "archive",
            Self::Cancel => "cancel",
        }
    }
}

/// The lifecycle as a table: the state after `event`, or why it is not allowed.
///
/// Moving backwards is impossible except `closed → open` (re-opening with a new
/// deadline) and `decided → in_review` (a correction of the locked result); `cancelled` is reachable from every state before `announced`.
pub fn transition(
    from: CompetitionState,
    event: LifecycleEvent,
) -> Result<CompetitionState, TransitionError> {
    use CompetitionState as S;
    use LifecycleEvent as E;
    let to = match (from, event) {
        (S::Draft, E::Schedule) => S::Scheduled,
        (S::Scheduled, E::Open) => S::Open,
        (S::Open, E::Close) => S::Closed,
        (S::Closed, E::Reopen) => S::Open,
        (S::Closed, E::StartReview) => S::InReview,
        (S::InReview, E::Decide) => S::Decided,
        (S::Decided, E::ReopenReview) => S::InReview,
        (S::Decided, E::Announce) => S::Announced,
        (S::Announced | S::Cancelled, E::Archive) => S::Archived,
        (S::Draft | S::Scheduled | S::Open | S::Closed | S::InReview | S::Decided, E::Cancel) => {
            S::Cancelled
        }
        (
            S::Draft
            | S::Scheduled
            | S::Open
            | S::Closed
            | S::InReview
            | S::Decided
            | S::Announced
            | S::Archived
            | S::Cancelled,
            E::Schedule
            | E::Open
            | E::Close
            | E::Reopen
            | E::StartReview
            | E::Decide
            | E::ReopenReview
            | E::Announce
            | E::Archive
            | E::Cancel,
        ) => return Err(TransitionError { from, event }),
    };
    Ok(to)
}

impl fmt::Display for CompetitionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for LifecycleEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored state string that names no state: the database was edited by hand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown competition state `{0}`")]
pub struct UnknownState(pub String);

impl FromStr for CompetitionState {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownState(s.to_owned()))
    }
}

/// Why a competition belongs on the staff dashboard's "needs attention" list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attention {
    /// Open, and its deadline is within [`CLOSING_SOON_DAYS`] days.
    ClosingSoon,
    /// Closed, and nobody has started the review yet.
    AwaitingReview,
}

/// How close a deadline counts as "closing soon".
pub const CLOSING_SOON_DAYS: i64 = 7;

/// Whether staff should look at a competition now, and why.
pub fn attention(
    state: CompetitionState,
    closes_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Attention> {
    match (state, closes_at) {
        (CompetitionState::Open, Some(deadline))
            if deadline > now && deadline - now <= chrono::Duration::days(CLOSING_SOON_DAYS) =>
        {
            Some(Attention::ClosingSoon)
        }
        (CompetitionState::Closed, _) => Some(Attention::AwaitingReview),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CompetitionState as S;
    use LifecycleEvent as E;
    use proptest::prelude::*;

    /// Every allowed (state, event) pair; everything else must be rejected.
    const ALLOWED: &[(S, E, S)] = &[
        (S::Draft, E::Schedule, S::Scheduled),
        (S::Draft, E::Cancel, S::Cancelled),
        (S::Scheduled, E::Open, S::Open),
        (S::Scheduled, E::Cancel, S::Cancelled),
        (S::Open, E::Close, S::Closed),
        (S::Open, E::Cancel, S::Cancelled),
        (S::Closed, E::Reopen, S::Open),
        (S::Closed, E::StartReview, S::InReview),
        (S::Closed, E::Cancel, S::Cancelled),
        (S::InReview, E::Decide, S::Decided),
        (S::InReview, E::Cancel, S::Cancelled),
        (S::Decided, E::ReopenReview, S::InReview),
        (S::Decided, E::Announce, S::Announced),
        (S::Decided, E::Cancel, S::Cancelled),
        (S::Announced, E::Archive, S::Archived),
        (S::Cancelled, E::Archive, S::Archived),
    ];

    #[test]
    fn every_state_and_event_is_decided_by_the_table() {
        for from in S::ALL {
            for event in E::ALL {
                let expected = ALLOWED
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                match expected {
                    Some(to) => assert_eq!(transition(from, event), Ok(to), "{from} + {event}"),
                    None => assert_eq!(
                        transition(from, event),
                        Err(TransitionError { from, event }),
                        "{from} + {event} must be rejected"
                    ),
                }
            }
        }
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in S::ALL {
            assert_eq!(state.as_str().parse::<S>(), Ok(state));
        }
        assert!("opened".parse::<S>().is_err());
    }

    #[test]
    fn nothing_leaves_the_archive() {
        assert!(S::Archived.allowed_events().is_empty());
    }

    #[test]
    fn cancel_is_possible_exactly_before_the_announcement() {
        for state in S::ALL {
            let before_announcement = !matches!(state, S::Announced | S::Archived | S::Cancelled);
            assert_eq!(
                transition(state, E::Cancel).is_ok(),
                before_announcement,
                "{state}"
            );
        }
    }

    /// Position along the main path; backwards moves lower it.
    fn rank(state: S) -> u8 {
        match state {
            S::Draft => 0,
            S::Scheduled => 1,
            S::Open => 2,
            S::Closed => 3,
            S::InReview => 4,
            S::Decided => 5,
            S::Announced => 6,
            S::Cancelled => 7,
            S::Archived => 8,
        }
    }

    proptest! {
        #[test]
        fn no_sequence_of_events_leaves_the_known_states_or_goes_back(
            events in proptest::collection::vec(proptest::sample::select(E::ALL.to_vec()), 0..64)
        ) {
            let mut state = S::Draft;
            for event in events {
                match transition(state, event) {
                    Ok(next) => {
                        prop_assert!(S::ALL.contains(&next));
                        let backwards = rank(next) < rank(state);
                        prop_assert!(!backwards
                            || (state == S::Closed && next == S::Open)
                            || (state == S::Decided && next == S::InReview),
                            "{} -> {} goes backwards", state, next);
                        prop_assert!(state.allowed_next_states().contains(&next));
                        state = next;
                    }
                    Err(err) => {
                        prop_assert_eq!(err.from, state);
                        prop_assert!(!state.allowed_events().contains(&event));
                    }
                }
            }
        }
    }

    #[test]
    fn competitions_closing_within_a_week_or_closed_without_review_need_attention() {
        use chrono::{Duration, TimeZone, Utc};
        let now = Utc.with_ymd_and_hms(2020, 9, 24, 12, 0, 0).unwrap();
        let open = CompetitionState::Open;
        assert_eq!(
            attention(open, Some(now + Duration::days(7)), now),
            Some(Attention::ClosingSoon)
        );
        assert_eq!(attention(open, Some(now + Duration::days(8)), now), None);
        assert_eq!(attention(open, Some(now - Duration::hours(1)), now), None);
        assert_eq!(attention(open, None, now), None);
        assert_eq!(
            attention(CompetitionState::Closed, None, now),
            Some(Attention::AwaitingReview)
        );
        for quiet in [
            CompetitionState::Draft,
            CompetitionState::Scheduled,
            CompetitionState::InReview,
            CompetitionState::Announced,
        ] {
            assert_eq!(attention(quiet, Some(now + Duration::days(1)), now), None);
        }
    }
}
