//! The ranking of a competition from its submitted sheets, explained: per entry
//! the weighted mean and median, the disagreement and the normalised score, per
//! juror the leniency, Krippendorff's alpha for the panel, both rankings side by
//! side and the tie-break rule (see [`crate::domain::jury::scoring`]).
//!
//! Sheets count when their juror sits on the panel and no conflict keeps them
//! from the entry; an entry without any counted sheet is listed as unranked,
//! never given a zero. Scores are read as one stream, so a national programme's
//! millions of scores do not sit in memory as rows.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use futures_util::TryStreamExt;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement, StreamTrait};

use super::{Criterion, settings, stored_criteria};
use crate::domain::jury::conflicts::ConflictStatus;
use crate::domain::jury::rounds::Outcome;
use crate::domain::jury::scoring::{self, Aggregate, Basis, EntryResult, JurorResult, Scored};
use crate::entities::{conflict, jury_round, panel_member, round_decision, user};
use crate::services::ServiceError;

/// One entry of the ranking.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub entry_id: i64,
    pub kennzahl: String,
    pub title: String,
    pub result: EntryResult,
    /// Places 1, 2, … by the raw mean and by the normalised score.
    pub raw_place: usize,
    pub normalised_place: usize,
    /// The round it left in, if it did.
    pub out_in_round: Option<u32>,
}

/// A juror's line.
#[derive(Debug, Clone)]
pub struct JurorLine {
    pub name: String,
    pub result: JurorResult,
}

/// The whole ranking.
#[derive(Debug, Clone)]
pub struct Ranking {
    pub basis: Basis,
    /// In order of the competition's basis: entries still in first, then those
    /// that left in a round (the later round first).
    pub entries: Vec<Ranked>,
    /// Admitted entries without any counted sheet.
    pub unranked: Vec<(String, String)>,
    pub jurors: Vec<JurorLine>,
    pub alpha: Option<f64>,
    pub flag_above: f64,
    pub criteria: Vec<Criterion>,
}

/// A fifth of the criteria's mean scale span: on 0–10, a standard deviation
/// above 2 points puts an entry up for discussion.
fn flag_above(criteria: &[Criterion]) -> f64 {
    if criteria.is_empty() {
        return f64::INFINITY;
    }
    let span: f64 = criteria
        .iter()
        .map(|c| f64::from(c.spec.scale_max - c.spec.scale_min))
        .sum::<f64>()
        / criteria.len() as f64;
    span / 5.0
}

/// The sheet scores that count, read as one stream of one row per entry.
///
/// Each submitted sheet keeps its points (Σ weight × score), so the database
/// reads one covering index and hands over each entry's sheets packed as
/// `juror:points,…`: a hundred thousand rows for a national programme's
/// 700,000 sheets instead of 4.2 million scores.
pub(crate) async fn counted_scores<C>(
    conn: &C,
    competition_id: i64,
    criteria: &[Criterion],
) -> Result<Vec<Scored>, ServiceError>
where
    C: ConnectionTrait + StreamTrait,
{
    let seated: HashSet<i64> = panel_member::Entity::find()
        .filter(panel_member::Column::CompetitionId.eq(competition_id))
        .filter(panel_member::Column::AcceptedAt.is_not_null())
        .all(conn)
        .await?
        .iter()
        .map(|s| s.user_id)
        .collect();
    let kept_away: HashSet<(i64, i64)> = conflict::Entity::find()
        .filter(conflict::Column::CompetitionId.eq(competition_id))
        .filter(conflict::Column::Status.ne(ConflictStatus::Dismissed))
        .all(conn)
        .await?
        .iter()
        .map(|c| (c.juror_id, c.entry_id))
        .collect::<HashSet<(i64, i64)>>();
    let total_weight: f64 = criteria.iter().map(|c| f64::from(c.spec.weight)).sum();
    if total_weight <= 0.0 {
        return Ok(Vec::new());
    }
    let backend = ConnectionTrait::get_database_backend(conn);
    let sql = if backend == sea_orm::DbBackend::Postgres {
        "SELECT entry_id, string_agg(juror_id::text || ':' || points::text, ',') \
         FROM score_sheets WHERE competition_id = $1 AND points IS NOT NULL GROUP BY entry_id"
    } else {
        "SELECT entry_id, group_concat(juror_id || ':' || points, ',') \
         FROM score_sheets WHERE competition_id = ? AND points IS NOT NULL GROUP BY entry_id"
    };
    let statement = Statement::from_sql_and_values(backend, sql, [competition_id.into()]);
    let rows = conn.stream_raw(statement).await?;
    let mut rows = std::pin::pin!(rows);
    let mut scored = Vec::new();
    let corrupt = |packed: &str| ServiceError::Corrupt(format!("score_sheets: points `{packed}`"));
    while let Some(row) = rows.try_next().await? {
        let entry: i64 = row.try_get_by_index(0)?;
        let packed: String = row.try_get_by_index(1)?;
        for sheet in packed.split(',') {
            let (juror, points) = sheet.split_once(':').ok_or_else(|| corrupt(sheet))?;
            let juror: i64 = juror.parse().map_err(|_| corrupt(sheet))?;
            let points: i64 = points.parse().map_err(|_| corrupt(sheet))?;
            if seated.contains(&juror) {
                scored.push(Scored {
                    juror,
                    entry,
                    score: points as f64 / total_weight,
                });
            }
        }
    }
    // The same sums in the same order on every engine and every run.
    scored.sort_unstable_by_key(|s| (s.entry, s.juror));
    Ok(scoring::without_conflicts(scored, &kept_away))
}

