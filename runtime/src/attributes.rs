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
    /// The name of the agent `agent` names by id, when the source knows an agent the
    /// tables do not (resolve-on-miss of an object whose agent is new too): selectors
    /// naming the agent match by it. Never read from or written to JSON.
    #[serde(skip)]
    #[cfg_attr(feature = "build", schemars(skip))]
    pub agent_name: Option<String>,
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
    /// The canonical UUID its id spells, when it spells one otherwise (`{…}`,
    /// `urn:uuid:…`, no hyphens, upper case): [`ObjectView::id`] gives it.
    pub id_uuid: Option<rampart_grammar::Hyphenated>,
    /// The id of its agent (the agent as written when the catalog does not know it).
    pub agent_id: Option<&'a str>,
    /// The canonical UUID an agent the catalog does not know spells, when it spells one
    /// otherwise: [`ObjectView::agent`] gives it.
    pub agent_uuid: Option<rampart_grammar::Hyphenated>,
    /// The name of its agent, when the catalog knows the agent.
    pub agent_name: Option<&'a str>,
    /// Whether its id is its key, `namespace/name` (a playbook or connection the catalog
    /// does not hold, described with such an id): its namespace and name are then read
    /// from the id where the attributes give none.
    pub keyed: bool,
}

impl ObjectView<'_> {
    /// Its id, trimmed, and the canonical UUID when it spells one (an id is an
    /// identity: [`crate::identity`]).
    pub fn id(&self) -> Option<&str> {
        match &self.id_uuid {
            Some(uuid) => Some(uuid.as_str()),
            None => self.attributes.id.as_deref().map(str::trim),
        }
    }

    /// The id of its agent as selectors see it: [`ObjectView::agent_uuid`], else
    /// [`ObjectView::agent_id`].
    pub fn agent(&self) -> Option<&str> {
        match &self.agent_uuid {
            Some(uuid) => Some(uuid.as_str()),
            None => self.agent_id,
        }
    }

    /// [`ObjectView::agent_uuid`] for an agent written `agent`.
    pub fn agent_uuid(agent: &str) -> Option<rampart_grammar::Hyphenated> {
        let agent = agent.trim();
        crate::identity::canonical_uuid(agent).filter(|uuid| uuid.as_str() != agent)
    }

    /// [`ObjectView::id_uuid`] for `attributes`.
    pub fn id_uuid(attributes: &ObjectAttributes) -> Option<rampart_grammar::Hyphenated> {
        let id = attributes.id.as_deref()?.trim();
        crate::identity::canonical_uuid(id).filter(|uuid| uuid.as_str() != id)
    }

    /// The namespace and name its id gives when it is keyed ([`ObjectView::keyed`]).
    fn key(&self) -> Option<(&str, &str)> {
        self.id().filter(|_| self.keyed)?.split_once('/')
    }

    /// Its name: the attributes', else its key's.
    pub fn name(&self) -> Option<&str> {
        self.attributes
            .name
            .as_deref()
            .or_else(|| self.key().map(|k| k.1))
    }

    /// Its namespace: the attributes' ([`ObjectAttributes::effective_namespace`]), else
    /// its key's.
    pub fn namespace(&self) -> Option<&str> {
        self.attributes
            .effective_namespace(self.category)
            .or_else(|| self.key().map(|k| k.0))
    }

    /// The value of a catalog field by its selector name (`fieldSelector`, `search`),
    /// the name in any ASCII case; allocates nothing.
    pub fn field(&self, key: &str) -> Option<&str> {
        let a = self.attributes;
        let Some(field) = Field::named(key) else {
            return key
                .strip_prefix("properties.")
                .and_then(|k| a.properties.get(k))
                .map(String::as_str);
        };
        match field {
            Field::Id => self.id(),
            Field::Name => self.name(),
            Field::Namespace => self.namespace(),
            Field::Type => a.object_type.as_deref(),
            Field::Class => a.class.as_deref(),
            Field::Status => a.status.as_deref(),
            Field::Health => a.health.as_deref(),
            Field::Agent => self.agent().or(self.agent_name),
            Field::Category => a.category.as_deref(),
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

/// The fields a selector names directly (any other is `properties.x` or nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Id,
    Name,
    Namespace,
    Type,
    Class,
    Status,
    Health,
    Agent,
    Category,
}

impl Field {
    /// Every name of a field, lowercase.
    const NAMES: [(&'static str, Field); 11] = [
        ("id", Field::Id),
        ("name", Field::Name),
        ("namespace", Field::Namespace),
        ("type", Field::Type),
        ("class", Field::Class),
        ("config_class", Field::Class),
        ("status", Field::Status),
        ("health", Field::Health),
        ("agent", Field::Agent),
        ("agent_id", Field::Agent),
        ("category", Field::Category),
    ];

    /// The field `key` names, in any ASCII case (compared in place: no lowercased copy).
    fn named(key: &str) -> Option<Field> {
        Field::NAMES
            .iter()
            .find(|(name, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, field)| *field)
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
