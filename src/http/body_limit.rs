//! Request bodies above a limit are refused with 413, whether or not the client
//! sent a Content-Length.

use poem::http::{StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

/// The largest body the API and the page forms take.
pub const API_BODY_LIMIT: usize = 1024 * 1024;

pub async fn limit_body<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let too_large = || poem::Error::from_status(StatusCode::PAYLOAD_TOO_LARGE);
    let declared = req
        .header(header::CONTENT_LENGTH)
        .and_then(|value| value.parse::<usize>().ok());
    match declared {
        Some(length) if length > API_BODY_LIMIT => return Err(too_large()),
        Some(_) => {}
        None => {
            let body = req
                .take_body()
                .into_bytes_limit(API_BODY_LIMIT)
                .await
                .map_err(|_| too_large())?;
            req.set_body(body);
        }
    }
    next.call(req).await.map(IntoResponse::into_response)
}
