//! Locking the result (`in_review → decided`): refused while a round is open or
//! an admitted entry lacks sheets from the quorum of jurors without a conflict.
//! In the same transaction: the transition with its audit row and event, the
//! authors revealed to the jury (once, audited), and the Protokoll's PDF stored
//! unchanged with its SHA-256 in the audit row. After that no score changes; a
//! correction reopens the review with a reason (`reopen_review`).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{counted_per_entry, ensure_row, locked, protokoll, rounds};
use crate::domain::jury::JuryError;
use crate::domain::jury::rounds as rules;
use crate::domain::{LifecycleError, LifecycleEvent};
use crate::entities::{competition, document, entry, jury, precheck};
use crate::services::audit::{self, AuditRecord};
use crate::services::authorization::Presiding;
use crate::services::{ServiceError, competitions};

/// Locks the result of the presiding capability's competition.
pub async fn lock(
    db: &DatabaseConnection,
    presiding: &Presiding,
    now: DateTime<Utc>,
    reason: Option<&str>,
) -> Result<competition::Model, ServiceError> {
    let id = presiding.competition_id();
    let txn = crate::services::begin_write(db).await?;
    let (current, settings) = locked(&txn, id).await?;
    let to = crate::domain::lifecycle::transition(current.state, LifecycleEvent::Decide).map_err(
        |err| ServiceError::Lifecycle {
            current: current.state,
            allowed: current.state.allowed_events(),
            source: LifecycleError::NotAllowed(err),
        },
    )?;
    let open = rounds::open_number(&txn, id).await?;
    let counts = counted_per_entry(&txn, id).await?;
    let admitted = admitted_kennzahlen(&txn, id).await?;
    let entries: Vec<(String, u32)> = admitted
        .into_iter()
        .map(|(entry, kennzahl)| (kennzahl, counts.get(&entry).copied().unwrap_or(0)))
        .collect();
    let unchecked = super::precheck::report(&txn, id).await?.open;
    rules::ready(unchecked, open, &entries, settings.quorum).map_err(JuryError::from)?;
    let decision = crate::domain::TransitionDecision {
        from: current.state,
        to,
        new_closes_at: None,
    };
    let moved = crate::services::lifecycle::apply_in(
        &txn,
        presiding.actor(),
        now,
        &current,
        LifecycleEvent::Decide,
        decision,
        reason,
    )
    .await?;
    if !moved {
        return Err(ServiceError::Concurrent("the competition"));
    }
    // The authors are revealed to the jury once, at the first lock.
    if settings.revealed_at.is_none() {
        ensure_row(&txn, id, now).await?;
        jury::Entity::update_many()
            .col_expr(
                jury::Column::RevealedAt,
                sea_orm::sea_query::Expr::value(Some(now)),
            )
            .filter(jury::Column::CompetitionId.eq(id))
            .filter(jury::Column::RevealedAt.is_null())
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            now,
            AuditRecord::about(
                presiding.actor(),
                "jury.authors_revealed",
                "competition",
                id,
            ),
        )
        .await?;
    }
    let remarks = reason.map(|r| vec![r.to_owned()]).unwrap_or_default();
    let facts = protokoll::gather(&txn, id, now, remarks).await?;
    let pdf = crate::documents::protokoll::pdf(&facts)
        .map_err(|err| ServiceError::Corrupt(err.to_string()))?;
    let sha256 = hex(&Sha256::digest(&pdf));
    let stored = document::Entity::insert(document::ActiveModel {
        competition_id: Set(id),
        kind: Set("protokoll".into()),
        media_type: Set("application/pdf".into()),
        content: Set(pdf),
        sha256: Set(sha256.clone()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        AuditRecord::about(
            presiding.actor(),
            "jury.protokoll_stored",
            "competition",
            id,
        )
        .details(json!({ "document": stored.last_insert_id, "sha256": sha256, "remark": reason })),
    )
    .await?;
    txn.commit().await?;
    competitions::find(db, id).await
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The admitted entries with their Kennzahl.
async fn admitted_kennzahlen(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<Vec<(i64, String)>, ServiceError> {
    let ids: Vec<i64> = precheck::Entity::find()
        .filter(precheck::Column::CompetitionId.eq(id))
        .filter(precheck::Column::Verdict.eq("admitted"))
        .all(conn)
        .await?
        .iter()
        .map(|p| p.entry_id)
        .collect();
    let mut all = Vec::new();
    for chunk in ids.chunks(500) {
        for e in entry::Entity::find()
            .filter(entry::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            all.push((e.id, e.kennzahl.unwrap_or_default()));
        }
    }
    all.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(all)
}

/// A stored Protokoll without its bytes, for lists.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct StoredInfo {
    pub id: i64,
    pub sha256: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn protokolls(competition_id: i64) -> sea_orm::Select<document::Entity> {
    document::Entity::find()
        .filter(document::Column::CompetitionId.eq(competition_id))
        .filter(document::Column::Kind.eq("protokoll"))
        .order_by_desc(document::Column::Id)
}

/// The stored Protokolls of a competition, newest first, without their
/// bytes (a list does not read every PDF).
pub async fn documents(
    db: &DatabaseConnection,
    competition_id: i64,
) -> Result<Vec<StoredInfo>, ServiceError> {
    Ok(protokolls(competition_id)
        .select_only()
        .columns([
            document::Column::Id,
            document::Column::Sha256,
            document::Column::CreatedAt,
        ])
        .into_model::<StoredInfo>()
        .all(db)
        .await?)
}

/// The latest stored Protokoll with its PDF; none before the result is locked.
pub async fn latest_document(
    db: &DatabaseConnection,
    competition_id: i64,
) -> Result<Option<document::Model>, ServiceError> {
    Ok(protokolls(competition_id).one(db).await?)
}

/// The remarks the result was locked with, as the stored Protokoll has them (the
/// latest lock); none before one.
pub async fn lock_remarks(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<Vec<String>, ServiceError> {
    let latest = crate::entities::audit_entry::Entity::find()
        .filter(crate::entities::audit_entry::Column::Action.eq("jury.protokoll_stored"))
        .filter(crate::entities::audit_entry::Column::SubjectType.eq("competition"))
        .filter(crate::entities::audit_entry::Column::SubjectId.eq(id))
        .order_by_desc(crate::entities::audit_entry::Column::Id)
        .one(conn)
        .await?;
    Ok(latest
        .and_then(|row| serde_json::from_str::<serde_json::Value>(&row.details).ok())
        .and_then(|details| details["remark"].as_str().map(str::to_owned))
        .into_iter()
        .collect())
}

/// Whether the authors have been revealed to the jury.
pub async fn revealed(conn: &impl ConnectionTrait, id: i64) -> Result<bool, ServiceError> {
    Ok(super::settings(conn, id).await?.revealed_at.is_some())
}
