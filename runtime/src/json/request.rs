//! The one request model every face that takes a request as data maps its syntax onto:
//! `rampart check --batch`'s JSON lines (this module's [`JsonRequest`]), the sidecar's
//! AuthZEN and Mission Control bodies, `PermissionTest` cases, and the bindings. Its
//! rules hold for every face, whatever the syntax:
//!
//! - unknown members are errors at every depth, with the nearest known name;
//! - a member given twice is an error ([`super::strict::parse`]);
//! - `null` is not a way to leave a member out: leave it out;
//! - at most one object per category ([`RequestObjects`]; a second is an error naming
//!   both, never last-wins);
//! - objects or a global object, not both; neither is a request about nothing;
//! - categories are named in the singular (`config`, never `configs`);
//! - an object is a key, or the attributes of an object the catalog does not know
//!   ([`attributes`]), whose identity is given once: inside the attributes (`id`) where
//!   the face has no other place for it, else only outside them ([`Identity`]).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::strict::{self, At, Members, Problems, StrictValue};
use crate::attributes::ObjectAttributes;
use crate::category::Category;
use crate::request::{ObjectRef, Objects, Request, Target};
use crate::suggest::did_you_mean;
use crate::text::Shown;

/// An object named by key (`ns/name` or id), or described by attributes.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "build", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum JsonObject {
    /// A key.
    Key(String),
    /// Attributes.
    Attributes(Box<ObjectAttributes>),
}

impl JsonObject {
    /// The runtime's borrowed form.
    pub fn as_ref(&self) -> ObjectRef<'_> {
        match self {
            JsonObject::Key(key) => ObjectRef::Key(key),
            JsonObject::Attributes(attributes) => ObjectRef::Attributes(attributes),
        }
    }
}

/// The objects of a request, at most one per category (a JSON object has each member
/// once, so this shape cannot hold two).
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "build", derive(schemars::JsonSchema))]
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

    /// True when no object is given.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The runtime's borrowed form.
    pub fn to_objects(&self) -> Objects<'_> {
        self.iter().fold(Objects::new(), |objects, (c, o)| {
            objects.with(c, o.as_ref())
        })
    }

    /// Reads `{playbook?, config?, component?, connection?}`, each a key or attributes.
    pub fn from_value(value: Value, at: At<'_>, problems: &mut Problems) -> Option<JsonObjects> {
        let before = problems.len();
        let mut members = Members::new(value, at, problems)?;
        let mut objects = JsonObjects::default();
        for category in Category::ALL {
            if let Some(value) = members.take(category.name()) {
                if let Some(object) = object(value, at.member(category.name()), problems) {
                    objects.set(category, object);
                }
            }
        }
        members.finish(&CATEGORY_NAMES, problems);
        (problems.len() == before).then_some(objects)
    }
}

impl<'de> Deserialize<'de> for JsonObjects {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonObjects, D::Error> {
        let StrictValue(value) = StrictValue::deserialize(deserializer)?;
        let mut problems = Problems::new();
        let objects = JsonObjects::from_value(value, At::ROOT.member("objects"), &mut problems);
        problems
            .into_result(objects)
            .map_err(serde::de::Error::custom)
    }
}

/// One request of `rampart check --batch`: `{subject, action, objects?, global?}`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
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

/// The members of a [`JsonRequest`].
const REQUEST_MEMBERS: [&str; 4] = ["subject", "action", "objects", "global"];

impl JsonRequest {
    /// Reads one request from JSON text: strictly (see the module documentation).
    pub fn parse(text: &str) -> Result<JsonRequest, Problems> {
        JsonRequest::from_value(strict::parse(text.as_bytes())?)
    }

    /// Reads one request from a JSON value that [`strict::parse`] gave.
    pub fn from_value(value: Value) -> Result<JsonRequest, Problems> {
        let mut problems = Problems::new();
        let request = JsonRequest::read(value, &mut problems);
        problems.into_result(request)
    }

    fn read(value: Value, problems: &mut Problems) -> Option<JsonRequest> {
        let at = At::ROOT;
        let mut members = Members::new(value, at, problems)?;
        let subject = required(&mut members, "subject", problems)
            .and_then(|v| strict::string(v, at.member("subject"), problems));
        let action = required(&mut members, "action", problems)
            .and_then(|v| strict::string(v, at.member("action"), problems));
        let objects = members
            .take("objects")
            .map(|v| JsonObjects::from_value(v, at.member("objects"), problems));
        let global = members
            .take("global")
            .map(|v| strict::string(v, at.member("global"), problems));
        members.finish(&REQUEST_MEMBERS, problems);
        Some(JsonRequest {
            subject: subject?,
            action: action?,
            objects: objects.map_or(Some(None), |o| o.map(Some))?,
            global: global.map_or(Some(None), |g| g.map(Some))?,
        })
    }

