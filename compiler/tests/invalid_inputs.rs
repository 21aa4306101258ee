//! One file per kind of mistake under `fixtures/invalid/`, each with its expected
//! diagnostic as a snapshot: the message, the file, line and column, the field path, and
//! the source line with the bytes underlined.

use std::path::{Path, PathBuf};

use rampart_compiler::compile::validate;

fn diagnostics_for(name: &str) -> String {
    let path = PathBuf::from(format!("../fixtures/invalid/{name}.yaml"));
    let catalog = PathBuf::from("../fixtures/catalog.yaml");
    rendered(name, &[PathBuf::from("../fixtures/policy"), path], &catalog)
}

/// Every diagnostic of validating `paths` against `catalog`, rendered.
fn rendered(name: &str, paths: &[PathBuf], catalog: &Path) -> String {
    match validate(paths, Some(catalog), &|_| {}) {
        Ok(_) => format!("{name}: unexpectedly valid"),
        Err(diagnostics) => diagnostics
            .iter()
            .map(|d| d.render())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Fails with every diagnostic when the run was refused.
fn assert_valid<T>(result: Result<T, Vec<rampart_compiler::diagnostic::Diagnostic>>) {
    let shown: Vec<String> = result
        .err()
        .iter()
        .flatten()
        .map(|x| x.to_string())
        .collect();
    assert!(shown.is_empty(), "{shown:#?}");
}

macro_rules! invalid {
    ($($test:ident => $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                insta::assert_snapshot!($file, diagnostics_for($file));
            }
        )*
    };
}

invalid! {
    unknown_field => "unknown-field",
    deny_yes => "deny-yes",
    duplicate_key => "duplicate-key",
    bad_selector => "bad-selector",
    bad_action => "bad-action",
    bad_reference => "bad-reference",
    two_subjects => "two-subjects",
    no_subject => "no-subject",
    empty_object => "empty-object",
    empty_selector => "empty-selector",
    unknown_subject => "unknown-subject",
    unknown_connection => "unknown-connection",
    literal_secret => "literal-secret",
    yaml_bomb => "yaml-bomb",
    deny_matches_nothing => "deny-matches-nothing",
    unknown_action => "unknown-action",
    blank_selector => "blank-selector",
    deny_scope_matches_nothing => "deny-scope-matches-nothing",
    actions_not_a_list => "actions-not-a-list",
    null_in_test => "null-in-test",
    star_alone => "star-alone",
    scope_did_not_parse => "scope-did-not-parse",
    scope_targets_null => "scope-targets-null",
    field_typo => "field-typo",
    field_by_what_it_selects => "field-by-what-it-selects",
}

/// The diagnostics of a mistaken catalog (`fixtures/invalid/catalog/NAME`) under the
/// fixture policies.
fn catalog_diagnostics_for(name: &str) -> String {
    let catalog = PathBuf::from(format!("../fixtures/invalid/catalog/{name}"));
    rendered(name, &[PathBuf::from("../fixtures/policy")], &catalog)
}

macro_rules! invalid_catalog {
    ($($test:ident => $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                insta::assert_snapshot!(concat!("catalog-", $file), catalog_diagnostics_for($file));
            }
        )*
    };
}

// Every structural problem of a catalog in one run, at its entry, in block and flow style
// and in JSON, each saying what to write instead (issue 26, items 2 and 11).
invalid_catalog! {
    catalog_in_flow_style => "flow-style.yaml",
    catalog_in_block_style => "block-style.yaml",
    catalog_in_json => "shapes.json",
}

// Mission Control has no tags on components (issue 23): a catalog that gives a component
// tags is refused at the entry, in YAML and in JSON.
invalid_catalog! {
    component_tags_in_yaml => "component-tags.yaml",
    component_tags_in_json => "component-tags.json",
}

#[test]
fn every_problem_of_a_run_is_reported() {
    let paths: Vec<PathBuf> = [
        "bad-action",
        "bad-selector",
        "unknown-subject",
        "empty-object",
    ]
    .iter()
    .map(|n| PathBuf::from(format!("../fixtures/invalid/{n}.yaml")))
    .collect();
    let result = validate(
        &paths,
        Some(&PathBuf::from("../fixtures/catalog.yaml")),
        &|_| {},
    );
    assert_eq!(result.err().map(|d| d.len()), Some(4));
}

#[test]
fn the_fixtures_are_valid() {
    let result = validate(
        &[PathBuf::from("../fixtures/policy")],
        Some(&PathBuf::from("../fixtures/catalog.yaml")),
        &|_| {},
    );
    assert_valid(result);
}

