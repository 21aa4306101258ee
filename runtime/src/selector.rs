//! Resource selectors and rule predicates, compiled from their stored strings.
//!
//! The compiler evaluates selectors over the catalog with inverted indexes; the runtime
//! uses [`CompiledSelector::matches`] to classify objects the catalog did not know. Both
//! follow DESIGN section 3 item 6: every present field must match.

use rampart_grammar::{
    GrammarError, ItemPattern, LabelSelector, LabelSelectorOptions, SearchQuery,
};

use crate::attributes::ObjectView;
use crate::schema::{PredicateData, SelectorData};
use rampart_grammar::fold::eq_fold;

/// A selector with every field parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CompiledSelector {
    /// `id` pattern.
    pub id: Option<ItemPattern>,
    /// `name` pattern.
    pub name: Option<ItemPattern>,
    /// `namespace` pattern.
    pub namespace: Option<ItemPattern>,
    /// `types` pattern.
    pub types: Option<ItemPattern>,
    /// `agent` pattern.
    pub agent: Option<ItemPattern>,
    /// `tagSelector`.
    pub tag_selector: Option<LabelSelector>,
    /// `labelSelector`.
    pub label_selector: Option<LabelSelector>,
    /// `fieldSelector`.
    pub field_selector: Option<LabelSelector>,
    /// `statuses` pattern.
    pub statuses: Option<ItemPattern>,
    /// `health` pattern.
    pub health: Option<ItemPattern>,
    /// `search` query.
    pub search: Option<SearchQuery>,
}

/// Options for tag, label and field selectors: `*` in values is on.
pub const SELECTOR_OPTIONS: LabelSelectorOptions = LabelSelectorOptions {
    wildcard_values: true,
};

fn pattern(
    field: &'static str,
    text: &Option<String>,
) -> Result<Option<ItemPattern>, (&'static str, GrammarError)> {
    text.as_deref()
        .map(ItemPattern::parse)
        .transpose()
        .map_err(|e| (field, e))
}

fn labels(
    field: &'static str,
    text: &Option<String>,
) -> Result<Option<LabelSelector>, (&'static str, GrammarError)> {
    text.as_deref()
        .map(|t| LabelSelector::parse_with(t, SELECTOR_OPTIONS))
        .transpose()
        .map_err(|e| (field, e))
}

impl CompiledSelector {
    /// Parses every field; the error names the field.
    pub fn parse(data: &SelectorData) -> Result<CompiledSelector, (&'static str, GrammarError)> {
        Ok(CompiledSelector {
            // Tables of an older compiler may spell a uuid otherwise: one identity.
            id: pattern("id", &data.id)?.map(ItemPattern::with_canonical_uuids),
            name: pattern("name", &data.name)?,
            namespace: pattern("namespace", &data.namespace)?,
            types: pattern("types", &data.types)?,
            agent: pattern("agent", &data.agent)?.map(ItemPattern::with_canonical_uuids),
            tag_selector: labels("tagSelector", &data.tag_selector)?,
            label_selector: labels("labelSelector", &data.label_selector)?,
            field_selector: labels("fieldSelector", &data.field_selector)?,
            statuses: pattern("statuses", &data.statuses)?,
            health: pattern("health", &data.health)?,
            search: data
                .search
                .as_deref()
                .map(SearchQuery::parse)
                .transpose()
                .map_err(|e| ("search", e))?,
        })
    }

    /// The canonical strings of every field (what a table file stores).
    #[cfg(feature = "build")]
    pub fn to_data(&self) -> SelectorData {
        let text = |v: &Option<ItemPattern>| v.as_ref().map(ToString::to_string);
        let labels = |v: &Option<LabelSelector>| v.as_ref().map(ToString::to_string);
        SelectorData {
            id: text(&self.id),
            name: text(&self.name),
            namespace: text(&self.namespace),
            types: text(&self.types),
            agent: text(&self.agent),
            tag_selector: labels(&self.tag_selector),
            label_selector: labels(&self.label_selector),
            field_selector: labels(&self.field_selector),
            statuses: text(&self.statuses),
            health: text(&self.health),
            search: self.search.as_ref().map(ToString::to_string),
        }
    }

