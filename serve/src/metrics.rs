//! Prometheus metrics of the sidecar, as plain atomics rendered in the text format:
//! decisions by effect, errors by code, request latency, reloads, and the tables in force.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.01, 0.05, 0.25,
    1.0,
];

/// Error codes counted (anything else counts as `other`).
pub const ERROR_CODES: [&str; 14] = [
    "unknown_subject",
    "ambiguous_subject",
    "unknown_action",
    "unknown_object",
    "unknown_global",
    "invalid_request",
    "inconsistent_tables",
    "malformed_request",
    "body_too_large",
    "body_timeout",
    "client_gone",
    "unauthorized",
    "busy",
    "other",
];

/// The counters.
#[derive(Debug, Default)]
pub struct Metrics {
    allowed: AtomicU64,
    denied: AtomicU64,
    errors: [AtomicU64; ERROR_CODES.len()],
    latency: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_nanos: AtomicU64,
    reloads: AtomicU64,
    reload_failures: AtomicU64,
    table_reads: AtomicU64,
    load_nanos: AtomicU64,
    loaded_at_seconds: AtomicU64,
    /// Table files refused on reload, by the load error's code.
    table_file_refused: std::sync::Mutex<std::collections::BTreeMap<&'static str, u64>>,
    /// Why the last attempt to take in new tables was refused (a table file's load error
    /// code, or `source_refresh_failed` / `source_watch_failed` for `serve --postgres`),
    /// until an attempt succeeds: the tables in force may then be older than the file or
    /// the source (`/ready` says `stale`).
    stale: std::sync::Mutex<Option<&'static str>>,
    /// How current tables built from a source are (`serve --postgres`); unset for a
    /// table file.
    pub freshness: std::sync::OnceLock<std::sync::Arc<crate::freshness::Freshness>>,
}

