//! The selectors part of the tables: what classifies objects the catalog did not know
//! (rule predicates over resource selectors, and the catalog's agents that selectors name
//! by id or by name). [`Selectors`] owns them, compiles every selector when the tables
//! load (a selector that does not parse refuses the file), and answers whether an object
//! described by its attributes satisfies a predicate.

use crate::attributes::{ObjectAttributes, ObjectView};
use crate::category::Category;
use crate::error::LoadError;
use crate::identity::{Found, LooseKeys};
use crate::name_index::NameIndex;
use crate::schema::{AgentData, NameList, PredicateData, SelectorData};
use crate::selector::{CompiledPredicate, CompiledSelector, SelectorField};

/// A predicate as text: each selector's canonical text (any of), the agents (any of),
/// the tag pairs (all of).
pub(crate) type PredicateText = (Vec<String>, Option<Vec<String>>, Vec<(String, String)>);

/// Selectors, predicates and agents, compiled.
#[derive(Debug)]
pub(crate) struct Selectors {
    stored: Vec<SelectorData>,
    compiled: Vec<CompiledSelector>,
    predicate_data: Vec<PredicateData>,
    predicates: Vec<CompiledPredicate>,
    agents: Vec<AgentData>,
    agent_names: NameList,
    agent_index: NameIndex,
    agent_loose: LooseKeys,
}

