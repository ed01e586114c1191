//! The rules of an entry: its states, when it may change, and its Kennzahl.

use chrono::{DateTime, Utc};

use super::entry_form::{FieldProblem, Localized};
use super::guards::SubmissionWindow;
use super::lifecycle::CompetitionState;

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// Being written; only its authors see it.
    Draft,
    /// Taking part, with a receipt number and a Kennzahl.
    Submitted,
    /// Taken back by its authors; no longer taking part.
    Withdrawn,
}

impl EntryStatus {
    pub const ALL: [Self; 3] = [Self::Draft, Self::Submitted, Self::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Withdrawn => "withdrawn",
        }
    }
}

named_values!(EntryStatus, "entry status");

/// How an idea reached the city.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntrySource {
    /// Entered by its author on the pages or through the API.
    Online,
    /// Recorded by staff from an email.
    Email,
    /// Recorded by staff from a paper form.
    Paper,
    /// Recorded by staff in the walk-in shop.
    WalkIn,
}

impl EntrySource {
    pub const ALL: [Self; 4] = [Self::Online, Self::Email, Self::Paper, Self::WalkIn];
    /// The sources staff record ideas from.
    pub const STAFF: [Self; 3] = [Self::Email, Self::Paper, Self::WalkIn];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Email => "email",
            Self::Paper => "paper",
            Self::WalkIn => "walk_in",
        }
    }
}

named_values!(EntrySource, "source");

/// What someone wants to do with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryAction {
    Create,
    Edit,
    Submit,
    Withdraw,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("the competition does not accept entries now (it is `{state}`)")]
    CompetitionNotOpen { state: CompetitionState },
    #[error("the deadline has passed ({closes_at}); entries can no longer be changed")]
    DeadlinePassed { closes_at: DateTime<Utc> },
    #[error("a withdrawn entry cannot be changed")]
    Withdrawn,
    #[error("this entry is already submitted")]
    AlreadySubmitted,
    #[error("only a submitted entry can be withdrawn")]
    NotSubmitted,
    #[error("the idea cannot have arrived in the future ({arrived_at})")]
    ArrivedInFuture { arrived_at: DateTime<Utc> },
    #[error("the idea arrived after the deadline ({closes_at})")]
    ArrivedLate { closes_at: DateTime<Utc> },
}

