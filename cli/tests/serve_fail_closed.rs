//! The sidecar fails closed at its face (issue 20, items 1–10): a typo, a repeated
//! member, a second object of one category, an identity smuggled into `properties`, or
//! a batch default an item seems to replace is an error or the decision `check --batch`
//! gives, never an allow; slow and departing clients hold no decision permit and no
//! work; reloads do not feed themselves; `--unix` replaces only a stale socket; and
//! tables that can answer nothing are not ready.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::sidecar::{principal_less_table_bytes, replace, table_bytes, Sidecar};

/// Ann may run the `ops/restart` playbook (the rule names no config) and read every
/// config, but nothing on the `prod` namespace: a request about the playbook *and*
/// `c-prod` is denied, about the playbook alone allowed. Dropping the config from a
/// request turns the deny into an allow, which is what every item below tries.
const CATALOG: &str = "people:\n  - {id: u1, name: Ann, email: ann@example.com}\nplaybooks:\n  - {id: pb1, namespace: ops, name: restart}\nconfigs:\n  - {id: c-dev, name: dev-db, namespace: dev}\n  - {id: c-prod, name: prod-db, namespace: prod}\n";

const POLICY: &str = "apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: run-restart, namespace: default}
spec:
  subject: {person: ann@example.com}
  actions: [playbook:run]
  object:
    playbooks: [{name: restart}]
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: read-configs, namespace: default}
spec:
  subject: {person: ann@example.com}
  actions: [read]
  object:
    configs: [{name: \"*\"}]
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: nothing-on-prod, namespace: default}
spec:
  subject: {person: ann@example.com}
  actions: [\"*\"]
  deny: true
  object:
    configs: [{namespace: prod}]
";

fn start(dir: &Path, extra: &[&str]) -> Sidecar {
    let path = dir.join("tables.rampart");
    std::fs::write(&path, table_bytes(POLICY, CATALOG)).unwrap();
    Sidecar::start(&path, extra)
}

fn ann() -> Value {
    json!({"type": "user", "id": "ann@example.com"})
}

/// The playbook run with `c-prod` beside it: denied.
fn run_on_prod() -> Value {
    json!({
        "subject": ann(),
        "action": {"name": "playbook:run"},
        "resource": {"type": "playbook", "id": "ops/restart"},
        "context": {"resources": [{"type": "config", "id": "c-prod"}]},
    })
}

/// Asserts a 400 whose message holds `message` (and whose help holds `help`).
fn refused(answer: (u16, Value, String), message: &str, help: Option<&str>) {
    let (status, body, _) = answer;
    assert_eq!(status, 400, "refused, not decided: {body}");
    let text = body["error"]["message"].as_str().unwrap_or_default();
    assert!(text.contains(message), "`{message}` in {body}");
    if let Some(help) = help {
        let said = body["error"]["help"].as_str().unwrap_or_default();
        assert!(said.contains(help), "`{help}` in {body}");
    }
}

#[test]
fn the_scenario_denies_the_pair_and_allows_the_playbook_alone() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = start(dir.path(), &[]);
    let (status, body, _) = sidecar.post("/access/v1/evaluation", &run_on_prod());
    assert_eq!((status, &body["decision"]), (200, &json!(false)), "{body}");
    let mut alone = run_on_prod();
    alone.as_object_mut().unwrap().remove("context");
    let (status, body, _) = sidecar.post("/access/v1/evaluation", &alone);
    assert_eq!((status, &body["decision"]), (200, &json!(true)), "{body}");
}

/// Item 1: a typo in a `context` member is an error with the nearest name, not a
/// dropped object (which turned the deny into an allow); `search/resource` likewise.
#[test]
fn a_typo_in_context_is_an_error_not_a_dropped_object() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = start(dir.path(), &[]);
    for typo in ["resource", "Resources", "resorces"] {
        let mut body = run_on_prod();
        let resources = body["context"]["resources"].take();
        body["context"] = json!({ typo: resources });
        refused(
            sidecar.post("/access/v1/evaluation", &body),
            &format!("unknown member `context.{typo}`"),
            Some("did you mean `resources`?"),
        );
    }
    let search = json!({
        "subject": ann(),
        "action": {"name": "playbook:run"},
        "resource": {"type": "config"},
        "context": {"resource": [{"type": "playbook", "id": "ops/restart"}]},
    });
    refused(
        sidecar.post("/access/v1/search/resource", &search),
        "unknown member `context.resource`",
        Some("did you mean `resources`?"),
    );
    // Unknown members at other depths, and the open `properties` of subjects.
    for (body, message) in [
        (
            json!({"subject": {"type": "user", "id": "ann@example.com", "properties": {"roles": ["admin"]}}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-dev"}}),
            "unknown member `subject.properties.roles`",
        ),
        (
            json!({"subject": ann(), "action": {"name": "read", "nmae": "x"}, "resource": {"type": "config", "id": "c-dev"}}),
            "unknown member `action.nmae`",
        ),
        (
            json!({"subject": ann(), "action": {"name": "read"}, "resource": {"type": "config", "id": "c-dev", "properties": {"namespace": "dev", "tgas": {}}}}),
            "unknown member `resource.properties.tgas`",
        ),
    ] {
        refused(sidecar.post("/access/v1/evaluation", &body), message, None);
    }
}

/// Item 2: two objects of one category are an error naming both, whether the second
/// comes through `context.resources` or through the plural `configs`.
#[test]
fn two_objects_of_one_category_are_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let decisions = dir.path().join("decisions.jsonl");
    let sidecar = start(dir.path(), &["--decision-log", decisions.to_str().unwrap()]);
    let two = json!({
        "subject": ann(),
        "action": {"name": "read"},
        "resource": {"type": "config", "id": "c-prod"},
        "context": {"resources": [{"type": "config", "id": "c-dev"}]},
    });
    refused(
        sidecar.post("/access/v1/evaluation", &two),
        "two config objects in one request: `c-prod` at `resource` and `c-dev` at `context.resources[0]`",
        None,
    );
    let mut plural = two.clone();
    plural["context"]["resources"][0]["type"] = json!("configs");
    refused(
        sidecar.post("/access/v1/evaluation", &plural),
        "`context.resources[0].type` is `configs`",
        Some("did you mean `config`?"),
    );
    // Neither was decided, so nothing was logged as allowed.
    std::thread::sleep(Duration::from_millis(300));
    let logged = std::fs::read_to_string(&decisions).unwrap_or_default();
    assert!(!logged.contains("allow"), "{logged}");
}

/// Item 3: `properties` may not carry the identity: an `id` there named another object
/// than `resource.id` (and the decision log the requested one).
#[test]
fn properties_may_not_carry_the_identity() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = start(dir.path(), &[]);
    for (member, help) in [("id", "resource.id"), ("type", "object_type")] {
        let body = json!({
            "subject": ann(),
            "action": {"name": "read"},
            "resource": {"type": "config", "id": "c-prod", "properties": {member: "c-dev", "namespace": "dev"}},
        });
        refused(
            sidecar.post("/access/v1/evaluation", &body),
            &format!("`resource.properties.{member}` may not be given"),
            Some(help),
        );
    }
}

