//! `rampart catalog pull`, `rampart catalog grants`, `rampart compile --postgres` and
//! `rampart serve --postgres` end to end, against a real PostgreSQL server holding the
//! project's emulation of Mission Control's tables; the freshness benchmark's scenarios
//! (`benches/src/freshness.rs`) as a correctness test.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

#[path = "../../mission-control/tests/support/mod.rs"]
mod mc;

#[path = "../../benches/src/freshness.rs"]
#[allow(dead_code)]
mod freshness;

use mc::Permission;
use support::{assert_refused, run, stderr, stdout};

/// Notifications on `table_activity` go to every listener of the database, whatever the
/// schema: a test that counts refreshes holds this for writing, so that no other test of
/// this binary writes an announced row (or starts a listener) while it counts; the others
/// hold it for reading and still run side by side.
static ANNOUNCEMENTS: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Shares the database's announcements with the other tests that do not count refreshes.
fn announcements_shared() -> std::sync::RwLockReadGuard<'static, ()> {
    ANNOUNCEMENTS.read().unwrap_or_else(|e| e.into_inner())
}

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

const ALICE: &str = "00000000-0000-0000-0000-0000000000a1";
const SRE: &str = "00000000-0000-0000-0000-0000000001a0";

/// A fresh schema `name` holding [`WORLD`], then `rows`.
fn world(name: &str, rows: &[&str]) -> mc::McSchema {
    mc::McSchema::with_rows(name, &[&[WORLD], rows].concat())
}

