//! The announcement of a competition's results: staff schedule it for a
//! moment (the embargo); at that moment, and not before, the competition moves
//! to `announced` and the results become public. Pure rules, no IO.

use chrono::{DateTime, Utc};

use super::CompetitionState;

/// The longest jury statement shown with the results.
pub const STATEMENT_MAX_CHARS: usize = 5_000;

/// Why an announcement cannot be scheduled as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnnouncementError {
    #[error(
        "the announcement can be scheduled once the jury's result is locked (`decided`); the competition is `{0}`"
    )]
    NotDecided(CompetitionState),
    #[error("the results are announced already; the announcement cannot move")]
    Announced,
    #[error("the announcement must be in the future; choose a later date and time")]
    InThePast,
    #[error("the jury's statement has at most {STATEMENT_MAX_CHARS} characters; shorten it")]
    StatementTooLong,
}

/// Staff may schedule (or move) the announcement of a decided competition to
/// a moment after `now`, with a statement of reasonable length.
pub fn check_schedule(
    state: CompetitionState,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    statement: &str,
) -> Result<(), AnnouncementError> {
    match state {
        CompetitionState::Decided => {}
        CompetitionState::Announced | CompetitionState::Archived => {
            return Err(AnnouncementError::Announced);
        }
        other => return Err(AnnouncementError::NotDecided(other)),
    }
    if at <= now {
        return Err(AnnouncementError::InThePast);
    }
    if statement.chars().count() > STATEMENT_MAX_CHARS {
        return Err(AnnouncementError::StatementTooLong);
    }
    Ok(())
}

/// Whether the clock announces now: a decided competition whose embargo has
/// passed and that was not announced yet.
pub fn is_due(
    state: CompetitionState,
    scheduled_for: DateTime<Utc>,
    announced_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    state == CompetitionState::Decided && announced_at.is_none() && scheduled_for <= now
}

/// The winners and the jury's statement are public from the announcement on,
/// never before.
pub fn results_public(state: CompetitionState) -> bool {
    matches!(
        state,
        CompetitionState::Announced | CompetitionState::Archived
    )
}

/// Why a winner's name cannot be published so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamingError {
    #[error("entries of children are credited by school and class only, never by name")]
    Minors,
    #[error("give the name as it should appear (1 to 200 characters)")]
    Length,
}

/// The name an adult winner agreed to publish, checked: never for a form
/// for children, trimmed, of reasonable length.
pub fn public_name(for_minors: bool, name: &str) -> Result<String, NamingError> {
    if for_minors {
        return Err(NamingError::Minors);
    }
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 200 {
        return Err(NamingError::Length);
    }
    Ok(name)
}

/// Who the results credit: the name its author agreed to publish (adults
/// only), then the entry form's public fields (school and class,
/// organisation …).
pub fn credit(
    for_minors: bool,
    name: Option<&str>,
    public_fields: Option<String>,
) -> Option<String> {
    let name = name.filter(|_| !for_minors).filter(|n| !n.is_empty());
    match (name, public_fields) {
        (Some(name), Some(fields)) => Some(format!("{name}, {fields}")),
        (Some(name), None) => Some(name.to_owned()),
        (None, fields) => fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CompetitionState as S;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 2, 1, hour, 0, 0).unwrap()
    }

    #[test]
    fn only_a_decided_competition_is_scheduled_and_only_for_later() {
        assert_eq!(check_schedule(S::Decided, at(12), at(10), ""), Ok(()));
        assert_eq!(
            check_schedule(S::Decided, at(10), at(10), ""),
            Err(AnnouncementError::InThePast)
        );
        assert_eq!(
            check_schedule(S::InReview, at(12), at(10), ""),
            Err(AnnouncementError::NotDecided(S::InReview))
        );
        for state in [S::Announced, S::Archived] {
            assert_eq!(
                check_schedule(state, at(12), at(10), ""),
                Err(AnnouncementError::Announced)
            );
        }
        let long = "ä".repeat(STATEMENT_MAX_CHARS + 1);
        assert_eq!(
            check_schedule(S::Decided, at(12), at(10), &long),
            Err(AnnouncementError::StatementTooLong)
        );
        let longest = "ä".repeat(STATEMENT_MAX_CHARS);
        assert_eq!(check_schedule(S::Decided, at(12), at(10), &longest), Ok(()));
    }

    #[test]
    fn the_clock_announces_at_the_embargo_and_once() {
        assert!(!is_due(S::Decided, at(12), None, at(11)));
        assert!(is_due(S::Decided, at(12), None, at(12)));
        assert!(is_due(S::Decided, at(12), None, at(13)));
        assert!(!is_due(S::Decided, at(12), Some(at(12)), at(13)));
        assert!(!is_due(S::Announced, at(12), None, at(13)));
        assert!(!is_due(S::InReview, at(12), None, at(13)));
    }

    #[test]
    fn results_are_public_from_the_announcement_on() {
        for state in [
            S::Draft,
            S::Scheduled,
            S::Open,
            S::Closed,
            S::InReview,
            S::Decided,
            S::Cancelled,
        ] {
            assert!(!results_public(state), "{state}");
        }
        assert!(results_public(S::Announced) && results_public(S::Archived));
    }

    #[test]
    fn only_adults_names_are_credited_and_only_with_consent() {
        assert_eq!(public_name(true, "Anna Beispiel"), Err(NamingError::Minors));
        assert_eq!(
            public_name(false, "  Anna   Beispiel "),
            Ok("Anna Beispiel".into())
        );
        assert_eq!(public_name(false, " "), Err(NamingError::Length));
        assert_eq!(
            credit(false, Some("Anna Beispiel"), Some("Verein Ost".into())),
            Some("Anna Beispiel, Verein Ost".into())
        );
        assert_eq!(
            credit(false, None, Some("Verein Ost".into())),
            Some("Verein Ost".into())
        );
        assert_eq!(
            credit(true, Some("Kind Name"), Some("Klasse 5a".into())),
            Some("Klasse 5a".into()),
            "never a child's name, whatever is stored"
        );
        assert_eq!(credit(false, None, None), None);
    }
}
