//! The request shapes the sidecar reads (AuthZEN 1.0 subjects, actions and resources)
//! and their translation to the runtime's [`Request`]: subject types `user`, `playbook`,
//! `notification`; resource types `playbook`, `config`, `component`, `connection` and
//! `global`. A resource the catalog does not know is described by its `properties`
//! (the catalog's attribute names); without them it is an `unknown_object` error.

use rampart_runtime::{Category, ObjectAttributes, ObjectRef, Objects, Request, Target};
use serde::Deserialize;
use serde_json::Value;

use super::api_error::ApiError;

/// `{type, id, properties}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// `user`, `playbook` or `notification`.
    #[serde(rename = "type")]
    pub kind: String,
    /// An email, id or unique name for a user; `namespace/name` otherwise.
    pub id: String,
    /// Ignored: decisions depend on the catalog's view of the subject.
    #[serde(default)]
    pub properties: Option<Value>,
}

/// `{name, properties}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// The action (`read`, `playbook:run`, ...).
    pub name: String,
    /// Ignored.
    #[serde(default)]
    pub properties: Option<Value>,
}

/// `{type, id, properties}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// `playbook`, `config`, `component`, `connection` or `global`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The key (`namespace/name` or id), or the global object's name.
    #[serde(default)]
    pub id: Option<String>,
    /// Attributes of an object the catalog does not know.
    #[serde(default)]
    pub properties: Option<Value>,
}

/// The runtime subject name for an AuthZEN subject.
pub fn subject_name(s: &Subject) -> Result<String, ApiError> {
    match s.kind.as_str() {
        "user" => Ok(s.id.clone()),
        "playbook" => Ok(format!("playbook:{}", s.id)),
        "notification" => Ok(format!("notification:{}", s.id)),
        other => Err(ApiError::malformed(format!(
            "subject type `{other}` is not one of user, playbook, notification"
        ))),
    }
}

/// The category of a resource type (`config`, `configs`, ...).
pub fn category(kind: &str) -> Result<Category, ApiError> {
    Category::from_name(kind).ok_or_else(|| {
        ApiError::malformed(format!(
            "resource type `{kind}` is not one of playbook, config, component, connection, global"
        ))
    })
}

/// One object of a request, owned, so that the runtime request can borrow it.
#[derive(Debug)]
pub struct OwnedObject {
    category: Category,
    key: String,
    attributes: Option<ObjectAttributes>,
}

impl OwnedObject {
    /// From a resource (not `global`).
    pub fn new(r: &Resource) -> Result<OwnedObject, ApiError> {
        let category = category(&r.kind)?;
        let key = r
            .id
            .clone()
            .ok_or_else(|| ApiError::malformed(format!("a `{}` resource needs an `id`", r.kind)))?;
        let attributes = match &r.properties {
            None => None,
            Some(p) => {
                let mut attributes: ObjectAttributes = serde_json::from_value(p.clone())
                    .map_err(|e| ApiError::malformed(format!("resource properties: {e}")))?;
                attributes.id.get_or_insert_with(|| key.clone());
                Some(attributes)
            }
        };
        Ok(OwnedObject {
            category,
            key,
            attributes,
        })
    }

    /// The runtime's reference: by attributes where given (a known id still wins).
    pub fn as_ref(&self) -> ObjectRef<'_> {
        match &self.attributes {
            Some(a) => ObjectRef::Attributes(a),
            None => ObjectRef::Key(&self.key),
        }
    }

    /// The category.
    pub fn category(&self) -> Category {
        self.category
    }

    /// The key as given.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// What a request is about, owned.
#[derive(Debug)]
pub enum OwnedTarget {
    /// Objects, at most one per category.
    Objects(Vec<OwnedObject>),
    /// A global object.
    Global(String),
}

impl OwnedTarget {
    /// From a resource and the second resources of `context.resources`.
    pub fn new(resource: &Resource, more: &[Resource]) -> Result<OwnedTarget, ApiError> {
        if resource.kind == "global" {
            if !more.is_empty() {
                return Err(ApiError::malformed(
                    "a global resource cannot be combined with other resources",
                ));
            }
            return resource
                .id
                .clone()
                .map(OwnedTarget::Global)
                .ok_or_else(|| ApiError::malformed("a `global` resource needs an `id`"));
        }
        let objects = std::iter::once(resource)
            .chain(more)
            .map(OwnedObject::new)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OwnedTarget::Objects(objects))
    }

    /// The runtime's target.
    pub fn target(&self) -> Target<'_> {
        match self {
            OwnedTarget::Global(g) => Target::Global(g),
            OwnedTarget::Objects(objects) => Target::Objects(
                objects
                    .iter()
                    .fold(Objects::new(), |o, x| o.with(x.category, x.as_ref())),
            ),
        }
    }

    /// For decision logs: `[{type, id}]`.
    pub fn describe(&self) -> Value {
        match self {
            OwnedTarget::Global(g) => serde_json::json!([{"type": "global", "id": g}]),
            OwnedTarget::Objects(objects) => objects
                .iter()
                .map(|o| serde_json::json!({"type": o.category.name(), "id": o.key}))
                .collect(),
        }
    }
}

/// A request in runtime terms, owned.
#[derive(Debug)]
pub struct OwnedRequest {
    /// The runtime subject name.
    pub subject: String,
    /// The action.
    pub action: String,
    /// The target.
    pub target: OwnedTarget,
}

impl OwnedRequest {
    /// The runtime request.
    pub fn request(&self) -> Request<'_> {
        Request::new(&self.subject, &self.action, self.target.target())
    }
}