/// Item 4: an item's `context` merges into the top-level `context`: an item that only
/// asks for an explanation keeps the default's second object, and stays denied.
#[test]
fn an_items_context_merges_into_the_default_context() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = start(dir.path(), &[]);
    let mut batch = run_on_prod();
    batch["evaluations"] = json!([{"context": {"explain": true}}, {}]);
    let (status, body, _) = sidecar.post("/access/v1/evaluations", &batch);
    assert_eq!(status, 200, "{body}");
    for item in body["evaluations"].as_array().unwrap() {
        assert_eq!(item["decision"], json!(false), "{body}");
        assert_eq!(item["context"]["reason"], json!("explicit_deny"), "{body}");
    }
    assert!(
        body["evaluations"][0]["context"]["reason_user"].is_object(),
        "the item's explain applies: {body}"
    );
    // An item adding a second config to the default one is an error, not a choice.
    batch["evaluations"] = json!([{"context": {"resources": [{"type": "config", "id": "c-dev"}]}}]);
    let (_, body, _) = sidecar.post("/access/v1/evaluations", &batch);
    let item = &body["evaluations"][0];
    assert_eq!(item["decision"], json!(false), "{body}");
    assert!(
        item["context"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("two config objects"),
        "{body}"
    );
    // A typo in the defaults fails the whole batch.
    let mut typo = run_on_prod();
    typo["context"] = json!({"resource": [{"type": "config", "id": "c-prod"}]});
    typo["evaluations"] = json!([{}]);
    refused(
        sidecar.post("/access/v1/evaluations", &typo),
        "unknown member `context.resource`",
        None,
    );
}

