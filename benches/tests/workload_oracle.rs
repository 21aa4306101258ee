//! The workload's own evaluator against the compiled tables, in process, through the
//! shared [`Oracle`] comparison, with more than one request in a hundred matched through
//! Scopes (CI also runs the same comparison through the command
//! line, `rampart check --batch`, on the small workload).

#![allow(clippy::expect_used, clippy::panic)]

use rampart_benches::workload::{Size, Workload};
use rampart_compiler::compile::compile;
use rampart_compiler::emit::encode;
use rampart_compiler::oracle::{disagreements, Oracle};
use rampart_runtime::Tables;

/// Generates, compiles, loads and compares one workload; returns the loaded tables.
fn agree_with_the_oracle(size: Size, seed: u64) -> Tables {
    let workload = Workload::generate(size, seed);
    let dir = tempfile::tempdir().expect("temporary directory");
    workload.write(dir.path(), seed).expect("write workload");
    let compiled = compile(
        &[dir.path().join("policy")],
        Some(&dir.path().join("catalog.json")),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("workload does not compile: {d:?}"));
    let tables = Tables::from_bytes(&encode(&compiled.data, None).expect("encode")).expect("load");
    let cases = workload.requests(seed);
    let allowed = cases.iter().filter(|c| workload.allowed(c)).count();
    assert!(
        allowed > 0 && allowed < cases.len(),
        "the stream mixes allows ({allowed}) and denials"
    );
    let scoped = cases
        .iter()
        .filter(|c| workload.matched_through_scopes(c))
        .count();
    println!(
        "{scoped} of {} requests matched by permissions with scopes",
        cases.len()
    );
    assert!(
        scoped * 100 > cases.len(),
        "requests decided through scopes: {scoped} of {}",
        cases.len()
    );
    let wrong = disagreements(&workload, &tables, &cases);
    assert!(
        wrong.is_empty(),
        "{} disagreements, first: {:?}",
        wrong.len(),
        wrong.first()
    );
    tables
}

#[test]
fn tiny_workload_tables_agree_with_the_workload_oracle() {
    agree_with_the_oracle(Size::named("tiny").expect("tiny size"), 11);
}

/// Enough permissions that configs and playbooks have more than 512 classes each, so the
/// check layout's block lists, one-block sets at positions past the first and pair
/// exceptions over several blocks are all on the path (the tiny world fits one block).
#[test]
fn a_workload_with_sets_over_many_blocks_agrees_with_the_workload_oracle() {
    let size = Size {
        people: 2_000,
        teams: 100,
        groups: 10,
        playbooks: 3_000,
        configs: 20_000,
        connections: 300,
        permissions: 4_000,
        requests: 20_000,
    };
    let tables = agree_with_the_oracle(size, 5);
    let stats = tables.statistics();
    let [playbooks, configs, _, _] = stats.object_classes;
    assert!(
        configs > 1024 && playbooks > 512,
        "classes per category: {:?}",
        stats.object_classes
    );
}
