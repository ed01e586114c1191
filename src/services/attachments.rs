//! Files attached to ideas. The bytes go to the attachment store (a folder outside
//! the web root, with random names; S3-compatible storage can be added as another
//! store); the database row says what the file is and whose. A file is written and
//! synced before its row commits, and removed again if the row does not commit, so
//! no row ever points at a missing file.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit;
use super::authorization::EntryAuthor;
use super::{Actor, ServiceError, authorization, entries};
use crate::config::AttachmentSettings;
use crate::domain::attachments::{self as rules, AttachmentError};
use crate::entities::{entry, entry_attachment, user};

/// Where attachment bytes live.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, stored_name: &str) -> PathBuf {
        self.dir.join(stored_name)
    }

    /// Writes the file under a temporary name, syncs it and renames it into place.
    async fn put(&self, stored_name: &str, content: &[u8]) -> std::io::Result<()> {
        use tokio::io::AsyncWriteExt;
        tokio::fs::create_dir_all(&self.dir).await?;
        let partial = self.dir.join(format!(".{stored_name}.partial"));
        let mut file = tokio::fs::File::create(&partial).await?;
        file.write_all(content).await?;
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&partial, self.path(stored_name)).await?;
        if let Ok(dir) = tokio::fs::File::open(&self.dir).await {
            dir.sync_all().await.ok();
        }
        Ok(())
    }

    pub async fn get(&self, stored_name: &str) -> std::io::Result<Vec<u8>> {
        tokio::fs::read(self.path(stored_name)).await
    }

    async fn remove(&self, stored_name: &str) {
        if let Err(err) = tokio::fs::remove_file(self.path(stored_name)).await {
            tracing::warn!(error = %err, file = stored_name, "attachment file not removed");
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn io(err: std::io::Error) -> ServiceError {
    ServiceError::Corrupt(format!("attachment store: {err}"))
}

/// The attachments of an entry, oldest first.
pub async fn of_entry(
    conn: &impl ConnectionTrait,
    entry_id: i64,
) -> Result<Vec<entry_attachment::Model>, ServiceError> {
    Ok(entry_attachment::Entity::find()
        .filter(entry_attachment::Column::EntryId.eq(entry_id))
        .order_by_asc(entry_attachment::Column::Id)
        .all(conn)
        .await?)
}

/// A file as uploaded.
pub struct Upload<'a> {
    /// What the uploader called it (only shown, never used as a path).
    pub file_name: &'a str,
    pub content: &'a [u8],
}

/// Attaches a file to an entry its author or a co-author may still change.
pub async fn add(
    db: &DatabaseConnection,
    store: &FileStore,
    limits: &AttachmentSettings,
    now: DateTime<Utc>,
    author: &EntryAuthor,
    upload: Upload<'_>,
) -> Result<entry_attachment::Model, ServiceError> {
    let Upload { file_name, content } = upload;
    let current = author.entry().clone();
    let (person, entry_id) = (author.person(), current.id);
    entries::check_editable(db, &current, now).await?;
    let existing = entry_attachment::Entity::find()
        .filter(entry_attachment::Column::EntryId.eq(entry_id))
        .count(db)
        .await?;
    rules::check_limits(content.len(), limits.max_bytes, existing, limits.max_files)?;
    let kind = rules::classify(file_name, content)?;

    let stored_name = super::identity::tokens::random_token()[..32].to_owned();
    store.put(&stored_name, content).await.map_err(io)?;
    let written = async {
        let txn = crate::services::begin_write(db).await?;
        // Counted again with the entry locked: two uploads at once cannot pass the limit.
        crate::services::db::lock_row::<entry::Entity>(&txn, entry_id).await?;
        let existing = entry_attachment::Entity::find()
            .filter(entry_attachment::Column::EntryId.eq(entry_id))
            .count(&txn)
            .await?;
        rules::check_limits(content.len(), limits.max_bytes, existing, limits.max_files)?;
        let created = entry_attachment::ActiveModel {
            entry_id: Set(entry_id),
            stored_name: Set(stored_name.clone()),
            file_name: Set(rules::display_name(file_name, kind)),
            media_type: Set(kind.media_type.to_owned()),
            size_bytes: Set(content.len() as i64),
            sha256: Set(format!("{:x}", Sha256::digest(content))),
            uploaded_by: Set(person.id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let details = json!({
            "attachment": created.id, "file_name": created.file_name,
            "media_type": created.media_type, "size_bytes": created.size_bytes,
        });
        audit::record(
            &txn,
            now,
            entries::entry_audit(
                Actor::User(person.id),
                "entry.attachment_added",
                &current,
                details,
            ),
        )
        .await?;
        txn.commit().await?;
        Ok::<_, ServiceError>(created)
    }
    .await;
    if written.is_err() {
        store.remove(&stored_name).await;
    }
    written
}

/// Whether `person` may read the entry's files: its authors, administrators and
/// the competition's coordinators. Anyone else learns nothing (not found).
async fn readable_entry(
    conn: &impl ConnectionTrait,
    person: &user::Model,
    entry_id: i64,
) -> Result<entry::Model, ServiceError> {
    match entries::find_own(conn, person, entry_id).await {
        Ok(found) => Ok(found),
        Err(ServiceError::NotFound { .. }) => {
            let found = entry::Entity::find_by_id(entry_id)
                .one(conn)
                .await?
                .ok_or_else(|| ServiceError::not_found("entry", entry_id))?;
            authorization::manager(conn, person, found.competition_id)
                .await
                .map_err(|_| ServiceError::not_found("entry", entry_id))?;
            Ok(found)
        }
        Err(err) => Err(err),
    }
}

/// The entry's attachments, for those who may read them.
pub async fn list(
    db: &DatabaseConnection,
    person: &user::Model,
    entry_id: i64,
) -> Result<Vec<entry_attachment::Model>, ServiceError> {
    readable_entry(db, person, entry_id).await?;
    of_entry(db, entry_id).await
}

/// One attachment and its bytes, for those who may read them.
pub async fn download(
    db: &DatabaseConnection,
    store: &FileStore,
    person: &user::Model,
    entry_id: i64,
    attachment_id: i64,
) -> Result<(entry_attachment::Model, Vec<u8>), ServiceError> {
    readable_entry(db, person, entry_id).await?;
    let found = find(db, entry_id, attachment_id).await?;
    let content = store.get(&found.stored_name).await.map_err(io)?;
    Ok((found, content))
}

async fn find(
    conn: &impl ConnectionTrait,
    entry_id: i64,
    attachment_id: i64,
) -> Result<entry_attachment::Model, ServiceError> {
    entry_attachment::Entity::find_by_id(attachment_id)
        .filter(entry_attachment::Column::EntryId.eq(entry_id))
        .one(conn)
        .await?
        .ok_or_else(|| ServiceError::not_found("attachment", attachment_id))
}

/// Removes an attachment while the entry may still change; the file goes after the
/// row's deletion commits.
pub async fn remove(
    db: &DatabaseConnection,
    store: &FileStore,
    now: DateTime<Utc>,
    author: &EntryAuthor,
    attachment_id: i64,
) -> Result<(), ServiceError> {
    let current = author.entry().clone();
    let (person, entry_id) = (author.person(), current.id);
    entries::check_editable(db, &current, now).await?;
    let txn = crate::services::begin_write(db).await?;
    let found = find(&txn, entry_id, attachment_id).await?;
    entry_attachment::Entity::delete_by_id(found.id)
        .exec(&txn)
        .await?;
    let details = json!({ "attachment": found.id, "file_name": found.file_name });
    audit::record(
        &txn,
        now,
        entries::entry_audit(
            Actor::User(person.id),
            "entry.attachment_removed",
            &current,
            details,
        ),
    )
    .await?;
    txn.commit().await?;
    store.remove(&found.stored_name).await;
    Ok(())
}

/// Removes files that no attachment row names and that are older than `grace`:
/// what a crash between writing a file and committing its row left behind (or a
/// partial write). The grace period spares uploads in flight on other instances
/// sharing the folder. Returns how many files went.
pub async fn sweep_orphans(
    db: &DatabaseConnection,
    store: &FileStore,
    grace: std::time::Duration,
) -> Result<usize, ServiceError> {
    let mut listing = match tokio::fs::read_dir(store.dir()).await {
        Ok(listing) => listing,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(io(err)),
    };
    let mut removed = 0;
    while let Some(file) = listing.next_entry().await.map_err(io)? {
        let name = file.file_name().to_string_lossy().into_owned();
        let metadata = file.metadata().await.map_err(io)?;
        let old = metadata
            .modified()
            .ok()
            .and_then(|at| at.elapsed().ok())
            .is_some_and(|age| age > grace);
        if !metadata.is_file() || !old {
            continue;
        }
        let known = entry_attachment::Entity::find()
            .filter(entry_attachment::Column::StoredName.eq(&name))
            .count(db)
            .await?
            > 0;
        if !known {
            store.remove(&name).await;
            tracing::info!(file = %name, "orphaned attachment file removed");
            removed += 1;
        }
    }
    Ok(removed)
}

impl From<AttachmentError> for ServiceError {
    fn from(err: AttachmentError) -> Self {
        ServiceError::Attachment(err)
    }
}
