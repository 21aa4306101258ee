//! `rampart test` as a CI job runs it: the fixture suite passes with full coverage; a
//! wrong expectation, a typo'd subject, a wrong decider and a wrong subject set each fail
//! with the request, what was expected, what came and why; JSON and JUnit carry the same
//! verdicts; `--min-coverage` fails a run that leaves permissions untested; a malformed
//! suite, or one naming a connection no document defines, is an input error, not a pass.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use support::{assert_refused, run, stderr, stdout};

const CATALOG: &str = "../fixtures/catalog.yaml";

/// Runs `rampart test` on the fixture policies and one suite, with extra arguments.
fn run_suite(text: &str, extra: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("suite.yaml");
    std::fs::write(&path, text).expect("write");
    let path = path.display().to_string();
    let args = ["test", "../fixtures/policy", &path, "--catalog", CATALOG];
    run(&[&args[..], extra].concat())
}

const FAILING: &str = "apiVersion: rampart.dev/v1
kind: PermissionTest
metadata: {name: failing, namespace: mc}
spec:
  cases:
    - name: holds
      check: {subject: john@doe.com, action: playbook:run, objects: {playbook: mc/echo-config, config: c-mc-pod}, expect: allow}
    - name: wrong expectation
      check: {subject: john@doe.com, action: playbook:run, objects: {playbook: mc/echo-config, config: c-default-pod}, expect: allow}
    - name: typo subject
      check: {subject: jon@doe.com, action: read, global: catalog, expect: deny}
    - name: wrong decider
      check: {subject: admin@example.com, action: read, objects: {connection: mc/loki-bucket}, expect: allow, decidedBy: mc/allow-playbook-run}
    - name: wrong subjects
      whoCan: {action: read, objects: {connection: mc/loki-bucket}, expect: [admin@example.com]}
    - name: wrong objects
      list: {subject: playbook:mc/loki-logs, action: read, category: connections, expect: [mc/loki-bucket]}
    - name: two assertions
      check: {subject: john@doe.com, action: read, global: catalog, expect: deny}
      list: {subject: john@doe.com, action: read, category: configs, expect: []}
";

