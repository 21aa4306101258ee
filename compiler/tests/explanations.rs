//! `--explain` names the clause that decided (issue 26, item 4): an allow whose actions
//! leave the requested one out (`!delete`) is named with the actions it grants; a selector
//! an object described by its attributes fails is quoted with the field it fails on; and
//! the candidates of a denial are only rules about the categories the request names.
//! Exact text, as `rampart check --explain` prints it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use rampart_runtime::json::response::response_text;
use rampart_runtime::{Category, ObjectAttributes, ObjectRef, Objects, Request, Target};
use support::compile_paths;

/// The candidate line of `john-reads-pods-of-mission-control`.
const JOHN_PODS: &str =
    "  default/john-reads-pods-of-mission-control (../fixtures/explain/why-not.yaml:21:9) directly";
/// The candidate line of `sre-everything-but-delete`.
const SRE: &str =
    "  default/sre-everything-but-delete (../fixtures/explain/why-not.yaml:9:9) via team sre-team";

/// John's `ACTION` on `objects`, explained: the lines after the `no_allow_rule` header.
fn why_not(action: &str, objects: Objects<'_>) -> Vec<String> {
    let tables = compile_paths(&["../fixtures/explain"], "../fixtures/catalog.yaml");
    let request = Request::new("john@doe.com", action, Target::Objects(objects));
    let lines = response_text(&tables.explain(&request).expect("decided"));
    assert_eq!(
        lines.get(..3),
        Some(&["denied", "reason: no_allow_rule", "nearest allow rules:"].map(String::from)[..]),
        "{lines:#?}"
    );
    lines.get(3..).unwrap_or_default().to_vec()
}

#[test]
fn an_allow_whose_actions_exclude_the_request_is_named_with_the_exclusion() {
    assert_eq!(
        why_not("delete", Objects::new().config("c-mc-pod")),
        [
            JOHN_PODS,
            "    - the rule selects the objects for `read`, not for `delete`: its actions do not include it",
            SRE,
            "    - the rule selects the objects for every action but `delete`, which its actions exclude",
            "  default/john-updates-one-pod (../fixtures/explain/why-not.yaml:47:9) directly",
            "    - the rule selects the objects for `update`, not for `delete`: its actions do not include it",
        ]
    );
}

#[test]
fn candidates_are_rules_about_the_categories_the_request_names() {
    assert_eq!(
        why_not("read", Objects::new().config("c-default-pod")),
        [
            JOHN_PODS,
            "    - config `c-default-pod` is not selected by `namespace: mission-control; types: kubernetes::pod`",
            SRE,
            "    - config `c-default-pod` is not selected by `namespace: mission-control`",
        ],
        "`john-runs-echo` constrains playbooks only: no candidate for a question about a config"
    );
    let lines = why_not("read", Objects::new().playbook("mc/loki-logs"));
    assert!(
        lines.iter().any(|l| l.contains("default/john-runs-echo")),
        "a rule about playbooks is a candidate for a question about a playbook: {lines:#?}"
    );
}

#[test]
fn a_selector_a_described_object_fails_is_quoted_with_the_failing_field() {
    let pod = ObjectAttributes {
        id: Some("new-pod".into()),
        namespace: Some("payments".into()),
        object_type: Some("Kubernetes::Pod".into()),
        ..ObjectAttributes::default()
    };
    assert_eq!(
        why_not(
            "read",
            Objects::new().with(Category::Config, ObjectRef::Attributes(&pod))
        ),
        [
            JOHN_PODS,
            "    - config `new-pod` is not selected by `namespace: mission-control; types: kubernetes::pod` (fails on `namespace: mission-control`)",
            SRE,
            "    - config `new-pod` is not selected by `namespace: mission-control`",
        ]
    );
}

/// The candidate line of `john-runs-echo`.
const JOHN_ECHO: &str = "  default/john-runs-echo (../fixtures/explain/why-not.yaml:34:9) directly";

#[test]
fn a_catalogued_playbook_is_quoted_with_the_failing_name_or_namespace() {
    // `mc/loki-logs` is in `mc`: only the name fails.
    assert_eq!(
        why_not("read", Objects::new().playbook("mc/loki-logs")),
        [
            JOHN_ECHO,
            "    - playbook `mc/loki-logs` is not selected by `name: echo-config; namespace: mc` (fails on `name: echo-config`)",
        ]
    );
    // `mission-control/echo-config` does not exist; `mission-control/restart-pod` fails on
    // both fields, which is the whole selector.
    assert_eq!(
        why_not("read", Objects::new().playbook("mission-control/restart-pod")),
        [
            JOHN_ECHO,
            "    - playbook `mission-control/restart-pod` is not selected by `name: echo-config; namespace: mc`",
        ]
    );
}

#[test]
fn a_catalogued_config_is_quoted_with_the_failing_id() {
    // The tables keep a config's id, not its namespace or type: the id is named, the
    // namespace (which fails too) cannot be.
    let lines = why_not("update", Objects::new().config("c-default-pod"));
    assert!(
        lines.contains(&"    - config `c-default-pod` is not selected by `id: c-mc-pod; namespace: mission-control` (fails on `id: c-mc-pod`)".to_string()),
        "{lines:#?}"
    );
}
