//! `rampart serve` driven over HTTP by a real client: every endpoint, malformed bodies,
//! reloads while requests flow (a plain file renamed over, and the Kubernetes ConfigMap
//! `..data` symlink swap), a corrupt reload, the bearer token, graceful shutdown, and the
//! same answers as `rampart check --batch` on the fixtures and the workload requests.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::sidecar::{
    client, fixture_tables, header, replace, revision_of, table_bytes, Sidecar,
};

/// An AuthZEN evaluation for a batch line of `rampart check --batch`.
fn authzen(line: &Value) -> Value {
    let subject = line["subject"].as_str().unwrap();
    let subject = match subject.split_once(':') {
        Some((kind @ ("playbook" | "notification"), id)) => json!({"type": kind, "id": id}),
        _ => json!({"type": "user", "id": subject}),
    };
    let mut resources: Vec<Value> = Vec::new();
    if let Some(g) = line.get("global").and_then(Value::as_str) {
        resources.push(json!({"type": "global", "id": g}));
    }
    if let Some(objects) = line.get("objects").and_then(Value::as_object) {
        for (kind, o) in objects {
            resources.push(match o {
                Value::String(key) => json!({"type": kind, "id": key}),
                attributes => {
                    // AuthZEN gives the identity outside the properties: `resource.id`,
                    // and the object's own type as `object_type`.
                    let mut properties = attributes.as_object().unwrap().clone();
                    let id = properties.remove("id").unwrap();
                    if let Some(t) = properties.remove("type") {
                        properties.insert("object_type".into(), t);
                    }
                    json!({"type": kind, "id": id, "properties": properties})
                }
            });
        }
    }
    let first = resources.remove(0);
    json!({"subject": subject, "action": {"name": line["action"]}, "resource": first, "context": {"resources": resources}})
}

/// `rampart check --batch` and `/access/v1/evaluations` over the same lines.
fn agree_with_check(tables: &Path, lines: &[Value]) -> usize {
    let dir = tempfile::tempdir().expect("temporary directory");
    let batch = dir.path().join("requests.jsonl");
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&batch, text.join("\n") + "\n").expect("write");
    let o = support::run(&[
        "check",
        "-t",
        tables.to_str().unwrap(),
        "--batch",
        batch.to_str().unwrap(),
    ]);
    let expected: Vec<bool> = support::stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["allowed"] == json!(true))
        .collect();
    assert_eq!(expected.len(), lines.len());
    let sidecar = Sidecar::start(tables, &[]);
    let mut answered = Vec::new();
    for chunk in lines.chunks(500) {
        let evaluations: Vec<Value> = chunk.iter().map(authzen).collect();
        let (status, body, _) = sidecar.post(
            "/access/v1/evaluations",
            &json!({"evaluations": evaluations}),
        );
        assert_eq!(status, 200, "{body}");
        for e in body["evaluations"].as_array().unwrap() {
            assert!(e["context"].get("error").is_none(), "{e}");
            answered.push(e["decision"] == json!(true));
        }
    }
    assert_eq!(
        answered, expected,
        "the sidecar and `rampart check --batch` differ"
    );
    expected.iter().filter(|a| **a).count()
}

#[test]
fn the_sidecar_answers_the_fixture_requests_as_check_batch_does() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = fixture_tables(dir.path());
    let subjects = [
        "john@doe.com",
        "jane.doe@example.com",
        "admin@example.com",
        "playbook:mc/echo-config",
        "notification:mc/check-alerts",
    ];
    let actions = [
        "read",
        "update",
        "delete",
        "playbook:run",
        "playbook:approve",
        "mcp:run",
    ];
    let configs = ["c-mc-pod", "c-mc-deploy", "c-default-pod", "c-bucket"];
    let playbooks = [
        "mc/echo-config",
        "mc/loki-logs",
        "mission-control/restart-pod",
    ];
    let mut lines = Vec::new();
    for subject in subjects {
        for action in actions {
            let mut push = |objects: Value| {
                lines.push(json!({"subject": subject, "action": action, "objects": objects}))
            };
            for c in configs {
                push(json!({"config": c}));
                for p in playbooks {
                    push(json!({"playbook": p, "config": c}));
                }
            }
            for p in playbooks {
                push(json!({"playbook": p}));
            }
            for n in [
                "mc/loki-bucket",
                "default/archive-bucket",
                "mc/alerts-slack",
            ] {
                push(json!({"connection": n}));
            }
            push(
                json!({"config": {"id": "c-fresh", "name": "fresh", "namespace": "mission-control", "type": "Kubernetes::Pod", "tags": {"env": "prod"}}}),
            );
            for g in ["catalog", "playbooks", "connection", "mcp"] {
                lines.push(json!({"subject": subject, "action": action, "global": g}));
            }
        }
    }
    let allowed = agree_with_check(&tables, &lines);
    assert!(
        allowed > 0 && allowed < lines.len(),
        "{allowed} of {}",
        lines.len()
    );
}

