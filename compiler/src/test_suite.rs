//! `kind: PermissionTest`: policy tests kept beside the policies. Each test document holds
//! named cases, each exactly one assertion: `check` (a decision, optionally the permission
//! that must decide it), `whoCan` (the exact subjects), `list` (the exact objects) or
//! `resolve` (whether a subject may resolve a connection reference).
//!
//! This module holds the document shapes; `crate::testing` runs them.

use std::collections::BTreeMap;

use rampart_runtime::ObjectAttributes;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::documents::policy::Metadata;
use crate::documents::yaml::Text;

/// `kind: PermissionTest`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestDocument {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: TestSpec,
    pub status: Option<IgnoredAny>,
}

/// `PermissionTest.spec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSpec {
    pub description: Option<String>,
    pub cases: Vec<Spanned<TestCase>>,
}

/// One named case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TestCase {
    pub name: Text,
    pub check: Option<CheckCase>,
    pub who_can: Option<WhoCanCase>,
    pub list: Option<ListCase>,
    pub resolve: Option<ResolveCase>,
}

/// An object of a case: a key, or attributes of an object the catalog does not know.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum CaseObject {
    Key(String),
    Attributes(Box<ObjectAttributes>),
}

/// The objects of a case, at most one per category.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CaseObjects {
    pub playbook: Option<CaseObject>,
    pub config: Option<CaseObject>,
    pub component: Option<CaseObject>,
    pub connection: Option<CaseObject>,
}

/// `allow` or `deny`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Expectation {
    Allow,
    Deny,
}

/// `check`: one decision.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CheckCase {
    pub subject: Text,
    pub action: Text,
    pub objects: Option<CaseObjects>,
    pub global: Option<Text>,
    pub expect: Expectation,
    /// `namespace/name` of a permission that must be among those that decide.
    pub decided_by: Option<Text>,
}

/// `whoCan`: the exact set of subjects allowed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhoCanCase {
    pub action: Text,
    pub objects: Option<CaseObjects>,
    pub global: Option<Text>,
    pub expect: Vec<Text>,
}

/// `list`: the exact known objects of a category a subject may act on.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListCase {
    pub subject: Text,
    pub action: Text,
    /// `playbooks`, `configs`, `components` or `connections`.
    pub category: Text,
    /// A fixed object of another category (`{playbook: mc/echo-config}`): the objects
    /// allowed together with it.
    pub with: Option<BTreeMap<String, String>>,
    pub expect: Vec<Text>,
}

/// `resolve`: whether a subject may resolve a connection reference.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveCase {
    pub subject: Text,
    pub reference: Text,
    /// The namespace of a reference that names none (default `default`).
    pub namespace: Option<String>,
    pub expect: Expectation,
}
