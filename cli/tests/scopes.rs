//! Scopes at every face of the `rampart` binary: the upstream scope tables pass
//! `rampart test` with full coverage, and a decision made through a scope shows the scope
//! and the target that made it in `check --explain`.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use support::{run, stderr, stdout};

const CATALOG: &str = "../fixtures/scopes/catalog.yaml";
const POLICY: &str = "../fixtures/scopes";

/// Compiles the scope fixtures into a table file in `dir`.
fn compile(dir: &tempfile::TempDir) -> String {
    let tables = dir.path().join("t.rampart").display().to_string();
    let out = run(&["compile", POLICY, "--catalog", CATALOG, "-o", &tables]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    tables
}

#[test]
fn the_upstream_scope_tables_pass_rampart_test_with_full_coverage() {
    let out = run(&[
        "test",
        POLICY,
        "--catalog",
        CATALOG,
        "--min-coverage",
        "100",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("52 passed, 0 failed"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn explain_names_the_scope_and_the_target_that_decided() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = compile(&dir);
    let explain = |args: &[&str]| {
        let out = run(&[&["check", "-t", &tables, "--explain"][..], args].concat());
        stdout(&out)
    };
    let allowed = explain(&[
        "--as",
        "guest-multi@test.com",
        "--action",
        "read",
        "--playbook",
        "mc/echo-config",
    ]);
    assert!(
        allowed.starts_with("allowed")
            && allowed.contains("allow default/guest-multi-target-scope (")
            && allowed
                .contains("via scope default/multi-target-scope spec.targets[1].playbook at ")
            && allowed.contains("scopes.yaml:"),
        "{allowed}"
    );
    // A denial lists every target as a candidate, each with the clause it failed.
    let denied = explain(&[
        "--as",
        "guest-multi@test.com",
        "--action",
        "read",
        "--playbook",
        "mc/restart-pod",
    ]);
    assert!(denied.starts_with("denied"), "{denied}");
    assert!(
        denied.contains("spec.targets[0].config") && denied.contains("spec.targets[1].playbook"),
        "{denied}"
    );
}