#[test]
fn the_sidecar_answers_a_generated_workload_as_check_batch_does() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let work = dir.path().join("work");
    let lines = small_workload(&work);
    let tables = work.join("tables.rampart");
    let c = support::run(&[
        "compile",
        work.join("policy").to_str().unwrap(),
        "--catalog",
        work.join("catalog.yaml").to_str().unwrap(),
        "-o",
        tables.to_str().unwrap(),
    ]);
    assert!(c.status.success(), "{}", support::stderr(&c));
    let allowed = agree_with_check(&tables, &lines);
    assert!(
        allowed > 0 && allowed < lines.len(),
        "{allowed} of {}",
        lines.len()
    );
}

/// A small random world in the shape of the synthetic workload (people in teams, configs
/// in namespaces with types and env tags, playbooks; permissions by person and team on
/// namespaces, tags, names and playbook + config pairs, an eighth of them denials) and
/// 1,500 requests over it, a tenth about configs the catalog does not know.
fn small_workload(dir: &Path) -> Vec<Value> {
    std::fs::create_dir_all(dir.join("policy")).unwrap();
    let mut seed: u64 = 42;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut catalog = String::from("people:\n");
    for p in 0..60 {
        catalog.push_str(&format!(
            "  - {{id: u{p}, name: User {p}, email: user{p}@example.com, teams: [team-{}]}}\n",
            p % 6
        ));
    }
    catalog.push_str("teams:\n");
    for t in 0..6 {
        catalog.push_str(&format!("  - {{id: t{t}, name: team-{t}}}\n"));
    }
    catalog.push_str("playbooks:\n");
    for b in 0..10 {
        catalog.push_str(&format!(
            "  - {{id: pb{b}, namespace: ns-{}, name: playbook-{b}}}\n",
            b % 3
        ));
    }
    catalog.push_str("configs:\n");
    for c in 0..300 {
        catalog.push_str(&format!(
            "  - {{id: cfg-{c}, name: config-{c}, namespace: ns-{}, type: {}, tags: {{env: {}}}}}\n",
            c % 5,
            ["Kubernetes::Pod", "AWS::S3::Bucket"][c % 2],
            ["prod", "dev"][c % 3 % 2]
        ));
    }
    std::fs::write(dir.join("catalog.yaml"), catalog).unwrap();
    let mut policy = String::new();
    for i in 0..40 {
        let subject = if i % 2 == 0 {
            format!("person: user{}@example.com", next(60))
        } else {
            format!("team: team-{}", next(6))
        };
        let object = match next(4) {
            0 => format!("configs: [{{namespace: ns-{}}}]", next(5)),
            1 => format!("configs: [{{tagSelector: \"env={}\"}}]", ["prod", "dev"][next(2) as usize]),
            2 => format!("playbooks: [{{name: playbook-{}}}]\n    configs: [{{types: [\"Kubernetes::Pod\"]}}]", next(10)),
            _ => format!("configs: [{{name: config-{}}}]", next(300)),
        };
        policy.push_str(&format!(
            "---\napiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {{name: p{i}, namespace: default}}\nspec:\n  subject:\n    {subject}\n  actions: [\"{}\"]\n  deny: {}\n  object:\n    {object}\n",
            ["read", "*", "playbook:run"][next(3) as usize],
            next(8) == 0
        ));
    }
    std::fs::write(dir.join("policy").join("policy.yaml"), policy).unwrap();
    (0..1500)
        .map(|_| {
            let action = ["read", "update", "playbook:run"][next(3) as usize];
            let objects = match next(10) {
                0..=2 => {
                    let b = next(10);
                    json!({"playbook": format!("ns-{}/playbook-{b}", b % 3), "config": format!("cfg-{}", next(300))})
                }
                3 => json!({"config": {"id": format!("new-{}", next(1000)), "name": "fresh", "namespace": format!("ns-{}", next(5)), "type": "Kubernetes::Pod", "tags": {"env": "prod"}}}),
                _ => json!({"config": format!("cfg-{}", next(300))}),
            };
            json!({"subject": format!("user{}@example.com", next(60)), "action": action, "objects": objects})
        })
        .collect()
}

