//! The public vote (people's choice).
//!
//! - After the pre-check a competition may hold a **public vote** on its
//!   admitted entries, published anonymously (Kennzahl, title, summary). Its
//!   [`VoteRules`] say how people vote: one vote each ([`VoteMode::Single`]) or
//!   points spread over the shortlist ([`VoteMode::Points`]; Gera: 100 points,
//!   at most a set number per entry), and when (a window that ends before the
//!   jury decides).
//! - **One ballot per email address**, counted once its owner confirmed it with
//!   the emailed link; a new ballot from the same address replaces the old one
//!   once confirmed, until the vote closes ([`check_ballot`]).
//! - **Results stay hidden until the vote closes** ([`VotePhase`]), for staff
//!   too; then [`tally`] ranks the entries by points (a tie by the number of
//!   voters, then by Kennzahl). The result is shown beside the jury's ranking,
//!   never mixed into it.
//! - **A vote on the whole programme** ([`VoteScope::Programme`]) lists a
//!   shortlist staff pick across the competitions: only entries admitted by
//!   a competition whose call has closed and whose results are not announced
//!   ([`eligible`]), fixed once ballots count ([`check_programme_rules`]).
//! - **Fraud signals** for staff ([`signals`]): many ballots from one client
//!   address, disposable email domains, bursts of confirmations in one minute.
//!   Staff may void a ballot with a reason; a voided ballot never counts.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};

use super::CompetitionState;

/// What a public vote is about: one competition's admitted entries, or a
/// shortlist across a programme's competitions (Gera 2021: 17 ideas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VoteScope {
    Competition(i64),
    Programme(i64),
}

/// How people vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteMode {
    /// One vote for one entry.
    Single,
    /// Points spread over the shortlist.
    Points,
}

impl VoteMode {
    pub const ALL: [VoteMode; 2] = [VoteMode::Single, VoteMode::Points];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Points => "points",
        }
    }
}

named_values!(VoteMode, "vote mode");

/// A competition's vote as staff set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteRules {
    pub mode: VoteMode,
    /// Points each voter may spread (points mode; 1 for a single vote).
    pub points: u32,
    /// The most points one entry may get from one voter (points mode).
    pub max_per_entry: u32,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

/// The most points a voter may have to spread.
pub const MAX_POINTS: u32 = 1000;

/// Where the vote stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VotePhase {
    NotYet,
    Open,
    Closed,
}

impl VoteRules {
    pub fn phase(&self, now: DateTime<Utc>) -> VotePhase {
        if now < self.opens_at {
            VotePhase::NotYet
        } else if now < self.closes_at {
            VotePhase::Open
        } else {
            VotePhase::Closed
        }
    }
}

/// Why a vote cannot be set so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoteError {
    #[error(
        "a public vote needs a competition whose call has closed and whose jury has not decided yet (it is {0})"
    )]
    NotNow(CompetitionState),
    #[error("the vote must close after it opens")]
    Window,
    #[error("the vote must close in the future")]
    ClosesInThePast,
    #[error(
        "points to spread must be between 1 and 1000, and the most per entry between 1 and that"
    )]
    Points,
    #[error(
        "ballots are confirmed already: the mode, the points and the opening stay as they are; only the closing may move, and not into the past"
    )]
    Fixed,
    #[error("the pre-check has admitted no entry yet: there is nothing to vote on")]
    EmptyShortlist,
    #[error("the vote's result stays hidden until the vote closes")]
    Hidden,
    #[error("this ballot is void already")]
    Voided,
    #[error("say why the ballot is void (3 to 1,000 characters)")]
    Reason,
    #[error(
        "idea {0} cannot stand in the programme's vote: only ideas admitted by the pre-check of a competition whose call has closed and whose results are not announced yet"
    )]
    NotEligible(String),
    #[error("ballots are confirmed already: the shortlist stays as it is")]
    ShortlistFixed,
}

/// Whether `rules` may replace `before` now (`confirmed`: ballots count already).
pub fn check_rules(
    rules: &VoteRules,
    before: Option<&VoteRules>,
    state: CompetitionState,
    admitted: usize,
    confirmed: bool,
    now: DateTime<Utc>,
) -> Result<(), VoteError> {
    if !matches!(state, CompetitionState::Closed | CompetitionState::InReview) {
        return Err(VoteError::NotNow(state));
    }
    check_settings(rules, before, admitted, confirmed, now)
}

