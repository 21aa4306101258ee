//! Listing and data filtering at each size, batch-timed over distinct subjects drawn from
//! the whole catalog: `list` (the configs a person may act on), `list_with` (the configs
//! a person may run a playbook on), `who_can` on a config, and SQL filter generation.
//!
//! With `RAMPART_BENCH_POSTGRES=1` it also times SQL in a real PostgreSQL server (the one
//! `RAMPART_TEST_POSTGRES` names, or one `scripts/postgres` starts): the default
//! workload's 100,000 configs in a table, a plain `SELECT` of every id beside the same
//! `SELECT` with the filter of a subject whose rules are selectors (a predicate) and of
//! one whose rules name objects (an id list).
//!
//! `cargo bench -p rampart-benches --bench listing` (`RAMPART_BENCH_LARGE=1` adds large).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rampart_benches::fixture::Fixture;
use rampart_benches::random::Random;
use rampart_benches::workload::REQUEST_ACTIONS;
use rampart_runtime::sql::{ColumnMap, FilterForm, FilterPreference, SqlFilter};
use rampart_runtime::{ActionId, Category, IdTarget, ObjectIds, PrincipalId, Tables};

#[allow(dead_code, clippy::expect_used, clippy::panic)]
#[path = "../../compiler/tests/pg_server/mod.rs"]
mod pg_server;

/// Distinct subjects per batch.
const SUBJECTS: usize = 200;

fn sizes() -> Vec<&'static str> {
    let mut sizes = vec!["small", "default"];
    if std::env::var("RAMPART_BENCH_LARGE").is_ok() {
        sizes.push("large");
    }
    sizes
}

/// `SUBJECTS` distinct (person, action) pairs.
fn subjects(f: &Fixture, seed: u64) -> Vec<(PrincipalId, ActionId)> {
    let mut r = Random::new(seed);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    while out.len() < SUBJECTS {
        let person = r.below(f.workload.size.people);
        let action = *r.pick(&REQUEST_ACTIONS);
        if !seen.insert((person, action)) {
            continue;
        }
        let subject = format!("user{person}@example.com");
        if let (Ok(p), Ok(a)) = (f.tables.principal(&subject), f.tables.action(action)) {
            out.push((p, a));
        }
    }
    out
}

fn columns() -> ColumnMap {
    let mut columns = ColumnMap::mission_control(Category::Config);
    let _ = columns.assign("namespace=namespace");
    let _ = columns.set_id_type(Some("text"));
    columns
}

fn listing(c: &mut Criterion) {
    for size in sizes() {
        let f = Fixture::load(size);
        let t = &f.tables;
        let pairs = subjects(&f, 3);
        let run = t
            .action("playbook:run")
            .unwrap_or_else(|e| unreachable!("{e}"));
        let playbooks: Vec<_> = t.objects(Category::Playbook).collect();
        let configs: Vec<_> = t.objects(Category::Config).collect();
        let mut group = c.benchmark_group(format!("listing/{size}"));
        group.throughput(Throughput::Elements(SUBJECTS as u64));
        group.sample_size(20);
        group.bench_function("list_configs", |b| {
            b.iter(|| {
                let mut total = 0u64;
                for &(p, a) in &pairs {
                    total += t.list(p, a, Category::Config).map_or(0, |l| l.len());
                }
                black_box(total)
            })
        });
        group.bench_function("list_configs_with_playbook", |b| {
            b.iter(|| {
                let mut total = 0u64;
                for (i, &(p, _)) in pairs.iter().enumerate() {
                    let playbook = playbooks[(i * 7919) % playbooks.len()];
                    total += t
                        .list_with(p, run, Category::Config, playbook)
                        .map_or(0, |l| l.len());
                }
                black_box(total)
            })
        });
        group.bench_function("who_can_config", |b| {
            b.iter(|| {
                let mut total = 0usize;
                for (i, &(_, a)) in pairs.iter().enumerate() {
                    let config = configs[(i * 104_729) % configs.len()];
                    let target = IdTarget::Objects(ObjectIds::one(config));
                    total += t.who_can(a, &target).map_or(0, |w| w.len());
                }
                black_box(total)
            })
        });
        let columns = columns();
        group.bench_function("sql_filter_configs", |b| {
            b.iter(|| {
                let mut bytes = 0usize;
                for &(p, a) in &pairs {
                    bytes += t
                        .sql_filter(
                            p,
                            a,
                            Category::Config,
                            &columns,
                            FilterPreference::Predicate,
                        )
                        .map_or(0, |s| s.sql().len());
                }
                black_box(bytes)
            })
        });
        group.finish();
        if size == "default" && std::env::var("RAMPART_BENCH_POSTGRES").is_ok() {
            postgres(c, &f, &pairs);
        }
    }
}

/// A filter of `form` among the subjects', with the number of rows it admits.
fn pick(t: &Tables, pairs: &[(PrincipalId, ActionId)], form: FilterForm) -> Option<SqlFilter> {
    let preference = if form == FilterForm::Ids {
        FilterPreference::Ids
    } else {
        FilterPreference::Predicate
    };
    pairs.iter().find_map(|&(p, a)| {
        let filter = t
            .sql_filter(p, a, Category::Config, &columns(), preference)
            .ok()?;
        (filter.form() == form && t.list(p, a, Category::Config).ok()?.len() > 100)
            .then_some(filter)
    })
}

fn postgres(c: &mut Criterion, f: &Fixture, pairs: &[(PrincipalId, ActionId)]) {
    let server = pg_server::Server::start();
    let mut client = server.client("bench");
    pg_server::create_and_copy(
        &mut client,
        "configs",
        &f.workload.objects(Category::Config),
    );
    client
        .batch_execute("ANALYZE configs")
        .unwrap_or_else(|e| unreachable!("{e}"));

    let mut group = c.benchmark_group("postgres/default/100k_configs");
    group.sample_size(20);
    group.bench_function("plain_select", |b| {
        b.iter(|| {
            black_box(
                client
                    .query("SELECT id FROM configs", &[])
                    .map_or(0, |rows| rows.len()),
            )
        })
    });
    for (name, form) in [
        ("filtered_predicate", FilterForm::Predicate),
        ("filtered_ids", FilterForm::Ids),
    ] {
        let Some(filter) = pick(&f.tables, pairs, form) else {
            println!("no subject among the sample has a {name} filter");
            continue;
        };
        let rows = pg_server::select_ids(&mut client, "configs", &filter).len();
        println!("{name}: {rows} rows, {} bytes of SQL", filter.sql().len());
        group.bench_function(name, |b| {
            b.iter(|| black_box(pg_server::select_ids(&mut client, "configs", &filter).len()))
        });
    }
    group.finish();
}

criterion_group!(benches, listing);
criterion_main!(benches);
