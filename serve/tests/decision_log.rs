//! The decision log's queue, overflow policies and sampling, through its public API with
//! a writer the test holds shut: under `drop` every decision is either written or
//! counted as dropped (and some are, when the writer is stuck); under `block` none is
//! lost, the deciding thread waits instead; sampling keeps its rate (a fixed seed, so the
//! count is the same on every run) and never calls for the fields of a decision it
//! leaves out.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use rampart_serve::decision_log::{DecisionLog, Options, Overflow};
use serde_json::{json, Value};

/// Whether the gate is open, and the bytes written through it.
type GateState = (Mutex<(bool, Vec<u8>)>, Condvar);

/// A writer that holds every write until the test opens it, keeping what it was given.
#[derive(Clone, Default)]
struct Gate {
    state: Arc<GateState>,
}

impl Gate {
    fn open(&self) {
        let (lock, ready) = &*self.state;
        lock.lock().unwrap().0 = true;
        ready.notify_all();
    }

    fn lines(&self) -> Vec<Value> {
        let (lock, _) = &*self.state;
        let bytes = lock.lock().unwrap().1.clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Write for Gate {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let (lock, ready) = &*self.state;
        let mut state = ready.wait_while(lock.lock().unwrap(), |s| !s.0).unwrap();
        state.1.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn options(overflow: Overflow, capacity: usize) -> Options {
    let mut options = Options::new("(test)");
    options.overflow = overflow;
    options.capacity = capacity;
    options
}

fn decision(i: usize) -> Value {
    json!({"subject": format!("user{i}@example.com"), "action": "read", "effect": "allow", "n": i})
}

/// Lines the writer can hold before its first write reaches the gate: its 64 KiB buffer
/// over the shortest line (~130 bytes), plus the one in hand.
const HELD_BY_WRITER: usize = 64 * 1024 / 100 + 1;

#[test]
fn a_full_queue_under_drop_counts_every_line_it_drops() {
    let gate = Gate::default();
    let capacity = 16;
    let log = DecisionLog::to_writer(Box::new(gate.clone()), &options(Overflow::Drop, capacity))
        .expect("writer starts");
    let n = 5_000;
    for i in 0..n {
        log.record(|| decision(i));
    }
    let while_shut = log.counts();
    assert_eq!(while_shut.blocked, 0, "drop never waits");
    assert!(
        while_shut.dropped as usize >= n - capacity - HELD_BY_WRITER,
        "with the writer stuck, all but the queue's and the writer's lines are dropped: {while_shut:?}"
    );
    gate.open();
    let counts = log.close();
    let lines = gate.lines();
    assert_eq!(counts.written as usize, lines.len());
    assert_eq!(
        lines.len() + counts.dropped as usize,
        n,
        "every decision is written or counted as dropped: {counts:?}"
    );
    assert_eq!(counts.dropped, while_shut.dropped, "none dropped once open");
}

#[test]
fn a_full_queue_under_block_loses_nothing_and_makes_decisions_wait() {
    let gate = Gate::default();
    let capacity = 4;
    let log = Arc::new(
        DecisionLog::to_writer(Box::new(gate.clone()), &options(Overflow::Block, capacity))
            .expect("writer starts"),
    );
    let n = 5_000;
    let recorded = Arc::new(AtomicUsize::new(0));
    let decider = {
        let (log, recorded) = (Arc::clone(&log), Arc::clone(&recorded));
        std::thread::spawn(move || {
            for i in 0..n {
                log.record(|| decision(i));
                recorded.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    // Wait until the decider is stuck (it cannot pass the queue and the writer's buffer
    // while the gate is shut, however long it runs).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut before = usize::MAX;
    while log.counts().blocked == 0 || recorded.load(Ordering::SeqCst) != before {
        assert!(
            std::time::Instant::now() < deadline,
            "the decider never waited"
        );
        before = recorded.load(Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        before <= capacity + HELD_BY_WRITER,
        "the decider waits on a full queue: {before} decisions recorded"
    );
    gate.open();
    decider.join().expect("decider");
    let log = Arc::into_inner(log).expect("only owner");
    let counts = log.close();
    assert_eq!(counts.dropped, 0);
    let lines = gate.lines();
    assert_eq!(lines.len(), n, "no decision lost");
    let seen: BTreeSet<u64> = lines.iter().map(|l| l["n"].as_u64().unwrap()).collect();
    assert_eq!(seen.len(), n, "each decision once");
    let ids: BTreeSet<&str> = lines
        .iter()
        .map(|l| l["decision_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), n, "decision ids are unique");
    assert!(ids
        .iter()
        .all(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())));
    assert!(lines
        .iter()
        .all(|l| l["time"].as_str().is_some_and(|t| t.ends_with('Z'))));
}

fn sampled(rate: f64, seed: u64, n: usize) -> (Vec<u64>, usize) {
    let gate = Gate::default();
    gate.open();
    let mut options = options(Overflow::Block, 1024).with_sample(rate).unwrap();
    options.seed = Some(seed);
    let log = DecisionLog::to_writer(Box::new(gate.clone()), &options).unwrap();
    let asked = AtomicUsize::new(0);
    for i in 0..n {
        log.record(|| {
            asked.fetch_add(1, Ordering::Relaxed);
            decision(i)
        });
    }
    let counts = log.close();
    let kept: Vec<u64> = gate
        .lines()
        .iter()
        .map(|l| l["n"].as_u64().unwrap())
        .collect();
    assert_eq!(
        kept.len(),
        asked.load(Ordering::Relaxed),
        "fields built only when kept"
    );
    assert_eq!(counts.sampled_out as usize + kept.len(), n);
    (kept, counts.sampled_out as usize)
}

#[test]
fn sampling_keeps_its_rate_and_repeats_with_its_seed() {
    let n = 40_000;
    for rate in [0.25, 0.01, 0.9] {
        let (kept, _) = sampled(rate, 42, n);
        let mean = rate * n as f64;
        let sd = (n as f64 * rate * (1.0 - rate)).sqrt();
        assert!(
            (kept.len() as f64 - mean).abs() < 5.0 * sd,
            "rate {rate}: kept {} of {n} (expected {mean} ± {sd:.0})",
            kept.len()
        );
        // Spread over the stream, not bunched: each half keeps about half.
        let first_half = kept.iter().filter(|i| (**i as usize) < n / 2).count() as f64;
        assert!(
            (first_half - mean / 2.0).abs() < 5.0 * sd,
            "rate {rate}: {first_half} in the first half"
        );
    }
    assert_eq!(
        sampled(0.25, 42, 2_000).0,
        sampled(0.25, 42, 2_000).0,
        "same seed, same lines"
    );
    assert_ne!(
        sampled(0.25, 42, 2_000).0,
        sampled(0.25, 43, 2_000).0,
        "another seed, others"
    );
    let (all, out) = sampled(1.0, 42, 1_000);
    assert_eq!((all.len(), out), (1_000, 0), "rate 1 keeps every decision");
}

#[test]
fn rates_outside_zero_to_one_are_refused_saying_what_to_write() {
    for rate in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
        let e = Options::new("-").with_sample(rate).unwrap_err();
        assert!(e.contains("above 0 and at most 1"), "{e}");
    }
    let e = Overflow::parse("lossy").unwrap_err();
    assert!(e.contains("`block`") && e.contains("`drop`"), "{e}");
}

#[test]
fn the_counters_are_on_the_metrics_text() {
    let gate = Gate::default();
    let log = DecisionLog::to_writer(Box::new(gate.clone()), &options(Overflow::Drop, 1)).unwrap();
    for i in 0..HELD_BY_WRITER + 100 {
        log.record(|| decision(i));
    }
    let dropped = log.counts().dropped;
    assert!(dropped > 0);
    let text = log.render();
    assert!(
        text.contains(&format!("rampart_decision_log_dropped_total {dropped}\n")),
        "{text}"
    );
    for name in ["written", "blocked", "sampled_out", "failed"] {
        assert!(text.contains(&format!("# TYPE rampart_decision_log_{name}_total counter")));
    }
    gate.open();
    log.close();
}