/// An entry staff want on a programme vote's shortlist, as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub entry_id: i64,
    pub kennzahl: String,
    /// Its competition's state.
    pub state: CompetitionState,
    /// Admitted by its competition's pre-check.
    pub admitted: bool,
}

/// Whether an entry may stand in a programme vote: admitted by the
/// pre-check of a competition whose call has closed and whose results are
/// not announced yet (the vote is an input to the decisions, and it stays
/// anonymous).
pub fn eligible(candidate: &Candidate) -> bool {
    candidate.admitted && open_to_programme_vote(candidate.state)
}

/// Whether a competition in `state` may have ideas in a programme vote:
/// its call has closed and its results are not announced.
pub fn open_to_programme_vote(state: CompetitionState) -> bool {
    matches!(
        state,
        CompetitionState::Closed | CompetitionState::InReview | CompetitionState::Decided
    )
}

/// Whether `rules` with the shortlist `picked` may replace `before` (with
/// its shortlist `before_picked`) for a programme's vote now.
pub fn check_programme_rules(
    rules: &VoteRules,
    before: Option<(&VoteRules, &BTreeSet<i64>)>,
    picked: &[Candidate],
    confirmed: bool,
    now: DateTime<Utc>,
) -> Result<(), VoteError> {
    if let Some(refused) = picked.iter().find(|c| !eligible(c)) {
        return Err(VoteError::NotEligible(refused.kennzahl.clone()));
    }
    if let (Some((_, shortlist)), true) = (before, confirmed) {
        let now_picked: BTreeSet<i64> = picked.iter().map(|c| c.entry_id).collect();
        if &now_picked != shortlist {
            return Err(VoteError::ShortlistFixed);
        }
    }
    check_settings(rules, before.map(|b| b.0), picked.len(), confirmed, now)
}

fn check_settings(
    rules: &VoteRules,
    before: Option<&VoteRules>,
    admitted: usize,
    confirmed: bool,
    now: DateTime<Utc>,
) -> Result<(), VoteError> {
    if admitted == 0 {
        return Err(VoteError::EmptyShortlist);
    }
    if rules.closes_at <= rules.opens_at {
        return Err(VoteError::Window);
    }
    if rules.closes_at <= now {
        return Err(VoteError::ClosesInThePast);
    }
    let points_ok = match rules.mode {
        VoteMode::Single => true,
        VoteMode::Points => {
            (1..=MAX_POINTS).contains(&rules.points)
                && (1..=rules.points).contains(&rules.max_per_entry)
        }
    };
    if !points_ok {
        return Err(VoteError::Points);
    }
    if let (Some(before), true) = (before, confirmed) {
        let same = before.mode == rules.mode
            && before.points == rules.points
            && before.max_per_entry == rules.max_per_entry
            && before.opens_at == rules.opens_at;
        if !same {
            return Err(VoteError::Fixed);
        }
    }
    Ok(())
}

/// The rules as stored: a single vote is one point for one entry.
pub fn normalised(rules: VoteRules) -> VoteRules {
    match rules.mode {
        VoteMode::Single => VoteRules {
            points: 1,
            max_per_entry: 1,
            ..rules
        },
        VoteMode::Points => rules,
    }
}

/// Points per Kennzahl, as a voter gives them.
pub type Choices = BTreeMap<String, u32>;

/// Why a ballot is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotError {
    #[error("the vote is not open (it is {0:?})")]
    NotOpen(VotePhase),
    #[error("choose one idea")]
    NoneChosen,
    #[error("choose only one idea")]
    MoreThanOne,
    #[error("{0} is not on the shortlist")]
    Unknown(String),
    #[error("{kennzahl}: at most {max} points per idea")]
    TooManyForOne { kennzahl: String, max: u32 },
    #[error("{given} points given, at most {points} may be spread")]
    TooMany { given: u32, points: u32 },
    #[error(
        "{LINKS_PER_HOUR} confirmation links went to this address in the last hour; \
         the last one still works, or ask again in {retry_after_seconds} s"
    )]
    TooManyLinks { retry_after_seconds: i64 },
}

/// At most this many confirmation links go to one address for one vote within
/// an hour: enough to change one's mind, too few to fill someone else's inbox
/// with ballots in their name.
pub const LINKS_PER_HOUR: usize = 5;