/// The entries out in a round, with the round's number.
async fn out_in_rounds(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<HashMap<i64, u32>, ServiceError> {
    let rounds = jury_round::Entity::find()
        .filter(jury_round::Column::CompetitionId.eq(competition_id))
        .all(conn)
        .await?;
    let numbers: HashMap<i64, u32> = rounds
        .iter()
        .map(|r| (r.id, u32::try_from(r.number).unwrap_or(0)))
        .collect();
    let decisions = round_decision::Entity::find()
        .filter(round_decision::Column::RoundId.is_in(numbers.keys().copied().collect::<Vec<_>>()))
        .filter(round_decision::Column::Outcome.eq(Outcome::Out.as_str()))
        .all(conn)
        .await?;
    Ok(decisions
        .iter()
        .filter_map(|d| Some((d.entry_id, *numbers.get(&d.round_id)?)))
        .collect())
}

/// The admitted entries in the order of their ids, with Kennzahl and title, in
/// one query that reads only those columns.
async fn admitted_entries(
    conn: &impl ConnectionTrait,
    competition_id: i64,
) -> Result<(Vec<i64>, HashMap<i64, (String, String)>), ServiceError> {
    let backend = conn.get_database_backend();
    let sql = "SELECT e.id, e.kennzahl, e.title FROM prechecks p \
               JOIN entries e ON e.id = p.entry_id \
               WHERE p.competition_id = $1 AND p.verdict = 'admitted' ORDER BY e.id";
    let sql = if backend == sea_orm::DbBackend::Postgres {
        sql.to_owned()
    } else {
        sql.replace("$1", "?")
    };
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [competition_id.into()],
        ))
        .await?;
    let mut admitted = Vec::with_capacity(rows.len());
    let mut names = HashMap::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get_by_index(0)?;
        let kennzahl: Option<String> = row.try_get_by_index(1)?;
        let title: String = row.try_get_by_index(2)?;
        admitted.push(id);
        names.insert(id, (kennzahl.unwrap_or_default(), title));
    }
    Ok((admitted, names))
}

