//! Permission, PermissionGroup and Connection documents are held to Kubernetes' name
//! rules, as Scopes are: `metadata.name` a DNS-1123 subdomain, `metadata.namespace` a
//! DNS-1123 label. An empty or invalid name is an error at the name, with what to write.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use rampart_compiler::compile::validate;

/// The errors of validating the fixtures plus `extra`, as `message [field] help: ...`.
fn errors(extra: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("extra.yaml");
    std::fs::write(&path, extra).expect("write");
    match validate(
        &[PathBuf::from("../fixtures/policy"), path],
        Some(Path::new("../fixtures/catalog.yaml")),
        &|_| {},
    ) {
        Ok(_) => Vec::new(),
        Err(found) => found
            .iter()
            .filter(|d| !d.warning)
            .map(|d| {
                format!(
                    "{} [{}] help: {}",
                    d.message,
                    d.field.clone().unwrap_or_default(),
                    d.help.clone().unwrap_or_default()
                )
            })
            .collect(),
    }
}

fn one_error(extra: &str, wanted: &str) {
    let found = errors(extra);
    assert!(
        found.len() == 1 && found[0].contains(wanted),
        "wanted one error containing `{wanted}`, found {found:#?}"
    );
}

fn permission(metadata: &str) -> String {
    format!(
        "apiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {metadata}\nspec:\n  subject: {{person: john@doe.com}}\n  actions: [read]\n  object: {{configs: [{{name: mc-api}}]}}\n"
    )
}

fn group(metadata: &str) -> String {
    format!(
        "apiVersion: mission-control.flanksource.com/v1\nkind: PermissionGroup\nmetadata: {metadata}\nspec:\n  people: [john@doe.com]\n"
    )
}

fn connection(metadata: &str) -> String {
    format!(
        "apiVersion: mission-control.flanksource.com/v1\nkind: Connection\nmetadata: {metadata}\nspec:\n  type: opensearch\n  url: {{value: \"https://opensearch.example.com\"}}\n"
    )
}

#[test]
fn valid_names_are_accepted() {
    let found = errors(
        &(permission("{name: read-pods.v2, namespace: mc}")
            + "---\n"
            + &group("{name: oncall-team, namespace: mc}")
            + "---\n"
            + &connection("{name: search, namespace: mc}")),
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn an_empty_name_is_an_error() {
    for doc in [
        permission("{name: \"\"}"),
        group("{name: \"\"}"),
        connection("{name: \"\"}"),
    ] {
        one_error(&doc, "`metadata.name` is empty [metadata.name] help: a Kubernetes object name is lowercase letters");
    }
}

#[test]
fn a_name_breaking_kubernetes_rules_is_an_error() {
    one_error(
        &permission("{name: Read_Pods}"),
        "a Permission's `metadata.name` is not a valid Kubernetes object name [metadata.name] help: a Kubernetes object name is lowercase",
    );
    one_error(
        &group("{name: a/b}"),
        "a PermissionGroup's `metadata.name` is not a valid Kubernetes object name",
    );
    one_error(
        &connection("{name: Search}"),
        "a Connection's `metadata.name` is not a valid Kubernetes object name",
    );
    one_error(
        &permission("{name: p, namespace: c/a}"),
        "a Permission's `metadata.namespace` is not a valid namespace [metadata.namespace] help: a namespace is lowercase",
    );
}

/// A catalog playbook `{namespace: c/a, name: b}` and a Playbook document `{namespace: c,
/// name: a/b}` are two playbooks (compared by namespace and name apart), never one; as
/// both would be named `c/a/b`, that is an error rather than a guess.
#[test]
fn a_playbook_document_never_merges_with_a_catalog_playbook_of_another_split() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let catalog = dir.path().join("catalog.yaml");
    std::fs::write(
        &catalog,
        "people: [{email: a@example.com}]\nplaybooks:\n  - {id: pb-catalog, namespace: c/a, name: b}\n",
    )
    .expect("write");
    let document = dir.path().join("playbook.yaml");
    std::fs::write(
        &document,
        "apiVersion: mission-control.flanksource.com/v1\nkind: Playbook\nmetadata: {name: a/b, namespace: c, uid: 6c7b3b8e-6a2f-4c55-9d1e-0c0f4c1c2a11}\nspec: {}\n",
    )
    .expect("write");
    let found = match validate(&[document], Some(&catalog), &|_| {}) {
        Ok(v) => panic!(
            "valid, with playbooks {:?}",
            v.world.objects[0]
                .iter()
                .map(|o| (&o.key, &o.attributes.id))
                .collect::<Vec<_>>()
        ),
        Err(found) => found,
    };
    assert!(
        found
            .iter()
            .any(|d| d.message.contains("`c/a/b` names two playbooks")),
        "{found:#?}"
    );
}
