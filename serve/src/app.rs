//! The sidecar's shared state and the pieces every endpoint uses: one snapshot of the
//! tables per request, bodies read with a size limit and a deadline into strict JSON,
//! answers that carry the revision of the tables that gave them, and the cancellation
//! a request's work watches so that it stops when its client has gone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError};
use rampart_runtime::{Tables, TablesHandle};
use serde_json::Value;

use super::api_error::ApiError;
use super::decision_log::DecisionLog;
use super::metrics::Metrics;
use super::model::{Evaluation, Resource};
use super::resolve::Resolver;

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
    /// How long a client may take to send a body, from the end of its head.
    pub body_timeout: Duration,
    /// The most evaluations (or subjects) one batch may hold.
    pub max_batch: usize,
    /// At most this many requests are decided at once (a permit is taken once the body
    /// is read); the rest wait briefly, then get 503.
    pub permits: Arc<tokio::sync::Semaphore>,
    /// The URL the discovery document advertises (else taken from the `Host` header).
    pub public_url: Option<String>,
    /// Looks up objects the tables do not know (`serve --postgres`); unset for a table
    /// file.
    pub resolver: std::sync::OnceLock<Arc<Resolver>>,
}

impl App {
    /// One snapshot: a request is answered from one table file, whatever reloads happen.
    pub fn tables(&self) -> Arc<Tables> {
        self.handle.current()
    }

    /// Resolve-on-miss: each resource named by an id `tables` do not know becomes the
    /// object the source has under that id, described by its attributes (see
    /// [`crate::resolve`]). Nothing changes without a resolver.
    pub fn resolve<'r>(
        &self,
        tables: &Tables,
        resources: impl IntoIterator<Item = &'r mut Resource>,
    ) {
        if let Some(resolver) = self.resolver.get() {
            for resource in resources {
                resolver.resolve_resource(tables, resource);
            }
        }
    }

    /// [`App::resolve`] over an evaluation's resource and `context.resources`.
    pub fn resolve_evaluation(&self, tables: &Tables, evaluation: &mut Evaluation) {
        self.resolve(
            tables,
            evaluation
                .resource
                .iter_mut()
                .chain(evaluation.context.resources.iter_mut()),
        );
    }

    /// Whether decisions are logged (a log line is worth making ahead of time).
    pub fn logs_decisions(&self) -> bool {
        self.decision_log.is_some()
    }

    /// Logs a decision when decision logs are on (`entry` is called only for a decision
    /// the sampler keeps).
    pub fn log_decision(&self, entry: impl FnOnce() -> Value) {
        if let Some(log) = &self.decision_log {
            log.record(entry);
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

/// Set when the client of a request has gone (its connection closed before the answer):
/// work that takes long (a batch, a search) checks it between steps and stops.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Not cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Marks the work as no longer wanted.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// True once the client has gone: stop, the answer would not be read.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// An error for work stopped because its client went.
    pub fn gone() -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "client_gone",
            "the client closed the connection before the answer",
        )
    }
}

/// Watches one request from its start: dropped before [`ClientWatch::answered`] (the
/// server drops a request's future when its client closes the connection), it cancels
/// the request's work and counts a `client_gone` error.
#[derive(Debug)]
pub struct ClientWatch {
    app: Arc<App>,
    cancel: Cancel,
    answered: bool,
}

impl ClientWatch {
    /// Watches a request of `app` whose work watches `cancel`.
    pub fn new(app: Arc<App>, cancel: Cancel) -> ClientWatch {
        ClientWatch {
            app,
            cancel,
            answered: false,
        }
    }

    /// The request was answered: its client did not go.
    pub fn answered(mut self) {
        self.answered = true;
    }
}

impl Drop for ClientWatch {
    fn drop(&mut self) {
        if !self.answered {
            self.cancel.cancel();
            self.app.metrics.error("client_gone");
        }
    }
}

/// Reads a body of at most `app.max_body` bytes within `app.body_timeout`.
pub async fn read_body(app: &App, body: Body) -> Result<Bytes, ApiError> {
    let limited = http_body_util::Limited::new(body, app.max_body);
    match tokio::time::timeout(app.body_timeout, limited.collect()).await {
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!(
                "the request body did not arrive within {} s",
                app.body_timeout.as_secs_f64()
            ),
        )
        .with_help(Some("send the whole body at once".into()))),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is larger than {} bytes", app.max_body),
        )
        .with_help(Some("split a batch into smaller ones".into()))),
        Ok(Err(e)) => Err(ApiError::malformed(format!(
            "the request body could not be read: {e}"
        ))),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}
