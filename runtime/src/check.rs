//! The check path: interned ids in, a boolean out; no allocation, no IO, no panic.
//!
//! A principal's class lists the subject units (itself, teams, groups, roles) that hold
//! rules; at load time each (class, action) gets the list of its units' entries, so a
//! check reads one short list and visits only units that hold rules for the action.
//! A single-object request is then one bitmap membership test per unit for allow and
//! one for deny: the cost is bounded by the principal's memberships, never by the
//! number of permissions, principals or objects. A two-object request reads the entry's
//! precomputed pair sets (a union per side, plus the few rectangles of rules that
//! constrain both). Requests naming three or more objects, and objects the catalog did
//! not know, are answered rule by rule from the same entries.

use crate::attributes::ObjectView;
use crate::data::{EntryData, PairSets, RuleData, SetRef};

use crate::tables::Tables;
use crate::{ActionId, Category, GlobalId, ObjectIds, PrincipalId};

/// One object of a request: interned, or described by attributes.
#[derive(Clone, Copy, Debug)]
pub enum ObjectTarget<'a> {
    Known(crate::ObjectId),
    Unknown(ObjectView<'a>),
}

impl Tables {
    pub(crate) fn set_contains(&self, set: SetRef, object: u32) -> bool {
        match set {
            SetRef::Empty => false,
            SetRef::All => true,
            SetRef::Range(start, len) => object.wrapping_sub(start) < u32::from(len),
            SetRef::Bitmap(b) => self
                .data
                .bitmaps
                .get(b as usize)
                .is_some_and(|m| m.contains(object)),
        }
    }

