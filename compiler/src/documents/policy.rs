//! The YAML-facing shapes of `Permission`, `PermissionGroup`, `Playbook` and
//! `Notification` documents, with spans on every string that a grammar parses or a
//! resolver looks up. The JSON Schemas of `rampart schema` are derived from these same
//! types (schemars), so the parser and the schemas cannot disagree.
//!
//! These types are the input format only; nothing past the resolve phase sees them.
//! Optional fields are `Option`s (absent means `None`); unknown fields are errors.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_saphyr::Spanned;

use rampart_grammar::BuiltinAction;
use rampart_runtime::Category;
use schemars::{json_schema, Schema, SchemaGenerator};

use crate::documents::scope::ScopeReference;
use crate::metadata::Metadata;
use crate::yaml::Text;

/// `kind: Permission`: who (subject) may or may not (deny) do what (actions) on which
/// objects.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionDocument {
    /// `mission-control.flanksource.com/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `Permission`.
    pub kind: String,
    /// Its name and namespace.
    pub metadata: Metadata,
    /// The rule.
    pub spec: PermissionSpec,
    /// Set by the controller; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub status: Option<IgnoredAny>,
}

/// `Permission.spec`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionSpec {
    /// Free text.
    pub description: Option<String>,
    /// Exactly one subject.
    #[schemars(with = "SubjectSpec")]
    pub subject: Spanned<SubjectSpec>,
    /// The actions, each an action pattern; at least one.
    #[schemars(with = "Vec<ActionText>", length(min = 1))]
    pub actions: Spanned<Vec<Text>>,
    /// The objects: within a category any selector may match, across categories all
    /// must.
    #[schemars(with = "ObjectSpec")]
    pub object: Spanned<ObjectSpec>,
    /// A deny rule; deny wins over every allow.
    pub deny: Option<bool>,
    /// Configs and components must have one of these agents (names or ids).
    #[schemars(with = "Option<Vec<String>>")]
    pub agents: Option<Vec<Text>>,
    /// Configs and components must carry every one of these tags.
    pub tags: Option<BTreeMap<String, String>>,
}

/// `Permission.spec.subject`: exactly one field.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1, "maxProperties" = 1))]
pub struct SubjectSpec {
    /// A person by email, id or unique name.
    #[schemars(with = "Option<String>")]
    pub person: Option<Text>,
    /// A team by name or id.
    #[schemars(with = "Option<String>")]
    pub team: Option<Text>,
    /// A PermissionGroup, or a built-in role (`admin`, `editor`, `viewer`, ...).
    #[schemars(with = "Option<String>")]
    pub group: Option<Text>,
    /// A notification as `namespace/name`, when it acts as a service.
    #[schemars(with = "Option<String>")]
    pub notification: Option<Text>,
    /// A playbook as `namespace/name`, when it acts as a service.
    #[schemars(with = "Option<String>")]
    pub playbook: Option<Text>,
}

/// `Permission.spec.object`: at least one category, `scopes`, or `mcp: true` alone.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub struct ObjectSpec {
    /// Playbook selectors.
    #[schemars(with = "Option<Vec<SelectorSpec>>", length(min = 1))]
    pub playbooks: Option<Vec<Spanned<SelectorSpec>>>,
    /// Config selectors.
    #[schemars(with = "Option<Vec<SelectorSpec>>", length(min = 1))]
    pub configs: Option<Vec<Spanned<SelectorSpec>>>,
    /// Component selectors.
    #[schemars(with = "Option<Vec<SelectorSpec>>", length(min = 1))]
    pub components: Option<Vec<Spanned<SelectorSpec>>>,
    /// Connection selectors.
    #[schemars(with = "Option<Vec<SelectorSpec>>", length(min = 1))]
    pub connections: Option<Vec<Spanned<SelectorSpec>>>,
    /// View selectors, as Mission Control writes them: checked, but Rampart decides no
    /// request about a view, so a permission naming views decides nothing (its other
    /// categories would need a view beside them in the same request); `lint` says so.
    #[schemars(with = "Option<Vec<SelectorSpec>>", length(min = 1))]
    pub views: Option<Vec<Spanned<SelectorSpec>>>,
    /// The global object `mcp`; not combined with selectors.
    pub mcp: Option<bool>,
    /// Scopes by namespace and name: the permission applies to the objects of every
    /// target of every scope (ORed); not combined with the other categories or `mcp`.
    #[schemars(with = "Option<Vec<ScopeReference>>", length(min = 1))]
    pub scopes: Option<Spanned<Vec<Spanned<ScopeReference>>>>,
}

impl ObjectSpec {
    /// The selector lists by category, in [`Category::ALL`] order.
    pub fn lists(&self) -> [(Category, Option<&Vec<Spanned<SelectorSpec>>>); 4] {
        [
            (Category::Playbook, self.playbooks.as_ref()),
            (Category::Config, self.configs.as_ref()),
            (Category::Component, self.components.as_ref()),
            (Category::Connection, self.connections.as_ref()),
        ]
    }
}

