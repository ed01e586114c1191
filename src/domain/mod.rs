//! The rules of an idea competition, free of HTTP and storage.

pub mod attachments;
pub mod edit;
pub mod entries;
pub mod entry_form;
pub mod guards;
pub mod lifecycle;
pub mod money;
pub mod roles;
pub mod time;

pub use guards::{
    GuardError, LifecycleError, SubmissionWindow, TransitionCommand, TransitionDecision,
};
pub use lifecycle::{CompetitionState, LifecycleEvent, TransitionError};
pub use money::Money;