/// Whether one more confirmation link may go to an address that was sent
/// links at `sent` (in any order, older ones included).
pub fn check_links(sent: &[DateTime<Utc>], now: DateTime<Utc>) -> Result<(), BallotError> {
    let mut recent: Vec<DateTime<Utc>> = sent
        .iter()
        .copied()
        .filter(|at| *at > now - Duration::hours(1))
        .collect();
    if recent.len() < LINKS_PER_HOUR {
        return Ok(());
    }
    recent.sort_unstable();
    // Once this one is an hour old, fewer than the limit remain.
    let frees = recent[recent.len() - LINKS_PER_HOUR] + Duration::hours(1);
    Err(BallotError::TooManyLinks {
        retry_after_seconds: (frees - now).num_seconds().max(1),
    })
}

/// The ballot's choices, checked against the rules and the shortlist; ideas
/// given no points are left out.
pub fn check_ballot(
    rules: &VoteRules,
    shortlist: &[String],
    choices: &Choices,
    now: DateTime<Utc>,
) -> Result<Choices, BallotError> {
    let phase = rules.phase(now);
    if phase != VotePhase::Open {
        return Err(BallotError::NotOpen(phase));
    }
    let given: Choices = choices
        .iter()
        .filter(|(_, points)| **points > 0)
        .map(|(k, p)| (k.clone(), *p))
        .collect();
    if let Some(unknown) = given.keys().find(|k| !shortlist.contains(k)) {
        return Err(BallotError::Unknown(unknown.clone()));
    }
    match rules.mode {
        VoteMode::Single => match given.len() {
            0 => Err(BallotError::NoneChosen),
            1 => Ok(given.into_keys().map(|k| (k, 1)).collect()),
            _ => Err(BallotError::MoreThanOne),
        },
        VoteMode::Points => {
            if given.is_empty() {
                return Err(BallotError::NoneChosen);
            }
            if let Some((kennzahl, _)) = given.iter().find(|(_, p)| **p > rules.max_per_entry) {
                return Err(BallotError::TooManyForOne {
                    kennzahl: kennzahl.clone(),
                    max: rules.max_per_entry,
                });
            }
            let sum = given.values().fold(0u32, |a, p| a.saturating_add(*p));
            if sum > rules.points {
                return Err(BallotError::TooMany {
                    given: sum,
                    points: rules.points,
                });
            }
            Ok(given)
        }
    }
}

/// One entry's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tallied {
    pub kennzahl: String,
    pub points: u64,
    /// How many ballots gave it anything.
    pub voters: u64,
    /// 1 for the most points; entries tied on points and voters share a place.
    pub place: usize,
}

/// The counted ballots' result, every shortlisted entry included: by points,
/// then by voters (more first); entries tied on both share the place and are
/// listed by Kennzahl.
pub fn tally<'a>(
    shortlist: &[String],
    ballots: impl IntoIterator<Item = &'a Choices>,
) -> Vec<Tallied> {
    let mut sums: HashMap<&str, (u64, u64)> =
        shortlist.iter().map(|k| (k.as_str(), (0, 0))).collect();
    for ballot in ballots {
        for (kennzahl, points) in ballot {
            if let Some(sum) = sums.get_mut(kennzahl.as_str()) {
                sum.0 += u64::from(*points);
                sum.1 += 1;
            }
        }
    }
    let mut rows: Vec<(String, u64, u64)> = sums
        .into_iter()
        .map(|(k, (p, v))| (k.to_owned(), p, v))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    let mut out: Vec<Tallied> = Vec::with_capacity(rows.len());
    for (i, (kennzahl, points, voters)) in rows.into_iter().enumerate() {
        let place = match out.last() {
            Some(prev) if prev.points == points && prev.voters == voters => prev.place,
            _ => i + 1,
        };
        out.push(Tallied {
            kennzahl,
            points,
            voters,
            place,
        });
    }
    out
}

/// Free disposable-address services seen in votes (a signal, not a refusal:
/// staff decide).
pub const DISPOSABLE_DOMAINS: [&str; 16] = [
    "10minutemail.com",
    "discard.email",
    "dispostable.com",
    "einrot.com",
    "fakeinbox.com",
    "getnada.com",
    "guerrillamail.com",
    "mailinator.com",
    "maildrop.cc",
    "sharklasers.com",
    "spambog.com",
    "temp-mail.org",
    "trash-mail.com",
    "trashmail.com",
    "wegwerfemail.de",
    "yopmail.com",
];

