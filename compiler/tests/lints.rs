//! `rampart lint` finds unused groups, selectors that match nothing, allow rules a deny
//! always overrides, denies narrowed by `agents`/`tags`, object denies a grant on the
//! global object outlives, unused Scopes and Scope targets that match nothing, and
//! nothing in the source documents' fixtures.

use std::path::PathBuf;

use rampart_compiler::compile::validate;
use rampart_compiler::expand::expand;
use rampart_compiler::lint::lint;

fn findings(paths: &[&str]) -> Vec<String> {
    findings_over(paths, "../fixtures/catalog.yaml")
}

fn findings_over(paths: &[&str], catalog: &str) -> Vec<String> {
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    match validate(&paths, Some(&PathBuf::from(catalog)), &|_| {}) {
        Ok(c) => {
            let expanded = expand(&c.world, &c.model);
            lint(&c.world, &c.documents, &c.model, &expanded)
                .into_iter()
                .map(|f| f.to_string())
                .collect()
        }
        Err(d) => d.iter().map(|x| x.to_string()).collect(),
    }
}

#[test]
fn the_fixtures_are_clean() {
    assert_eq!(findings(&["../fixtures/policy"]), Vec::<String>::new());
}

#[test]
fn each_lint_fires() {
    let found = findings(&["../fixtures/policy", "../fixtures/lint"]);
    assert_eq!(
        found,
        [
            "../fixtures/lint/findings.yaml:19:20: `default/nothing-matches` allows nothing here: `namespace: no-such-namespace` matches no config in the catalog (field `spec.object.configs[0].namespace`)",
            "../fixtures/lint/findings.yaml:24:9: `default/read-mc` never allows `read`: deny `default/deny-all-configs` (../fixtures/lint/findings.yaml:36:9) always overrides it",
            "../fixtures/lint/findings.yaml:49:9: `default/deny-deletes-on-homelab`: `agents`/`tags` do not narrow a deny: it applies to every object its selectors match, whatever their agent and tags (Mission Control ignores these deprecated fields) (field `spec.agents`)",
            "../fixtures/lint/findings.yaml:5:9: group `nobody-uses-me` is not the subject of any permission (field `metadata.name`)",
            "../fixtures/lint/findings.yaml:63:9: `default/no-prod-deletes-for-admins` denies `update`, `delete` on some configs but not on the global object `catalog`, which another grant allows its subject: a check on `catalog` does not see this deny",
            "../fixtures/lint/findings.yaml:84:20: `default/typo-matches-nothing` allows nothing here: `namespace: mission-contol` matches no config in the catalog (field `spec.object.configs[1].namespace`)",
            "../fixtures/lint/findings.yaml:97:9: `default/pods-of-mission-control`: the items of `spec.object.configs` are ORed, so this allows every config with any one of `namespace`, `types`, not only those with all of them (field `spec.object.configs[1]`)",
        ]
    );
}

/// An allow selector that matches nothing is found at its field, item by item (one typo
/// among several items too), with the nearest value the catalog has.
#[test]
fn an_allow_that_matches_nothing_names_the_nearest_value() {
    let c = validate(
        &[
            PathBuf::from("../fixtures/policy"),
            PathBuf::from("../fixtures/lint"),
        ],
        Some(&PathBuf::from("../fixtures/catalog.yaml")),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    let expanded = expand(&c.world, &c.model);
    let helps: Vec<Option<String>> = lint(&c.world, &c.documents, &c.model, &expanded)
        .into_iter()
        .filter(|d| d.message.contains("allows nothing here"))
        .map(|d| d.help)
        .collect();
    assert_eq!(
        helps,
        [None, Some("did you mean `mission-control`?".to_string())]
    );
}

/// Upstream's scope tables hold one permission on configs the catalog (duty's dummy
/// configs) does not have; no Scope finding.
const SCOPE_FIXTURE_FINDING: &str = "../fixtures/scopes/permissions.yaml:12:29: `default/guest-media-configs` allows nothing here: `tagSelector: namespace=media` matches no config in the catalog (field `spec.object.configs[0].tagSelector`)";

#[test]
fn the_scope_fixtures_have_no_scope_findings() {
    assert_eq!(
        findings_over(&["../fixtures/scopes"], "../fixtures/scopes/catalog.yaml"),
        [SCOPE_FIXTURE_FINDING]
    );
}

/// An unused Scope; a Scope one of whose targets selects nothing; a Scope none of whose
/// targets selects anything, referenced by two permissions (one finding, on the Scope);
/// a deny through a scope that overrides one target of an allow (the finding names the
/// target); a scoped deny narrowed by `agents` (one finding, not one per target).
#[test]
fn scope_lints_fire_once_per_scope() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("scopes.yaml");
    std::fs::write(
        &file,
        r#"apiVersion: mission-control.flanksource.com/v1
kind: Scope
metadata: {name: unused, namespace: default}
spec:
  targets:
    - config: {name: "*"}
---
apiVersion: mission-control.flanksource.com/v1
kind: Scope
metadata: {name: half-empty, namespace: default}
spec:
  targets:
    - config: {name: no-such-config}
    - playbook: {name: echo-config}
---
apiVersion: mission-control.flanksource.com/v1
kind: Scope
metadata: {name: all-empty, namespace: default}
spec:
  targets:
    - config: {tagSelector: namespace=nowhere}
    - view: {name: metrics}
    - playbook: {name: no-such-playbook}
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: guest-reads, namespace: default}
spec:
  subject: {person: guest-noperms@test.com}
  actions: [read]
  object:
    scopes: [{namespace: default, name: half-empty}, {namespace: default, name: all-empty}]
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: direct-reads, namespace: default}
spec:
  subject: {person: guest-direct@test.com}
  actions: [read]
  object:
    scopes: [{namespace: default, name: all-empty}]
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: no-echo, namespace: default, annotations: {rampart.flanksource.com/allow-empty-selectors: "true"}}
spec:
  subject: {person: guest-noperms@test.com}
  actions: [read]
  deny: true
  agents: [homelab]
  object:
    scopes: [{namespace: default, name: restart-pod-playbook}, {namespace: default, name: half-empty}]