    /// True for the wildcard selector `{name: "*"}` and nothing else.
    #[cfg(feature = "build")]
    pub fn is_wildcard(&self) -> bool {
        let only_name = CompiledSelector {
            name: None,
            ..self.clone()
        } == CompiledSelector::default();
        only_name && self.name.as_ref().is_some_and(ItemPattern::is_wildcard)
    }

    /// Whether `object` satisfies every present field.
    pub fn matches(&self, object: &ObjectView<'_>) -> bool {
        SelectorField::ALL
            .iter()
            .all(|f| self.field_matches(*f, object))
    }

    /// The present fields `object` fails, in [`SelectorField::ALL`] order (for
    /// explanations: which field of a selector kept an object out).
    pub fn failing_fields(&self, object: &ObjectView<'_>) -> Vec<SelectorField> {
        SelectorField::ALL
            .into_iter()
            .filter(|f| !self.field_matches(*f, object))
            .collect()
    }

    /// Whether `object` satisfies one field (an absent field is satisfied).
    fn field_matches(&self, field: SelectorField, object: &ObjectView<'_>) -> bool {
        let a = object.attributes;
        let scalar = |p: &Option<ItemPattern>, v: Option<&str>| {
            p.as_ref().is_none_or(|p| p.matches(v.unwrap_or("")))
        };
        let map = |s: &Option<LabelSelector>,
                   m: Option<&std::collections::BTreeMap<String, String>>| {
            s.as_ref()
                .is_none_or(|s| s.matches(&|k| m.and_then(|m| m.get(k)).map(String::as_str)))
        };
        match field {
            SelectorField::Id => scalar(&self.id, object.id()),
            SelectorField::Name => scalar(&self.name, object.name()),
            SelectorField::Namespace => scalar(&self.namespace, object.namespace()),
            SelectorField::Types => scalar(&self.types, a.object_type.as_deref()),
            SelectorField::Agent => self
                .agent
                .as_ref()
                .is_none_or(|p| agent_matches(p, object.agent(), object.agent_name)),
            SelectorField::TagSelector => map(&self.tag_selector, object.tags()),
            SelectorField::LabelSelector => map(&self.label_selector, object.labels()),
            SelectorField::FieldSelector => self
                .field_selector
                .as_ref()
                .is_none_or(|s| s.matches(&|k| object.field(k))),
            SelectorField::Statuses => scalar(&self.statuses, a.status.as_deref()),
            SelectorField::Health => scalar(&self.health, a.health.as_deref()),
            SelectorField::Search => self.search.as_ref().is_none_or(|q| q.matches(object)),
        }
    }
}

/// A field of a resource selector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SelectorField {
    /// `id`.
    Id,
    /// `name`.
    Name,
    /// `namespace`.
    Namespace,
    /// `types` (and `type`).
    Types,
    /// `agent`.
    Agent,
    /// `tagSelector`.
    TagSelector,
    /// `labelSelector`.
    LabelSelector,
    /// `fieldSelector`.
    FieldSelector,
    /// `statuses`.
    Statuses,
    /// `health`.
    Health,
    /// `search`.
    Search,
}

impl SelectorField {
    /// Every field, in the order canonical selector text lists them.
    pub const ALL: [SelectorField; 11] = [
        SelectorField::Id,
        SelectorField::Name,
        SelectorField::Namespace,
        SelectorField::Types,
        SelectorField::Agent,
        SelectorField::TagSelector,
        SelectorField::LabelSelector,
        SelectorField::FieldSelector,
        SelectorField::Statuses,
        SelectorField::Health,
        SelectorField::Search,
    ];

