//! The Rampart sidecar (`rampart serve`): an HTTP face over `rampart-runtime`. It depends
//! on the runtime only (never on the compiler): a service that wants the sidecar builds
//! no YAML parser, rayon or petgraph.
//!
//! Endpoints: AuthZEN 1.0 ([`authzen`]: `/access/v1/evaluation`, `/evaluations`,
//! `/search/{subject,resource,action}`, `/.well-known/authzen-configuration`), Mission
//! Control's ([`rbac`]: `/rbac/subject-access-reviews`, `/rbac/subject-access-search`),
//! and `/health`, `/ready`, `/metrics`. Every answer carries the `x-rampart-revision` of
//! the tables that gave it; every refusal is a JSON error ([`api_error`]).
//!
//! Robustness against slow and hostile clients: a request head must arrive within
//! `--header-timeout` (which bounds idle kept-alive connections too), its body within
//! `--body-timeout` and under `--max-body-bytes`, and a client that takes no bytes of
//! an answer for `--write-timeout` loses the connection ([`listen`]). Only then is a
//! decision permit taken: at most `--max-concurrent` requests are decided at once (the
//! rest wait up to a second, then get 503), on a pool of threads of their own, so that
//! `/health`, `/ready` and the reading of other requests never wait behind decisions.
//! Work stops between the items of a batch when its client has gone. An optional bearer
//! token (`--token-file`) guards everything but `/health` and `/ready`,
//! `SIGTERM`/`SIGINT` stop accepting and finish the requests in flight, and the tables
//! reload on change or `SIGHUP` ([`reload`]).

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod api_error;
pub mod app;
pub mod authzen;
pub mod decision_log;
pub mod freshness;
pub mod listen;
pub mod metrics;
pub mod model;
pub mod pairing;
pub mod rbac;
pub mod reload;
pub mod resolve;
pub mod source;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rampart_runtime::{PublicKey, Tables, TablesHandle};
use serde_json::Value;

use api_error::{ApiError, ErrorCode};
use app::{read_body, Answer, App, Cancel, ClientWatch, REVISION_HEADER};
use rampart_runtime::json::strict;

/// How the sidecar is run: what `rampart serve`'s flags say.
#[derive(Clone, Debug)]
pub struct Config {
    /// The table file (watched: a new file is swapped in when it loads and verifies).
    pub tables: PathBuf,
    /// Refuse tables not signed with this key.
    pub verify: Option<PublicKey>,
    /// Where to listen.
    pub listen: Listen,
    /// A file holding the bearer token every API request must present.
    pub token_file: Option<PathBuf>,
    /// Log decisions, one JSON line each, as these options say (file or `-` for stdout,
    /// sampling, queue and overflow policy).
    pub decision_log: Option<decision_log::Options>,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// From a connection's start (or the previous answer) to a complete request head.
    pub header_timeout: Duration,
    /// From a request's head to the end of its body.
    pub body_timeout: Duration,
    /// How long a client may take none of an answer's bytes.
    pub write_timeout: Duration,
    /// The most evaluations (or subjects) in one batch.
    pub max_batch: usize,
    /// At most this many requests answered at once.
    pub max_concurrent: usize,
    /// The base URL the discovery document advertises (default: from the Host header).
    pub public_url: Option<String>,
    /// Worker threads (default: one per core).
    pub threads: Option<usize>,
}

/// Where the sidecar listens.
#[derive(Clone, Debug)]
pub enum Listen {
    /// A TCP address (`127.0.0.1:8181`).
    Tcp(String),
    /// A Unix socket path.
    Unix(PathBuf),
}

/// Why the sidecar could not start or stopped with an error.
#[derive(Debug)]
pub struct ServeError(String);

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServeError {}

impl From<String> for ServeError {
    fn from(message: String) -> ServeError {
        ServeError(message)
    }
}

fn read_token(path: &PathBuf) -> Result<Vec<u8>, ServeError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ServeError(format!("cannot read `{}`: {e}", path.display())))?;
    let token = text.trim();
    if token.len() < 16 {
        return Err(ServeError(format!(
            "the token in `{}` is shorter than 16 characters",
            path.display()
        )));
    }
    Ok(token.as_bytes().to_vec())
}