    /// The runtime's borrowed request.
    pub fn to_request(&self) -> Result<Request<'_>, Problems> {
        let objects = self.objects.as_ref().map(JsonObjects::to_objects);
        let target = target(objects.unwrap_or_default(), self.global.as_deref())?;
        Ok(Request::new(&self.subject, &self.action, target))
    }
}

impl<'de> Deserialize<'de> for JsonRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonRequest, D::Error> {
        let StrictValue(value) = StrictValue::deserialize(deserializer)?;
        JsonRequest::from_value(value).map_err(serde::de::Error::custom)
    }
}

/// A member a shape requires: a problem when it is missing.
pub fn required(members: &mut Members<'_>, name: &str, problems: &mut Problems) -> Option<Value> {
    let value = members.take(name);
    if value.is_none() {
        problems.push(
            format!("missing member {}", members.at().member(name)),
            None,
        );
    }
    value
}

/// The target of objects and/or a global object: both is an error; neither is a request
/// about nothing ([`Target::Unscoped`]).
pub fn target<'a>(objects: Objects<'a>, global: Option<&'a str>) -> Result<Target<'a>, Problems> {
    match (objects.is_empty(), global) {
        (false, Some(_)) => Err(Problems::one(
            "a request names objects or a global object, not both",
            Some("ask about the global object in a request of its own".into()),
        )),
        (true, Some(g)) => Ok(Target::Global(g)),
        (false, None) => Ok(Target::Objects(objects)),
        (true, None) => Ok(Target::Unscoped),
    }
}

/// The category names requests use: the singular, one vocabulary for every face.
pub const CATEGORY_NAMES: [&str; 4] = ["playbook", "config", "component", "connection"];

/// A category by its name in a request (`config`; the plural or another case is a
/// problem with the nearest name as help).
pub fn category(name: &str, at: At<'_>, problems: &mut Problems) -> Option<Category> {
    let found = Category::ALL.into_iter().find(|c| c.name() == name);
    if found.is_none() {
        problems.push(
            format!(
                "{at} is `{}`, which is not one of {}",
                Shown(name),
                CATEGORY_NAMES.map(|n| format!("`{n}`")).join(", ")
            ),
            did_you_mean(name, CATEGORY_NAMES.into_iter()),
        );
    }
    found
}

/// An object of a JSON line: a key, or the attributes of an object the catalog does not
/// know, with its `id` among them ([`Identity::Inside`]).
pub fn object(value: Value, at: At<'_>, problems: &mut Problems) -> Option<JsonObject> {
    match value {
        Value::String(key) => Some(JsonObject::Key(key)),
        value @ Value::Object(_) => attributes(value, at, Identity::Inside, problems)
            .map(|a| JsonObject::Attributes(Box::new(a))),
        other => {
            problems.push(
                format!(
                    "{at} must be a key or an object of attributes, not {}",
                    strict::kind_of(&other)
                ),
                None,
            );
            None
        }
    }
}

/// Where a face gives the identity of an object described by attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Identity {
    /// Among the attributes: `id`, and `type` is the object's own type
    /// (`Kubernetes::Pod`). JSON lines and `PermissionTest` cases.
    Inside,
    /// Outside them (AuthZEN's `resource.type` and `resource.id`): the attributes may
    /// not carry `id` or `type`, so that they can neither name another object than the
    /// one the request (and its decision log) names nor be read as its category; the
    /// object's own type is `object_type`.
    Outside,
}

/// The attribute members every face names alike.
const ATTRIBUTE_MEMBERS: [&str; 10] = [
    "name",
    "namespace",
    "class",
    "config_class",
    "agent",
    "status",
    "health",
    "category",
    "tags",
    "labels",
];

/// The members beside [`ATTRIBUTE_MEMBERS`], by where the identity is given.
fn identity_members(identity: Identity) -> &'static [&'static str] {
    match identity {
        Identity::Inside => &["id", "type", "properties"],
        Identity::Outside => &["object_type"],
    }
}

