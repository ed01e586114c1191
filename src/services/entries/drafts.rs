//! Drafts: starting an entry (idempotent) and changing it until the deadline.

use super::*;

/// Creates a draft. With an idempotency key, a repeated request returns the entry
/// the first one created instead of a second one.
pub async fn create(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    author: &user::Model,
    competition_id: i64,
    content: EntryContent,
    idempotency: Option<&str>,
) -> Result<entry::Model, ServiceError> {
    let operation = keyed("entry.create", competition_id);
    if let Some(key) = idempotency
        && let Some(done) = earlier(db, author.id, key, &operation).await?
    {
        return find_own(db, author, done).await;
    }
    let (competition, _) = check(db, competition_id, EntryAction::Create, None, now).await?;
    let answers = checked_content(db, &competition, &content, Completeness::Draft).await?;
    let txn = crate::services::begin_write(db).await?;
    let created = entry::ActiveModel {
        competition_id: Set(competition_id),
        status: Set(EntryStatus::Draft),
        title: Set(content.title.clone()),
        summary: Set(content.summary.clone()),
        description: Set(content.description.clone()),
        goals: Set(json!(content.goals).to_string()),
        kennzahl: Set(None),
        receipt_number: Set(None),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(None),
        withdrawn_at: Set(None),
        details: Set(json_of(&answers.jury)),
        guardian_consent_at: Set(content.guardian_consent.then_some(now)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    entry_author::ActiveModel {
        entry_id: Set(created.id),
        user_id: Set(author.id),
        contact_name: Set(content
            .contact_name
            .clone()
            .unwrap_or_else(|| author.display_name.clone())
            .trim()
            .to_owned()),
        contact_phone: Set(content.contact_phone.clone()),
        details: Set(json_of(&answers.identity)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(key) = idempotency {
        let remembered = idempotency_key::ActiveModel {
            user_id: Set(author.id),
            key: Set(key.to_owned()),
            operation: Set(operation.clone()),
            result_id: Set(created.id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        if let Err(err) = remembered {
            // The same request raced us and won: answer with its entry.
            if is_unique_violation(&err) {
                txn.rollback().await?;
                let done = earlier(db, author.id, key, &operation)
                    .await?
                    .ok_or_else(|| ServiceError::Concurrent("the entry"))?;
                return find_own(db, author, done).await;
            }
            return Err(err.into());
        }
    }
    audit::record(
        &txn,
        now,
        entry_audit(Actor::User(author.id), "entry.created", &created, json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes the content until the deadline; a submitted entry keeps each version.
pub async fn update(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    author: &EntryAuthor,
    content: EntryContent,
) -> Result<entry::Model, ServiceError> {
    let (person, current) = (author.person(), author.entry().clone());
    let id = current.id;
    let (competition, status) = check(
        db,
        current.competition_id,
        EntryAction::Edit,
        Some(current.status),
        now,
    )
    .await?;
    let completeness = if status == EntryStatus::Submitted {
        Completeness::Submit
    } else {
        Completeness::Draft
    };
    let answers = checked_content(db, &competition, &content, completeness).await?;
    let consent_at = match (content.guardian_consent, current.guardian_consent_at) {
        (false, _) => None,
        (true, Some(earlier)) => Some(earlier),
        (true, None) => Some(now),
    };
    let txn = crate::services::begin_write(db).await?;
    let version = if status == EntryStatus::Submitted {
        current.version + 1
    } else {
        current.version
    };
    let written = entry::Entity::update_many()
        .set(entry::ActiveModel {
            title: Set(content.title.clone()),
            summary: Set(content.summary.clone()),
            description: Set(content.description.clone()),
            goals: Set(json!(content.goals).to_string()),
            details: Set(json_of(&answers.jury)),
            guardian_consent_at: Set(consent_at),
            version: Set(version),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(entry::Column::Id.eq(id))
        .filter(entry::Column::Version.eq(current.version))
        .filter(entry::Column::Status.eq(current.status))
        .exec(&txn)
        .await?;
    if written.rows_affected != 1 {
        return Err(ServiceError::Concurrent("the entry"));
    }
    let mut author = entry_author::Entity::update_many()
        .col_expr(
            entry_author::Column::Details,
            sea_orm::sea_query::Expr::value(json_of(&answers.identity)),
        )
        .col_expr(
            entry_author::Column::ContactPhone,
            sea_orm::sea_query::Expr::value(content.contact_phone.clone()),
        );
    if let Some(name) = &content.contact_name {
        author = author.col_expr(
            entry_author::Column::ContactName,
            sea_orm::sea_query::Expr::value(name.trim().to_owned()),
        );
    }
    author
        .filter(entry_author::Column::EntryId.eq(id))
        .exec(&txn)
        .await?;
    if status == EntryStatus::Submitted {
        save_version(&txn, now, id, version, &content, &answers.jury).await?;
    }
    let updated = find_own(&txn, person, id).await?;
    audit::record(
        &txn,
        now,
        entry_audit(
            Actor::User(person.id),
            "entry.updated",
            &updated,
            json!({ "version": version }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