/// Compares in time independent of where the first difference is.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Runs the server until `SIGTERM` or `SIGINT`.
pub fn run(args: Config) -> Result<(), ServeError> {
    let key = args.verify.clone();
    let started = Instant::now();
    let identity = reload::FileIdentity::of(&args.tables);
    let tables = match &key {
        Some(k) => Tables::load_verified(&args.tables, k),
        None => Tables::load(&args.tables),
    }
    .map_err(|e| ServeError(format!("`{}`: {e}", args.tables.display())))?;
    let app = app(&args, tables)?;
    app.metrics.loaded(started.elapsed(), false);
    let (reloads, _watcher) =
        reload::start(Arc::clone(&app), args.tables.clone(), key, identity).map_err(ServeError)?;
    serve_with(app, args, reloads)
}

/// How `serve` refreshes tables built from a source.
#[derive(Clone, Copy, Debug)]
pub struct Refresh {
    /// The longest wait on the source before it is checked again (the poll interval).
    pub interval: Duration,
    /// Data older than this makes `/ready` fail.
    pub max_age: Duration,
}

/// Runs the server over tables built from `source` (no table file: `args.tables` and
/// `args.verify` are not used), refreshed as [`source::start`] says, until `SIGTERM` or
/// `SIGINT`. The first build must succeed. With `lookup`, an object a request names by
/// an id the tables do not know is looked up there ([`resolve`]).
pub fn run_from_source(
    args: Config,
    mut source: Box<dyn source::TableSource>,
    refresh: Refresh,
    lookup: Option<Box<dyn resolve::ObjectLookup>>,
) -> Result<(), ServeError> {
    let started = Instant::now();
    let as_of = std::time::SystemTime::now();
    let tables = source
        .build()
        .map_err(|e| ServeError(format!("{}: {e}", source.describe())))?;
    let app = app(&args, tables)?;
    app.metrics.loaded(started.elapsed(), false);
    let freshness = Arc::new(freshness::Freshness::new(refresh.max_age));
    freshness.built(as_of);
    if let Some(rows) = source.refused_rows() {
        freshness.refused(rows);
    }
    let _ = app.metrics.freshness.set(Arc::clone(&freshness));
    if let Some(lookup) = lookup {
        let _ = app.resolver.set(Arc::new(resolve::Resolver::new(lookup)));
    }
    source::start(Arc::clone(&app), freshness, source, refresh.interval).map_err(ServeError)?;
    // SIGHUP has nothing to reload: the refresh thread follows the source.
    let (reloads, _) = std::sync::mpsc::channel();
    serve_with(app, args, reloads)
}

/// The application state over `tables`.
fn app(args: &Config, tables: Tables) -> Result<Arc<App>, ServeError> {
    let token = args.token_file.as_ref().map(read_token).transpose()?;
    let decision_log = args
        .decision_log
        .as_ref()
        .map(decision_log::DecisionLog::open)
        .transpose()
        .map_err(|e| ServeError(format!("cannot open the decision log: {e}")))?;
    let app = Arc::new(App {
        handle: TablesHandle::new(tables),
        metrics: metrics::Metrics::default(),
        token,
        decision_log,
        max_body: args.max_body_bytes,
        body_timeout: args.body_timeout,
        max_batch: args.max_batch.max(1),
        permits: Arc::new(tokio::sync::Semaphore::new(args.max_concurrent.max(1))),
        public_url: args.public_url.clone(),
        resolver: std::sync::OnceLock::new(),
    });
    Ok(app)
}

