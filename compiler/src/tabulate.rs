//! Expand and tabulate: action patterns to action sets, selectors to bitmaps (in
//! parallel, through the inverted indexes), rules to per-(unit, action) entries with
//! precomputed unions, principals to classes. The result is the plain [`TablesData`]
//! the runtime validates and serves.

use std::collections::{BTreeMap, HashMap};

use rampart_grammar::{Action, BuiltinAction};
use rampart_runtime::data::{
    EntryData, ObjectData, PairData, PairSets, PermissionData, PredicateData, PrincipalData,
    RuleData, SelectorData, SetRef, TablesData, UnitData,
};
use rampart_runtime::{Category, CompiledSelector};
use rayon::prelude::*;
use roaring::RoaringBitmap;

use crate::index::CategoryIndex;
use crate::resolve::{invoke_vocabulary, Model, Narrowing, RuleSpec};
use crate::roles::GLOBAL_OBJECTS;
use crate::world::World;

/// Interns bitmaps by content so identical sets are stored once.
#[derive(Default)]
struct BitmapPool {
    bitmaps: Vec<RoaringBitmap>,
    by_content: HashMap<Vec<u8>, u32>,
}

impl BitmapPool {
    /// A full bitmap stays a bitmap: every *known* object is not every object, and an
    /// object the catalog did not know must still be classified.
    fn intern(&mut self, bitmap: RoaringBitmap) -> SetRef {
        if bitmap.is_empty() {
            return SetRef::Empty;
        }
        if let (Some(min), Some(max)) = (bitmap.min(), bitmap.max()) {
            let len = u64::from(max - min) + 1;
            if bitmap.len() == len {
                if let Ok(len) = u16::try_from(len) {
                    return SetRef::Range(min, len);
                }
            }
        }
        let mut bytes = Vec::with_capacity(bitmap.serialized_size());
        if bitmap.serialize_into(&mut bytes).is_err() {
            bytes.clear();
        }
        let next = self.bitmaps.len() as u32;
        let id = *self.by_content.entry(bytes).or_insert_with(|| {
            self.bitmaps.push(bitmap);
            next
        });
        SetRef::Bitmap(id)
    }

    /// The members of a (non-`All`) set.
    fn members(&self, set: SetRef) -> RoaringBitmap {
        match set {
            SetRef::Bitmap(b) => self.bitmaps.get(b as usize).cloned().unwrap_or_default(),
            SetRef::Range(start, len) => (start..start.saturating_add(u32::from(len))).collect(),
            SetRef::Empty | SetRef::All => RoaringBitmap::new(),
        }
    }
}

