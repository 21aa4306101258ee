//! Expand: the resolved model over the world becomes sets. Action patterns become action
//! sets; selectors are evaluated over the catalog into bitmaps of objects (in parallel,
//! through the inverted indexes of [`crate::index`]); objects that every selector and
//! narrowing treats alike are merged into *object classes* (partition refinement, linear
//! in the total size of the sets), so that every rule's set becomes a set of classes;
//! rules are grouped into (unit, action) entries; principals with the same units-with-
//! rules share a principal class.

use std::collections::{BTreeMap, HashMap};

use rampart_grammar::{Action, BuiltinAction};
use rampart_runtime::build::DenseSet;
use rampart_runtime::selector::CompiledSelector;
use rampart_runtime::Category;
use rayon::prelude::*;
use roaring::RoaringBitmap;

use crate::index::{CategoryIndex, IndexValues};
use crate::membership::UnitId;
use crate::resolve::{Model, Narrowing, RuleSpec};
use crate::roles::GLOBAL_OBJECTS;
use crate::world::World;

/// A rule's set in one category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleSet {
    /// Unconstrained: every object, known or not.
    All,
    /// These classes (possibly none).
    Classes(DenseSet),
}

/// What a rule requires of an object of a category the catalog does not know.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PredicateSpec {
    /// Indexes into [`Expanded::selectors`] (any of them); empty: no selector constraint.
    pub selectors: Vec<u32>,
    /// The narrowing, for configs and components.
    pub narrowing: Option<Narrowing>,
}

/// One rule over classes.
#[derive(Clone, Debug)]
pub struct ExpandedRule {
    /// Per category, the classes a present object must be in.
    pub sets: [RuleSet; 4],
    /// Per category, the predicate for unknown objects (`None` exactly where `All`).
    pub predicates: [Option<PredicateSpec>; 4],
    /// Categories the request must name.
    pub required: u8,
    /// Global objects, one bit per [`GLOBAL_OBJECTS`] entry.
    pub globals: u64,
}

/// The classes of one category.
#[derive(Clone, Debug, Default)]
pub struct Classes {
    /// Each object's class.
    pub object_class: Vec<u32>,
    /// How many classes.
    pub count: u32,
}

/// Everything the tables are built from.
pub struct Expanded {
    /// The action vocabulary.
    pub actions: Vec<String>,
    /// Per category, the object classes.
    pub classes: [Classes; 4],
    /// Distinct selectors, with their category.
    pub selectors: Vec<(Category, CompiledSelector)>,
    /// Rules, in model order.
    pub rules: Vec<ExpandedRule>,
    /// (unit, action) -> rule indexes, sorted.
    pub entries: BTreeMap<(UnitId, u32), Vec<u32>>,
    /// Each principal's class.
    pub principal_class: Vec<u32>,
    /// Each class's units that hold entries, sorted.
    pub principal_classes: Vec<Vec<UnitId>>,
}

/// The action vocabulary: builtin, then named invoke actions, then per-plugin stand-ins,
/// then `invoke:*`. Stand-ins are represented by an operation no document can name.
fn action_vocabulary(rules: &[RuleSpec]) -> (Vec<String>, Vec<Action>) {
    use rampart_grammar::ActionItem;
    let mut named = std::collections::BTreeSet::new();
    let mut plugins = std::collections::BTreeSet::new();
    for rule in rules {
        for (_, item) in rule.actions.items() {
            match item {
                ActionItem::Exact(Action::Invoke { plugin, operation }) => {
                    named.insert((plugin.clone(), operation.clone()));
                    plugins.insert(plugin.clone());
                }
                ActionItem::InvokePlugin(plugin) => {
                    plugins.insert(plugin.clone());
                }
                _ => {}
            }
        }
    }
    let mut names: Vec<String> = BuiltinAction::ALL
        .iter()
        .map(|b| b.name().to_string())
        .collect();
    let mut actions: Vec<Action> = BuiltinAction::ALL
        .iter()
        .map(|b| Action::Builtin(*b))
        .collect();
    for (plugin, operation) in &named {
        names.push(format!("invoke:{plugin}:{operation}"));
        actions.push(Action::Invoke {
            plugin: plugin.clone(),
            operation: operation.clone(),
        });
    }
    const UNNAMED: &str = "\u{0}unnamed";
    for plugin in &plugins {
        names.push(format!("invoke:{plugin}:*"));
        actions.push(Action::Invoke {
            plugin: plugin.clone(),
            operation: UNNAMED.into(),
        });
    }
    names.push("invoke:*".into());
    actions.push(Action::Invoke {
        plugin: UNNAMED.into(),
        operation: UNNAMED.into(),
    });
    (names, actions)
}

