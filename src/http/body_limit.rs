//! Request bodies above a limit are refused with 413, whether or not the client
//! sent a Content-Length.

use poem::http::{StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

/// The largest body the API and the page forms take.
pub const API_BODY_LIMIT: usize = 1024 * 1024;

/// Room for the multipart framing around an uploaded file.
const UPLOAD_OVERHEAD: usize = 64 * 1024;

/// Uploads of attachments (a POST to `…/attachments` or `…/anhaenge`) may be as large
/// as one file may be; everything else gets [`API_BODY_LIMIT`].
pub async fn limit_body<E: Endpoint>(
    next: E,
    mut req: Request,
    max_file_bytes: usize,
) -> poem::Result<Response> {
    let upload = req.method() == poem::http::Method::POST
        && (req.uri().path().ends_with("/attachments") || req.uri().path().ends_with("/anhaenge"));
    let (limit, what) = if upload {
        (
            max_file_bytes + UPLOAD_OVERHEAD,
            format!("a file may have at most {} MiB", max_file_bytes / 1_048_576),
        )
    } else {
        (
            API_BODY_LIMIT,
            "the request body may have at most 1 MiB".to_owned(),
        )
    };
    let too_large = || poem::Error::from_string(what.clone(), StatusCode::PAYLOAD_TOO_LARGE);
    let declared = req
        .header(header::CONTENT_LENGTH)
        .and_then(|value| value.parse::<usize>().ok());
    match declared {
        Some(length) if length > limit => return Err(too_large()),
        Some(_) => {}
        None => {
            let body = req
                .take_body()
                .into_bytes_limit(limit)
                .await
                .map_err(|_| too_large())?;
            req.set_body(body);
        }
    }
    next.call(req).await.map(IntoResponse::into_response)
}