impl Selectors {
    /// Compiles every selector and checks every predicate's references.
    pub(crate) fn build(
        stored: Vec<SelectorData>,
        predicate_data: Vec<PredicateData>,
        agents: Vec<AgentData>,
    ) -> Result<Selectors, LoadError> {
        if predicate_data
            .iter()
            .any(|p| p.selectors.iter().any(|s| *s as usize >= stored.len()))
        {
            return Err(LoadError::corrupt(
                "a predicate names a selector out of range",
            ));
        }
        let compiled = stored
            .iter()
            .map(|s| {
                CompiledSelector::parse(s).map_err(|(field, e)| {
                    LoadError::corrupt(format!("selector field `{field}`: {e}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let predicates = predicate_data.iter().map(CompiledPredicate::new).collect();
        let agent_names =
            NameList::from_strings(agents.iter().flat_map(|a| [a.id.as_str(), a.name.as_str()]));
        let agent_index = NameIndex::build(
            [&agent_names, &agent_names],
            (0..agent_names.len()).map(|i| (0, i, (i / 2) as u32)),
            |a, _| a,
        );
        let agent_loose = LooseKeys::build(
            agents
                .iter()
                .enumerate()
                .flat_map(|(i, a)| [(a.id.as_str(), i as u32), (a.name.as_str(), i as u32)]),
        );
        Ok(Selectors {
            stored,
            compiled,
            predicate_data,
            predicates,
            agents,
            agent_names,
            agent_index,
            agent_loose,
        })
    }

    /// The number of distinct selectors.
    pub(crate) fn count(&self) -> usize {
        self.stored.len()
    }

    /// The number of predicates.
    pub(crate) fn predicate_count(&self) -> usize {
        self.predicates.len()
    }

    /// Per predicate, whether it carries a permission-level `agents`/`tags` narrowing.
    pub(crate) fn narrowed_predicates(&self) -> Vec<bool> {
        self.predicate_data
            .iter()
            .map(|p| p.agents.is_some() || !p.tags.is_empty())
            .collect()
    }

    /// A compiled selector by index.
    pub(crate) fn selector(&self, index: u32) -> Option<&CompiledSelector> {
        self.compiled.get(index as usize)
    }

    /// A compiled predicate by index.
    pub(crate) fn predicate(&self, index: u32) -> Option<&CompiledPredicate> {
        self.predicates.get(index as usize)
    }

    /// Whether an object described by its attributes satisfies predicate `index` (an
    /// index out of range matches nothing).
    pub(crate) fn matches(&self, index: u32, object: &ObjectView<'_>) -> bool {
        self.predicate(index)
            .is_some_and(|p| p.matches(object, &self.compiled))
    }

    /// What predicate `index` selects, as canonical selector text: one entry per
    /// selector, then the narrowing.
    pub(crate) fn describe(&self, index: u32) -> Vec<String> {
        let Some(p) = self.predicate_data.get(index as usize) else {
            return Vec::new();
        };
        let mut out: Vec<String> = p
            .selectors
            .iter()
            .filter_map(|s| self.stored.get(*s as usize))
            .map(selector_text)
            .collect();
        if let Some(agents) = &p.agents {
            out.push(format!("agents: {}", agents.join(",")));
        }
        if !p.tags.is_empty() {
            let tags: Vec<String> = p.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push(format!("tags: {}", tags.join(",")));
        }
        out
    }

    /// Per entry of [`Selectors::describe`], the fields of that selector `object` fails,
    /// as canonical text (`types: kubernetes::pod`); empty for the narrowing entries.
    pub(crate) fn failing(&self, index: u32, object: &ObjectView<'_>) -> Vec<Vec<String>> {
        self.failing_of(index, object, &SelectorField::ALL)
    }

    /// [`Selectors::failing`] for an object of the catalog, from what the tables keep of
    /// it: its key. A playbook's or connection's key is `namespace/name`, so a failing
    /// `namespace` or `name` is named; a config's or component's key is its id, so a
    /// failing `id` is. Its other fields (type, tags, labels, agent, ...) are not in the
    /// tables and are never named: a selector failing only on them is quoted whole.
    pub(crate) fn failing_by_key(
        &self,
        index: u32,
        category: Category,
        key: &str,
    ) -> Vec<Vec<String>> {
        let keyed = matches!(category, Category::Playbook | Category::Connection);
        let attributes = ObjectAttributes {
            id: Some(key.to_string()),
            ..ObjectAttributes::default()
        };
        let view = ObjectView {
            category,
            attributes: &attributes,
            id_uuid: ObjectView::id_uuid(&attributes),
            agent_id: None,
            agent_uuid: None,
            agent_name: None,
            keyed,
        };
        let known: &[SelectorField] = if keyed {
            &[SelectorField::Name, SelectorField::Namespace]
        } else {
            &[SelectorField::Id]
        };
        self.failing_of(index, &view, known)
    }

    /// The fields among `fields` of each selector of predicate `index` that `object`
    /// fails, as canonical text; an empty entry per narrowing.
    fn failing_of(
        &self,
        index: u32,
        object: &ObjectView<'_>,
        fields: &[SelectorField],
    ) -> Vec<Vec<String>> {
        let Some(p) = self.predicate_data.get(index as usize) else {
            return Vec::new();
        };
        let mut out: Vec<Vec<String>> = p
            .selectors
            .iter()
            .filter_map(|s| {
                Some((
                    self.stored.get(*s as usize)?,
                    self.compiled.get(*s as usize)?,
                ))
            })
            .map(|(stored, compiled)| {
                compiled
                    .failing_fields(object)
                    .into_iter()
                    .filter(|f| fields.contains(f))
                    .filter_map(|f| field_text(stored, f))
                    .collect()
            })
            .collect();
        let narrowing = usize::from(p.agents.is_some()) + usize::from(!p.tags.is_empty());
        out.extend(std::iter::repeat_n(Vec::new(), narrowing));
        out
    }

    /// What predicate `index` requires, sorted: each selector's canonical text, the agents
    /// (any of), the tag pairs (all of).
    pub(crate) fn requirement(&self, index: u32) -> Option<PredicateText> {
        let p = self.predicate_data.get(index as usize)?;
        let mut selectors: Vec<String> = p
            .selectors
            .iter()
            .filter_map(|s| self.stored.get(*s as usize))
            .map(selector_text)
            .collect();
        selectors.sort();
        selectors.dedup();
        let agents = p.agents.clone().map(|mut a| {
            a.sort();
            a.dedup();
            a
        });
        let mut tags = p.tags.clone();
        tags.sort();
        tags.dedup();
        Some((selectors, agents, tags))
    }

    /// The agent `(id, name)` a key (id or name) names, when the catalog knows it: by its
    /// spelling, else by its identity ([`crate::identity`]; an identity several agents
    /// share names none of them).
    pub(crate) fn agent(&self, key: &str) -> Option<(&str, &str)> {
        let exact = |k: &str| {
            self.agent_index
                .get([&self.agent_names, &self.agent_names], k)
        };
        let Found::One(i) = self.agent_loose.find(key, exact) else {
            return None;
        };
        self.agents
            .get(i as usize)
            .map(|a| (a.id.as_str(), a.name.as_str()))
    }

    /// Every agent of the catalog, as `(id, name)`.
    pub(crate) fn agents(&self) -> impl Iterator<Item = (&str, &str)> {
        self.agents.iter().map(|a| (a.id.as_str(), a.name.as_str()))
    }

    /// The selectors, predicates and agents as the file stores them.
    #[cfg(feature = "build")]
    pub(crate) fn to_data(&self) -> (Vec<SelectorData>, Vec<PredicateData>, Vec<AgentData>) {
        (
            self.stored.clone(),
            self.predicate_data.clone(),
            self.agents.clone(),
        )
    }
}

/// The canonical text of a stored selector (`name: x; namespace: y`, field by field).
pub(crate) fn selector_text(s: &SelectorData) -> String {
    SelectorField::ALL
        .iter()
        .filter_map(|f| field_text(s, *f))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One field of a stored selector as canonical text (`types: kubernetes::pod`).
fn field_text(s: &SelectorData, field: SelectorField) -> Option<String> {
    field.stored(s).map(|v| format!("{}: {v}", field.name()))
}