/// `rampart catalog pull` from `url`, schema `schema`, with `extra` arguments.
fn pull(url: &str, schema: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["catalog", "pull", "--postgres", url, "--schema", schema];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn pull_writes_a_catalog_that_compiles_and_says_what_it_read() {
    let _announcements = announcements_shared();
    let schema = world("mc_cli_pull", &[]);
    let dir = tempfile::tempdir().expect("dir");
    let catalog = dir.path().join("catalog.json");
    let out = pull(
        &schema.url(),
        "mc_cli_pull",
        &["-o", catalog.to_str().unwrap()],
    );
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
    let out = pull(&schema.url(), "mc_cli_pull", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("catalog JSON");
    assert_eq!(value["configs"][0]["namespace"], "mc");
    let summary: serde_json::Value =
        serde_json::from_str(stderr(&out).trim()).expect("summary JSON");
    assert_eq!(summary["counts"]["configs"], 1);
}

#[test]
fn a_reader_without_bypassrls_is_refused_and_nothing_is_written() {
    let _announcements = announcements_shared();
    let mut schema = world("mc_cli_rls", &[]);
    schema.role("mc_cli_rls_reader", "");
    schema.sql("GRANT USAGE ON SCHEMA mc_cli_rls TO mc_cli_rls_reader; GRANT SELECT ON ALL TABLES IN SCHEMA mc_cli_rls TO mc_cli_rls_reader;");
    let dir = tempfile::tempdir().expect("dir");
    let catalog = dir.path().join("catalog.json");
    let url = mc::url_as(&schema.url(), "mc_cli_rls_reader");
    let out = pull(&url, "mc_cli_rls", &["-o", catalog.to_str().unwrap()]);
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

/// Issue 22 (adversary finding): a pull meeting casbin rows that assign a custom role or
/// a permission group exits 2 naming them, and writes nothing (it used to skip them).
#[test]
fn a_pull_meeting_custom_role_assignments_exits_2_and_writes_nothing() {
    let _announcements = announcements_shared();
    let schema = world(
        "mc_cli_custom_roles",
        &[&format!(
            "INSERT INTO casbin_rule (ptype, v0, v1) VALUES ('g', '{ALICE}', 'auditors');"
        )],
    );
    let dir = tempfile::tempdir().expect("dir");
    let catalog = dir.path().join("catalog.json");
    let out = pull(
        &schema.url(),
        "mc_cli_custom_roles",
        &["-o", catalog.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("1 casbin rows assign a custom role or a permission group")
            && err.contains("`g, 00000000-0000-0000-0000-0000000000a1, auditors`")
            && err.contains("= help: compile against the database instead"),
        "{err}"
    );
    assert!(err.contains("nothing written"), "{err}");
    assert!(!catalog.exists());
}

#[test]
fn grants_print_the_least_privilege_role() {
    let _announcements = announcements_shared();
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
    let _announcements = announcements_shared();
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
    let _announcements = announcements_shared();
    let schema = world(
        "mc_cli_compile",
        &[&mc::insert(&[
            Permission::ui("00000000-0000-0000-0000-0000000008a1")
                .subject("team", SRE)
                .action("read")
                .object("catalog")
                .until("now() + interval '2 days'"),
            Permission::ui("00000000-0000-0000-0000-0000000008a2")
                .subject("person", ALICE)
                .action("update")
                .object("catalog")
                .until("now() - interval '2 days'"),
        ])],
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

/// `rampart serve --postgres` started on a free port (the harness's [`Sidecar`], whose
/// log collects everything after the line that names the address).
fn serve_from(schema: &mc::McSchema, extra: &[&str]) -> support::sidecar::Sidecar {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "serve",
            "--postgres",
            &schema.url(),
            "--schema",
            &schema.name,
        ])
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start rampart serve");
    let mut lines = std::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut before = String::new();
    let base = loop {
        let line = match lines.next() {
            Some(Ok(line)) => line,
            _ => panic!("rampart serve stopped:\n{before}"),
        };
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split(' ').next().unwrap_or("").to_string();
        }
        before.push_str(&line);
        before.push('\n');
    };
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    support::sidecar::Sidecar { child, base, log }
}

/// Asks until the answer is `expected` (the sidecar refreshes in the background); fails
/// after 20 seconds with the last answer.
fn decides(sidecar: &support::sidecar::Sidecar, config: &str, expected: serde_json::Value) {
    let request = serde_json::json!({
        "subject": {"type": "user", "id": "alice@example.com"},
        "action": {"name": "read"},
        "resource": {"type": "config", "id": config},
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, body, _) = sidecar.post("/access/v1/evaluation", &request);
        let answer = if status == 200 {
            body["decision"].clone()
        } else {
            body["error"]["code"].clone()
        };
        if answer == expected {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{config}: still {answer} ({body}), not {expected}; log:\n{}",
            sidecar.log.lock().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn serve_from_the_database_follows_memberships_permissions_and_new_configs() {
    let _announcements = announcements_shared();
    use serde_json::json;
    let mut schema = world(
        "mc_cli_serve",
        &[&Permission::ui("00000000-0000-0000-0000-0000000008a1")
            .subject("team", SRE)
            .action("read")
            .object("catalog")
            .sql()],
    );
    let sidecar = serve_from(&schema, &["--poll-interval", "0.2", "--max-data-age", "2"]);
    let api = "00000000-0000-0000-0000-0000000005a1";
    decides(&sidecar, api, json!(true));

    // A membership removed (announced on `table_activity`): Alice loses the team's grant.
    schema
        .sql("DELETE FROM team_members WHERE person_id = '00000000-0000-0000-0000-0000000000a1';");
    decides(&sidecar, api, json!(false));

    // A permission made in the UI (announced): Alice reads the `mc` namespace.
    schema.sql(
        &Permission::ui("00000000-0000-0000-0000-0000000008a2")
            .subject("person", ALICE)
            .action("read")
            .selector(r#"{"configs": [{"namespace": "mc"}]}"#)
            .sql(),
    );
    decides(&sidecar, api, json!(true));

    // A new config (not announced: found by the poll), unknown until then.
    let new = "00000000-0000-0000-0000-0000000005a2";
    decides(&sidecar, new, json!("unknown_object"));
    schema.sql(&format!(
        "INSERT INTO config_items (id, name, type, config_class, tags) VALUES \
           ('{new}', 'api-1', 'Kubernetes::Pod', 'Pod', '{{\"namespace\": \"mc\"}}');"
    ));
    decides(&sidecar, new, json!(true));

    let (status, ready) = sidecar.get("/ready");
    assert_eq!(status, 200, "{ready}");
    assert!(ready["source"]["data_age_seconds"].is_number(), "{ready}");
    assert!(sidecar.metrics().contains("rampart_source_refreshes_total"));

    // A refresh that fails keeps the last good tables, and says so; once the data is
    // older than `--max-data-age`, `/ready` fails.
    schema.sql("ALTER TABLE permissions RENAME COLUMN until TO until_renamed; NOTIFY table_activity, 'permissions UPDATE x';");
    sidecar.wait_for_log("refreshing from postgres schema `mc_cli_serve` failed");
    decides(&sidecar, api, json!(true));
    // Issue 20 (round 6), F4: `stale` means one thing for a table file and a source: the
    // last attempt to take in new tables was refused, and the last good tables answer.
    let (status, ready) = sidecar.get("/ready");
    if status == 200 {
        assert_eq!(ready["stale"], json!(true), "{ready}");
        assert_eq!(ready["refused"], json!("source_refresh_failed"), "{ready}");
    }
    let metrics = sidecar.metrics();
    assert!(
        !metrics.contains("rampart_source_refresh_failures_total 0"),
        "{metrics}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, ready) = sidecar.get("/ready");
        if status == 503 {
            assert!(
                ready["source"]["last_error"]
                    .as_str()
                    .is_some_and(|e| e.contains("until")),
                "{ready}"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{ready}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // ... and no decision is answered from tables that old (a client that asks anyway
    // must not be granted what the source may have revoked meanwhile).
    let request = json!({
        "subject": {"type": "user", "id": "alice@example.com"},
        "action": {"name": "read"},
        "resource": {"type": "config", "id": api},
    });
    let (status, body, _) = sidecar.post("/access/v1/evaluation", &request);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("stale_tables")),
        "{body}"
    );
    // Repaired: the next retry succeeds and the sidecar is ready again.
    schema.sql("ALTER TABLE permissions RENAME COLUMN until_renamed TO until;");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, ready) = sidecar.get("/ready");
        if status == 200 && ready["stale"] == json!(false) {
            assert!(ready.get("refused").is_none(), "{ready}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never ready again: {ready}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    decides(&sidecar, api, json!(true));
}

/// Waits until `/ready` reports `expected` refused rows; returns the `/ready` answer.
fn refused_rows(sidecar: &support::sidecar::Sidecar, expected: u64) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, ready) = sidecar.get("/ready");
        if ready["source"]["refused_rows"]["count"].as_u64() == Some(expected) {
            return ready;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never {expected} refused rows: {ready}; log:\n{}",
            sidecar.log.lock().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn serve_leaves_a_bad_allow_row_out_and_keeps_applying_later_changes() {
    let _announcements = announcements_shared();
    use serde_json::json;
    let mut schema = mc::McSchema::new("mc_cli_serve_bad_allow");
    schema.sql(WORLD);
    schema.sql(
        "INSERT INTO permissions (id, source, subject_type, subject, action, object) VALUES \
           ('00000000-0000-0000-0000-0000000008b1', 'UI', 'team', '00000000-0000-0000-0000-0000000001a0', 'read', 'catalog');",
    );
    let sidecar = serve_from(&schema, &["--poll-interval", "0.2"]);
    let api = "00000000-0000-0000-0000-0000000005a1";
    decides(&sidecar, api, json!(true));
    refused_rows(&sidecar, 0);

    // An allow that does not compile is written in the UI (a global object Rampart
    // cannot decide): it is left out, and a later revocation is still applied.
    let bad = "00000000-0000-0000-0000-0000000008b2";
    schema.sql(&format!(
        "INSERT INTO permissions (id, source, subject_type, subject, action, object) VALUES \
           ('{bad}', 'UI', 'person', '00000000-0000-0000-0000-0000000000a1', 'read', 'canaries');"
    ));
    schema
        .sql("DELETE FROM team_members WHERE person_id = '00000000-0000-0000-0000-0000000000a1';");
    decides(&sidecar, api, json!(false));
    let ready = refused_rows(&sidecar, 1);
    let row = &ready["source"]["refused_rows"]["rows"][0];
    assert_eq!(row["table"], json!("permissions"), "{ready}");
    assert_eq!(row["id"], json!(bad), "{ready}");
    assert_eq!(row["outcome"], json!("left_out"), "{ready}");
    assert!(
        row["reason"]
            .as_str()
            .is_some_and(|r| r.contains("canaries")),
        "{ready}"
    );
    assert!(ready["source"]["last_error"].is_null(), "{ready}");
    let metrics = sidecar.metrics();
    assert!(
        metrics.contains("\nrampart_source_refused_rows 1\n"),
        "{metrics}"
    );

    // A start over the same rows is not stopped by the bad allow.
    let second = serve_from(&schema, &["--poll-interval", "0.2"]);
    decides(&second, api, json!(false));
    refused_rows(&second, 1);

    // Fixed: nothing is refused any more.
    schema.sql(&format!("DELETE FROM permissions WHERE id = '{bad}';"));
    refused_rows(&sidecar, 0);
    assert!(sidecar
        .metrics()
        .contains("\nrampart_source_refused_rows 0\n"));
}

#[test]
fn serve_leaves_out_a_scope_row_that_does_not_compile_and_refuses_a_deny_through_it() {
    let _announcements = announcements_shared();
    use serde_json::json;
    let mut schema = mc::McSchema::new("mc_cli_serve_bad_scope");
    schema.sql(WORLD);
    schema.sql(
        "INSERT INTO permissions (id, source, subject_type, subject, action, object) VALUES \
           ('00000000-0000-0000-0000-0000000008d1', 'UI', 'team', '00000000-0000-0000-0000-0000000001a0', 'read', 'catalog');",
    );
    let sidecar = serve_from(&schema, &["--poll-interval", "0.2"]);
    let api = "00000000-0000-0000-0000-0000000005a1";
    decides(&sidecar, api, json!(true));

    // A scope row that does not compile (no targets), referenced by nothing: Mission
    // Control never reads it. It is left out, and a later revocation is still applied.
    let scope = "00000000-0000-0000-0000-0000000009d1";
    schema.sql(&format!(
        "INSERT INTO scopes (id, name, namespace, targets, source) VALUES ('{scope}', 'broken', 'mc', '[]', 'UI');"
    ));
    schema
        .sql("DELETE FROM team_members WHERE person_id = '00000000-0000-0000-0000-0000000000a1';");
    decides(&sidecar, api, json!(false));
    let ready = refused_rows(&sidecar, 1);
    let row = &ready["source"]["refused_rows"]["rows"][0];
    assert_eq!(
        (&row["table"], &row["id"], &row["outcome"]),
        (&json!("scopes"), &json!(scope), &json!("left_out")),
        "{ready}"
    );

    // A deny through that scope cannot be applied as written: the refresh is refused
    // (an allow written beside it is not applied either), never widened.
    let deny = "00000000-0000-0000-0000-0000000008d3";
    schema.sql(&format!(
        "INSERT INTO permissions (id, source, subject_type, subject, action, object_selector, deny) VALUES \
           ('{deny}', 'UI', 'person', '00000000-0000-0000-0000-0000000000a1', 'read', '{{\"scopes\": [{{\"namespace\": \"mc\", \"name\": \"broken\"}}]}}', true); \
         INSERT INTO permissions (id, source, subject_type, subject, action, object) VALUES \
           ('00000000-0000-0000-0000-0000000008d4', 'UI', 'person', '00000000-0000-0000-0000-0000000000a1', 'read', 'catalog');"
    ));
    let ready = refused_rows(&sidecar, 2);
    let rows = ready["source"]["refused_rows"]["rows"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["id"] == json!(deny) && r["outcome"] == json!("refresh_refused")),
        "{ready}"
    );
    decides(&sidecar, api, json!(false));
}

#[test]
fn serve_never_widens_past_a_deny_it_cannot_apply() {
    let _announcements = announcements_shared();
    use serde_json::json;
    let mut schema = mc::McSchema::new("mc_cli_serve_bad_deny");
    schema.sql(WORLD);
    // Alice may read the `mc` namespace, but her team is denied reading the catalog.
    let deny = "00000000-0000-0000-0000-0000000008c2";
    schema.sql(&format!(
        "INSERT INTO permissions (id, source, subject_type, subject, action, object_selector) VALUES \
           ('00000000-0000-0000-0000-0000000008c1', 'UI', 'person', '00000000-0000-0000-0000-0000000000a1', 'read', '{{\"configs\": [{{\"namespace\": \"mc\"}}]}}'); \
         INSERT INTO permissions (id, source, subject_type, subject, action, object, deny) VALUES \
           ('{deny}', 'UI', 'team', '00000000-0000-0000-0000-0000000001a0', 'read', 'catalog', true);"
    ));
    let sidecar = serve_from(&schema, &["--poll-interval", "0.2"]);
    let api = "00000000-0000-0000-0000-0000000005a1";
    decides(&sidecar, api, json!(false));

    // The team is soft-deleted: the deny names nobody live (Mission Control still denies
    // the team's members through its casbin rows). Leaving the deny out would allow
    // Alice: it is refused, and the tables in force (which deny her) keep answering.
    schema.sql(
        "UPDATE teams SET deleted_at = now() WHERE id = '00000000-0000-0000-0000-0000000001a0';",
    );
    let ready = refused_rows(&sidecar, 1);
    let row = &ready["source"]["refused_rows"]["rows"][0];
    assert_eq!(row["table"], json!("permissions"), "{ready}");
    assert_eq!(row["id"], json!(deny), "{ready}");
    assert_eq!(row["outcome"], json!("refresh_refused"), "{ready}");
    assert!(
        ready["source"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains(deny)),
        "{ready}"
    );
    assert!(sidecar
        .metrics()
        .contains("\nrampart_source_refused_rows 1\n"));
    for _ in 0..10 {
        decides(&sidecar, api, json!(false));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    // The deny deleted in Mission Control: the refresh succeeds, Alice reads `mc`.
    schema.sql(&format!(
        "UPDATE permissions SET deleted_at = now() WHERE id = '{deny}';"
    ));
    decides(&sidecar, api, json!(true));
    refused_rows(&sidecar, 0);
}

/// Issue 22: a `permission_groups` row that does not compile no longer refuses every
/// refresh. Only allows using it: it is left out (with them), and later changes are
/// applied. A deny using it: the refresh is refused (the tables in force keep
/// answering), even when casbin rows assign others to a group of that name (a group of
/// only them would lift the deny for the row's members).
#[test]
fn serve_leaves_out_a_group_row_only_allows_use_and_refuses_one_a_deny_uses() {
    let _announcements = announcements_shared();
    use serde_json::json;
    let mut schema = mc::McSchema::new("mc_cli_serve_bad_group");
    schema.sql(WORLD);
    schema.sql(
        "INSERT INTO permissions (id, source, subject_type, subject, action, object) VALUES \
           ('00000000-0000-0000-0000-0000000008e1', 'UI', 'team', '00000000-0000-0000-0000-0000000001a0', 'read', 'catalog');",
    );
    let sidecar = serve_from(&schema, &["--poll-interval", "0.2"]);
    let api = "00000000-0000-0000-0000-0000000005a1";
    decides(&sidecar, api, json!(true));

    // A group row that does not compile, used by an allow only: both left out; a later
    // revocation is applied.
    let group = "00000000-0000-0000-0000-0000000009e1";
    schema.sql(&format!(
        "INSERT INTO permission_groups (id, name, namespace, selectors, source) VALUES \
           ('{group}', 'broken', 'mc', '{{\"people\": [\"alice@example.com\"], \"bogus\": 1}}', 'UI'); \
         INSERT INTO casbin_rule (ptype, v0, v1) VALUES ('g', '00000000-0000-0000-0000-0000000000b0', 'broken'); \
         INSERT INTO permissions (id, source, subject_type, subject, action, object) VALUES \
           ('00000000-0000-0000-0000-0000000008e2', 'UI', 'group', 'broken', 'update', 'catalog');"
    ));
    schema
        .sql("DELETE FROM team_members WHERE person_id = '00000000-0000-0000-0000-0000000000a1';");
    decides(&sidecar, api, json!(false));
    let ready = refused_rows(&sidecar, 2);
    let rows = ready["source"]["refused_rows"]["rows"].as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["table"] == json!("permission_groups")
            && r["id"] == json!(group)
            && r["outcome"] == json!("left_out")),
        "{ready}"
    );
    assert!(
        rows.iter().all(|r| r["outcome"] == json!("left_out")),
        "{ready}"
    );

    // A deny through the group: refused, never applied to Bob alone; Alice's membership
    // restored is not applied either (the tables in force keep answering).
    let deny = "00000000-0000-0000-0000-0000000008e3";
    schema.sql(&format!(
        "INSERT INTO permissions (id, source, subject_type, subject, action, object, deny) VALUES \
           ('{deny}', 'UI', 'group', 'broken', 'read', 'catalog', true); \
         INSERT INTO team_members (team_id, person_id) VALUES \
           ('00000000-0000-0000-0000-0000000001a0', '00000000-0000-0000-0000-0000000000a1');"
    ));
    let ready = refused_rows(&sidecar, 3);
    let rows = ready["source"]["refused_rows"]["rows"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["id"] == json!(deny) && r["outcome"] == json!("refresh_refused")),
        "{ready}"
    );
    for _ in 0..10 {
        decides(&sidecar, api, json!(false));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    // The group row fixed: everything compiles, the deny holds for Alice.
    schema.sql(&format!(
        "UPDATE permission_groups SET selectors = '{{\"people\": [\"alice@example.com\"]}}' WHERE id = '{group}';"
    ));
    refused_rows(&sidecar, 0);
    decides(&sidecar, api, json!(false));

    // A second row of the name, in another namespace, that does not compile (adversary
    // 59 case05): Mission Control merges the two rows into one group (Bob in it too).
    // Leaving out that row alone would keep `broken` with Alice only, and the deny would
    // apply to her alone; every row of the name is withheld, so the deny refuses the
    // refresh.
    schema.sql(
        "INSERT INTO permission_groups (id, name, namespace, selectors, source) VALUES \
           ('00000000-0000-0000-0000-0000000009e2', 'broken', 'other', '{\"people\": [\"bob@example.com\"], \"bogus\": 1}', 'UI');"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, ready) = sidecar.get("/ready");
        let rows = ready["source"]["refused_rows"]["rows"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if rows
            .iter()
            .any(|r| r["id"] == json!(deny) && r["outcome"] == json!("refresh_refused"))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the deny was applied to part of the group: {ready}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// One evaluation of `alice@example.com` reading `object` (`config` or `connection`),
/// asked once: the decision, or the error's code.
fn ask(sidecar: &support::sidecar::Sidecar, category: &str, object: &str) -> serde_json::Value {
    let request = serde_json::json!({
        "subject": {"type": "user", "id": "alice@example.com"},
        "action": {"name": "read"},
        "resource": {"type": category, "id": object},
    });
    let (status, body, _) = sidecar.post("/access/v1/evaluation", &request);
    if status == 200 {
        body["decision"].clone()
    } else {
        body["error"]["code"].clone()
    }
}

#[test]
fn serve_decides_an_object_created_after_the_last_refresh_on_its_first_request() {
    let _announcements = ANNOUNCEMENTS.write().unwrap_or_else(|e| e.into_inner());
    use serde_json::json;
    let alice_reads = |id: &str| Permission::ui(id).subject("person", ALICE).action("read");
    let mut schema = world(
        "mc_cli_resolve",
        &[&mc::insert(&[
            alice_reads("00000000-0000-0000-0000-0000000008b1")
                .selector(r#"{"configs": [{"namespace": "mc"}]}"#),
            alice_reads("00000000-0000-0000-0000-0000000008b2")
                .selector(r#"{"connections": [{"namespace": "mc"}]}"#),
        ])],
    );
    // No poll during the test: only lookups (and announced changes) can show new rows.
    let sidecar = serve_from(&schema, &["--poll-interval", "3600"]);
    // The build at start, and the one the change listener asks for when it connects.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !sidecar
        .metrics()
        .contains("rampart_source_refreshes_total 2\n")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            sidecar.metrics()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let new = "00000000-0000-0000-0000-0000000005a2";
    let elsewhere = "00000000-0000-0000-0000-0000000005a3";
    let deleted = "00000000-0000-0000-0000-0000000005a4";
    let never = "00000000-0000-0000-0000-0000000005ff";
    let connection = "00000000-0000-0000-0000-0000000007a1";
    schema.sql(&format!(
        "INSERT INTO config_items (id, name, type, config_class, tags) VALUES \
           ('{new}', 'api-1', 'Kubernetes::Pod', 'Pod', '{{\"namespace\": \"mc\"}}'), \
           ('{elsewhere}', 'api-2', 'Kubernetes::Pod', 'Pod', '{{\"namespace\": \"other\"}}'); \
         INSERT INTO config_items (id, name, type, config_class, tags, deleted_at) VALUES \
           ('{deleted}', 'api-3', 'Kubernetes::Pod', 'Pod', '{{\"namespace\": \"mc\"}}', now()); \
         INSERT INTO connections (id, namespace, name, type, password) VALUES \
           ('{connection}', 'mc', 'db-2', 'postgres', 'hunter2');"
    ));

    // Each decided on its first request, by the attributes its row has.
    assert_eq!(ask(&sidecar, "config", new), json!(true));
    assert_eq!(ask(&sidecar, "config", elsewhere), json!(false));
    assert_eq!(ask(&sidecar, "connection", connection), json!(true));
    // Soft-deleted or never created: still an unknown object, never a decision.
    assert_eq!(ask(&sidecar, "config", deleted), json!("unknown_object"));
    assert_eq!(ask(&sidecar, "config", never), json!("unknown_object"));
    assert_eq!(ask(&sidecar, "config", "mc/api-1"), json!("unknown_object"));
    // Mission Control's own review endpoint looks up alike.
    let (status, review, _) = sidecar.post(
        "/rbac/subject-access-reviews",
        &json!({"resource": {"config": new}, "action": "read", "subjects": ["alice@example.com"]}),
    );
    assert_eq!(status, 200, "{review}");
    assert_eq!(review["results"][0]["allowed"], json!(true), "{review}");

    let metrics = sidecar.metrics();
    for line in [
        "rampart_source_lookups_total{outcome=\"found\"} 3\n",
        "rampart_source_lookups_total{outcome=\"absent\"} 3\n",
        "rampart_source_lookups_total{outcome=\"failed\"} 0\n",
    ] {
        assert!(
            metrics.contains(line),
            "{line}{metrics}\nlog:\n{}",
            sidecar.log.lock().unwrap()
        );
    }
    // No refresh happened: the answers came from the lookups.
    assert!(
        metrics.contains("rampart_source_refreshes_total 2\n"),
        "{metrics}\nlog:\n{}",
        sidecar.log.lock().unwrap()
    );

    // What was looked up is kept until the next refresh, which then knows the object.
    schema.sql(&format!(
        "UPDATE config_items SET tags = '{{\"namespace\": \"other\"}}' WHERE id = '{new}';"
    ));
    assert_eq!(ask(&sidecar, "config", new), json!(true));
    schema.sql("NOTIFY table_activity, 'teams UPDATE x';");
    decides(&sidecar, new, json!(false));
    // The refreshed tables know the new objects: no lookup is needed for them.
    assert_eq!(ask(&sidecar, "connection", connection), json!(true));
    assert!(sidecar
        .metrics()
        .contains("rampart_source_lookups_total{outcome=\"found\"} 3\n"));
}

#[test]
fn serve_reflects_every_freshness_scenario() {
    let _announcements = announcements_shared();
    let mut schema = world("mc_cli_freshness", &[&freshness::setup()]);
    let sidecar = serve_from(&schema, &["--poll-interval", "0.2"]);
    let mut ask = |request: &serde_json::Value| {
        let (status, body, _) = sidecar.post("/access/v1/evaluation", request);
        freshness::answer_of(status, &body)
    };
    let timeout = std::time::Duration::from_secs(30);
    for round in 0..2 {
        let measured = freshness::run(&mut schema.client, &mut ask, timeout).unwrap_or_else(|e| {
            panic!("round {round}: {e}\nlog:\n{}", sidecar.log.lock().unwrap())
        });
        let names: Vec<&str> = measured.iter().map(|m| m.name).collect();
        let expected: Vec<&str> = freshness::scenarios().iter().map(|s| s.name).collect();
        assert_eq!(names, expected);
        // A new config is decided on its first request (looked up, or already known).
        let inserted = measured
            .iter()
            .find(|m| m.name == "config inserted")
            .expect("config inserted");
        assert_eq!(inserted.requests, 1, "{measured:?}");
        // Back to the start: the next round begins from the baseline again.
        schema.sql(&freshness::reset());
    }
}

/// Issue 20 (round 6), adversary finding F2: a uuid in another spelling (`{…}`,
/// `urn:uuid:…`, 32 hex digits, upper case) names the database's object, in tables from
/// `compile --postgres` (`check --batch`) and in `serve --postgres` (its tables and its
/// lookups of objects created after them). Before, `{uuid}` with `tags: {env: dev}` was
/// an object neither the tables nor the lookup knew, and the request's tags decided:
/// Alice, denied the prod config by its canonical id, was allowed it so.
#[test]
fn every_spelling_of_a_uuid_names_the_databases_object() {
    let _announcements = announcements_shared();
    use serde_json::{json, Value};
    let mut schema = mc::McSchema::new("mc_cli_uuid_spellings");
    schema.sql(WORLD);
    let prod = "00000000-0000-0000-0000-0000000005b1";
    let later = "00000000-0000-0000-0000-0000000005b2";
    schema.sql(&format!(
        "INSERT INTO config_items (id, name, type, config_class, tags) VALUES \
           ('{prod}', 'db-0', 'Kubernetes::Pod', 'Pod', '{{\"namespace\": \"mc\", \"env\": \"prod\"}}'); \
         INSERT INTO permissions (id, source, subject_type, subject, action, object_selector, deny) VALUES \
           ('00000000-0000-0000-0000-0000000008c1', 'UI', 'person', '00000000-0000-0000-0000-0000000000a1', 'read', \
            '{{\"configs\": [{{\"name\": \"*\"}}]}}', false), \
           ('00000000-0000-0000-0000-0000000008c2', 'UI', 'person', '00000000-0000-0000-0000-0000000000a1', 'read', \
            '{{\"configs\": [{{\"tagSelector\": \"env=prod\"}}]}}', true);"
    ));
    let spellings = |id: &str| {
        vec![
            format!("{{{id}}}"),
            format!("urn:uuid:{id}"),
            id.replace('-', "").to_uppercase(),
            format!("{{{}}}", id.to_uppercase()),
        ]
    };
    let dir = tempfile::tempdir().expect("dir");
    let tables = dir.path().join("t.rampart");
    let out = run(&[
        "compile",
        "--postgres",
        &schema.url(),
        "--schema",
        &schema.name,
        "-o",
        tables.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut lines = vec![json!({"subject": "alice@example.com", "action": "read",
        "objects": {"config": prod}})];
    for id in spellings(prod) {
        lines.push(
            json!({"subject": "alice@example.com", "action": "read", "objects": {"config": id}}),
        );
        lines.push(json!({"subject": "alice@example.com", "action": "read",
            "objects": {"config": {"id": id, "tags": {"env": "dev", "namespace": "mc"}}}}));
    }
    let batch = dir.path().join("requests.jsonl");
    std::fs::write(
        &batch,
        lines
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let out = run(&[
        "check",
        "-t",
        tables.to_str().unwrap(),
        "--batch",
        batch.to_str().unwrap(),
    ]);
    let answers: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), lines.len(), "{}", stderr(&out));
    for (line, answer) in lines.iter().zip(&answers) {
        assert_eq!(answer["decision"], json!("deny"), "{line}: {answer}");
    }

    let sidecar = serve_from(&schema, &["--poll-interval", "3600"]);
    // Created after the tables: found by a lookup, by its canonical id.
    schema.sql(&format!(
        "INSERT INTO config_items (id, name, type, config_class, tags) VALUES \
           ('{later}', 'db-1', 'Kubernetes::Pod', 'Pod', '{{\"namespace\": \"mc\", \"env\": \"prod\"}}');"
    ));
    for id in spellings(prod).into_iter().chain(spellings(later)) {
        for properties in [
            json!(null),
            json!({"tags": {"env": "dev", "namespace": "mc"}}),
        ] {
            let mut resource = json!({"type": "config", "id": id});
            if !properties.is_null() {
                resource["properties"] = properties.clone();
            }
            let (status, body, _) = sidecar.post(
                "/access/v1/evaluation",
                &json!({"subject": {"type": "user", "id": "alice@example.com"},
                    "action": {"name": "read"}, "resource": resource}),
            );
            assert_eq!(
                (status, &body["decision"]),
                (200, &json!(false)),
                "{id} {properties}: {body}\nlog:\n{}",
                sidecar.log.lock().unwrap()
            );
        }
    }
    // The canonical dev config stays readable in every spelling.
    for id in spellings("00000000-0000-0000-0000-0000000005a1") {
        assert_eq!(ask(&sidecar, "config", &id), json!(true), "{id}");
    }
}
