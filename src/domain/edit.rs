//! Which details of a competition may change in which state (the budget rule is
//! in [`super::prizes`]).

use chrono::{DateTime, Utc};

use super::guards::SubmissionWindow;
use super::lifecycle::CompetitionState;
use super::money::Money;

/// The schedule and money parts of an edit; texts may change until the announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompetitionEdit {
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub prize_money: Option<Money>,
    pub texts: bool,
    /// The entry form (fields and eligibility rules) changes.
    pub entry_form: bool,
}

/// What an accepted edit means beyond the new values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditOutcome {
    pub window: SubmissionWindow,
    /// The deadline of an open competition moved later (entrants are told).
    pub deadline_extended: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("a competition in state `{state}` can no longer be edited")]
    Frozen { state: CompetitionState },
    #[error("opens_at can only change before the competition opens (it is `{state}`)")]
    OpeningFixed { state: CompetitionState },
    #[error(
        "closes_at cannot change in state `{state}`; re-open the competition with a new deadline instead"
    )]
    DeadlineFixed { state: CompetitionState },
    #[error(
        "an open competition's deadline can only be extended: choose a closes_at later than {current}"
    )]
    DeadlineShortened { current: DateTime<Utc> },
    #[error("closes_at must be in the future")]
    DeadlineInPast,
    #[error("opens_at must be before closes_at")]
    WindowOrder,
    #[error("the prize money is fixed once the jury has decided (state `{state}`)")]
    PrizeMoneyFixed { state: CompetitionState },
    #[error(
        "the entry form can only change before the competition opens (it is `{state}`): entries already made were checked against it"
    )]
    FormFixed { state: CompetitionState },
}

/// Checks an edit against the lifecycle state and returns the resulting window.
pub fn check_edit(
    state: CompetitionState,
    current: SubmissionWindow,
    edit: &CompetitionEdit,
    now: DateTime<Utc>,
) -> Result<EditOutcome, EditError> {
    use CompetitionState as S;
    if matches!(state, S::Announced | S::Archived | S::Cancelled) {
        return Err(EditError::Frozen { state });
    }
    let before_opening = matches!(state, S::Draft | S::Scheduled);
    if edit.opens_at.is_some_and(|at| Some(at) != current.opens_at) && !before_opening {
        return Err(EditError::OpeningFixed { state });
    }
    if edit.entry_form && !before_opening {
        return Err(EditError::FormFixed { state });
    }
    let mut deadline_extended = false;
    if let Some(closes) = edit.closes_at.filter(|at| Some(*at) != current.closes_at) {
        match state {
            S::Draft => {}
            S::Scheduled if closes > now => {}
            S::Open => match current.closes_at {
                Some(old) if closes < old => {
                    return Err(EditError::DeadlineShortened { current: old });
                }
                _ if closes <= now => return Err(EditError::DeadlineInPast),
                _ => deadline_extended = true,
            },
            S::Scheduled => return Err(EditError::DeadlineInPast),
            _ => return Err(EditError::DeadlineFixed { state }),
        }
    }
    if edit.prize_money.is_some() && matches!(state, S::Decided) {
        return Err(EditError::PrizeMoneyFixed { state });
    }
    let window = SubmissionWindow {
        opens_at: edit.opens_at.or(current.opens_at),
        closes_at: edit.closes_at.or(current.closes_at),
    };
    if let (Some(opens), Some(closes)) = (window.opens_at, window.closes_at)
        && opens >= closes
    {
        return Err(EditError::WindowOrder);
    }
    Ok(EditOutcome {
        window,
        deadline_extended,
    })
}

/// What staff may still change about a competition in its state, each with the
/// reason when not: the competition page shows it, the edit form offers only what
/// may change. The same rules as [`check_edit`] (a test holds them together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editable {
    pub texts: Result<(), EditError>,
    pub opening: Result<(), EditError>,
    /// `Ok(true)`: only later (an open competition's deadline is extended, never
    /// shortened).
    pub deadline: Result<bool, EditError>,
    pub prize_money: Result<(), EditError>,
    pub entry_form: Result<(), EditError>,
}

