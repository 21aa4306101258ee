//! The attributes of an object (one schema for catalog entries and for objects a request
//! describes because the catalog did not know them), and the view of an object that
//! selectors are evaluated against.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rampart_grammar::SearchSubject;
use serde::{Deserialize, Serialize};

use crate::category::Category;

/// The attributes of an object, as a request or a catalog entry gives them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "build", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ObjectAttributes {
    /// The object's id (a config's or component's key).
    pub id: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// Its namespace (for configs, else `tags.namespace`).
    pub namespace: Option<String>,
    /// Its type (`Kubernetes::Pod`, a connection's `postgres`).
    #[serde(rename = "type")]
    pub object_type: Option<String>,
    /// A config's class (`config_class`).
    #[serde(alias = "config_class")]
    pub class: Option<String>,
    /// An agent id or name.
    pub agent: Option<String>,
    /// Its status.
    pub status: Option<String>,
    /// Its health.
    pub health: Option<String>,
    /// A playbook's category.
    pub category: Option<String>,
    /// Tags (configs).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Labels (configs and components).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Properties (`properties.x` in search queries and field selectors).
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

impl ObjectAttributes {
    /// The namespace selectors see: a config's is its `namespace`, else `tags.namespace`.
    pub fn effective_namespace(&self, category: Category) -> Option<&str> {
        match (&self.namespace, category) {
            (Some(ns), _) => Some(ns),
            (None, Category::Config) => self.tags.get("namespace").map(String::as_str),
            (None, _) => None,
        }
    }
}

/// An object together with its category and its resolved agent (id and name).
#[derive(Clone, Copy, Debug)]
pub struct ObjectView<'a> {
    /// The object's category.
    pub category: Category,
    /// Its attributes.
    pub attributes: &'a ObjectAttributes,
    /// The id of its agent (the agent as written when the catalog does not know it).
    pub agent_id: Option<&'a str>,
    /// The name of its agent, when the catalog knows the agent.
    pub agent_name: Option<&'a str>,
}

impl ObjectView<'_> {
    /// Its id, trimmed (an id is an identity: [`crate::identity`]).
    pub fn id(&self) -> Option<&str> {
        self.attributes.id.as_deref().map(str::trim)
    }

    /// The value of a catalog field by its selector name (`fieldSelector`, `search`).
    pub fn field(&self, key: &str) -> Option<&str> {
        let a = self.attributes;
        match key.to_ascii_lowercase().as_str() {
            "id" => self.id(),
            "name" => a.name.as_deref(),
            "namespace" => a.effective_namespace(self.category),
            "type" => a.object_type.as_deref(),
            "class" | "config_class" => a.class.as_deref(),
            "status" => a.status.as_deref(),
            "health" => a.health.as_deref(),
            "agent" | "agent_id" => self.agent_id.or(self.agent_name),
            "category" => a.category.as_deref(),
            _ => key
                .strip_prefix("properties.")
                .and_then(|k| a.properties.get(k))
                .map(String::as_str),
        }
    }

    /// Playbooks carry no tags or labels, whatever a request says.
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        (self.category != Category::Playbook).then_some(&self.attributes.tags)
    }

    /// Labels, likewise absent on playbooks.
    pub fn labels(&self) -> Option<&BTreeMap<String, String>> {
        (self.category != Category::Playbook).then_some(&self.attributes.labels)
    }
}

impl SearchSubject for ObjectView<'_> {
    fn value(&self, path: &[String]) -> Option<Cow<'_, str>> {
        match path {
            [map, key] if map.eq_ignore_ascii_case("tags") => {
                self.tags()?.get(key).map(|v| Cow::Borrowed(v.as_str()))
            }
            [map, key] if map.eq_ignore_ascii_case("labels") => {
                self.labels()?.get(key).map(|v| Cow::Borrowed(v.as_str()))
            }
            [map, key] if map.eq_ignore_ascii_case("properties") => self
                .attributes
                .properties
                .get(key)
                .map(|v| Cow::Borrowed(v.as_str())),
            [field] => self.field(field).map(Cow::Borrowed),
            _ => None,
        }
    }
}
