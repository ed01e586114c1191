//! What the programme tells the public over time: the news of its Atom feed
//! and the dates of its calendar, derived from each public competition's state
//! and dates. Nothing about a competition's results is news before they are
//! announced. Pure rules, no IO.

use chrono::{DateTime, Utc};

use super::CompetitionState;

/// At most this many news items in the feed (newest first).
pub const NEWS_MAX: usize = 50;

/// What the rules need to know of one public competition.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub competition_id: i64,
    pub state: CompetitionState,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub reopened_at: Option<DateTime<Utc>>,
    /// When the competition row last changed (the moment of a cancellation).
    pub updated_at: DateTime<Utc>,
    /// The announcement's embargo, once staff scheduled it.
    pub announcement_scheduled: Option<DateTime<Utc>>,
    /// When the results were announced.
    pub announced_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NewsKind {
    /// Entries are accepted from now on.
    Opened,
    /// A closed competition takes entries again.
    Reopened,
    /// The deadline passed.
    Closed,
    /// The results are public.
    Announced,
    /// Called off.
    Cancelled,
}

impl NewsKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Reopened => "reopened",
            Self::Closed => "closed",
            Self::Announced => "announced",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One item of news.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct News {
    pub competition_id: i64,
    pub kind: NewsKind,
    pub at: DateTime<Utc>,
}

fn past(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    at.filter(|at| *at <= now)
}

/// The news of one competition, as of `now`.
pub fn news_of(c: &Timeline, now: DateTime<Utc>) -> Vec<News> {
    use CompetitionState as S;
    let item = |kind, at| News {
        competition_id: c.competition_id,
        kind,
        at,
    };
    let mut news = Vec::new();
    if c.state == S::Cancelled {
        news.push(item(NewsKind::Cancelled, c.updated_at.min(now)));
        return news;
    }
    let opened = matches!(
        c.state,
        S::Open | S::Closed | S::InReview | S::Decided | S::Announced | S::Archived
    );
    if opened && let Some(at) = past(c.opens_at, now) {
        news.push(item(NewsKind::Opened, at));
    }
    if opened && let Some(at) = past(c.reopened_at, now) {
        news.push(item(NewsKind::Reopened, at));
    }
    let closed = matches!(
        c.state,
        S::Closed | S::InReview | S::Decided | S::Announced | S::Archived
    );
    if closed && let Some(at) = past(c.closes_at, now) {
        news.push(item(NewsKind::Closed, at));
    }
    if matches!(c.state, S::Announced | S::Archived)
        && let Some(at) = past(c.announced_at, now)
    {
        news.push(item(NewsKind::Announced, at));
    }
    news
}

/// The programme's news: every competition's, newest first (ties in a fixed
/// order), at most [`NEWS_MAX`].
pub fn news<'a>(
    competitions: impl IntoIterator<Item = &'a Timeline>,
    now: DateTime<Utc>,
) -> Vec<News> {
    let mut all: Vec<News> = competitions
        .into_iter()
        .flat_map(|c| news_of(c, now))
        .collect();
    all.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then(a.competition_id.cmp(&b.competition_id))
            .then(a.kind.as_str().cmp(b.kind.as_str()))
    });
    all.truncate(NEWS_MAX);
    all
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    /// The submission window, from its start to the deadline.
    Window,
    /// The deadline itself.
    Deadline,
    /// The announcement of the results.
    Announcement,
}

impl DateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Window => "window",
            Self::Deadline => "deadline",
            Self::Announcement => "announcement",
        }
    }
}

/// One date of the programme's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Date {
    pub competition_id: i64,
    pub kind: DateKind,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    /// The competition was called off: calendars show the date as cancelled.
    pub cancelled: bool,
}

/// The dates of one public competition: its window (from a reopening, if
/// there was one), its deadline, and the announcement once it is scheduled
/// or made.
pub fn dates_of(c: &Timeline) -> Vec<Date> {
    let cancelled = c.state == CompetitionState::Cancelled;
    let date = |kind, starts, ends| Date {
        competition_id: c.competition_id,
        kind,
        starts,
        ends,
        cancelled,
    };
    let mut dates = Vec::new();
    if let Some(closes) = c.closes_at {
        if let Some(opens) = c.reopened_at.or(c.opens_at).filter(|o| *o < closes) {
            dates.push(date(DateKind::Window, opens, closes));
        }
        dates.push(date(DateKind::Deadline, closes, closes));
    }
    if let Some(at) = c.announced_at.or(c.announcement_scheduled) {
        dates.push(date(DateKind::Announcement, at, at));
    }
    dates
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 10, day, 12, 0, 0).unwrap()
    }

    fn timeline(state: CompetitionState) -> Timeline {
        Timeline {
            competition_id: 1,
            state,
            opens_at: Some(at(1)),
            closes_at: Some(at(10)),
            reopened_at: None,
            updated_at: at(1),
            announcement_scheduled: Some(at(20)),
            announced_at: None,
        }
    }

    fn kinds(news: &[News]) -> Vec<NewsKind> {
        news.iter().map(|n| n.kind).collect()
    }

    #[test]
    fn nothing_of_the_results_before_they_are_announced() {
        for state in [
            CompetitionState::Closed,
            CompetitionState::InReview,
            CompetitionState::Decided,
        ] {
            let news = news_of(&timeline(state), at(25));
            assert!(!kinds(&news).contains(&NewsKind::Announced), "{state:?}");
        }
        let mut announced = timeline(CompetitionState::Announced);
        announced.announced_at = Some(at(20));
        assert_eq!(
            kinds(&news_of(&announced, at(25))),
            [NewsKind::Opened, NewsKind::Closed, NewsKind::Announced]
        );
    }

    #[test]
    fn a_scheduled_competition_is_no_news_and_future_dates_are_not_past_news() {
        assert!(news_of(&timeline(CompetitionState::Scheduled), at(25)).is_empty());
        assert_eq!(
            kinds(&news_of(&timeline(CompetitionState::Open), at(5))),
            [NewsKind::Opened]
        );
    }

    #[test]
    fn a_cancellation_is_the_only_news_of_a_cancelled_competition() {
        let mut c = timeline(CompetitionState::Cancelled);
        c.updated_at = at(4);
        assert_eq!(
            news_of(&c, at(5)),
            [News {
                competition_id: 1,
                kind: NewsKind::Cancelled,
                at: at(4)
            }]
        );
        assert!(dates_of(&c).iter().all(|d| d.cancelled));
    }

    #[test]
    fn news_are_newest_first_and_capped() {
        let many: Vec<Timeline> = (0..40)
            .map(|id| Timeline {
                competition_id: id,
                ..timeline(CompetitionState::Closed)
            })
            .collect();
        let news = news(&many, at(25));
        assert_eq!(news.len(), NEWS_MAX);
        assert!(news.windows(2).all(|w| w[0].at >= w[1].at));
        assert_eq!(news[0].kind, NewsKind::Closed);
    }

    #[test]
    fn the_window_starts_at_a_reopening_and_the_announcement_is_dated() {
        let mut c = timeline(CompetitionState::Open);
        c.reopened_at = Some(at(5));
        c.closes_at = Some(at(15));
        let dates = dates_of(&c);
        assert_eq!(dates[0].kind, DateKind::Window);
        assert_eq!((dates[0].starts, dates[0].ends), (at(5), at(15)));
        assert_eq!(dates[1].kind, DateKind::Deadline);
        assert_eq!(dates[2].kind, DateKind::Announcement);
        assert_eq!(dates[2].starts, at(20));
    }
}
