//! Names equal up to case are one name or an error, never two principals a rule can tell
//! apart: a PermissionGroup named like a built-in role in any case, two groups or two
//! teams whose names differ only in case, two people whose emails differ only in case.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use rampart_compiler::compile::validate;

const PERMISSION: &str = "apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: deny-ops}
spec:
  subject: {group: GROUP}
  actions: [read]
  deny: true
  object:
    configs: [{namespace: kube-system}]
---
";

fn group(name: &str) -> String {
    format!(
        "apiVersion: mission-control.flanksource.com/v1
kind: PermissionGroup
metadata: {{name: {name}}}
spec:
  people: [john@doe.com]
---
"
    )
}

/// Every diagnostic of checking `documents` against `catalog` (the fixture's when `None`).
fn problems(documents: &str, catalog: Option<&str>) -> String {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("policy.yaml");
    std::fs::write(&path, documents).expect("write");
    let catalog = match catalog {
        Some(text) => {
            let path = dir.path().join("catalog.yaml");
            std::fs::write(&path, text).expect("write");
            path
        }
        None => PathBuf::from("../fixtures/catalog.yaml"),
    };
    match validate(&[path], Some(Path::new(&catalog)), &|_| {}) {
        Ok(_) => "valid".into(),
        Err(diagnostics) => diagnostics
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn a_group_named_like_a_built_in_role_in_any_case_is_an_error() {
    for name in ["admin", "Admin", "ADMIN", "Everyone"] {
        let documents = format!("{}{}", PERMISSION.replace("GROUP", name), group(name));
        let found = problems(&documents, None);
        assert!(
            found.contains(&format!(
                "group `{name}` has the name of the built-in role `{}`",
                name.to_lowercase()
            )),
            "{name}: {found}"
        );
    }
}

#[test]
fn two_groups_whose_names_differ_only_in_case_are_an_error() {
    let documents = format!(
        "{}{}{}",
        PERMISSION.replace("GROUP", "ops"),
        group("ops"),
        group("Ops")
    );
    let found = problems(&documents, None);
    assert!(found.contains("group `Ops` is defined twice"), "{found}");
    assert!(found.contains("names are compared without case"), "{found}");
}

#[test]
fn two_people_whose_emails_differ_only_in_case_are_an_error() {
    let catalog = "people:
  - {id: p-1, email: john@doe.com}
  - {id: p-2, email: John@Doe.com}
teams:
  - {name: sre, members: [john@doe.com]}
  - {name: SRE, members: [John@Doe.com]}
";
    let documents = PERMISSION.replace("{group: GROUP}", "{person: john@doe.com}");
    let found = problems(&documents, Some(catalog));
    assert!(
        found.contains("person `John@Doe.com` is defined twice (first at `people[0].email`)"),
        "{found}"
    );
    assert!(found.contains("team `SRE` is defined twice"), "{found}");
    assert!(found.contains("compared without case"), "{found}");
}

/// Issue 20 (round 6), F2: two catalog ids that spell one uuid (braces, `urn:uuid:`, no
/// hyphens, any case) are one id, as two ids equal up to case are: an error naming both.
#[test]
fn two_catalog_ids_that_are_one_uuid_are_an_error() {
    let uuid = "0190a3c1-7e2f-4b5a-8c9d-0123456789ab";
    let permission = "apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: read-all}
spec:
  subject: {person: john@doe.com}
  actions: [read]
  object:
    configs: [{name: \"*\"}]
";
    for other in [
        format!("{{{uuid}}}"),
        format!("urn:uuid:{uuid}"),
        uuid.replace('-', "").to_uppercase(),
    ] {
        for list in ["configs", "components"] {
            let catalog = format!(
                "people: [{{id: john, email: john@doe.com}}]\n{list}:\n  - {{id: {uuid}, name: a}}\n  - {{id: \"{other}\", name: b}}\n"
            );
            let said = problems(permission, Some(&catalog));
            assert!(
                said.contains(&format!("`{other}` and `{uuid}`")) && said.contains("are one uuid"),
                "{list} {other}: {said}"
            );
        }
        let catalog = format!(
            "people:\n  - {{id: {uuid}, email: john@doe.com}}\n  - {{id: \"{other}\", email: jane@doe.com}}\n"
        );
        let said = problems(permission, Some(&catalog));
        assert!(said.contains("is defined twice"), "people {other}: {said}");
        let catalog = format!(
            "people: [{{id: john, email: john@doe.com}}]\nagents: [{{id: {uuid}, name: a}}, {{id: \"{other}\", name: b}}]\n"
        );
        let said = problems(permission, Some(&catalog));
        assert!(said.contains("are one uuid"), "agents {other}: {said}");
    }
    // Not a uuid: braces are part of the id.
    let catalog = "people: [{id: john, email: john@doe.com}]\nconfigs:\n  - {id: c-dev, name: a}\n  - {id: \"{c-dev}\", name: b}\n";
    assert_eq!(problems(permission, Some(catalog)), "valid");
}
