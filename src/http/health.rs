//! Liveness and readiness for load balancers and orchestrators.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};

use crate::app::AppState;

/// The process is alive and serving.
#[handler]
pub fn healthz() -> &'static str {
    "ok"
}

/// The database answers. Email waiting for a retry (the mail server is down) does
/// not make the instance unready, but the answer says so, with the last error.
#[handler]
pub async fn readyz(state: Data<&AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => match crate::services::emails::waiting(&state.db).await {
            Ok((0, _)) | Err(_) => "ready".into_response(),
            Ok((waiting, error)) => format!(
                "ready\nemails waiting for a retry: {waiting}\nlast error: {}",
                error.unwrap_or_default()
            )
            .into_response(),
        },
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}
