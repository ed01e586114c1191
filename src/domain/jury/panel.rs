//! The panel (Preisgericht) of one competition: a chair, members and deputies,
//! drawn from the programme's pool of jurors. Someone invited sits on the panel
//! once they accept; one who declined or was not asked sees nothing of it.

use serde::{Deserialize, Serialize};

/// A seat on the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelRole {
    /// Leads the sitting, decides rounds where no vote is taken, locks the result.
    Chair,
    /// Scores and votes.
    Member,
    /// Scores, and stands in for an absent member.
    Deputy,
}

impl PanelRole {
    pub const ALL: [Self; 3] = [Self::Chair, Self::Member, Self::Deputy];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chair => "chair",
            Self::Member => "member",
            Self::Deputy => "deputy",
        }
    }
}

named_values!(PanelRole, "panel role");

/// Where an invitation to the panel stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seat {
    Invited,
    Accepted,
    Declined,
}

impl Seat {
    pub fn of(accepted: bool, declined: bool) -> Self {
        match (accepted, declined) {
            (true, _) => Self::Accepted,
            (false, true) => Self::Declined,
            (false, false) => Self::Invited,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
        }
    }
}

/// What someone invited may answer, and what follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Decline,
}

/// Why an answer to an invitation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("you have already accepted; ask staff to take you off the panel")]
    AlreadyAccepted,
    #[error("you have declined; ask staff to invite you again")]
    AlreadyDeclined,
}

/// The seat after `answer`; the same answer twice changes nothing (`Ok(None)`).
pub fn answer(seat: Seat, answer: Answer) -> Result<Option<Seat>, AnswerError> {
    match (seat, answer) {
        (Seat::Invited, Answer::Accept) => Ok(Some(Seat::Accepted)),
        (Seat::Invited, Answer::Decline) => Ok(Some(Seat::Declined)),
        (Seat::Accepted, Answer::Accept) | (Seat::Declined, Answer::Decline) => Ok(None),
        (Seat::Accepted, Answer::Decline) => Err(AnswerError::AlreadyAccepted),
        (Seat::Declined, Answer::Accept) => Err(AnswerError::AlreadyDeclined),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_is_answered_once_and_the_same_answer_again_is_harmless() {
        assert_eq!(
            answer(Seat::Invited, Answer::Accept),
            Ok(Some(Seat::Accepted))
        );
        assert_eq!(
            answer(Seat::Invited, Answer::Decline),
            Ok(Some(Seat::Declined))
        );
        assert_eq!(answer(Seat::Accepted, Answer::Accept), Ok(None));
        assert_eq!(
            answer(Seat::Accepted, Answer::Decline),
            Err(AnswerError::AlreadyAccepted)
        );
        assert_eq!(
            answer(Seat::Declined, Answer::Accept),
            Err(AnswerError::AlreadyDeclined)
        );
        for role in PanelRole::ALL {
            assert_eq!(role.as_str().parse::<PanelRole>(), Ok(role));
        }
    }
}
