//! Subject units and the membership graph (petgraph): person -> team -> group,
//! person -> role, role -> role (inheritance), playbook/notification -> group.
//!
//! Units are typed (`UnitKind` and a name) and numbered densely ([`UnitId`]); principals
//! are units too, and remember their kind. Cycles are found with Tarjan's strongly
//! connected components and reported by the caller as errors naming their members. The
//! closure (which units with rules each principal belongs to) is computed once per
//! strongly connected component, in topological order of the condensation, so a team or
//! group shared by thousands of people is expanded once, not once per person.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};
use rampart_runtime::schema::{PrincipalKind, UnitKind};

/// Dense id of a subject unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitId(pub u32);

impl UnitId {
    /// As an index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A principal: its unit and where it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The principal's own unit.
    pub unit: UnitId,
    /// Person, playbook or notification.
    pub kind: PrincipalKind,
    /// Index of the person in the catalog, of the playbook among playbooks, or of the
    /// notification among notifications.
    pub index: usize,
}

/// The units, their names, the principals, and the membership graph.
#[derive(Clone, Debug, Default)]
pub struct Units {
    kinds: Vec<UnitKind>,
    names: Vec<String>,
    by_name: HashMap<(UnitKind, String), UnitId>,
    /// Principals in table order.
    pub principals: Vec<Principal>,
    graph: DiGraph<(), ()>,
}

impl Units {
    /// Adds a unit (idempotent) and returns its id.
    pub fn unit(&mut self, kind: UnitKind, name: &str) -> UnitId {
        if let Some(id) = self.by_name.get(&(kind, name.to_string())) {
            return *id;
        }
        let id = UnitId(self.kinds.len() as u32);
        self.kinds.push(kind);
        self.names.push(name.to_string());
        self.by_name.insert((kind, name.to_string()), id);
        self.graph.add_node(());
        id
    }

    /// Adds a principal and its unit.
    pub fn principal(&mut self, kind: PrincipalKind, name: &str, index: usize) -> UnitId {
        let unit_kind = match kind {
            PrincipalKind::Person => UnitKind::Person,
            PrincipalKind::Playbook => UnitKind::Playbook,
            PrincipalKind::Notification => UnitKind::Notification,
        };
        let unit = self.unit(unit_kind, name);
        self.principals.push(Principal { unit, kind, index });
        unit
    }

    /// Looks a unit up.
    pub fn find(&self, kind: UnitKind, name: &str) -> Option<UnitId> {
        self.by_name.get(&(kind, name.to_string())).copied()
    }

    /// The number of units.
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    /// True when there is no unit.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// A unit's kind and name.
    pub fn describe(&self, unit: UnitId) -> (UnitKind, &str) {
        (
            self.kinds
                .get(unit.index())
                .copied()
                .unwrap_or(UnitKind::Person),
            self.names
                .get(unit.index())
                .map(String::as_str)
                .unwrap_or(""),
        )
    }

