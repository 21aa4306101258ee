//! Opt-in decision logs: one JSON line per decision (`--decision-log FILE|-`), kept off
//! the check path. A deciding thread does only what cannot wait: it asks the sampler
//! (`--decision-log-sample RATE`), builds the decision's fields and puts them, with the
//! time they were decided, on a bounded queue (`--decision-log-queue N`). One writer
//! thread does the rest: the decision id, the time's text, the JSON line and the write.
//!
//! When the queue is full the overflow policy (`--decision-log-overflow`) says what
//! happens: `block` (the default) makes the decision wait for room, so no line is ever
//! lost and a slow disk slows answers; `drop` answers at once and counts the line in
//! `rampart_decision_log_dropped_total` (on `/metrics`) — for services that prefer
//! latency to a complete log. Sampling is deterministic for a given seed (a hash of the
//! seed and a decision counter), so its rate is exact in expectation and repeatable in
//! tests.
//!
//! Lines carry a decision id, the time, the tables' revision, the subject, action,
//! resources and effect — never a secret (decisions hold none). Decision ids are 128
//! bits in hex: 64 random bits drawn once per log, then a 64-bit sequence number, so ids
//! are unique within a process and, by the random half, across restarts.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::SystemTime;

/// What a deciding thread does when the queue to the writer is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Wait for room: no line is lost; a slow disk slows answers.
    Block,
    /// Drop the line and count it: answers never wait on the log.
    Drop,
}

impl Overflow {
    /// `block` or `drop`.
    pub fn parse(word: &str) -> Result<Overflow, String> {
        match word {
            "block" => Ok(Overflow::Block),
            "drop" => Ok(Overflow::Drop),
            other => Err(format!(
                "unknown decision-log overflow policy `{other}`: write `block` (no line is lost) or `drop` (lines are counted in rampart_decision_log_dropped_total)"
            )),
        }
    }
}

/// How decisions are logged: what the `--decision-log*` flags say.
#[derive(Clone, Debug)]
pub struct Options {
    /// A file (appended to), or `-` for stdout.
    pub target: String,
    /// The share of decisions logged, in (0, 1].
    pub sample: f64,
    /// What happens when the queue is full.
    pub overflow: Overflow,
    /// Lines the queue holds before the overflow policy applies (at least 1).
    pub capacity: usize,
    /// The sampler's seed (random when unset).
    pub seed: Option<u64>,
}

impl Options {
    /// Every decision to `target`, blocking when 65,536 lines wait.
    pub fn new(target: impl Into<String>) -> Options {
        Options {
            target: target.into(),
            sample: 1.0,
            overflow: Overflow::Block,
            capacity: 65_536,
            seed: None,
        }
    }

    /// The sampling rate, checked: a rate outside (0, 1] is an error saying what to write.
    pub fn with_sample(mut self, rate: f64) -> Result<Options, String> {
        if !(rate > 0.0 && rate <= 1.0) {
            return Err(format!(
                "the decision-log sampling rate must be above 0 and at most 1 (1 logs every decision, 0.1 one in ten), not {rate}; to log nothing, leave out --decision-log"
            ));
        }
        self.sample = rate;
        Ok(self)
    }
}

/// The log's counters, shared by the deciding threads and the writer.
#[derive(Debug, Default)]
struct Counters {
    written: AtomicU64,
    dropped: AtomicU64,
    blocked: AtomicU64,
    sampled_out: AtomicU64,
    failed: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> Counts {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Counts {
            written: get(&self.written),
            dropped: get(&self.dropped),
            blocked: get(&self.blocked),
            sampled_out: get(&self.sampled_out),
            failed: get(&self.failed),
        }
    }
}

/// The log's counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Lines written.
    pub written: u64,
    /// Lines dropped because the queue was full (`drop` policy) or the writer had stopped.
    pub dropped: u64,
    /// Decisions that waited for room in the queue (`block` policy).
    pub blocked: u64,
    /// Decisions the sampler left out.
    pub sampled_out: u64,
    /// Lines the writer could not write (the target refused them).
    pub failed: u64,
}

/// Which decisions are logged: decision `n` is when a hash of the seed and `n` falls
/// under the rate's share of the 64-bit range.
#[derive(Debug)]
struct Sampler {
    seed: u64,
    threshold: u64,
    seen: AtomicU64,
}