/// Item 5: a member given twice is an error at every depth, as `check --batch` has it.
#[test]
fn duplicate_members_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = start(dir.path(), &[]);
    for body in [
        r#"{"subject": {"type": "user", "id": "ann@example.com"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-prod", "id": "c-dev"}}"#,
        r#"{"subject": {"type": "user", "id": "ann@example.com"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-prod"}, "resource": {"type": "config", "id": "c-dev"}}"#,
        r#"{"subject": {"type": "user", "id": "ann@example.com"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "new", "properties": {"namespace": "prod", "namespace": "dev"}}}"#,
    ] {
        let (status, answer) = sidecar.post_text("/access/v1/evaluation", body);
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("duplicate member"),
            "{answer}"
        );
    }
    let (status, answer) = sidecar.post_text(
        "/rbac/subject-access-reviews",
        r#"{"resource": {"config": "c-prod", "config": "c-dev"}, "action": "read", "subjects": ["ann@example.com"]}"#,
    );
    assert_eq!(status, 400, "{answer}");
}

/// Item 6: a large default is read once, not copied into every item (that was
/// quadratic: 20 s of CPU for a 224 KB body). The bound is generous: only the quadratic
/// copy exceeds the client's 30-second timeout.
#[test]
fn a_large_default_is_not_copied_into_every_item() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = start(dir.path(), &["--max-batch", "20000"]);
    let tags: serde_json::Map<String, Value> = (0..20_000)
        .map(|i| (format!("tag-{i:05}"), json!(format!("value-{i:05}"))))
        .collect();
    let batch = json!({
        "subject": ann(),
        "action": {"name": "read"},
        "resource": {"type": "config", "id": "c-new", "properties": {"namespace": "dev", "tags": tags}},
        "evaluations": vec![json!({}); 20_000],
    });
    assert!(batch.to_string().len() < 1 << 20);
    let (status, body, _) = sidecar.post("/access/v1/evaluations", &batch);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["evaluations"].as_array().unwrap().len(), 20_000);
    assert_eq!(body["evaluations"][19_999]["decision"], json!(true));
}

/// Item 6: work stops when the client goes: a batch whose client closed its connection
/// is abandoned between items (counted as `client_gone`), not finished for nobody.
#[test]
fn a_batch_is_abandoned_when_its_client_goes() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = start(
        dir.path(),
        &["--max-batch", "100000", "--max-body-bytes", "8388608"],
    );
    let item = json!({"context": {"explain": true}});
    let batch = json!({
        "subject": ann(),
        "action": {"name": "read"},
        "resource": {"type": "config", "id": "c-dev"},
        "evaluations": vec![item; 100_000],
    })
    .to_string();
    let mut stream = TcpStream::connect(sidecar.address()).unwrap();
    write!(
        stream,
        "POST /access/v1/evaluations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{batch}",
        batch.len()
    )
    .unwrap();
    stream.flush().unwrap();
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let metrics = sidecar.metrics();
        if metrics.contains("rampart_errors_total{code=\"client_gone\"} 1") {
            let decided: u64 = metrics
                .lines()
                .filter(|l| l.starts_with("rampart_decisions_total"))
                .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
                .sum();
            assert!(decided < 100_000, "the batch was finished: {decided}");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the batch was not abandoned:\n{metrics}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A connection that sends `head` and then nothing more.
fn stalled(sidecar: &Sidecar, head: &str) -> TcpStream {
    let mut stream = TcpStream::connect(sidecar.address()).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.flush().unwrap();
    stream
}

/// Item 7: slow clients hold no decision permit: with one permit and three clients
/// stuck in their bodies, `/health`, `/ready` and a decision are answered at once.
#[test]
fn slow_clients_hold_no_decision_permit() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = start(dir.path(), &["--max-concurrent", "1"]);
    let head = "POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"subject\":";
    let slow: Vec<TcpStream> = (0..3).map(|_| stalled(&sidecar, head)).collect();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sidecar.get("/health").0, 200);
    assert_eq!(sidecar.get("/ready").0, 200);
    for _ in 0..3 {
        let (status, body, _) = sidecar.post("/access/v1/evaluation", &run_on_prod());
        assert_eq!(status, 200, "{body}");
    }
    drop(slow);
}

/// Reads until the server closes the connection; the bytes read. Fails after 20 s.
fn read_until_closed(mut stream: TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut out = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return String::from_utf8_lossy(&out).into_owned(),
            Ok(n) => out.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return String::from_utf8_lossy(&out).into_owned()
            }
            Err(e) => panic!(
                "the connection stayed open: {e}; read so far: {}",
                String::from_utf8_lossy(&out)
            ),
        }
    }
}