/// Splits objects into classes: two objects share a class when every atom holds both or
/// neither. Each atom splits the classes it touches; the cost is the total size of the
/// atoms. Classes are numbered by their first object, so classes follow object order.
fn refine(objects: usize, atoms: &[&RoaringBitmap]) -> Classes {
    let mut class_of = vec![0u32; objects];
    let mut count = u32::from(objects > 0);
    let mut split: Vec<u32> = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    for atom in atoms {
        split.resize(count as usize, u32::MAX);
        for o in atom.iter() {
            let Some(slot) = class_of.get_mut(o as usize) else {
                continue;
            };
            let old = *slot as usize;
            let Some(target) = split.get_mut(old) else {
                continue;
            };
            if *target == u32::MAX {
                *target = count;
                count += 1;
                touched.push(old as u32);
            }
            *slot = *target;
        }
        for t in touched.drain(..) {
            if let Some(s) = split.get_mut(t as usize) {
                *s = u32::MAX;
            }
        }
    }
    // Renumber by first object; drop classes every object left.
    let mut renumber = vec![u32::MAX; count as usize];
    let mut next = 0u32;
    for c in &mut class_of {
        if let Some(r) = renumber.get_mut(*c as usize) {
            if *r == u32::MAX {
                *r = next;
                next += 1;
            }
            *c = *r;
        }
    }
    Classes {
        object_class: class_of,
        count: next,
    }
}

fn class_set(classes: &Classes, objects: &RoaringBitmap) -> DenseSet {
    let mut set = DenseSet::empty(classes.count);
    for o in objects {
        if let Some(c) = classes.object_class.get(o as usize) {
            set.insert(*c);
        }
    }
    set
}

/// Expands the model over the world.
pub fn expand(world: &World, model: &Model) -> Expanded {
    expand_with(world, model, None)
}

/// [`expand`] with the world's value indexes built before (per category, over exactly
/// `world`'s objects), or building them when `None`.
pub fn expand_with(world: &World, model: &Model, values: Option<&[IndexValues; 4]>) -> Expanded {
    let (action_names, actions) = action_vocabulary(&model.rules);
    let (selectors, selector_ids) = distinct_selectors(model);
    let indexes: Vec<CategoryIndex<'_>> = Category::ALL
        .par_iter()
        .map(|c| {
            let objects = c.of(&world.objects).as_slice();
            match values {
                Some(values) => CategoryIndex::with(*c, objects, c.of(values)),
                None => CategoryIndex::build(*c, objects),
            }
        })
        .collect();
    let selector_sets: Vec<RoaringBitmap> = selectors
        .par_iter()
        .map(|(c, s)| {
            indexes
                .get(c.index())
                .map(|i| i.select(s))
                .unwrap_or_default()
        })
        .collect();
    let (narrowings, narrowed) = narrowing_sets(model, &indexes);

    // Object classes per category: what every selector and narrowing separates.
    let classes: [Classes; 4] = Category::ALL.map(|c| {
        let mut atoms: Vec<&RoaringBitmap> = selectors
            .iter()
            .zip(&selector_sets)
            .filter(|((sc, _), _)| *sc == c)
            .map(|(_, set)| set)
            .collect();
        if let Some(slot) = narrow_slot(c) {
            atoms.extend(narrowed.iter().filter_map(|n| n.get(slot)));
        }
        refine(c.of(&world.objects).len(), &atoms)
    });
    let lookup = RuleSets {
        classes: &classes,
        selector_ids: &selector_ids,
        selector_classes: selectors
            .par_iter()
            .zip(&selector_sets)
            .map(|((c, _), set)| class_set(c.of(&classes), set))
            .collect(),
        narrowing_index: narrowings
            .iter()
            .enumerate()
            .map(|(i, n)| (*n, i))
            .collect(),
        narrowed_classes: narrowed
            .iter()
            .map(|[configs, components]| {
                [
                    class_set(Category::Config.of(&classes), configs),
                    class_set(Category::Component.of(&classes), components),
                ]
            })
            .collect(),
    };
    let rules: Vec<ExpandedRule> = model.rules.iter().map(|spec| lookup.rule(spec)).collect();
    let entries = entries(model, &actions);
    let (principal_class, principal_classes) = principal_classes(model, &entries);
    let selectors = selectors.into_iter().map(|(c, s)| (c, s.clone())).collect();
    Expanded {
        actions: action_names,
        classes,
        selectors,
        rules,
        entries,
        principal_class,
        principal_classes,
    }
}

