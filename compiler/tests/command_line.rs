//! The `rampart` binary as a user runs it: exit codes, batch JSON lines, summaries.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::io::Write;
use std::process::{Command, Stdio};

fn rampart(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .output()
        .expect("run rampart");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn compiled() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = dir.path().join("t.rampart").display().to_string();
    let (code, stdout, stderr) = rampart(&[
        "compile",
        "../fixtures/policy",
        "--catalog",
        "../fixtures/catalog.yaml",
        "-o",
        &tables,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("compiled 9 documents"), "{stdout}");
    (dir, tables)
}

#[test]
fn validate_exit_codes() {
    assert_eq!(
        rampart(&[
            "validate",
            "../fixtures/policy",
            "--catalog",
            "../fixtures/catalog.yaml"
        ])
        .0,
        0
    );
    let (code, _, stderr) = rampart(&[
        "validate",
        "../fixtures/invalid",
        "--catalog",
        "../fixtures/catalog.yaml",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("14 problems found"), "{stderr}");
}

#[test]
fn check_exit_codes_follow_kubectl_auth_can_i() {
    let (_dir, t) = compiled();
    let base = [
        "check",
        "-t",
        t.as_str(),
        "--as",
        "john@doe.com",
        "--action",
        "playbook:run",
        "--playbook",
        "mc/echo-config",
    ];
    let allowed = [&base[..], &["--config", "c-mc-pod", "--explain"]].concat();
    let (code, stdout, _) = rampart(&allowed);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("allow default/allow-user-playbook-run"),
        "{stdout}"
    );
    let denied = [&base[..], &["--config", "c-default-pod"]].concat();
    assert_eq!(rampart(&denied).0, 1);
    assert_eq!(
        rampart(&[
            "check",
            "-t",
            "/nonexistent",
            "--as",
            "x",
            "--action",
            "read"
        ])
        .0,
        2
    );
}

#[test]
fn batch_answers_each_line_in_order() {
    let (_dir, t) = compiled();
    let input = [
        r#"{"subject": "john@doe.com", "action": "playbook:run", "objects": {"playbook": "mc/echo-config", "config": "c-mc-pod"}}"#,
        r#"{"subject": "john@doe.com", "action": "playbook:run", "objects": {"playbook": "mc/echo-config", "config": {"id": "new", "namespace": "default"}}}"#,
        r#"{"subject": "admin@example.com", "action": "read", "global": "database.kratos"}"#,
        r#"not json"#,
        r#"{"subject": "playbook:mc/loki-logs", "action": "read", "objects": {"connection": "mc/loki-bucket"}}"#,
    ]
    .join("\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["check", "-t", &t, "--batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let allowed: Vec<bool> = lines
        .iter()
        .map(|l| l["allowed"].as_bool().expect("allowed"))
        .collect();
    assert_eq!(allowed, [true, false, false, false, true]);
    assert!(lines[3]["reason"]
        .as_str()
        .expect("reason")
        .contains("invalid request on line 4"));
}

#[test]
fn diff_reports_access_gained_and_lost() {
    let (dir, before) = compiled();
    let after = dir.path().join("after.rampart").display().to_string();
    let (code, _, stderr) = rampart(&[
        "compile",
        "../fixtures/policy",
        "../fixtures/lint",
        "--catalog",
        "../fixtures/catalog.yaml",
        "-o",
        &after,
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (_, same, _) = rampart(&["diff", &before, &before]);
    assert!(same.ends_with("0 changes\n"), "{same}");
    let (_, changed, _) = rampart(&["diff", &before, &after]);
    assert!(changed.contains(r#"jane.doe@example.com read: gained [] lost ["config:c-bucket","config:c-default-pod","config:c-mc-deploy","config:c-mc-pod","global:catalog"]"#), "{changed}");
    let (code, lint, _) = rampart(&[
        "lint",
        "../fixtures/policy",
        "../fixtures/lint",
        "--catalog",
        "../fixtures/catalog.yaml",
        "--deny-warnings",
    ]);
    assert_eq!(code, 1);
    assert!(lint.ends_with("3 findings\n"), "{lint}");
}

#[test]
fn schemas_are_draft_07_json() {
    for kind in ["permission", "permissiongroup", "connection", "catalog"] {
        let (code, stdout, _) = rampart(&["schema", kind]);
        assert_eq!(code, 0);
        let schema: serde_json::Value = serde_json::from_str(&stdout).expect("json");
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(
            schema["additionalProperties"], false,
            "{kind}: unknown fields are refused"
        );
    }
    assert_eq!(rampart(&["schema", "nope"]).0, 2);
}
