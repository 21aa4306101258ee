//! Subject units and the membership graph (petgraph): person -> team -> group,
//! person -> role, role -> role (inheritance), playbook/notification -> group.
//!
//! The closure is computed over strongly connected components: a cycle is reported as
//! an error naming its members, and the transitive units of each principal are gathered
//! in parallel with rayon.

use std::collections::{BTreeMap, HashMap};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Dfs;
use rayon::prelude::*;

use rampart_runtime::data::PrincipalKind;

/// Dense id of a subject unit; principals are the first units.
pub type UnitId = u32;

/// The units, their labels, and which are principals.
#[derive(Debug, Default)]
pub struct Units {
    pub labels: Vec<String>,
    by_label: HashMap<String, UnitId>,
    pub principals: Vec<(UnitId, PrincipalKind)>,
    graph: DiGraph<UnitId, ()>,
}

impl Units {
    /// Adds a unit (idempotent) and returns its id.
    pub fn unit(&mut self, label: String) -> UnitId {
        if let Some(id) = self.by_label.get(&label) {
            return *id;
        }
        let id = self.labels.len() as UnitId;
        self.labels.push(label.clone());
        self.by_label.insert(label, id);
        let node = self.graph.add_node(id);
        debug_assert_eq!(node.index(), id as usize);
        id
    }

    /// Adds a principal unit.
    pub fn principal(&mut self, label: String, kind: PrincipalKind) -> UnitId {
        let id = self.unit(label);
        self.principals.push((id, kind));
        id
    }

    /// Looks a unit up by label.
    pub fn find(&self, label: &str) -> Option<UnitId> {
        self.by_label.get(label).copied()
    }

    /// Records that `member` belongs to `container`.
    pub fn edge(&mut self, member: UnitId, container: UnitId) {
        let (a, b) = (
            NodeIndex::new(member as usize),
            NodeIndex::new(container as usize),
        );
        if self.graph.find_edge(a, b).is_none() {
            self.graph.add_edge(a, b, ());
        }
    }

    /// Cycles in the membership graph, each as its members' labels.
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
                    .filter_map(|n| self.labels.get(n.index()).cloned())
                    .collect();
                labels.sort();
                labels
            })
            .collect()
    }

    /// For every principal, the sorted units it belongs to (itself included) that
    /// satisfy `keep`; identical lists share a class. Returns (class per principal, classes).
    pub fn classes(&self, keep: &(dyn Fn(UnitId) -> bool + Sync)) -> (Vec<u32>, Vec<Vec<u32>>) {
        let lists: Vec<Vec<u32>> = self
            .principals
            .par_iter()
            .map(|(unit, _)| {
                let mut dfs = Dfs::new(&self.graph, NodeIndex::new(*unit as usize));
                let mut units = Vec::new();
                while let Some(node) = dfs.next(&self.graph) {
                    let id = node.index() as UnitId;
                    if keep(id) {
                        units.push(id);
                    }
                }
                units.sort_unstable();
                units
            })
            .collect();
        let mut class_of: BTreeMap<Vec<u32>, u32> = BTreeMap::new();
        let mut classes = Vec::new();
        let mut assignment = Vec::with_capacity(lists.len());
        for list in lists {
            let next = classes.len() as u32;
            let class = *class_of.entry(list.clone()).or_insert_with(|| {
                classes.push(list);
                next
            });
            assignment.push(class);
        }
        (assignment, classes)
    }
}