/// Whether staff may record an idea that reached the city at `arrived_at` (by
/// post, email or at the shop), now. What counts is when it arrived, as in any
/// office: posted before the deadline, it is accepted even when typed in after it,
/// while the competition is open or closed (not once the review has begun).
/// Returns whether it is recorded after the deadline (the entry notes that).
pub fn accepts_arrival(
    state: CompetitionState,
    window: SubmissionWindow,
    arrived_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, EntryError> {
    if arrived_at > now {
        return Err(EntryError::ArrivedInFuture { arrived_at });
    }
    if !matches!(state, CompetitionState::Open | CompetitionState::Closed) {
        return Err(EntryError::CompetitionNotOpen { state });
    }
    if window.opens_at.is_some_and(|opens| arrived_at < opens) {
        return Err(EntryError::CompetitionNotOpen { state });
    }
    match window.closes_at {
        Some(closes_at) if arrived_at >= closes_at => Err(EntryError::ArrivedLate { closes_at }),
        Some(closes_at) => Ok(now >= closes_at),
        None => Ok(false),
    }
}

/// Decides whether `action` is allowed on an entry in `status` (None: a new entry)
/// for a competition in `state` with `window`, at `now`; returns the new status.
pub fn decide(
    action: EntryAction,
    status: Option<EntryStatus>,
    state: CompetitionState,
    window: SubmissionWindow,
    now: DateTime<Utc>,
) -> Result<EntryStatus, EntryError> {
    if state != CompetitionState::Open {
        return Err(EntryError::CompetitionNotOpen { state });
    }
    if !window.contains(now) {
        return match window.closes_at {
            Some(closes_at) if now >= closes_at => Err(EntryError::DeadlinePassed { closes_at }),
            _ => Err(EntryError::CompetitionNotOpen { state }),
        };
    }
    use EntryAction as A;
    use EntryStatus as S;
    match (action, status) {
        (A::Create, _) => Ok(S::Draft),
        (_, Some(S::Withdrawn)) => Err(EntryError::Withdrawn),
        (A::Edit, Some(current)) => Ok(current),
        (A::Submit, Some(S::Draft)) => Ok(S::Submitted),
        (A::Submit, Some(S::Submitted)) => Err(EntryError::AlreadySubmitted),
        (A::Withdraw, Some(S::Submitted)) => Ok(S::Withdrawn),
        (A::Withdraw, Some(S::Draft)) => Err(EntryError::NotSubmitted),
        (A::Edit | A::Submit | A::Withdraw, None) => Err(EntryError::NotSubmitted),
    }
}

/// The longest title, summary and description, in characters.
pub const TITLE_MAX: usize = 200;
pub const SUMMARY_MAX: usize = 1_000;
pub const DESCRIPTION_MAX: usize = 20_000;

/// Whether a text shows anything: not only spaces, line breaks or characters that
/// take no room (zero-width spaces and joiners, soft hyphens, byte-order marks).
pub fn is_visible(text: &str) -> bool {
    text.chars().any(|c| {
        !c.is_whitespace()
            && !matches!(
                c,
                '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
            )
    })
}

/// What is wrong with an entry's fixed texts, for every way an entry arrives (the
/// API, the pages, staff on someone's behalf): a title and a summary that show
/// something, and the length limits.
pub fn text_problems(title: &str, summary: &str, description: &str) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    if !is_visible(title) || title.chars().count() > TITLE_MAX {
        problems.push(FieldProblem {
            field: "title".into(),
            message: Localized::new(
                "Bitte geben Sie einen Titel an (höchstens 200 Zeichen).",
                "Please give a title (at most 200 characters).",
            ),
        });
    }
    if !is_visible(summary) || summary.chars().count() > SUMMARY_MAX {
        problems.push(FieldProblem {
            field: "summary".into(),
            message: Localized::new(
                "Bitte beschreiben Sie Ihre Idee kurz (höchstens 1.000 Zeichen).",
                "Please describe your idea briefly (at most 1,000 characters).",
            ),
        });
    }
    if description.chars().count() > DESCRIPTION_MAX {
        problems.push(FieldProblem {
            field: "description".into(),
            message: Localized::new(
                "Die ausführliche Beschreibung darf höchstens 20.000 Zeichen lang sein.",
                "The full description may have at most 20,000 characters.",
            ),
        });
    }
    problems
}

/// The receipt number of a submitted entry: year of submission, competition and
/// entry, e.g. `2020-05-00042`. It names the entry for good, so it never changes.
pub fn receipt_number(submitted_at: DateTime<Utc>, competition_id: i64, entry_id: i64) -> String {
    use chrono::Datelike;
    format!(
        "{}-{:02}-{:05}",
        submitted_at.year(),
        competition_id,
        entry_id
    )
}

