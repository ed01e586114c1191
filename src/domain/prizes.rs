//! Prize money and the budget.
//!
//! - The **programme budget** bounds the prize money promised across its
//!   competitions ([`check_budget`], shown as a [`BudgetLine`]).
//! - Each competition's prize money is its **pool**; its **prizes** are data: a
//!   tier (1st, 2nd, 3rd, honourable mention, special prize), a kind (cash, a
//!   shopping voucher, a grant for equipment or a class fund, an event such as a
//!   party for the class) and a value in cents. Non-cash prizes count against
//!   the pool at their value. The prizes together never promise more than the
//!   pool ([`check_prizes`]).
//! - After the jury's decision, staff **award** prizes to entries. The
//!   suggestion ([`suggest`]) follows the ranking and the tiers; entries tied on
//!   the ranking share a prize, split evenly in cents ([`split`]: the remainder
//!   goes one cent each to the first shares in ranking order, so the shares
//!   always add up to the prize). Staff may deviate from the suggestion, with a
//!   reason.
//! - **Nothing is ever awarded beyond a limit**: the awards of a competition stay
//!   within its pool, and all awards of the programme within its budget
//!   ([`check_award`]); the services check this inside the transaction that
//!   writes the award, with the programme's row locked.

use serde::{Deserialize, Serialize};

use super::CompetitionState;
use super::money::Money;

/// A place among the prizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    First,
    Second,
    Third,
    /// An honourable mention (Anerkennung), after the three places.
    Honourable,
    /// A special prize (Sonderpreis), given outside the order of the ranking.
    Special,
}

impl Tier {
    pub const ALL: [Tier; 5] = [
        Tier::First,
        Tier::Second,
        Tier::Third,
        Tier::Honourable,
        Tier::Special,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::First => "first",
            Self::Second => "second",
            Self::Third => "third",
            Self::Honourable => "honourable",
            Self::Special => "special",
        }
    }

    /// Whether the suggestion gives it by the ranking (special prizes are
    /// given by the jury's choice, not by place).
    pub fn follows_ranking(self) -> bool {
        self != Self::Special
    }
}

named_values!(Tier, "prize tier");

/// What a prize is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrizeKind {
    Cash,
    /// A shopping voucher.
    Voucher,
    /// A grant for equipment or a class fund.
    Grant,
    /// An event, such as a party for the class.
    Event,
}

impl PrizeKind {
    pub const ALL: [PrizeKind; 4] = [
        PrizeKind::Cash,
        PrizeKind::Voucher,
        PrizeKind::Grant,
        PrizeKind::Event,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::Voucher => "voucher",
            Self::Grant => "grant",
            Self::Event => "event",
        }
    }
}

named_values!(PrizeKind, "prize kind");

/// One prize of a competition, as staff define it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrizeSpec {
    pub tier: Tier,
    pub kind: PrizeKind,
    /// What it is, in a few words ("Klassenfahrt", "Einkaufsgutschein").
    pub label: String,
    pub value: Money,
}

