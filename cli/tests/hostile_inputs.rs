//! Hostile inputs stay bounded: a hundred thousand documents, a hundred thousand errors
//! in one document (on many lines and on one), a 200 MB line, an error past column
//! 65,535, a YAML catalog of 20,000 configs, an interrupted compile. Each is answered
//! with a typed error or a result, with output of bounded size, and never a panic. (Their
//! time and memory are measured, not asserted: see the hostile-input figures in
//! `benches/README.md`.)

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use std::fmt::Write as _;

use support::{run, stderr, stdout};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

const PERMISSION_HEAD: &str =
    "apiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {name: x}\n";

#[test]
fn an_error_past_column_65535_is_rendered_as_a_window() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = write(
        &dir,
        "wide.yaml",
        &format!("a: {}: b\n", "x".repeat(70_000)),
    );
    let out = run(&["validate", &file]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("wide.yaml:1:70004"), "{err}");
    assert!(
        err.len() < 1_000,
        "the snippet is a window, not the line: {} bytes",
        err.len()
    );
}

#[test]
fn a_hundred_thousand_documents_in_one_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut text = String::new();
    for i in 0..100_000 {
        let _ = write!(text, "---\napiVersion: mission-control.flanksource.com/v1\nkind: Playbook\nmetadata: {{name: p{i}, namespace: ns}}\n");
    }
    let file = write(&dir, "many.yaml", &text);
    let out = run(&["validate", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("100000 documents"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_hundred_thousand_errors_are_counted_not_all_printed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let body = "spec:\n  subject: {person: a@b}\n  object: {configs: [{name: '*'}]}\n  actions:\n";
    let mut lines = format!("{PERMISSION_HEAD}{body}");
    for i in 0..100_000 {
        let _ = writeln!(lines, "  - bad{i}");
    }
    let one_line = format!(
        "{PERMISSION_HEAD}spec: {{subject: {{person: a@b}}, object: {{configs: [{{name: '*'}}]}}, actions: [{}]}}\n",
        (0..100_000).map(|i| format!("bad{i}")).collect::<Vec<_>>().join(", ")
    );
    for (name, text) in [("lines.yaml", lines), ("one-line.yaml", one_line)] {
        let file = write(&dir, name, &text);
        let out = run(&["validate", &file]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.ends_with("100000 problems found\n"),
            "{name}: {}",
            &err[err.len().saturating_sub(200)..]
        );
        assert!(err.contains("… and 99900 more not shown"), "{name}");
        assert!(
            err.len() < 200_000,
            "{name}: {} bytes of diagnostics",
            err.len()
        );
    }
}

#[test]
fn a_200_megabyte_line_is_not_echoed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let text = format!(
        "{PERMISSION_HEAD}spec: {{description: '{}', bogus: 1}}\n",
        "y".repeat(200 * 1024 * 1024)
    );
    let file = write(&dir, "big.yaml", &text);
    drop(text);
    let out = run(&["validate", &file]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("unknown field `bogus`"),
        "{}",
        &err[..err.len().min(500)]
    );
    assert!(err.len() < 2_000, "{} bytes", err.len());
}

#[test]
fn a_yaml_catalog_of_twenty_thousand_configs_loads() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut catalog = String::from("people:\n  - email: john@doe.com\nconfigs:\n");
    for i in 0..20_000 {
        let _ = writeln!(catalog, "  - id: cfg-{i}\n    name: c{i}\n    namespace: ns-{}\n    type: Kubernetes::Pod\n    tags: {{env: prod}}", i % 50);
    }
    let catalog = write(&dir, "catalog.yaml", &catalog);
    let policy = write(
        &dir,
        "p.yaml",
        &format!("{PERMISSION_HEAD}spec:\n  subject: {{person: john@doe.com}}\n  actions: [read]\n  object: {{configs: [{{namespace: ns-1}}]}}\n"),
    );
    let tables = dir.path().join("t.rampart").display().to_string();
    let out = run(&["compile", &policy, "--catalog", &catalog, "-o", &tables]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("20000 configs"), "{}", stdout(&out));
}

#[test]
fn yaml_bombs_are_refused() {
    let out = run(&["validate", "../fixtures/invalid/yaml-bomb.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("parse budget"), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn an_interrupted_compile_leaves_no_temporary_file() {
    let out_dir = tempfile::tempdir().expect("output directory");
    let tables = out_dir.path().join("t.rampart");
    std::fs::write(&tables, b"previous").expect("write");
    let mut child = support::rampart()
        .args([
            "compile",
            "../fixtures/policy",
            "--catalog",
            "../fixtures/catalog.yaml",
            "-o",
        ])
        .arg(&tables)
        .env("RAMPART_PAUSE_BEFORE_RENAME_MS", "20000")
        .spawn()
        .expect("spawn");
    let temporary = |dir: &std::path::Path| {
        std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .count()
    };
    let started = std::time::Instant::now();
    while temporary(out_dir.path()) == 0 {
        assert!(
            started.elapsed().as_secs() < 60,
            "the compile never reached its write"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().expect("wait");
    assert!(!status.success());
    assert_eq!(
        temporary(out_dir.path()),
        0,
        "the temporary file was removed"
    );
    assert_eq!(
        std::fs::read(&tables).expect("read"),
        b"previous",
        "the output is untouched"
    );
}