/// Ballots from one client address at or above this count are flagged.
pub const SAME_CLIENT: usize = 5;
/// Confirmations in one minute at or above this count are a burst.
pub const BURST: usize = 30;

/// What staff learn about one ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BallotFacts<'a> {
    pub id: i64,
    pub email: &'a str,
    pub client: &'a str,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// Why a ballot looks suspicious.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "signal", rename_all = "snake_case")]
pub enum Signal {
    /// `count` ballots came from this ballot's client address.
    SameClient { count: usize },
    /// The address is at a disposable-mail service.
    Disposable { domain: String },
    /// Confirmed in a minute with `count` confirmations.
    Burst { minute: DateTime<Utc>, count: usize },
}

/// The signals per ballot id, for the ballots that have any.
pub fn signals(ballots: &[BallotFacts<'_>]) -> BTreeMap<i64, Vec<Signal>> {
    let mut per_client: HashMap<&str, usize> = HashMap::new();
    let mut per_minute: HashMap<DateTime<Utc>, usize> = HashMap::new();
    let minute = |at: DateTime<Utc>| at.duration_trunc(Duration::minutes(1)).unwrap_or(at);
    for b in ballots {
        if !b.client.is_empty() {
            *per_client.entry(b.client).or_default() += 1;
        }
        if let Some(at) = b.confirmed_at {
            *per_minute.entry(minute(at)).or_default() += 1;
        }
    }
    let mut out: BTreeMap<i64, Vec<Signal>> = BTreeMap::new();
    for b in ballots {
        let mut found = Vec::new();
        if let Some(&count) = per_client.get(b.client).filter(|c| **c >= SAME_CLIENT) {
            found.push(Signal::SameClient { count });
        }
        let domain = b.email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        if DISPOSABLE_DOMAINS.contains(&domain) {
            found.push(Signal::Disposable {
                domain: domain.to_owned(),
            });
        }
        if let Some(at) = b.confirmed_at {
            let m = minute(at);
            if let Some(&count) = per_minute.get(&m).filter(|c| **c >= BURST) {
                found.push(Signal::Burst { minute: m, count });
            }
        }
        if !found.is_empty() {
            out.insert(b.id, found);
        }
    }
    out
}

/// An address as staff see it among the signals: the first letter and the
/// domain (`m…@example.de`).
pub fn masked_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}…@{domain}")
        }
        None => "…".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn at_most_five_links_per_address_and_hour() {
        use super::{BallotError, LINKS_PER_HOUR, check_links};
        let now: chrono::DateTime<chrono::Utc> = "2021-01-04T12:00:00Z".parse().unwrap();
        let ago = |minutes: i64| now - chrono::Duration::minutes(minutes);
        assert_eq!(LINKS_PER_HOUR, 5);
        assert!(check_links(&[], now).is_ok());
        assert!(check_links(&[ago(1), ago(2), ago(3), ago(4)], now).is_ok());
        // Links older than an hour do not count.
        assert!(check_links(&[ago(61), ago(70), ago(1), ago(2), ago(3), ago(4)], now).is_ok());
        // The fifth within the hour: wait until the oldest of the five is an hour old.
        assert_eq!(
            check_links(&[ago(2), ago(50), ago(1), ago(3), ago(4)], now),
            Err(BallotError::TooManyLinks {
                retry_after_seconds: 10 * 60
            })
        );
        // More than five (sent before the limit): the one that must age is the
        // fifth newest.
        assert_eq!(
            check_links(&[ago(59), ago(58), ago(40), ago(30), ago(20), ago(10)], now),
            Err(BallotError::TooManyLinks {
                retry_after_seconds: 2 * 60
            })
        );
        assert_eq!(
            check_links(&[now, now, now, now, now], now),
            Err(BallotError::TooManyLinks {
                retry_after_seconds: 3600
            })
        );
    }

    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 11, 10, h, 0, 0).unwrap()
    }

    fn points(points: u32, max: u32) -> VoteRules {
        VoteRules {
            mode: VoteMode::Points,
            points,
            max_per_entry: max,
            opens_at: at(8),
            closes_at: at(20),
        }
    }

    fn list() -> Vec<String> {
        ["100001", "100002", "100003"].map(String::from).to_vec()
    }

    fn choices(pairs: &[(&str, u32)]) -> Choices {
        pairs.iter().map(|(k, p)| (k.to_string(), *p)).collect()
    }

    #[test]
    fn rules_fit_the_competition_and_stay_once_ballots_count() {
        let rules = points(100, 40);
        assert_eq!(
            check_rules(&rules, None, CompetitionState::Open, 3, false, at(7)),
            Err(VoteError::NotNow(CompetitionState::Open))
        );
        assert_eq!(
            check_rules(&rules, None, CompetitionState::Decided, 3, false, at(7)),
            Err(VoteError::NotNow(CompetitionState::Decided))
        );
        assert_eq!(
            check_rules(&rules, None, CompetitionState::InReview, 0, false, at(7)),
            Err(VoteError::EmptyShortlist)
        );
        assert!(check_rules(&rules, None, CompetitionState::InReview, 3, false, at(7)).is_ok());
        assert_eq!(
            check_rules(
                &points(100, 101),
                None,
                CompetitionState::Closed,
                3,
                false,
                at(7)
            ),
            Err(VoteError::Points)
        );
        assert_eq!(
            check_rules(&rules, None, CompetitionState::Closed, 3, false, at(21)),
            Err(VoteError::ClosesInThePast)
        );
        let later = VoteRules {
            closes_at: at(23),
            ..rules
        };
        assert!(
            check_rules(
                &later,
                Some(&rules),
                CompetitionState::InReview,
                3,
                true,
                at(12)
            )
            .is_ok()
        );
        let more = points(200, 40);
        assert_eq!(
            check_rules(
                &more,
                Some(&rules),
                CompetitionState::InReview,
                3,
                true,
                at(12)
            ),
            Err(VoteError::Fixed)
        );
        assert!(
            check_rules(
                &more,
                Some(&rules),
                CompetitionState::InReview,
                3,
                false,
                at(7)
            )
            .is_ok()
        );
    }

    #[test]
    fn a_programme_vote_takes_admitted_ideas_of_closed_calls_and_keeps_its_shortlist() {
        let rules = points(100, 40);
        let candidate = |id: i64, state, admitted| Candidate {
            entry_id: id,
            kennzahl: format!("{id:06}"),
            state,
            admitted,
        };
        let picked = [
            candidate(1, CompetitionState::InReview, true),
            candidate(2, CompetitionState::Decided, true),
        ];
        assert!(check_programme_rules(&rules, None, &picked, false, at(7)).is_ok());
        assert_eq!(
            check_programme_rules(&rules, None, &[], false, at(7)),
            Err(VoteError::EmptyShortlist)
        );
        for (state, admitted) in [
            (CompetitionState::Open, true),
            (CompetitionState::Announced, true),
            (CompetitionState::InReview, false),
        ] {
            assert_eq!(
                check_programme_rules(&rules, None, &[candidate(3, state, admitted)], false, at(7)),
                Err(VoteError::NotEligible("000003".into()))
            );
        }
        let before: BTreeSet<i64> = [1, 2].into();
        assert!(
            check_programme_rules(&rules, Some((&rules, &before)), &picked, true, at(7)).is_ok()
        );
        assert_eq!(
            check_programme_rules(&rules, Some((&rules, &before)), &picked[..1], true, at(7)),
            Err(VoteError::ShortlistFixed)
        );
        assert!(
            check_programme_rules(&rules, Some((&rules, &before)), &picked[..1], false, at(7))
                .is_ok()
        );
    }

    #[test]
    fn ballots_follow_the_mode() {
        let rules = points(100, 50);
        assert_eq!(
            check_ballot(
                &rules,
                &list(),
                &choices(&[("100001", 50), ("100002", 0), ("100003", 40)]),
                at(9)
            ),
            Ok(choices(&[("100001", 50), ("100003", 40)]))
        );
        assert_eq!(
            check_ballot(&rules, &list(), &choices(&[("100001", 51)]), at(9)),
            Err(BallotError::TooManyForOne {
                kennzahl: "100001".into(),
                max: 50
            })
        );
        assert_eq!(
            check_ballot(
                &rules,
                &list(),
                &choices(&[("100001", 50), ("100002", 50), ("100003", 1)]),
                at(9)
            ),
            Err(BallotError::TooMany {
                given: 101,
                points: 100
            })
        );
        assert_eq!(
            check_ballot(&rules, &list(), &choices(&[("999999", 1)]), at(9)),
            Err(BallotError::Unknown("999999".into()))
        );
        assert_eq!(
            check_ballot(&rules, &list(), &Choices::new(), at(9)),
            Err(BallotError::NoneChosen)
        );
        assert_eq!(
            check_ballot(&rules, &list(), &choices(&[("100001", 1)]), at(20)),
            Err(BallotError::NotOpen(VotePhase::Closed))
        );
        assert_eq!(
            check_ballot(&rules, &list(), &choices(&[("100001", 1)]), at(7)),
            Err(BallotError::NotOpen(VotePhase::NotYet))
        );
        let single = normalised(VoteRules {
            mode: VoteMode::Single,
            ..rules
        });
        assert_eq!(
            check_ballot(&single, &list(), &choices(&[("100002", 7)]), at(9)),
            Ok(choices(&[("100002", 1)]))
        );
        assert_eq!(
            check_ballot(
                &single,
                &list(),
                &choices(&[("100002", 1), ("100003", 1)]),
                at(9)
            ),
            Err(BallotError::MoreThanOne)
        );
    }

    #[test]
    fn the_tally_ranks_by_points_then_voters_and_shares_places() {
        let ballots = [
            choices(&[("100001", 60), ("100002", 40)]),
            choices(&[("100002", 20)]),
            choices(&[("100003", 60)]),
        ];
        let result = tally(&list(), ballots.iter());
        let rows: Vec<(&str, u64, u64, usize)> = result
            .iter()
            .map(|t| (t.kennzahl.as_str(), t.points, t.voters, t.place))
            .collect();
        // 100002 has 60 points from two voters: ahead of two with 60 from one.
        assert_eq!(
            rows,
            [
                ("100002", 60, 2, 1),
                ("100001", 60, 1, 2),
                ("100003", 60, 1, 2)
            ]
        );
        let none = tally(&list(), std::iter::empty());
        assert!(none.iter().all(|t| t.points == 0 && t.place == 1));
    }

    #[test]
    fn signals_name_shared_clients_disposable_addresses_and_bursts() {
        let minute = at(10);
        let emails: Vec<String> = (0..BURST).map(|i| format!("p{i}@example.de")).collect();
        let mut ballots: Vec<BallotFacts> = emails
            .iter()
            .enumerate()
            .map(|(i, e)| BallotFacts {
                id: i as i64,
                email: e,
                client: if i < SAME_CLIENT { "same" } else { "" },
                confirmed_at: Some(minute + Duration::seconds(i as i64)),
            })
            .collect();
        ballots.push(BallotFacts {
            id: 99,
            email: "x@yopmail.com",
            client: "other",
            confirmed_at: Some(at(12)),
        });
        let found = signals(&ballots);
        assert!(found[&0].contains(&Signal::SameClient { count: SAME_CLIENT }));
        assert!(found[&0].contains(&Signal::Burst {
            minute,
            count: BURST
        }));
        assert!(
            !found[&(SAME_CLIENT as i64)]
                .iter()
                .any(|s| matches!(s, Signal::SameClient { .. }))
        );
        assert_eq!(
            found[&99],
            [Signal::Disposable {
                domain: "yopmail.com".into()
            }]
        );
        assert_eq!(masked_email("maria@example.de"), "m…@example.de");
    }

    proptest! {
        /// Points are conserved: the tally adds up every counted point, and
        /// the order of the ballots does not change it.
        #[test]
        fn the_tally_conserves_points_whatever_the_order(
            raw in proptest::collection::vec(proptest::collection::vec((0usize..3, 0u32..50), 0..3), 0..30),
        ) {
            let ids = list();
            let ballots: Vec<Choices> = raw
                .iter()
                .map(|b| b.iter().map(|(i, p)| (ids[*i].clone(), *p)).collect())
                .collect();
            let total: u64 = ballots.iter().flat_map(|b| b.values()).map(|p| u64::from(*p)).sum();
            let forward = tally(&ids, ballots.iter());
            let backward = tally(&ids, ballots.iter().rev());
            prop_assert_eq!(forward.iter().map(|t| t.points).sum::<u64>(), total);
            prop_assert_eq!(forward, backward);
        }
    }
}