#[test]
fn every_endpoint_answers() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = fixture_tables(dir.path());
    let sidecar = Sidecar::start(&tables, &[]);
    let revision = revision_of(&std::fs::read(&tables).unwrap());

    let run = json!({
        "subject": {"type": "user", "id": "john@doe.com"},
        "action": {"name": "playbook:run"},
        "resource": {"type": "playbook", "id": "mc/echo-config"},
        "context": {"resources": [{"type": "config", "id": "c-mc-pod"}], "explain": true},
    });
    let (status, body, rev) = sidecar.post("/access/v1/evaluation", &run);
    assert_eq!((status, rev.as_str()), (200, revision.as_str()), "{body}");
    assert_eq!(body["decision"], json!(true), "{body}");
    assert_eq!(body["context"]["reason"], json!("allowed"));
    assert!(
        !body["context"]["reason_user"]["permissions"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{body}"
    );

    // Unknown names are errors with their code, never denials.
    let mut typo = run.clone();
    typo["context"]["resources"][0]["id"] = json!("c-mc-pdo");
    let (status, body, _) = sidecar.post("/access/v1/evaluation", &typo);
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], json!("unknown_object"), "{body}");
    assert_eq!(
        body["error"]["help"],
        json!("did you mean `c-mc-pod`?"),
        "an unknown name names the nearest one: {body}"
    );

    // An object the catalog does not know, described by its properties.
    let described = json!({
        "subject": {"type": "user", "id": "admin@example.com"},
        "action": {"name": "read"},
        "resource": {"type": "config", "id": "c-new", "properties": {"name": "new", "object_type": "Kubernetes::Pod", "namespace": "default"}},
    });
    let (status, body, _) = sidecar.post("/access/v1/evaluation", &described);
    assert_eq!(
        (status, body["decision"].clone()),
        (200, json!(true)),
        "{body}"
    );

    // A batch, in order; a bad item is that item's error.
    let mut bad = run.clone();
    bad["subject"]["id"] = json!("nobody@example.com");
    let batch = json!({"evaluations": [run.clone(), bad, {"action": {"name": "read"}, "subject": {"type": "user", "id": "john@doe.com"}, "resource": {"type": "global", "id": "catalog"}}]});
    let (status, body, _) = sidecar.post("/access/v1/evaluations", &batch);
    assert_eq!(status, 200, "{body}");
    let items = body["evaluations"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["decision"], json!(true));
    assert_eq!(items[1]["decision"], json!(false));
    assert_eq!(
        items[1]["context"]["error"]["code"],
        json!("unknown_subject")
    );
    assert!(items[2]["decision"].is_boolean());
    // Top-level defaults apply to every item; deny_on_first_deny stops early.
    let defaults = json!({
        "subject": {"type": "user", "id": "john@doe.com"},
        "action": {"name": "read"},
        "evaluations": [{"resource": {"type": "config", "id": "c-bucket"}}, {"resource": {"type": "config", "id": "c-mc-pod"}}],
        "options": {"evaluations_semantic": "deny_on_first_deny"},
    });
    let (_, body, _) = sidecar.post("/access/v1/evaluations", &defaults);
    let n = body["evaluations"].as_array().unwrap().len();
    assert!(
        n == 1 || body["evaluations"][0]["decision"] == json!(true),
        "{body}"
    );

    // Searches.
    let (status, body, _) = sidecar.post(
        "/access/v1/search/subject",
        &json!({"subject": {"type": "user"}, "action": {"name": "playbook:run"}, "resource": {"type": "playbook", "id": "mc/echo-config"}, "context": {"resources": [{"type": "config", "id": "c-mc-pod"}]}}),
    );
    assert_eq!(status, 200, "{body}");
    let users: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        users.contains(&"john@doe.com") && users.contains(&"admin@example.com"),
        "{users:?}"
    );
    let (status, body, _) = sidecar.post(
        "/access/v1/search/resource",
        &json!({"subject": {"type": "user", "id": "admin@example.com"}, "action": {"name": "read"}, "resource": {"type": "config"}, "page": {"limit": 2}}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"].as_array().unwrap().len(), 2, "{body}");
    let token = body["page"]["next_token"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
    let (_, rest, _) = sidecar.post(
        "/access/v1/search/resource",
        &json!({"subject": {"type": "user", "id": "admin@example.com"}, "action": {"name": "read"}, "resource": {"type": "config"}, "page": {"token": token, "limit": 100}}),
    );
    assert_eq!(
        rest["results"].as_array().unwrap().len(),
        2,
        "four configs in the fixtures: {rest}"
    );
    let (status, body, _) = sidecar.post(
        "/access/v1/search/action",
        &json!({"subject": {"type": "user", "id": "john@doe.com"}, "resource": {"type": "playbook", "id": "mc/echo-config"}, "context": {"resources": [{"type": "config", "id": "c-mc-pod"}]}}),
    );
    assert_eq!(status, 200, "{body}");
    let actions: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"playbook:run"), "{actions:?}");

    // Mission Control's endpoints.
    let (status, body, _) = sidecar.post(
        "/rbac/subject-access-reviews",
        &json!({"resource": {"playbook": "mc/echo-config", "config": "c-mc-pod"}, "action": "playbook:run", "subjects": ["john@doe.com", "jane.doe@example.com", "ghost@example.com"]}),
    );
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!(
        results[0],
        json!({"subject": "john@doe.com", "allowed": true})
    );
    assert_eq!(results[2]["allowed"], json!(false));
    assert!(results[2]["error"]
        .as_str()
        .unwrap()
        .contains("unknown subject"));
    let (status, body, _) = sidecar.post(
        "/rbac/subject-access-search",
        &json!({"subject": "admin@example.com", "action": "read", "resource_types": ["config"]}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], json!(4), "{body}");
    assert_eq!(body["results"][0]["resource_type"], json!("config"));
    assert_eq!(body["paired_with"], json!([]), "{body}");
    // john may run playbooks on configs only together with a playbook: the one-object
    // results cannot show those configs, and the answer says so.
    let (status, body, _) = sidecar.post(
        "/rbac/subject-access-search",
        &json!({"subject": "john@doe.com", "action": "playbook:run", "resource_types": ["config"]}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["paired_with"],
        json!([{"resource_type": "config", "with": ["playbook"]}]),
        "{body}"
    );

    // Discovery, health, readiness, metrics.
    let c = client();
    let well_known: Value = c
        .get(sidecar.url("/.well-known/authzen-configuration"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        well_known["access_evaluation_endpoint"],
        json!(sidecar.url("/access/v1/evaluation"))
    );
    assert_eq!(
        c.get(sidecar.url("/health"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let ready: Value = c.get(sidecar.url("/ready")).send().unwrap().json().unwrap();
    assert_eq!(ready["revision"], json!(revision));
    let metrics = c
        .get(sidecar.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    for line in [
        "rampart_decisions_total{effect=\"allow\"}",
        "rampart_errors_total{code=\"unknown_object\"} 1",
        "rampart_request_duration_seconds_count",
        &format!("rampart_tables_info{{revision=\"{revision}\"}} 1"),
        "rampart_reloads_total 0",
    ] {
        assert!(metrics.contains(line), "no `{line}` in:\n{metrics}");
    }
}

#[test]
fn malformed_requests_get_json_errors() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = fixture_tables(dir.path());
    let sidecar = Sidecar::start(&tables, &["--max-body-bytes", "4096", "--max-batch", "10"]);
    let c = client();
    let send = |path: &str, body: &str| {
        let r = c
            .post(sidecar.url(path))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r
            .json()
            .unwrap_or_else(|_| panic!("a JSON body for {path} {body}"));
        (
            status,
            body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };
    let cases: &[(&str, &str, u16, &str)] = &[
        (
            "/access/v1/evaluation",
            "not json",
            400,
            "malformed_request",
        ),
        ("/access/v1/evaluation", "{}", 400, "malformed_request"),
        (
            "/access/v1/evaluation",
            r#"{"subject": {"type": "user", "id": "john@doe.com"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-mc-pod"}, "extra": 1}"#,
            400,
            "malformed_request",
        ),
        (
            "/access/v1/evaluation",
            r#"{"subject": {"type": "robot", "id": "x"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-mc-pod"}}"#,
            400,
            "malformed_request",
        ),
        (
            "/access/v1/evaluation",
            r#"{"subject": {"type": "user", "id": "john@doe.com"}, "action": {"name": "raed"}, "resource": {"type": "config", "id": "c-mc-pod"}}"#,
            400,
            "unknown_action",
        ),
        (
            "/access/v1/evaluation",
            r#"{"subject": {"type": "user", "id": "john@doe.com"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "x", "properties": {"colour": "red"}}}"#,
            400,
            "malformed_request",
        ),
        (
            "/access/v1/evaluations",
            r#"{"evaluations": 3}"#,
            400,
            "malformed_request",
        ),
        (
            "/access/v1/evaluations",
            &format!(r#"{{"evaluations": [{}]}}"#, ["{}"; 11].join(",")),
            400,
            "malformed_request",
        ),
        (
            "/access/v1/search/resource",
            r#"{"subject": {"type": "user", "id": "john@doe.com"}, "action": {"name": "read"}, "resource": {"type": "config"}, "page": {"token": "bogus"}}"#,
            400,
            "malformed_request",
        ),
        (
            "/rbac/subject-access-reviews",
            r#"{"resource": {"check": "c1"}, "action": "read", "subjects": ["john@doe.com"]}"#,
            400,
            "malformed_request",
        ),
        (
            "/rbac/subject-access-reviews",
            r#"{"resource": {"config": "nope"}, "action": "read", "subjects": ["john@doe.com"]}"#,
            400,
            "unknown_object",
        ),
        ("/no/such/endpoint", "{}", 404, "not_found"),
    ];
    for (path, body, status, code) in cases {
        assert_eq!(
            send(path, body),
            (*status, code.to_string()),
            "{path} {body}"
        );
    }
    let big = format!(r#"{{"pad": "{}"}}"#, "x".repeat(10_000));
    assert_eq!(
        send("/access/v1/evaluation", &big),
        (413, "body_too_large".into())
    );
}

#[test]
fn a_token_is_required_when_configured() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = fixture_tables(dir.path());
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret-token-for-the-sidecar\n").unwrap();
    let sidecar = Sidecar::start(&tables, &["--token-file", token_file.to_str().unwrap()]);
    let body = json!({"subject": {"type": "user", "id": "john@doe.com"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-mc-pod"}});
    let c = client();
    let status = |token: Option<&str>| {
        let request = c.post(sidecar.url("/access/v1/evaluation")).json(&body);
        let request = match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        };
        request.send().unwrap().status().as_u16()
    };
    assert_eq!(status(None), 401);
    assert_eq!(status(Some("s3cret-token-for-the-sidecaR")), 401);
    assert_eq!(status(Some("s3cret-token-for-the-sidecar")), 200);
    let with_headers = |values: &[&str]| {
        let mut request = c.post(sidecar.url("/access/v1/evaluation")).json(&body);
        for v in values {
            request = request.header("Authorization", *v);
        }
        request.send().unwrap().status().as_u16()
    };
    // The scheme in any case; two headers refused, whichever holds the token.
    assert_eq!(with_headers(&["bearer s3cret-token-for-the-sidecar"]), 200);
    assert_eq!(with_headers(&["BEARER  s3cret-token-for-the-sidecar"]), 200);
    assert_eq!(with_headers(&["Basic s3cret-token-for-the-sidecar"]), 401);
    assert_eq!(
        with_headers(&["Bearer s3cret-token-for-the-sidecar", "Bearer x"]),
        401
    );
    assert_eq!(
        with_headers(&["Bearer x", "Bearer s3cret-token-for-the-sidecar"]),
        401
    );
    assert_eq!(
        c.get(sidecar.url("/metrics"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        c.get(sidecar.url("/health"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let log = sidecar.log.lock().unwrap().clone();
    assert!(
        !log.contains("s3cret"),
        "the token leaked into the log:\n{log}"
    );
}

const CATALOG: &str = "people:\n  - {id: u1, name: Ann, email: ann@example.com}\nconfigs:\n  - {id: c1, name: one, namespace: ns}\n";

fn policy(allow: bool) -> String {
    format!(
        "apiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {{name: p, namespace: default}}\nspec:\n  subject: {{person: ann@example.com}}\n  actions: [read]\n  deny: {}\n  object:\n    configs: [{{name: \"*\"}}]\n{}",
        !allow,
        if allow { "" } else { "---\napiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {name: q, namespace: default}\nspec:\n  subject: {person: ann@example.com}\n  actions: [read]\n  object:\n    configs: [{name: one}]\n" }
    )
}

/// Tables that allow ann to read c1 and tables that deny it, and the decision by revision.
fn two_tables() -> (Vec<u8>, Vec<u8>, HashMap<String, bool>) {
    let (a, b) = (
        table_bytes(&policy(true), CATALOG),
        table_bytes(&policy(false), CATALOG),
    );
    let expected = [(revision_of(&a), true), (revision_of(&b), false)].into();
    (a, b, expected)
}

/// Requests flow from two threads while the file is swapped `swaps` times by `swap`;
/// every answer must be a 200 whose decision is the one of the tables its revision names.
fn reload_under_load(sidecar: &Sidecar, expected: &HashMap<String, bool>, swap: &dyn Fn(usize)) {
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (stop, answered, seen) = (Arc::clone(&stop), Arc::clone(&answered), Arc::clone(&seen));
            let url = sidecar.url("/access/v1/evaluation");
            let expected = expected.clone();
            std::thread::spawn(move || {
                let c = client();
                let body = json!({"subject": {"type": "user", "id": "ann@example.com"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c1"}});
                while !stop.load(Ordering::Relaxed) {
                    let r = c.post(&url).json(&body).send().expect("no failed request");
                    assert_eq!(r.status().as_u16(), 200);
                    let revision = header(&r);
                    let v: Value = r.json().unwrap();
                    assert_eq!(Some(&(v["decision"] == json!(true))), expected.get(&revision), "{revision}: {v}");
                    seen.lock().unwrap().insert(revision);
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for i in 0..6 {
        std::thread::sleep(Duration::from_millis(300));
        swap(i);
    }
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join()
            .expect("a worker saw a failed or inconsistent answer");
    }
    assert!(answered.load(Ordering::Relaxed) > 100, "requests flowed");
    assert_eq!(seen.lock().unwrap().len(), 2, "both tables answered");
}

#[test]
fn reloads_lose_no_request_and_a_corrupt_file_keeps_the_old_tables() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (a, b, expected) = two_tables();
    let path = dir.path().join("tables.rampart");
    replace(&path, &a);
    let sidecar = Sidecar::start(&path, &[]);
    reload_under_load(&sidecar, &expected, &|i| {
        replace(&path, if i % 2 == 0 { &b } else { &a })
    });

    // Garbage renamed over the file: refused, and the last good tables keep answering.
    let good = revision_of(&std::fs::read(&path).unwrap());
    replace(&path, b"RAMPART? certainly not a table file");
    sidecar.wait_for_log("did not load");
    let (status, _, revision) = sidecar.post(
        "/access/v1/evaluation",
        &json!({"subject": {"type": "user", "id": "ann@example.com"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c1"}}),
    );
    assert_eq!((status, revision), (200, good));
    let metrics = client()
        .get(sidecar.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("rampart_reload_failures_total 1"),
        "{metrics}"
    );

    // SIGHUP forces a reload of the (now good again) file.
    replace(&path, &a);
    sidecar.wait_for_log(&format!("tables {} loaded", revision_of(&a)));
    let before = sidecar.log.lock().unwrap().matches("loaded in").count();
    Command::new("kill")
        .args(["-HUP", &sidecar.child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while sidecar.log.lock().unwrap().matches("loaded in").count() == before {
        assert!(Instant::now() < deadline, "SIGHUP did not reload");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_configmap_data_symlink_swap_is_seen() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (a, b, expected) = two_tables();
    let root = dir.path();
    // kubelet's layout: tables.rampart -> ..data/tables.rampart, ..data -> ..<timestamp>
    let publish = |n: usize, bytes: &[u8]| {
        let version = root.join(format!("..v{n}"));
        std::fs::create_dir(&version).unwrap();
        std::fs::write(version.join("tables.rampart"), bytes).unwrap();
        let tmp = root.join("..data_tmp");
        std::os::unix::fs::symlink(format!("..v{n}"), &tmp).unwrap();
        std::fs::rename(&tmp, root.join("..data")).unwrap();
    };
    publish(0, &a);
    std::os::unix::fs::symlink("..data/tables.rampart", root.join("tables.rampart")).unwrap();
    let sidecar = Sidecar::start(&root.join("tables.rampart"), &[]);
    reload_under_load(&sidecar, &expected, &|i| {
        publish(i + 1, if i % 2 == 0 { &b } else { &a })
    });
}

#[test]
fn sigterm_finishes_the_request_in_flight() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = fixture_tables(dir.path());
    let mut sidecar = Sidecar::start(&tables, &[]);
    let address = sidecar.base.trim_start_matches("http://").to_string();
    let body = json!({"subject": {"type": "user", "id": "john@doe.com"}, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-mc-pod"}}).to_string();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(stream, "POST /access/v1/evaluation HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).unwrap();
    let (head, tail) = body.split_at(body.len() / 2);
    stream.write_all(head.as_bytes()).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    Command::new("kill")
        .args(["-TERM", &sidecar.child.id().to_string()])
        .status()
        .unwrap();
    sidecar.wait_for_log("shutting down");
    std::thread::sleep(Duration::from_millis(200));
    stream.write_all(tail.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"decision\""), "{response}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = sidecar.child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        std::net::TcpStream::connect(&address).is_err(),
        "no new connections after the stop"
    );
}

#[test]
fn decision_logs_record_each_decision_without_secrets() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = fixture_tables(dir.path());
    let log = dir.path().join("decisions.jsonl");
    let sidecar = Sidecar::start(&tables, &["--decision-log", log.to_str().unwrap()]);
    let body = json!({"subject": {"type": "user", "id": "john@doe.com"}, "action": {"name": "read"}, "resource": {"type": "connection", "id": "mc/loki-bucket"}});
    for _ in 0..3 {
        assert_eq!(sidecar.post("/access/v1/evaluation", &body).0, 200);
    }
    // Items that add nothing to the top-level request are decided once, and each is
    // still a decision of its own in the log.
    let mut batch = body.clone();
    batch["evaluations"] = json!([{}, {}, {}]);
    assert_eq!(sidecar.post("/access/v1/evaluations", &batch).0, 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    let lines = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.lines().count() >= 6 || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let entries: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 6);
    let ids: std::collections::BTreeSet<&str> = entries
        .iter()
        .map(|e| e["decision_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 6, "decision ids are unique");
    for e in &entries {
        for field in [
            "time",
            "revision",
            "subject",
            "action",
            "resources",
            "effect",
            "reason",
        ] {
            assert!(!e[field].is_null(), "{field} in {e}");
        }
    }
    let secrets = std::fs::read_to_string("../fixtures/secrets/secrets.yaml").unwrap_or_default();
    for value in secrets
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(_, v)| v.trim())
        .filter(|v| v.len() > 8)
    {
        assert!(!lines.contains(value), "a secret value in the decision log");
    }
}

#[test]
fn a_sampled_decision_log_counts_what_it_wrote_and_left_out_on_metrics() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = fixture_tables(dir.path());
    let log = dir.path().join("decisions.jsonl");
    let sidecar = Sidecar::start(
        &tables,
        &[
            "--decision-log",
            log.to_str().unwrap(),
            "--decision-log-sample",
            "0.5",
            "--decision-log-overflow",
            "drop",
        ],
    );
    let body = json!({"subject": {"type": "user", "id": "john@doe.com"}, "action": {"name": "read"}, "resource": {"type": "connection", "id": "mc/loki-bucket"}});
    let n = 60;
    for _ in 0..n {
        assert_eq!(sidecar.post("/access/v1/evaluation", &body).0, 200);
    }
    let counter = |text: &str, name: &str| -> usize {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("rampart_decision_log_{name}_total ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} counter in {text}"))
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let (written, sampled_out, dropped) = loop {
        let text = sidecar.metrics();
        let counts = (
            counter(&text, "written"),
            counter(&text, "sampled_out"),
            counter(&text, "dropped"),
        );
        if counts.0 + counts.1 + counts.2 == n || Instant::now() > deadline {
            break counts;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(written + sampled_out + dropped, n);
    assert_eq!(dropped, 0, "a 65,536-line queue is never full here");
    assert!(
        written > 0 && sampled_out > 0,
        "{written} written, {sampled_out} left out"
    );
    let lines = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(lines.lines().count(), written);
}

#[test]
fn bad_decision_log_flags_are_all_refused_at_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = fixture_tables(dir.path());
    let log = dir.path().join("decisions.jsonl");
    let out = support::run(&[
        "serve",
        "-t",
        tables.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--decision-log",
        log.to_str().unwrap(),
        "--decision-log-sample",
        "0",
        "--decision-log-overflow",
        "lossy",
    ]);
    support::assert_refused(&out, "`--decision-log-sample`: ");
    support::assert_refused(&out, "above 0 and at most 1");
    support::assert_refused(&out, "`--decision-log-overflow`: ");
    support::assert_refused(&out, "write `block`");
    let out = support::run(&[
        "serve",
        "-t",
        tables.to_str().unwrap(),
        "--decision-log-sample",
        "0.5",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "sampling without a log is refused"
    );
}

/// Issue 20 (round 5), item 6: a decision log line names every object of the request as
/// `{type, id, decided, described?}`: the id as asked and the catalog object it was
/// decided as (`null` for a described object the catalog does not hold), so a line
/// never names only the spelling that was asked about.
#[test]
fn decision_logs_name_the_object_each_resource_was_decided_as() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = fixture_tables(dir.path());
    let log = dir.path().join("decisions.jsonl");
    let sidecar = Sidecar::start(&tables, &["--decision-log", log.to_str().unwrap()]);
    let john = json!({"type": "user", "id": "john@doe.com"});
    let bodies = [
        json!({"subject": john, "action": {"name": "read"}, "resource": {"type": "config", "id": "C-MC-POD"}}),
        json!({"subject": john, "action": {"name": "read"}, "resource": {"type": "connection", "id": "mc/loki-bucket"}}),
        json!({"subject": john, "action": {"name": "read"}, "resource": {"type": "config", "id": "c-new", "properties": {"name": "new", "namespace": "default"}}}),
        json!({"subject": john, "action": {"name": "read"}, "resource": {"type": "config", "id": "C-Mc-Deploy", "properties": {"name": "whatever"}}}),
    ];
    for body in &bodies {
        let (status, answer, _) = sidecar.post("/access/v1/evaluation", body);
        assert_eq!(status, 200, "{answer}");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let lines = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.lines().count() >= bodies.len() || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let resources: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["resources"].clone())
        .collect();
    assert_eq!(
        resources,
        vec![
            json!([{"type": "config", "id": "C-MC-POD", "decided": "c-mc-pod"}]),
            json!([{"type": "connection", "id": "mc/loki-bucket", "decided": "cn-s3"}]),
            json!([{"type": "config", "id": "c-new", "decided": null, "described": true}]),
            json!([{"type": "config", "id": "C-Mc-Deploy", "decided": "c-mc-deploy", "described": true}]),
        ],
        "{lines}"
    );
}
