//! The programme's news (Atom feed) and dates (ICS calendar) for the public,
//! from the catalogue's public competitions and their announcements (rules in
//! [`crate::domain::news`]). The winners appear in the news only once
//! announced: they are read through [`announcements::results`], which answers
//! nothing before.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};

use super::ServiceError;
use super::announcements::{self, Winner};
use super::catalogue::{Catalogue, Placed};
use crate::domain::news::{self, Date, News, NewsKind, Timeline};
use crate::entities::announcement;

/// One item of news with its competition, and the winners of an announcement.
pub struct NewsItem<'a> {
    pub news: News,
    pub placed: Placed<'a>,
    pub winners: Vec<Winner>,
}

/// One date with its competition.
pub struct DateItem<'a> {
    pub date: Date,
    pub placed: Placed<'a>,
}

/// Each public competition's timeline: the catalogue's dates and state, and
/// its announcement (one query for all of them).
async fn timelines<'a>(
    conn: &impl ConnectionTrait,
    catalogue: &'a Catalogue,
) -> Result<Vec<(Timeline, Placed<'a>)>, ServiceError> {
    let announced: HashMap<i64, announcement::Model> = announcement::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.competition_id, a))
        .collect();
    Ok(catalogue
        .competitions()
        .map(|placed| {
            let c = placed.competition;
            let a = announced.get(&c.id);
            let timeline = Timeline {
                competition_id: c.id,
                state: c.state,
                opens_at: c.opens_at,
                closes_at: c.closes_at,
                reopened_at: c.reopened_at,
                updated_at: c.updated_at,
                announcement_scheduled: a.map(|a| a.scheduled_for),
                announced_at: a.and_then(|a| a.announced_at),
            };
            (timeline, placed)
        })
        .collect())
}

/// The programme's news as of `now`, newest first; an announcement carries
/// its winners.
pub async fn news<'a>(
    conn: &impl ConnectionTrait,
    catalogue: &'a Catalogue,
    now: DateTime<Utc>,
) -> Result<Vec<NewsItem<'a>>, ServiceError> {
    let timelines = timelines(conn, catalogue).await?;
    let placed: HashMap<i64, Placed<'a>> = timelines
        .iter()
        .map(|(timeline, at)| (timeline.competition_id, *at))
        .collect();
    let mut items = Vec::new();
    for item in news::news(timelines.iter().map(|(t, _)| t), now) {
        let Some(&at) = placed.get(&item.competition_id) else {
            continue;
        };
        let winners = if item.kind == NewsKind::Announced {
            announcements::results(conn, at.competition)
                .await?
                .map(|r| r.winners)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        items.push(NewsItem {
            news: item,
            placed: at,
            winners,
        });
    }
    Ok(items)
}

/// The programme's dates: windows, deadlines and announcements.
pub async fn dates<'a>(
    conn: &impl ConnectionTrait,
    catalogue: &'a Catalogue,
) -> Result<Vec<DateItem<'a>>, ServiceError> {
    Ok(timelines(conn, catalogue)
        .await?
        .into_iter()
        .flat_map(|(timeline, placed)| {
            news::dates_of(&timeline)
                .into_iter()
                .map(move |date| DateItem { date, placed })
        })
        .collect())
}
