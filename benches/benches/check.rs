//! Check cost at each size, batch-timed over a stream of 20,000 distinct requests drawn
//! from the whole catalog (the time criterion reports is per batch; the throughput line
//! divides it by the 20,000 checks): by resolved ids and by strings, one and two objects.
//! The `hot/` figures repeat one request, whose data stays in cache: they are labelled as
//! such and are not the service-like numbers. Also: objects the catalog did not know,
//! and load + validate.
//!
//! `cargo bench -p rampart-benches --bench check` (`RAMPART_BENCH_LARGE=1` adds the large
//! size; its workload takes about a minute to compile).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rampart_benches::fixture::{Fixture, STREAM};
use rampart_runtime::{Category, ObjectAttributes, ObjectRef, Objects, Request, Tables, Target};

fn sizes() -> Vec<&'static str> {
    let mut sizes = vec!["small", "default"];
    if std::env::var("RAMPART_BENCH_LARGE").is_ok() {
        sizes.push("large");
    }
    sizes
}

fn check(c: &mut Criterion) {
    for size in sizes() {
        let f = Fixture::load(size);
        for (shape, two) in [("one", false), ("two", true)] {
            let named = f.stream(two, 11);
            let resolved: Vec<_> = named.iter().filter_map(|n| f.resolve(n)).collect();
            assert_eq!(resolved.len(), STREAM, "every stream request resolves");
            let mut group = c.benchmark_group(format!("stream/{size}/{shape}"));
            group.throughput(Throughput::Elements(STREAM as u64));
            group.bench_function("ids", |b| b.iter(|| black_box(f.allowed_by_ids(&resolved))));
            group.bench_function("strings", |b| {
                b.iter(|| black_box(f.allowed_by_strings(&named)))
            });
            group.finish();
            let mut hot = c.benchmark_group(format!("hot/{size}/{shape}"));
            let one = resolved[0];
            hot.bench_function("ids", |b| {
                b.iter(|| black_box(f.tables.check_ids(one.principal, one.action, &one.target)))
            });
            let first = named[0].clone();
            hot.bench_function("strings", |b| {
                b.iter(|| black_box(first.is_allowed_by_strings(&f.tables)))
            });
            hot.finish();
        }
        let unknown: Vec<ObjectAttributes> = (0..1024)
            .map(|i| ObjectAttributes {
                id: Some(format!("new-{i}")),
                name: Some(format!("new-{i}")),
                namespace: Some(format!("ns-{}", i % 200)),
                object_type: Some("Kubernetes::Pod".into()),
                tags: [("env".to_string(), "prod".to_string())]
                    .into_iter()
                    .collect(),
                ..ObjectAttributes::default()
            })
            .collect();
        let people: Vec<String> = (0..1024)
            .map(|i| format!("user{}@example.com", (i * 7919) % f.workload.size.people))
            .collect();
        let mut group = c.benchmark_group(format!("unknown_object/{size}"));
        group.throughput(Throughput::Elements(unknown.len() as u64));
        group.bench_function("read", |b| {
            b.iter(|| {
                let mut allowed = 0usize;
                for (o, p) in unknown.iter().zip(&people) {
                    let request = Request::new(
                        p,
                        "read",
                        Target::Objects(
                            Objects::new().with(Category::Config, ObjectRef::Attributes(o)),
                        ),
                    );
                    allowed += usize::from(
                        f.tables
                            .is_authorized(&request)
                            .map(|r| r.is_allowed())
                            .unwrap_or(false),
                    );
                }
                black_box(allowed)
            })
        });
        group.finish();
        let mut group = c.benchmark_group(format!("load/{size}"));
        group.sample_size(10);
        group.bench_function("from_bytes", |b| {
            b.iter(|| black_box(Tables::from_bytes(&f.bytes).is_ok()))
        });
        group.finish();
    }
}

fn fixtures(c: &mut Criterion) {
    let compiled = rampart_compiler::compile::compile(
        &[std::path::PathBuf::from("../fixtures/policy")],
        Some(&std::path::PathBuf::from("../fixtures/catalog.yaml")),
        &|_| {},
    )
    .unwrap_or_else(|d| unreachable!("fixtures compile: {}", d.len()));
    let bytes = rampart_compiler::emit::encode(&compiled.data, None).unwrap_or_default();
    let t = Tables::from_bytes(&bytes).unwrap_or_else(|e| unreachable!("{e}"));
    let run = Request::new(
        "john@doe.com",
        "playbook:run",
        Target::Objects(Objects::new().playbook("mc/echo-config").config("c-mc-pod")),
    );
    c.bench_function("fixtures/strings/two", |b| {
        b.iter(|| black_box(t.is_authorized(&run).map(|r| r.is_allowed())))
    });
}

criterion_group!(benches, check, fixtures);
criterion_main!(benches);
