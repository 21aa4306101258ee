//! Deny monotonicity (issue 20) through the sidecar: the property of
//! `compiler/tests/reference/monotonicity.rs` with every request asked as an AuthZEN
//! evaluation body, answered by the sidecar's handler as its HTTP face calls it. Growing a
//! request (one more resource in `context.resources`, one more member in a resource's
//! `properties`) or the world (a membership, a role, a catalog object or attribute) never
//! lifts an explicit deny.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[path = "../../compiler/tests/reference/mod.rs"]
mod reference;

use std::sync::Arc;
use std::time::Duration;

use rampart_runtime::{Category, ObjectAttributes, TablesHandle};
use rampart_serve::app::{App, Cancel};
use rampart_serve::authzen;
use rampart_serve::metrics::Metrics;
use reference::extend::{request_objects, RequestObject};
use reference::generate::{compile_tables, GeneratedRequest};
use reference::monotonicity::{check_monotonicity, Face};
use reference::World;
use serde_json::{json, Map, Value};

/// The sidecar's `/access/v1/evaluation` handler.
struct Sidecar;

/// An AuthZEN resource's `properties` for an object described by attributes.
fn properties(a: &ObjectAttributes) -> Value {
    let mut p = Map::new();
    for (key, value) in [
        ("name", &a.name),
        ("namespace", &a.namespace),
        ("object_type", &a.object_type),
        ("agent", &a.agent),
        ("status", &a.status),
        ("health", &a.health),
    ] {
        if let Some(v) = value {
            p.insert(key.into(), json!(v));
        }
    }
    if !a.tags.is_empty() {
        p.insert("tags".into(), json!(a.tags));
    }
    if !a.labels.is_empty() {
        p.insert("labels".into(), json!(a.labels));
    }
    Value::Object(p)
}

/// The evaluation body of a generated request; `None` for a request about nothing, which
/// AuthZEN cannot ask.
fn body(w: &World, r: &GeneratedRequest) -> Option<Value> {
    let subject = w.subject_name(&r.principal);
    let subject = match subject.split_once(':') {
        Some((kind @ ("playbook" | "notification"), id)) => json!({"type": kind, "id": id}),
        _ => json!({"type": "user", "id": subject}),
    };
    let mut resources: Vec<Value> = match &r.global {
        Some(g) => vec![json!({"type": "global", "id": g})],
        None => request_objects(w, r)
            .into_iter()
            .map(|(c, o)| {
                let kind = Category::ALL[c].name();
                match o {
                    RequestObject::Key(key) => json!({"type": kind, "id": key}),
                    RequestObject::Attributes(a) => json!({
                        "type": kind,
                        "id": a.id.clone().expect("described objects have ids"),
                        "properties": properties(&a),
                    }),
                }
            })
            .collect(),
    };
    if resources.is_empty() {
        return None;
    }
    let resource = resources.remove(0);
    let mut body = json!({
        "subject": subject,
        "action": {"name": r.action},
        "resource": resource,
    });
    if !resources.is_empty() {
        body["context"] = json!({"resources": resources});
    }
    Some(body)
}

impl Face for Sidecar {
    type Loaded = App;

    fn load(&self, w: &World) -> App {
        App {
            handle: TablesHandle::new(compile_tables(w)),
            metrics: Metrics::default(),
            token: None,
            decision_log: None,
            max_body: 1 << 20,
            body_timeout: Duration::from_secs(10),
            max_batch: 64,
            permits: Arc::new(tokio::sync::Semaphore::new(1)),
            public_url: None,
            resolver: std::sync::OnceLock::new(),
        }
    }

    fn explicitly_denied(&self, app: &App, w: &World, r: &GeneratedRequest) -> Option<bool> {
        let body = body(w, r)?;
        let answer = authzen::evaluation(app, body.clone(), &Cancel::new())
            .unwrap_or_else(|e| panic!("{body}: {}", e.json()));
        Some(answer.body["context"]["reason"] == "explicit_deny")
    }
}

#[test]
fn growing_a_request_or_the_world_never_lifts_an_explicit_deny_at_the_sidecar() {
    check_monotonicity(&Sidecar, 80, 10);
}