/// The attributes of an object the catalog does not know: the catalog's attribute
/// names, strings (`tags`, `labels` and `properties` objects of strings). With
/// [`Identity::Outside`], `properties` is not taken either: AuthZEN's `properties` is
/// itself this object.
pub fn attributes(
    value: Value,
    at: At<'_>,
    identity: Identity,
    problems: &mut Problems,
) -> Option<ObjectAttributes> {
    let before = problems.len();
    let mut members = Members::new(value, at, problems)?;
    let mut attributes = ObjectAttributes::default();
    match identity {
        Identity::Inside => {
            attributes.id = optional_string(&mut members, "id", problems);
            attributes.object_type = optional_string(&mut members, "type", problems);
        }
        Identity::Outside => {
            for (name, help) in [
                ("id", "the object's id is `resource.id`; remove it from the properties"),
                ("type", "`resource.type` is the category; write the object's own type (`Kubernetes::Pod`) as `object_type`"),
            ] {
                if members.take(name).is_some() {
                    problems.push(
                        format!("{} may not be given: the properties describe the object `resource` names", at.member(name)),
                        Some(help.into()),
                    );
                }
            }
            attributes.object_type = optional_string(&mut members, "object_type", problems);
        }
    }
    attributes.name = optional_string(&mut members, "name", problems);
    attributes.namespace = optional_string(&mut members, "namespace", problems);
    let class = optional_string(&mut members, "class", problems);
    let config_class = optional_string(&mut members, "config_class", problems);
    attributes.class = match (class, config_class) {
        (Some(_), Some(_)) => {
            problems.push(
                format!(
                    "{} and {} are one attribute, given twice",
                    at.member("class"),
                    at.member("config_class")
                ),
                Some("give `class` once".into()),
            );
            None
        }
        (class, config_class) => class.or(config_class),
    };
    attributes.agent = optional_string(&mut members, "agent", problems);
    attributes.status = optional_string(&mut members, "status", problems);
    attributes.health = optional_string(&mut members, "health", problems);
    attributes.category = optional_string(&mut members, "category", problems);
    let maps: &[&str] = match identity {
        Identity::Inside => &["tags", "labels", "properties"],
        Identity::Outside => &["tags", "labels"],
    };
    for name in maps {
        let Some(value) = members.take(name) else {
            continue;
        };
        let map = strict::string_map(value, at.member(name), problems).unwrap_or_default();
        match *name {
            "tags" => attributes.tags = map,
            "labels" => attributes.labels = map,
            _ => attributes.properties = map,
        }
    }
    let known: Vec<&str> = identity_members(identity)
        .iter()
        .chain(&ATTRIBUTE_MEMBERS)
        .copied()
        .collect();
    members.finish(&known, problems);
    (problems.len() == before).then_some(attributes)
}

/// A member that must be a string when present.
pub fn optional_string(
    members: &mut Members<'_>,
    name: &str,
    problems: &mut Problems,
) -> Option<String> {
    let at = members.at();
    let value = members.take(name)?;
    strict::string(value, at.member(name), problems)
}

/// The objects of a request as a face gathers them from several places (AuthZEN's
/// `resource` and `context.resources`), each remembered with where it was given, so that
/// a second object of a category is a problem naming both and where each came from.
#[derive(Debug, Default)]
pub struct RequestObjects<'a> {
    objects: Objects<'a>,
    places: [Option<String>; 4],
}

impl<'a> RequestObjects<'a> {
    /// No object yet.
    pub fn new() -> RequestObjects<'a> {
        RequestObjects::default()
    }

    /// Adds the object of `category` given at `at` (a place as [`At`] shows it); a
    /// second object of the category is a problem (and is not added).
    pub fn add(
        &mut self,
        category: Category,
        object: ObjectRef<'a>,
        at: &dyn std::fmt::Display,
        problems: &mut Problems,
    ) {
        let place = category.of_mut(&mut self.places);
        match place {
            None => {
                *place = Some(at.to_string());
                self.objects = self.objects.with(category, object);
            }
            Some(first) => problems.push(
                format!(
                    "two {category} objects in one request: {} at {first} and {} at {at}",
                    shown(self.objects.get(category)),
                    shown(Some(&object))
                ),
                Some(format!(
                    "a request holds at most one object per category; ask about each {category} in a request of its own"
                )),
            ),
        }
    }

    /// The objects.
    pub fn objects(&self) -> Objects<'a> {
        self.objects
    }
}