/// The ranking of competition `id` as it stands.
pub async fn ranking<C>(conn: &C, id: i64) -> Result<Ranking, ServiceError>
where
    C: ConnectionTrait + StreamTrait,
{
    let jury = settings(conn, id).await?;
    let criteria = stored_criteria(conn, id).await?;
    let scored = counted_scores(conn, id, &criteria).await?;
    let flag = flag_above(&criteria);
    let aggregate: Aggregate = scoring::aggregate(&scored, flag);
    let (admitted, names) = admitted_entries(conn, id).await?;
    let kennzahl = |entry: i64| names.get(&entry).map_or("", |(k, _)| k.as_str());
    let by_raw = scoring::rank(&aggregate, Basis::Raw, kennzahl);
    let by_normalised = scoring::rank(&aggregate, Basis::Normalised, kennzahl);
    let place = |ranked: &[&EntryResult]| -> HashMap<i64, usize> {
        ranked
            .iter()
            .enumerate()
            .map(|(i, e)| (e.entry, i + 1))
            .collect()
    };
    let (raw, normalised) = (place(&by_raw), place(&by_normalised));
    let out = out_in_rounds(conn, id).await?;
    let in_order = match jury.basis {
        Basis::Raw => by_raw,
        Basis::Normalised => by_normalised,
    };
    let mut entries: Vec<Ranked> = in_order
        .into_iter()
        .filter(|e| names.contains_key(&e.entry))
        .map(|e| {
            let (kennzahl, title) = names.get(&e.entry).cloned().unwrap_or_default();
            Ranked {
                entry_id: e.entry,
                kennzahl,
                title,
                raw_place: raw.get(&e.entry).copied().unwrap_or(0),
                normalised_place: normalised.get(&e.entry).copied().unwrap_or(0),
                out_in_round: out.get(&e.entry).copied(),
                result: e.clone(),
            }
        })
        .collect();
    // Still in first; then out in a later round before out in an earlier one.
    entries.sort_by_key(|e| std::cmp::Reverse(e.out_in_round.map_or(u32::MAX, |n| n)));
    let ranked: HashSet<i64> = entries.iter().map(|e| e.entry_id).collect();
    let mut unranked: Vec<(String, String)> = admitted
        .iter()
        .filter(|e| !ranked.contains(e))
        .filter_map(|e| names.get(e).cloned())
        .collect();
    unranked.sort();
    let people: HashMap<i64, String> = user::Entity::find()
        .filter(
            user::Column::Id.is_in(aggregate.jurors.iter().map(|j| j.juror).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|u| {
            (
                u.id,
                if u.display_name.is_empty() {
                    u.email
                } else {
                    u.display_name
                },
            )
        })
        .collect();
    let jurors = aggregate
        .jurors
        .iter()
        .map(|j| JurorLine {
            name: people.get(&j.juror).cloned().unwrap_or_default(),
            result: j.clone(),
        })
        .collect();
    Ok(Ranking {
        basis: jury.basis,
        entries,
        unranked,
        jurors,
        alpha: aggregate.alpha,
        flag_above: flag,
        criteria,
    })
}

/// Rankings computed before, per competition, with the version of its jury
/// data they were computed from (`juries.version`, which every jury write
/// raises in its transaction: see [`super::locked`]). A page asks the database
/// for the version (one small query) and computes the ranking again only when
/// it moved, on any instance; the jurors' names are read fresh each time.
#[derive(Default)]
pub struct RankingCache {
    computed: Mutex<HashMap<i64, (i64, Arc<Ranking>)>>,
}

impl RankingCache {
    /// The ranking of competition `id` as it stands, from memory when nothing
    /// changed since it was computed.
    pub async fn ranking(
        &self,
        db: &sea_orm::DatabaseConnection,
        id: i64,
    ) -> Result<Arc<Ranking>, ServiceError> {
        use sea_orm::QuerySelect;
        let version: Option<i64> = crate::entities::jury::Entity::find_by_id(id)
            .select_only()
            .column(crate::entities::jury::Column::Version)
            .into_tuple()
            .one(db)
            .await?;
        let Some(version) = version else {
            return Ok(Arc::new(ranking(db, id).await?));
        };
        let known = self
            .computed
            .lock()
            .map_err(|_| ServiceError::Corrupt("ranking cache poisoned".into()))?
            .get(&id)
            .filter(|(at, _)| *at == version)
            .map(|(_, r)| r.clone());
        let mut fresh = match known {
            Some(r) => (*r).clone(),
            None => {
                let computed = Arc::new(ranking(db, id).await?);
                self.computed
                    .lock()
                    .map_err(|_| ServiceError::Corrupt("ranking cache poisoned".into()))?
                    .insert(id, (version, computed.clone()));
                return Ok(computed);
            }
        };
        // Names may change without the jury's data changing.
        let ids: Vec<i64> = fresh.jurors.iter().map(|j| j.result.juror).collect();
        let people = user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(db)
            .await?;
        for line in &mut fresh.jurors {
            if let Some(u) = people.iter().find(|u| u.id == line.result.juror) {
                line.name = if u.display_name.is_empty() {
                    u.email.clone()
                } else {
                    u.display_name.clone()
                };
            }
        }
        Ok(Arc::new(fresh))
    }
}
