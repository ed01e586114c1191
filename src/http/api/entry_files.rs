//! Attachments of ideas through the API: upload (multipart), list, download, remove.

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::{Attachment, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Multipart, Object, OpenApi};

use super::ApiTags;
use super::auth::UserAuth;
use super::responses::{Answer, Created, NoContent};
use crate::app::AppState;
use crate::entities::entry_attachment;
use crate::http::problem::ApiProblem;
use crate::services::authorization;
use crate::services::{ServiceError, attachments};

pub struct EntryFilesApi {
    pub state: AppState,
}

/// A file attached to an idea.
#[derive(Debug, Object)]
pub struct AttachmentInfo {
    pub id: i64,
    pub entry_id: i64,
    /// The uploader's file name, cleaned, with the extension of the real type.
    pub file_name: String,
    /// Recognised from the content.
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    /// Where to download it.
    pub download_path: String,
}

impl From<entry_attachment::Model> for AttachmentInfo {
    fn from(m: entry_attachment::Model) -> Self {
        Self {
            download_path: format!("/api/entries/{}/attachments/{}", m.entry_id, m.id),
            id: m.id,
            entry_id: m.entry_id,
            file_name: m.file_name,
            media_type: m.media_type,
            size_bytes: m.size_bytes,
            sha256: m.sha256,
            created_at: m.created_at,
        }
    }
}

/// An upload: one file in the multipart field `file`.
#[derive(Debug, Multipart)]
pub struct UploadBody {
    /// PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint or OpenDocument; the
    /// content decides, not the name.
    pub file: Upload,
}

#[derive(ApiResponse)]
pub enum DownloadResponse {
    /// The file, always as a download (never shown inline by the browser).
    #[oai(status = 200, content_type = "application/octet-stream")]
    Ok(Attachment<Vec<u8>>),
}

#[OpenApi(tag = "ApiTags::Entries")]
impl EntryFilesApi {
    /// Attach a file to an idea until the deadline (its author and co-authors). At
    /// most `attachments.max_files` files of `attachments.max_bytes` each.
    ///
    /// Answer: The file is stored.
    #[oai(path = "/entries/:id/attachments", method = "post")]
    async fn attach(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        body: UploadBody,
    ) -> Result<Created<AttachmentInfo>, ApiProblem> {
        let state = &self.state;
        let name = body.file.file_name().unwrap_or_default().to_owned();
        let content = body.file.into_vec().await.map_err(|err| {
            ServiceError::invalid("file", format!("the upload could not be read: {err}"))
        })?;
        let author = authorization::entry_author(&state.db, &auth.0, id.0).await?;
        let created = attachments::add(
            &state.db,
            &state.files,
            &state.settings.attachments,
            state.now(),
            &author,
            attachments::Upload {
                file_name: &name,
                content: &content,
            },
        )
        .await?;
        Ok(Created::New(Json(created.into())))
    }

    /// The files of an idea (its authors, administrators and the competition's
    /// coordinators).
    ///
    /// Answer: The entry's files, oldest first.
    #[oai(path = "/entries/:id/attachments", method = "get")]
    async fn attachments(
        &self,
        auth: UserAuth,
        id: Path<i64>,
    ) -> Result<Answer<Vec<AttachmentInfo>>, ApiProblem> {
        let all = attachments::list(&self.state.db, &auth.0, id.0).await?;
        Ok(Answer::Ok(Json(all.into_iter().map(Into::into).collect())))
    }

    /// Download one file (its authors, administrators and the competition's
    /// coordinators).
    #[oai(path = "/entries/:id/attachments/:attachment_id", method = "get")]
    async fn download(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        attachment_id: Path<i64>,
    ) -> Result<DownloadResponse, ApiProblem> {
        let state = &self.state;
        let (found, content) =
            attachments::download(&state.db, &state.files, &auth.0, id.0, attachment_id.0).await?;
        Ok(DownloadResponse::Ok(
            Attachment::new(content).filename(found.file_name),
        ))
    }

    /// Remove a file until the deadline (its author and co-authors).
    #[oai(path = "/entries/:id/attachments/:attachment_id", method = "delete")]
    async fn remove_attachment(
        &self,
        auth: UserAuth,
        id: Path<i64>,
        attachment_id: Path<i64>,
    ) -> Result<NoContent, ApiProblem> {
        let state = &self.state;
        let author = authorization::entry_author(&state.db, &auth.0, id.0).await?;
        attachments::remove(
            &state.db,
            &state.files,
            state.now(),
            &author,
            attachment_id.0,
        )
        .await?;
        Ok(NoContent::Done)
    }
}