#[test]
fn the_fixture_suite_passes_with_every_permission_exercised() {
    let out = run(&[
        "test",
        "../fixtures/policy",
        "../fixtures/tests",
        "--catalog",
        CATALOG,
        "--secrets",
        "../fixtures/secrets",
        "--min-coverage",
        "100",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("22 passed, 0 failed"), "{text}");
    assert!(text.contains("coverage: 100.0% of 4 permissions"), "{text}");
}

#[test]
fn every_failing_case_says_what_was_asked_expected_and_got() {
    let out = run_suite(FAILING, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains("1 passed, 6 failed"), "{text}");
    assert!(
        text.contains(
            "FAIL mc/failing / wrong expectation (") && text.contains(
            "check john@doe.com playbook:run playbook=mc/echo-config config=c-default-pod: expected allow, got deny (no_allow_rule)"
        ),
        "{text}"
    );
    assert!(
        text.contains("- config `c-default-pod` is not selected by `namespace: mission-control`"),
        "the explanation names the failing clause: {text}"
    );
    assert!(
        text.contains("ERROR mc/failing / typo subject")
            && text.contains("unknown subject `jon@doe.com`"),
        "{text}"
    );
    assert!(
        text.contains("expected allow decided by mc/allow-playbook-run, got allow (allowed; decided by role:admin)"),
        "{text}"
    );
    assert!(
        text.contains("also allowed: jane.doe@example.com, playbook:mc/loki-logs"),
        "{text}"
    );
    assert!(
        text.contains("also allowed: default/archive-bucket"),
        "{text}"
    );
    assert!(
        text.contains("a case holds exactly one of check, whoCan, list, resolve"),
        "{text}"
    );
    assert!(!text.contains("FAIL mc/failing / holds"), "{text}");
}

#[test]
fn json_and_junit_carry_the_same_verdicts() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let junit = dir.path().join("junit.xml");
    let out = run_suite(
        FAILING,
        &["--format", "json", "--junit", &junit.display().to_string()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    assert_eq!(report["passed"], 1);
    assert_eq!(report["failed"], 6);
    let statuses: Vec<&str> = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        statuses,
        ["passed", "failed", "error", "failed", "failed", "failed", "error"]
    );
    assert_eq!(report["cases"][1]["got"], "deny (no_allow_rule)");
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(
        xml.contains("<testsuites name=\"rampart\" tests=\"7\" failures=\"6\">"),
        "{xml}"
    );
    assert_eq!(xml.matches("<failure ").count(), 4, "{xml}");
    assert_eq!(xml.matches("<error ").count(), 2, "{xml}");
    assert!(xml.contains("name=\"wrong expectation\""), "{xml}");
}

#[test]
fn a_run_below_the_minimum_coverage_fails_and_names_what_was_missed() {
    let text = "apiVersion: rampart.dev/v1
kind: PermissionTest
metadata: {name: thin}
spec:
  cases:
    - name: john
      check: {subject: john@doe.com, action: playbook:run, objects: {playbook: mc/echo-config, config: c-mc-pod}, expect: allow}
";
    let out = run_suite(text, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = run_suite(text, &["--min-coverage", "50"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("1 passed, 0 failed"), "{text}");
    assert!(
        text.contains("coverage: 25.0% of 4 permissions decided a case; not exercised: default/allow-check-notification-playbook-run, default/allow-config-notifications-to-run-playbook, mc/allow-playbook-run (below the minimum 50%)"),
        "{text}"
    );
}

#[test]
fn a_malformed_suite_or_none_at_all_is_an_input_error() {
    let text = "apiVersion: rampart.dev/v1
kind: PermissionTest
metadata: {name: typo}
spec:
  cases:
    - name: typo
      check: {subject: john@doe.com, action: read, global: catalog, expect: alow}
";
    let out = run_suite(text, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("unknown variant `alow`"), "{err}");
    assert!(err.contains("suite.yaml:7:"), "{err}");

    let out = run(&["test", "../fixtures/policy", "--catalog", CATALOG]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("no `kind: PermissionTest` document"));

    // A case about a connection no document defines is a mistake in the suite.
    let text = "apiVersion: rampart.dev/v1
kind: PermissionTest
metadata: {name: ghost}
spec:
  cases:
    - name: ghost
      resolve: {subject: john@doe.com, reference: connection://default/paymnets-database, expect: deny}
";
    let out = run_suite(text, &[]);
    assert_refused(&out, "unknown connection `default/paymnets-database`");
}

#[test]
fn resolve_cases_follow_read_on_the_connection() {
    let text = "apiVersion: rampart.dev/v1
kind: PermissionTest
metadata: {name: resolve}
spec:
  cases:
    - name: admin resolves
      resolve: {subject: admin@example.com, reference: connection://default/payments-database, expect: allow}
    - name: wrongly expected
      resolve: {subject: john@doe.com, reference: connection://default/payments-database, expect: allow}
    - name: unknown subject
      resolve: {subject: jon@doe.com, reference: connection://default/payments-database, expect: deny}
";
    let out = run_suite(text, &["--secrets", "../fixtures/secrets"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("1 passed, 2 failed"), "{text}");
    assert!(
        text.contains(
            "resolve john@doe.com connection://default/payments-database: expected allow, got deny"
        ),
        "{text}"
    );
    assert!(
        text.contains("ERROR default/resolve / unknown subject"),
        "{text}"
    );
    assert!(
        !text.contains("hunter2") && !text.contains("POSTGRES_PASSWORD"),
        "{text}"
    );
}

#[test]
fn a_resolve_case_about_no_connection_is_an_error_in_every_reference_form() {
    // None of the first three names a connection; the bare id used to pass `expect: deny`
    // because the runtime refuses an unknown connection as it refuses an unauthorized
    // reader (so as not to tell a caller which connections exist).
    let text = "apiVersion: rampart.dev/v1
kind: PermissionTest
metadata: {name: ghosts}
spec:
  cases:
    - name: bare id
      resolve: {subject: john@doe.com, reference: 3fa85f64-5717-4562-b3fc-2c963f66afa6, expect: deny}
    - name: two-part in the case's namespace
      resolve: {subject: john@doe.com, reference: 'connection://payments-database', namespace: mc, expect: deny}
    - name: malformed
      resolve: {subject: john@doe.com, reference: 'connection:/payments-database', expect: deny}
    - name: a known connection
      resolve: {subject: john@doe.com, reference: 'connection://mc/loki-bucket', expect: deny}
";
    let out = run_suite(text, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("1 passed, 3 failed"), "{text}");
    for case in ["bare id", "two-part in the case's namespace", "malformed"] {
        assert!(
            text.contains(&format!("ERROR default/ghosts / {case}")),
            "{case}\n{text}"
        );
    }
    assert!(
        text.contains("unknown connection `3fa85f64-5717-4562-b3fc-2c963f66afa6`"),
        "{text}"
    );
}

/// Issue 20 (round 4), item 3: john may run playbooks only together with a
/// mission-control config (a two-object grant). A `whoCan` case about the playbook alone
/// that leaves him out fails, saying he is allowed only together with such a config
/// (it passed), and one expecting him passes; a `list` of john's playbooks without
/// `with:` is an error saying to add it (`expect: []` passed).
#[test]
fn who_can_and_list_cases_count_subjects_allowed_only_together_with_a_second_object() {
    let everyone_else = "admin@example.com, notification:mc/check-alerts, notification:mc/homelab-config-health-alerts";
    let text = format!(
        "apiVersion: rampart.dev/v1
kind: PermissionTest
metadata: {{name: together, namespace: mc}}
spec:
  cases:
    - name: forgets john
      whoCan: {{action: playbook:run, objects: {{playbook: mc/echo-config}}, expect: [{everyone_else}]}}
    - name: counts john
      whoCan: {{action: playbook:run, objects: {{playbook: mc/echo-config}}, expect: [john@doe.com, {everyone_else}]}}
    - name: john runs no playbook
      list: {{subject: john@doe.com, action: playbook:run, category: playbooks, expect: []}}
"
    );
    let out = run_suite(&text, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains("1 passed, 2 failed"), "{text}");
    assert!(
        text.contains("FAIL mc/together / forgets john")
            && text.contains("also allowed: john@doe.com (only together with a config matching: namespace: mission-control)"),
        "{text}"
    );
    assert!(!text.contains("mc/together / counts john"), "{text}");
    assert!(
        text.contains("ERROR mc/together / john runs no playbook")
            && text.contains("`john@doe.com` is granted `playbook:run` on playbooks together with a config (a two-object grant)")
            && text.contains("add `with: {config: ...}`"),
        "{text}"
    );
}

/// Two connections named `db`, in `default` and `evil`; mallory reads `evil`'s only.
const TWO_DBS: &str = "apiVersion: mission-control.flanksource.com/v1
kind: Connection
metadata: {name: db, namespace: default}
spec:
  postgres:
    host: {value: prod.example.com}
---
apiVersion: mission-control.flanksource.com/v1
kind: Connection
metadata: {name: db, namespace: evil}
spec:
  postgres:
    host: {value: evil-db.example.com}
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: mallory-reads-evil, namespace: evil}
spec:
  subject: {person: mallory@x.com}
  actions: [read]
  object: {connections: [{namespace: evil}]}
";

/// Runs `rampart test` on [`TWO_DBS`] and `suite`.
fn run_two_dbs(suite: &str) -> std::process::Output {
    let dir = tempfile::tempdir().expect("temporary directory");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    };
    let policy = write("policy.yaml", TWO_DBS);
    let suite = write("suite.yaml", suite);
    let catalog = write(
        "catalog.yaml",
        "people: [{id: p-mallory, name: Mallory, email: mallory@x.com}]\n",
    );
    run(&["test", &policy, &suite, "--catalog", &catalog])
}

/// Issue 20 (round 4), item 4: a `resolve` case's reference without a namespace is in
/// the suite's namespace (`connection://db` in suite `evil` was decided on `default/db`),
/// a key in another case names the connection `resolve` finds (`connection://evil/DB`
/// was an unknown connection), and a legacy `type/name` matching two connections is
/// ambiguous, not unknown.
#[test]
fn resolve_cases_read_references_in_the_suites_namespace_as_resolve_does() {
    let out = run_two_dbs(
        "apiVersion: rampart.dev/v1
kind: PermissionTest
metadata: {name: r, namespace: evil}
spec:
  cases:
    - name: the suite's db
      resolve: {subject: mallory@x.com, reference: 'connection://db', expect: allow}
    - name: in another case
      resolve: {subject: mallory@x.com, reference: 'connection://evil/DB', expect: allow}
    - name: the default db
      resolve: {subject: mallory@x.com, reference: 'connection://default/db', expect: deny}
    - name: the case's namespace
      resolve: {subject: mallory@x.com, reference: 'connection://db', namespace: default, expect: deny}
",
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("4 passed, 0 failed"), "{text}");
    let out = run_two_dbs(
        "apiVersion: rampart.dev/v1
kind: PermissionTest
metadata: {name: r, namespace: evil}
spec:
  cases:
    - name: legacy
      resolve: {subject: mallory@x.com, reference: 'connection://postgres/db', expect: deny}
",
    );
    assert_refused(
        &out,
        "which is ambiguous: the legacy `connection://<type>/<name>` form names `default/db`, `evil/db`",
    );
}