/// Starts the runtime and serves `app` until `SIGTERM` or `SIGINT`.
fn serve_with(
    app: Arc<App>,
    args: Config,
    reloads: std::sync::mpsc::Sender<reload::Trigger>,
) -> Result<(), ServeError> {
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        |n| n.max(1),
    );
    // Connections are served by `threads` workers; decisions run on a pool of as many
    // threads of their own (see `json_endpoint`), so they never hold up a worker.
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime
        .worker_threads(threads)
        .max_blocking_threads(threads);
    let runtime = runtime
        .enable_all()
        .build()
        .map_err(|e| ServeError(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(serve(app, args, reloads))
}

async fn serve(
    app: Arc<App>,
    args: Config,
    reloads: std::sync::mpsc::Sender<reload::Trigger>,
) -> Result<(), ServeError> {
    let router = router(Arc::clone(&app));
    let revision = app.tables().revision().to_string();
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return;
        };
        while hup.recv().await.is_some() {
            let _ = reloads.send(reload::Trigger::Signal);
        }
    });
    let deadlines = listen::Deadlines {
        header: args.header_timeout,
        write: args.write_timeout,
    };
    match &args.listen {
        Listen::Unix(path) => {
            listen::prepare_unix_path(path).map_err(ServeError)?;
            let listener = tokio::net::UnixListener::bind(path)
                .map_err(|e| ServeError(format!("cannot listen on `{}`: {e}", path.display())))?;
            eprintln!(
                "rampart serve: listening on unix:{} (tables {revision})",
                path.display()
            );
            let accept = || async { listener.accept().await.map(|(stream, _)| stream) };
            listen::serve(accept, router, deadlines, shutdown()).await;
        }
        Listen::Tcp(address) => {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| ServeError(format!("cannot listen on `{address}`: {e}")))?;
            let address = listener
                .local_addr()
                .map_err(|e| ServeError(format!("server: {e}")))?;
            eprintln!("rampart serve: listening on http://{address} (tables {revision})");
            let accept = || async {
                let (stream, _) = listener.accept().await?;
                // Answers are small and latency matters more than packet count.
                let _ = stream.set_nodelay(true);
                Ok(stream)
            };
            listen::serve(accept, router, deadlines, shutdown()).await;
        }
    }
    eprintln!("rampart serve: stopped");
    Ok(())
}

/// Resolves on `SIGTERM` or `SIGINT`.
async fn shutdown() {
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    eprintln!("rampart serve: shutting down after the requests in flight");
}

type Handler = fn(&App, Value, &Cancel) -> Result<Answer, ApiError>;

/// A JSON endpoint. The body is read first (with its size limit and deadline), and only
/// then is a decision permit taken, so that slow clients hold no permit; the body is
/// parsed strictly and decided on the decision pool, which stops the work between
/// steps once the client has gone (the server drops this future, and with it the
/// [`ClientWatch`]).
async fn json_endpoint(app: Arc<App>, body: Body, handler: Handler) -> Result<Answer, ApiError> {
    let cancel = Cancel::new();
    let watch = ClientWatch::new(Arc::clone(&app), cancel.clone());
    let answer = decide_body(app, body, handler, cancel).await;
    watch.answered();
    answer
}

/// The body read, a permit taken, the body parsed and decided on the decision pool.
async fn decide_body(
    app: Arc<App>,
    body: Body,
    handler: Handler,
    cancel: Cancel,
) -> Result<Answer, ApiError> {
    let bytes = read_body(&app, body).await?;
    refuse_stale_data(&app)?;
    let permit = match tokio::time::timeout(
        Duration::from_secs(1),
        Arc::clone(&app.permits).acquire_owned(),
    )
    .await
    {
        Ok(Ok(permit)) => permit,
        _ => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many requests in flight; retry",
            ))
        }
    };
    let work = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let value = strict::parse(&bytes)?;
        handler(&app, value, &cancel)
    });
    work.await.map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "other",
            "the request could not be decided",
        )
    })?
}

/// Tables built from a source (`serve --postgres`) whose data is older than
/// `--max-data-age` answer nothing: every refresh since has failed, so access revoked in
/// the source meanwhile would still be granted. `/ready` fails at the same age; this is
/// for the clients that ask anyway. Tables from a file have no such age.
fn refuse_stale_data(app: &App) -> Result<(), ApiError> {
    match app.metrics.freshness.get() {
        Some(f) if f.is_stale() => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "stale_tables",
            format!(
                "the tables in force are older than --max-data-age ({} s) and refreshing them from the source has failed since; no decision is answered from them (see /ready)",
                f.max_age().as_secs()
            ),
        )),
        _ => Ok(()),
    }
}

macro_rules! endpoint {
    ($handler:path) => {
        post(|State(app): State<Arc<App>>, body: Body| json_endpoint(app, body, $handler))
    };
}

/// The routes and middleware.
pub fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route("/access/v1/evaluation", endpoint!(authzen::evaluation))
        .route("/access/v1/evaluations", endpoint!(authzen::evaluations))
        .route(
            "/access/v1/search/subject",
            endpoint!(authzen::search_subject),
        )
        .route(
            "/access/v1/search/resource",
            endpoint!(authzen::search_resource),
        )
        .route(
            "/access/v1/search/action",
            endpoint!(authzen::search_action),
        )
        .route(
            "/rbac/subject-access-reviews",
            endpoint!(rbac::subject_access_reviews),
        )
        .route(
            "/rbac/subject-access-search",
            endpoint!(rbac::subject_access_search),
        )
        .route("/.well-known/authzen-configuration", get(discovery))
        .route("/metrics", get(metrics_text))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&app),
            authenticate,
        ));
    Router::new()
        .merge(api)
        .route(
            "/health",
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/ready", get(ready))
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
        })
        .layer(middleware::from_fn_with_state(Arc::clone(&app), account))
        .with_state(app)
}

