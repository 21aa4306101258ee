//! The YAML-facing shapes of `Permission` and `PermissionGroup` documents, with spans
//! on every string that a grammar parses or a resolver looks up.
//!
//! These types are the input format only; nothing past the resolve phase sees them.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::yaml::Text;

/// Standard Kubernetes object metadata; only name and namespace matter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    pub name: Text,
    #[serde(default)]
    pub namespace: Option<Text>,
    #[serde(default)]
    pub uid: Option<IgnoredAny>,
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub resource_version: Option<IgnoredAny>,
    #[serde(default)]
    pub generation: Option<IgnoredAny>,
    #[serde(default)]
    pub creation_timestamp: Option<IgnoredAny>,
    #[serde(default)]
    pub deletion_timestamp: Option<IgnoredAny>,
    #[serde(default)]
    pub deletion_grace_period_seconds: Option<IgnoredAny>,
    #[serde(default)]
    pub finalizers: Option<IgnoredAny>,
    #[serde(default)]
    pub owner_references: Option<IgnoredAny>,
    #[serde(default)]
    pub managed_fields: Option<IgnoredAny>,
    #[serde(default)]
    pub generate_name: Option<IgnoredAny>,
    #[serde(default)]
    pub self_link: Option<IgnoredAny>,
}

/// `kind: Permission`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionDocument {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: PermissionSpec,
    #[serde(default)]
    pub status: Option<IgnoredAny>,
}

/// `Permission.spec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionSpec {
    #[serde(default)]
    pub description: Option<String>,
    pub subject: Spanned<SubjectSpec>,
    pub actions: Spanned<Vec<Text>>,
    pub object: Spanned<ObjectSpec>,
    #[serde(default)]
    pub deny: Option<bool>,
    #[serde(default)]
    pub agents: Option<Vec<Text>>,
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
}

/// `Permission.spec.subject`: exactly one field must be set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectSpec {
    #[serde(default)]
    pub person: Option<Text>,
    #[serde(default)]
    pub team: Option<Text>,
    #[serde(default)]
    pub group: Option<Text>,
    #[serde(default)]
    pub notification: Option<Text>,
    #[serde(default)]
    pub playbook: Option<Text>,
}

/// `Permission.spec.object`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectSpec {
    #[serde(default)]
    pub playbooks: Option<Vec<Spanned<SelectorSpec>>>,
    #[serde(default)]
    pub configs: Option<Vec<Spanned<SelectorSpec>>>,
    #[serde(default)]
    pub components: Option<Vec<Spanned<SelectorSpec>>>,
    #[serde(default)]
    pub connections: Option<Vec<Spanned<SelectorSpec>>>,
    #[serde(default)]
    pub mcp: Option<bool>,
    /// Not supported: reported as an error rather than silently dropped.
    #[serde(default)]
    pub scopes: Option<Spanned<IgnoredAny>>,
}

/// A resource selector.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SelectorSpec {
    #[serde(default)]
    pub id: Option<Text>,
    #[serde(default)]
    pub name: Option<Text>,
    #[serde(default)]
    pub namespace: Option<Text>,
    #[serde(default)]
    pub types: Option<Vec<Text>>,
    #[serde(default, rename = "type")]
    pub type_name: Option<Text>,
    #[serde(default)]
    pub agent: Option<Text>,
    #[serde(default)]
    pub tag_selector: Option<Text>,
    #[serde(default)]
    pub label_selector: Option<Text>,
    #[serde(default)]
    pub field_selector: Option<Text>,
    #[serde(default)]
    pub statuses: Option<Vec<Text>>,
    #[serde(default)]
    pub health: Option<Text>,
    #[serde(default)]
    pub search: Option<Text>,
}

/// `kind: PermissionGroup`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionGroupDocument {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: PermissionGroupSpec,
    #[serde(default)]
    pub status: Option<IgnoredAny>,
}

/// `PermissionGroup.spec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionGroupSpec {
    #[serde(default)]
    pub name: Option<Text>,
    #[serde(default)]
    pub people: Option<Vec<Text>>,
    #[serde(default)]
    pub teams: Option<Vec<Text>>,
    #[serde(default)]
    pub notifications: Option<Vec<Spanned<ServiceSelector>>>,
    #[serde(default)]
    pub playbooks: Option<Vec<Spanned<ServiceSelector>>>,
}

/// `{namespace, name}` of a notification or playbook; `name: "*"` means all.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSelector {
    #[serde(default)]
    pub name: Option<Text>,
    #[serde(default)]
    pub namespace: Option<Text>,
}

/// `Playbook` and `Notification` documents: only metadata matters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationDocument {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    #[serde(default)]
    pub spec: Option<IgnoredAny>,
    #[serde(default)]
    pub status: Option<IgnoredAny>,
}

/// Enough of any document to dispatch on its kind and name it.
#[derive(Debug, Deserialize)]
pub struct DocumentHeader {
    #[serde(default)]
    pub kind: Option<Text>,
    #[serde(default)]
    pub metadata: Option<HeaderMetadata>,
}

/// The name and namespace of a document of any kind.
#[derive(Debug, Default, Deserialize)]
pub struct HeaderMetadata {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
}
