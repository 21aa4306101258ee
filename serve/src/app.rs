//! The sidecar's shared state and the pieces every endpoint uses: one snapshot of the
//! tables per request, bodies read with a size limit into JSON, answers that carry the
//! revision of the tables that gave them.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rampart_runtime::{Tables, TablesHandle};
use serde_json::Value;

use super::api_error::ApiError;
use super::decision_log::DecisionLog;
use super::metrics::Metrics;

/// The header every answer carries: the revision (checksum) of the tables that gave it.
pub const REVISION_HEADER: &str = "x-rampart-revision";

/// Shared state.
#[derive(Debug)]
pub struct App {
    /// The tables in force.
    pub handle: TablesHandle,
    /// Counters.
    pub metrics: Metrics,
    /// The bearer token the API requires, when `--token-file` is given.
    pub token: Option<Vec<u8>>,
    /// Where decisions are logged, when asked.
    pub decision_log: Option<DecisionLog>,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// The most evaluations (or subjects) one batch may hold.
    pub max_batch: usize,
    /// At most this many requests are answered at once; the rest wait briefly, then get 503.
    pub permits: tokio::sync::Semaphore,
    /// The URL the discovery document advertises (else taken from the `Host` header).
    pub public_url: Option<String>,
}

impl App {
    /// One snapshot: a request is answered from one table file, whatever reloads happen.
    pub fn tables(&self) -> Arc<Tables> {
        self.handle.current()
    }

    /// Logs a decision when decision logs are on.
    pub fn log_decision(&self, entry: impl FnOnce() -> Value) {
        if let Some(log) = &self.decision_log {
            log.record(entry());
        }
    }
}

/// A JSON answer and the revision of the tables that gave it.
#[derive(Debug)]
pub struct Answer {
    /// The body.
    pub body: Value,
    /// The tables' revision.
    pub revision: String,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = axum::Json(self.body).into_response();
        if let Ok(v) = HeaderValue::from_str(&self.revision) {
            response.headers_mut().insert(REVISION_HEADER, v);
        }
        response
    }
}

/// Reads a body of at most `app.max_body` bytes as JSON.
pub async fn read_json(app: &App, body: Body) -> Result<Value, ApiError> {
    let bytes = axum::body::to_bytes(body, app.max_body)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the request body is larger than {} bytes", app.max_body),
            )
        })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::malformed(format!("the body is not JSON: {e}")))
}

/// Parses a JSON value into a request type, naming the problem.
pub fn parse<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| ApiError::malformed(format!("{what}: {e}")))
}
