//! The YAML-facing shape of `kind: Scope` (`mission-control.flanksource.com/v1`): a named
//! list of 1 to 10 targets, each exactly one of `config`, `component`, `playbook`,
//! `canary`, `view` or `global`, whose value selects by `agent`, `namespace`, `name` and
//! `tagSelector` — upstream's `ScopeSpec`, field for field. A Permission names scopes in
//! `object.scopes` ([`ScopeReference`]). Unknown fields are errors, as under kubectl's
//! strict field validation; the JSON Schema of `rampart schema scope` is derived from these
//! same types.

use schemars::JsonSchema;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::metadata::Metadata;
use crate::yaml::Text;

/// The fewest targets a Scope holds (upstream's CRD: `minItems: 1`).
pub const MIN_TARGETS: usize = 1;
/// The most targets a Scope holds (upstream's CRD: `maxItems: 10`).
pub const MAX_TARGETS: usize = 10;

/// `kind: Scope`: a named set of targets that permissions reference with `object.scopes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeDocument {
    /// `mission-control.flanksource.com/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `Scope`.
    pub kind: String,
    /// Its name and namespace; `uid` (when given) is its id and must be a uuid.
    pub metadata: Metadata,
    /// The targets.
    pub spec: ScopeSpec,
    /// Set by the controller; ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub status: Option<IgnoredAny>,
}

/// `Scope.spec`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeSpec {
    /// Free text.
    pub description: Option<String>,
    /// 1 to 10 targets; a permission that references the scope applies to the objects of
    /// any of them.
    #[schemars(with = "Vec<ScopeTarget>", length(min = 1, max = 10))]
    pub targets: Spanned<Vec<Spanned<ScopeTarget>>>,
}

/// One target of a Scope: exactly one key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1, "maxProperties" = 1))]
pub struct ScopeTarget {
    /// Config items.
    #[schemars(with = "Option<ScopeSelector>")]
    pub config: Option<Spanned<ScopeSelector>>,
    /// Topology components.
    #[schemars(with = "Option<ScopeSelector>")]
    pub component: Option<Spanned<ScopeSelector>>,
    /// Playbooks.
    #[schemars(with = "Option<ScopeSelector>")]
    pub playbook: Option<Spanned<ScopeSelector>>,
    /// Canaries: Rampart has no canary objects; a permission referencing a scope with
    /// such a target is an error (upstream's expansion of it matches every request).
    #[schemars(with = "Option<ScopeSelector>")]
    pub canary: Option<Spanned<ScopeSelector>>,
    /// Views: Rampart decides no request about a view, so the target grants or denies
    /// nothing Rampart is asked about.
    #[schemars(with = "Option<ScopeSelector>")]
    pub view: Option<Spanned<ScopeSelector>>,
    /// Every resource type: a permission referencing a scope with such a target is an
    /// error (upstream's expansion of it matches every request).
    #[schemars(with = "Option<ScopeSelector>")]
    pub global: Option<Spanned<ScopeSelector>>,
}

/// The kinds of a Scope target, in upstream's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetKind {
    /// `config`.
    Config,
    /// `component`.
    Component,
    /// `playbook`.
    Playbook,
    /// `canary`.
    Canary,
    /// `view`.
    View,
    /// `global`.
    Global,
}

impl TargetKind {
    /// Every kind, in upstream's order.
    pub const ALL: [TargetKind; 6] = [
        TargetKind::Config,
        TargetKind::Component,
        TargetKind::Playbook,
        TargetKind::Canary,
        TargetKind::View,
        TargetKind::Global,
    ];

    /// The key that names it in a target.
    pub fn key(self) -> &'static str {
        match self {
            TargetKind::Config => "config",
            TargetKind::Component => "component",
            TargetKind::Playbook => "playbook",
            TargetKind::Canary => "canary",
            TargetKind::View => "view",
            TargetKind::Global => "global",
        }
    }

    /// The Rampart category a target of this kind selects in, when there is one.
    pub fn category(self) -> Option<rampart_runtime::Category> {
        use rampart_runtime::Category;
        match self {
            TargetKind::Config => Some(Category::Config),
            TargetKind::Component => Some(Category::Component),
            TargetKind::Playbook => Some(Category::Playbook),
            TargetKind::Canary | TargetKind::View | TargetKind::Global => None,
        }
    }
}

impl ScopeTarget {
    /// The keys the target sets, with their selectors, in upstream's order.
    pub fn keys(&self) -> Vec<(TargetKind, &Spanned<ScopeSelector>)> {
        let slots = [
            &self.config,
            &self.component,
            &self.playbook,
            &self.canary,
            &self.view,
            &self.global,
        ];
        TargetKind::ALL
            .into_iter()
            .zip(slots)
            .filter_map(|(kind, slot)| slot.as_ref().map(|s| (kind, s)))
            .collect()
    }
}

/// The selector of a Scope target: every field present must match. `name`, `namespace`
/// and `agent` take item patterns; `agent` is an agent's id or exact name (a name is
/// resolved to the agent's id, as upstream does when it stores the Scope).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("minProperties" = 1))]
pub struct ScopeSelector {
    /// The agent's id, or its exact name.
    #[schemars(with = "Option<String>")]
    pub agent: Option<Text>,
    /// Namespace pattern.
    #[schemars(with = "Option<String>")]
    pub namespace: Option<Text>,
    /// Name pattern; `*` alone selects every object.
    #[schemars(with = "Option<String>")]
    pub name: Option<Text>,
    /// Kubernetes label selector over tags.
    /// (`""` counts as absent, as upstream counts it; editors are told to leave it out.)
    #[schemars(with = "Option<String>", length(min = 1))]
    pub tag_selector: Option<Text>,
}

/// One entry of `Permission.spec.object.scopes`: a Scope by namespace and name; `id`, when
/// given, must be that Scope's `metadata.uid`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeReference {
    /// The Scope's `metadata.uid`; checked, never used alone (upstream ignores it).
    #[schemars(with = "Option<String>")]
    pub id: Option<Text>,
    /// The Scope's namespace; required (upstream looks a missing one up as `""`, which
    /// names no Scope).
    #[schemars(with = "String")]
    pub namespace: Option<Text>,
    /// The Scope's name; required, exact (no patterns).
    #[schemars(with = "String")]
    pub name: Option<Text>,
}
