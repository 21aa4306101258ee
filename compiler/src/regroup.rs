//! Memberships changed after a compile, applied to its tables without compiling again
//! (`rampart serve --postgres`, when a person joins or leaves a team).
//!
//! A principal's rows follow from its class, and its class from the units with rules its
//! memberships reach ([`Units::closures`]), so a changed membership only moves the
//! principals whose closure changed: to a class that already has their closure, or to a
//! new class whose rows are computed from its entries by the runtime's own row code
//! ([`rampart_runtime::build::regroup`]). The rules, entries and objects stay as they
//! are. The invariant, proved by a differential test over generated worlds
//! (`benches/tests/mission_control_workload.rs`): the tables decide exactly as compiling
//! the changed world does.

use std::collections::{HashMap, HashSet};

use rampart_runtime::schema::TablesData;

use crate::membership::{UnitId, Units};
use crate::tabulate::entries_of_class;

/// A membership added or removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MembershipChange {
    /// The unit that joins or leaves (a person).
    pub member: UnitId,
    /// The unit joined or left (a team).
    pub container: UnitId,
    /// True to join, false to leave.
    pub joins: bool,
}

/// What applying changes did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regrouped {
    /// Principals whose class changed.
    pub moved: usize,
    /// Classes made for closures no principal had.
    pub new_classes: usize,
}

/// The membership graph a table was compiled with, kept to apply later changes to it.
#[derive(Clone, Debug)]
pub struct Regrouper {
    units: Units,
}

impl Regrouper {
    /// The regrouper of tables compiled with `units` (the compile's `model.units`).
    pub fn new(units: Units) -> Regrouper {
        Regrouper { units }
    }

    /// The units and memberships the tables hold now.
    pub fn units(&self) -> &Units {
        &self.units
    }

    /// Applies `changes` to `data` (tables compiled with this regrouper's units, or
    /// regrouped by it since): every principal whose closure changed moves to its new
    /// closure's class. All or nothing: on an error (a unit out of range, a change that
    /// would make a membership cycle, tables that do not fit the units) neither `data`
    /// nor the units change.
    pub fn apply(
        &mut self,
        data: &mut TablesData,
        changes: &[MembershipChange],
    ) -> Result<Regrouped, String> {
        let actions = data.actions.len() as u32;
        let with_entries: HashSet<UnitId> = data.entries.iter().map(|e| UnitId(e.unit)).collect();
        let entry_of: HashMap<(u32, u32), u32> = data
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| ((e.unit, e.action), i as u32))
            .collect();
        let keep = |u: UnitId| with_entries.contains(&u);
        let old = self.units.closures(&keep);
        if old.len() != data.principals.len() {
            return Err("the tables' principals are not the units' principals".to_string());
        }
        let mut class_of: HashMap<&[UnitId], u32> = HashMap::new();
        for (closure, p) in old.iter().zip(&data.principals) {
            class_of.entry(closure.as_slice()).or_insert(p.class);
        }
        let mut units = self.units.clone();
        for c in changes {
            if c.member.index() >= units.len() || c.container.index() >= units.len() {
                return Err("a membership names a unit the tables do not have".to_string());
            }
            if c.joins {
                units.edge(c.member, c.container);
            } else {
                units.remove_edge(c.member, c.container);
            }
        }
        if let Some(cycle) = units.cycles().first() {
            return Err(format!(
                "the memberships would make a cycle: {}",
                cycle.join(", ")
            ));
        }
        let new = units.closures(&keep);
        let mut made: HashMap<Vec<UnitId>, u32> = HashMap::new();
        let mut new_entries: Vec<Vec<u32>> = Vec::new();
        let mut principal_class = Vec::with_capacity(new.len());
        let mut moved = 0;
        for ((before, after), p) in old.iter().zip(&new).zip(&data.principals) {
            if before == after {
                principal_class.push(p.class);
                continue;
            }
            moved += 1;
            let class = match class_of.get(after.as_slice()) {
                Some(class) => *class,
                None => {
                    let next = data.classes + (new_entries.len() / actions.max(1) as usize) as u32;
                    *made.entry(after.clone()).or_insert_with(|| {
                        new_entries.extend(entries_of_class(after, &entry_of, actions));
                        next
                    })
                }
            };
            principal_class.push(class);
        }
        let new_classes = made.len();
        if moved > 0 {
            let mut changed = data.clone();
            rampart_runtime::build::regroup(&mut changed, &principal_class, new_entries)?;
            *data = changed;
        }
        self.units = units;
        Ok(Regrouped { moved, new_classes })
    }
}