    /// Every unit's kind and name, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (UnitId, UnitKind, &str)> {
        self.kinds
            .iter()
            .zip(&self.names)
            .enumerate()
            .map(|(i, (k, n))| (UnitId(i as u32), *k, n.as_str()))
    }

    /// Records that `member` belongs to `container`.
    pub fn edge(&mut self, member: UnitId, container: UnitId) {
        let (a, b) = (
            NodeIndex::new(member.index()),
            NodeIndex::new(container.index()),
        );
        if self.graph.find_edge(a, b).is_none() {
            self.graph.add_edge(a, b, ());
        }
    }

    /// Forgets that `member` belongs to `container`; false when it did not.
    pub fn remove_edge(&mut self, member: UnitId, container: UnitId) -> bool {
        let (a, b) = (
            NodeIndex::new(member.index()),
            NodeIndex::new(container.index()),
        );
        match self.graph.find_edge(a, b) {
            Some(edge) => self.graph.remove_edge(edge).is_some(),
            None => false,
        }
    }

    /// Whether `member` belongs to `container` directly.
    pub fn is_member(&self, member: UnitId, container: UnitId) -> bool {
        self.graph
            .find_edge(
                NodeIndex::new(member.index()),
                NodeIndex::new(container.index()),
            )
            .is_some()
    }

    /// The units `unit` belongs to, transitively (itself left out unless on a cycle).
    pub fn reached(&self, unit: UnitId) -> Vec<UnitId> {
        let mut seen = vec![false; self.graph.node_count()];
        let mut stack = vec![NodeIndex::new(unit.index())];
        let mut out = Vec::new();
        while let Some(n) = stack.pop() {
            for next in self.graph.neighbors(n) {
                if let Some(s) = seen.get_mut(next.index()).filter(|s| !**s) {
                    *s = true;
                    out.push(UnitId(next.index() as u32));
                    stack.push(next);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Cycles in the membership graph, each as its members' `kind name` labels.
    pub fn cycles(&self) -> Vec<Vec<String>> {
        petgraph::algo::tarjan_scc(&self.graph)
            .into_iter()
            .filter(|scc| {
                scc.len() > 1
                    || scc
                        .first()
                        .is_some_and(|n| self.graph.find_edge(*n, *n).is_some())
            })
            .map(|scc| {
                let mut labels: Vec<String> = scc
                    .iter()
                    .map(|n| {
                        let (kind, name) = self.describe(UnitId(n.index() as u32));
                        format!("{kind} {name}")
                    })
                    .collect();
                labels.sort();
                labels
            })
            .collect()
    }

    /// For every principal, the sorted units it belongs to (itself included, transitively)
    /// that satisfy `keep`. Computed per strongly connected component in reverse
    /// topological order, merging the already computed lists of the components each one
    /// points to.
    pub fn closures(&self, keep: &dyn Fn(UnitId) -> bool) -> Vec<Vec<UnitId>> {
        // tarjan_scc returns components in reverse topological order: every component
        // comes after the components it has edges to.
        let sccs = petgraph::algo::tarjan_scc(&self.graph);
        let mut component = vec![0usize; self.graph.node_count()];
        for (i, scc) in sccs.iter().enumerate() {
            for n in scc {
                if let Some(slot) = component.get_mut(n.index()) {
                    *slot = i;
                }
            }
        }
        let mut reach: Vec<Vec<UnitId>> = Vec::with_capacity(sccs.len());
        for (i, scc) in sccs.iter().enumerate() {
            let mut units: Vec<UnitId> = scc
                .iter()
                .map(|n| UnitId(n.index() as u32))
                .filter(|u| keep(*u))
                .collect();
            for n in scc {
                for target in self.graph.neighbors(*n) {
                    let c = component.get(target.index()).copied().unwrap_or(i);
                    if c != i {
                        if let Some(list) = reach.get(c) {
                            units.extend_from_slice(list);
                        }
                    }
                }
            }
            units.sort_unstable();
            units.dedup();
            reach.push(units);
        }
        self.principals
            .iter()
            .map(|p| {
                component
                    .get(p.unit.index())
                    .and_then(|c| reach.get(*c))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closure_follows_teams_groups_and_roles_transitively() {
        let mut u = Units::default();
        let john = u.principal(PrincipalKind::Person, "john", 0);
        let jane = u.principal(PrincipalKind::Person, "jane", 1);
        let team = u.unit(UnitKind::Team, "sre");
        let group = u.unit(UnitKind::Group, "ops");
        let viewer = u.unit(UnitKind::Role, "viewer");
        let editor = u.unit(UnitKind::Role, "editor");
        u.edge(john, team);
        u.edge(team, group);
        u.edge(jane, editor);
        u.edge(editor, viewer);
        let all = u.closures(&|_| true);
        assert_eq!(all[0], vec![john, team, group]);
        assert_eq!(all[1], vec![jane, viewer, editor]);
        let kept = u.closures(&|x| x == group || x == viewer);
        assert_eq!(kept, vec![vec![group], vec![viewer]]);
        assert!(u.cycles().is_empty());
        assert_eq!(u.reached(john), vec![team, group]);
        assert!(u.is_member(john, team) && !u.is_member(john, group));
        let mut without = u.clone();
        assert!(without.remove_edge(john, team) && !without.remove_edge(john, team));
        assert_eq!(without.closures(&|_| true)[0], vec![john]);
        assert!(without.reached(john).is_empty());
        u.edge(group, team);
        assert_eq!(
            u.cycles(),
            vec![vec!["group ops".to_string(), "team sre".to_string()]]
        );
    }
}
