//! What a juror sees and writes: the queue of entries to score, each entry by
//! its Kennzahl only, and the score sheet with a draft until it is submitted.
//!
//! Everything here goes through [`Juror`]: the entries it hands out are the
//! admitted ones the juror is not kept from. What of an entry is shown is
//! chosen here and only here ([`AnonymousEntry`]): title, texts, goals, the
//! answers the form marks for the jury, the pre-check's note and attachments
//! as "Anlage 1, 2, …". Never the author, co-authors, their answers, contact,
//! source, receipt number or the uploaders' file names.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use super::{Criterion, criteria_in, locked, settings, start_scoring};
use crate::domain::attachments;
use crate::domain::jury::conflicts::ConflictStatus;
use crate::domain::jury::criteria::{Marked, check_sheet, points as sheet_points};
use crate::domain::jury::scoring::{self, Sheet};
use crate::domain::jury::{JuryError, may_score};
use crate::entities::{
    conflict, entry_attachment, panel_member, precheck, score, score_sheet, user,
};
use crate::services::attachments::FileStore;
use crate::services::audit::{self, AuditRecord};
use crate::services::authorization::{Juror, JurorEntry, Manager, QueueProgress, QueuedEntry};
use crate::services::{ServiceError, competitions};

/// An attachment as the jury sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anlage {
    /// 1, 2, … in the order they were attached.
    pub number: usize,
    pub label: &'static str,
    pub size_bytes: i64,
    /// The file may name its author in its own properties.
    pub may_name_author: bool,
}

/// An entry as the jury sees it: by Kennzahl, without anything about who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnonymousEntry {
    pub kennzahl: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub goals: Vec<String>,
    /// The answers the entry form shows to the jury: (label in German, in English, value).
    pub details: Vec<(String, String, String)>,
    pub jury_note: String,
    pub attachments: Vec<Anlage>,
}

async fn anonymous(
    conn: &impl ConnectionTrait,
    seen: &JurorEntry,
) -> Result<AnonymousEntry, ServiceError> {
    let entry = seen.entry();
    let competition = competitions::find(conn, entry.competition_id).await?;
    let form = competitions::form_of(&competition)?;
    let answers = entry.jury_answers()?;
    let details = form
        .fields
        .iter()
        .filter(|field| field.jury)
        .filter_map(|field| {
            let value = answers.get(&field.key)?.trim();
            (!value.is_empty()).then(|| {
                (
                    field.label.de.clone(),
                    field.label.en.clone(),
                    value.to_owned(),
                )
            })
        })
        .collect();
    let files = crate::services::attachments::of_entry(conn, entry.id).await?;
    Ok(AnonymousEntry {
        kennzahl: entry.kennzahl.clone().unwrap_or_default(),
        title: entry.title.clone(),
        summary: entry.summary.clone(),
        description: entry.description.clone(),
        goals: entry.goals()?,
        details,
        jury_note: seen.jury_note().to_owned(),
        attachments: files
            .iter()
            .enumerate()
            .map(|(i, file)| Anlage {
                number: i + 1,
                label: attachments::type_of(&file.media_type).map_or("Datei", |t| t.label),
                size_bytes: file.size_bytes,
                may_name_author: attachments::may_name_its_author(&file.media_type),
            })
            .collect(),
    })
}

/// Where the juror's sheet for an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetState {
    Open,
    Draft,
    Submitted,
}

/// One line of the juror's queue.
#[derive(Debug, Clone)]
pub struct QueueLine {
    pub kennzahl: String,
    pub title: String,
    pub state: SheetState,
}

fn state_of(sheet: Option<&score_sheet::Model>) -> SheetState {
    match sheet {
        None => SheetState::Open,
        Some(s) if s.submitted_at.is_some() => SheetState::Submitted,
        Some(_) => SheetState::Draft,
    }
}

/// The entries the juror scores, by Kennzahl, with their sheet's state.
pub async fn queue(db: &DatabaseConnection, juror: &Juror) -> Result<Vec<QueueLine>, ServiceError> {
    Ok(juror
        .queue(db, None, u64::from(u32::MAX))
        .await?
        .into_iter()
        .map(line_of)
        .collect())
}

