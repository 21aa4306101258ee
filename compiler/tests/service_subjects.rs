//! What `everyone` and the built-in roles cover for notifications and playbooks acting as
//! services: a deny on `everyone` (or on a group of `people: ["*"]`) reaches them, an allow
//! does not; a deny on a role, a team or a person cannot reach them, and `lint` says so
//! when a service holds an allow the deny would have stopped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::PathBuf;

use rampart_compiler::compile::validate as validate_documents;
use rampart_compiler::expand::expand;
use rampart_compiler::lint::lint;
use support::{check, compile_paths};

const CATALOG: &str = "../fixtures/catalog.yaml";

/// The services may run any playbook on any config.
const SERVICES_RUN_PLAYBOOKS: &str = "apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: crashloop-restarts}
spec:
  subject: {notification: mc/check-alerts}
  actions: [playbook:run]
  object:
    playbooks: [{name: '*'}]
    configs: [{name: '*'}]
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: loki-restarts}
spec:
  subject: {playbook: mc/loki-logs}
  actions: [playbook:run]
  object:
    playbooks: [{name: '*'}]
    configs: [{name: '*'}]
---
";

/// A deny of `playbook:run` on configs in `mission-control` for `subject`.
fn deny_for(subject: &str) -> String {
    format!(
        "apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {{name: no-restarts-in-mission-control}}
spec:
  subject: {subject}
  actions: [playbook:run]
  deny: true
  object:
    configs: [{{namespace: mission-control}}]
---
"
    )
}

const EVERY_PERSON: &str = "apiVersion: mission-control.flanksource.com/v1
kind: PermissionGroup
metadata: {name: every-person}
spec:
  people: ['*']
---
";

fn write(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("policy.yaml");
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

#[test]
fn a_deny_on_everyone_reaches_notifications_and_playbooks() {
    for (subject, extra) in [
        ("{group: everyone}", ""),
        ("{group: every-person}", EVERY_PERSON),
    ] {
        let dir = tempfile::tempdir().expect("temporary directory");
        let policy = write(
            &dir,
            &format!("{SERVICES_RUN_PLAYBOOKS}{}{extra}", deny_for(subject)),
        );
        let tables = compile_paths(&[&policy], CATALOG);
        for service in ["notification:mc/check-alerts", "playbook:mc/loki-logs"] {
            check(
                &tables,
                &format!("{service} playbook:run playbook=mc/echo-config config=c-mc-pod => deny"),
            );
            check(
                &tables,
                &format!(
                    "{service} playbook:run playbook=mc/echo-config config=c-default-pod => allow"
                ),
            );
        }
        // The built-in deny of `everyone` reaches them too.
        check(
            &tables,
            "notification:mc/check-alerts read global=database.kratos => deny",
        );
    }
}

#[test]
fn an_allow_on_everyone_reaches_people_only() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let allow = "apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: everyone-reads}
spec:
  subject: {group: everyone}
  actions: [read]
  object:
    configs: [{name: '*'}]
---
";
    let policy = write(&dir, allow);
    let tables = compile_paths(&[&policy], CATALOG);
    check(&tables, "john@doe.com read config=c-mc-pod => allow");
    check(
        &tables,
        "notification:mc/check-alerts read config=c-mc-pod => deny",
    );
    check(
        &tables,
        "playbook:mc/loki-logs read config=c-mc-pod => deny",
    );
}

/// Lint findings for one policy file against the fixture catalog.
fn findings(text: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let policy = PathBuf::from(write(&dir, text));
    let c = validate_documents(&[policy], Some(&PathBuf::from(CATALOG)), &|_| {})
        .unwrap_or_else(|d| panic!("{d:?}"));
    let expanded = expand(&c.world, &c.model);
    lint(&c.world, &c.documents, &c.model, &expanded)
        .into_iter()
        .map(|f| f.to_string())
        .collect()
}

#[test]
fn a_deny_that_cannot_reach_an_allowed_service_is_a_lint_warning() {
    let ops = "apiVersion: mission-control.flanksource.com/v1
kind: PermissionGroup
metadata: {name: ops}
spec:
  people: [john@doe.com]
---
";
    for (subject, extra) in [
        ("{group: editor}", ""),
        ("{team: sre-team}", ""),
        ("{group: ops}", ops),
    ] {
        let found = findings(&format!(
            "{SERVICES_RUN_PLAYBOOKS}{}{extra}",
            deny_for(subject)
        ));
        let joined = found.join("\n");
        assert_eq!(found.len(), 1, "{subject}: {joined}");
        assert!(
            joined.contains("deny `default/no-restarts-in-mission-control` does not reach `notification:mc/check-alerts`, `playbook:mc/loki-logs`"),
            "{subject}: {joined}"
        );
        assert!(joined.contains("`playbook:run`"), "{subject}: {joined}");
    }
    // On `everyone` or a group of every person it reaches them, and nobody reads a deny on
    // one person as covering the automation: nothing to say.
    for (subject, extra) in [
        ("{group: everyone}", ""),
        ("{group: every-person}", EVERY_PERSON),
        ("{person: john@doe.com}", ""),
    ] {
        // (The global-object lint may still speak: the services' grants include `catalog`.)
        let found: Vec<String> = findings(&format!(
            "{SERVICES_RUN_PLAYBOOKS}{}{extra}",
            deny_for(subject)
        ))
        .into_iter()
        .filter(|f| f.contains("does not reach"))
        .collect();
        assert_eq!(found, Vec::<String>::new(), "{subject}");
    }
}

/// Issue 22 (adversary finding): a wildcard member (`name: '*'`) with a namespace in a
/// group's `playbooks` or `notifications` is an error naming the field, never a guess.
#[test]
fn a_wildcard_group_member_with_a_namespace_is_an_error() {
    for list in ["playbooks", "notifications"] {
        let dir = tempfile::tempdir().expect("temporary directory");
        let policy = PathBuf::from(write(
            &dir,
            &format!(
                "apiVersion: mission-control.flanksource.com/v1
kind: PermissionGroup
metadata: {{name: mc-services}}
spec:
  {list}: [{{name: '*', namespace: mc}}]
"
            ),
        ));
        let problems = match validate_documents(&[policy], Some(&PathBuf::from(CATALOG)), &|_| {}) {
            Ok(_) => panic!("a wildcard {list} member with a namespace compiled"),
            Err(d) => d,
        };
        let text: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
        let text = text.join("\n");
        assert!(
            text.contains(&format!("spec.{list}[0]")) && text.contains("wildcard"),
            "{text}"
        );
    }
}
