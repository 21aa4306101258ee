//! `rampart catalog pull` and `rampart catalog grants` end to end, against a real
//! PostgreSQL server holding the project's emulation of Mission Control's tables.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod support;

#[path = "../../mission-control/tests/support/mod.rs"]
mod mc;

use support::{assert_refused, run, stderr, stdout};

const WORLD: &str = r#"
INSERT INTO people (id, name, email) VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'Alice', 'alice@example.com');
INSERT INTO teams (id, name, created_by) VALUES
  ('00000000-0000-0000-0000-0000000001a0', 'sre', '00000000-0000-0000-0000-0000000000a1');
INSERT INTO team_members (team_id, person_id) VALUES
  ('00000000-0000-0000-0000-0000000001a0', '00000000-0000-0000-0000-0000000000a1');
INSERT INTO config_items (id, name, type, config_class, tags, config) VALUES
  ('00000000-0000-0000-0000-0000000005a1', 'api-0', 'Kubernetes::Pod', 'Pod', '{"namespace": "mc"}', '{"token": "hunter2"}');
INSERT INTO connections (id, namespace, name, type, password) VALUES
  ('00000000-0000-0000-0000-0000000007a0', 'mc', 'db', 'postgres', 'hunter2');
"#;

#[test]
fn pull_writes_a_catalog_that_compiles_and_says_what_it_read() {
    let mut schema = mc::McSchema::new("mc_cli_pull");
    schema.sql(WORLD);
    let dir = tempfile::tempdir().expect("dir");
    let catalog = dir.path().join("catalog.json");
    let out = run(&[
        "catalog",
        "pull",
        "--postgres",
        &schema.url(),
        "--schema",
        "mc_cli_pull",
        "-o",
        catalog.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 configs"), "{}", stdout(&out));
    assert!(stdout(&out).contains("1 memberships"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("1 people without an email (the System person)"),
        "{}",
        stdout(&out)
    );
    let text = std::fs::read_to_string(&catalog).expect("catalog");
    assert!(!text.contains("hunter2"));
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "apiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {name: p}\nspec:\n  subject: {team: sre}\n  actions: [read]\n  object: {configs: [{namespace: mc}]}\n",
    )
    .expect("policy");
    let tables = dir.path().join("t.rampart");
    let out = run(&[
        "compile",
        policy.to_str().unwrap(),
        "--catalog",
        catalog.to_str().unwrap(),
        "-o",
        tables.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(&[
        "check",
        "-t",
        tables.to_str().unwrap(),
        "--as",
        "alice@example.com",
        "--action",
        "read",
        "--config",
        "00000000-0000-0000-0000-0000000005a1",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // Without `-o` the catalog goes to standard output and the summary to standard error.
    let out = run(&[
        "catalog",
        "pull",
        "--postgres",
        &schema.url(),
        "--schema",
        "mc_cli_pull",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("catalog JSON");
    assert_eq!(value["configs"][0]["namespace"], "mc");
    let summary: serde_json::Value =
        serde_json::from_str(stderr(&out).trim()).expect("summary JSON");
    assert_eq!(summary["counts"]["configs"], 1);
}

#[test]
fn a_reader_without_bypassrls_is_refused_and_nothing_is_written() {
    let mut schema = mc::McSchema::new("mc_cli_rls");
    schema.sql(WORLD);
    schema.role("mc_cli_rls_reader", "");
    schema.sql("GRANT USAGE ON SCHEMA mc_cli_rls TO mc_cli_rls_reader; GRANT SELECT ON ALL TABLES IN SCHEMA mc_cli_rls TO mc_cli_rls_reader;");
    let dir = tempfile::tempdir().expect("dir");
    let catalog = dir.path().join("catalog.json");
    let url = mc::url_as(&schema.url(), "mc_cli_rls_reader");
    let out = run(&[
        "catalog",
        "pull",
        "--postgres",
        &url,
        "--schema",
        "mc_cli_rls",
        "-o",
        catalog.to_str().unwrap(),
    ]);
    assert_refused(&out, "row-level security hides rows of `config_items`");
    assert!(stderr(&out).contains("= help:"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ALTER ROLE \"mc_cli_rls_reader\" BYPASSRLS;"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("nothing written"));
    assert!(!catalog.exists());
    assert!(
        std::fs::read_dir(dir.path()).expect("dir").next().is_none(),
        "no temporary file is left"
    );
}

#[test]
fn grants_print_the_least_privilege_role() {
    let out = run(&[
        "catalog",
        "grants",
        "--role",
        "rampart_reader",
        "--schema",
        "mc",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sql = stdout(&out);
    assert!(
        sql.contains("CREATE ROLE \"rampart_reader\" LOGIN BYPASSRLS"),
        "{sql}"
    );
    assert!(
        sql.contains("GRANT SELECT (\"id\", \"name\", \"type\", \"config_class\""),
        "{sql}"
    );
    assert!(
        !sql.contains("\"config\"") && !sql.contains("\"password\""),
        "{sql}"
    );
    let out = run(&["catalog", "grants", "--role", "x\ny"]);
    assert_refused(&out, "control character");
}

#[test]
fn a_password_in_the_url_is_never_printed() {
    let out = run(&[
        "catalog",
        "pull",
        "--postgres",
        "postgresql://someone:s3cret-pass@127.0.0.1:1/db",
        "-o",
        "/tmp/never-written.json",
    ]);
    assert_refused(&out, "cannot connect to the database");
    assert!(!stderr(&out).contains("s3cret-pass"), "{}", stderr(&out));
    let out = run(&[
        "catalog",
        "pull",
        "--postgres",
        "postgresql://someone:s3cret-pass@host:notaport/db",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("s3cret-pass"), "{}", stderr(&out));
}

#[test]
fn compile_reads_the_catalog_and_the_permission_rows_from_the_database() {
    let mut schema = mc::McSchema::new("mc_cli_compile");
    schema.sql(WORLD);
    schema.sql(
        "INSERT INTO permissions (id, source, subject_type, subject, action, object, until) VALUES \
           ('00000000-0000-0000-0000-0000000008a1', 'UI', 'team', '00000000-0000-0000-0000-0000000001a0', 'read', 'catalog', now() + interval '2 days'), \
           ('00000000-0000-0000-0000-0000000008a2', 'UI', 'person', '00000000-0000-0000-0000-0000000000a1', 'update', 'catalog', now() - interval '2 days');",
    );
    let dir = tempfile::tempdir().expect("dir");
    let tables = dir.path().join("t.rampart");
    let out = run(&[
        "compile",
        "--postgres",
        &schema.url(),
        "--schema",
        "mc_cli_compile",
        "-o",
        tables.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("read from the database:"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("expires at"), "{}", stdout(&out));
    // The expired row is left out with a warning naming it.
    assert!(
        stderr(&out).contains("warning: the permission expired at")
            && stderr(&out).contains("permissions row `00000000-0000-0000-0000-0000000008a2`"),
        "{}",
        stderr(&out)
    );
    for (action, expected) in [("read", 0), ("update", 1)] {
        let out = run(&[
            "check",
            "-t",
            tables.to_str().unwrap(),
            "--as",
            "alice@example.com",
            "--action",
            action,
            "--config",
            "00000000-0000-0000-0000-0000000005a1",
        ]);
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{action}: {}",
            stdout(&out)
        );
    }
    // One source of the catalog: the database or a file.
    let out = run(&[
        "compile",
        "--postgres",
        &schema.url(),
        "--catalog",
        "c.json",
        "-o",
        tables.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