/// Why prizes cannot be defined or awarded so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrizeError {
    #[error(
        "the prizes add up to {total}, more than the competition's prize money of {pool}; lower a prize or raise the prize money"
    )]
    PrizesOverPool { total: Money, pool: Money },
    #[error("prize {0}: a prize is worth more than nothing")]
    NoValue(usize),
    #[error("prize {0}: name what it is (at most 200 characters)")]
    Label(usize),
    #[error("a competition has at most 50 prizes")]
    TooMany,
    #[error(
        "this award of {wanted} would exceed the competition's prize money: {remaining} of {pool} are left"
    )]
    OverPool {
        wanted: Money,
        remaining: Money,
        pool: Money,
    },
    #[error(
        "this award of {wanted} would exceed the programme's budget: {remaining} of {budget} are left"
    )]
    OverBudget {
        wanted: Money,
        remaining: Money,
        budget: Money,
    },
    #[error("an award is worth more than nothing")]
    NothingAwarded,
    #[error("awarding other than the suggestion needs a reason")]
    ReasonMissing,
    #[error("withdrawing an award needs a reason")]
    WithdrawalReason,
    #[error("this prize is awarded to this entry already")]
    AlreadyAwarded,
    #[error("the prizes are fixed: a prize is awarded; withdraw the awards first")]
    Awarded,
    #[error("the prizes are fixed now that the competition is {0}")]
    Fixed(CompetitionState),
    #[error("prizes are awarded once the jury has decided (the competition is {0})")]
    NotDecided(CompetitionState),
    #[error("the places of the overall placement are numbered 1, 2, 3 … without gaps (at most 20)")]
    PlacesNumbered,
    #[error(
        "the overall placement goes to category winners: this entry has no prize in a competition whose jury has decided"
    )]
    NotAWinner,
    #[error("this place of the overall placement is awarded already; withdraw it first")]
    PlaceTaken,
    #[error("this entry has a place in the overall placement already")]
    PlacedAlready,
}

impl PrizeError {
    /// What may still be awarded, when the refusal is about a limit.
    pub fn remaining(&self) -> Option<Money> {
        match self {
            Self::OverPool { remaining, .. } | Self::OverBudget { remaining, .. } => {
                Some(*remaining)
            }
            _ => None,
        }
    }
}

/// The prizes a competition defines never promise more than its pool.
pub fn check_prizes(pool: Money, prizes: &[PrizeSpec]) -> Result<(), PrizeError> {
    if prizes.len() > 50 {
        return Err(PrizeError::TooMany);
    }
    for (i, prize) in prizes.iter().enumerate() {
        if prize.value.cents() <= 0 {
            return Err(PrizeError::NoValue(i + 1));
        }
        let label = prize.label.trim();
        if label.is_empty() || label.chars().count() > 200 {
            return Err(PrizeError::Label(i + 1));
        }
    }
    let total = sum(prizes.iter().map(|p| p.value));
    if total > pool {
        return Err(PrizeError::PrizesOverPool { total, pool });
    }
    Ok(())
}

fn sum(values: impl IntoIterator<Item = Money>) -> Money {
    values.into_iter().fold(Money::ZERO, |total, m| {
        total.checked_add(m).unwrap_or(total)
    })
}

/// What is awarded already, against the limits an award must stay within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The competition's prize money.
    pub pool: Money,
    /// What the competition's awards add up to now.
    pub awarded_in_pool: Money,
    /// The programme's budget.
    pub budget: Money,
    /// What all awards of the programme add up to now.
    pub awarded_in_programme: Money,
}

impl Limits {
    /// What may still be awarded in the competition.
    pub fn remaining_in_pool(&self) -> Money {
        remaining(self.pool, self.awarded_in_pool)
    }

    /// What may still be awarded in the programme.
    pub fn remaining_in_budget(&self) -> Money {
        remaining(self.budget, self.awarded_in_programme)
    }
}

fn remaining(limit: Money, used: Money) -> Money {
    Money::from_cents((limit.cents() - used.cents()).max(0)).unwrap_or(Money::ZERO)
}

/// An award of `wanted` stays within the pool and the budget.
pub fn check_award(limits: &Limits, wanted: Money) -> Result<(), PrizeError> {
    if wanted.cents() <= 0 {
        return Err(PrizeError::NothingAwarded);
    }
    let pool_left = limits.remaining_in_pool();
    if wanted > pool_left {
        return Err(PrizeError::OverPool {
            wanted,
            remaining: pool_left,
            pool: limits.pool,
        });
    }
    let budget_left = limits.remaining_in_budget();
    if wanted > budget_left {
        return Err(PrizeError::OverBudget {
            wanted,
            remaining: budget_left,
            budget: limits.budget,
        });
    }
    Ok(())
}

