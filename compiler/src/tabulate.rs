//! Tabulate: the expanded model becomes the plain [`TablesData`] the runtime validates
//! and serves. Class sets are interned into shared blocks; decision rows are computed by
//! the runtime's own row code ([`rampart_runtime::build::rows`]), the same code the loader
//! validates them with. Selectors become canonical strings here and nowhere earlier.

use std::collections::HashMap;

use rampart_runtime::build::SetPool;
use rampart_runtime::schema::{
    CategoryData, EntryData, Ids, NameList, PermissionData, PredicateData, PrincipalData,
    PrincipalKind, RuleData, SetRef, Span, TablesData, UnitData,
};
use rampart_runtime::Category;

use crate::connections::model::LoweredConnection;
use crate::connections::stored::connection_data;
use crate::expand::{Expanded, PredicateSpec, RuleSet};
use crate::resolve::Model;
use crate::roles::GLOBAL_OBJECTS;
use crate::world::World;

/// Builds the tables; `connections` are the lowered Connection documents.
pub fn tabulate(
    world: &World,
    model: &Model,
    expanded: Expanded,
    connections: &[LoweredConnection],
) -> TablesData {
    let mut data = tables_before_rules(world, model, &expanded, connections);
    let pool = push_rules(&mut data, model, &expanded);
    let entry_ids = push_entries(&mut data, &expanded);
    let class_entries = class_entries(&expanded, &entry_ids, data.actions.len() as u32);
    rampart_runtime::build::rows(&mut data, pool, class_entries);
    data
}

/// The tables' parts that come before the rules: permissions, units, principals, names
/// of actions, globals and agents, the objects of each category, selectors and
/// connections.
fn tables_before_rules(
    world: &World,
    model: &Model,
    expanded: &Expanded,
    connections: &[LoweredConnection],
) -> TablesData {
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
            .iter()
            .map(|(_, kind, name)| UnitData {
                kind,
                name: name.to_string(),
            })
            .collect(),
        principals: principals(world, model, &expanded.principal_class),
        classes: expanded.principal_classes.len() as u32,
        actions: expanded.actions.clone(),
        globals: GLOBAL_OBJECTS.iter().map(|g| g.to_string()).collect(),
        agents: world.agents.clone(),
        categories: Category::ALL.map(|c| category_data(world, expanded, c)),
        selectors: expanded
            .selectors
            .iter()
            .map(|(_, s)| s.to_data())
            .collect(),
        connections: connections.iter().map(connection_data).collect(),
        ..TablesData::default()
    }
}

/// One category's objects: their keys, the ids that differ from the keys, and the class
/// of each object.
fn category_data(world: &World, expanded: &Expanded, c: Category) -> CategoryData {
    let objects = c.of(&world.objects);
    let classes = c.of(&expanded.classes);
    CategoryData {
        keys: NameList::from_strings(objects.iter().map(|o| o.key.as_str())),
        aliases: objects
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                o.attributes
                    .id
                    .as_ref()
                    .filter(|id| **id != o.key)
                    .map(|id| (i as u32, id.clone()))
            })
            .collect(),
        object_class: Ids(classes.object_class.clone()),
        classes: classes.count,
    }
}