/// Selector ids of one category's distinct selectors.
type SelectorIds<'m> = HashMap<(Category, &'m CompiledSelector), u32>;

/// The distinct selectors of every category, in first-seen order, with their ids.
fn distinct_selectors(model: &Model) -> (Vec<(Category, &CompiledSelector)>, SelectorIds<'_>) {
    let mut selector_ids: SelectorIds<'_> = HashMap::new();
    let mut selectors = Vec::new();
    for rule in &model.rules {
        for c in Category::ALL {
            for s in c
                .of(&rule.categories)
                .iter()
                .flat_map(|r| r.selectors.iter())
            {
                if let std::collections::hash_map::Entry::Vacant(slot) = selector_ids.entry((c, s))
                {
                    slot.insert(selectors.len() as u32);
                    selectors.push((c, s));
                }
            }
        }
    }
    (selectors, selector_ids)
}

/// The distinct narrowings (permission-level agents and tags), sorted, and the configs
/// and components each admits.
fn narrowing_sets<'m>(
    model: &'m Model,
    indexes: &[CategoryIndex<'_>],
) -> (Vec<&'m Narrowing>, Vec<[RoaringBitmap; 2]>) {
    let mut narrowings: Vec<&Narrowing> = model
        .rules
        .iter()
        .filter_map(|r| r.narrowing.as_ref())
        .collect();
    narrowings.sort();
    narrowings.dedup();
    let narrowed = narrowings
        .par_iter()
        .map(|n| {
            [Category::Config, Category::Component].map(|c| {
                indexes
                    .get(c.index())
                    .map(|i| i.narrowed(n.agents.as_deref(), &n.tags))
                    .unwrap_or_default()
            })
        })
        .collect();
    (narrowings, narrowed)
}

/// Which of a narrowing's two sets applies to a category (narrowings constrain configs
/// and components only).
fn narrow_slot(c: Category) -> Option<usize> {
    match c {
        Category::Config => Some(0),
        Category::Component => Some(1),
        _ => None,
    }
}

/// What a rule's sets are made of, in classes.
struct RuleSets<'a, 'm> {
    classes: &'a [Classes; 4],
    selector_ids: &'a SelectorIds<'m>,
    selector_classes: Vec<DenseSet>,
    narrowing_index: HashMap<&'m Narrowing, usize>,
    narrowed_classes: Vec<[DenseSet; 2]>,
}