/// `value` split into `ways` shares that differ by at most a cent and add up to
/// `value`; the first `value mod ways` shares get the extra cent. Empty for
/// no ways.
pub fn split(value: Money, ways: usize) -> Vec<Money> {
    if ways == 0 {
        return Vec::new();
    }
    let n = ways as i64;
    let (each, extra) = (value.cents() / n, value.cents() % n);
    (0..n)
        .map(|i| Money::from_cents(each + i64::from(i < extra)).unwrap_or(Money::ZERO))
        .collect()
}

/// A ranked entry as the suggestion sees it: in ranking order, with what placed
/// it (the ranking's score and tie-breaks short of the Kennzahl, whose order
/// is only there to be deterministic): entries with equal keys are tied.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub entry: i64,
    pub key: [f64; 3],
}

/// One suggested award.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggested {
    /// The index of the prize in the competition's list.
    pub prize: usize,
    pub entry: i64,
    pub amount: Money,
}

/// The awards the ranking suggests: the prizes that follow the ranking, in
/// tier order (and in their listed order within a tier), go to the places in
/// turn. Entries tied on their score share the prizes of the places they take
/// together: a tie of two for the 2nd place takes the 2nd and 3rd prizes, added
/// up and split evenly ([`split`], in ranking order). Special prizes are left
/// to staff.
pub fn suggest(prizes: &[PrizeSpec], ranking: &[Placed]) -> Vec<Suggested> {
    let mut order: Vec<usize> = (0..prizes.len())
        .filter(|&i| prizes[i].tier.follows_ranking())
        .collect();
    order.sort_by_key(|&i| (prizes[i].tier, i));
    let mut suggested = Vec::new();
    let mut place = 0;
    while place < ranking.len() && place < order.len() {
        let tied = ranking[place..]
            .iter()
            .take_while(|p| p.key == ranking[place].key)
            .count();
        let taken: Vec<usize> = order.iter().skip(place).take(tied).copied().collect();
        // Each prize of the tied places is split among all the tied entries.
        for &prize in &taken {
            let shares = split(prizes[prize].value, tied);
            for (entry, amount) in ranking[place..place + tied].iter().zip(shares) {
                if amount.cents() > 0 {
                    suggested.push(Suggested {
                        prize,
                        entry: entry.entry,
                        amount,
                    });
                }
            }
        }
        place += tied;
    }
    suggested
}

/// The promised prize money across a programme, over its budget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the prize money of all competitions ({total}) would exceed the programme budget ({budget}); lower the prize money or raise the budget"
)]
pub struct OverBudget {
    pub total: Money,
    pub budget: Money,
}

/// The prize money promised across a programme never exceeds its budget.
pub fn check_budget(
    budget: Money,
    promised: impl IntoIterator<Item = Money>,
) -> Result<(), OverBudget> {
    let mut total = Money::ZERO;
    for amount in promised {
        total = total.checked_add(amount).ok_or(OverBudget {
            total: amount,
            budget,
        })?;
    }
    if total > budget {
        Err(OverBudget { total, budget })
    } else {
        Ok(())
    }
}

/// The programme's money at a glance: what each phase plans (the sum of its
/// competitions' prize money) against the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLine {
    /// Per phase, in the order given: (phase, planned).
    pub phases: Vec<(i64, Money)>,
    pub planned: Money,
    pub budget: Money,
    /// What is left to promise; `None` when more is planned than the budget allows
    /// (stored data from before a budget cut; new promises are refused).
    pub remaining: Option<Money>,
}

/// Sums `prizes` (phase, prize money) by phase in the order of `phases`.
pub fn budget_line(budget: Money, phases: &[i64], prizes: &[(i64, Money)]) -> BudgetLine {
    let per_phase: Vec<(i64, Money)> = phases
        .iter()
        .map(|phase| {
            let of = prizes.iter().filter(|(p, _)| p == phase).map(|(_, m)| *m);
            (*phase, sum(of))
        })
        .collect();
    let planned = sum(prizes.iter().map(|(_, m)| *m));
    BudgetLine {
        phases: per_phase,
        planned,
        budget,
        remaining: Money::from_cents(budget.cents() - planned.cents()).ok(),
    }
}