/// Writes the rules and their predicates (each distinct predicate once) into `data`;
/// returns the pool of the rules' class sets, which the rows are built with.
fn push_rules(data: &mut TablesData, model: &Model, expanded: &Expanded) -> SetPool {
    let mut pool = SetPool::default();
    let mut predicates: HashMap<PredicateSpec, u32> = HashMap::new();
    let mut predicate_list: Vec<PredicateData> = Vec::new();
    for (spec, rule) in model.rules.iter().zip(&expanded.rules) {
        let sets = Category::ALL.map(|c| match c.of(&rule.sets) {
            RuleSet::All => SetRef::All,
            RuleSet::Classes(set) => pool.set(set),
        });
        let rule_predicates = Category::ALL.map(|c| {
            c.of(&rule.predicates).as_ref().map(|p| {
                let next = predicate_list.len() as u32;
                *predicates.entry(p.clone()).or_insert_with(|| {
                    predicate_list.push(PredicateData {
                        selectors: p.selectors.clone(),
                        agents: p.narrowing.as_ref().and_then(|n| n.agents.clone()),
                        tags: p
                            .narrowing
                            .as_ref()
                            .map(|n| n.tags.clone())
                            .unwrap_or_default(),
                    });
                    next
                })
            })
        });
        data.rules.push(RuleData {
            permission: spec.permission,
            unit: spec.unit.0,
            deny: spec.deny,
            required: rule.required,
            objects: spec.objects,
            sets,
            predicates: rule_predicates,
            globals: rule.globals,
        });
    }
    data.predicates = predicate_list;
    pool
}

/// Writes the entries (a unit's rules for one action) into `data`; returns the entry of
/// each (unit, action) that has rules.
fn push_entries(data: &mut TablesData, expanded: &Expanded) -> HashMap<(u32, u32), u32> {
    let mut entry_ids: HashMap<(u32, u32), u32> = HashMap::new();
    for ((unit, action), rules) in &expanded.entries {
        entry_ids.insert((unit.0, *action), data.entries.len() as u32);
        data.entries.push(EntryData {
            unit: unit.0,
            action: *action,
            rules: Span {
                start: data.entry_rules.0.len() as u32,
                len: rules.len() as u32,
            },
        });
        data.entry_rules.0.extend_from_slice(rules);
    }
    entry_ids
}

/// Per principal class and action (class-major), the entries of the class's units for
/// that action: what the rows are made of.
fn class_entries(
    expanded: &Expanded,
    entry_ids: &HashMap<(u32, u32), u32>,
    actions: u32,
) -> Vec<Vec<u32>> {
    let mut class_entries = Vec::with_capacity(expanded.principal_classes.len() * actions as usize);
    for units in &expanded.principal_classes {
        class_entries.extend(entries_of_class(units, entry_ids, actions));
    }
    class_entries
}

/// One class's entry list per action, in action order: the entries of its units (in
/// unit order) for that action. Compiling and regrouping ([`crate::regroup`]) both make
/// a class's rows from this, so a regrouped class has the rows a compile gives it.
pub(crate) fn entries_of_class<'a>(
    units: &'a [crate::membership::UnitId],
    entry_ids: &'a HashMap<(u32, u32), u32>,
    actions: u32,
) -> impl Iterator<Item = Vec<u32>> + 'a {
    (0..actions).map(move |action| {
        units
            .iter()
            .filter_map(|u| entry_ids.get(&(u.0, action)).copied())
            .collect()
    })
}

fn principals(world: &World, model: &Model, classes: &[u32]) -> Vec<PrincipalData> {
    model
        .units
        .principals
        .iter()
        .zip(classes)
        .map(|(p, class)| {
            let (key, id, name) = match p.kind {
                PrincipalKind::Person => {
                    let person = world.people.get(p.index);
                    (
                        person.map(|x| x.key().to_string()).unwrap_or_default(),
                        person.and_then(|x| x.id.clone()),
                        person.and_then(|x| x.name.clone()),
                    )
                }
                PrincipalKind::Playbook => {
                    let o = Category::Playbook.of(&world.objects).get(p.index);
                    (
                        o.map(|o| o.key.clone()).unwrap_or_default(),
                        o.and_then(|o| o.attributes.id.clone()),
                        None,
                    )
                }
                PrincipalKind::Notification => {
                    let n = world.notifications.get(p.index);
                    (
                        n.map(|n| format!("{}/{}", n.namespace, n.name))
                            .unwrap_or_default(),
                        n.and_then(|n| n.id.clone()),
                        None,
                    )
                }
            };
            PrincipalData {
                kind: p.kind,
                key,
                id,
                name,
                unit: p.unit.0,
                class: *class,
            }
        })
        .collect()
}
