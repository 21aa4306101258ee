//! The `rampart` binary as a user runs it, mistakes included: exit codes (0 allowed, 1
//! denied or problems found, 2 error), batch JSON lines that line up with their input,
//! typos that must never drop a rule, catalogs that must be coherent, closed pipes and
//! terminal-hostile names.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use std::io::Write;
use std::process::Stdio;

use support::{assert_refused, rampart, run, stderr, stdout};

fn compiled() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = dir.path().join("t.rampart").display().to_string();
    let out = run(&[
        "compile",
        "../fixtures/policy",
        "--catalog",
        "../fixtures/catalog.yaml",
        "-o",
        &tables,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("compiled 9 documents"),
        "{}",
        stdout(&out)
    );
    (dir, tables)
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

const DENY_POD: &str = "apiVersion: mission-control.flanksource.com/v1
kind: Permision
metadata:
  name: deny-pod
spec:
  subject:
    person: john@doe.com
  actions: [read]
  deny: true
  object:
    configs:
      - name: pod
";

#[test]
fn a_kind_typo_is_an_error_naming_the_nearest_kind_not_a_dropped_document() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let doc = write(&dir, "deny.yaml", DENY_POD);
    let out_path = dir.path().join("t.rampart").display().to_string();
    for args in [
        vec!["validate", &doc, "--catalog", "../fixtures/catalog.yaml"],
        vec![
            "compile",
            &doc,
            "--catalog",
            "../fixtures/catalog.yaml",
            "-o",
            &out_path,
        ],
        vec![
            "lint",
            &doc,
            "--catalog",
            "../fixtures/catalog.yaml",
            "--deny-warnings",
        ],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("unknown kind `Permision` in API group `mission-control.flanksource.com`"),
            "{err}"
        );
        assert!(err.contains("did you mean `Permission`?"), "{err}");
        assert!(err.contains("deny.yaml:2:7"), "{err}");
    }
    assert!(!std::path::Path::new(&out_path).exists(), "nothing written");
    let lower = write(
        &dir,
        "lower.yaml",
        &DENY_POD.replace("Permision", "permission"),
    );
    let err = stderr(&run(&[
        "validate",
        &lower,
        "--catalog",
        "../fixtures/catalog.yaml",
    ]));
    assert!(err.contains("did you mean `Permission`?"), "{err}");
    let bare = write(&dir, "bare.yaml", "metadata: {name: x}\nspec: {}\n");
    let err = stderr(&run(&[
        "validate",
        &bare,
        "--catalog",
        "../fixtures/catalog.yaml",
    ]));
    assert!(err.contains("a document needs `apiVersion`"), "{err}");
    let canary = write(
        &dir,
        "canary.yaml",
        "apiVersion: canaries.flanksource.com/v1\nkind: Canary\nmetadata: {name: c}\nspec: {}\n",
    );
    let out = run(&["validate", &canary, "--catalog", "../fixtures/catalog.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("skipped (other API groups): 1 Canary"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_exit_codes_follow_kubectl_auth_can_i_and_errors_are_not_denials() {
    let (_dir, t) = compiled();
    let base = [
        "check",
        "-t",
        t.as_str(),
        "--as",
        "john@doe.com",
        "--action",
        "playbook:run",
        "--playbook",
        "mc/echo-config",
    ];
    let out = run(&[&base[..], &["--config", "c-mc-pod", "--explain"]].concat());
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).starts_with("allowed\nreason: allowed\n"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("default/allow-user-playbook-run"));
    let out = run(&[&base[..], &["--config", "c-default-pod"]].concat());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("denied\nreason: no_allow_rule"),
        "{}",
        stdout(&out)
    );
    for (flags, message) in [
        (
            vec!["--config", "c-mc-pdo"],
            "error: unknown config `c-mc-pdo`",
        ),
        (
            vec!["--config", "c-mc-pod", "--as", "nobody@example.com"],
            "error: unknown subject `nobody@example.com`",
        ),
    ] {
        let mut args: Vec<&str> = base.to_vec();
        if flags.contains(&"--as") {
            args.truncate(3);
            args.extend(["--action", "read"]);
        }
        args.extend(flags);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
        assert!(
            stdout(&out).is_empty(),
            "no decision is printed: {}",
            stdout(&out)
        );
    }
    let out = run(&[
        "check",
        "-t",
        &t,
        "--as",
        "john@doe.com",
        "--action",
        "playbook:runn",
        "--config",
        "c-mc-pod",
    ]);
    assert_refused(&out, "error: unknown action `playbook:runn`");
}