/// A place of the programme's overall placement (Gera's council ranked the
/// category winners 1st to 5th) with its prize. The places' values are the
/// placement's own pool, promised against the programme's budget like a
/// competition's prize money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverallPlace {
    pub place: u32,
    pub kind: PrizeKind,
    pub label: String,
    pub value: Money,
}

/// The places are numbered 1, 2, 3 … without gaps, each named and worth
/// something; returns their pool.
pub fn check_overall(places: &[OverallPlace]) -> Result<Money, PrizeError> {
    if places.len() > 20 {
        return Err(PrizeError::PlacesNumbered);
    }
    for (i, p) in places.iter().enumerate() {
        if p.place as usize != i + 1 {
            return Err(PrizeError::PlacesNumbered);
        }
        if p.value.cents() <= 0 {
            return Err(PrizeError::NoValue(i + 1));
        }
        let label = p.label.trim();
        if label.is_empty() || label.chars().count() > 200 {
            return Err(PrizeError::Label(i + 1));
        }
    }
    Ok(sum(places.iter().map(|p| p.value)))
}

/// Whether an entry may get a place overall: it holds a prize in its
/// competition, and that competition's jury has decided.
pub fn may_place(state: CompetitionState, has_prize: bool) -> Result<(), PrizeError> {
    let decided = matches!(
        state,
        CompetitionState::Decided | CompetitionState::Announced | CompetitionState::Archived
    );
    if decided && has_prize {
        Ok(())
    } else {
        Err(PrizeError::NotAWinner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn overall_places_are_numbered_named_and_go_to_category_winners() {
        let place = |n: u32, euros: i64| OverallPlace {
            place: n,
            kind: PrizeKind::Cash,
            label: format!("{n}. Platz"),
            value: Money::from_euros(euros).unwrap(),
        };
        assert_eq!(
            check_overall(&[place(1, 1000), place(2, 500)]),
            Ok(Money::from_euros(1500).unwrap())
        );
        assert_eq!(
            check_overall(&[place(1, 1000), place(3, 500)]),
            Err(PrizeError::PlacesNumbered)
        );
        let mut unnamed = place(1, 10);
        unnamed.label = " ".into();
        assert_eq!(check_overall(&[unnamed]), Err(PrizeError::Label(1)));
        assert_eq!(check_overall(&[]), Ok(Money::ZERO));
        assert!(may_place(CompetitionState::Announced, true).is_ok());
        assert!(may_place(CompetitionState::Decided, true).is_ok());
        assert_eq!(
            may_place(CompetitionState::InReview, true),
            Err(PrizeError::NotAWinner)
        );
        assert_eq!(
            may_place(CompetitionState::Announced, false),
            Err(PrizeError::NotAWinner)
        );
    }

    fn euros(n: i64) -> Money {
        Money::from_euros(n).unwrap()
    }

    fn cents(n: i64) -> Money {
        Money::from_cents(n).unwrap()
    }

    fn prize(tier: Tier, value: i64) -> PrizeSpec {
        PrizeSpec {
            tier,
            kind: PrizeKind::Cash,
            label: "Preisgeld".into(),
            value: euros(value),
        }
    }

    fn placed(entry: i64, score: f64) -> Placed {
        Placed {
            entry,
            key: [score, 0.0, 1.0],
        }
    }

    #[test]
    fn the_budget_holds_all_promised_prize_money() {
        assert!(check_budget(euros(81_000), vec![euros(6_750); 12]).is_ok());
        assert_eq!(
            check_budget(euros(80_000), vec![euros(6_750); 12]),
            Err(OverBudget {
                total: euros(81_000),
                budget: euros(80_000)
            })
        );
    }

    #[test]
    fn the_budget_line_sums_each_phase_and_what_is_left() {
        let line = budget_line(
            euros(100),
            &[1, 2],
            &[(1, euros(30)), (2, euros(20)), (1, euros(10))],
        );
        assert_eq!(line.phases, vec![(1, euros(40)), (2, euros(20))]);
        assert_eq!((line.planned, line.remaining), (euros(60), Some(euros(40))));
        let over = budget_line(euros(100), &[1], &[(1, euros(150))]);
        assert_eq!(over.remaining, None);
    }

    #[test]
    fn prizes_stay_within_the_pool_and_are_named() {
        let gera = [
            prize(Tier::First, 1_500),
            prize(Tier::Second, 1_000),
            prize(Tier::Third, 750),
        ];
        assert_eq!(check_prizes(euros(3_250), &gera), Ok(()));
        assert_eq!(
            check_prizes(euros(3_000), &gera),
            Err(PrizeError::PrizesOverPool {
                total: euros(3_250),
                pool: euros(3_000)
            })
        );
        let mut unnamed = gera.to_vec();
        unnamed[1].label = "  ".into();
        assert_eq!(
            check_prizes(euros(5_000), &unnamed),
            Err(PrizeError::Label(2))
        );
        let mut free = gera.to_vec();
        free[2].value = Money::ZERO;
        assert_eq!(
            check_prizes(euros(5_000), &free),
            Err(PrizeError::NoValue(3))
        );
    }

    #[test]
    fn an_award_stays_within_pool_and_budget_and_says_what_is_left() {
        let limits = Limits {
            pool: euros(1_000),
            awarded_in_pool: euros(900),
            budget: euros(10_000),
            awarded_in_programme: euros(9_950),
        };
        assert_eq!(
            check_award(&limits, euros(150)),
            Err(PrizeError::OverPool {
                wanted: euros(150),
                remaining: euros(100),
                pool: euros(1_000)
            })
        );
        assert_eq!(
            check_award(&limits, euros(80)),
            Err(PrizeError::OverBudget {
                wanted: euros(80),
                remaining: euros(50),
                budget: euros(10_000)
            })
        );
        assert_eq!(check_award(&limits, euros(50)), Ok(()));
        assert_eq!(
            check_award(&limits, Money::ZERO),
            Err(PrizeError::NothingAwarded)
        );
    }

    #[test]
    fn a_split_gives_the_extra_cents_to_the_first_shares() {
        assert_eq!(
            split(cents(1_000), 3),
            vec![cents(334), cents(333), cents(333)]
        );
        assert_eq!(split(cents(2), 3), vec![cents(1), cents(1), cents(0)]);
        assert_eq!(split(cents(900), 1), vec![cents(900)]);
        assert!(split(cents(900), 0).is_empty());
    }

    #[test]
    fn the_suggestion_follows_the_ranking_and_ties_share() {
        let prizes = [
            prize(Tier::Special, 300),
            prize(Tier::Third, 500),
            prize(Tier::First, 1_500),
            prize(Tier::Second, 1_000),
        ];
        // Clear places: 1st, 2nd, 3rd in order; the special prize is left alone.
        let clear = suggest(
            &prizes,
            &[
                placed(10, 9.0),
                placed(11, 8.0),
                placed(12, 7.0),
                placed(13, 6.0),
            ],
        );
        assert_eq!(
            clear,
            vec![
                Suggested {
                    prize: 2,
                    entry: 10,
                    amount: euros(1_500)
                },
                Suggested {
                    prize: 3,
                    entry: 11,
                    amount: euros(1_000)
                },
                Suggested {
                    prize: 1,
                    entry: 12,
                    amount: euros(500)
                },
            ]
        );
        // Two tied for 2nd share the 2nd and 3rd prizes evenly.
        let tied = suggest(
            &prizes,
            &[
                placed(10, 9.0),
                placed(11, 8.0),
                placed(12, 8.0),
                placed(13, 6.0),
            ],
        );
        assert_eq!(
            tied,
            vec![
                Suggested {
                    prize: 2,
                    entry: 10,
                    amount: euros(1_500)
                },
                Suggested {
                    prize: 3,
                    entry: 11,
                    amount: euros(500)
                },
                Suggested {
                    prize: 3,
                    entry: 12,
                    amount: euros(500)
                },
                Suggested {
                    prize: 1,
                    entry: 11,
                    amount: euros(250)
                },
                Suggested {
                    prize: 1,
                    entry: 12,
                    amount: euros(250)
                },
            ]
        );
        // Fewer entries than prizes: the rest stay unawarded.
        assert_eq!(suggest(&prizes, &[placed(10, 9.0)]).len(), 1);
    }

    proptest! {
        #[test]
        fn splits_always_add_up_to_the_prize(value in 0i64..10_000_000, ways in 1usize..40) {
            let shares = split(cents(value), ways);
            prop_assert_eq!(shares.len(), ways);
            prop_assert_eq!(shares.iter().map(|m| m.cents()).sum::<i64>(), value);
            let (min, max) = (
                shares.iter().map(|m| m.cents()).min().unwrap(),
                shares.iter().map(|m| m.cents()).max().unwrap(),
            );
            prop_assert!(max - min <= 1);
        }

        /// Awards checked one after another (as the locked transaction runs
        /// them), withdrawn at random, never exceed the pool or the budget.
        #[test]
        fn no_sequence_of_awards_and_withdrawals_exceeds_a_limit(
            steps in proptest::collection::vec((0usize..3, 1i64..400_000, any::<bool>()), 1..120),
        ) {
            let pools = [euros(2_000), euros(3_000), euros(1_500)];
            let budget = euros(5_000);
            let mut awards: Vec<(usize, Money)> = Vec::new();
            for (competition, amount, withdraw) in steps {
                if withdraw && !awards.is_empty() {
                    awards.remove(amount as usize % awards.len());
                    continue;
                }
                let in_pool = sum(awards.iter().filter(|(c, _)| *c == competition).map(|(_, m)| *m));
                let limits = Limits {
                    pool: pools[competition],
                    awarded_in_pool: in_pool,
                    budget,
                    awarded_in_programme: sum(awards.iter().map(|(_, m)| *m)),
                };
                if check_award(&limits, cents(amount)).is_ok() {
                    awards.push((competition, cents(amount)));
                }
                for (c, pool) in pools.iter().enumerate() {
                    let total = sum(awards.iter().filter(|(k, _)| *k == c).map(|(_, m)| *m));
                    prop_assert!(total <= *pool);
                }
                prop_assert!(sum(awards.iter().map(|(_, m)| *m)) <= budget);
            }
        }

        /// The suggestion never gives away more than the prizes that follow the
        /// ranking are worth, and ties get equal shares (within a cent).
        #[test]
        fn the_suggestion_gives_no_more_than_the_prizes(
            scores in proptest::collection::vec(0u8..5, 0..12),
        ) {
            let prizes = [
                prize(Tier::First, 1_000),
                prize(Tier::Second, 700),
                prize(Tier::Third, 333),
                prize(Tier::Honourable, 101),
            ];
            let mut ranking: Vec<Placed> = scores
                .iter()
                .enumerate()
                .map(|(i, s)| placed(i as i64, f64::from(*s)))
                .collect();
            ranking.sort_by(|a, b| b.key[0].total_cmp(&a.key[0]));
            let suggested = suggest(&prizes, &ranking);
            let given: i64 = suggested.iter().map(|s| s.amount.cents()).sum();
            prop_assert!(given <= sum(prizes.iter().map(|p| p.value)).cents());
            for (i, p) in prizes.iter().enumerate() {
                let shares: Vec<i64> = suggested.iter().filter(|s| s.prize == i).map(|s| s.amount.cents()).collect();
                let total: i64 = shares.iter().sum();
                prop_assert!(total == 0 || total == p.value.cents());
            }
        }
    }
}
