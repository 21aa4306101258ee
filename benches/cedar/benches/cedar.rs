//! Rampart beside Cedar (`cedar-policy` from crates.io) on the same generated workload and
//! the same stream of distinct requests (`Fixture::stream`: people, actions, configs and,
//! for two objects, playbooks drawn uniformly from the whole catalog). The workload is
//! translated to Cedar by `rampart_benches::cedar`; `tests/agreement.rs` checks both engines
//! give the same answers. Per size and shape, batch-timed (the throughput line is per
//! check):
//! - `rampart_ids`: Rampart's tables by resolved ids;
//! - `rampart_names`: Rampart by the request's strings (the lookups included);
//! - `cedar_sliced`: Cedar with only the policies that name the request's principal
//!   (directly, through a team or a group), the slice and the `Request` built beforehand;
//! - `cedar_whole`: Cedar with the whole policy set, the `Request` built beforehand —
//!   on the stream's first `RAMPART_CEDAR_WHOLE` requests (default 1,000; every policy is
//!   evaluated per request, so at the default size one pass of 20,000 takes minutes).
//!
//! Cedar's requests are built outside the timed loop (its best case); Rampart by names
//! pays for its lookups inside it. Each Cedar batch also counts its allows, asserted equal
//! to Rampart's on the same requests before timing, so a wrong translation cannot be
//! timed.
//!
//! `CARGO_TARGET_DIR=target cargo bench --manifest-path benches/cedar/Cargo.toml` from the
//! repository's root (small and default; `RAMPART_BENCH_LARGE=1` adds the large size).

use std::collections::HashMap;
use std::hint::black_box;

use cedar_policy::{PolicySet, Request};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rampart_benches::cedar::CedarRequest;
use rampart_benches::fixture::{Fixture, Named, STREAM};

use rampart_cedar_bench::{request, CedarWorld};

fn sizes() -> Vec<&'static str> {
    let mut sizes = vec!["small", "default"];
    if std::env::var("RAMPART_BENCH_LARGE").is_ok() {
        sizes.push("large");
    }
    sizes
}

fn whole_length() -> usize {
    std::env::var("RAMPART_CEDAR_WHOLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
        .clamp(1, STREAM)
}

/// The person a stream request names (`user<N>@example.com`).
fn person(n: &Named) -> usize {
    n.subject
        .strip_prefix("user")
        .and_then(|s| s.strip_suffix("@example.com"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| unreachable!("stream subject {}", n.subject))
}

fn cedar(c: &mut Criterion) {
    for size in sizes() {
        let f = Fixture::load(size);
        let world =
            CedarWorld::new(&f.workload).unwrap_or_else(|e| unreachable!("translation: {e}"));
        let mut slices: HashMap<usize, PolicySet> = HashMap::new();
        for (shape, two) in [("one", false), ("two", true)] {
            let named = f.stream(two, 11);
            let resolved: Vec<_> = named.iter().filter_map(|n| f.resolve(n)).collect();
            assert_eq!(resolved.len(), STREAM, "every stream request resolves");
            let requests: Vec<Request> = named
                .iter()
                .map(|n| {
                    request(&CedarRequest::from_named(n))
                        .unwrap_or_else(|e| unreachable!("Cedar request: {e}"))
                })
                .collect();
            for n in &named {
                slices.entry(person(n)).or_insert_with_key(|p| {
                    world
                        .slice(&f.workload.permissions_of(*p))
                        .unwrap_or_else(|e| unreachable!("{e}"))
                });
            }
            let sliced: Vec<(&Request, &PolicySet)> = requests
                .iter()
                .zip(&named)
                .map(|(r, n)| (r, &slices[&person(n)]))
                .collect();
            let rampart: Vec<bool> = named
                .iter()
                .map(|n| n.is_allowed_by_strings(&f.tables))
                .collect();
            let cedar_sliced: Vec<bool> = sliced
                .iter()
                .map(|(r, p)| world.decide(r, p).allowed)
                .collect();
            assert_eq!(rampart, cedar_sliced, "Cedar (sliced) and Rampart agree");
            let whole = &requests[..whole_length()];
            let cedar_whole: Vec<bool> = whole
                .iter()
                .map(|r| world.decide(r, &world.whole).allowed)
                .collect();
            assert_eq!(
                rampart[..whole.len()],
                cedar_whole[..],
                "Cedar (whole) and Rampart agree"
            );
            let mut group = c.benchmark_group(format!("cedar/{size}/{shape}"));
            group.sample_size(10);
            group.throughput(Throughput::Elements(STREAM as u64));
            group.bench_function("rampart_ids", |b| {
                b.iter(|| black_box(f.allowed_by_ids(&resolved)))
            });
            group.bench_function("rampart_names", |b| {
                b.iter(|| black_box(f.allowed_by_strings(&named)))
            });
            group.bench_function("cedar_sliced", |b| {
                b.iter(|| {
                    let mut allowed = 0usize;
                    for (r, p) in &sliced {
                        allowed += usize::from(world.decide(r, p).allowed);
                    }
                    black_box(allowed)
                })
            });
            group.throughput(Throughput::Elements(whole.len() as u64));
            group.bench_function("cedar_whole", |b| {
                b.iter(|| {
                    let mut allowed = 0usize;
                    for r in whole {
                        allowed += usize::from(world.decide(r, &world.whole).allowed);
                    }
                    black_box(allowed)
                })
            });
            group.finish();
        }
    }
}

criterion_group!(benches, cedar);
criterion_main!(benches);
