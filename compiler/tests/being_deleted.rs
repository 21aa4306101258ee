//! Documents being deleted (`metadata.deletionTimestamp` set, as `kubectl get -o yaml`
//! shows an object whose finalizers still run): whatever they add to allows is left out,
//! whatever they add to denies is kept, each with a warning (docs/semantics.md).

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use rampart_compiler::compile::{validate, Validated};
use rampart_compiler::diagnostic::Diagnostic;

const SCOPES_CATALOG: &str = "../fixtures/scopes/catalog.yaml";
const SCOPES: &str = "../fixtures/scopes/scopes.yaml";
const DELETING: &str = "deletionTimestamp: \"2026-12-04T20:00:00Z\"";

fn check(files: &[&str], catalog: &str, extra: &str) -> Result<Validated, Vec<Diagnostic>> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("extra.yaml");
    std::fs::write(&path, extra).expect("write");
    let mut paths: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    paths.push(path);
    validate(&paths, Some(Path::new(catalog)), &|_| {})
}

fn valid(files: &[&str], catalog: &str, extra: &str) -> Validated {
    check(files, catalog, extra).unwrap_or_else(|d| panic!("{d:#?}"))
}

fn permission(name: &str, deny: bool, deleting: bool, subject: &str, object: &str) -> String {
    let deleting = if deleting {
        format!(", {DELETING}")
    } else {
        String::new()
    };
    format!(
        "---\napiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {{name: {name}, namespace: default{deleting}}}\nspec:\n  subject: {{{subject}}}\n  actions: [read]\n  deny: {deny}\n  object: {{{object}}}\n"
    )
}

/// The names of the permissions that have rules.
fn ruled(v: &Validated) -> Vec<String> {
    let mut names: Vec<String> = v
        .model
        .rules
        .iter()
        .map(|r| v.model.permissions[r.permission as usize].name.clone())
        .filter(|n| !n.starts_with("role:"))
        .collect();
    names.dedup();
    names
}

fn warned(v: &Validated, wanted: &str) {
    let found: Vec<String> = v.warnings.iter().map(|d| d.render()).collect();
    assert!(
        v.warnings.iter().all(|d| d.warning) && found.iter().any(|w| w.contains(wanted)),
        "wanted a warning containing `{wanted}`, found {found:#?}"
    );
}

const CONFIGS: &str = "configs: [{name: prometheus}]";
const GUEST: &str = "person: guest@test.com";

#[test]
fn a_permission_being_deleted_that_allows_is_left_out() {
    let v = valid(
        &[SCOPES],
        SCOPES_CATALOG,
        &(permission("live", false, false, GUEST, CONFIGS)
            + &permission("going", false, true, GUEST, CONFIGS)),
    );
    assert_eq!(ruled(&v), ["default/live"]);
    warned(&v, "allow `default/going` is being deleted");
}

#[test]
fn a_permission_being_deleted_that_denies_is_kept() {
    let v = valid(
        &[SCOPES],
        SCOPES_CATALOG,
        &permission("going", true, true, GUEST, CONFIGS),
    );
    assert_eq!(ruled(&v), ["default/going"]);
    warned(&v, "deny `default/going` is being deleted");
}

#[test]
fn a_group_being_deleted_keeps_its_denies_and_loses_its_allows() {
    let group = format!(
        "---\napiVersion: mission-control.flanksource.com/v1\nkind: PermissionGroup\nmetadata: {{name: guests, namespace: default, {DELETING}}}\nspec:\n  people: [guest@test.com]\n"
    );
    let v = valid(
        &[SCOPES],
        SCOPES_CATALOG,
        &(group
            + &permission("allow-guests", false, false, "group: guests", CONFIGS)
            + &permission("deny-guests", true, false, "group: guests", CONFIGS)),
    );
    assert_eq!(ruled(&v), ["default/deny-guests"]);
    warned(&v, "group `guests` is being deleted");
}

#[test]
fn a_scope_being_deleted_keeps_its_denies_and_loses_its_allows() {
    let scope = format!(
        "---\napiVersion: mission-control.flanksource.com/v1\nkind: Scope\nmetadata: {{name: going, namespace: default, {DELETING}}}\nspec:\n  targets:\n    - config: {{name: prometheus}}\n"
    );
    let through = "scopes: [{namespace: default, name: going}]";
    let v = valid(
        &[SCOPES],
        SCOPES_CATALOG,
        &(scope
            + &permission("allow-through", false, false, GUEST, through)
            + &permission("deny-through", true, false, GUEST, through)),
    );
    assert_eq!(ruled(&v), ["default/deny-through"]);
    warned(&v, "scope `default/going` is being deleted");
}

#[test]
fn a_connection_being_deleted_is_left_out() {
    let connection = format!(
        "apiVersion: mission-control.flanksource.com/v1\nkind: Connection\nmetadata: {{name: going, namespace: default, {DELETING}}}\nspec:\n  type: opensearch\n  url: {{value: \"https://opensearch.example.com\"}}\n"
    );
    let v = valid(&[], "../fixtures/catalog.yaml", &connection);
    assert!(v.connections.is_empty(), "{:?}", v.connections.len());
    warned(&v, "connection `default/going` is being deleted");
    // A reference to it names an unknown connection.
    let use_it = connection
        + "---\napiVersion: canaries.flanksource.com/v1\nkind: Canary\nmetadata: {name: check}\nspec:\n  postgres:\n    - name: a\n      connection: connection://default/going\n";
    let found = check(&[], "../fixtures/catalog.yaml", &use_it)
        .err()
        .expect("an unknown connection");
    assert!(
        found
            .iter()
            .any(|d| !d.warning && d.message.contains("default/going")),
        "{found:#?}"
    );
}
