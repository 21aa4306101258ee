//! Inverted indexes over one category's objects, and selector evaluation with them:
//! attribute value -> bitmap of objects, so a selector is a few bitmap unions and
//! intersections instead of a scan of the catalog per rule. Only `search` and
//! `fieldSelector`, which can name any field, fall back to a (parallel) scan.
//!
//! Every evaluation here must agree with [`CompiledSelector::matches`]; the differential
//! tests hold both to the reference evaluator.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rampart_grammar::fold::fold;
use rampart_grammar::{ItemPattern, LabelSelector, Operator, Requirement};
use rampart_runtime::selector::{agent_matches, narrowing_matches, CompiledSelector};
use rampart_runtime::Category;
use rayon::prelude::*;
use roaring::RoaringBitmap;

use crate::world::WorldObject;

type ValueIndex = BTreeMap<String, RoaringBitmap>;

/// The value indexes of one category's objects (attribute value -> objects): what a
/// [`CategoryIndex`] reads, built once per world and reusable for as long as the world's
/// objects stay as they were (`compile::CatalogWorld` keeps them).
#[derive(Clone, Default)]
pub struct IndexValues {
    all: RoaringBitmap,
    id: ValueIndex,
    name: ValueIndex,
    namespace: ValueIndex,
    object_type: ValueIndex,
    status: ValueIndex,
    health: ValueIndex,
    /// Keyed by (agent id, agent name) as the object resolved them.
    agent: BTreeMap<(Option<String>, Option<String>), RoaringBitmap>,
    tags: BTreeMap<String, ValueIndex>,
    labels: BTreeMap<String, ValueIndex>,
}

/// The indexes of one category, over its objects.
pub struct CategoryIndex<'w> {
    category: Category,
    objects: &'w [WorldObject],
    values: Cow<'w, IndexValues>,
}

fn add(index: &mut ValueIndex, value: Option<&str>, object: u32) {
    index
        .entry(fold(value.unwrap_or("")).into_owned())
        .or_default()
        .insert(object);
}

impl IndexValues {
    /// Indexes `objects` of `category`.
    pub fn build(category: Category, objects: &[WorldObject]) -> IndexValues {
        let mut index = IndexValues {
            all: (0..objects.len() as u32).collect(),
            ..IndexValues::default()
        };
        for (i, o) in objects.iter().enumerate() {
            let i = i as u32;
            let view = o.view(category);
            let a = &o.attributes;
            add(&mut index.id, view.id(), i);
            add(&mut index.name, a.name.as_deref(), i);
            add(&mut index.namespace, a.effective_namespace(category), i);
            add(&mut index.object_type, a.object_type.as_deref(), i);
            add(&mut index.status, a.status.as_deref(), i);
            add(&mut index.health, a.health.as_deref(), i);
            index
                .agent
                .entry((o.agent_id.clone(), o.agent_name.clone()))
                .or_default()
                .insert(i);
            for (k, v) in view.tags().into_iter().flatten() {
                index
                    .tags
                    .entry(k.clone())
                    .or_default()
                    .entry(fold(v).into_owned())
                    .or_default()
                    .insert(i);
            }
            for (k, v) in view.labels().into_iter().flatten() {
                index
                    .labels
                    .entry(k.clone())
                    .or_default()
                    .entry(fold(v).into_owned())
                    .or_default()
                    .insert(i);
            }
        }
        index
    }
}

impl<'w> CategoryIndex<'w> {
    /// Indexes `objects` of `category`.
    pub fn build(category: Category, objects: &'w [WorldObject]) -> CategoryIndex<'w> {
        CategoryIndex {
            category,
            objects,
            values: Cow::Owned(IndexValues::build(category, objects)),
        }
    }

    /// The index of `objects` of `category` from values built before over exactly these
    /// objects ([`IndexValues::build`]).
    pub fn with(
        category: Category,
        objects: &'w [WorldObject],
        values: &'w IndexValues,
    ) -> CategoryIndex<'w> {
        CategoryIndex {
            category,
            objects,
            values: Cow::Borrowed(values),
        }
    }

    /// Every object of the category.
    pub fn all(&self) -> &RoaringBitmap {
        &self.values.all
    }