impl Metrics {
    /// Counts one decision.
    pub fn decision(&self, allowed: bool) {
        if allowed {
            self.allowed.fetch_add(1, Ordering::Relaxed);
        } else {
            self.denied.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one error by its code.
    pub fn error(&self, code: &str) {
        let i = ERROR_CODES
            .iter()
            .position(|c| *c == code)
            .unwrap_or(ERROR_CODES.len() - 1);
        if let Some(counter) = self.errors.get(i) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records one request's latency.
    pub fn latency(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            if let Some(counter) = self.latency.get(i) {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_nanos.fetch_add(
            u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Records tables loaded (at start or on a reload) in `took`.
    pub fn loaded(&self, took: Duration, reload: bool) {
        self.current();
        if reload {
            self.reloads.fetch_add(1, Ordering::Relaxed);
        }
        self.load_nanos.store(
            u64::try_from(took.as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        self.loaded_at_seconds.store(now, Ordering::Relaxed);
    }

    /// Counts one read of the table file for a reload.
    pub fn table_read(&self) {
        self.table_reads.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a reload that failed (the previous tables stay).
    pub fn reload_failed(&self) {
        self.reload_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a table file refused on reload for `reason` (a load error's code): the last
    /// good tables keep answering, and are stale until a file loads.
    pub fn table_file_refused(&self, reason: &'static str) {
        if let Ok(mut refused) = self.table_file_refused.lock() {
            *refused.entry(reason).or_insert(0) += 1;
        }
        self.refused(reason);
    }

    /// An attempt to take in new tables failed for `reason`: the tables in force stay, and
    /// are stale until an attempt succeeds.
    pub fn refused(&self, reason: &'static str) {
        if let Ok(mut stale) = self.stale.lock() {
            *stale = Some(reason);
        }
    }

    /// The file or the source was read and holds the tables in force (swapped in, or the
    /// same revision: a rollback, or a source that did not change): no longer stale.
    pub fn current(&self) {
        if let Ok(mut stale) = self.stale.lock() {
            *stale = None;
        }
    }

    /// Why the last attempt to take in new tables was refused, while no attempt since
    /// succeeded (the tables in force may be older than the file or the source).
    pub fn stale(&self) -> Option<&'static str> {
        self.stale.lock().ok().and_then(|s| *s)
    }

    /// Reloads done and failed.
    pub fn reload_counts(&self) -> (u64, u64) {
        (
            self.reloads.load(Ordering::Relaxed),
            self.reload_failures.load(Ordering::Relaxed),
        )
    }

    /// The Prometheus text exposition.
    pub fn render(&self, revision: &str) -> String {
        let mut out = String::new();
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        out.push_str("# HELP rampart_decisions_total Decisions answered, by effect.\n# TYPE rampart_decisions_total counter\n");
        let _ = writeln!(
            out,
            "rampart_decisions_total{{effect=\"allow\"}} {}",
            get(&self.allowed)
        );
        let _ = writeln!(
            out,
            "rampart_decisions_total{{effect=\"deny\"}} {}",
            get(&self.denied)
        );
        out.push_str("# HELP rampart_errors_total Requests refused with an error, by code.\n# TYPE rampart_errors_total counter\n");
        for (code, counter) in ERROR_CODES.iter().zip(&self.errors) {
            let _ = writeln!(
                out,
                "rampart_errors_total{{code=\"{code}\"}} {}",
                get(counter)
            );
        }
        out.push_str("# HELP rampart_request_duration_seconds Time to answer an API request.\n# TYPE rampart_request_duration_seconds histogram\n");
        let mut cumulative = 0;
        for (bound, counter) in BUCKETS.iter().zip(&self.latency) {
            cumulative += get(counter);
            let _ = writeln!(
                out,
                "rampart_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = get(&self.latency_count);
        let _ = writeln!(
            out,
            "rampart_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "rampart_request_duration_seconds_sum {:.9}",
            get(&self.latency_sum_nanos) as f64 / 1e9
        );
        let _ = writeln!(out, "rampart_request_duration_seconds_count {count}");
        out.push_str("# HELP rampart_reloads_total Table files swapped in after the start.\n# TYPE rampart_reloads_total counter\n");
        let _ = writeln!(out, "rampart_reloads_total {}", get(&self.reloads));
        out.push_str("# HELP rampart_reload_failures_total Table files refused on reload (the previous tables stayed).\n# TYPE rampart_reload_failures_total counter\n");
        let _ = writeln!(
            out,
            "rampart_reload_failures_total {}",
            get(&self.reload_failures)
        );
        out.push_str("# HELP rampart_table_file_refused Table files refused on reload, by reason (the load error's code); the last good tables kept answering.\n# TYPE rampart_table_file_refused counter\n");
        if let Ok(refused) = self.table_file_refused.lock() {
            for (reason, n) in refused.iter() {
                let _ = writeln!(out, "rampart_table_file_refused{{reason=\"{reason}\"}} {n}");
            }
        }
        out.push_str("# HELP rampart_table_reads_total Reads of the table file for a reload (only a changed file, or SIGHUP, is read).\n# TYPE rampart_table_reads_total counter\n");
        let _ = writeln!(out, "rampart_table_reads_total {}", get(&self.table_reads));
        out.push_str("# HELP rampart_tables_info The tables in force, by revision (their checksum).\n# TYPE rampart_tables_info gauge\n");
        let _ = writeln!(out, "rampart_tables_info{{revision=\"{revision}\"}} 1");
        out.push_str("# HELP rampart_tables_load_seconds Time the tables in force took to load and validate.\n# TYPE rampart_tables_load_seconds gauge\n");
        let _ = writeln!(
            out,
            "rampart_tables_load_seconds {:.6}",
            get(&self.load_nanos) as f64 / 1e9
        );
        out.push_str("# HELP rampart_tables_loaded_timestamp_seconds When the tables in force were loaded.\n# TYPE rampart_tables_loaded_timestamp_seconds gauge\n");
        let _ = writeln!(
            out,
            "rampart_tables_loaded_timestamp_seconds {}",
            get(&self.loaded_at_seconds)
        );
        if let Some(freshness) = self.freshness.get() {
            out.push_str(&freshness.render());
        }
        out
    }
}
