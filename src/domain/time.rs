//! Deadlines are defined and shown in Europe/Berlin and stored in UTC.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::{Europe::Berlin, Tz};

/// The programme's time zone.
pub const ZONE: Tz = Berlin;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalTimeError {
    #[error("`{0}` is not a local date and time like 2020-09-30T23:59")]
    Malformed(String),
    #[error("`{0}` does not exist in Europe/Berlin (the clocks skip it)")]
    Skipped(String),
}

/// Reads a wall-clock time in Europe/Berlin (`2020-09-30T23:59`, seconds optional).
/// An hour that occurs twice when the clocks go back means the first occurrence.
pub fn parse_berlin(text: &str) -> Result<DateTime<Utc>, LocalTimeError> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .map_err(|_| LocalTimeError::Malformed(text.to_owned()))?;
    match ZONE.from_local_datetime(&naive) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Ok(at.with_timezone(&Utc)),
        LocalResult::None => Err(LocalTimeError::Skipped(text.to_owned())),
    }
}

/// `30.09.2020, 23:59 Uhr`
pub fn format_de(at: DateTime<Utc>) -> String {
    at.with_timezone(&ZONE)
        .format("%d.%m.%Y, %H:%M Uhr")
        .to_string()
}

/// `30 Sep 2020, 23:59`
pub fn format_en(at: DateTime<Utc>) -> String {
    at.with_timezone(&ZONE)
        .format("%-d %b %Y, %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berlin_wall_clock_becomes_utc_across_summer_and_winter_time() {
        let summer = parse_berlin("2020-09-30T23:59").unwrap();
        assert_eq!(summer.to_rfc3339(), "2020-09-30T21:59:00+00:00");
        let winter = parse_berlin("2020-12-31T23:59:59").unwrap();
        assert_eq!(winter.to_rfc3339(), "2020-12-31T22:59:59+00:00");
        assert_eq!(format_de(summer), "30.09.2020, 23:59 Uhr");
        assert_eq!(format_en(winter), "31 Dec 2020, 23:59");
    }

    #[test]
    fn rejects_malformed_and_skipped_times() {
        assert!(matches!(
            parse_berlin("30.09.2020"),
            Err(LocalTimeError::Malformed(_))
        ));
        assert!(matches!(
            parse_berlin("2020-03-29T02:30"),
            Err(LocalTimeError::Skipped(_))
        ));
        let doubled = parse_berlin("2020-10-25T02:30").unwrap();
        assert_eq!(doubled.to_rfc3339(), "2020-10-25T00:30:00+00:00");
    }
}
