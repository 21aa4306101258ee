//! How current tables built from a source are (`serve --postgres`), for `/ready` and
//! `/metrics`: the age of the data in force is the time since the source was last known
//! to match them (a build, or a check that found nothing changed); `/ready` fails once
//! it is older than the configured limit, and the decision endpoints answer 503
//! `stale_tables` instead of deciding. A file of its own so that the metrics and the
//! refresh thread both use it without leaning on each other.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

#[derive(Debug, Default)]
struct State {
    current_since: Option<SystemTime>,
    last_refresh: Option<SystemTime>,
    last_error: Option<String>,
    refreshes: u64,
    failures: u64,
    refused: Vec<crate::source::RefusedRow>,
}

/// Refused rows named in `/ready` (the rest are counted).
const SHOWN_REFUSED: usize = 100;

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

    /// The rows the last build refused (left out, or refusing the refresh).
    pub fn refused(&self, rows: Vec<crate::source::RefusedRow>) {
        self.with(|s| s.refused = rows);
    }

    /// The age of the data in force (`None` before the first build).
    pub fn age(&self) -> Option<Duration> {
        let since = self.with(|s| s.current_since).flatten()?;
        Some(SystemTime::now().duration_since(since).unwrap_or_default())
    }

    /// The limit.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// Whether the data in force is older than the limit.
    pub fn is_stale(&self) -> bool {
        self.age().is_none_or(|a| a > self.max_age)
    }

    /// The state for `/ready`.
    pub fn status(&self) -> serde_json::Value {
        let age = self.age().map(|a| a.as_secs_f64());
        self.with(|s| {
            let rows: Vec<serde_json::Value> = s
                .refused
                .iter()
                .take(SHOWN_REFUSED)
                .map(|r| {
                    serde_json::json!({
                        "table": r.table,
                        "id": r.id,
                        "reason": r.reason,
                        "outcome": if r.left_out { "left_out" } else { "refresh_refused" },
                    })
                })
                .collect();
            serde_json::json!({
                "refused_rows": {"count": s.refused.len(), "rows": rows},
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
        let (last, refreshes, failures, refused) = self
            .with(|s| {
                (
                    s.last_refresh.map_or(0.0, seconds),
                    s.refreshes,
                    s.failures,
                    s.refused.len(),
                )
            })
            .unwrap_or((0.0, 0, 0, 0));
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
        out.push_str("# HELP rampart_source_refused_rows Rows of the source the last build refused: allows left out, or rows (a deny) that kept the tables in force.\n# TYPE rampart_source_refused_rows gauge\n");
        let _ = writeln!(out, "rampart_source_refused_rows {refused}");
        out
    }
}