fn shown(object: Option<&ObjectRef<'_>>) -> String {
    match object {
        Some(ObjectRef::Key(key)) => format!("`{}`", Shown(key)),
        Some(ObjectRef::Attributes(a)) => match a.id.as_deref() {
            Some(id) => format!("`{}`", Shown(id)),
            None => "an object described by attributes".into(),
        },
        None => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    fn problems_of(text: &str) -> Problems {
        JsonRequest::parse(text).expect_err(text)
    }

    #[test]
    fn a_json_line_reads_strictly() {
        let request = JsonRequest::parse(
            r#"{"subject": "a@b.c", "action": "read", "objects": {"config": {"id": "n", "type": "Kubernetes::Pod", "tags": {"env": "prod"}}}}"#,
        )
        .unwrap();
        let Some(JsonObject::Attributes(a)) = request.objects.as_ref().unwrap().config.as_ref()
        else {
            panic!("attributes")
        };
        assert_eq!(
            (a.id.as_deref(), a.object_type.as_deref(), a.tags.len()),
            (Some("n"), Some("Kubernetes::Pod"), 1)
        );
        for (text, message, help) in [
            (
                r#"{"subject": "a", "action": "read", "objects": {"configs": "c1"}}"#,
                "unknown member `objects.configs`",
                Some("did you mean `config`?"),
            ),
            (
                r#"{"subject": "a", "action": "read", "objects": {"config": "c1", "config": "c2"}}"#,
                "duplicate member `objects.config`",
                None,
            ),
            (
                r#"{"subject": "a", "action": "read", "objects": {"config": {"id": "n", "tags": {"env": "a", "env": "b"}}}}"#,
                "duplicate member `objects.config.tags.env`",
                None,
            ),
            (
                r#"{"subject": "a", "action": "read", "objects": {"config": {"id": "n", "colour": "red"}}}"#,
                "unknown member `objects.config.colour`",
                None,
            ),
            (
                r#"{"subject": "a", "action": "read", "global": null}"#,
                "`global` must be a string, not null",
                None,
            ),
            (
                r#"{"subject": "a", "action": "read", "object": {}}"#,
                "unknown member `object`",
                Some("did you mean `objects`?"),
            ),
        ] {
            let problems = problems_of(text);
            assert!(problems.message().contains(message), "{text}: {problems}");
            if let Some(help) = help {
                assert_eq!(problems.help().as_deref(), Some(help), "{text}");
            }
        }
        let all = problems_of(r#"{"subjct": "a", "action": 3, "objects": {"config": 1}}"#);
        assert_eq!(all.iter().count(), 4, "every problem at once: {all}");
    }

    #[test]
    fn attributes_outside_their_identity_refuse_id_and_type() {
        let at = At::ROOT;
        let properties = at.member("properties");
        let mut problems = Problems::new();
        let read = attributes(
            serde_json::json!({"id": "other", "type": "x", "object_type": "Kubernetes::Pod", "namespace": "ns"}),
            properties,
            Identity::Outside,
            &mut problems,
        );
        assert!(read.is_none());
        assert!(
            problems
                .message()
                .contains("`properties.id` may not be given"),
            "{problems}"
        );
        assert!(
            problems
                .message()
                .contains("`properties.type` may not be given"),
            "{problems}"
        );
        let mut problems = Problems::new();
        let read = attributes(
            serde_json::json!({"object_type": "Kubernetes::Pod", "namespace": "ns"}),
            properties,
            Identity::Outside,
            &mut problems,
        )
        .unwrap();
        assert_eq!(read.object_type.as_deref(), Some("Kubernetes::Pod"));
        assert!(problems.is_empty());
    }

    #[test]
    fn a_second_object_of_a_category_names_both_places() {
        let at = At::ROOT;
        let mut problems = Problems::new();
        let mut objects = RequestObjects::new();
        objects.add(
            Category::Config,
            ObjectRef::Key("c1"),
            &at.member("resource"),
            &mut problems,
        );
        let context = at.member("context");
        let resources = context.member("resources");
        objects.add(
            Category::Config,
            ObjectRef::Key("c2"),
            &resources.index(0),
            &mut problems,
        );
        assert_eq!(
            problems.message(),
            "two config objects in one request: `c1` at `resource` and `c2` at `context.resources[0]`"
        );
        assert_eq!(objects.objects().len(), 1);
        let mut problems = Problems::new();
        category("configs", at.member("type"), &mut problems);
        assert_eq!(problems.help().as_deref(), Some("did you mean `config`?"));
    }
}