/// The action vocabulary: builtin, then named invoke actions, then per-plugin stand-ins,
/// then `invoke:*`. Stand-ins are represented by an operation no document can name.
fn action_vocabulary(rules: &[RuleSpec]) -> (Vec<String>, Vec<Action>) {
    let (named, plugins) = invoke_vocabulary(rules);
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

/// Builds the tables.
pub fn tabulate(world: &World, model: &Model) -> TablesData {
    let (action_names, actions) = action_vocabulary(&model.rules);

    // Selectors: distinct per category, evaluated in parallel.
    let mut selector_ids: BTreeMap<(Category, SelectorData), u32> = BTreeMap::new();
    for rule in &model.rules {
        for c in Category::ALL {
            for s in c
                .of(&rule.categories)
                .iter()
                .flat_map(|r| r.selectors.iter())
            {
                let next = selector_ids.len() as u32;
                selector_ids.entry((c, s.clone())).or_insert(next);
            }
        }
    }
    let mut selectors: Vec<(Category, SelectorData)> =
        vec![(Category::Playbook, SelectorData::default()); selector_ids.len()];
    for ((c, s), id) in &selector_ids {
        if let Some(slot) = selectors.get_mut(*id as usize) {
            *slot = (*c, s.clone());
        }
    }
    let indexes: Vec<CategoryIndex<'_>> = Category::ALL
        .par_iter()
        .map(|c| CategoryIndex::build(*c, c.of(&world.objects).as_slice()))
        .collect();
    let selector_sets: Vec<RoaringBitmap> = selectors
        .par_iter()
        .map(
            |(c, data)| match (CompiledSelector::parse(data), indexes.get(c.index())) {
                (Ok(compiled), Some(index)) => index.select(&compiled),
                _ => RoaringBitmap::new(),
            },
        )
        .collect();

    // Narrowing sets, one per distinct (agents, tags).
    let mut narrowings: BTreeMap<Narrowing, [RoaringBitmap; 2]> = BTreeMap::new();
    for rule in &model.rules {
        if let Some(n) = &rule.narrowing {
            narrowings.entry(n.clone()).or_default();
        }
    }
    let computed: Vec<_> = narrowings
        .keys()
        .cloned()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(agents, tags)| {
            let sets = [Category::Config, Category::Component].map(|c| {
                indexes
                    .get(c.index())
                    .map(|i| i.narrowed(agents.as_deref(), &tags))
                    .unwrap_or_default()
            });
            ((agents, tags), sets)
        })
        .collect();
    narrowings.extend(computed);

    let mut pool = BitmapPool::default();
    let mut predicates: BTreeMap<PredicateData, u32> = BTreeMap::new();
    let mut rules = Vec::with_capacity(model.rules.len());
    for spec in &model.rules {
        let mut sets = [SetRef::All; 4];
        let mut rule_predicates = [None; 4];
        let mut required = 0u8;
        for c in Category::ALL {
            let category = c.of(&spec.categories).as_ref();
            if category.is_some() {
                required |= c.bit();
            }
            let narrow = match (&spec.narrowing, c) {
                (Some(n), Category::Config) => narrowings.get(n).map(|s| (n, &s[0])),
                (Some(n), Category::Component) => narrowings.get(n).map(|s| (n, &s[1])),
                _ => None,
            };
            let selected: Option<(Vec<u32>, RoaringBitmap)> =
                category.filter(|r| !r.wildcard).map(|r| {
                    let ids: Vec<u32> = r
                        .selectors
                        .iter()
                        .filter_map(|s| selector_ids.get(&(c, s.clone())).copied())
                        .collect();
                    let union = ids
                        .iter()
                        .filter_map(|i| selector_sets.get(*i as usize))
                        .fold(RoaringBitmap::new(), |acc, b| acc | b);
                    (ids, union)
                });
            let (set, predicate) = match (selected, narrow) {
                (None, None) => (None, None),
                (Some((ids, union)), None) => (
                    Some(union),
                    Some(PredicateData {
                        selectors: ids,
                        agents: None,
                        tags: Vec::new(),
                    }),
                ),
                (None, Some(((agents, tags), n))) => (
                    Some(n.clone()),
                    Some(PredicateData {
                        selectors: Vec::new(),
                        agents: agents.clone(),
                        tags: tags.clone(),
                    }),
                ),
                (Some((ids, union)), Some(((agents, tags), n))) => (
                    Some(union & n),
                    Some(PredicateData {
                        selectors: ids,
                        agents: agents.clone(),
                        tags: tags.clone(),
                    }),
                ),
            };
            if let (Some(set), Some(predicate)) = (set, predicate) {
                *c.of_mut(&mut sets) = pool.intern(set);
                let next = predicates.len() as u32;
                *c.of_mut(&mut rule_predicates) =
                    Some(*predicates.entry(predicate).or_insert(next));
            }
        }
        let globals = if spec.all_globals {
            u64::MAX >> (64 - GLOBAL_OBJECTS.len())
        } else {
            spec.globals
                .iter()
                .filter_map(|g| GLOBAL_OBJECTS.iter().position(|x| x == g))
                .fold(0u64, |m, i| m | (1 << i))
        };
        rules.push(RuleData {
            permission: spec.permission,
            deny: spec.deny,
            required,
            sets,
            predicates: rule_predicates,
            globals,
            objects: spec.objects,
        });
    }
    let mut predicate_list = vec![PredicateData::default(); predicates.len()];
    for (p, id) in predicates {
        if let Some(slot) = predicate_list.get_mut(id as usize) {
            *slot = p;
        }
    }

    // Entries: rules grouped by (unit, action).
    let mut grouped: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
    for (r, spec) in model.rules.iter().enumerate() {
        for (a, action) in actions.iter().enumerate() {
            if spec.actions.matches(action) {
                grouped
                    .entry((spec.unit, a as u32))
                    .or_default()
                    .push(r as u32);
            }
        }
    }
    let mut entries = Vec::with_capacity(grouped.len());
    for ((unit, action), rule_ids) in grouped {
        let mut entry = EntryData {
            unit,
            action,
            allow_single: [SetRef::Empty; 4],
            deny_single: [SetRef::Empty; 4],
            allow_globals: 0,
            deny_globals: 0,
            rules: rule_ids.clone(),
            pairs: Vec::new(),
        };

        for deny in [false, true] {
            let chosen: Vec<&RuleData> = rule_ids
                .iter()
                .filter_map(|r| rules.get(*r as usize))
                .filter(|r| r.deny == deny)
                .collect();
            let globals = chosen.iter().fold(0u64, |m, r| m | r.globals);
            let mut single = [SetRef::Empty; 4];
            for c in Category::ALL {
                let applicable: Vec<SetRef> = chosen
                    .iter()
                    .filter(|r| r.objects && r.required & !c.bit() == 0)
                    .map(|r| *c.of(&r.sets))
                    .collect();
                *c.of_mut(&mut single) = union(&mut pool, &applicable);
            }

            if deny {
                entry.deny_single = single;
                entry.deny_globals = globals;
            } else {
                entry.allow_single = single;
                entry.allow_globals = globals;
            }
        }
        entry.pairs = pair_tables(&mut pool, &rule_ids, &rules);
        entries.push(entry);
    }

    // Principal classes over the units that hold entries.
    let mut with_entries = vec![false; model.units.labels.len()];
    for e in &entries {
        if let Some(slot) = with_entries.get_mut(e.unit as usize) {
            *slot = true;
        }
    }
    let (class_of, classes) = model
        .units
        .classes(&|u| with_entries.get(u as usize).copied().unwrap_or(false));
    let principals = model
        .units
        .principals
        .iter()
        .zip(class_of)
        .map(|((unit, kind), class)| {
            let (key, id, name) = principal_names(world, model, *unit as usize);
            PrincipalData {
                kind: *kind,
                key,
                id,
                name,
                class,
            }
        })
        .collect();

    TablesData {
        permissions: model
            .permissions
            .iter()
            .map(|p| PermissionData {
                name: p.name.clone(),
                source: p.source.clone(),
                deny: p.deny,
            })
            .collect(),
        units: model
            .units
            .labels
            .iter()
            .map(|l| UnitData { label: l.clone() })
            .collect(),
        classes,
        principals,
        actions: action_names,
        globals: GLOBAL_OBJECTS.iter().map(|g| g.to_string()).collect(),
        objects: Category::ALL.map(|c| {
            c.of(&world.objects)
                .iter()
                .map(|o| ObjectData {
                    id: o.attributes.id.clone(),
                    key: o.key.clone(),
                })
                .collect()
        }),
        agents: world.agents.clone(),
        bitmaps: pool.bitmaps,
        selectors: selectors.into_iter().map(|(_, s)| s).collect(),
        predicates: predicate_list,
        rules,
        entries,
        connections: world.connections.clone(),
    }
}

