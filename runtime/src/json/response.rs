//! Answers as JSON (`rampart check --format json`, `--batch`, the sidecar's
//! explanations) and as text lines.

use serde_json::{json, Value};

use crate::response::{Candidate, DecidingPermission, Response, Via};

fn via(v: &Via) -> Value {
    match v {
        Via::Direct => Value::Null,
        Via::Member { kind, name } => json!({"kind": kind.word(), "name": name}),
    }
}

/// One deciding permission as JSON.
pub fn deciding_json(p: &DecidingPermission) -> Value {
    json!({"permission": p.permission, "source": p.source, "effect": p.effect.word(), "via": via(&p.via)})
}

/// One candidate as JSON.
pub fn candidate_json(c: &Candidate) -> Value {
    json!({
        "permission": c.permission,
        "source": c.source,
        "via": via(&c.via),
        "failed": c.failed.iter().map(|f| json!({"code": f.code(), "message": f.to_string()})).collect::<Vec<_>>(),
    })
}

/// A response as JSON: `{allowed, decision, reason, permissions, candidates}`.
pub fn response_json(response: &Response) -> Value {
    let mut out = json!({
        "allowed": response.is_allowed(),
        "decision": response.effect().word(),
        "reason": response.reason().code(),
    });
    if let (Some(explanation), Some(map)) = (response.explanation(), out.as_object_mut()) {
        map.insert(
            "permissions".into(),
            explanation.deciding.iter().map(deciding_json).collect(),
        );
        map.insert(
            "candidates".into(),
            explanation.candidates.iter().map(candidate_json).collect(),
        );
    }
    out
}

/// A response as text lines (`rampart check`).
pub fn response_text(response: &Response) -> Vec<String> {
    let mut lines = vec![
        response.effect().to_string(),
        format!("reason: {}", response.reason().code()),
    ];
    if let Some(explanation) = response.explanation() {
        for p in &explanation.deciding {
            lines.push(format!(
                "  {} {} ({}) {}",
                p.effect.word(),
                p.permission,
                p.source,
                p.via
            ));
        }
        if !explanation.candidates.is_empty() {
            lines.push("nearest allow rules:".into());
        }
        for c in &explanation.candidates {
            lines.push(format!("  {} ({}) {}", c.permission, c.source, c.via));
            for f in &c.failed {
                lines.push(format!(
                    "    - {}",
                    crate::text::escape_controls(&f.to_string())
                ));
            }
        }
    }
    lines
}
