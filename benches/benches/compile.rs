//! Compile time per size (documents + catalog -> tables, without writing the file).
//!
//! `cargo bench -p rampart-benches --bench compile`. The large size is timed with
//! `/usr/bin/time -v rampart compile` instead (see `benches/README.md`), because one
//! compile takes half a minute.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use rampart_benches::fixture::{directory, Fixture};

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    for size in ["small", "default"] {
        let _ = Fixture::load(size);
        let dir = directory(size);
        group.bench_function(size, |b| {
            b.iter(|| {
                black_box(
                    rampart_compiler::compile::compile(
                        &[dir.join("policy")],
                        Some(&dir.join("catalog.json")),
                        &|_| {},
                    )
                    .map(|c| c.data.rules.len())
                    .ok(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);
