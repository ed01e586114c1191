//! The rules of an idea competition, free of HTTP and storage.

/// `Display` and `FromStr` for a domain enum with `ALL` and `as_str`: the one
/// place where its names are spelled is `as_str`.
macro_rules! named_values {
    ($type:ty, $what:literal) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $type {
            type Err = $crate::domain::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .into_iter()
                    .find(|value| value.as_str() == s)
                    .ok_or_else(|| $crate::domain::UnknownValue {
                        what: $what,
                        value: s.to_owned(),
                        known: Self::ALL
                            .iter()
                            .map(|v| v.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            }
        }
    };
}

/// A name that none of a domain enum's values has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`; use one of: {known}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub known: String,
}

pub mod announcement;
pub mod attachments;
pub mod delivery;
pub mod edit;
pub mod email_address;
pub mod entries;
pub mod entry_form;
pub mod events;
pub mod guards;
pub mod jury;
pub mod lifecycle;
pub mod money;
pub mod news;
pub mod payout;
pub mod prizes;
pub mod roles;
pub mod time;
pub mod vote;

pub use guards::{
    GuardError, LifecycleError, SubmissionWindow, TransitionCommand, TransitionDecision,
};
pub use lifecycle::{CompetitionState, LifecycleEvent, TransitionError};
pub use money::Money;
