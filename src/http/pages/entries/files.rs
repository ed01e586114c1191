//! Attachments on the entry page: upload (multipart, no JavaScript), download only
//! for those allowed, removal until the deadline.

use super::*;
use crate::services::authorization;

/// The entry page's part about files: the list, and the upload form while the
/// entry may change and has room.
pub(super) async fn describe(
    state: &AppState,
    lang: Lang,
    entry: &entry::Model,
    editable: bool,
    error: Option<String>,
    context: &mut Context,
) -> poem::Result<()> {
    let files = attachments::of_entry(&state.db, entry.id)
        .await
        .map_err(internal)?;
    let views: Vec<AttachmentView> = files
        .iter()
        .map(|f| AttachmentView {
            id: f.id,
            file_name: f.file_name.clone(),
            size: human_size(lang, f.size_bytes),
        })
        .collect();
    let limits = &state.settings.attachments;
    context.insert("attachments", &views);
    context.insert(
        "may_attach",
        &(editable && (files.len() as u64) < limits.max_files),
    );
    context.insert("max_files", &limits.max_files);
    context.insert("max_mb", &(limits.max_bytes / 1_048_576));
    context.insert(
        "accept",
        &rules::accepted_extensions()
            .iter()
            .map(|e| format!(".{e}"))
            .collect::<Vec<_>>()
            .join(","),
    );
    context.insert("file_error", &error);
    Ok(())
}

/// A file of the entry, ready for the template.
#[derive(Serialize)]
struct AttachmentView {
    id: i64,
    file_name: String,
    size: String,
}

fn human_size(lang: Lang, bytes: i64) -> String {
    let kib = (bytes as f64 / 1024.0).max(0.1);
    let (value, unit) = if kib >= 1024.0 {
        (kib / 1024.0, "MB")
    } else {
        (kib, "KB")
    };
    let text = format!("{value:.1} {unit}");
    match lang {
        Lang::De => text.replace('.', ","),
        Lang::En => text,
    }
}

/// The multipart fields of an upload form: its text fields and the one file.
async fn read_upload(
    mut multipart: Multipart,
) -> Result<(Fields, Option<(String, Vec<u8>)>), poem::Error> {
    let mut fields = Vec::new();
    let mut file = None;
    while let Some(part) = multipart.next_field().await? {
        let name = part.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = part.file_name().unwrap_or_default().to_owned();
            let bytes = part.bytes().await.map_err(|err| {
                poem::Error::from_string(err.to_string(), StatusCode::BAD_REQUEST)
            })?;
            // A form sent without choosing a file has an empty, nameless part.
            if !(bytes.is_empty() && file_name.is_empty()) {
                file = Some((file_name, bytes));
            }
        } else if fields.len() < 10 {
            let value = part.text().await.map_err(|err| {
                poem::Error::from_string(err.to_string(), StatusCode::BAD_REQUEST)
            })?;
            fields.push((name, value));
        }
    }
    Ok((fields, file))
}

/// The entry page again, with one problem about the file.
async fn file_problem(
    state: &AppState,
    lang: Lang,
    current: &SignedIn,
    found: &entry::Model,
    message: Localized,
) -> poem::Result<Response> {
    let mut values = stored_values(state, found).await?;
    values.errors = vec![FieldProblem {
        field: "file".into(),
        message,
    }];
    show_entry(state, lang, current, found, Some(values)).await
}

#[handler]
pub async fn upload_attachment(
    req: &Request,
    id: Path<i64>,
    multipart: Multipart,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let (fields, file) = read_upload(multipart).await?;
    let lang = Lang::find(req, field(&fields, "lang"));
    let current = require_person(req, &state, lang, field(&fields, "csrf")).await?;
    let author = authorization::entry_author(&state.db, &current.user, id.0)
        .await
        .map_err(|err| refusal(&state, lang, err))?;
    let found = author.entry().clone();
    let Some((file_name, content)) = file else {
        let message = Localized::new(
            "Bitte wählen Sie zuerst eine Datei aus.",
            "Please choose a file first.",
        );
        return file_problem(&state, lang, &current, &found, message).await;
    };
    let upload = attachments::Upload {
        file_name: &file_name,
        content: &content,
    };
    let added = attachments::add(
        &state.db,
        &state.files,
        &state.settings.attachments,
        state.now(),
        &author,
        upload,
    )
    .await;
    match added {
        Ok(added) => Ok(flash::redirect(
            &state,
            &format!("/konto/ideen/{}?lang={}#anhaenge", found.id, lang.code()),
            Flash::with(Notice::FileAttached, added.file_name),
        )),
        Err(ServiceError::Attachment(refused)) => {
            let mut response =
                file_problem(&state, lang, &current, &found, refused.localized()).await?;
            response.set_status(match refused {
                rules::AttachmentError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                rules::AttachmentError::UnsupportedType { .. } => {
                    StatusCode::UNSUPPORTED_MEDIA_TYPE
                }
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            });
            Ok(response)
        }
        Err(err) => refused(&state, lang, err),
    }
}

#[handler]
pub async fn download_attachment(
    Path((id, attachment_id)): Path<(i64, i64)>,
    person: Person,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let Person { lang, current } = person;
    match attachments::download(&state.db, &state.files, &current.user, id, attachment_id).await {
        Ok((found, content)) => Ok(download(&found.file_name, content)),
        Err(err) => refused(&state, lang, err),
    }
}

/// A file as a download: never rendered by the browser, whatever it contains.
pub fn download(file_name: &str, content: impl Into<poem::Body>) -> Response {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = url::form_urlencoded::byte_serialize(file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    Response::builder()
        .content_type("application/octet-stream")
        .header(
            "content-disposition",
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        )
        .header("cache-control", "private, no-store")
        .body(content)
}

#[handler]
pub async fn remove_attachment(
    Path((id, attachment_id)): Path<(i64, i64)>,
    form: CsrfForm<Fields>,
    state: Data<&AppState>,
) -> poem::Result<Response> {
    let CsrfForm { lang, current, .. } = form;
    let author = authorization::entry_author(&state.db, &current.user, id)
        .await
        .map_err(|err| refusal(&state, lang, err))?;
    let removed =
        attachments::remove(&state.db, &state.files, state.now(), &author, attachment_id).await;
    match removed {
        Ok(()) => Ok(flash::redirect(
            &state,
            &format!("/konto/ideen/{id}?lang={}#anhaenge", lang.code()),
            Flash::new(Notice::FileRemoved),
        )),
        Err(err) => refused(&state, lang, err),
    }
}