/// The union of some sets: `All` if any is, else the union of their bitmaps.
fn union(pool: &mut BitmapPool, sets: &[SetRef]) -> SetRef {
    if sets.contains(&SetRef::All) {
        return SetRef::All;
    }
    let bitmaps = sets
        .iter()
        .fold(RoaringBitmap::new(), |acc, s| acc | pool.members(*s));
    pool.intern(bitmaps)
}

/// For each pair of categories some rule applies to: per effect, the union of rules that
/// leave the second side (or the first) unconstrained, and the rectangles of the rest.
fn pair_tables(pool: &mut BitmapPool, rule_ids: &[u32], rules: &[RuleData]) -> Vec<PairData> {
    let mut pairs = Vec::new();
    for shape in (0u8..16).filter(|s| s.count_ones() == 2) {
        let Some((first, second)) = rampart_runtime::pair_categories(shape) else {
            continue;
        };
        let mut any = false;
        let mut effects = [PairSets::default(), PairSets::default()];
        for (deny, sets) in [false, true].into_iter().zip(effects.iter_mut()) {
            let applicable: Vec<&RuleData> = rule_ids
                .iter()
                .filter_map(|r| rules.get(*r as usize))
                .filter(|r| r.deny == deny && r.objects && r.required & !shape == 0)
                .collect();
            any |= !applicable.is_empty();
            // A rule in the entry's single-object set of `one` (it needs nothing but `one`)
            // already counts there when it leaves `other` unconstrained; only the rest
            // need a union of their own.
            let side = |one: Category,
                        other: Category,
                        pool: &mut BitmapPool|
             -> (Option<SetRef>, bool) {
                let in_single = |r: &&&RuleData| r.required & !one.bit() == 0;
                let single_ok = applicable
                    .iter()
                    .filter(in_single)
                    .all(|r| *other.of(&r.sets) == SetRef::All);
                let extra: Vec<SetRef> = applicable
                    .iter()
                    .filter(|r| *other.of(&r.sets) == SetRef::All && !(single_ok && in_single(r)))
                    .map(|r| *one.of(&r.sets))
                    .filter(|s| *s != SetRef::Empty)
                    .collect();
                ((!extra.is_empty()).then(|| union(pool, &extra)), single_ok)
            };
            let (first_set, first_single) = side(first, second, pool);
            let (second_set, second_single) = side(second, first, pool);
            let mut rectangles: Vec<(SetRef, SetRef)> = applicable
                .iter()
                .map(|r| (*first.of(&r.sets), *second.of(&r.sets)))
                .filter(|(a, b)| {
                    !matches!(a, SetRef::Empty | SetRef::All)
                        && !matches!(b, SetRef::Empty | SetRef::All)
                })
                .collect();
            rectangles.sort();
            rectangles.dedup();
            *sets = PairSets {
                first: first_set,
                first_single,
                second: second_set,
                second_single,
                rectangles,
            };
        }
        if any {
            let [allow, deny] = effects;
            pairs.push(PairData { shape, allow, deny });
        }
    }
    pairs
}

fn principal_names(
    world: &World,
    model: &Model,
    unit: usize,
) -> (String, Option<String>, Option<String>) {
    if unit < model.principal_people {
        let p = world.people.get(unit);
        let key = p.and_then(|p| p.key()).unwrap_or_default().to_string();
        return (
            key,
            p.and_then(|p| p.id.clone()),
            p.and_then(|p| p.name.clone()),
        );
    }
    let playbooks = Category::Playbook.of(&world.objects);
    let service = unit - model.principal_people;
    if let Some(o) = playbooks.get(service) {
        return (o.key.clone(), o.attributes.id.clone(), None);
    }
    match world.notifications.get(service - playbooks.len()) {
        Some(n) => (format!("{}/{}", n.namespace, n.name), n.id.clone(), None),
        None => (String::new(), None, None),
    }
}
