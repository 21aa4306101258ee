//! Standard Kubernetes object metadata, shared by every document kind: the name and
//! namespace that name a document (and the `uid` that is a Connection's or Scope's id),
//! with the fields the API server sets accepted and ignored.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::de::IgnoredAny;
use serde::Deserialize;

use rampart_runtime::connection::kubernetes_names::NameRule;

use crate::diagnostic::Diagnostic;
use crate::located::{at_grammar_error, Located};
use crate::yaml::Text;

/// Standard Kubernetes object metadata. Name and namespace matter (and `uid`, a
/// connection's id); the fields the API server sets are accepted and ignored.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    /// The object's name.
    #[schemars(with = "String")]
    pub name: Text,
    /// Its namespace (`default` when absent).
    #[schemars(with = "Option<String>")]
    pub namespace: Option<Text>,
    /// Set by the API server; a Connection's or Scope's `uid` is its id.
    #[schemars(with = "Option<String>")]
    pub uid: Option<Text>,
    /// Labels.
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations (the last-applied configuration among them).
    pub annotations: Option<BTreeMap<String, String>>,
    /// Set by the API server; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub resource_version: Option<IgnoredAny>,
    /// Set by the API server; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub generation: Option<IgnoredAny>,
    /// Set by the API server; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub creation_timestamp: Option<IgnoredAny>,
    /// Set by the API server when the object is being deleted (its finalizers still
    /// run): what it adds to allows is left out, what it adds to denies is kept, each
    /// with a warning (docs/semantics.md, "Objects being deleted").
    #[schemars(with = "Option<String>")]
    pub deletion_timestamp: Option<Text>,
    /// Set by the API server; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub deletion_grace_period_seconds: Option<IgnoredAny>,
    /// Set by the API server; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub finalizers: Option<IgnoredAny>,
    /// Set by the API server; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub owner_references: Option<IgnoredAny>,
    /// Set by the API server; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub managed_fields: Option<IgnoredAny>,
    /// Set by the API server; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub generate_name: Option<IgnoredAny>,
    /// Set by the API server; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub self_link: Option<IgnoredAny>,
}

impl Metadata {
    /// Whether the object is being deleted (`metadata.deletionTimestamp` is set).
    pub fn being_deleted(&self) -> bool {
        self.deletion_timestamp.is_some()
    }
}

/// The namespace of a document: `metadata.namespace`, else `default`.
pub fn namespace_of(metadata: &Metadata) -> String {
    metadata
        .namespace
        .as_ref()
        .map(|n| n.value.clone())
        .unwrap_or_else(|| "default".to_string())
}

/// `metadata.uid` in upstream's canonical form (lowercase, hyphenated), for the kinds
/// whose uid is their id (Connection, Scope): upstream's `uuid.Parse` must accept it, or
/// the object is not stored (`failed to parse uid`), so here it is an error.
pub fn canonical_uid<T>(
    doc: &Located<T>,
    metadata: &Metadata,
    kind: &str,
) -> Result<Option<String>, Diagnostic> {
    let Some(uid) = &metadata.uid else {
        return Ok(None);
    };
    rampart_grammar::Uuid::parse(&uid.value)
        .map(|u| Some(u.to_string()))
        .map_err(|e| {
            Diagnostic::at(
                at_grammar_error(doc, uid, &e),
                format!(
                    "`metadata.uid` of a {kind} is its id and must be a uuid, as upstream requires ({e})"
                ),
            )
            .field("metadata.uid")
            .help("the API server sets `metadata.uid`; write one as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, or leave it out")
        })
}

/// The errors of a document's `metadata.namespace` and `metadata.name` against Kubernetes'
/// rules (a DNS-1123 label, a DNS-1123 subdomain), as the API server holds every object of
/// the Mission Control CRDs to them: so neither holds a `/`, and no `namespace/name` can
/// be read two ways. A database row (`row`) is not a Kubernetes object (the UI writes
/// names freely): only an empty name is an error there.
pub fn kubernetes_name_errors<T>(
    doc: &Located<T>,
    metadata: &Metadata,
    kind: &str,
    row: bool,
) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let name = &metadata.name;
    if name.value.is_empty() {
        errors.push(
            Diagnostic::at(doc.at(name), format!("a {kind}'s `metadata.name` is empty"))
                .field("metadata.name")
                .help(format!(
                    "{}; a {kind} is named by it",
                    NameRule::ObjectName
                        .check("")
                        .err()
                        .map(|e| e.help())
                        .unwrap_or_default()
                )),
        );
    } else if !row {
        if let Err(e) = NameRule::ObjectName.check(&name.value) {
            errors.push(
                Diagnostic::at(
                    doc.at(name),
                    format!("a {kind}'s `metadata.name` is not a valid {}", e.rule()),
                )
                .field("metadata.name")
                .help(e.help()),
            );
        }
    }
    if let Some(namespace) = metadata.namespace.as_ref().filter(|_| !row) {
        if let Err(e) = NameRule::Namespace.check(&namespace.value) {
            errors.push(
                Diagnostic::at(
                    doc.at(namespace),
                    format!(
                        "a {kind}'s `metadata.namespace` is not a valid {}",
                        e.rule()
                    ),
                )
                .field("metadata.namespace")
                .help(e.help()),
            );
        }
    }
    errors
}
