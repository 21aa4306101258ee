//! The workload's own evaluator against the compiled tables, in process, through the
//! shared [`Oracle`] comparison (CI also runs the same comparison through the command
//! line, `rampart check --batch`, on the small workload).

#![allow(clippy::expect_used, clippy::panic)]

use rampart_benches::workload::{Size, Workload};
use rampart_compiler::compile::compile;
use rampart_compiler::emit::encode;
use rampart_compiler::oracle::{disagreements, Oracle};
use rampart_runtime::Tables;

#[test]
fn tiny_workload_tables_agree_with_the_workload_oracle() {
    let size = Size::named("tiny").expect("tiny size");
    let workload = Workload::generate(size, 11);
    let dir = tempfile::tempdir().expect("temporary directory");
    workload.write(dir.path(), 11).expect("write workload");
    let compiled = compile(
        &[dir.path().join("policy")],
        Some(&dir.path().join("catalog.json")),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("workload does not compile: {d:?}"));
    let tables = Tables::from_bytes(&encode(&compiled.data, None).expect("encode")).expect("load");
    let cases = workload.requests(11);
    let allowed = cases.iter().filter(|c| workload.allowed(c)).count();
    assert!(
        allowed > 0 && allowed < cases.len(),
        "the stream mixes allows ({allowed}) and denials"
    );
    let wrong = disagreements(&workload, &tables, &cases);
    assert!(
        wrong.is_empty(),
        "{} disagreements, first: {:?}",
        wrong.len(),
        wrong.first()
    );
}
