//! Issue 23: components have no tags in Mission Control (flanksource/duty's `components`
//! table has no tags column, and `models.Component` no tags matcher, so `tags.K` never
//! exists on a component there). A component described with `tags` is a request error at
//! every face — `rampart check --batch` and the sidecar here, which share one request
//! model — never decided by tags Mission Control could not read.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use serde_json::{json, Value};
use support::sidecar::{fixture_tables, Sidecar};

/// Described components: with tags (refused), and without (decided).
fn lines() -> Vec<Value> {
    let component = |attributes: Value| json!({"subject": "admin@example.com", "action": "read", "objects": {"component": attributes}});
    vec![
        component(json!({"id": "k-new", "name": "new", "tags": {"env": "prod"}})),
        component(json!({"id": "k-new", "name": "new", "labels": {"env": "prod"}})),
        component(json!({"id": "k-new", "name": "new"})),
        // A config carries tags.
        json!({"subject": "admin@example.com", "action": "read", "objects": {"config": {"id": "c-new", "tags": {"env": "prod"}}}}),
    ]
}

#[test]
fn check_batch_refuses_a_component_described_with_tags() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = fixture_tables(dir.path());
    let batch = dir.path().join("requests.jsonl");
    let text: Vec<String> = lines().iter().map(Value::to_string).collect();
    std::fs::write(&batch, text.join("\n") + "\n").expect("write");
    let o = support::run(&[
        "check",
        "-t",
        tables.to_str().unwrap(),
        "--batch",
        batch.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", support::stderr(&o));
    let answers: Vec<Value> = support::stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 4, "{answers:?}");
    let error = answers[0]["error"].as_str().expect("an error line");
    assert!(
        error.contains("tags") && error.contains("labels") && error.contains("component"),
        "{error}"
    );
    for answer in &answers[1..] {
        assert_eq!(answer["allowed"], json!(true), "{answer}");
    }
}

#[test]
fn the_sidecar_refuses_a_component_described_with_tags() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = fixture_tables(dir.path());
    let sidecar = Sidecar::start(&tables, &[]);
    let evaluation = |properties: Value| {
        json!({
            "subject": {"type": "user", "id": "admin@example.com"},
            "action": {"name": "read"},
            "resource": {"type": "component", "id": "k-new", "properties": properties},
        })
    };
    let (status, body, _) = sidecar.post(
        "/access/v1/evaluation",
        &evaluation(json!({"name": "new", "tags": {"env": "prod"}})),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], json!("invalid_request"), "{body}");
    let message = body["error"]["message"].to_string();
    assert!(message.contains("tags"), "{body}");

    // In a batch, that item alone is an error.
    let batch = json!({"evaluations": [
        evaluation(json!({"name": "new", "tags": {"env": "prod"}})),
        evaluation(json!({"name": "new", "labels": {"env": "prod"}})),
    ]});
    let (status, body, _) = sidecar.post("/access/v1/evaluations", &batch);
    assert_eq!(status, 200, "{body}");
    let items = body["evaluations"].as_array().unwrap();
    assert_eq!(
        items[0]["context"]["error"]["code"],
        json!("invalid_request"),
        "{body}"
    );
    assert_eq!(items[1]["decision"], json!(true), "{body}");
}