/// A Kennzahl: six digits from a random number (leading zeros kept).
pub fn kennzahl(random: u32) -> String {
    format!("{:06}", random % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use CompetitionState as C;
    use EntryAction as A;
    use EntryStatus as S;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 9, day, 12, 0, 0).unwrap()
    }

    #[test]
    fn entries_follow_their_rules_while_the_competition_is_open() {
        let window = SubmissionWindow {
            opens_at: Some(at(1)),
            closes_at: Some(at(20)),
        };
        let now = at(10);
        let cases = [
            (A::Create, None, Ok(S::Draft)),
            (A::Edit, Some(S::Draft), Ok(S::Draft)),
            (A::Edit, Some(S::Submitted), Ok(S::Submitted)),
            (A::Submit, Some(S::Draft), Ok(S::Submitted)),
            (
                A::Submit,
                Some(S::Submitted),
                Err(EntryError::AlreadySubmitted),
            ),
            (A::Withdraw, Some(S::Submitted), Ok(S::Withdrawn)),
            (A::Withdraw, Some(S::Draft), Err(EntryError::NotSubmitted)),
            (A::Edit, Some(S::Withdrawn), Err(EntryError::Withdrawn)),
            (A::Submit, Some(S::Withdrawn), Err(EntryError::Withdrawn)),
        ];
        for (action, status, expected) in cases {
            assert_eq!(
                decide(action, status, C::Open, window, now),
                expected,
                "{action:?} {status:?}"
            );
        }
    }

    #[test]
    fn nothing_changes_outside_the_window_or_an_open_competition() {
        let window = SubmissionWindow {
            opens_at: Some(at(1)),
            closes_at: Some(at(20)),
        };
        assert_eq!(
            decide(A::Edit, Some(S::Draft), C::Open, window, at(20)),
            Err(EntryError::DeadlinePassed { closes_at: at(20) })
        );
        assert_eq!(
            decide(A::Create, None, C::Scheduled, window, at(10)),
            Err(EntryError::CompetitionNotOpen {
                state: C::Scheduled
            })
        );
        assert!(decide(A::Submit, Some(S::Draft), C::Closed, window, at(25)).is_err());
    }

    #[test]
    fn titles_and_summaries_must_show_something() {
        let fields = |title: &str, summary: &str| -> Vec<String> {
            text_problems(title, summary, "")
                .into_iter()
                .map(|p| p.field)
                .collect()
        };
        assert!(fields("Solarbänke", "Bänke mit Strom.").is_empty());
        assert_eq!(fields("   ", "\u{200B}\u{FEFF} \n"), ["title", "summary"]);
        assert_eq!(fields("\u{00AD}\u{2060}", "Gut"), ["title"]);
        assert_eq!(fields(&"x".repeat(201), "Gut"), ["title"]);
        assert!(fields(&"ü".repeat(200), "Gut").is_empty());
        assert_eq!(
            text_problems("T", "S", &"d".repeat(20_001))[0].field,
            "description"
        );
    }

    #[test]
    fn a_receipt_names_year_competition_and_entry() {
        assert_eq!(receipt_number(at(10), 5, 42), "2020-05-00042");
        assert_eq!(receipt_number(at(10), 12, 123_456), "2020-12-123456");
    }

    #[test]
    fn a_kennzahl_has_six_digits() {
        assert_eq!(kennzahl(42), "000042");
        assert_eq!(kennzahl(4_294_967_295), "967295");
    }

    #[test]
    fn a_paper_idea_counts_by_the_day_it_arrived() {
        use chrono::{Duration, TimeZone};
        let closes = Utc.with_ymd_and_hms(2020, 9, 30, 21, 59, 0).unwrap();
        let window = SubmissionWindow {
            opens_at: Some(closes - Duration::days(90)),
            closes_at: Some(closes),
        };
        let before = closes - Duration::days(1);
        let after = closes + Duration::days(2);
        assert_eq!(
            accepts_arrival(CompetitionState::Open, window, before, before),
            Ok(false)
        );
        assert_eq!(
            accepts_arrival(CompetitionState::Closed, window, before, after),
            Ok(true),
            "posted in time, typed in late: accepted with a note"
        );
        assert_eq!(
            accepts_arrival(CompetitionState::Closed, window, after, after),
            Err(EntryError::ArrivedLate { closes_at: closes })
        );
        assert_eq!(
            accepts_arrival(CompetitionState::Open, window, after, before),
            Err(EntryError::ArrivedInFuture { arrived_at: after })
        );
        assert!(accepts_arrival(CompetitionState::InReview, window, before, after).is_err());
    }
}