/// Item 7: header, idle and body timeouts: a head that never ends, a kept-alive
/// connection that sends nothing more, and a body that never ends are all cut off.
#[test]
fn slow_heads_idle_connections_and_slow_bodies_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = start(
        dir.path(),
        &["--header-timeout", "1", "--body-timeout", "1"],
    );
    // A head that never ends: closed without an answer.
    let stream = stalled(
        &sidecar,
        "POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\n",
    );
    let answer = read_until_closed(stream);
    assert!(!answer.contains("200 OK"), "{answer}");
    // A kept-alive connection idle after its answer: closed.
    let mut stream = TcpStream::connect(sidecar.address()).unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let answer = read_until_closed(stream);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // A body that never ends: 408 `body_timeout`.
    let stream = stalled(
        &sidecar,
        "POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    );
    let answer = read_until_closed(stream);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
}

/// The value of a counter in Prometheus text.
fn counter(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no `{name}` in:\n{metrics}"))
        .parse()
        .unwrap()
}

/// Item 8: a reload's own reads do not trigger the next reload: after one change the
/// file is read once, and a refused file is reported once, not several times a second.
#[test]
fn a_reload_reads_the_file_once_per_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tables.rampart");
    let first = table_bytes(POLICY, CATALOG);
    let second = table_bytes(
        &POLICY.replace("namespace: prod", "namespace: dev"),
        CATALOG,
    );
    replace(&path, &first);
    let sidecar = Sidecar::start(&path, &[]);
    replace(&path, &second);
    sidecar.wait_for_log("loaded in");
    std::thread::sleep(Duration::from_secs(3));
    let metrics = sidecar.metrics();
    assert_eq!(counter(&metrics, "rampart_reloads_total"), 1, "{metrics}");
    assert_eq!(
        counter(&metrics, "rampart_table_reads_total"),
        1,
        "{metrics}"
    );
    replace(&path, b"RAMPART? not tables");
    sidecar.wait_for_log("did not load");
    std::thread::sleep(Duration::from_secs(3));
    let refusals = sidecar.log.lock().unwrap().matches("did not load").count();
    assert_eq!(refusals, 1, "{}", sidecar.log.lock().unwrap());
    let metrics = sidecar.metrics();
    assert_eq!(
        counter(&metrics, "rampart_table_reads_total"),
        2,
        "{metrics}"
    );
    assert_eq!(
        counter(&metrics, "rampart_reload_failures_total"),
        1,
        "{metrics}"
    );
}

/// Item 9: `--unix PATH` never deletes a regular file at PATH.
#[test]
fn unix_never_replaces_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let tables = dir.path().join("tables.rampart");
    std::fs::write(&tables, table_bytes(POLICY, CATALOG)).unwrap();
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, "keep me").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "-t"])
        .arg(&tables)
        .arg("--unix")
        .arg(&precious)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the sidecar started on a regular file");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a socket"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
}

/// Item 10: tables that can answer nothing (no principal) are not ready.
#[test]
fn tables_without_principals_are_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tables.rampart");
    // A connection and a config, and not a single person, team or playbook.
    let policy = "apiVersion: mission-control.flanksource.com/v1\nkind: Connection\nmetadata: {name: db, namespace: default}\nspec:\n  type: postgres\n  url:\n    value: postgres://db.example.com/x\n";
    std::fs::write(
        &path,
        principal_less_table_bytes(
            policy,
            "configs:\n  - {id: c-dev, name: dev-db, namespace: dev}\n",
        ),
    )
    .unwrap();
    let sidecar = Sidecar::start(&path, &[]);
    let (status, body) = sidecar.get("/ready");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], json!("not_ready"), "{body}");
    assert!(
        body["reason"].as_str().unwrap().contains("no principal"),
        "{body}"
    );
    assert_eq!(sidecar.get("/health").0, 200, "alive, though not ready");
}

/// Issue 26, item 10: one vocabulary: `configs` is refused by `check --batch` and by
/// the sidecar alike, each with the same did-you-mean.
#[test]
fn the_batch_and_the_sidecar_refuse_plural_categories_alike() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = start(dir.path(), &[]);
    let batch = dir.path().join("requests.jsonl");
    std::fs::write(
        &batch,
        "{\"subject\": \"ann@example.com\", \"action\": \"read\", \"objects\": {\"configs\": \"c-dev\"}}\n",
    )
    .unwrap();
    let o = support::run(&[
        "check",
        "-t",
        dir.path().join("tables.rampart").to_str().unwrap(),
        "--batch",
        batch.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let line: Value = serde_json::from_str(support::stdout(&o).trim()).unwrap();
    assert_eq!(line["help"], json!("did you mean `config`?"), "{line}");
    let body = json!({"subject": ann(), "action": {"name": "read"}, "resource": {"type": "configs", "id": "c-dev"}});
    refused(
        sidecar.post("/access/v1/evaluation", &body),
        "`resource.type` is `configs`",
        Some("did you mean `config`?"),
    );
    let (status, answer) = sidecar.post_text(
        "/rbac/subject-access-search",
        r#"{"subject": "ann@example.com", "action": "read", "resource_types": ["configs"]}"#,
    );
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["help"], json!("did you mean `config`?"));
}

