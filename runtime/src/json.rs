//! The JSON request and response format shared by every face that takes a request as
//! data (`rampart check --batch`, `rampart test`, the sidecar, the bindings):
//! `{subject, action, objects: {playbook?, config?, component?, connection?}}`,
//! `{subject, action, global}`, or `{subject, action}` (no object at all). Objects are
//! keys, or for objects the catalog does not know, attribute objects. Unknown fields are
//! errors. The runtime's [`Request`] borrows from these. Behind the `json` feature.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::attributes::ObjectAttributes;
use crate::category::Category;
use crate::request::{ObjectRef, Objects, Request, Target};
use crate::response::{Candidate, DecidingPermission, Response, Via};

/// An object named by key (`ns/name` or id), or described by attributes.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum JsonObject {
    /// A key.
    Key(String),
    /// Attributes.
    Attributes(Box<ObjectAttributes>),
}

/// The objects of a request, at most one per category.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct JsonObjects {
    /// A playbook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playbook: Option<JsonObject>,
    /// A config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<JsonObject>,
    /// A component.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<JsonObject>,
    /// A connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<JsonObject>,
}

impl JsonObjects {
    /// The objects by category.
    pub fn iter(&self) -> impl Iterator<Item = (Category, &JsonObject)> {
        [
            (Category::Playbook, &self.playbook),
            (Category::Config, &self.config),
            (Category::Component, &self.component),
            (Category::Connection, &self.connection),
        ]
        .into_iter()
        .filter_map(|(c, o)| o.as_ref().map(|o| (c, o)))
    }

    /// Sets the object of `category`.
    pub fn set(&mut self, category: Category, object: JsonObject) {
        let slot = match category {
            Category::Playbook => &mut self.playbook,
            Category::Config => &mut self.config,
            Category::Component => &mut self.component,
            Category::Connection => &mut self.connection,
        };
        *slot = Some(object);
    }

    /// The runtime's borrowed form.
    pub fn to_objects(&self) -> Objects<'_> {
        self.iter().fold(Objects::new(), |objects, (c, o)| {
            objects.with(
                c,
                match o {
                    JsonObject::Key(k) => ObjectRef::Key(k),
                    JsonObject::Attributes(a) => ObjectRef::Attributes(a),
                },
            )
        })
    }
}

/// One request.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct JsonRequest {
    /// `email|id|name`, `playbook:ns/name` or `notification:ns/name`.
    pub subject: String,
    /// The action.
    pub action: String,
    /// The objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objects: Option<JsonObjects>,
    /// A global object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global: Option<String>,
}

/// The target of objects and/or a global object: both is an error; neither (or
/// `objects: {}`) is a request about nothing.
pub fn target<'a>(
    objects: Option<&'a JsonObjects>,
    global: Option<&'a str>,
) -> Result<Target<'a>, String> {
    match (objects, global) {
        (Some(o), Some(_)) if o.iter().next().is_some() => {
            Err("a request names objects or a global object, not both".into())
        }
        (_, Some(g)) => Ok(Target::Global(g)),
        (Some(o), None) if o.iter().next().is_some() => Ok(Target::Objects(o.to_objects())),
        _ => Ok(Target::Unscoped),
    }
}

impl JsonRequest {
    /// The runtime's borrowed request.
    pub fn to_request(&self) -> Result<Request<'_>, String> {
        Ok(Request::new(
            &self.subject,
            &self.action,
            target(self.objects.as_ref(), self.global.as_deref())?,
        ))
    }
}

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