impl RuleSets<'_, '_> {
    /// One rule's sets and predicates per category, required categories and globals.
    fn rule(&self, spec: &RuleSpec) -> ExpandedRule {
        let mut sets = [RuleSet::All, RuleSet::All, RuleSet::All, RuleSet::All];
        let mut predicates: [Option<PredicateSpec>; 4] = Default::default();
        let mut required = 0u8;
        for c in Category::ALL {
            let category = c.of(&spec.categories).as_ref();
            if category.is_some() {
                required |= c.bit();
            }
            let k = c.of(self.classes).count;
            // An allow's narrowing holds every config and component of a request; a deny
            // is not narrowed at all, so that neither naming more objects nor the
            // deprecated fields can make a deny stop matching (docs/semantics.md).
            let narrow = match (&spec.narrowing, narrow_slot(c)) {
                (Some(n), Some(slot)) if !spec.deny => self
                    .narrowing_index
                    .get(n)
                    .and_then(|i| self.narrowed_classes.get(*i))
                    .and_then(|s| s.get(slot))
                    .map(|set| (n, set)),
                _ => None,
            };
            let selected = category.filter(|r| !r.wildcard).map(|r| {
                let ids: Vec<u32> = r
                    .selectors
                    .iter()
                    .filter_map(|s| self.selector_ids.get(&(c, s)).copied())
                    .collect();
                let mut union = DenseSet::empty(k);
                for i in &ids {
                    if let Some(set) = self.selector_classes.get(*i as usize) {
                        union.union_with(set);
                    }
                }
                (ids, union)
            });
            let (set, predicate) = match (selected, narrow) {
                (None, None) => continue,
                (Some((ids, union)), None) => (
                    union,
                    PredicateSpec {
                        selectors: ids,
                        narrowing: None,
                    },
                ),
                (None, Some((n, set))) => (
                    set.clone(),
                    PredicateSpec {
                        selectors: Vec::new(),
                        narrowing: Some(n.clone()),
                    },
                ),
                (Some((ids, mut union)), Some((n, set))) => {
                    union.intersect(set);
                    (
                        union,
                        PredicateSpec {
                            selectors: ids,
                            narrowing: Some(n.clone()),
                        },
                    )
                }
            };
            *c.of_mut(&mut sets) = RuleSet::Classes(set);
            *c.of_mut(&mut predicates) = Some(predicate);
        }
        let globals = if spec.all_globals {
            u64::MAX >> (64 - GLOBAL_OBJECTS.len())
        } else {
            spec.globals
                .iter()
                .filter_map(|g| GLOBAL_OBJECTS.iter().position(|x| x == g))
                .fold(0u64, |m, i| m | (1 << i))
        };
        ExpandedRule {
            sets,
            predicates,
            required,
            globals,
        }
    }
}

/// The rules of each (unit, action): one entry per pair that holds any.
fn entries(model: &Model, actions: &[Action]) -> BTreeMap<(UnitId, u32), Vec<u32>> {
    let mut entries: BTreeMap<(UnitId, u32), Vec<u32>> = BTreeMap::new();
    for (r, spec) in model.rules.iter().enumerate() {
        for (a, action) in actions.iter().enumerate() {
            if spec.actions.matches(action) {
                entries
                    .entry((spec.unit, a as u32))
                    .or_default()
                    .push(r as u32);
            }
        }
    }
    entries
}

/// Each principal's class, and each class's units with rules: principals whose
/// membership closures hold the same units with rules share a class.
fn principal_classes(
    model: &Model,
    entries: &BTreeMap<(UnitId, u32), Vec<u32>>,
) -> (Vec<u32>, Vec<Vec<UnitId>>) {
    let with_entries: std::collections::HashSet<UnitId> = entries.keys().map(|(u, _)| *u).collect();
    let closures = model.units.closures(&|u| with_entries.contains(&u));
    let mut class_ids: HashMap<Vec<UnitId>, u32> = HashMap::new();
    let mut principal_classes = Vec::new();
    let mut principal_class = Vec::with_capacity(closures.len());
    for list in closures {
        let next = principal_classes.len() as u32;
        let class = *class_ids.entry(list.clone()).or_insert_with(|| {
            principal_classes.push(list);
            next
        });
        principal_class.push(class);
    }
    (principal_class, principal_classes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refinement_separates_exactly_what_atoms_separate() {
        let a: RoaringBitmap = [0, 1, 2, 3].into_iter().collect();
        let b: RoaringBitmap = [2, 3, 4].into_iter().collect();
        let c = refine(6, &[&a, &b]);
        assert_eq!(c.object_class, vec![0, 0, 1, 1, 2, 3]);
        assert_eq!(c.count, 4);
        let none = refine(3, &[]);
        assert_eq!(none.object_class, vec![0, 0, 0]);
        assert_eq!(refine(0, &[&a]).count, 0);
    }
}
