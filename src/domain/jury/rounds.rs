//! Rounds (Rundgänge) and the decision, as in a German Preisgericht: in each
//! round the panel moves entries on or out, by the chair's decision or by a vote
//! of the members present; a tie is decided by the chair's vote. The result may
//! be locked once every round is closed and every admitted entry has sheets from
//! the quorum of jurors without a conflict.

use serde::{Deserialize, Serialize};

/// What a round decided about an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// On to the next round (or the final ranking).
    On,
    /// Out in this round.
    Out,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::On => "on",
            Self::Out => "out",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "on" => Some(Self::On),
            "out" => Some(Self::Out),
            _ => None,
        }
    }
}

/// One juror's vote on moving an entry on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vote {
    pub juror: i64,
    /// For moving the entry on.
    pub in_favour: bool,
}

/// Why a round's step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundError {
    #[error("a round is open already; close it first")]
    AlreadyOpen,
    #[error("no round is open; open one first")]
    NoneOpen,
    #[error("this entry left in an earlier round")]
    AlreadyOut,
    #[error("record at least one vote")]
    NoVotes,
    #[error("someone voted who does not sit on the panel")]
    NotOnPanel,
    #[error("the votes are tied and the chair did not vote; the chair's vote decides")]
    TieWithoutChair,
    #[error("only the chair decides alone; take a vote instead")]
    NotChair,
}

/// The outcome of a vote: the majority of votes cast; a tie goes the way the
/// chair voted. Returns (outcome, for, against).
pub fn tally(votes: &[Vote], chair: Option<i64>) -> Result<(Outcome, u32, u32), RoundError> {
    if votes.is_empty() {
        return Err(RoundError::NoVotes);
    }
    let pro = votes.iter().filter(|v| v.in_favour).count() as u32;
    let contra = votes.len() as u32 - pro;
    let outcome = match pro.cmp(&contra) {
        std::cmp::Ordering::Greater => Outcome::On,
        std::cmp::Ordering::Less => Outcome::Out,
        std::cmp::Ordering::Equal => {
            let chair_vote = chair
                .and_then(|c| votes.iter().find(|v| v.juror == c))
                .ok_or(RoundError::TieWithoutChair)?;
            if chair_vote.in_favour {
                Outcome::On
            } else {
                Outcome::Out
            }
        }
    };
    Ok((outcome, pro, contra))
}

/// Why the result cannot be locked yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotReady {
    #[error("{0} submitted entries have no pre-check verdict yet; admit or exclude them first")]
    PrecheckOpen(u64),
    #[error("round {0} is still open; close it first")]
    RoundOpen(u32),
    #[error(
        "{} admitted entries have fewer than {quorum} sheets from jurors without a conflict (e.g. Kennzahl {})",
        short.len(),
        short.first().map(String::as_str).unwrap_or("")
    )]
    BelowQuorum { quorum: u32, short: Vec<String> },
}

/// Whether the result may be locked: every submitted entry pre-checked, no
/// round open, and every admitted entry
/// (Kennzahl, counted sheets) has at least `quorum` sheets.
pub fn ready(
    unchecked: u64,
    open_round: Option<u32>,
    entries: &[(String, u32)],
    quorum: u32,
) -> Result<(), NotReady> {
    if unchecked > 0 {
        return Err(NotReady::PrecheckOpen(unchecked));
    }
    if let Some(number) = open_round {
        return Err(NotReady::RoundOpen(number));
    }
    let short: Vec<String> = entries
        .iter()
        .filter(|(_, sheets)| *sheets < quorum)
        .map(|(k, _)| k.clone())
        .collect();
    if short.is_empty() {
        Ok(())
    } else {
        Err(NotReady::BelowQuorum { quorum, short })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn votes(list: &[(i64, bool)]) -> Vec<Vote> {
        list.iter()
            .map(|(juror, in_favour)| Vote {
                juror: *juror,
                in_favour: *in_favour,
            })
            .collect()
    }

    #[test]
    fn the_majority_decides_and_a_tie_goes_with_the_chair() {
        assert_eq!(
            tally(&votes(&[(1, true), (2, true), (3, false)]), Some(3)),
            Ok((Outcome::On, 2, 1))
        );
        assert_eq!(
            tally(&votes(&[(1, true), (2, false)]), Some(2)),
            Ok((Outcome::Out, 1, 1))
        );
        assert_eq!(
            tally(&votes(&[(1, true), (2, false)]), Some(9)),
            Err(RoundError::TieWithoutChair)
        );
        assert_eq!(tally(&[], Some(1)), Err(RoundError::NoVotes));
    }

    #[test]
    fn the_result_waits_for_closed_rounds_and_the_quorum() {
        let entries = vec![("100001".to_owned(), 3), ("100002".to_owned(), 2)];
        assert_eq!(ready(1, None, &entries, 2), Err(NotReady::PrecheckOpen(1)));
        assert_eq!(ready(0, Some(2), &entries, 2), Err(NotReady::RoundOpen(2)));
        assert_eq!(ready(0, None, &entries, 2), Ok(()));
        assert_eq!(
            ready(0, None, &entries, 3),
            Err(NotReady::BelowQuorum {
                quorum: 3,
                short: vec!["100002".into()]
            })
        );
        assert_eq!(ready(0, None, &[], 3), Ok(()));
    }
}