#[test]
fn every_unknown_name_on_the_command_line_names_what_to_write_instead() {
    let (_dir, t) = compiled();
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "-t", t.as_str()];
        args.extend(extra);
        run(&args)
    };
    for (flags, message, help) in [
        (
            vec![
                "--as",
                "john@doe.co",
                "--action",
                "read",
                "--config",
                "c-mc-pod",
            ],
            "error: unknown subject `john@doe.co`",
            "= help: did you mean `john@doe.com`?",
        ),
        (
            vec![
                "--as",
                "john@doe.com",
                "--action",
                "playbok:run",
                "--playbook",
                "mc/echo-config",
            ],
            "error: unknown action `playbok:run`",
            "= help: did you mean `playbook:run`?",
        ),
        (
            vec![
                "--as",
                "john@doe.com",
                "--action",
                "playbook:run",
                "--playbook",
                "echo-config",
            ],
            "error: unknown playbook `echo-config`",
            "= help: did you mean `mc/echo-config`?",
        ),
        (
            vec![
                "--as",
                "john@doe.com",
                "--action",
                "read",
                "--config",
                "mc-api-0",
            ],
            "error: unknown config `mc-api-0`",
            "= help: a config is named by its catalog `id`, not its name",
        ),
        (
            vec![
                "--as",
                "john@doe.com",
                "--action",
                "read",
                "--global",
                "catalgo",
            ],
            "error: unknown global object `catalgo`",
            "= help: did you mean `catalog`?",
        ),
    ] {
        let out = check(&flags);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
        assert!(stderr(&out).contains(help), "{flags:?}: {}", stderr(&out));
    }
    let out = run(&[
        "list",
        "-t",
        &t,
        "--as",
        "jane.doe@exampel.com",
        "--action",
        "read",
        "--category",
        "configs",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `jane.doe@example.com`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_batch_line_with_an_unknown_name_carries_the_did_you_mean() {
    let (dir, t) = compiled();
    let batch = write(
        &dir,
        "typo.jsonl",
        "{\"subject\": \"john@doe.com\", \"action\": \"read\", \"objects\": {\"config\": \"c-mc-pdo\"}}\n",
    );
    let out = run(&["check", "-t", &t, "--batch", &batch]);
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim()).expect("json");
    assert_eq!(line["error"], "unknown config `c-mc-pdo`", "{line}");
    assert_eq!(line["help"], "did you mean `c-mc-pod`?", "{line}");
}

#[test]
fn batch_answers_exactly_one_line_per_input_line() {
    let (_dir, t) = compiled();
    let input = [
        r#"{"subject": "john@doe.com", "action": "playbook:run", "objects": {"playbook": "mc/echo-config", "config": "c-mc-pod"}}"#,
        r#"{"subject": "john@doe.com", "action": "playbook:run", "objects": {"playbook": "mc/echo-config", "config": "c-default-pod"}}"#,
        "",
        "not json",
        r#"{"subject": "john@doe.com", "action": "read", "objects": {"config": "c-mc-pdo"}}"#,
        r#"{"subject": "john@doe.com", "action": "read", "objects": {"config": "c-mc-pod"}, "global": "catalog"}"#,
        r#"{"subject": "john@doe.com", "action": "read", "object": {"config": "c-mc-pod"}}"#,
        r#"{"subject": "admin@example.com", "action": "invoke:kubernetes-logs:tail", "objects": {}}"#,
        r#"{"subject": "admin@example.com", "action": "read", "global": "database.kratos"}"#,
    ]
    .join("\n");
    let mut child = rampart()
        .args(["check", "-t", &t, "--batch", "-", "--explain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(2), "errors make the batch exit 2");
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 9, "{}", stdout(&out));
    assert_eq!(lines[0]["allowed"], true);
    assert_eq!(lines[0]["reason"], "allowed");
    assert_eq!(lines[1]["allowed"], false);
    assert_eq!(lines[1]["reason"], "no_allow_rule");
    for (i, line) in lines.iter().enumerate().skip(2).take(5) {
        assert_eq!(line["line"], i + 1, "{line}");
        assert!(line["error"].is_string(), "{line}");
        assert!(
            line.get("allowed").is_none(),
            "an error line is never a decision: {line}"
        );
    }
    assert!(lines[4]["error"]
        .as_str()
        .unwrap_or_default()
        .contains("unknown config"));
    assert_eq!(
        lines[7]["allowed"], true,
        "a request naming no object is decided: {}",
        lines[7]
    );
    assert_eq!(lines[8]["reason"], "explicit_deny");
    assert_eq!(lines[8]["permissions"][0]["permission"], "role:everyone");
}

#[test]
fn a_batch_of_decided_lines_exits_zero() {
    let (dir, t) = compiled();
    let batch = write(&dir, "ok.jsonl", "{\"subject\": \"john@doe.com\", \"action\": \"read\", \"objects\": {\"config\": \"c-mc-pod\"}}\n");
    let out = run(&["check", "-t", &t, "--batch", &batch]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1);
}

#[test]
fn duplicate_people_and_a_missing_catalog_are_one_clear_error_each() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let catalog = write(
        &dir,
        "catalog.yaml",
        "people:\n  - email: john@doe.com\n    name: John\n  - email: jane@doe.com\n  - email: john@doe.com\n    name: Johnny\nconfigs:\n  - id: c1\n    agent: nowhere\n",
    );
    let out = run(&[
        "validate",
        "../fixtures/policy/allow-user-playbook-run.yaml",
        "--catalog",
        &catalog,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("person `john@doe.com` is defined twice (first at `people[0].email`)"),
        "{err}"
    );
    assert!(err.contains("catalog.yaml:5:12"), "{err}");
    assert!(err.contains("unknown agent `nowhere`"), "{err}");
    let json = write(
        &dir,
        "catalog.json",
        r#"{"people": [{"email": "a@x"}, {"id": "a@x"}]}"#,
    );
    let err = stderr(&run(&[
        "validate",
        "../fixtures/policy/config-notifications.yaml",
        "--catalog",
        &json,
    ]));
    assert!(
        err.contains("person `a@x` is defined twice") && err.contains("catalog.json:1:38"),
        "{err}"
    );
    let out = run(&[
        "validate",
        "../fixtures/policy",
        "--catalog",
        "../fixtures/catalgo.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot read the catalog"), "{err}");
    assert!(
        err.contains("1 problem found"),
        "one error, no cascade: {err}"
    );
}

#[test]
fn who_can_lists_each_subject_once() {
    let (_dir, t) = compiled();
    let out = run(&[
        "who-can", "-t", &t, "--action", "read", "--config", "c-mc-pod",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let names: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    let unique: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(names.len(), unique.len(), "{names:?}");
}

/// Issue 26, item 9: `access` answers the question asked. A subject allowed every object
/// of two categories is not told, per pair and per action, that it may also name one of
/// each; a subject allowed configs only together with a playbook is told so, with the
/// command that lists them.
#[test]
fn access_names_only_the_pairs_the_one_object_lines_do_not_cover() {
    let (_dir, t) = compiled();
    let admin = run(&["access", "-t", &t, "--as", "admin@example.com"]);
    assert_eq!(admin.status.code(), Some(0), "{}", stderr(&admin));
    assert!(
        !stdout(&admin).contains("together with"),
        "{}",
        stdout(&admin)
    );
    let john = run(&["access", "-t", &t, "--as", "john@doe.com"]);
    let expected: String = ["playbook:run", "playbook:approve", "playbook:cancel"]
        .iter()
        .map(|action| {
            format!(
                "{action}:\n  configs together with a playbook: `rampart list -t {t} --as john@doe.com --action {action} --category configs --playbook NS/NAME` lists them\n"
            )
        })
        .collect();
    assert_eq!(stdout(&john), expected);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let (_dir, t) = compiled();
    for args in [
        vec!["schema", "permission"],
        vec![
            "who-can", "-t", &t, "--action", "read", "--config", "c-mc-pod",
        ],
        vec!["access", "-t", &t, "--as", "admin@example.com", "--list"],
        vec!["diff", &t, &t],
    ] {
        let mut child = rampart()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_ne!(out.status.code(), Some(101), "{args:?}");
    }
}

#[test]
fn names_with_control_characters_are_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let catalog = write(
        &dir,
        "catalog.yaml",
        "people:\n  - email: \"evil\\e[2J@x.com\"\nteams:\n  - name: \"ops\\u202e\"\n",
    );
    let out = run(&[
        "validate",
        "../fixtures/policy/config-notifications.yaml",
        "--catalog",
        &catalog,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("control character"), "{err}");
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{202e}'),
        "printed escaped: {err:?}"
    );
}

#[test]
fn unknown_formats_are_refused_and_versions_name_the_table_format() {
    let out = run(&[
        "validate",
        "../fixtures/policy",
        "--catalog",
        "../fixtures/catalog.yaml",
        "--format",
        "yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["--version"]);
    assert!(
        stdout(&out).contains(&format!("table format {}", rampart_runtime::FORMAT_VERSION)),
        "{}",
        stdout(&out)
    );
    let out = run(&[
        "validate",
        "../fixtures/policy",
        "--catalog",
        "../fixtures/catalog.yaml",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(json["valid"], true);
}

#[test]
fn completions_are_generated() {
    let out = run(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("rampart"));
}

#[test]
fn signed_tables_from_keygen_to_verify() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let key = dir.path().join("ci").display().to_string();
    let other = dir.path().join("other").display().to_string();
    assert_eq!(run(&["keygen", "--out", &key]).status.code(), Some(0));
    assert_eq!(run(&["keygen", "--out", &other]).status.code(), Some(0));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(format!("{key}.key"))
            .expect("private key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the private key is not readable by others");
    }
    let signed = dir.path().join("signed.rampart").display().to_string();
    let unsigned = dir.path().join("unsigned.rampart").display().to_string();
    let out = run(&[
        "compile",
        "../fixtures/policy",
        "--catalog",
        "../fixtures/catalog.yaml",
        "-o",
        &signed,
        "--sign",
        &format!("{key}.key"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("(signed)"));
    assert_eq!(
        run(&[
            "compile",
            "../fixtures/policy",
            "--catalog",
            "../fixtures/catalog.yaml",
            "-o",
            &unsigned
        ])
        .status
        .code(),
        Some(0)
    );
    let check = |tables: &str, public: &str| {
        run(&[
            "check",
            "-t",
            tables,
            "--verify",
            public,
            "--as",
            "john@doe.com",
            "--action",
            "playbook:run",
            "--playbook",
            "mc/echo-config",
            "--config",
            "c-mc-pod",
        ])
    };
    assert_eq!(check(&signed, &format!("{key}.pub")).status.code(), Some(0));
    let wrong = check(&signed, &format!("{other}.pub"));
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("signature does not verify"),
        "{}",
        stderr(&wrong)
    );
    let bare = check(&unsigned, &format!("{key}.pub"));
    assert_eq!(bare.status.code(), Some(2));
    assert!(stderr(&bare).contains("not signed"), "{}", stderr(&bare));
    assert_eq!(
        run(&["keygen", "--out", &key]).status.code(),
        Some(2),
        "keygen never overwrites a key"
    );
}

#[test]
fn schema_write_puts_every_kind_where_the_modelines_look() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let out = run(&["schema", "--write", &dir.path().display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for kind in rampart_compiler::schema::KINDS.iter().chain(&["all"]) {
        let path: &std::path::Path = &dir.path().join(format!("{kind}.schema.json"));
        let text = std::fs::read_to_string(path).expect("written");
        let _: serde_json::Value = serde_json::from_str(&text).expect("json");
    }
}

#[test]
fn nothing_compiles_into_tables_that_could_answer_nothing() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = dir.path().join("t.rampart").display().to_string();
    // Without a catalog the tables would hold no principal: every check an error.
    let out = run(&["compile", "../fixtures/policy", "-o", &tables]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("no catalog"), "{err}");
    assert!(err.contains("--catalog"), "{err}");
    assert!(err.contains("nothing written"), "{err}");
    assert!(!std::path::Path::new(&tables).exists());
    // A catalog that names no person, playbook or notification is the same table.
    let empty = write(&dir, "empty.yaml", "configs: [{id: c1, name: x}]\n");
    let out = run(&[
        "compile",
        "../fixtures/policy/connections.yaml",
        "--catalog",
        &empty,
        "-o",
        &tables,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("no person, playbook or notification"),
        "{}",
        stderr(&out)
    );
    assert!(!std::path::Path::new(&tables).exists());
    // Commands that compile or lint refuse too; `validate` checks documents alone.
    let suite = write(
        &dir,
        "suite.yaml",
        "apiVersion: rampart.dev/v1\nkind: PermissionTest\nmetadata: {name: s}\nspec:\n  cases:\n    - name: c\n      check: {subject: john@doe.com, action: read, global: catalog, expect: deny}\n",
    );
    let out = run(&["test", "../fixtures/policy", &suite]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("no catalog"), "{}", stderr(&out));
    assert_refused(
        &run(&["lint", "../fixtures/policy", "--deny-warnings"]),
        "`lint` needs `--catalog FILE`",
    );
    let out = run(&["validate", "../fixtures/policy"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("no catalog"), "{}", stdout(&out));
}

/// `list` is never silent on two-object grants: a category the subject reaches only
/// together with another one is refused with the flag to add (as `filter`), and a list
/// that is partial for that reason says so.
#[test]
fn list_names_the_object_a_two_object_grant_needs_instead_of_an_empty_list() {
    let (_dir, t) = compiled();
    let list = |extra: &[&str]| {
        let mut args = vec![
            "list",
            "-t",
            &t,
            "--as",
            "john@doe.com",
            "--action",
            "playbook:run",
            "--category",
            "configs",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let out = list(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("only together with a playbook") && err.contains("`--playbook NS/NAME`"),
        "{err}"
    );
    let out = list(&["--playbook", "mc/echo-config"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stdout(&out).trim().is_empty(),
        "configs john may run it on"
    );
}

#[test]
fn filter_names_the_object_a_two_object_grant_needs_instead_of_a_silent_false() {
    let (_dir, t) = compiled();
    let filter = |extra: &[&str]| {
        let mut args = vec![
            "filter",
            "-t",
            &t,
            "--as",
            "john@doe.com",
            "--action",
            "playbook:run",
            "--category",
            "configs",
            "--dialect",
            "postgres",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    // john may run any playbook, but only on configs in `mission-control`: the grant
    // names playbooks and configs together, so the configs alone are not a question.
    let out = filter(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("only together with a playbook") && err.contains("`--playbook NS/NAME`"),
        "{err}"
    );
    // With the playbook: the configs john may run it on, as `list --playbook` lists them.
    let out = filter(&["--playbook", "mc/echo-config", "--ids"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let answer: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(
        answer["with"],
        serde_json::json!({"type": "playbook", "id": "mc/echo-config"})
    );
    assert_eq!(answer["form"], "ids", "{answer}");
    let mut ids: Vec<String> = answer["params"][0]
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_str().expect("id").to_string())
        .collect();
    ids.sort();
    let out = run(&[
        "list",
        "-t",
        &t,
        "--as",
        "john@doe.com",
        "--action",
        "playbook:run",
        "--category",
        "configs",
        "--playbook",
        "mc/echo-config",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut listed: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    listed.sort();
    assert!(!listed.is_empty());
    assert_eq!(ids, listed);
    // The predicate form pairs too (not `FALSE`).
    let out = filter(&["--playbook", "mc/echo-config"]);
    let answer: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_ne!(answer["form"], "nothing", "{answer}");
    // A global object, two objects and an object of the listed category are refused.
    for extra in [
        &["--global", "catalog"][..],
        &["--playbook", "mc/echo-config", "--component", "k-api"][..],
        &["--config", "c-mc-pod"][..],
    ] {
        let out = filter(extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stdout(&out));
    }
}

#[test]
fn who_can_on_a_playbook_lists_the_subjects_allowed_only_with_a_config() {
    let (_dir, t) = compiled();
    let args = [
        "who-can",
        "-t",
        &t,
        "--action",
        "playbook:run",
        "--playbook",
        "mc/echo-config",
    ];
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.lines().any(|l| l
            .starts_with("# john@doe.com only together with a config matching: ")
            && l.contains("mission-control")),
        "{text}"
    );
    assert!(!text.lines().any(|l| l == "john@doe.com"), "{text}");
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let out = run(&json_args);
    let answer: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let john = answer["conditional"]
        .as_array()
        .expect("conditional")
        .iter()
        .find(|c| c["subject"] == "john@doe.com")
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(john["with"], "config");
    assert_eq!(john["deny_all"], false);
    assert!(!answer["subjects"]
        .as_array()
        .expect("subjects")
        .contains(&serde_json::json!("john@doe.com")));
}

/// Issue 20 (round 6), "what was seen" 22: a grant requiring only the OTHER category and
/// leaving the playbook open (Ann may run any playbook on dev configs: `object: {configs:
/// [{tagSelector: env=dev}]}`) made `who-can --playbook X` list nobody, not even as
/// conditional, and `filter --category playbooks` print `FALSE` with no note, although
/// Ann may run X with a dev config. She is now listed with the condition, and the filter
/// names the config it needs.
/// Tables compiled from one catalog and one policy file (the directory holds them).
fn compiled_from(catalog: &str, policy: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let catalog = write(&dir, "catalog.yaml", catalog);
    let policy = write(&dir, "policy.yaml", policy);
    let t = dir.path().join("t.rampart").display().to_string();
    let out = run(&["compile", &policy, "--catalog", &catalog, "-o", &t]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (dir, t)
}

#[test]
fn who_can_on_a_playbook_lists_a_subject_whose_grant_requires_only_a_config() {
    let (_dir, t) = compiled_from(
        "people:\n  - {id: u1, name: Ann, email: ann@example.com}\nplaybooks:\n  - {id: pb1, namespace: ops, name: restart}\nconfigs:\n  - {id: c-dev, name: dev-db, namespace: dev, tags: {env: dev}}\n  - {id: c-prod, name: prod-db, namespace: prod, tags: {env: prod}}\n",
        "apiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {name: ann-runs-on-dev, namespace: default}\nspec:\n  subject: {person: ann@example.com}\n  actions: [playbook:run]\n  object:\n    configs: [{tagSelector: env=dev}]\n",
    );
    // What the grant allows: the playbook with a dev config, not the playbook alone.
    for (objects, expected) in [
        (&["--playbook", "ops/restart", "--config", "c-dev"][..], 0),
        (&["--playbook", "ops/restart"][..], 1),
    ] {
        let mut args = vec![
            "check",
            "-t",
            &t,
            "--as",
            "ann@example.com",
            "--action",
            "playbook:run",
        ];
        args.extend_from_slice(objects);
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{objects:?}: {}",
            stdout(&out)
        );
    }
    let out = run(&[
        "who-can",
        "-t",
        &t,
        "--action",
        "playbook:run",
        "--playbook",
        "ops/restart",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l
                == "# ann@example.com only together with a config matching: tagSelector: env=dev"),
        "{text}"
    );
    let out = run(&[
        "filter",
        "-t",
        &t,
        "--as",
        "ann@example.com",
        "--action",
        "playbook:run",
        "--category",
        "playbooks",
        "--dialect",
        "postgres",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("only together with a config"),
        "{}",
        stderr(&out)
    );
    // The configs Ann may run the playbook on: the catalogued one, and what admits the
    // configs not catalogued yet (before, a listing with a second object said nothing
    // of them).
    let out = run(&[
        "list",
        "-t",
        &t,
        "--as",
        "ann@example.com",
        "--action",
        "playbook:run",
        "--category",
        "configs",
        "--playbook",
        "ops/restart",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "c-dev\n# configs not in the catalog are allowed when they match: tagSelector: env=dev\n"
    );
}

#[test]
fn who_can_on_a_playbook_lists_a_subject_whose_grant_names_three_categories() {
    let (_dir, t) = compiled_from(
        "people:\n  - {id: u1, name: Ann, email: ann@example.com}\nplaybooks:\n  - {id: pb1, namespace: ops, name: restart}\nconfigs:\n  - {id: c-dev, name: dev-db, namespace: dev, tags: {env: dev}}\ncomponents:\n  - {id: k-web, name: web, namespace: dev}\n",
        "apiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {name: ann-runs-with-both, namespace: default}\nspec:\n  subject: {person: ann@example.com}\n  actions: [playbook:run]\n  object:\n    playbooks: [{name: restart}]\n    configs: [{tagSelector: env=dev}]\n    components: [{namespace: dev}]\n",
    );
    let who_can = |format: &str| {
        run(&[
            "who-can",
            "-t",
            &t,
            "--action",
            "playbook:run",
            "--playbook",
            "ops/restart",
            "--format",
            format,
        ])
    };
    let out = who_can("text");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "# ann@example.com only together with a config matching: tagSelector: env=dev; and a component matching: namespace: dev\n"
    );
    let out = who_can("json");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let answer: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(
        answer["conditional"],
        serde_json::json!([{
            "subject": "ann@example.com",
            "with": "config", "allow_all": false, "allow": ["tagSelector: env=dev"], "deny_all": false, "deny": [],
            "and": [{"with": "component", "allow_all": false, "allow": ["namespace: dev"], "deny_all": false, "deny": []}],
        }]),
        "{answer}"
    );
}

/// Denies beside a grant of three categories (adversary findings on the first version):
/// a deny on configs alone made every component "denied" and dropped f from who-can
/// although `check` allows f with a prod config and a component; a deny needing a dev
/// config and a db component together was shown as two independent exclusions, so b's
/// condition read "a dev config, and none of: dev" although b may run it with a dev
/// config and a web component. A deny constraining another free object is now left out
/// of a category's condition (wider, never narrower than the rules).
#[test]
fn denies_beside_a_grant_of_three_categories_never_hide_a_subject_or_read_narrower() {
    let allow = |who: &str, name: &str, configs: &str, components: &str, deny: bool| {
        format!(
            "---\napiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  subject: {{person: {who}}}\n  actions: [playbook:run]\n  deny: {deny}\n  object:\n    playbooks: [{{name: \"*\"}}]\n    configs: [{configs}]\n{components}"
        )
    };
    let policy = [
        allow(
            "f@x.com",
            "f-allow",
            "{name: \"*\"}",
            "    components: [{name: \"*\"}]\n",
            false,
        ),
        allow("f@x.com", "f-deny", "{tagSelector: env=dev}", "", true),
        allow(
            "b@x.com",
            "b-allow",
            "{tagSelector: env=dev}",
            "    components: [{name: \"*\"}]\n",
            false,
        ),
        allow(
            "b@x.com",
            "b-deny",
            "{tagSelector: env=dev}",
            "    components: [{labelSelector: tier=db}]\n",
            true,
        ),
    ]
    .concat();
    let (_dir, t) = compiled_from(
        "people:\n  - {id: p-b, name: B, email: b@x.com}\n  - {id: p-f, name: F, email: f@x.com}\nplaybooks:\n  - {id: pb-1, namespace: mc, name: echo}\nconfigs:\n  - {id: c-dev, name: dev-0, namespace: default, tags: {env: dev}}\n  - {id: c-prod, name: prod-0, namespace: default, tags: {env: prod}}\ncomponents:\n  - {id: k-web, name: web, namespace: default, labels: {tier: web}}\n  - {id: k-db, name: db, namespace: default, labels: {tier: db}}\n",
        &policy,
    );
    for (who, config, component, expected) in [
        ("f@x.com", "c-prod", "k-web", 0),
        ("f@x.com", "c-dev", "k-web", 1),
        ("b@x.com", "c-dev", "k-web", 0),
        ("b@x.com", "c-dev", "k-db", 1),
    ] {
        let out = run(&[
            "check",
            "-t",
            &t,
            "--as",
            who,
            "--action",
            "playbook:run",
            "--playbook",
            "mc/echo",
            "--config",
            config,
            "--component",
            component,
        ]);
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{who} {config} {component}"
        );
    }
    let out = run(&[
        "who-can",
        "-t",
        &t,
        "--action",
        "playbook:run",
        "--playbook",
        "mc/echo",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "# b@x.com only together with a config matching: tagSelector: env=dev; and any component\n\
         # f@x.com only together with any config; and none of: tagSelector: env=dev; and any component\n"
    );
}

#[test]
fn a_deny_that_protects_nothing_is_an_error_with_the_nearest_value() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = dir.path().join("t.rampart").display().to_string();
    let typo = "../fixtures/invalid/deny-matches-nothing.yaml";
    for command in [
        vec!["validate", typo, "--catalog", "../fixtures/catalog.yaml"],
        vec![
            "compile",
            typo,
            "--catalog",
            "../fixtures/catalog.yaml",
            "-o",
            &tables,
        ],
    ] {
        let out = run(&command);
        assert_eq!(out.status.code(), Some(1), "{command:?}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("deny `default/deny-mission-control-deletes` protects nothing: `namespace: mission-contrl` matches no config in the catalog"),
            "{err}"
        );
        assert!(err.contains("did you mean `mission-control`?"), "{err}");
        assert!(err.contains("--allow-empty-selectors"), "{err}");
    }
    assert!(!std::path::Path::new(&tables).exists());
    let out = run(&[
        "compile",
        typo,
        "--catalog",
        "../fixtures/catalog.yaml",
        "-o",
        &tables,
        "--allow-empty-selectors",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn counts_are_in_their_number_and_empty_answers_say_so() {
    let out = run(&[
        "validate",
        "../fixtures/policy/connection-permission.yaml",
        "--catalog",
        "../fixtures/catalog.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("valid: 1 file, 1 document (1 permission, 0 groups"),
        "{}",
        stdout(&out)
    );
    let out = run(&[
        "connections",
        "--used-by",
        "../fixtures/policy/allow-user-playbook-run.yaml",
        "--catalog",
        "../fixtures/catalog.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("none"), "{}", stdout(&out));
    // `--dialect` has one value, so it is the default.
    let (_dir, t) = compiled();
    let out = run(&[
        "filter",
        "-t",
        &t,
        "--as",
        "john@doe.com",
        "--action",
        "read",
        "--category",
        "configs",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn filter_indexes_print_the_fold_function_then_an_index_per_folded_column() {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::create_dir(dir.path().join("policy")).expect("policy directory");
    std::fs::write(
        dir.path().join("policy/p.yaml"),
        "apiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {name: p, namespace: default}\nspec:\n  subject: {person: a@example.com}\n  actions: [read]\n  object:\n    configs:\n      - name: config-1\n      - tagSelector: env=prod\n",
    )
    .expect("policy");
    std::fs::write(
        dir.path().join("catalog.json"),
        r#"{"people":[{"id":"u1","name":"A","email":"a@example.com","teams":[]}],"teams":[],"playbooks":[],"configs":[{"id":"c1","name":"config-1","namespace":"ns-1","type":"Kubernetes::Pod","tags":{"env":"prod"}},{"id":"c2","name":"config-2","namespace":"ns-2","type":"Kubernetes::Pod","tags":{"env":"dev"}}],"connections":[]}"#,
    )
    .expect("catalog");
    let t = dir.path().join("t.rampart").display().to_string();
    let policy = dir.path().join("policy").display().to_string();
    let catalog = dir.path().join("catalog.json").display().to_string();
    let out = run(&["compile", &policy, "--catalog", &catalog, "-o", &t]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let filter = |extra: &[&str]| {
        let mut args = vec![
            "filter",
            "-t",
            &t,
            "--as",
            "a@example.com",
            "--action",
            "read",
            "--category",
            "configs",
            "--fold-function",
            "rampart_fold",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let out = filter(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let answer: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(answer["form"], "predicate", "{answer}");
    let sql = answer["sql"].as_str().expect("sql");
    assert!(sql.contains("rampart_fold(("), "{sql}");
    assert!(
        !sql.contains("translate("),
        "the folding is not written out: {sql}"
    );
    let out = filter(&["--indexes", "--table", "public.config_items"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with(
            "CREATE OR REPLACE FUNCTION rampart_fold(text) RETURNS text LANGUAGE sql IMMUTABLE"
        ),
        "{text}"
    );
    assert_eq!(lines.len(), 3, "the name and the `env` tag: {text}");
    assert!(
        lines.iter().any(|l| l.contains("->> 'env'::text")),
        "{text}"
    );
    for line in &lines[1..] {
        assert!(
            line.starts_with("CREATE INDEX IF NOT EXISTS rampart_config_items_")
                && line.contains(" ON public.config_items ((rampart_fold((")
                && line.ends_with(");"),
            "{line}"
        );
    }
    let out = filter(&["--indexes", "--table", "config_items; DROP TABLE x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("not a plain identifier"),
        "{}",
        stderr(&out)
    );
    // Without a fold function the folding is written out, too large for an index.
    let out = run(&[
        "filter",
        "-t",
        &t,
        "--as",
        "john@doe.com",
        "--action",
        "read",
        "--category",
        "configs",
        "--indexes",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("--fold-function"), "{}", stderr(&out));
}