fn line_of(queued: QueuedEntry) -> QueueLine {
    QueueLine {
        kennzahl: queued.kennzahl,
        title: queued.title,
        state: match queued.sheet {
            None => SheetState::Open,
            Some(true) => SheetState::Submitted,
            Some(false) => SheetState::Draft,
        },
    }
}

/// A page of the juror's queue, and how far they are with all of it.
#[derive(Debug, Clone)]
pub struct Queue {
    pub lines: Vec<QueueLine>,
    /// The Kennzahl to continue after, when there is more.
    pub next: Option<String>,
    pub total: u64,
    pub submitted: u64,
}

/// How far each juror is with their queue, kept while the jury's data stays
/// the same: keyed by `juries.version`, which every jury write raises in its
/// transaction (pre-checks, conflicts, sheets: see [`super::locked`]), as the
/// ranking's cache is, and by the competition's state (the review's start
/// and end are lifecycle moves). A queue page counts again only after a change.
#[derive(Default)]
pub struct ProgressCache {
    counted: Mutex<HashMap<(i64, i64), (Kept, QueueProgress)>>,
}

type Kept = (i64, crate::domain::CompetitionState);

impl ProgressCache {
    /// The juror's progress at the jury's data `version` (None: no jury data
    /// stored yet, nothing kept).
    pub async fn progress(
        &self,
        db: &DatabaseConnection,
        juror: &Juror,
        version: Option<i64>,
    ) -> Result<QueueProgress, ServiceError> {
        let key = (juror.competition_id(), juror.person().id);
        let poisoned = || ServiceError::Corrupt("progress cache poisoned".into());
        let kept = version.map(|version| (version, juror.competition_state()));
        if let Some(kept) = kept {
            let known = self
                .counted
                .lock()
                .map_err(|_| poisoned())?
                .get(&key)
                .copied();
            if let Some((_, progress)) = known.filter(|(at, _)| *at == kept) {
                return Ok(progress);
            }
        }
        let progress = juror.progress(db).await?;
        if let Some(kept) = kept {
            self.counted
                .lock()
                .map_err(|_| poisoned())?
                .insert(key, (kept, progress));
        }
        Ok(progress)
    }
}

/// Up to `limit` entries of the juror's queue after Kennzahl `after`, with
/// the juror's progress (from `progress` at the jury's data `version`).
pub async fn queue_page(
    db: &DatabaseConnection,
    juror: &Juror,
    after: Option<&str>,
    limit: u64,
    progress: &ProgressCache,
    version: Option<i64>,
) -> Result<Queue, ServiceError> {
    let QueueProgress { total, submitted } = progress.progress(db, juror, version).await?;
    let mut listed = juror.queue(db, after, limit.saturating_add(1)).await?;
    let more = listed.len() as u64 > limit;
    listed.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next = more
        .then(|| listed.last().map(|line| line.kennzahl.clone()))
        .flatten();
    Ok(Queue {
        lines: listed.into_iter().map(line_of).collect(),
        next,
        total,
        submitted,
    })
}

/// The juror's sheet for one entry, with the entry as the jury sees it.
#[derive(Debug, Clone)]
pub struct SheetView {
    pub entry: AnonymousEntry,
    pub criteria: Vec<Criterion>,
    pub marks: BTreeMap<String, Marked>,
    pub state: SheetState,
    /// The other jurors' submitted sheet scores (weighted means), once the
    /// juror may see them; None while the setting hides them.
    pub others: Option<Vec<f64>>,
    pub scoring_open: bool,
    /// Who wrote it, once the result is locked and the authors are revealed
    /// (the contact name and the organisation answers); None before.
    pub revealed: Option<String>,
}

async fn marks_of(
    conn: &impl ConnectionTrait,
    sheet: &score_sheet::Model,
    criteria: &[Criterion],
) -> Result<BTreeMap<String, Marked>, ServiceError> {
    let rows = score::Entity::find()
        .filter(score::Column::SheetId.eq(sheet.id))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let key = criteria
                .iter()
                .find(|c| c.id == row.criterion_id)?
                .spec
                .key
                .clone();
            Some((
                key,
                Marked {
                    score: row.score,
                    comment: row.comment,
                },
            ))
        })
        .collect())
}