pub fn editable(state: CompetitionState) -> Editable {
    use CompetitionState as S;
    if matches!(state, S::Announced | S::Archived | S::Cancelled) {
        let frozen = Err(EditError::Frozen { state });
        return Editable {
            texts: frozen.clone(),
            opening: frozen.clone(),
            deadline: Err(EditError::Frozen { state }),
            prize_money: frozen.clone(),
            entry_form: frozen,
        };
    }
    let before_opening = matches!(state, S::Draft | S::Scheduled);
    Editable {
        texts: Ok(()),
        opening: if before_opening {
            Ok(())
        } else {
            Err(EditError::OpeningFixed { state })
        },
        deadline: match state {
            S::Draft | S::Scheduled => Ok(false),
            S::Open => Ok(true),
            _ => Err(EditError::DeadlineFixed { state }),
        },
        prize_money: if state == S::Decided {
            Err(EditError::PrizeMoneyFixed { state })
        } else {
            Ok(())
        },
        entry_form: if before_opening {
            Ok(())
        } else {
            Err(EditError::FormFixed { state })
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CompetitionState as S;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 9, day, 22, 0, 0).unwrap()
    }

    fn window(opens: u32, closes: u32) -> SubmissionWindow {
        SubmissionWindow {
            opens_at: Some(at(opens)),
            closes_at: Some(at(closes)),
        }
    }

    fn closes(day: u32) -> CompetitionEdit {
        CompetitionEdit {
            closes_at: Some(at(day)),
            ..Default::default()
        }
    }

    #[test]
    fn an_open_deadline_can_be_extended_but_never_shortened() {
        let w = window(1, 20);
        let extended = check_edit(S::Open, w, &closes(30), at(10)).unwrap();
        assert!(extended.deadline_extended);
        assert_eq!(extended.window.closes_at, Some(at(30)));
        assert_eq!(
            check_edit(S::Open, w, &closes(15), at(10)),
            Err(EditError::DeadlineShortened { current: at(20) })
        );
        assert!(
            !check_edit(S::Open, w, &closes(20), at(10))
                .unwrap()
                .deadline_extended
        );
    }

    #[test]
    fn the_schedule_is_fixed_where_it_has_taken_effect() {
        let w = window(5, 20);
        let opens = CompetitionEdit {
            opens_at: Some(at(2)),
            ..Default::default()
        };
        assert!(check_edit(S::Scheduled, w, &opens, at(1)).is_ok());
        assert_eq!(
            check_edit(S::Open, w, &opens, at(6)),
            Err(EditError::OpeningFixed { state: S::Open })
        );
        assert_eq!(
            check_edit(S::Closed, w, &closes(28), at(21)),
            Err(EditError::DeadlineFixed { state: S::Closed })
        );
        assert_eq!(
            check_edit(S::Scheduled, w, &closes(3), at(4)),
            Err(EditError::DeadlineInPast)
        );
        let form = CompetitionEdit {
            entry_form: true,
            ..Default::default()
        };
        assert!(check_edit(S::Scheduled, w, &form, at(1)).is_ok());
        assert_eq!(
            check_edit(S::Open, w, &form, at(6)),
            Err(EditError::FormFixed { state: S::Open })
        );
    }

    #[test]
    fn the_window_stays_in_order() {
        let opens_late = CompetitionEdit {
            opens_at: Some(at(25)),
            ..Default::default()
        };
        assert_eq!(
            check_edit(S::Draft, window(1, 20), &opens_late, at(1)),
            Err(EditError::WindowOrder)
        );
    }

    #[test]
    fn finished_competitions_are_frozen_and_decided_prizes_fixed() {
        let texts = CompetitionEdit {
            texts: true,
            ..Default::default()
        };
        for state in [S::Announced, S::Archived, S::Cancelled] {
            assert_eq!(
                check_edit(state, window(1, 2), &texts, at(3)),
                Err(EditError::Frozen { state })
            );
        }
        let money = CompetitionEdit {
            prize_money: Money::from_euros(10).ok(),
            ..Default::default()
        };
        assert!(check_edit(S::InReview, window(1, 2), &money, at(3)).is_ok());
        assert!(check_edit(S::Decided, window(1, 2), &money, at(3)).is_err());
    }

    #[test]
    fn what_the_page_offers_is_what_check_edit_accepts() {
        let now = at(10);
        let current = window(5, 20);
        for state in CompetitionState::ALL {
            let offered = editable(state);
            let probe = |edit: CompetitionEdit| check_edit(state, current, &edit, now);
            let texts = probe(CompetitionEdit {
                texts: true,
                ..Default::default()
            });
            assert_eq!(offered.texts.is_ok(), texts.is_ok(), "{state}: texts");
            let opening = probe(CompetitionEdit {
                opens_at: Some(at(4)),
                ..Default::default()
            });
            assert_eq!(offered.opening.is_ok(), opening.is_ok(), "{state}: opening");
            let later = probe(closes(25));
            assert_eq!(offered.deadline.is_ok(), later.is_ok(), "{state}: deadline");
            let money = probe(CompetitionEdit {
                prize_money: Money::from_euros(1).ok(),
                ..Default::default()
            });
            assert_eq!(offered.prize_money.is_ok(), money.is_ok(), "{state}: money");
            let form = probe(CompetitionEdit {
                entry_form: true,
                ..Default::default()
            });
            assert_eq!(offered.entry_form.is_ok(), form.is_ok(), "{state}: form");
        }
    }
}