    /// The ids of the entries of the principal's units for `action`.
    pub(crate) fn entry_ids(&self, principal: PrincipalId, action: ActionId) -> &[u32] {
        let actions = self.data.actions.len();
        let Some(class) = self.principal_class.get(principal.index()) else {
            return &[];
        };
        if action.index() >= actions {
            return &[];
        }
        let slot = *class as usize * actions + action.index();
        match (
            self.class_entry_offsets.get(slot),
            self.class_entry_offsets.get(slot + 1),
        ) {
            (Some(start), Some(end)) => self
                .class_entries
                .get(*start as usize..*end as usize)
                .unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The entries of the principal's units for `action`.
    pub(crate) fn entries(
        &self,
        principal: PrincipalId,
        action: ActionId,
    ) -> impl Iterator<Item = &EntryData> + '_ {
        self.entry_ids(principal, action)
            .iter()
            .filter_map(|e| self.data.entries.get(*e as usize))
    }

    /// Is `principal` allowed `action` on these interned objects? Deny wins; no object
    /// at all is a deny.
    pub fn check_ids(&self, principal: PrincipalId, action: ActionId, objects: &ObjectIds) -> bool {
        let mask = objects.mask();
        if mask.count_ones() == 1 {
            if let Some((category, object)) = objects.iter().next() {
                return self.check_single(principal, action, category, object.0);
            }
        }
        if mask == 0 {
            return false;
        }
        if mask.count_ones() == 2 {
            return self.check_pair(principal, action, mask, objects);
        }

        self.decide_by_rules(principal, action, |rule| {
            self.rule_matches_ids(rule, mask, objects)
        })
    }

    /// Rule by rule over the principal's entries: deny wins, else any allow.
    fn decide_by_rules(
        &self,
        principal: PrincipalId,
        action: ActionId,
        matches: impl Fn(&RuleData) -> bool,
    ) -> bool {
        let mut allowed = false;
        for entry in self.entries(principal, action) {
            for rule in entry
                .rules
                .iter()
                .filter_map(|r| self.data.rules.get(*r as usize))
            {
                if matches(rule) {
                    if rule.deny {
                        return false;
                    }
                    allowed = true;
                }
            }
        }
        allowed
    }

    fn check_single(
        &self,
        principal: PrincipalId,
        action: ActionId,
        category: Category,
        object: u32,
    ) -> bool {
        let mut allowed = false;
        for e in self.entry_ids(principal, action) {
            let Some(sets) = self.single_sets.get(*e as usize) else {
                continue;
            };
            let (allow, deny) = sets.split_at(4);
            if deny
                .get(category.index())
                .is_some_and(|s| self.set_contains(*s, object))
            {
                return false;
            }
            allowed = allowed
                || allow
                    .get(category.index())
                    .is_some_and(|s| self.set_contains(*s, object));
        }
        allowed
    }

    fn check_pair(
        &self,
        principal: PrincipalId,
        action: ActionId,
        shape: u8,
        objects: &ObjectIds,
    ) -> bool {
        let Some((first, second)) = crate::pair_categories(shape) else {
            return false;
        };
        let (Some(a), Some(b)) = (objects.get(first), objects.get(second)) else {
            return false;
        };
        // `singles` are the entry's single-object sets: allow then deny, per category.
        let hit = |sets: &PairSets, singles: &[SetRef]| {
            let single = |c: Category| {
                singles
                    .get(c.index())
                    .is_some_and(|s| self.set_contains(*s, if c == first { a.0 } else { b.0 }))
            };
            (sets.first_single && single(first))
                || (sets.second_single && single(second))
                || sets.first.is_some_and(|s| self.set_contains(s, a.0))
                || sets.second.is_some_and(|s| self.set_contains(s, b.0))
                || sets
                    .rectangles
                    .iter()
                    .any(|(x, y)| self.set_contains(*x, a.0) && self.set_contains(*y, b.0))
        };
        let mut allowed = false;
        for e in self.entry_ids(principal, action) {
            let (Some(entry), Some(singles)) = (
                self.data.entries.get(*e as usize),
                self.single_sets.get(*e as usize),
            ) else {
                continue;
            };
            let Some(pair) = entry.pairs.iter().find(|p| p.shape == shape) else {
                continue;
            };
            let (allow_singles, deny_singles) = singles.split_at(4);
            if hit(&pair.deny, deny_singles) {
                return false;
            }
            allowed = allowed || hit(&pair.allow, allow_singles);
        }
        allowed
    }

    pub(crate) fn rule_matches_ids(&self, rule: &RuleData, mask: u8, objects: &ObjectIds) -> bool {
        rule.objects
            && rule.required & !mask == 0
            && objects
                .iter()
                .all(|(c, o)| self.set_contains(*c.of(&rule.sets), o.0))
    }

    pub(crate) fn rule_matches_targets(
        &self,
        rule: &RuleData,
        targets: &crate::PerCategory<ObjectTarget<'_>>,
    ) -> bool {
        if !rule.objects || rule.required & !targets.mask() != 0 {
            return false;
        }
        targets.iter().all(|(c, target)| match target {
            ObjectTarget::Known(o) => self.set_contains(*c.of(&rule.sets), o.0),
            ObjectTarget::Unknown(view) => match (c.of(&rule.sets), c.of(&rule.predicates)) {
                (SetRef::All, _) => true,
                (_, Some(p)) => self
                    .predicates
                    .get(*p as usize)
                    .is_some_and(|p| p.matches(view, &self.selectors)),
                (_, None) => false,
            },
        })
    }

    /// Is `principal` allowed `action` on a global object?
    pub fn check_global(&self, principal: PrincipalId, action: ActionId, global: GlobalId) -> bool {
        let Some(bit) = 1u64.checked_shl(global.0) else {
            return false;
        };
        let mut allowed = false;
        for entry in self.entries(principal, action) {
            if entry.deny_globals & bit != 0 {
                return false;
            }
            allowed |= entry.allow_globals & bit != 0;
        }
        allowed
    }

    /// Like [`Tables::check_ids`], with objects that may be unknown to the catalog.
    pub fn check_targets(
        &self,
        principal: PrincipalId,
        action: ActionId,
        targets: &crate::PerCategory<ObjectTarget<'_>>,
    ) -> bool {
        if targets.mask() == 0 {
            return false;
        }
        self.decide_by_rules(principal, action, |rule| {
            self.rule_matches_targets(rule, targets)
        })
    }
}
