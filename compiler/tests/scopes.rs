//! Scopes: Mission Control's scope decision tables (`fixtures/scopes/upstream-tables.yaml`)
//! through compile and check; the expansion of `object.scopes` into one rule per target;
//! and every decision Rampart makes where upstream silently widens or drops, each with its
//! diagnostic.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use rampart_compiler::compile::{compile, validate, Validated};
use rampart_compiler::diagnostic::Diagnostic;
use rampart_runtime::Category;

const CATALOG: &str = "../fixtures/scopes/catalog.yaml";
const SCOPES: &str = "../fixtures/scopes/scopes.yaml";

/// Checks the fixture Scopes plus `extra` (one file) over the scopes catalog.
fn check_with(extra: &str) -> Result<Validated, Vec<Diagnostic>> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("extra.yaml");
    std::fs::write(&path, extra).expect("write");
    validate(
        &[PathBuf::from(SCOPES), path],
        Some(Path::new(CATALOG)),
        &|_| {},
    )
}

/// The messages (and help lines) of the problems `extra` has.
fn problems(extra: &str) -> Vec<String> {
    match check_with(extra) {
        Ok(_) => Vec::new(),
        Err(found) => found
            .iter()
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

fn one_problem(extra: &str, wanted: &str) {
    let found = problems(extra);
    assert!(
        found.len() == 1 && found[0].contains(wanted),
        "wanted one problem containing `{wanted}`, found {found:#?}"
    );
}

fn permission(object: &str) -> String {
    format!(
        "apiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {{name: p, namespace: default}}\nspec:\n  subject: {{person: guest@test.com}}\n  actions: [read]\n  object:\n{object}\n"
    )
}

fn scope(name: &str, targets: &str) -> String {
    format!(
        "apiVersion: mission-control.flanksource.com/v1\nkind: Scope\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  targets:\n{targets}\n"
    )
}

#[test]
fn upstream_scope_tables_decide_as_mission_control_decides() {
    let compiled = compile(
        &[PathBuf::from("../fixtures/scopes")],
        Some(Path::new(CATALOG)),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("{d:#?}"));
    let bytes = rampart_compiler::emit::encode(&compiled.data, None).expect("encode");
    let tables = rampart_runtime::Tables::from_bytes(&bytes).expect("load");
    let permissions = compiled
        .model
        .permissions
        .iter()
        .filter(|p| p.location.is_some())
        .map(|p| p.name.clone())
        .collect();
    let run = rampart_compiler::testing::run(&tables, &compiled.documents.tests, permissions, None);
    let failed: Vec<String> = run
        .results
        .iter()
        .filter(|r| r.verdict != rampart_compiler::testing::Verdict::Passed)
        .map(|r| format!("{r:?}"))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    // Every row of the seven upstream tables, and every permission decides some case.
    assert_eq!(run.results.len(), 52);
    assert_eq!(run.coverage.percent(), 100.0);
}

#[test]
fn every_target_of_every_scope_becomes_its_own_rule() {
    let compiled = compile(
        &[PathBuf::from("../fixtures/scopes")],
        Some(Path::new(CATALOG)),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("{d:#?}"));
    let model = &compiled.model;
    let rules_of = |name: &str| -> Vec<(Category, String)> {
        model
            .rules
            .iter()
            .filter(|r| model.permissions[r.permission as usize].name == name)
            .flat_map(|r| {
                Category::ALL.into_iter().filter_map(|c| {
                    c.of(&r.categories).as_ref().map(|rule| {
                        let texts: Vec<String> = rule
                            .selectors
                            .iter()
                            .map(|s| format!("{:?}", s.to_data()))
                            .collect();
                        (c, texts.join(" | "))
                    })
                })
            })
            .collect()
    };
    // Upstream: three objects (config, playbook, view); Rampart decides no request about
    // a view, so the view target expands to nothing.
    let multi = rules_of("default/guest-multi-target-scope");
    assert_eq!(multi.len(), 2, "{multi:?}");
    assert_eq!(multi[0].0, Category::Config);
    assert!(multi[0].1.contains("namespace=database"), "{multi:?}");
    assert_eq!(multi[1].0, Category::Playbook);
    assert!(multi[1].1.contains("echo-config"), "{multi:?}");
    // The agent's name is resolved to its id, as upstream does when it stores the Scope.
    let homelab = rules_of("default/homelab-default-manager-read");
    assert_eq!(homelab.len(), 1, "{homelab:?}");
    assert!(
        homelab[0]
            .1
            .contains("ac4b1dc5-b249-471d-89d7-ba0c5de4997b")
            && homelab[0].1.contains("namespace=default")
            && !homelab[0].1.contains("homelab,"),
        "{homelab:?}"
    );
    // Three scopes of one target each: three rules, ORed.
    assert_eq!(rules_of("default/multi-scope-user-read").len(), 3);
    // A scope's `{name: "*"}` grants no global object (upstream: no RBAC `catalog`).
    for r in &model.rules {
        if r.via.is_some() {
            assert!(r.globals.is_empty() && !r.all_globals && r.objects);
        }
    }
}

#[test]
fn selectors_beside_scopes_are_an_error() {
    // Upstream discards the permission's own selectors: that would widen.
    one_problem(
        &permission(
            "    playbooks: [{name: echo-config}]\n    scopes: [{namespace: default, name: monitoring-configs}]",
        ),
        "`object.scopes` cannot be combined with `object.playbooks`",
    );
    // Upstream turns `configs: [{name: '*'}]` into the global `catalog` and drops the scopes.
    one_problem(
        &permission(
            "    configs: [{name: '*'}]\n    scopes: [{namespace: default, name: monitoring-configs}]",
        ),
        "`object.scopes` cannot be combined with `object.configs`",
    );
    one_problem(
        &permission("    mcp: true\n    scopes: [{namespace: default, name: monitoring-configs}]"),
        "`object.mcp` cannot be combined with selectors or scopes",
    );
    one_problem(
        &permission("    scopes: []"),
        "`spec.object.scopes` is an empty list",
    );
}

#[test]
fn a_missing_scope_is_an_error_never_a_dropped_permission() {
    one_problem(
        &permission("    scopes: [{namespace: default, name: monitoring-config}]"),
        "unknown scope `default/monitoring-config` [spec.object.scopes[0].name] help: did you mean `default/monitoring-configs`?",
    );
    one_problem(
        &permission("    scopes: [{namespace: mc, name: monitoring-configs}]"),
        "unknown scope `mc/monitoring-configs`",
    );
    // Upstream looks a missing namespace up as "", which names no scope.
    one_problem(
        &permission("    scopes: [{name: monitoring-configs}]"),
        "needs `namespace`: Mission Control looks a missing namespace up as `\"\"`, which names no scope [spec.object.scopes[0].namespace] help: add the scope's `namespace`: `default`",
    );
    // Upstream never reads `id`: alone it names nothing.
    one_problem(
        &permission("    scopes: [{id: eb5a2647-f377-4fd9-83fd-07020e761740}]"),
        "a scope reference needs `name`",
    );
    // One missing scope among several: the whole permission is refused, not narrowed.
    let found = problems(&permission(
        "    scopes:\n      - {namespace: default, name: monitoring-configs}\n      - {namespace: default, name: nope}",
    ));
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn an_id_beside_the_name_must_be_the_scopes_uid() {
    assert_eq!(
        problems(&permission(
            "    scopes: [{id: EB5A2647-F377-4FD9-83FD-07020E761740, namespace: default, name: monitoring-configs}]"
        )),
        Vec::<String>::new()
    );
    one_problem(
        &permission(
            "    scopes: [{id: db80e7f5-b6af-4896-8431-8d6e5430c6f2, namespace: default, name: monitoring-configs}]",
        ),
        "`id` `db80e7f5-b6af-4896-8431-8d6e5430c6f2` is not the uid of scope `default/monitoring-configs`: its uid is `eb5a2647-f377-4fd9-83fd-07020e761740`",
    );
    one_problem(
        &permission("    scopes: [{id: not-a-uuid, namespace: default, name: monitoring-configs}]"),
        "is not the uid of scope",
    );
}

#[test]
fn canary_and_global_targets_are_refused_where_referenced() {
    // Upstream expands both to `{}`, which matches every ABAC request.
    for kind in ["canary", "global"] {
        let docs = format!(
            "{}---\n{}",
            scope(
                "wide",
                &format!("    - config: {{name: a}}\n    - {kind}: {{namespace: restricted-zone}}")
            ),
            permission("    scopes: [{namespace: default, name: wide}]")
        );
        one_problem(
            &docs,
            &format!("scope `default/wide` has a `{kind}` target (spec.targets[1] at"),
        );
        // Unreferenced, such a scope is read like any other.
        assert_eq!(
            problems(&scope(
                "wide",
                &format!("    - {kind}: {{name: localhost}}")
            )),
            Vec::<String>::new()
        );
    }
}

#[test]
fn a_scope_is_read_as_strictly_as_every_kind() {
    let cases: &[(&str, &str)] = &[
        ("", "a Scope holds 1 to 10 targets, not 0"),
        (
            &"    - config: {name: a}\n".repeat(11),
            "a Scope holds 1 to 10 targets, not 11",
        ),
        ("    - {}", "a Scope target sets no kind"),
        (
            "    - {config: {name: a}, playbook: {name: b}}",
            "a Scope target sets `config` and `playbook`; exactly one is allowed",
        ),
        ("    - connection: {name: a}", "unknown field `connection`"),
        (
            "    - config: {types: [Kubernetes::Pod]}",
            "unknown field `types`",
        ),
        ("    - config: {}", "an empty selector matches nothing"),
        (
            "    - config: {tagSelector: 'a in (b'}",
            "spec.targets[0].config.tagSelector",
        ),
        (
            "    - config: {agent: homelb}",
            "unknown agent `homelb` [spec.targets[0].config.agent] help: did you mean `homelab`?",
        ),
        ("    - config: {agent: '*'}", "unknown agent `*`"),
    ];
    for (targets, wanted) in cases {
        let targets = if targets.is_empty() {
            "    []"
        } else {
            targets
        };
        one_problem(&scope("s", targets.trim_end_matches('\n')), wanted);
    }
    one_problem(
        &format!(
            "{}---\n{}",
            scope("twice", "    - config: {name: a}"),
            scope("twice", "    - config: {name: b}")
        ),
        "scope `default/twice` is defined twice",
    );
    one_problem(
        &scope("s", "    - config: {name: a}")
            .replace("namespace: default}", "namespace: default, uid: not-a-uid}"),
        "`metadata.uid` of a Scope is its id and must be a uuid",
    );
    // An agent id is kept as written, as upstream does (no existence check).
    assert_eq!(
        problems(&scope(
            "s",
            "    - config: {agent: 5b0f3c8e-0d6a-4f0e-9a51-3f3e2a1c7d11}"
        )),
        Vec::<String>::new()
    );
    // A permission referencing a Scope with errors adds no problem of its own.
    let found = problems(&format!(
        "{}---\n{}",
        scope("broken", "    - config: {}"),
        permission("    scopes: [{namespace: default, name: broken}]")
    ));
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn kubectl_lists_holding_scopes_compile() {
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: mission-control.flanksource.com/v1\n  kind: Scope\n  metadata:\n    name: listed\n    namespace: default\n    uid: 0b8f6c3e-2f4a-4d7b-9e1c-5a6b7c8d9e0f\n    resourceVersion: \"12\"\n    generation: 1\n    creationTimestamp: \"2026-11-02T10:00:00Z\"\n  spec:\n    description: from kubectl\n    targets:\n    - config:\n        tagSelector: namespace=media\n  status:\n    conditions:\n    - {type: Ready, status: \"True\", reason: Synced, message: \"\", lastTransitionTime: \"2026-11-02T10:00:01Z\"}\n    observedGeneration: 1\n- apiVersion: mission-control.flanksource.com/v1\n  kind: Permission\n  metadata: {name: listed-read, namespace: default}\n  spec:\n    subject: {person: guest-noperms@test.com}\n    actions: [read]\n    object:\n      scopes:\n      - {namespace: default, name: listed}\nkind: List\nmetadata: {resourceVersion: \"\"}\n";
    let list = list.replacen("kind: List\nitems:", "items:", 1);
    let checked = check_with(&list).unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(checked.documents.scopes.len(), 8);
    assert!(checked.model.rules.iter().any(|r| r.via.is_some()
        && checked.model.permissions[r.permission as usize].name == "default/listed-read"));
}

/// Permissions on `object.views`, as Mission Control's own scope tests write them: they
/// compile, decide nothing Rampart is asked about (a view and a config in one permission
/// match only a request naming both, and no request names a view), and lint says so.
#[test]
fn a_permission_naming_views_decides_nothing_and_lint_says_so() {
    let views_only = permission("    views: [{name: pods, namespace: default}]");
    let with_configs = permission("    views: [{name: metrics}]\n    configs: [{name: '*'}]")
        .replace("name: p,", "name: p2,");
    let validated = check_with(&format!("{views_only}---\n{with_configs}"))
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let scoped = |p: &str| {
        validated
            .model
            .permissions
            .iter()
            .filter(|i| i.name == p)
            .count()
    };
    assert_eq!((scoped("default/p"), scoped("default/p2")), (0, 0));
    let expanded = rampart_compiler::expand::expand(&validated.world, &validated.model);
    let warnings: Vec<String> = rampart_compiler::lint::lint(
        &validated.world,
        &validated.documents,
        &validated.model,
        &expanded,
    )
    .into_iter()
    .map(|d| d.message)
    .filter(|m| m.contains("names `views`"))
    .collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(warnings[0].contains("grants nothing Rampart is asked about"));
    one_problem(
        &permission(
            "    views: [{name: metrics}]\n    scopes: [{namespace: default, name: monitoring-configs}]",
        ),
        "`object.scopes` cannot be combined with `object.views`",
    );
    one_problem(
        &permission("    views: [{nme: metrics}]"),
        "unknown field `nme`",
    );
}

/// A `*` inside a tag, label or field selector value (adversary case01). Mission Control's
/// `ResourceSelector.Canonical()` (duty `types/resource_selector_canonical.go`), called
/// before every match, turns `k=v*`, `k==v*` and `k in (v*)` into `k` (the tag exists)
/// and drops `k!=v*`, `k notin (v*)` and every field-selector requirement holding `*`.
/// Read as a pattern, a deny would be narrower than upstream's and an allow that grants
/// nothing upstream would grant: refused, in Scope targets and permissions alike. A value
/// that is `*` alone under `=`, `==`, `in` means "the tag exists" in both readings.
#[test]
fn a_star_inside_a_selector_value_is_refused() {
    let refused: &[(&str, &str)] = &[
        (
            "tagSelector: 'namespace=kube-*'",
            "reads `namespace=kube-*` as `namespace`",
        ),
        (
            "tagSelector: 'namespace==*-system'",
            "reads `namespace==*-system` as `namespace`",
        ),
        (
            "labelSelector: 'app in (web,api*)'",
            "reads `app in (api*,web)` as `app`",
        ),
        (
            "tagSelector: 'namespace!=kube-*'",
            "drops `namespace!=kube-*`",
        ),
        (
            "tagSelector: 'env=prod,namespace notin (kube-*)'",
            "drops `namespace notin (kube-*)`",
        ),
        ("tagSelector: 'namespace!=*'", "drops `namespace!=*`"),
        (
            "fieldSelector: 'type=Kubernetes*'",
            "drops `type=Kubernetes*`",
        ),
        ("fieldSelector: 'owner=*'", "drops `owner=*`"),
    ];
    for (field, wanted) in refused {
        let (name, _) = field.split_once(':').unwrap();
        if name == "tagSelector" {
            one_problem(&scope("s", &format!("    - config: {{{field}}}")), wanted);
        }
        let found = problems(&permission(&format!("    configs: [{{{field}}}]")));
        assert!(
            found.len() == 1 && found[0].contains(wanted) && found[0].contains(name),
            "{field}: {found:#?}"
        );
    }
    for accepted in [
        "tagSelector: 'namespace=*'",
        "tagSelector: 'namespace==*,env=prod'",
        "labelSelector: 'app in (web,*)'",
    ] {
        assert_eq!(
            problems(&permission(&format!("    configs: [{{{accepted}}}]"))),
            Vec::<String>::new(),
            "{accepted}"
        );
    }
}

/// A scope reference is looked up by namespace and name apart (adversary case07): a
/// joined `namespace/name` made `{namespace: c, name: a/b}` find the Scope
/// `{namespace: c/a, name: b}`, and the reverse, where Mission Control finds nothing. A
/// Scope's namespace and name must follow Kubernetes' name rules (no `/`).
#[test]
fn scope_references_never_collide_on_a_joined_key() {
    let case = |scope_ns: &str, scope_name: &str, ref_ns: &str, ref_name: &str| {
        problems(&format!(
            "apiVersion: mission-control.flanksource.com/v1\nkind: Scope\nmetadata: {{name: '{scope_name}', namespace: '{scope_ns}'}}\nspec:\n  targets: [{{config: {{name: '*'}}}}]\n---\n{}",
            permission(&format!("    scopes: [{{namespace: '{ref_ns}', name: '{ref_name}'}}]"))
        ))
    };
    let a = case("c/a", "b", "c", "a/b");
    assert!(
        a.iter()
            .any(|p| p.contains("`metadata.namespace` is not a valid namespace"))
            && a.iter().any(|p| p.contains("unknown scope `c/a/b`")),
        "{a:#?}"
    );
    let b = case("c", "a/b", "c/a", "b");
    assert!(
        b.iter()
            .any(|p| p.contains("`metadata.name` is not a valid Kubernetes object name"))
            && b.iter().any(|p| p.contains("unknown scope `c/a/b`")),
        "{b:#?}"
    );
    assert_eq!(case("c", "a.b", "c", "a.b"), Vec::<String>::new());
}
