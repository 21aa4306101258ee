//! Scopes at every face of the `rampart` binary: the upstream scope tables pass
//! `rampart test` with full coverage; a decision made through a scope shows the scope
//! and the target that made it in `check --explain` and in the sidecar's explanation;
//! `who-can` and `list` answer through scope targets; `diff` sees a change made by
//! editing a Scope alone; `lint` reports unused scopes; `kubectl get -o yaml` output
//! holding Scopes compiles from standard input.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use serde_json::json;
use support::sidecar::Sidecar;
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
    // A denial lists the targets about the request's categories as candidates, each with
    // the clause it failed; the config target is no candidate for a question about a
    // playbook (issue 26, item 4).
    let denied = explain(&[
        "--as",
        "guest-multi@test.com",
        "--action",
        "read",
        "--playbook",
        "mc/restart-pod",
    ]);
    assert_eq!(
        denied,
        "denied
reason: no_allow_rule
nearest allow rules:
  default/guest-multi-target-scope (../fixtures/scopes/permissions.yaml:62:18 via scope default/multi-target-scope spec.targets[1].playbook at ../fixtures/scopes/scopes.yaml:41:17) directly
    - playbook `mc/restart-pod` is not selected by `name: echo-config`
"
    );
}

#[test]
fn who_can_and_list_answer_through_scope_targets() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = compile(&dir);
    let lines = |args: &[&str]| {
        let out = run(&[&[args[0], "-t", &tables][..], &args[1..]].concat());
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out).lines().map(str::to_string).collect::<Vec<_>>()
    };
    // `multi-target-scope`: configs tagged namespace=database, and the echo-config playbook.
    let configs = lines(&[
        "list",
        "--as",
        "guest-multi@test.com",
        "--action",
        "read",
        "--category",
        "configs",
    ]);
    assert!(configs.iter().any(|l| l.contains("c-redis")), "{configs:?}");
    assert!(
        !configs
            .iter()
            .any(|l| l.contains("c-prometheus") || l.contains("c-logistics-db")),
        "{configs:?}"
    );
    let playbooks = lines(&[
        "list",
        "--as",
        "guest-multi@test.com",
        "--action",
        "read",
        "--category",
        "playbooks",
    ]);
    // Beside the catalogued playbook, the hint that one not catalogued yet would be
    // allowed when it matches the target's selector.
    let listed: Vec<&String> = playbooks.iter().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(listed, ["mc/echo-config"], "{playbooks:?}");
    let readers = lines(&["who-can", "--action", "read", "--config", "c-redis"]);
    assert!(
        readers.iter().any(|l| l == "guest-multi@test.com"),
        "{readers:?}"
    );
    assert!(
        !readers.iter().any(|l| l == "guest-noperms@test.com"),
        "{readers:?}"
    );
    let runners = lines(&[
        "who-can",
        "--action",
        "read",
        "--playbook",
        "mc/restart-pod",
    ]);
    assert!(
        !runners.iter().any(|l| l == "guest-multi@test.com"),
        "{runners:?}"
    );
}

#[test]
fn the_sidecar_explains_a_decision_through_a_scope() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = compile(&dir);
    let sidecar = Sidecar::start(std::path::Path::new(&tables), &[]);
    let (status, body, _) = sidecar.post(
        "/access/v1/evaluation",
        &json!({
            "subject": {"type": "user", "id": "guest-multi@test.com"},
            "action": {"name": "read"},
            "resource": {"type": "playbook", "id": "mc/echo-config"},
            "context": {"explain": true},
        }),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["decision"], json!(true), "{body}");
    let deciding = body["context"]["reason_user"]["permissions"]
        .as_array()
        .expect("deciding permissions");
    assert!(
        deciding.iter().any(
            |p| p["permission"] == json!("default/guest-multi-target-scope")
                && p["source"].as_str().is_some_and(|s| s
                    .contains("via scope default/multi-target-scope spec.targets[1].playbook at "))
        ),
        "{body}"
    );
    // A denial's candidates are the scope's targets about the request's categories (the
    // playbook target, not the config one), each with the clause it failed.
    let (status, body, _) = sidecar.post(
        "/access/v1/evaluation",
        &json!({
            "subject": {"type": "user", "id": "guest-multi@test.com"},
            "action": {"name": "read"},
            "resource": {"type": "playbook", "id": "mc/restart-pod"},
            "context": {"explain": true},
        }),
    );
    assert_eq!((status, &body["decision"]), (200, &json!(false)), "{body}");
    let text = body.to_string();
    assert!(
        !text.contains("spec.targets[0].config") && text.contains("spec.targets[1].playbook"),
        "{body}"
    );
}