    /// The field's name in documents.
    pub fn name(self) -> &'static str {
        match self {
            SelectorField::Id => "id",
            SelectorField::Name => "name",
            SelectorField::Namespace => "namespace",
            SelectorField::Types => "types",
            SelectorField::Agent => "agent",
            SelectorField::TagSelector => "tagSelector",
            SelectorField::LabelSelector => "labelSelector",
            SelectorField::FieldSelector => "fieldSelector",
            SelectorField::Statuses => "statuses",
            SelectorField::Health => "health",
            SelectorField::Search => "search",
        }
    }

    /// The field's stored text in a selector, when present.
    pub fn stored(self, s: &SelectorData) -> Option<&str> {
        match self {
            SelectorField::Id => s.id.as_deref(),
            SelectorField::Name => s.name.as_deref(),
            SelectorField::Namespace => s.namespace.as_deref(),
            SelectorField::Types => s.types.as_deref(),
            SelectorField::Agent => s.agent.as_deref(),
            SelectorField::TagSelector => s.tag_selector.as_deref(),
            SelectorField::LabelSelector => s.label_selector.as_deref(),
            SelectorField::FieldSelector => s.field_selector.as_deref(),
            SelectorField::Statuses => s.statuses.as_deref(),
            SelectorField::Health => s.health.as_deref(),
            SelectorField::Search => s.search.as_deref(),
        }
    }
}

/// An agent pattern matches when the agent's id or name does; a negation that hits
/// either excludes. An object without an agent is matched as the empty string.
pub fn agent_matches(pattern: &ItemPattern, id: Option<&str>, name: Option<&str>) -> bool {
    let candidates: [Option<&str>; 2] = match (id, name) {
        (None, None) => [Some(""), None],
        (id, name) => [id, name],
    };
    let mut has_positive = false;
    let mut hit = false;
    for item in pattern.items() {
        let any = candidates.iter().flatten().any(|c| item.glob.matches(c));
        if item.negated {
            if any {
                return false;
            }
        } else {
            has_positive = true;
            hit |= any;
        }
    }
    hit || !has_positive
}

/// A rule's requirement on one category, compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledPredicate {
    /// Indexes of the selectors, any of which must match (none: no selector constraint).
    pub selectors: Vec<u32>,
    /// Agents (names or ids), one of which the object's agent must be.
    pub agents: Option<Vec<String>>,
    /// Tag pairs the object must carry.
    pub tags: Vec<(String, String)>,
}

impl CompiledPredicate {
    pub(crate) fn new(data: &PredicateData) -> CompiledPredicate {
        CompiledPredicate {
            selectors: data.selectors.clone(),
            agents: data.agents.clone(),
            tags: data.tags.clone(),
        }
    }

    /// Whether `object` satisfies the predicate, given the compiled selectors.
    pub fn matches(&self, object: &ObjectView<'_>, selectors: &[CompiledSelector]) -> bool {
        let selected = self.selectors.is_empty()
            || self.selectors.iter().any(|s| {
                selectors
                    .get(*s as usize)
                    .is_some_and(|s| s.matches(object))
            });
        selected && narrowing_matches(self.agents.as_deref(), &self.tags, object)
    }
}

/// The permission-level `agents`/`tags` narrowing: the agent (id or name) is one of
/// `agents`, and every tag pair is carried. Applies to configs and components only.
pub fn narrowing_matches(
    agents: Option<&[String]>,
    tags: &[(String, String)],
    object: &ObjectView<'_>,
) -> bool {
    use crate::category::Category;
    if !matches!(object.category, Category::Config | Category::Component) {
        return true;
    }
    let agent_ok = agents.is_none_or(|agents| {
        agents.iter().any(|a| {
            object.agent().is_some_and(|id| eq_fold(a, id))
                || object.agent_name.is_some_and(|n| eq_fold(a, n))
        })
    });
    agent_ok
        && tags.iter().all(|(k, v)| {
            object
                .attributes
                .tags
                .get(k)
                .is_some_and(|actual| eq_fold(v, actual))
        })
}
