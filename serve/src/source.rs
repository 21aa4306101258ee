//! Tables built from a source instead of read from a file (`rampart serve --postgres`):
//! the sidecar knows only the [`TableSource`] trait — how to build tables now, and how to
//! wait for the source to change — so that it stays free of the compiler; the command
//! line implements it over Mission Control's database.
//!
//! A thread of its own waits on the source and rebuilds when it may have changed; new
//! tables are swapped in atomically (a request is answered from one revision). A failed
//! build keeps the last good tables and is shown in the log, in `/metrics` and in
//! `/ready` ([`Freshness`]): the age of the data in force is the time since the source
//! was last known to match them (a build, or a check that found nothing changed), and
//! `/ready` fails once it is older than the configured limit.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rampart_runtime::Tables;

use crate::app::App;

/// What waiting on a source found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    /// The source may have changed (why): rebuild.
    Changed(String),
    /// The source was checked and has not changed: the tables in force are current.
    Unchanged,
    /// The source could not be checked (why): it is retried after the interval.
    Failed(String),
}

/// Where tables come from when they are not read from a file.
pub trait TableSource: Send {
    /// A short description for the log (`postgres schema `public``), never a secret.
    fn describe(&self) -> String;
    /// Builds tables from the source's current state.
    fn build(&mut self) -> Result<Tables, String>;
    /// Blocks until the source may have changed, or at most `timeout`.
    fn wait(&mut self, timeout: Duration) -> Wake;
}

#[derive(Debug, Default)]
struct State {
    current_since: Option<SystemTime>,
    last_refresh: Option<SystemTime>,
    last_error: Option<String>,
    refreshes: u64,
    failures: u64,
}

/// How current the tables in force are, for `/ready` and `/metrics`.
#[derive(Debug)]
pub struct Freshness {
    max_age: Duration,
    state: Mutex<State>,
}

