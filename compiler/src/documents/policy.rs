//! The YAML-facing shapes of `Permission` and `PermissionGroup` documents, with spans
//! on every string that a grammar parses or a resolver looks up.
//!
//! These types are the input format only; nothing past the resolve phase sees them.
//! Optional fields are `Option`s (serde leaves them `None` when absent); unknown fields are
//! errors.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::yaml::Text;

/// Standard Kubernetes object metadata. Name and namespace matter (and `uid`, which is a
/// connection's id); the fields the API server sets are accepted and ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    pub name: Text,
    pub namespace: Option<Text>,
    pub uid: Option<Text>,
    pub labels: Option<BTreeMap<String, String>>,
    pub annotations: Option<BTreeMap<String, String>>,
    pub resource_version: Option<IgnoredAny>,
    pub generation: Option<IgnoredAny>,
    pub creation_timestamp: Option<IgnoredAny>,
    pub deletion_timestamp: Option<IgnoredAny>,
    pub deletion_grace_period_seconds: Option<IgnoredAny>,
    pub finalizers: Option<IgnoredAny>,
    pub owner_references: Option<IgnoredAny>,
    pub managed_fields: Option<IgnoredAny>,
    pub generate_name: Option<IgnoredAny>,
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
    pub status: Option<IgnoredAny>,
}

/// `Permission.spec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionSpec {
    pub description: Option<String>,
    pub subject: Spanned<SubjectSpec>,
    pub actions: Spanned<Vec<Text>>,
    pub object: Spanned<ObjectSpec>,
    pub deny: Option<bool>,
    pub agents: Option<Vec<Text>>,
    pub tags: Option<BTreeMap<String, String>>,
}

/// `Permission.spec.subject`: exactly one field must be set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectSpec {
    pub person: Option<Text>,
    pub team: Option<Text>,
    pub group: Option<Text>,
    pub notification: Option<Text>,
    pub playbook: Option<Text>,
}

/// `Permission.spec.object`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectSpec {
    pub playbooks: Option<Vec<Spanned<SelectorSpec>>>,
    pub configs: Option<Vec<Spanned<SelectorSpec>>>,
    pub components: Option<Vec<Spanned<SelectorSpec>>>,
    pub connections: Option<Vec<Spanned<SelectorSpec>>>,
    pub mcp: Option<bool>,
    /// Not supported: reported as an error rather than silently dropped.
    pub scopes: Option<Spanned<IgnoredAny>>,
}

/// A resource selector.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SelectorSpec {
    pub id: Option<Text>,
    pub name: Option<Text>,
    pub namespace: Option<Text>,
    pub types: Option<Vec<Text>>,
    #[serde(rename = "type")]
    pub type_name: Option<Text>,
    pub agent: Option<Text>,
    pub tag_selector: Option<Text>,
    pub label_selector: Option<Text>,
    pub field_selector: Option<Text>,
    pub statuses: Option<Vec<Text>>,
    pub health: Option<Text>,
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
    pub status: Option<IgnoredAny>,
}

/// `PermissionGroup.spec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionGroupSpec {
    pub name: Option<Text>,
    pub people: Option<Vec<Text>>,
    pub teams: Option<Vec<Text>>,
    pub notifications: Option<Vec<Spanned<ServiceSelector>>>,
    pub playbooks: Option<Vec<Spanned<ServiceSelector>>>,
}

/// `{namespace, name}` of a notification or playbook; `name: "*"` means all.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSelector {
    pub name: Option<Text>,
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
    pub spec: Option<IgnoredAny>,
    pub status: Option<IgnoredAny>,
}

/// Enough of any document to dispatch on its kind and name it.
#[derive(Debug, Deserialize)]
pub struct DocumentHeader {
    #[serde(rename = "apiVersion")]
    pub api_version: Option<Text>,
    pub kind: Option<Text>,
    pub metadata: Option<HeaderMetadata>,
    /// The items of a `kind: List`.
    pub items: Option<Vec<Spanned<IgnoredAny>>>,
}

/// The name and namespace of a document of any kind.
#[derive(Debug, Default, Deserialize)]
pub struct HeaderMetadata {
    pub name: Option<String>,
    pub namespace: Option<String>,
}
