//! `kind: PermissionTest`: policy tests kept beside the policies. Each test document holds
//! named cases, each exactly one assertion: `check` (a decision, optionally the permission
//! that must decide it), `whoCan` (the exact subjects), `list` (the exact objects) or
//! `resolve` (whether a subject may resolve a connection reference).
//!
//! YAML `null` is never absence here (as in every request, `docs/requests.md`): a member
//! written `~` or left empty is an error at its field saying what to write instead, so a
//! template that rendered nothing cannot turn a case into one about nothing that passes.
//!
//! This module holds the document shapes; `crate::testing` runs them.

use std::collections::BTreeMap;

use rampart_runtime::json::request::JsonObjects;
use serde::de::{Error as _, IgnoredAny};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use crate::metadata::Metadata;
use crate::yaml::Text;

/// `kind: PermissionTest`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestDocument {
    /// `rampart.dev/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `PermissionTest`.
    pub kind: String,
    /// Its name and namespace.
    pub metadata: Metadata,
    /// The cases.
    pub spec: TestSpec,
    /// Ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub status: Option<IgnoredAny>,
}

/// `PermissionTest.spec`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestSpec {
    /// Free text.
    #[serde(default, deserialize_with = "description")]
    pub description: Option<String>,
    /// Named cases.
    #[schemars(with = "Vec<TestCase>")]
    pub cases: Vec<Spanned<TestCase>>,
}

/// One named case.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("minProperties" = 2, "maxProperties" = 2))]
pub struct TestCase {
    /// The case's name (shown when it fails).
    #[schemars(with = "String")]
    pub name: Text,
    /// A decision.
    pub check: Option<CheckCase>,
    /// The exact subjects allowed.
    pub who_can: Option<WhoCanCase>,
    /// The exact objects allowed.
    pub list: Option<ListCase>,
    /// Whether a subject may resolve a connection.
    pub resolve: Option<ResolveCase>,
}

/// `allow` or `deny`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Expectation {
    /// Allowed.
    Allow,
    /// Denied.
    Deny,
}

/// `check`: one decision.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CheckCase {
    /// The subject.
    #[schemars(with = "String")]
    pub subject: Text,
    /// The action.
    #[schemars(with = "String")]
    pub action: Text,
    /// The objects (none: a request about nothing).
    #[serde(default, deserialize_with = "objects")]
    pub objects: Option<JsonObjects>,
    /// A global object instead of objects.
    #[schemars(with = "Option<String>")]
    #[serde(default, deserialize_with = "global")]
    pub global: Option<Text>,
    /// `allow` or `deny`.
    pub expect: Expectation,
    /// `namespace/name` of a permission that must be among those that decide.
    #[schemars(with = "Option<String>")]
    #[serde(default, deserialize_with = "decided_by")]
    pub decided_by: Option<Text>,
}

/// `whoCan`: the exact set of subjects allowed.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhoCanCase {
    /// The action.
    #[schemars(with = "String")]
    pub action: Text,
    /// The objects.
    #[serde(default, deserialize_with = "objects")]
    pub objects: Option<JsonObjects>,
    /// A global object instead of objects.
    #[schemars(with = "Option<String>")]
    #[serde(default, deserialize_with = "global")]
    pub global: Option<Text>,
    /// Every subject allowed, as `rampart who-can` names them.
    #[schemars(with = "Vec<String>")]
    pub expect: Vec<Text>,
}

/// `list`: the exact known objects of a category a subject may act on.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCase {
    /// The subject.
    #[schemars(with = "String")]
    pub subject: Text,
    /// The action.
    #[schemars(with = "String")]
    pub action: Text,
    /// `playbooks`, `configs`, `components` or `connections`.
    #[schemars(with = "String")]
    pub category: Text,
    /// A fixed object of another category (`{playbook: mc/echo-config}`): the objects
    /// allowed together with it.
    #[serde(default, deserialize_with = "with")]
    pub with: Option<BTreeMap<String, String>>,
    /// Every object allowed, by key.
    #[schemars(with = "Vec<String>")]
    pub expect: Vec<Text>,
}

/// `resolve`: whether a subject may resolve a connection reference.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveCase {
    /// The subject.
    #[schemars(with = "String")]
    pub subject: Text,
    /// The reference.
    #[schemars(with = "String")]
    pub reference: Text,
    /// The namespace of a reference that names none (default: the suite's namespace).
    #[serde(default, deserialize_with = "namespace")]
    pub namespace: Option<String>,
    /// `allow` (resolves) or `deny` (refused).
    pub expect: Expectation,
}

/// A member that may be left out but not written `null`: the error says what to write
/// instead (`field` is its name, `instead` the forms it takes).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
    field: &str,
    instead: &str,
) -> Result<Option<T>, D::Error> {
    match Option::<T>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(D::Error::custom(format!(
            "`{field}` is null, and null is never absence; leave `{field}` out, or write {instead}"
        ))),
    }
}

/// Declares a deserializer per member for [`present`].
macro_rules! present {
    ($($function:ident => $field:literal, $instead:literal;)*) => {
        $(
            #[doc = concat!("`", $field, "`, never null ([`present`]).")]
            fn $function<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
                deserializer: D,
            ) -> Result<Option<T>, D::Error> {
                present(deserializer, $field, $instead)
            }
        )*
    };
}

present! {
    description => "description", "the text (`description: what the suite checks`)";
    objects => "objects", "the objects (`objects: {config: c-prod}`); a request about nothing leaves `objects` and `global` out";
    global => "global", "the global object (`global: catalog`)";
    decided_by => "decidedBy", "the deciding permission (`decidedBy: namespace/name`)";
    with => "with", "the object of another category (`with: {playbook: mc/echo}`)";
    namespace => "namespace", "the namespace (`namespace: default`)";
}