fn seconds(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Freshness {
    /// Tables older than `max_age` make `/ready` fail.
    pub fn new(max_age: Duration) -> Freshness {
        Freshness {
            max_age,
            state: Mutex::new(State::default()),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> Option<T> {
        self.state.lock().ok().map(|mut s| f(&mut s))
    }

    /// Tables built from the source as it was at `as_of` are in force.
    pub fn built(&self, as_of: SystemTime) {
        self.with(|s| {
            s.current_since = Some(as_of);
            s.last_refresh = Some(as_of);
            s.last_error = None;
            s.refreshes += 1;
        });
    }

    /// The source was checked at `as_of` and matches the tables in force.
    pub fn confirmed(&self, as_of: SystemTime) {
        self.with(|s| {
            s.current_since = Some(as_of);
            s.last_error = None;
        });
    }

    /// A build or check failed; the tables in force stay.
    pub fn failed(&self, why: &str) {
        self.with(|s| {
            s.last_error = Some(why.to_string());
            s.failures += 1;
        });
    }

    /// The age of the data in force (`None` before the first build).
    pub fn age(&self) -> Option<Duration> {
        let since = self.with(|s| s.current_since).flatten()?;
        Some(SystemTime::now().duration_since(since).unwrap_or_default())
    }

    /// Whether the data in force is older than the limit.
    pub fn is_stale(&self) -> bool {
        self.age().is_none_or(|a| a > self.max_age)
    }

    /// The state for `/ready`.
    pub fn status(&self) -> serde_json::Value {
        let age = self.age().map(|a| a.as_secs_f64());
        self.with(|s| {
            serde_json::json!({
                "data_age_seconds": age,
                "max_data_age_seconds": self.max_age.as_secs_f64(),
                "last_refresh_timestamp_seconds": s.last_refresh.map(seconds),
                "refreshes": s.refreshes,
                "refresh_failures": s.failures,
                "last_error": s.last_error,
            })
        })
        .unwrap_or(serde_json::Value::Null)
    }

    /// The Prometheus lines.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let age = self.age().map_or(-1.0, |a| a.as_secs_f64());
        let (last, refreshes, failures) = self
            .with(|s| (s.last_refresh.map_or(0.0, seconds), s.refreshes, s.failures))
            .unwrap_or((0.0, 0, 0));
        out.push_str("# HELP rampart_source_data_age_seconds Time since the source was last known to match the tables in force.\n# TYPE rampart_source_data_age_seconds gauge\n");
        let _ = writeln!(out, "rampart_source_data_age_seconds {age:.3}");
        out.push_str("# HELP rampart_source_last_refresh_timestamp_seconds When the tables in force were built from the source.\n# TYPE rampart_source_last_refresh_timestamp_seconds gauge\n");
        let _ = writeln!(
            out,
            "rampart_source_last_refresh_timestamp_seconds {last:.3}"
        );
        out.push_str("# HELP rampart_source_refreshes_total Tables built from the source.\n# TYPE rampart_source_refreshes_total counter\n");
        let _ = writeln!(out, "rampart_source_refreshes_total {refreshes}");
        out.push_str("# HELP rampart_source_refresh_failures_total Builds or checks of the source that failed (the tables in force stayed).\n# TYPE rampart_source_refresh_failures_total counter\n");
        let _ = writeln!(out, "rampart_source_refresh_failures_total {failures}");
        out
    }
}

/// Builds tables from the source once; on success swaps them in (when their revision
/// differs) and records the time the build started as the data's time. Returns whether
/// the build succeeded.
pub fn refresh(app: &App, freshness: &Freshness, source: &mut dyn TableSource, why: &str) -> bool {
    let started = SystemTime::now();
    let clock = std::time::Instant::now();
    match source.build() {
        Ok(tables) => {
            let current = app.handle.current();
            let revision = tables.revision().to_string();
            if revision != current.revision() {
                app.handle.replace(tables);
                app.metrics.loaded(clock.elapsed(), true);
                eprintln!(
                    "rampart serve: tables {revision} built from {} in {:.1} ms ({why}; were {})",
                    source.describe(),
                    clock.elapsed().as_secs_f64() * 1e3,
                    current.revision()
                );
            }
            freshness.built(started);
            true
        }
        Err(e) => {
            freshness.failed(&e);
            app.metrics.reload_failed();
            eprintln!(
                "rampart serve: kept tables {}: refreshing from {} failed ({why}): {e}",
                app.handle.current().revision(),
                source.describe()
            );
            false
        }
    }
}

/// Starts the refresh thread: waits on the source (at most `interval` at a time) and
/// rebuilds when it may have changed. After a failed build, a quiet source is no
/// confirmation that the tables in force are current: the build is retried after each
/// interval until it succeeds.
pub fn start(
    app: Arc<App>,
    freshness: Arc<Freshness>,
    mut source: Box<dyn TableSource>,
    interval: Duration,
) -> Result<(), String> {
    std::thread::Builder::new()
        .name("refresh".into())
        .spawn(move || {
            let mut behind = false;
            loop {
                let checked = SystemTime::now();
                match source.wait(interval) {
                    Wake::Changed(why) => {
                        behind = !refresh(&app, &freshness, source.as_mut(), &why);
                    }
                    Wake::Unchanged if behind => {
                        behind = !refresh(
                            &app,
                            &freshness,
                            source.as_mut(),
                            "retry after a failed refresh",
                        );
                    }
                    Wake::Unchanged => freshness.confirmed(checked),
                    Wake::Failed(why) => {
                        freshness.failed(&why);
                        app.metrics.reload_failed();
                        eprintln!(
                            "rampart serve: kept tables {}: watching {} failed: {why}",
                            app.handle.current().revision(),
                            source.describe()
                        );
                        std::thread::sleep(interval);
                    }
                }
            }
        })
        .map(|_| ())
        .map_err(|e| format!("cannot start the refresh thread: {e}"))
}
