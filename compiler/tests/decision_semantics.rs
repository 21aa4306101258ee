//! Corners of the decision semantics that failed open (issue 20), each as a small policy,
//! a catalog, and the requests that must be decided as DESIGN section 3 and
//! `docs/semantics.md` say: objects described by attributes whose id or agent is spelled
//! differently from the catalog's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use rampart_runtime::{Category, ObjectAttributes, ObjectRef, Objects, Request, Tables, Target};

/// Compiles `policy` over `catalog` (both YAML).
fn tables(catalog: &str, policy: &str) -> Tables {
    let dir = tempfile::tempdir().expect("temporary directory");
    let catalog_path = dir.path().join("catalog.yaml");
    let policy_path = dir.path().join("policy.yaml");
    std::fs::write(&catalog_path, catalog).expect("write");
    std::fs::write(&policy_path, policy).expect("write");
    support::compile_paths(
        &[policy_path.to_str().expect("path")],
        catalog_path.to_str().expect("path"),
    )
}

/// A Permission document.
fn permission(name: &str, deny: bool, actions: &str, rest: &str) -> String {
    format!(
        "---\napiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  subject: {{person: john@example.com}}\n  actions: [{actions}]\n  deny: {deny}\n{rest}\n"
    )
}

/// The answer to `action` on a config described by `attributes` (JSON), as the word
/// `allow`, `deny` or `error <code>`.
fn on_attributes(tables: &Tables, action: &str, attributes: &str) -> String {
    let attributes: ObjectAttributes = serde_json::from_str(attributes).expect("attributes");
    answer(
        tables,
        action,
        Objects::new().with(Category::Config, ObjectRef::Attributes(&attributes)),
    )
}

fn answer(tables: &Tables, action: &str, objects: Objects<'_>) -> String {
    match tables.is_authorized(&Request::new(
        "john@example.com",
        action,
        Target::Objects(objects),
    )) {
        Ok(r) => r.effect().word().to_string(),
        Err(e) => format!("error {}", e.code()),
    }
}

const IDENTITY_CATALOG: &str = r#"
people: [{id: john, email: john@example.com}]
agents: [{id: agent-id-0, name: agent-0}, {id: Agent-Id-1, name: Agent-1}]
configs:
  - {id: c-dev, name: dev, tags: {env: prod}, agent: agent-id-0}
"#;

fn identity_policy() -> String {
    [
        permission(
            "everything",
            false,
            "read, delete, update",
            "  object: {configs: [{name: \"*\"}]}",
        ),
        permission(
            "no-prod",
            true,
            "read",
            "  object: {configs: [{tagSelector: env=prod}]}",
        ),
        permission(
            "no-agent-0",
            true,
            "delete",
            "  object: {configs: [{agent: agent-0}]}",
        ),
        permission(
            "no-agent-1",
            true,
            "update",
            "  object: {configs: [{agent: agent-1}]}",
        ),
    ]
    .concat()
}

#[test]
fn an_attribute_object_whose_id_is_a_catalog_key_in_another_spelling_is_that_object() {
    let t = tables(IDENTITY_CATALOG, &identity_policy());
    for (attributes, expected) in [
        (r#"{"id": "c-dev"}"#, "deny"),
        (r#"{"id": "C-DEV"}"#, "deny"),
        (r#"{"id": "c-dev "}"#, "deny"),
        (r#"{"id": " C-Dev\t"}"#, "deny"),
        // Not the catalog's object: decided by what the request says of it.
        (r#"{"id": "c-devx", "tags": {"env": "dev"}}"#, "allow"),
    ] {
        assert_eq!(
            on_attributes(&t, "read", attributes),
            expected,
            "read {attributes}"
        );
    }
    // By key, the same spellings name the same object.
    for key in ["c-dev", "C-DEV", "c-dev ", " C-Dev"] {
        assert_eq!(
            answer(
                &t,
                "read",
                Objects::new().with(Category::Config, ObjectRef::Key(key))
            ),
            "deny",
            "read config={key:?}"
        );
    }
}

#[test]
fn an_attribute_object_whose_agent_is_spelled_differently_has_that_agent() {
    let t = tables(IDENTITY_CATALOG, &identity_policy());
    for (attributes, expected) in [
        (r#"{"id": "new-1", "agent": "agent-id-0"}"#, "deny"),
        (r#"{"id": "new-1", "agent": "AGENT-ID-0"}"#, "deny"),
        (r#"{"id": "new-1", "agent": " agent-id-0 "}"#, "deny"),
        (r#"{"id": "new-1", "agent": "Agent-0"}"#, "deny"),
        (r#"{"id": "new-1", "agent": "agent-0\n"}"#, "deny"),
        (r#"{"id": "new-1", "agent": "agent-id-9"}"#, "allow"),
    ] {
        assert_eq!(
            on_attributes(&t, "delete", attributes),
            expected,
            "delete {attributes}"
        );
    }
    // The catalog's agent `Agent-Id-1` is named `Agent-1`; any spelling of its id finds it.
    for (attributes, expected) in [
        (r#"{"id": "new-2", "agent": "agent-id-1"}"#, "deny"),
        (r#"{"id": "new-2", "agent": "AGENT-ID-1 "}"#, "deny"),
        (r#"{"id": "new-2", "agent": "Agent-Id-1"}"#, "deny"),
    ] {
        assert_eq!(
            on_attributes(&t, "update", attributes),
            expected,
            "update {attributes}"
        );
    }
}

#[test]
fn a_catalog_object_whose_agent_is_spelled_differently_has_that_agent() {
    let catalog = r#"
people: [{id: john, email: john@example.com}]
agents: [{id: agent-id-0, name: agent-0}]
configs:
  - {id: c-1, name: one, agent: AGENT-ID-0}
  - {id: c-2, name: two, agent: " Agent-0"}
"#;
    let t = tables(catalog, &identity_policy());
    for key in ["c-1", "c-2"] {
        assert_eq!(
            answer(
                &t,
                "delete",
                Objects::new().with(Category::Config, ObjectRef::Key(key))
            ),
            "deny",
            "delete config={key}"
        );
    }
}

#[test]
fn a_catalog_with_two_ids_or_agents_of_one_identity_does_not_compile() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let catalog = dir.path().join("catalog.yaml");
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &catalog,
        "people: [{id: john, email: john@example.com}]\nagents: [{id: a-1, name: Agent}, {id: A-1 }]\nconfigs: [{id: Ab-1, name: one}, {id: aB-1, name: other}]\n",
    )
    .expect("write");
    std::fs::write(
        &policy,
        permission("p", false, "read", "  object: {configs: [{name: \"*\"}]}"),
    )
    .expect("write");
    let errors: Vec<String> =
        rampart_compiler::compile::compile(&[policy], Some(&catalog), &|_| {})
            .err()
            .expect("refused")
            .iter()
            .map(|d| d.to_string())
            .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("config `aB-1` and `Ab-1`")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("agent `A-1` and `a-1`")),
        "{errors:?}"
    );
}