fn scoring_criteria(criteria: &[Criterion]) -> Vec<scoring::Criterion> {
    criteria
        .iter()
        .map(|c| scoring::Criterion {
            key: c.spec.key.clone(),
            weight: c.spec.weight,
        })
        .collect()
}

/// The weighted score of a complete sheet.
fn weighted(
    criteria: &[Criterion],
    juror: i64,
    entry: i64,
    marks: &BTreeMap<String, Marked>,
) -> Option<f64> {
    let scores = marks
        .iter()
        .filter_map(|(k, m)| Some((k.clone(), f64::from(m.score?))))
        .collect();
    scoring::sheet_score(
        &scoring_criteria(criteria),
        &Sheet {
            juror,
            entry,
            scores,
        },
    )
    .ok()
}

/// The juror's sheet for the entry with `kennzahl`.
pub async fn sheet(
    db: &DatabaseConnection,
    juror: &Juror,
    kennzahl: &str,
) -> Result<SheetView, ServiceError> {
    let seen = juror.entry(db, kennzahl).await?;
    let entry_id = seen.entry().id;
    let criteria = super::criteria(db, juror.competition_id()).await?;
    let mine = score_sheet::Entity::find()
        .filter(score_sheet::Column::EntryId.eq(entry_id))
        .filter(score_sheet::Column::JurorId.eq(juror.person().id))
        .one(db)
        .await?;
    let marks = match &mine {
        Some(sheet) => marks_of(db, sheet, &criteria).await?,
        None => BTreeMap::new(),
    };
    let state = state_of(mine.as_ref());
    let jury = settings(db, juror.competition_id()).await?;
    let others = if state == SheetState::Submitted || !jury.others_after_submitting {
        let mut others = Vec::new();
        for (other, sheet) in counted_sheets(db, juror.competition_id(), Some(entry_id)).await? {
            if other == juror.person().id {
                continue;
            }
            let marks = marks_of(db, &sheet, &criteria).await?;
            others.extend(weighted(&criteria, other, entry_id, &marks));
        }
        Some(others)
    } else {
        None
    };
    let competition = competitions::find(db, juror.competition_id()).await?;
    let revealed = match jury.revealed_at {
        Some(_) => revealed_author(db, entry_id).await?,
        None => None,
    };
    Ok(SheetView {
        revealed,
        entry: anonymous(db, &seen).await?,
        criteria,
        marks,
        state,
        others,
        scoring_open: may_score(competition.state).is_ok(),
    })
}

/// The submitted sheets that count (their juror is seated and not kept from
/// the entry), as (juror, sheet); of one entry or all.
pub(crate) async fn counted_sheets(
    conn: &impl ConnectionTrait,
    competition_id: i64,
    entry_id: Option<i64>,
) -> Result<Vec<(i64, score_sheet::Model)>, ServiceError> {
    let mut query = score_sheet::Entity::find()
        .filter(score_sheet::Column::CompetitionId.eq(competition_id))
        .filter(score_sheet::Column::SubmittedAt.is_not_null());
    if let Some(entry_id) = entry_id {
        query = query.filter(score_sheet::Column::EntryId.eq(entry_id));
    }
    let sheets = query
        .order_by_asc(score_sheet::Column::Id)
        .all(conn)
        .await?;
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
        .map(|c| (c.entry_id, c.juror_id))
        .collect();
    Ok(sheets
        .into_iter()
        .filter(|s| seated.contains(&s.juror_id) && !kept_away.contains(&(s.entry_id, s.juror_id)))
        .map(|s| (s.juror_id, s))
        .collect())
}

