//! `rampart diff` as a CI gate sees every change of access: a rule widened to objects the
//! catalog does not hold yet, a deny removed for them, grants of `invoke:` actions in every
//! form (a named operation, a plugin's `invoke:<plugin>:*`, `invoke:*`, `*`); and its counts
//! mean something (one config gaining access is one config, not one per request shape).

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use std::path::Path;

use support::{run, stderr, stdout};

const CATALOG: &str = "../fixtures/catalog.yaml";

/// One Permission of john's (who holds no role): `actions` on `configs` (YAML flow text), and an optional deny.
fn permission(name: &str, deny: bool, actions: &str, configs: &str) -> String {
    format!(
        "apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {{name: {name}}}
spec:
  subject: {{person: john@doe.com}}
  actions: {actions}
  deny: {deny}
  object:
    configs: {configs}
---
"
    )
}

/// Compiles `documents` against `catalog` into `dir/name.rampart`.
fn compile(dir: &Path, name: &str, documents: &str, catalog: &str) -> String {
    let policy = dir.join(name);
    std::fs::create_dir_all(&policy).expect("policy directory");
    std::fs::write(policy.join("p.yaml"), documents).expect("write");
    let out = dir.join(format!("{name}.rampart")).display().to_string();
    let compiled = run(&[
        "compile",
        &policy.display().to_string(),
        "--catalog",
        catalog,
        "-o",
        &out,
        // Denies here are about objects the catalog does not hold.
        "--allow-empty-selectors",
    ]);
    assert_eq!(compiled.status.code(), Some(0), "{}", stderr(&compiled));
    out
}

/// `rampart diff OLD NEW --exit-code`, text and JSON.
fn diff(old: &str, new: &str) -> (Option<i32>, String, serde_json::Value) {
    let text = run(&["diff", old, new, "--exit-code"]);
    let json = run(&["diff", old, new, "--fail-on", "gained", "--format", "json"]);
    assert_eq!(text.status.code(), json.status.code(), "{}", stderr(&text));
    let value = serde_json::from_str(&stdout(&json)).expect("json");
    (text.status.code(), stdout(&text), value)
}

#[test]
fn a_rule_widened_to_objects_the_catalog_does_not_hold_is_access_gained() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let old = permission("ops", false, "[read]", "[{namespace: mission-control}]");
    // The catalog holds no config in kube-system: no catalogued object changes.
    let new = permission(
        "ops",
        false,
        "[read]",
        "[{namespace: mission-control}, {namespace: kube-system}]",
    );
    let old = compile(dir.path(), "old", &old, CATALOG);
    let new = compile(dir.path(), "new", &new, CATALOG);
    let (code, text, json) = diff(&old, &new);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("john@doe.com\n  read\n"), "{text}");
    assert!(
        text.contains(
            "+ rule allows configs where (namespace: kube-system) or (namespace: mission-control)"
        ),
        "{text}"
    );
    // The narrower rule it replaced is covered by the wider one: nothing is lost.
    assert!(!text.contains("\n    - "), "{text}");
    assert!(
        text.contains("1 subject changed; gained: 1 rule; lost: nothing"),
        "{text}"
    );
    assert_eq!(json["gained"], 1, "{json}");
    assert_eq!(json["lost"], 0, "{json}");
    // Narrowing it back is a loss, and not a gain.
    let (code, text, _) = diff(&new, &old);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("- rule no longer allows configs where (namespace: kube-system) or (namespace: mission-control)"),
        "{text}"
    );
}

#[test]
fn a_deny_removed_for_objects_the_catalog_does_not_hold_is_access_gained() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let allow = permission("all-configs", false, "[read]", "[{name: '*'}]");
    let deny = permission(
        "not-kube-system",
        true,
        "[read]",
        "[{namespace: kube-system}]",
    );
    let old = compile(dir.path(), "old", &format!("{allow}{deny}"), CATALOG);
    let new = compile(dir.path(), "new", &allow, CATALOG);
    let (code, text, json) = diff(&old, &new);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("+ rule no longer denies configs where (namespace: kube-system)"),
        "{text}"
    );
    assert_eq!(json["gained"], 1, "{json}");
    // Adding the deny back is a loss only.
    let (code, text, _) = diff(&new, &old);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("- rule denies configs where (namespace: kube-system)"),
        "{text}"
    );
}

#[test]
fn invoke_grants_are_seen_in_every_form() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let base = permission("ops", false, "[read]", "[{namespace: mission-control}]");
    let old = compile(dir.path(), "old", &base, CATALOG);
    for (name, actions, action_line) in [
        (
            "named",
            "['invoke:kubernetes:restart']",
            "  invoke:kubernetes:restart\n",
        ),
        (
            "plugin",
            "['invoke:kubernetes:*']",
            "  invoke:kubernetes:*\n",
        ),
        ("any-invoke", "['invoke:*']", "  invoke:*\n"),
        ("everything", "['*']", "  invoke:*\n"),
    ] {
        let grant = permission(
            "ops-invoke",
            false,
            actions,
            "[{namespace: mission-control}]",
        );
        let new = compile(dir.path(), name, &format!("{base}{grant}"), CATALOG);
        let (code, text, _) = diff(&old, &new);
        assert_eq!(code, Some(1), "{name}\n{text}");
        assert!(text.contains(action_line), "{name}\n{text}");
        assert!(
            text.contains("    + configs: c-bucket, c-mc-deploy, c-mc-pod\n"),
            "{name}\n{text}"
        );
    }
    // A named operation taken away from a plugin-wide grant is not a change of access.
    let plugin = permission(
        "ops-invoke",
        false,
        "['invoke:kubernetes:*']",
        "[{name: '*'}]",
    );
    let named = permission(
        "ops-named",
        false,
        "['invoke:kubernetes:restart']",
        "[{name: '*'}]",
    );
    let before = compile(dir.path(), "plugin-only", &plugin, CATALOG);
    let after = compile(
        dir.path(),
        "plugin-and-named",
        &format!("{plugin}{named}"),
        CATALOG,
    );
    let (code, text, json) = diff(&before, &after);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(json["changes"], serde_json::json!([]), "{json}");
}

#[test]
fn one_config_gaining_access_is_counted_as_one_config() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let catalog = std::fs::read_to_string(CATALOG).expect("catalog");
    let more = catalog.replace(
        "components:\n",
        "  - {id: c-new, name: mc-api-1, namespace: mission-control, type: Kubernetes::Pod}\ncomponents:\n",
    );
    assert_ne!(more, catalog, "the catalog's layout changed");
    let more_path = dir.path().join("catalog.yaml");
    std::fs::write(&more_path, more).expect("write");
    let grant = permission("ops", false, "[read]", "[{namespace: mission-control}]");
    let old = compile(dir.path(), "old", &grant, CATALOG);
    let new = compile(dir.path(), "new", &grant, &more_path.display().to_string());
    let (code, text, json) = diff(&old, &new);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("    + configs: c-new\n"), "{text}");
    // Every subject that may read configs (the admin and the editor too) gains it: one
    // config all the same.
    assert!(text.contains("; gained: 1 config; lost: nothing"), "{text}");
    assert_eq!(json["gained"], 1, "{json}");
    assert_eq!(
        json["gained_by_kind"],
        serde_json::json!({"configs": 1}),
        "{json}"
    );
}