/// Issue 20 (round 4), item 1: a playbook or connection described by attributes is
/// decided with its `namespace/name` key, at the sidecar and in `check --batch` alike: a
/// key-form id gives it its namespace and name, properties saying otherwise are an
/// error, and a catalogued key with another id is an error (each was allowed).
#[test]
fn a_described_playbook_or_connection_is_decided_by_its_key_at_every_face() {
    let policy = "apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: read-all, namespace: default}
spec:
  subject: {person: ann@example.com}
  actions: [read]
  object: {playbooks: [{name: \"*\"}]}
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: read-connections, namespace: default}
spec:
  subject: {person: ann@example.com}
  actions: [read]
  object: {connections: [{name: \"*\"}]}
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: deny, namespace: default, annotations: {rampart.flanksource.com/allow-empty-selectors: \"true\"}}
spec:
  subject: {person: ann@example.com}
  actions: [read]
  deny: true
  object: {playbooks: [{namespace: kube-system}, {name: \"danger*\"}, {id: pb1}]}
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: deny-connections, namespace: default, annotations: {rampart.flanksource.com/allow-empty-selectors: \"true\"}}
spec:
  subject: {person: ann@example.com}
  actions: [read]
  deny: true
  object: {connections: [{name: \"danger*\"}]}
";
    let dir = tempfile::tempdir().unwrap();
    let tables = dir.path().join("tables.rampart");
    std::fs::write(&tables, table_bytes(policy, CATALOG)).unwrap();
    let sidecar = Sidecar::start(&tables, &[]);
    let evaluation = |kind: &str, id: &str, properties: Value| {
        json!({"subject": ann(), "action": {"name": "read"},
            "resource": {"type": kind, "id": id, "properties": properties}})
    };
    let (status, body, _) = sidecar.post(
        "/access/v1/evaluation",
        &evaluation("playbook", "kube-system/x", json!({})),
    );
    assert_eq!((status, &body["decision"]), (200, &json!(false)), "{body}");
    let (status, body, _) = sidecar.post(
        "/access/v1/evaluation",
        &evaluation("playbook", "dev/safe", json!({})),
    );
    assert_eq!((status, &body["decision"]), (200, &json!(true)), "{body}");
    refused(
        sidecar.post(
            "/access/v1/evaluation",
            &evaluation(
                "playbook",
                "kube-system/danger",
                json!({"namespace": "dev", "name": "safe"}),
            ),
        ),
        "has namespace `dev`, but its id `kube-system/danger` says `kube-system`",
        None,
    );
    refused(
        sidecar.post(
            "/access/v1/evaluation",
            &evaluation("connection", "dev/danger", json!({"name": "ok"})),
        ),
        "has name `ok`, but its id `dev/danger` says `danger`",
        None,
    );
    let batch = dir.path().join("requests.jsonl");
    std::fs::write(
        &batch,
        [
            r#"{"subject": "ann@example.com", "action": "read", "objects": {"playbook": {"id": "zzz", "namespace": "ops", "name": "restart"}}}"#,
            r#"{"subject": "ann@example.com", "action": "read", "objects": {"playbook": {"namespace": "ops", "name": "restart"}}}"#,
            r#"{"subject": "ann@example.com", "action": "read", "objects": {"playbook": {"id": "kube-system/x"}}}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let o = support::run(&[
        "check",
        "-t",
        tables.to_str().unwrap(),
        "--batch",
        batch.to_str().unwrap(),
    ]);
    let lines: Vec<Value> = support::stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0]["error"].as_str().unwrap_or_default().contains(
            "has the namespace and name of the catalog's `ops/restart`, whose id is `pb1`"
        ),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1]["decision"], json!("deny"), "{}", lines[1]);
    assert_eq!(lines[2]["decision"], json!("deny"), "{}", lines[2]);
}

/// Issue 20 (round 5), item 2: one rule for a UTF-8 byte order mark: refused with an
/// error naming it wherever a request or document is read — a `check --batch` line, a
/// sidecar body (AuthZEN and Mission Control), a policy YAML file, a catalog (YAML and
/// JSON) and a Secret manifest. Before, YAML files were read as if it were not there and
/// JSON said only "expected value".
#[test]
fn a_byte_order_mark_is_refused_at_every_face() {
    let dir = tempfile::tempdir().unwrap();
    let sidecar = start(dir.path(), &[]);
    let tables = dir.path().join("tables.rampart");
    let bom = "\u{feff}";
    let says_bom = |text: &str| text.contains("byte order mark");

    let request =
        r#"{"subject": "ann@example.com", "action": "read", "objects": {"config": "c-dev"}}"#;
    let batch = dir.path().join("requests.jsonl");
    std::fs::write(&batch, format!("{bom}{request}\n{request}\n")).unwrap();
    let o = support::run(&[
        "check",
        "-t",
        tables.to_str().unwrap(),
        "--batch",
        batch.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", support::stderr(&o));
    let lines: Vec<Value> = support::stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        says_bom(lines[0]["error"].as_str().unwrap_or_default()),
        "{lines:?}"
    );
    assert_eq!(lines[1]["decision"], json!("allow"), "{lines:?}");

    let evaluation = format!(
        "{bom}{}",
        json!({"subject": ann(), "action": {"name": "read"}, "resource": {"type": "config", "id": "c-dev"}})
    );
    for (path, body) in [
        ("/access/v1/evaluation", evaluation),
        (
            "/rbac/subject-access-reviews",
            format!(
                r#"{bom}{{"resource": {{"config": "c-dev"}}, "action": "read", "subjects": ["ann@example.com"]}}"#
            ),
        ),
    ] {
        let (status, answer) = sidecar.post_text(path, &body);
        assert_eq!(status, 400, "{path}: {answer}");
        assert!(
            says_bom(answer["error"]["message"].as_str().unwrap_or_default()),
            "{path}: {answer}"
        );
    }

    let policy = dir.path().join("policy.yaml");
    let catalog = dir.path().join("catalog.yaml");
    let catalog_json = dir.path().join("catalog.json");
    std::fs::write(&policy, format!("{bom}{POLICY}")).unwrap();
    std::fs::write(&catalog, CATALOG).unwrap();
    let compile = |policy: &Path, catalog: &Path| {
        support::run(&[
            "compile",
            policy.to_str().unwrap(),
            "--catalog",
            catalog.to_str().unwrap(),
            "-o",
            dir.path().join("out.rampart").to_str().unwrap(),
        ])
    };
    let o = compile(&policy, &catalog);
    assert_ne!(o.status.code(), Some(0), "a policy with a BOM compiled");
    assert!(says_bom(&support::stderr(&o)), "{}", support::stderr(&o));
    // Round 6 (F3): not only as the file's first bytes: after a leading `---` or a
    // comment, and at a later document's start, a BOM is refused the same way.
    for text in [
        format!("---\n{bom}{POLICY}"),
        format!("# policies\n{bom}{POLICY}"),
        format!(
            "{POLICY}\n---\n{bom}{}",
            POLICY.replace("metadata: {name: ", "metadata: {name: again-")
        ),
    ] {
        std::fs::write(&policy, &text).unwrap();
        let o = compile(&policy, &catalog);
        assert_ne!(
            o.status.code(),
            Some(0),
            "a policy with a BOM compiled:\n{text}"
        );
        assert!(says_bom(&support::stderr(&o)), "{}", support::stderr(&o));
    }
    std::fs::write(&policy, format!("{bom}{POLICY}")).unwrap();
    let o = support::run(&["validate", policy.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0), "a policy with a BOM validated");
    assert!(
        says_bom(&(support::stderr(&o) + &support::stdout(&o))),
        "{}",
        support::stderr(&o)
    );

    std::fs::write(&policy, POLICY).unwrap();
    std::fs::write(&catalog, format!("{bom}{CATALOG}")).unwrap();
    std::fs::write(
        &catalog_json,
        format!(r#"{bom}{{"people": [{{"id": "u1", "email": "ann@example.com"}}]}}"#),
    )
    .unwrap();
    for catalog in [&catalog, &catalog_json] {
        let o = compile(&policy, catalog);
        assert_ne!(
            o.status.code(),
            Some(0),
            "{}: a catalog with a BOM",
            catalog.display()
        );
        assert!(says_bom(&support::stderr(&o)), "{}", support::stderr(&o));
    }

    let secrets = dir.path().join("secrets");
    std::fs::create_dir(&secrets).unwrap();
    std::fs::write(
        secrets.join("s.yaml"),
        format!("{bom}apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: default}}\nstringData: {{password: x}}\n"),
    )
    .unwrap();
    let o = support::run(&[
        "resolve",
        "connection://default/db",
        "--as",
        "ann@example.com",
        "-t",
        tables.to_str().unwrap(),
        "--secrets",
        secrets.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", support::stderr(&o));
    assert!(says_bom(&support::stderr(&o)), "{}", support::stderr(&o));

    // A later manifest's start (round 6, F3).
    std::fs::write(
        secrets.join("s.yaml"),
        format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: default}}\nstringData: {{password: x}}\n---\n{bom}apiVersion: v1\nkind: Secret\nmetadata: {{name: other, namespace: default}}\nstringData: {{password: y}}\n"),
    )
    .unwrap();
    let o = support::run(&[
        "resolve",
        "connection://default/db",
        "--as",
        "ann@example.com",
        "-t",
        tables.to_str().unwrap(),
        "--secrets",
        secrets.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", support::stderr(&o));
    assert!(says_bom(&support::stderr(&o)), "{}", support::stderr(&o));
}

/// Issue 20 (round 5), item 7: a table file refused on reload leaves the last good
/// tables answering: `/ready` stays 200 and says `"stale": true` (with the reason), the
/// metric `rampart_table_file_refused{reason}` counts it, and a good file clears it.
#[test]
fn a_refused_table_file_leaves_ready_stale_and_counted_by_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tables.rampart");
    let first = table_bytes(POLICY, CATALOG);
    replace(&path, &first);
    let sidecar = Sidecar::start(&path, &[]);
    let (status, body) = sidecar.get("/ready");
    assert_eq!((status, &body["stale"]), (200, &json!(false)), "{body}");

    replace(&path, b"RAMPART? not tables");
    sidecar.wait_for_log("did not load");
    let (status, body) = sidecar.get("/ready");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stale"], json!(true), "{body}");
    assert_eq!(body["refused"], json!("not_a_table"), "{body}");
    assert_eq!(
        body["revision"],
        json!(support::sidecar::revision_of(&first)),
        "{body}"
    );
    let metrics = sidecar.metrics();
    assert!(
        metrics.contains("rampart_table_file_refused{reason=\"not_a_table\"} 1"),
        "{metrics}"
    );
    // The last good tables still decide.
    let (status, body, _) = sidecar.post("/access/v1/evaluation", &run_on_prod());
    assert_eq!((status, &body["decision"]), (200, &json!(false)), "{body}");

    let second = table_bytes(
        &POLICY.replace("namespace: prod", "namespace: dev"),
        CATALOG,
    );
    replace(&path, &second);
    sidecar.wait_for_log("loaded in");
    let (status, body) = sidecar.get("/ready");
    assert_eq!((status, &body["stale"]), (200, &json!(false)), "{body}");
    assert_eq!(
        body["revision"],
        json!(support::sidecar::revision_of(&second)),
        "{body}"
    );
}

/// Issue 20 (round 6), adversary finding F2: a Mission Control id is a uuid, and every
/// spelling `uuid.Parse` accepts — in braces, after `urn:uuid:`, without hyphens, in any
/// case — names the catalog's object, at every face: the sidecar's AuthZEN and `/rbac`
/// endpoints, `check --batch` and `check`'s flags. Before, `{uuid}` (or `urn:uuid:`, or
/// 32 bare hex digits) was an object the catalog did not hold, so the request's own
/// `namespace: dev` decided and a read of the prod config was allowed.
#[test]
fn every_spelling_of_a_catalogued_uuid_names_the_catalog_object() {
    const PROD: &str = "0190a3c1-7e2f-4b5a-8c9d-0123456789ab";
    const BOB: &str = "0190a3c1-0000-4000-8000-0000000000b0";
    let catalog = format!(
        "people:\n  - {{id: {BOB}, name: Bob, email: bob@example.com}}\nconfigs:\n  - {{id: 0190a3c1-7e2f-4b5a-8c9d-0123456789aa, name: dev-db, namespace: dev}}\n  - {{id: {PROD}, name: prod-db, namespace: prod}}\n"
    );
    let policy = "apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: read-configs, namespace: default}
spec:
  subject: {person: bob@example.com}
  actions: [read]
  object:
    configs: [{name: \"*\"}]
---
apiVersion: mission-control.flanksource.com/v1
kind: Permission
metadata: {name: nothing-on-prod, namespace: default}
spec:
  subject: {person: bob@example.com}
  actions: [\"*\"]
  deny: true
  object:
    configs: [{namespace: prod}]
";
    let spellings = [
        format!("{{{PROD}}}"),
        format!("urn:uuid:{PROD}"),
        format!("URN:UUID:{}", PROD.to_uppercase()),
        PROD.replace('-', ""),
        format!("{{{}}}", PROD.to_uppercase()),
    ];
    let subjects = [
        "bob@example.com".to_string(),
        BOB.to_string(),
        format!("{{{BOB}}}"),
        BOB.replace('-', "").to_uppercase(),
    ];
    let dir = tempfile::tempdir().unwrap();
    let tables = dir.path().join("tables.rampart");
    std::fs::write(&tables, table_bytes(policy, &catalog)).unwrap();
    let sidecar = Sidecar::start(&tables, &[]);
    for subject in &subjects {
        for id in spellings.iter().chain([&PROD.to_string()]) {
            for properties in [json!(null), json!({"namespace": "dev"})] {
                let mut resource = json!({"type": "config", "id": id});
                if !properties.is_null() {
                    resource["properties"] = properties.clone();
                }
                let (status, body, _) = sidecar.post(
                    "/access/v1/evaluation",
                    &json!({"subject": {"type": "user", "id": subject},
                        "action": {"name": "read"}, "resource": resource}),
                );
                assert_eq!(
                    (status, &body["decision"]),
                    (200, &json!(false)),
                    "{subject} {id} {properties}: {body}"
                );
            }
            let (status, body, _) = sidecar.post(
                "/rbac/subject-access-reviews",
                &json!({"resource": {"config": id}, "action": "read", "subjects": [subject]}),
            );
            assert_eq!(status, 200, "{body}");
            assert_eq!(
                body["results"][0],
                json!({"subject": subject, "allowed": false}),
                "{subject} {id}"
            );
        }
    }
    // The dev config stays readable by every spelling of bob.
    for subject in &subjects {
        let (status, body, _) = sidecar.post(
            "/access/v1/evaluation",
            &json!({"subject": {"type": "user", "id": subject}, "action": {"name": "read"},
                "resource": {"type": "config", "id": "{0190A3C1-7E2F-4B5A-8C9D-0123456789AA}"}}),
        );
        assert_eq!((status, &body["decision"]), (200, &json!(true)), "{body}");
    }
    let batch = dir.path().join("requests.jsonl");
    let mut lines = Vec::new();
    for subject in &subjects {
        for id in &spellings {
            lines.push(json!({"subject": subject, "action": "read", "objects": {"config": id}}));
            lines.push(json!({"subject": subject, "action": "read",
                "objects": {"config": {"id": id, "namespace": "dev"}}}));
        }
    }
    std::fs::write(
        &batch,
        lines
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let o = support::run(&[
        "check",
        "-t",
        tables.to_str().unwrap(),
        "--batch",
        batch.to_str().unwrap(),
    ]);
    let answers: Vec<Value> = support::stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), lines.len(), "{answers:?}");
    for (line, answer) in lines.iter().zip(&answers) {
        assert_eq!(answer["decision"], json!("deny"), "{line}: {answer}");
    }
    for subject in &subjects {
        for id in &spellings {
            let o = support::run(&[
                "check",
                "-t",
                tables.to_str().unwrap(),
                "--as",
                subject,
                "--action",
                "read",
                "--config",
                id,
            ]);
            let out = support::stdout(&o);
            assert_eq!(
                o.status.code(),
                Some(1),
                "{subject} {id}: {out} {}",
                support::stderr(&o)
            );
            assert!(out.starts_with("denied\n"), "{subject} {id}: {out}");
        }
    }
}

/// Issue 20 (round 6), F4: a refused table file followed by a good file whose tables are
/// the ones still answering (a rollback: the same revision) is a file that loads: `/ready`
/// is no longer stale, without waiting for `SIGHUP`.
#[test]
fn a_rollback_to_the_tables_in_force_after_a_refused_file_clears_stale() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tables.rampart");
    let first = table_bytes(POLICY, CATALOG);
    replace(&path, &first);
    let sidecar = Sidecar::start(&path, &[]);

    replace(&path, b"RAMPART? not tables");
    sidecar.wait_for_log("did not load");
    let (_, body) = sidecar.get("/ready");
    assert_eq!(body["stale"], json!(true), "{body}");

    // Rolled back: the file on disk is again the tables in force.
    replace(&path, &first);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = sidecar.get("/ready");
        assert_eq!(status, 200, "{body}");
        if body["stale"] == json!(false) {
            assert!(body.get("refused").is_none(), "{body}");
            assert_eq!(
                body["revision"],
                json!(support::sidecar::revision_of(&first)),
                "{body}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still stale after the rollback loaded: {body}\n{}",
            sidecar.metrics()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