/// A resource selector: every field present must match. String fields take item
/// patterns (`*`, `prefix*`, `*suffix`, `!negation`, comma lists).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("minProperties" = 1))]
pub struct SelectorSpec {
    /// Object id pattern.
    #[schemars(with = "Option<String>")]
    pub id: Option<Text>,
    /// Name pattern; `*` alone selects every object.
    #[schemars(with = "Option<String>")]
    pub name: Option<Text>,
    /// Namespace pattern.
    #[schemars(with = "Option<String>")]
    pub namespace: Option<Text>,
    /// Type patterns (`Kubernetes::Pod`).
    #[schemars(with = "Option<Vec<String>>")]
    pub types: Option<Vec<Text>>,
    /// One type pattern (the connections document's spelling).
    #[serde(rename = "type")]
    #[schemars(with = "Option<String>")]
    pub type_name: Option<Text>,
    /// Agent pattern (names or ids).
    #[schemars(with = "Option<String>")]
    pub agent: Option<Text>,
    /// Kubernetes label selector over tags.
    /// (`""` counts as absent, as upstream counts it; editors are told to leave it out.)
    #[schemars(with = "Option<String>", length(min = 1))]
    pub tag_selector: Option<Text>,
    /// Kubernetes label selector over labels.
    /// (`""` counts as absent, as upstream counts it; editors are told to leave it out.)
    #[schemars(with = "Option<String>", length(min = 1))]
    pub label_selector: Option<Text>,
    /// Kubernetes label selector over catalog fields (`class`, `type`, `status`, ...).
    /// (`""` counts as absent, as upstream counts it; editors are told to leave it out.)
    #[schemars(with = "Option<String>", length(min = 1))]
    pub field_selector: Option<Text>,
    /// Status patterns.
    #[schemars(with = "Option<Vec<String>>")]
    pub statuses: Option<Vec<Text>>,
    /// Health pattern.
    #[schemars(with = "Option<String>")]
    pub health: Option<Text>,
    /// A Mission Control search query.
    #[schemars(with = "Option<String>")]
    pub search: Option<Text>,
}

/// `kind: PermissionGroup`: a named set of people, teams and services.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionGroupDocument {
    /// `mission-control.flanksource.com/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `PermissionGroup`.
    pub kind: String,
    /// Its name (cluster-wide) and namespace.
    pub metadata: Metadata,
    /// The members.
    pub spec: PermissionGroupSpec,
    /// Set by the controller; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub status: Option<IgnoredAny>,
}

/// `PermissionGroup.spec`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionGroupSpec {
    /// Deprecated; must equal `metadata.name`.
    #[schemars(with = "Option<String>")]
    pub name: Option<Text>,
    /// People by email, id or name; `["*"]` is every person.
    #[schemars(with = "Option<Vec<String>>")]
    pub people: Option<Vec<Text>>,
    /// Team names.
    #[schemars(with = "Option<Vec<String>>")]
    pub teams: Option<Vec<Text>>,
    /// Notifications, as services.
    #[schemars(with = "Option<Vec<ServiceSelector>>")]
    pub notifications: Option<Vec<Spanned<ServiceSelector>>>,
    /// Playbooks, as services.
    #[schemars(with = "Option<Vec<ServiceSelector>>")]
    pub playbooks: Option<Vec<Spanned<ServiceSelector>>>,
}

/// `{namespace, name}` of a notification or playbook; `name: "*"` means all.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSelector {
    /// The name, or `*`.
    #[schemars(with = "Option<String>")]
    pub name: Option<Text>,
    /// The namespace (any when absent).
    #[schemars(with = "Option<String>")]
    pub namespace: Option<Text>,
}

/// `Playbook` and `Notification` documents register those objects; only metadata
/// matters to permissions.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationDocument {
    /// `mission-control.flanksource.com/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `Playbook` or `Notification`.
    pub kind: String,
    /// Its name and namespace.
    pub metadata: Metadata,
    /// Not read.
    #[schemars(with = "Option<serde_json::Value>")]
    pub spec: Option<IgnoredAny>,
    /// Set by the controller; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub status: Option<IgnoredAny>,
}

/// Enough of any document to dispatch on its kind and name it.
#[derive(Debug, Deserialize)]
pub struct DocumentHeader {
    /// The API group and version.
    #[serde(rename = "apiVersion")]
    pub api_version: Option<Text>,
    /// The kind.
    pub kind: Option<Text>,
    /// Its name and namespace.
    pub metadata: Option<HeaderMetadata>,
    /// The items of a `kind: List`.
    pub items: Option<Vec<Spanned<IgnoredAny>>>,
}

/// The name and namespace of a document of any kind.
#[derive(Debug, Default, Deserialize)]
pub struct HeaderMetadata {
    /// The name.
    pub name: Option<String>,
    /// The namespace.
    pub namespace: Option<String>,
}

/// One entry of `Permission.spec.actions`, for the schema: the action vocabulary.
pub struct ActionText;

impl JsonSchema for ActionText {
    fn schema_name() -> Cow<'static, str> {
        "Action".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let builtin: Vec<&str> = BuiltinAction::ALL.iter().map(|b| b.name()).collect();
        let word = format!("(?i:!?({}|\\*|playbook:\\*|mcp:\\*|invoke:\\*|invoke:[a-z0-9._-]+:(\\*|[a-z0-9._-]+)))", builtin.join("|"));
        json_schema!({
            "type": "string",
            "description": format!(
                "An action pattern: {}, `*`, `playbook:*`, `mcp:*`, `invoke:<plugin>:<operation>`, `invoke:<plugin>:*`; `!x` excludes; a comma list in one entry.",
                builtin.iter().map(|b| format!("`{b}`")).collect::<Vec<_>>().join(", ")
            ),
            "pattern": format!("^\\s*{word}(\\s*,\\s*{word})*\\s*$"),
        })
    }
}