"#,
    )
    .expect("write");
    let file = file.display().to_string();
    let found = findings_over(
        &["../fixtures/scopes", &file],
        "../fixtures/scopes/catalog.yaml",
    );
    let expected: Vec<String> = [
        SCOPE_FIXTURE_FINDING,
        "{f}:13:15: scope `default/half-empty`: `spec.targets[0].config` selects nothing in the catalog (field `spec.targets[0].config`)",
        "{f}:21:15: scope `default/all-empty` matches nothing in the catalog: `spec.targets[0].config`, `spec.targets[2].playbook` select nothing (field `spec.targets[0].config`)",
        "{f}:27:18: `default/guest-reads` via scope default/half-empty spec.targets[1].playbook at {f}:14:17 never allows `read`: deny `default/no-echo` ({f}:45:18 via scope default/half-empty spec.targets[1].playbook at {f}:14:17) always overrides it",
        "{f}:3:18: scope `default/unused` is not referenced by any permission (`object.scopes`) (field `metadata.name`)",
        "{f}:45:18: `default/no-echo`: `agents`/`tags` do not narrow a deny: it applies to every object its selectors match, whatever their agent and tags (Mission Control ignores these deprecated fields) (field `spec.agents`)",
    ]
    .iter()
    .map(|l| l.replace("{f}", &file))
    .collect();
    assert_eq!(found, expected);
}

/// Issue 23: components have no tags in Mission Control (and Rampart refuses them), so a
/// component selector that reads tags never matches (`env=prod`) or matches every
/// component (`!env`): a warning at the field, for a Permission's `components` (by
/// `tagSelector`, and by a `tags.` term of `search`) and for a Scope's `component`
/// target. A config's `tagSelector` and a component's `labelSelector` are left alone.
#[test]
fn a_component_selector_reading_tags_is_a_warning() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("component-tags.yaml");
    std::fs::write(
        &file,
        r#"apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: components-by-tag, namespace: default}
spec:
  subject: {person: john@doe.com}
  actions: [read]
  object:
    components:
      - {name: api, tagSelector: "!env"}
      - {name: api, search: "tags.env=prod"}
      - {name: api, labelSelector: "tier=web"}
    configs:
      - tagSelector: env=prod
---
apiVersion: mission-control.flanksource.com/v1
kind: Scope
metadata: {name: tagged-components, namespace: default}
spec:
  targets:
    - component: {name: api, tagSelector: "!env"}
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: scoped, namespace: default}
spec:
  subject: {person: john@doe.com}
  actions: [read]
  object:
    scopes: [{namespace: default, name: tagged-components}]
"#,
    )
    .expect("write");
    let found: Vec<String> = findings(&[file.to_str().unwrap()])
        .into_iter()
        .filter(|f| f.contains("reads tags"))
        .collect();
    let mut fields: Vec<&str> = found
        .iter()
        .map(|f| f.rsplit("(field ").next().unwrap_or_default())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "`spec.object.components[0].tagSelector`)",
            "`spec.object.components[1].search`)",
            "`spec.targets[0].component.tagSelector`)",
        ],
        "{found:#?}"
    );
    assert!(
        found.iter().all(|f| f.contains("never match a component")),
        "{found:#?}"
    );
}
