//! What happened, as the outbox keeps it: one enum, built by the use case that
//! caused it and matched exhaustively by the notification catalogue, so an event
//! without a decision about its emails does not compile.
//!
//! Stored as JSON tagged by `type` (e.g. `"competition.opened"`); the tag is also
//! kept in its own column for queries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lifecycle::{CompetitionState, LifecycleEvent};

/// An email to one person, composed when the event happened: the address, the
/// language, and the template's variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonalMail {
    pub email: String,
    pub locale: String,
    /// The competition the mail is about, for the outbox's filter.
    pub competition_id: Option<i64>,
    pub context: Value,
}

/// A competition moved from one lifecycle state to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transitioned {
    pub competition_id: i64,
    pub slug: String,
    pub from: CompetitionState,
    pub to: CompetitionState,
    pub reason: Option<String>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
}

/// An open competition's deadline moved later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadlineExtended {
    pub competition_id: i64,
    pub slug: String,
    pub previous_closes_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DomainEvent {
    #[serde(rename = "user.sign_in_requested")]
    SignInRequested { sign_in_id: i64, mail: PersonalMail },
    #[serde(rename = "user.invited")]
    UserInvited { user_id: i64, mail: PersonalMail },
    #[serde(rename = "subscription.requested")]
    SubscriptionRequested {
        subscription_id: i64,
        mail: PersonalMail,
    },
    #[serde(rename = "ballot.requested")]
    BallotRequested { ballot_id: i64, mail: PersonalMail },
    #[serde(rename = "entry.submitted")]
    EntrySubmitted { entry_id: i64, mail: PersonalMail },
    #[serde(rename = "entry.withdrawn")]
    EntryWithdrawn { entry_id: i64, mail: PersonalMail },
    #[serde(rename = "entry.deadline_reminder")]
    DeadlineReminder { entry_id: i64, mail: PersonalMail },
    #[serde(rename = "entry.coauthor_invited")]
    CoauthorInvited { entry_id: i64, mail: PersonalMail },
    #[serde(rename = "entry.excluded")]
    EntryExcluded { entry_id: i64, mail: PersonalMail },
    #[serde(rename = "jury.invited")]
    JuryInvited {
        competition_id: i64,
        mail: PersonalMail,
    },
    #[serde(rename = "jury.reminded")]
    JuryReminded {
        competition_id: i64,
        mail: PersonalMail,
    },
    #[serde(rename = "competition.scheduled")]
    CompetitionScheduled(Transitioned),
    #[serde(rename = "competition.opened")]
    CompetitionOpened(Transitioned),
    #[serde(rename = "competition.closed")]
    CompetitionClosed(Transitioned),
    #[serde(rename = "competition.reopened")]
    CompetitionReopened(Transitioned),
    #[serde(rename = "competition.review_started")]
    ReviewStarted(Transitioned),
    #[serde(rename = "competition.decided")]
    CompetitionDecided(Transitioned),
    #[serde(rename = "competition.review_reopened")]
    ReviewReopened(Transitioned),
    #[serde(rename = "competition.announced")]
    CompetitionAnnounced(Transitioned),
    #[serde(rename = "competition.archived")]
    CompetitionArchived(Transitioned),
    #[serde(rename = "competition.cancelled")]
    CompetitionCancelled(Transitioned),
    #[serde(rename = "competition.deadline_extended")]
    DeadlineExtended(DeadlineExtended),
}

/// What an event is about, for the outbox's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub kind: &'static str,
    pub id: i64,
}

impl DomainEvent {
    /// The event of a lifecycle transition.
    pub fn transitioned(event: LifecycleEvent, facts: Transitioned) -> Self {
        match event {
            LifecycleEvent::Schedule => Self::CompetitionScheduled(facts),
            LifecycleEvent::Open => Self::CompetitionOpened(facts),
            LifecycleEvent::Close => Self::CompetitionClosed(facts),
            LifecycleEvent::Reopen => Self::CompetitionReopened(facts),
            LifecycleEvent::StartReview => Self::ReviewStarted(facts),
            LifecycleEvent::Decide => Self::CompetitionDecided(facts),
            LifecycleEvent::ReopenReview => Self::ReviewReopened(facts),
            LifecycleEvent::Announce => Self::CompetitionAnnounced(facts),
            LifecycleEvent::Archive => Self::CompetitionArchived(facts),
            LifecycleEvent::Cancel => Self::CompetitionCancelled(facts),
        }
    }