/// Copies the scope fixtures into `dir`, editing `scopes.yaml` with `edit`.
fn fixtures_edited(dir: &std::path::Path, edit: impl Fn(String) -> String) -> String {
    let policy = dir.join("policy");
    std::fs::create_dir_all(&policy).expect("mkdir");
    for entry in std::fs::read_dir(POLICY).expect("fixtures") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_owned();
        if path.ends_with("catalog.yaml") {
            // The world, given with `--catalog`, not a policy document.
            continue;
        }
        let mut text = std::fs::read_to_string(&path).expect("read");
        if name == "scopes.yaml" {
            let edited = edit(text.clone());
            assert_ne!(edited, text, "the edit changes the scopes");
            text = edited;
        }
        std::fs::write(policy.join(name), text).expect("write");
    }
    policy.display().to_string()
}

#[test]
fn diff_sees_access_changed_by_editing_a_scope() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let old = compile(&dir);
    let policy = fixtures_edited(dir.path(), |t| {
        t.replace(
            "- config: {tagSelector: \"namespace=database\"}",
            "- config: {tagSelector: \"namespace=monitoring\"}",
        )
    });
    let new = dir.path().join("new.rampart").display().to_string();
    let out = run(&["compile", &policy, "--catalog", CATALOG, "-o", &new]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&["diff", &old, &new, "--format", "json", "--exit-code"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "access gained: {}",
        stdout(&out)
    );
    let diff: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let change = &diff["changes"][0];
    assert_eq!(change["subject"], json!("guest-multi@test.com"), "{diff:#}");
    // The target moved from the database namespace's configs to monitoring's.
    assert_eq!(
        change["gained"]["configs"],
        json!(["c-prometheus"]),
        "{diff:#}"
    );
    assert_eq!(change["lost"]["configs"], json!(["c-redis"]), "{diff:#}");
}

#[test]
fn lint_reports_an_unused_scope() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let policy = fixtures_edited(dir.path(), |t| {
        t + "---\napiVersion: mission-control.flanksource.com/v1\nkind: Scope\nmetadata: {name: nobody-uses-me, namespace: default}\nspec:\n  targets:\n    - config: {name: \"*\"}\n"
    });
    let out = run(&["lint", &policy, "--catalog", CATALOG]);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        all.contains("scope `default/nobody-uses-me` is not referenced by any permission"),
        "{all}"
    );
    let fixtures = run(&["lint", POLICY, "--catalog", CATALOG]);
    let all = format!("{}{}", stdout(&fixtures), stderr(&fixtures));
    assert!(!all.contains("scope `"), "{all}");
}

#[test]
fn kubectl_get_output_with_scopes_compiles_from_standard_input() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = dir.path().join("t.rampart").display().to_string();
    let input = std::fs::read("../fixtures/kubectl/get-scopes.yaml").expect("fixture");
    let mut child = support::rampart()
        .args(["compile", "-", "--catalog", CATALOG, "-o", &tables])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let check = |config: &str| {
        run(&[
            "check",
            "-t",
            &tables,
            "--as",
            "guest-noperms@test.com",
            "--action",
            "read",
            "--config",
            config,
        ])
        .status
        .code()
    };
    assert_eq!(check("c-prometheus"), Some(0));
    assert_eq!(check("c-redis"), Some(1));
}
