//! Conflicts of interest. A juror declares one for an entry (with a reason) and
//! is kept from it at once. The system suspects others from what it knows (see
//! [`crate::domain::jury::conflicts::likely_conflicts`]): a suspicion keeps the
//! juror away too, until staff confirm or dismiss it with a reason.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::locked;
use crate::domain::entries::EntryStatus;
use crate::domain::jury::JuryError;
use crate::domain::jury::conflicts::{
    self as rules, ConflictStatus, Hint, ORGANISATION_FIELDS, Person, Ruling,
};
use crate::entities::{conflict, entry, entry_author, entry_coauthor, panel_member, user};
use crate::services::ServiceError;
use crate::services::audit::{self, AuditRecord};
use crate::services::authorization::{Juror, Manager};

fn person_of(user: &user::Model) -> Person {
    Person {
        name: user.display_name.clone(),
        email: user.email.clone(),
        organisation: user.organisation.clone(),
    }
}

/// The people behind each of `entry_ids`: the author (with their organisation
/// answers) and the co-authors.
async fn authors(
    conn: &impl ConnectionTrait,
    entry_ids: &[i64],
) -> Result<BTreeMap<i64, Vec<Person>>, ServiceError> {
    let mut people: BTreeMap<i64, Vec<Person>> = BTreeMap::new();
    let leads = entry_author::Entity::find()
        .filter(entry_author::Column::EntryId.is_in(entry_ids.to_vec()))
        .all(conn)
        .await?;
    let accounts: HashMap<i64, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(leads.iter().map(|l| l.user_id).collect::<Vec<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    for lead in leads {
        let answers = lead.answers()?;
        let organisations: Vec<String> = ORGANISATION_FIELDS
            .iter()
            .filter_map(|key| answers.get(*key))
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .collect();
        let email = accounts
            .get(&lead.user_id)
            .map(|u| u.email.clone())
            .unwrap_or_default();
        let list = people.entry(lead.entry_id).or_default();
        if organisations.is_empty() {
            list.push(Person {
                name: lead.contact_name.clone(),
                email: email.clone(),
                organisation: None,
            });
        }
        for organisation in organisations {
            list.push(Person {
                name: lead.contact_name.clone(),
                email: email.clone(),
                organisation: Some(organisation),
            });
        }
    }
    for coauthor in entry_coauthor::Entity::find()
        .filter(entry_coauthor::Column::EntryId.is_in(entry_ids.to_vec()))
        .all(conn)
        .await?
    {
        people.entry(coauthor.entry_id).or_default().push(Person {
            name: coauthor.name,
            email: coauthor.email,
            organisation: None,
        });
    }
    Ok(people)
}

/// Records a suspicion for every seated juror (or only `only`) and submitted
/// entry of the competition where the rules find a likely conflict and nothing
/// is recorded yet. Runs inside the caller's write; returns how many it added.
pub(super) async fn suspect(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    competition_id: i64,
    only: Option<i64>,
) -> Result<usize, ServiceError> {
    let mut seats = panel_member::Entity::find()
        .filter(panel_member::Column::CompetitionId.eq(competition_id))
        .filter(panel_member::Column::AcceptedAt.is_not_null());
    if let Some(juror) = only {
        seats = seats.filter(panel_member::Column::UserId.eq(juror));
    }
    let juror_ids: Vec<i64> = seats.all(txn).await?.iter().map(|s| s.user_id).collect();
    if juror_ids.is_empty() {
        return Ok(0);
    }
    let jurors = user::Entity::find()
        .filter(user::Column::Id.is_in(juror_ids))
        .all(txn)
        .await?;
    let recorded: Vec<(i64, i64)> = conflict::Entity::find()
        .select_only()
        .column(conflict::Column::EntryId)
        .column(conflict::Column::JurorId)
        .filter(conflict::Column::CompetitionId.eq(competition_id))
        .into_tuple()
        .all(txn)
        .await?;
    let mut added = 0;
    let mut after = 0;
    loop {
        let ids: Vec<i64> = entry::Entity::find()
            .select_only()
            .column(entry::Column::Id)
            .filter(entry::Column::CompetitionId.eq(competition_id))
            .filter(entry::Column::Status.eq(EntryStatus::Submitted))
            .filter(entry::Column::Id.gt(after))
            .order_by_asc(entry::Column::Id)
            .limit(500)
            .into_tuple()
            .all(txn)
            .await?;
        let Some(last) = ids.last() else { break };
        after = *last;
        let people = authors(txn, &ids).await?;
        for (entry_id, authors) in &people {
            for juror in &jurors {
                if recorded.contains(&(*entry_id, juror.id)) {
                    continue;
                }
                let hints = rules::likely_conflicts(&person_of(juror), authors);
                if hints.is_empty() {
                    continue;
                }
                conflict::ActiveModel {
                    competition_id: Set(competition_id),
                    entry_id: Set(*entry_id),
                    juror_id: Set(juror.id),
                    status: Set(ConflictStatus::Suspected),
                    hints: Set(json!(hints).to_string()),
                    reason: Set(String::new()),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                added += 1;
            }
        }
    }
    Ok(added)
}

/// Looks for likely conflicts of every seated juror (staff's button).
pub async fn detect(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let id = manager.competition_id();
    let txn = crate::services::begin_write(db).await?;
    locked(&txn, id).await?;
    let added = suspect(&txn, now, id, None).await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(
            manager.actor(),
            "jury.conflicts_detected",
            "competition",
            id,
        )
        .details(json!({ "suspected": added })),
    )
    .await?;
    txn.commit().await?;
    Ok(added)
}

/// The juror declares a conflict with the entry; from now on they neither see
/// nor score it (a sheet already begun no longer counts).
pub async fn declare(
    db: &DatabaseConnection,
    juror: &Juror,
    now: DateTime<Utc>,
    kennzahl: &str,
    reason: &str,
) -> Result<(), ServiceError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(JuryError::NoReason.into());
    }
    if reason.chars().count() > 1000 {
        return Err(ServiceError::invalid(
            "reason",
            "at most 1,000 characters, please",
        ));
    }
    let id = juror.competition_id();
    let txn = crate::services::begin_write(db).await?;
    locked(&txn, id).await?;
    let seen = juror.entry(&txn, kennzahl).await?;
    let entry_id = seen.entry().id;
    let existing = conflict::Entity::find()
        .filter(conflict::Column::EntryId.eq(entry_id))
        .filter(conflict::Column::JurorId.eq(juror.person().id))
        .one(&txn)
        .await?;
    match existing {
        Some(row) => {
            let mut change: conflict::ActiveModel = row.into();
            change.status = Set(ConflictStatus::Declared);
            change.reason = Set(reason.to_owned());
            change.update(&txn).await?;
        }
        None => {
            conflict::ActiveModel {
                competition_id: Set(id),
                entry_id: Set(entry_id),
                juror_id: Set(juror.person().id),
                status: Set(ConflictStatus::Declared),
                hints: Set("[]".into()),
                reason: Set(reason.to_owned()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    audit::record(
        &txn,
        now,
        AuditRecord::about(juror.actor(), "jury.conflict_declared", "entry", entry_id)
            .reason(Some(reason)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Staff confirm or dismiss a suspected conflict, with the reason.
pub async fn rule(
    db: &DatabaseConnection,
    manager: &Manager,
    now: DateTime<Utc>,
    conflict_id: i64,
    ruling: Ruling,
    reason: &str,
) -> Result<conflict::Model, ServiceError> {
    let id = manager.competition_id();
    let txn = crate::services::begin_write(db).await?;
    locked(&txn, id).await?;
    let row = conflict::Entity::find_by_id(conflict_id)
        .filter(conflict::Column::CompetitionId.eq(id))
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("conflict", conflict_id))?;
    let before = row.status;
    let status = rules::rule(before, ruling, reason).map_err(JuryError::from)?;
    let mut change: conflict::ActiveModel = row.into();
    change.status = Set(status);
    change.decided_by = Set(manager.actor().user_id());
    change.decided_at = Set(Some(now));
    change.decision_reason = Set(Some(reason.trim().to_owned()));
    let saved = change.update(&txn).await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(
            manager.actor(),
            "jury.conflict_ruled",
            "entry",
            saved.entry_id,
        )
        .details(json!({ "juror": saved.juror_id, "conflict": conflict_id }))
        .reason(Some(reason.trim()))
        .states(Some(before.as_str()), Some(status.as_str())),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// One recorded conflict, as staff see it.
#[derive(Debug, Clone)]
pub struct Line {
    pub conflict: conflict::Model,
    pub hints: Vec<Hint>,
    pub juror: String,
    pub kennzahl: String,
    pub title: String,
}

/// Every recorded conflict of the competition (staff).
pub async fn list(db: &DatabaseConnection, manager: &Manager) -> Result<Vec<Line>, ServiceError> {
    let rows = conflict::Entity::find()
        .filter(conflict::Column::CompetitionId.eq(manager.competition_id()))
        .order_by_asc(conflict::Column::Id)
        .all(db)
        .await?;
    let jurors: HashMap<i64, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|r| r.juror_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let entries: HashMap<i64, entry::Model> = entry::Entity::find()
        .filter(entry::Column::Id.is_in(rows.iter().map(|r| r.entry_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    rows.into_iter()
        .map(|row| {
            let hints: Vec<Hint> = serde_json::from_str(&row.hints).map_err(|err| {
                ServiceError::Corrupt(format!("conflicts {}: hints: {err}", row.id))
            })?;
            let juror = jurors
                .get(&row.juror_id)
                .map(|u| {
                    if u.display_name.is_empty() {
                        u.email.clone()
                    } else {
                        u.display_name.clone()
                    }
                })
                .unwrap_or_default();
            let found = entries.get(&row.entry_id);
            Ok(Line {
                hints,
                juror,
                kennzahl: found.and_then(|e| e.kennzahl.clone()).unwrap_or_default(),
                title: found.map(|e| e.title.clone()).unwrap_or_default(),
                conflict: row,
            })
        })
        .collect()
}