/// Saves the juror's sheet for an entry: a draft (scores may be missing) or
/// submitted (every criterion scored). The first saved sheet of a competition
/// fixes its criteria and pre-check.
pub async fn save(
    db: &DatabaseConnection,
    juror: &Juror,
    now: DateTime<Utc>,
    kennzahl: &str,
    marks: BTreeMap<String, Marked>,
    submit: bool,
) -> Result<score_sheet::Model, ServiceError> {
    let id = juror.competition_id();
    let txn = crate::services::begin_write(db).await?;
    let (competition, _) = locked(&txn, id).await?;
    may_score(competition.state)?;
    let seen = juror.entry(&txn, kennzahl).await?;
    let entry_id = seen.entry().id;
    let criteria = criteria_in(&txn, &competition).await?;
    let specs: Vec<_> = criteria.iter().map(|c| c.spec.clone()).collect();
    check_sheet(&specs, &marks, submit).map_err(JuryError::from)?;
    let points = if submit {
        sheet_points(&specs, &marks)
    } else {
        None
    };
    let existing = score_sheet::Entity::find()
        .filter(score_sheet::Column::EntryId.eq(entry_id))
        .filter(score_sheet::Column::JurorId.eq(juror.person().id))
        .one(&txn)
        .await?;
    if !submit && existing.as_ref().is_some_and(|s| s.submitted_at.is_some()) {
        return Err(JuryError::AlreadySubmitted.into());
    }
    let sheet = match existing {
        Some(sheet) => {
            score_sheet::Entity::update(score_sheet::ActiveModel {
                id: Set(sheet.id),
                updated_at: Set(now),
                submitted_at: Set(if submit {
                    sheet.submitted_at.or(Some(now))
                } else {
                    None
                }),
                version: Set(sheet.version + 1),
                points: Set(points),
                ..Default::default()
            })
            .exec(&txn)
            .await?
        }
        None => {
            let row = score_sheet::ActiveModel {
                competition_id: Set(id),
                entry_id: Set(entry_id),
                juror_id: Set(juror.person().id),
                created_at: Set(now),
                updated_at: Set(now),
                submitted_at: Set(submit.then_some(now)),
                version: Set(1),
                points: Set(points),
                ..Default::default()
            };
            let inserted = score_sheet::Entity::insert(row).exec(&txn).await?;
            score_sheet::Entity::find_by_id(inserted.last_insert_id)
                .one(&txn)
                .await?
                .ok_or_else(|| ServiceError::not_found("sheet", inserted.last_insert_id))?
        }
    };
    score::Entity::delete_many()
        .filter(score::Column::SheetId.eq(sheet.id))
        .exec(&txn)
        .await?;
    for criterion in &criteria {
        let mark = marks.get(&criterion.spec.key).cloned().unwrap_or_default();
        score::Entity::insert(score::ActiveModel {
            sheet_id: Set(sheet.id),
            criterion_id: Set(criterion.id),
            score: Set(mark.score),
            comment: Set(mark.comment.trim().to_owned()),
        })
        .exec(&txn)
        .await?;
    }
    start_scoring(&txn, id, now).await?;
    let action = if submit {
        "jury.sheet_submitted"
    } else {
        "jury.sheet_saved"
    };
    audit::record(
        &txn,
        now,
        AuditRecord::about(juror.actor(), action, "entry", entry_id).details(json!({
            "scores": marks.iter().map(|(k, m)| (k.clone(), json!(m.score))).collect::<serde_json::Map<_, _>>(),
            "version": sheet.version,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(sheet)
}

/// An attachment of an entry the juror may see, under its anonymous name.
pub async fn attachment(
    db: &DatabaseConnection,
    store: &FileStore,
    juror: &Juror,
    kennzahl: &str,
    number: usize,
) -> Result<(String, Vec<u8>), ServiceError> {
    let seen = juror.entry(db, kennzahl).await?;
    let files = crate::services::attachments::of_entry(db, seen.entry().id).await?;
    let file: &entry_attachment::Model = number
        .checked_sub(1)
        .and_then(|i| files.get(i))
        .ok_or_else(|| ServiceError::not_found("attachment", number))?;
    let content = store
        .get(&file.stored_name)
        .await
        .map_err(|err| ServiceError::Corrupt(format!("attachment store: {err}")))?;
    Ok((
        attachments::anonymous_name(number, &file.media_type),
        content,
    ))
}

/// How far one juror is.
#[derive(Debug, Clone)]
pub struct JurorProgress {
    pub person: user::Model,
    pub role: crate::domain::jury::panel::PanelRole,
    pub seat: crate::domain::jury::panel::Seat,
    /// Entries this juror is to score (admitted, not kept away).
    pub to_score: u64,
    pub drafts: u64,
    pub submitted: u64,
}

/// How far the panel is: per juror, and the admitted entries still short of the
/// quorum.
#[derive(Debug, Clone)]
pub struct Progress {
    pub jurors: Vec<JurorProgress>,
    pub admitted: u64,
    /// Admitted entries with fewer counted sheets than the quorum.
    pub below_quorum: u64,
    pub quorum: u32,
}

/// Progress of the manager's competition.
pub async fn progress(
    db: &DatabaseConnection,
    manager: &Manager,
) -> Result<Progress, ServiceError> {
    progress_of(db, manager.competition_id()).await
}

/// Progress of competition `id` (for the reminders, which act on their own).
pub(crate) async fn progress_of(
    db: &DatabaseConnection,
    id: i64,
) -> Result<Progress, ServiceError> {
    let members = super::panel::members(db, id).await?;
    let admitted: HashSet<i64> = precheck::Entity::find()
        .filter(precheck::Column::CompetitionId.eq(id))
        .filter(precheck::Column::Verdict.eq("admitted"))
        .all(db)
        .await?
        .iter()
        .map(|p| p.entry_id)
        .collect();
    let kept_away: HashSet<(i64, i64)> = conflict::Entity::find()
        .filter(conflict::Column::CompetitionId.eq(id))
        .filter(conflict::Column::Status.ne(ConflictStatus::Dismissed))
        .all(db)
        .await?
        .iter()
        .map(|c| (c.juror_id, c.entry_id))
        .collect();
    let mut jurors = Vec::new();
    for member in members {
        let uid = member.person.id;
        let away = kept_away
            .iter()
            .filter(|(j, e)| *j == uid && admitted.contains(e))
            .count() as u64;
        let sheets = score_sheet::Entity::find()
            .filter(score_sheet::Column::CompetitionId.eq(id))
            .filter(score_sheet::Column::JurorId.eq(uid));
        let submitted = sheets
            .clone()
            .filter(score_sheet::Column::SubmittedAt.is_not_null())
            .count(db)
            .await?;
        let drafts = sheets
            .filter(score_sheet::Column::SubmittedAt.is_null())
            .count(db)
            .await?;
        jurors.push(JurorProgress {
            seat: member.seat.seat(),
            role: member.seat.role,
            to_score: (admitted.len() as u64).saturating_sub(away),
            drafts,
            submitted,
            person: member.person,
        });
    }
    let quorum = settings(db, id).await?.quorum;
    let mut per_entry: HashMap<i64, u32> = HashMap::new();
    for (_, sheet) in counted_sheets(db, id, None).await? {
        *per_entry.entry(sheet.entry_id).or_default() += 1;
    }
    let below_quorum = admitted
        .iter()
        .filter(|e| per_entry.get(e).copied().unwrap_or(0) < quorum)
        .count() as u64;
    Ok(Progress {
        jurors,
        admitted: admitted.len() as u64,
        below_quorum,
        quorum,
    })
}

/// The author as revealed after the lock: the contact name and the answers
/// that name their school or organisation.
async fn revealed_author(
    conn: &impl ConnectionTrait,
    entry_id: i64,
) -> Result<Option<String>, ServiceError> {
    let Some(author) = crate::services::entries::author_of(conn, entry_id).await? else {
        return Ok(None);
    };
    let answers = author.answers()?;
    let mut parts = vec![author.contact_name.clone()];
    parts.extend(
        crate::domain::jury::conflicts::ORGANISATION_FIELDS
            .iter()
            .filter_map(|key| answers.get(*key).cloned())
            .filter(|v| !v.trim().is_empty()),
    );
    Ok(Some(parts.join(", ")))
}