/// A deny written for objects the catalog does not hold yet is accepted when it says so:
/// on its document (the annotation), or for the whole run (`--allow-empty-selectors`).
#[test]
fn a_deny_meant_to_match_nothing_yet_says_so() {
    use rampart_compiler::compile::{validate_with, Options};
    let catalog = PathBuf::from("../fixtures/catalog.yaml");
    let typo = PathBuf::from("../fixtures/invalid/deny-matches-nothing.yaml");
    let allowed = Options {
        allow_empty_selectors: true,
    };
    assert!(validate_with(
        std::slice::from_ref(&typo),
        Some(&catalog),
        allowed,
        &|_| {}
    )
    .is_ok());
    let dir = tempfile::tempdir().expect("dir");
    let annotated = dir.path().join("future.yaml");
    let text = std::fs::read_to_string(&typo).expect("read").replace(
        "  name: deny-mission-control-deletes\n",
        "  name: deny-mission-control-deletes\n  annotations: {rampart.flanksource.com/allow-empty-selectors: \"true\"}\n",
    );
    std::fs::write(&annotated, text).expect("write");
    let result = validate(std::slice::from_ref(&annotated), Some(&catalog), &|_| {});
    assert!(result.is_ok(), "{:?}", result.err());
    // An allow that matches nothing is no error (lint warns).
    let allow = dir.path().join("allow.yaml");
    std::fs::write(
        &allow,
        std::fs::read_to_string(&typo)
            .expect("read")
            .replace("deny: true", "deny: false"),
    )
    .expect("write");
    assert!(validate(&[allow], Some(&catalog), &|_| {}).is_ok());
}

/// `name: "*"` in a deny protects every object of the category, present and future: it
/// is never "protects nothing", even over a catalog without one such object.
#[test]
fn a_wildcard_deny_over_a_catalog_without_the_category_is_valid() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let catalog = dir.path().join("catalog.yaml");
    std::fs::write(
        &catalog,
        "people:\n  - {id: p1, name: Ann, email: ann@example.com}\n",
    )
    .expect("write");
    let policy = dir.path().join("deny.yaml");
    std::fs::write(
        &policy,
        "apiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {name: no-config-deletes, namespace: default}\nspec:\n  subject: {person: ann@example.com}\n  actions: [delete]\n  deny: true\n  object:\n    configs: [{name: \"*\"}]\n",
    )
    .expect("write");
    let result = validate(&[policy], Some(&catalog), &|_| {});
    assert_valid(result);
}

#[test]
fn a_catalog_with_a_problem_in_every_entry_shows_a_hundred_and_counts_the_rest() {
    use rampart_compiler::catalog::Catalog;
    for (name, text) in [
        (
            "many.yaml",
            format!(
                "configs:\n{}",
                "  - {id: c, tags: [env=prod]}\n".repeat(1000)
            ),
        ),
        (
            "many.json",
            format!(
                "{{\"configs\": [{}]}}",
                vec![r#"{"id": "c", "tags": ["env=prod"]}"#; 1000].join(", ")
            ),
        ),
    ] {
        let problems = Catalog::from_text(std::path::Path::new(name), text)
            .err()
            .unwrap_or_else(|| panic!("{name}: unexpectedly valid"));
        assert_eq!(problems.len(), 101, "{name}");
        assert_eq!(
            problems.last().map(|d| d.message.as_str()),
            Some("900 more problems of the catalog's shape are not shown"),
            "{name}"
        );
    }
}

/// Issue 20 (round 6), F3: a UTF-8 byte order mark is refused wherever it is in a policy
/// file or a catalog, not only as the file's first bytes: after a leading `---` or a
/// comment line, at a later document's start, and inside a value (plain or quoted, where
/// it would make a name differ invisibly). Before, only the file's first bytes were
/// checked and every other place was read silently.
#[test]
fn a_byte_order_mark_is_refused_wherever_it_is_in_a_policy_or_a_catalog() {
    let bom = "\u{feff}";
    let policy = std::fs::read_to_string("../fixtures/policy/allow-user-playbook-run.yaml")
        .expect("a fixture policy");
    let catalog_text = std::fs::read_to_string("../fixtures/catalog.yaml").expect("catalog");
    let dir = tempfile::tempdir().expect("temporary directory");
    let good_catalog = PathBuf::from("../fixtures/catalog.yaml");
    let second = policy.replacen("name: ", "name: again-", 1);
    let cases = [
        ("after a leading `---`", format!("---\n{bom}{policy}")),
        (
            "after a comment line",
            format!("# a comment\n{bom}{policy}"),
        ),
        (
            "at a later document's start",
            format!("{policy}\n---\n{bom}{second}"),
        ),
        (
            "at a later document's start on the `---` line",
            format!("{policy}\n--- {bom}\n{second}"),
        ),
        (
            "inside a plain value",
            policy.replacen("name: ", &format!("name: x{bom}"), 1),
        ),
        (
            "inside a quoted value",
            policy.replacen("name: ", &format!("name: \"x{bom}\" #"), 1),
        ),
    ];
    for (place, text) in cases {
        let path = dir.path().join("policy.yaml");
        std::fs::write(&path, &text).expect("write");
        let shown = rendered(place, &[path], &good_catalog);
        assert!(
            shown.contains("byte order mark"),
            "a BOM {place} was not refused by name:\n{shown}"
        );
    }
    for (place, text) in [
        ("after a leading `---`", format!("---\n{bom}{catalog_text}")),
        (
            "after a comment line",
            format!("# a comment\n{bom}{catalog_text}"),
        ),
        (
            "inside a value",
            catalog_text.replacen("name: ", &format!("name: {bom}"), 1),
        ),
    ] {
        let catalog = dir.path().join("catalog.yaml");
        std::fs::write(&catalog, &text).expect("write");
        let shown = rendered(place, &[PathBuf::from("../fixtures/policy")], &catalog);
        assert!(
            shown.contains("byte order mark"),
            "a BOM {place} of a catalog was not refused by name:\n{shown}"
        );
    }
}