impl Sampler {
    fn keeps(&self) -> bool {
        let n = self.seen.fetch_add(1, Ordering::Relaxed);
        mix(self
            .seed
            .wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
            < self.threshold
    }
}

/// SplitMix64's finaliser: a bijection that spreads consecutive inputs over 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One decision on its way to the writer.
struct Entry {
    at: SystemTime,
    fields: serde_json::Value,
}

/// Where decision lines go.
#[derive(Debug)]
pub struct DecisionLog {
    queue: SyncSender<Entry>,
    overflow: Overflow,
    sampler: Option<Sampler>,
    counters: Arc<Counters>,
    writer: Option<JoinHandle<()>>,
}

impl DecisionLog {
    /// Opens `options.target` (`-` for stdout; a file is appended to) and starts the
    /// writer.
    pub fn open(options: &Options) -> std::io::Result<DecisionLog> {
        let out: Box<dyn Write + Send> = if options.target == "-" {
            Box::new(std::io::stdout())
        } else {
            Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&options.target)?,
            )
        };
        DecisionLog::to_writer(out, options)
    }

    /// Starts a writer thread writing lines to `out` (`options.target` is not used).
    pub fn to_writer(
        out: Box<dyn Write + Send>,
        options: &Options,
    ) -> std::io::Result<DecisionLog> {
        let (queue, rx) = sync_channel::<Entry>(options.capacity.max(1));
        let counters = Arc::new(Counters::default());
        let prefix = random_u64();
        let writer = {
            let counters = Arc::clone(&counters);
            std::thread::Builder::new()
                .name("decision-log".into())
                .spawn(move || write_lines(out, &rx, prefix, &counters))?
        };
        let sampler = (options.sample < 1.0).then(|| Sampler {
            seed: options.seed.unwrap_or_else(random_u64),
            // The rate's share of 2^64; a rate in (0, 1) fits.
            threshold: (options.sample * 18_446_744_073_709_551_616.0) as u64,
            seen: AtomicU64::new(0),
        });
        Ok(DecisionLog {
            queue,
            overflow: options.overflow,
            sampler,
            counters,
            writer: Some(writer),
        })
    }

    /// Logs one decision, if the sampler keeps it: `fields` is called only then.
    pub fn record(&self, fields: impl FnOnce() -> serde_json::Value) {
        if let Some(sampler) = &self.sampler {
            if !sampler.keeps() {
                self.counters.sampled_out.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        let entry = Entry {
            at: SystemTime::now(),
            fields: fields(),
        };
        match self.queue.try_send(entry) {
            Ok(()) => {}
            Err(TrySendError::Full(entry)) => match self.overflow {
                Overflow::Block => {
                    self.counters.blocked.fetch_add(1, Ordering::Relaxed);
                    if self.queue.send(entry).is_err() {
                        self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Overflow::Drop => {
                    self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                }
            },
            Err(TrySendError::Disconnected(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The counters now.
    pub fn counts(&self) -> Counts {
        self.counters.snapshot()
    }

    /// The counters in Prometheus's text format (for `/metrics`).
    pub fn render(&self) -> String {
        let c = self.counts();
        let mut out = String::new();
        for (name, help, value) in [
            ("written", "Decision lines written.", c.written),
            (
                "dropped",
                "Decision lines dropped: the queue was full under --decision-log-overflow drop.",
                c.dropped,
            ),
            (
                "blocked",
                "Decisions that waited for room in the decision log's queue (--decision-log-overflow block).",
                c.blocked,
            ),
            (
                "sampled_out",
                "Decisions left out by --decision-log-sample.",
                c.sampled_out,
            ),
            (
                "failed",
                "Decision lines the log's target refused (a full disk, a closed pipe).",
                c.failed,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP rampart_decision_log_{name}_total {help}\n# TYPE rampart_decision_log_{name}_total counter\nrampart_decision_log_{name}_total {value}"
            );
        }
        out
    }

    /// Stops taking decisions, writes every line still queued, and waits for the writer.
    pub fn close(mut self) -> Counts {
        let counters = Arc::clone(&self.counters);
        let writer = self.writer.take();
        drop(self);
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        counters.snapshot()
    }
}

/// The writer thread: lines as they come, flushed whenever the queue runs dry; a line
/// counts as written once flushed to the target.
fn write_lines(out: Box<dyn Write + Send>, rx: &Receiver<Entry>, prefix: u64, c: &Counters) {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let mut sequence = 0u64;
    let mut line = Vec::with_capacity(512);
    while let Ok(first) = rx.recv() {
        let mut pending = 0u64;
        let mut next = Some(first);
        while let Some(entry) = next {
            line.clear();
            sequence = sequence.wrapping_add(1);
            if encode(entry, prefix, sequence, &mut line).is_ok() && out.write_all(&line).is_ok() {
                pending += 1;
            } else {
                c.failed.fetch_add(1, Ordering::Relaxed);
            }
            next = rx.try_recv().ok();
        }
        let counter = if out.flush().is_ok() {
            &c.written
        } else {
            &c.failed
        };
        counter.fetch_add(pending, Ordering::Relaxed);
    }
}

/// One line: the decision's fields with its id and time, and a newline.
fn encode(
    mut entry: Entry,
    prefix: u64,
    sequence: u64,
    line: &mut Vec<u8>,
) -> serde_json::Result<()> {
    if let Some(map) = entry.fields.as_object_mut() {
        map.insert(
            "decision_id".into(),
            format!("{prefix:016x}{sequence:016x}").into(),
        );
        map.insert("time".into(), rfc3339(entry.at).into());
    }
    serde_json::to_writer(&mut *line, &entry.fields)?;
    line.push(b'\n');
    Ok(())
}

/// 64 random bits (from the clock and the process id if the system has no randomness).
fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_ok() {
        return u64::from_le_bytes(bytes);
    }
    let nanos = SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    mix(nanos ^ u64::from(std::process::id()))
}

/// The current UTC time as `2026-12-01T12:34:56.789Z`.
pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

/// `at` in UTC as `2026-12-01T12:34:56.789Z`.
pub fn rfc3339(at: SystemTime) -> String {
    let now = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let seconds = now.as_secs();
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        now.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_rfc3339_utc() {
        let t = super::now_rfc3339();
        assert_eq!(t.len(), 24, "{t}");
        assert!(
            t.starts_with("20") && t.ends_with('Z') && t.get(10..11) == Some("T"),
            "{t}"
        );
        let epoch = super::rfc3339(std::time::UNIX_EPOCH + std::time::Duration::from_millis(1));
        assert_eq!(epoch, "1970-01-01T00:00:00.001Z");
    }
}
