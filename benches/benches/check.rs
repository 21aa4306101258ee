//! Check latency at each size: by interned ids and by strings, single- and two-object,
//! allowed and denied; unknown-object classification; table load + validate.
//!
//! `cargo bench -p rampart-benches --bench check` (set `RAMPART_BENCH_LARGE=1` to add the
//! large size; its workload takes about a minute to compile).

#![allow(clippy::field_reassign_with_default, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use rampart_benches::fixture::Fixture;
use rampart_runtime::{ObjectAttributes, ObjectRef, Request, RequestObjects, Tables};

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
        let resolved: Vec<_> = f
            .requests
            .iter()
            .filter_map(|r| f.ids(r).map(|ids| (r, ids)))
            .collect();
        let pick = |two: bool, allowed: bool| -> Vec<_> {
            resolved
                .iter()
                .filter(|(r, (_, _, o))| {
                    (o.mask().count_ones() == 2) == two && r.allowed == allowed
                })
                .map(|(_, ids)| *ids)
                .take(1024)
                .collect()
        };
        let mut group = c.benchmark_group(format!("check_ids/{size}"));
        for (name, set) in [
            ("single_allowed", pick(false, true)),
            ("single_denied", pick(false, false)),
            ("two_allowed", pick(true, true)),
            ("two_denied", pick(true, false)),
        ] {
            if set.is_empty() {
                continue;
            }
            let mut i = 0;
            group.bench_function(name, |b| {
                b.iter(|| {
                    let (p, a, o) = &set[i % set.len()];
                    i += 1;
                    black_box(f.tables.check_ids(*p, *a, o))
                })
            });
        }
        group.finish();

        let named: Vec<_> = f
            .requests
            .iter()
            .filter(|r| r.playbook.is_none())
            .take(1024)
            .map(|r| f.names(r))
            .collect();
        let mut i = 0;
        c.bench_function(&format!("check_strings/{size}/single"), |b| {
            b.iter(|| {
                let (subject, action, _, config, connection) = &named[i % named.len()];
                i += 1;
                let t = &f.tables;
                let allowed = match (t.principal(subject), t.action(action)) {
                    (Some(p), Some(a)) => {
                        let mut o = rampart_runtime::ObjectIds::default();
                        o.config = config
                            .as_deref()
                            .and_then(|k| t.object(rampart_runtime::Category::Config, k));
                        o.connection = connection
                            .as_deref()
                            .and_then(|k| t.object(rampart_runtime::Category::Connection, k));
                        t.check_ids(p, a, &o)
                    }
                    _ => false,
                };
                black_box(allowed)
            })
        });
        let two: Vec<_> = f
            .requests
            .iter()
            .filter(|r| r.playbook.is_some())
            .take(1024)
            .map(|r| f.names(r))
            .collect();
        let mut i = 0;
        c.bench_function(&format!("check_strings/{size}/two"), |b| {
            b.iter(|| {
                let (subject, action, playbook, config, _) = &two[i % two.len()];
                i += 1;
                let t = &f.tables;
                let allowed = match (t.principal(subject), t.action(action)) {
                    (Some(p), Some(a)) => {
                        let mut o = rampart_runtime::ObjectIds::default();
                        o.playbook = playbook
                            .as_deref()
                            .and_then(|k| t.object(rampart_runtime::Category::Playbook, k));
                        o.config = config
                            .as_deref()
                            .and_then(|k| t.object(rampart_runtime::Category::Config, k));
                        t.check_ids(p, a, &o)
                    }
                    _ => false,
                };
                black_box(allowed)
            })
        });

        let unknown: Vec<Request> = f
            .requests
            .iter()
            .filter(|r| r.config.is_some() && r.playbook.is_none())
            .take(256)
            .map(|r| {
                let (subject, action, _, config, _) = f.names(r);
                let c = f.workload.configs[r.config.unwrap_or(0)];
                let attributes = ObjectAttributes {
                    id: config.map(|c| format!("new-{c}")),
                    name: Some("new-config".into()),
                    namespace: Some(format!("ns-{}", c.namespace)),
                    object_type: Some(
                        [
                            "Kubernetes::Pod",
                            "Kubernetes::Deployment",
                            "Kubernetes::Service",
                            "AWS::EC2::Instance",
                            "AWS::S3::Bucket",
                            "AWS::RDS::DBInstance",
                        ][c.kind]
                            .into(),
                    ),
                    tags: [(
                        "env".to_string(),
                        ["prod", "staging", "dev"][c.env].to_string(),
                    )]
                    .into_iter()
                    .collect(),
                    ..ObjectAttributes::default()
                };
                Request {
                    subject,
                    action,
                    objects: Some(RequestObjects {
                        config: Some(ObjectRef::Attributes(Box::new(attributes))),
                        ..RequestObjects::default()
                    }),
                    global: None,
                }
            })
            .collect();
        let mut i = 0;
        c.bench_function(&format!("unknown_object/{size}"), |b| {
            b.iter(|| {
                let r = &unknown[i % unknown.len()];
                i += 1;
                black_box(f.tables.decide(r, false).allowed)
            })
        });

        let mut group = c.benchmark_group(format!("load/{size}"));
        group.sample_size(10);
        group.bench_function("from_bytes", |b| {
            b.iter(|| black_box(Tables::from_bytes(&f.bytes).map(|t| t.counts())))
        });
        group.finish();
        println!("table file {size}: {} bytes", f.bytes.len());
    }
}

/// The source documents' fixtures: the smallest tables there are.
fn fixtures(c: &mut Criterion) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let Ok(compiled) = rampart_compiler::compile::compile(
        &[root.join("policy")],
        Some(&root.join("catalog.yaml")),
    ) else {
        return;
    };
    let Ok(tables) = Tables::from_data(compiled.data) else {
        return;
    };
    let t = &tables;
    let (Some(p), Some(a)) = (t.principal("john@doe.com"), t.action("playbook:run")) else {
        return;
    };
    let mut single = rampart_runtime::ObjectIds::default();
    single.config = t.object(rampart_runtime::Category::Config, "c-mc-pod");
    let mut two = single;
    two.playbook = t.object(rampart_runtime::Category::Playbook, "mc/echo-config");
    c.bench_function("check_ids/fixtures/single", |b| {
        b.iter(|| black_box(t.check_ids(p, a, &single)))
    });
    c.bench_function("check_ids/fixtures/two_allowed", |b| {
        b.iter(|| black_box(t.check_ids(p, a, &two)))
    });
}

criterion_group!(benches, check, fixtures);
criterion_main!(benches);