    fn pattern(index: &ValueIndex, pattern: &ItemPattern) -> RoaringBitmap {
        if let Some(values) = pattern.exact_values() {
            return values
                .iter()
                .filter_map(|v| index.get(*v))
                .fold(RoaringBitmap::new(), |acc, b| acc | b);
        }
        index
            .iter()
            .filter(|(v, _)| pattern.matches_folded(v))
            .fold(RoaringBitmap::new(), |acc, (_, b)| acc | b)
    }

    fn requirement(
        &self,
        map: Option<&BTreeMap<String, ValueIndex>>,
        r: &Requirement,
    ) -> RoaringBitmap {
        let values = map.and_then(|m| m.get(&r.key));
        let present = || {
            values
                .into_iter()
                .flat_map(|v| v.values())
                .fold(RoaringBitmap::new(), |acc, b| acc | b)
        };
        let matching = |test: &dyn Fn(&str) -> bool| {
            values
                .into_iter()
                .flatten()
                .filter(|(v, _)| test(v))
                .fold(RoaringBitmap::new(), |acc, (_, b)| acc | b)
        };
        // Evaluate one requirement against a lone value through the grammar's own matcher,
        // so that value comparison rules live in one place (compiled once, not per value).
        let matcher = r.matcher();
        let value_test = |v: &str| matcher.matches(&|_| Some(v));
        match r.operator {
            Operator::Exists => present(),
            Operator::DoesNotExist => &self.values.all - present(),
            Operator::Equals
            | Operator::DoubleEquals
            | Operator::In
            | Operator::GreaterThan
            | Operator::LessThan => matching(&value_test),
            Operator::NotEquals | Operator::NotIn => {
                let positive = Requirement {
                    operator: Operator::In,
                    ..r.clone()
                }
                .matcher();
                &self.values.all - matching(&|v| positive.matches(&|_| Some(v)))
            }
        }
    }

    fn label_selector(
        &self,
        map: Option<&BTreeMap<String, ValueIndex>>,
        selector: &LabelSelector,
    ) -> RoaringBitmap {
        selector
            .requirements()
            .iter()
            .fold(self.values.all.clone(), |acc, r| {
                acc & self.requirement(map, r)
            })
    }

    fn scan(&self, test: impl Fn(&WorldObject) -> bool + Sync) -> RoaringBitmap {
        let hits: Vec<u32> = self
            .objects
            .par_iter()
            .enumerate()
            .filter(|(_, o)| test(o))
            .map(|(i, _)| i as u32)
            .collect();
        RoaringBitmap::from_sorted_iter(hits).unwrap_or_default()
    }

    /// The objects a selector matches.
    pub fn select(&self, s: &CompiledSelector) -> RoaringBitmap {
        let mut set = self.values.all.clone();
        let fields = [
            (&s.id, &self.values.id),
            (&s.name, &self.values.name),
            (&s.namespace, &self.values.namespace),
            (&s.types, &self.values.object_type),
            (&s.statuses, &self.values.status),
            (&s.health, &self.values.health),
        ];
        for (pattern, index) in fields {
            if let Some(p) = pattern {
                set &= Self::pattern(index, p);
            }
        }
        if let Some(p) = &s.agent {
            let agents = self
                .values
                .agent
                .iter()
                .filter(|((id, name), _)| agent_matches(p, id.as_deref(), name.as_deref()));
            set &= agents.fold(RoaringBitmap::new(), |acc, (_, b)| acc | b);
        }
        let no_maps = self.category == Category::Playbook;
        if let Some(t) = &s.tag_selector {
            set &= self.label_selector((!no_maps).then_some(&self.values.tags), t);
        }
        if let Some(l) = &s.label_selector {
            set &= self.label_selector((!no_maps).then_some(&self.values.labels), l);
        }
        if s.field_selector.is_some() || s.search.is_some() {
            let rest = CompiledSelector {
                field_selector: s.field_selector.clone(),
                search: s.search.clone(),
                ..CompiledSelector::default()
            };
            let category = self.category;
            set &= self.scan(|o| rest.matches(&o.view(category)));
        }
        set
    }

    /// The objects that pass a permission's `agents`/`tags` narrowing.
    pub fn narrowed(&self, agents: Option<&[String]>, tags: &[(String, String)]) -> RoaringBitmap {
        let category = self.category;
        self.scan(|o| narrowing_matches(agents, tags, &o.view(category)))
    }
}