/// Ready when the tables can answer: tables without a single principal (compiled
/// without a catalog, say) would answer every request with an error, so they are not;
/// tables built from a source are not once their data is older than the limit (the
/// refreshes kept failing), and the answer says how current they are. A table file
/// refused on reload, or a failed refresh from a source, leaves the last good tables
/// answering: ready, `"stale": true`, until a file loads or a refresh succeeds.
async fn ready(State(app): State<Arc<App>>) -> Response {
    let tables = app.tables();
    let revision = tables.revision().to_string();
    let freshness = app.metrics.freshness.get();
    if let Some(f) = freshness.filter(|f| f.is_stale()) {
        let body = serde_json::json!({
            "status": "not_ready",
            "reason": "the tables' data is older than the limit: refreshing from the source keeps failing",
            "revision": revision,
            "source": f.status(),
        });
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
        if let Ok(v) = HeaderValue::from_str(&revision) {
            response.headers_mut().insert(REVISION_HEADER, v);
        }
        return response;
    }
    if tables.principals().next().is_none() {
        let body = serde_json::json!({
            "status": "not_ready",
            "reason": "the tables hold no principal, so every request would be an error; were they compiled without a catalog?",
            "revision": revision,
        });
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
        if let Ok(v) = HeaderValue::from_str(&revision) {
            response.headers_mut().insert(REVISION_HEADER, v);
        }
        return response;
    }
    // A refused reload or refresh leaves the last good tables answering: still ready,
    // but stale (the file or the source may not be what answers), with the reason.
    let mut body = match app.metrics.stale() {
        Some(reason) => serde_json::json!({
            "status": "ready",
            "revision": revision,
            "stale": true,
            "refused": reason,
        }),
        None => serde_json::json!({"status": "ready", "revision": revision, "stale": false}),
    };
    if let (Some(f), Some(object)) = (freshness, body.as_object_mut()) {
        object.insert("source".to_string(), f.status());
    }
    Answer { body, revision }.into_response()
}

async fn discovery(State(app): State<Arc<App>>, headers: HeaderMap) -> Answer {
    let base = app.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
            })
            .unwrap_or("127.0.0.1:8181");
        format!("http://{host}")
    });
    Answer {
        body: authzen::configuration(base.trim_end_matches('/')),
        revision: app.tables().revision().to_string(),
    }
}

async fn metrics_text(State(app): State<Arc<App>>) -> Response {
    let tables = app.tables();
    let mut text = app.metrics.render(tables.revision());
    if let Some(resolver) = app.resolver.get() {
        text.push_str(&resolver.render());
    }
    if let Some(log) = &app.decision_log {
        text.push_str(&log.render());
    }
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

/// The bearer token, when one is required.
async fn authenticate(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    if let Some(expected) = &app.token {
        // Exactly one `Authorization` header (two are refused, whichever holds the
        // token), its scheme `Bearer` in any case (RFC 7235).
        let mut headers = request.headers().get_all(header::AUTHORIZATION).iter();
        let presented = match (headers.next(), headers.next()) {
            (Some(only), None) => only
                .to_str()
                .ok()
                .and_then(|h| h.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim_start_matches(' ').as_bytes()),
            _ => None,
        };
        if !presented.is_some_and(|p| same_secret(p, expected)) {
            let mut response = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid `Authorization: Bearer` token is required",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    next.run(request).await
}

/// Latency and error metrics, and the revision header, for every answer.
async fn account(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut response = next.run(request).await;
    if let Some(ErrorCode(code)) = response.extensions().get::<ErrorCode>().copied() {
        app.metrics.error(code);
    }
    if !response.headers().contains_key(REVISION_HEADER) {
        if let Ok(v) = HeaderValue::from_str(app.tables().revision()) {
            response.headers_mut().insert(REVISION_HEADER, v);
        }
    }
    app.metrics.latency(started.elapsed());
    response
}