    /// The tag, e.g. `competition.opened`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SignInRequested { .. } => "user.sign_in_requested",
            Self::UserInvited { .. } => "user.invited",
            Self::SubscriptionRequested { .. } => "subscription.requested",
            Self::BallotRequested { .. } => "ballot.requested",
            Self::EntrySubmitted { .. } => "entry.submitted",
            Self::EntryWithdrawn { .. } => "entry.withdrawn",
            Self::DeadlineReminder { .. } => "entry.deadline_reminder",
            Self::CoauthorInvited { .. } => "entry.coauthor_invited",
            Self::EntryExcluded { .. } => "entry.excluded",
            Self::JuryInvited { .. } => "jury.invited",
            Self::JuryReminded { .. } => "jury.reminded",
            Self::CompetitionScheduled(_) => "competition.scheduled",
            Self::CompetitionOpened(_) => "competition.opened",
            Self::CompetitionClosed(_) => "competition.closed",
            Self::CompetitionReopened(_) => "competition.reopened",
            Self::ReviewStarted(_) => "competition.review_started",
            Self::CompetitionDecided(_) => "competition.decided",
            Self::ReviewReopened(_) => "competition.review_reopened",
            Self::CompetitionAnnounced(_) => "competition.announced",
            Self::CompetitionArchived(_) => "competition.archived",
            Self::CompetitionCancelled(_) => "competition.cancelled",
            Self::DeadlineExtended(_) => "competition.deadline_extended",
        }
    }

    /// What the event is about.
    pub fn subject(&self) -> Subject {
        let (kind, id) = match self {
            Self::SignInRequested { sign_in_id, .. } => ("sign_in", *sign_in_id),
            Self::UserInvited { user_id, .. } => ("user", *user_id),
            Self::SubscriptionRequested {
                subscription_id, ..
            } => ("subscription", *subscription_id),
            Self::BallotRequested { ballot_id, .. } => ("ballot", *ballot_id),
            Self::EntrySubmitted { entry_id, .. }
            | Self::EntryWithdrawn { entry_id, .. }
            | Self::DeadlineReminder { entry_id, .. }
            | Self::CoauthorInvited { entry_id, .. }
            | Self::EntryExcluded { entry_id, .. } => ("entry", *entry_id),
            Self::JuryInvited { competition_id, .. }
            | Self::JuryReminded { competition_id, .. } => ("competition", *competition_id),
            Self::CompetitionScheduled(t)
            | Self::CompetitionOpened(t)
            | Self::CompetitionClosed(t)
            | Self::CompetitionReopened(t)
            | Self::ReviewStarted(t)
            | Self::CompetitionDecided(t)
            | Self::ReviewReopened(t)
            | Self::CompetitionAnnounced(t)
            | Self::CompetitionArchived(t)
            | Self::CompetitionCancelled(t) => ("competition", t.competition_id),
            Self::DeadlineExtended(d) => ("competition", d.competition_id),
        };
        Subject { kind, id }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_are_tagged_by_name_and_read_back() {
        let event = DomainEvent::EntrySubmitted {
            entry_id: 7,
            mail: PersonalMail {
                email: "anna@example.de".into(),
                locale: "de".into(),
                competition_id: Some(3),
                context: json!({ "entry_title": "Solarbänke" }),
            },
        };
        let stored = serde_json::to_value(&event).unwrap();
        assert_eq!(stored["type"], event.name());
        assert_eq!(
            serde_json::from_value::<DomainEvent>(stored).unwrap(),
            event
        );
        assert_eq!(
            event.subject(),
            Subject {
                kind: "entry",
                id: 7
            }
        );
    }

    #[test]
    fn every_lifecycle_event_has_its_own_name() {
        let facts = Transitioned {
            competition_id: 1,
            slug: "x".into(),
            from: CompetitionState::Open,
            to: CompetitionState::Closed,
            reason: None,
            opens_at: None,
            closes_at: None,
        };
        let mut names: Vec<&str> = LifecycleEvent::ALL
            .into_iter()
            .map(|e| DomainEvent::transitioned(e, facts.clone()).name())
            .collect();
        let stored = serde_json::to_value(DomainEvent::transitioned(
            LifecycleEvent::Close,
            facts.clone(),
        ))
        .unwrap();
        assert_eq!(stored["type"], "competition.closed");
        assert_eq!(stored["competition_id"], 1);
        names.sort();
        names.dedup();
        assert_eq!(names.len(), LifecycleEvent::ALL.len());
    }
}
