//! Tables built from a source instead of read from a file (`rampart serve --postgres`):
//! the sidecar knows only the [`TableSource`] trait — how to build tables now, and how to
//! wait for the source to change — so that it stays free of the compiler; the command
//! line implements it over Mission Control's database.
//!
//! A thread of its own waits on the source and rebuilds when it may have changed; new
//! tables are swapped in atomically (a request is answered from one revision). A failed
//! build keeps the last good tables and is shown in the log, in `/metrics` and in
//! `/ready` ([`Freshness`]).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rampart_runtime::Tables;

use crate::app::App;
use crate::freshness::Freshness;

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

/// A row of the source that did not compile, and what was done with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRow {
    /// The table (`permissions`).
    pub table: String,
    /// The row's primary key.
    pub id: String,
    /// Why it does not compile (the first error naming it).
    pub reason: String,
    /// Whether it was left out and the rest applied (an allow: leaving it out only
    /// narrows), or it refused the whole refresh (anything whose leaving out could widen
    /// access, a deny first: the tables in force keep answering).
    pub left_out: bool,
}

/// Where tables come from when they are not read from a file.
pub trait TableSource: Send {
    /// A short description for the log (`postgres schema `public``), never a secret.
    fn describe(&self) -> String;
    /// Builds tables from the source's current state.
    fn build(&mut self) -> Result<Tables, String>;
    /// Blocks until the source may have changed, or at most `timeout`.
    fn wait(&mut self, timeout: Duration) -> Wake;
    /// The rows the last [`TableSource::build`] refused, when it got as far as knowing
    /// them (`None`: it failed before, say on a connection, and says nothing of them).
    fn refused_rows(&self) -> Option<Vec<RefusedRow>> {
        None
    }
}

/// Builds tables from the source once; on success swaps them in (when their revision
/// differs) and records the time the build started as the data's time. Returns whether
/// the build succeeded.
pub fn refresh(app: &App, freshness: &Freshness, source: &mut dyn TableSource, why: &str) -> bool {
    let started = SystemTime::now();
    let clock = std::time::Instant::now();
    let built = source.build();
    if let Some(rows) = source.refused_rows() {
        freshness.refused(rows);
    }
    match built {
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
            app.metrics.current();
            // What was looked up is as old as the tables it supplemented.
            if let Some(resolver) = app.resolver.get() {
                resolver.clear();
            }
            true
        }
        Err(e) => {
            freshness.failed(&e);
            app.metrics.refused("source_refresh_failed");
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
/// rebuilds when it may have changed. After a failed build or a failed watch, a quiet
/// source is no confirmation that the tables in force are current: the build is retried
/// after each interval until it succeeds.
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
                    Wake::Unchanged => {
                        freshness.confirmed(checked);
                        app.metrics.current();
                    }
                    Wake::Failed(why) => {
                        freshness.failed(&why);
                        app.metrics.refused("source_watch_failed");
                        // Changes made while the watch was down were not announced: the
                        // next wake rebuilds rather than confirming the tables in force.
                        behind = true;
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
