//! The decision part of the tables, and the check path by ids: no allocation, no IO, no
//! panic.
//!
//! A principal belongs to a class (principals whose units hold the same rules), and each
//! (class, action) has one precomputed row, laid out for this path by
//! [`crate::check_layout`]. A one-object request reads the slot's line and tests the
//! object's class in its category's allow and deny sets; a two-object request reads the
//! slot's pair line and probes its exception table at once, then tests the two classes:
//! a fixed number of memory reads, whatever the number of permissions, memberships or
//! objects. Requests naming three or more objects, and objects the catalog did not know
//! (classified from their attributes), are decided rule by rule from the row's rules.
//!
//! [`Decisions`] owns the decision data, validates it when the tables load (every
//! cross-reference, and for files not verified by signature every row recomputed from its
//! rules: [`crate::validate`]), and builds the check layout from it.

use crate::attributes::ObjectView;
use crate::category::{Category, PairShape, PerCategory};
use crate::check_layout::CheckLayout;
use crate::class_set::{DenseSet, SetStore};
use crate::decision_data::{DecisionData, Limits};
use crate::error::{LoadError, RequestError};
use crate::ids::{GlobalId, ObjectId, TablesTag};
use crate::request::IdTarget;
use crate::response::Reason;
use crate::rows::RuleView;
use crate::schema::{PairExceptionData, PairTableData, RowData, RuleData, SetRef};
use crate::selectors::Selectors;

/// An object of a request after name resolution.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Resolved<'a> {
    /// An object of the catalog.
    Known(ObjectId),
    /// An object the catalog did not know, described by its attributes.
    Unknown(ObjectView<'a>),
}

/// A request's target after name resolution. It lives on the stack for one decision:
/// boxing its largest variant, as the lint would have it, would allocate on every request
/// (an object view holds its canonical uuid inline: [`ObjectView::id_uuid`]).
#[derive(Clone, Copy, Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum ResolvedTarget<'a> {
    /// One object per category named.
    Objects(PerCategory<Resolved<'a>>),
    /// A global object.
    Global(GlobalId),
    /// No object.
    Unscoped,
}

/// The decision data and the check layout built from it.
#[derive(Debug)]
pub(crate) struct Decisions {
    data: DecisionData,
    actions: usize,
    layout: CheckLayout,
}

impl Decisions {
    /// Validates the decision data against the sizes of the other parts; with
    /// `recompute_rows` (a budget of block reads), recomputes every row from its rules;
    /// builds the check layout within `layout_bytes`.
    pub(crate) fn build(
        data: DecisionData,
        limits: &Limits<'_>,
        recompute_rows: Option<u64>,
        layout_bytes: u64,
    ) -> Result<Decisions, LoadError> {
        crate::validate::structure(&data, limits)?;
        if let Some(budget) = recompute_rows {
            crate::validate::rows(&data, budget)?;
        }
        let layout = CheckLayout::build(&data, limits.actions, layout_bytes)?;
        Ok(Decisions {
            data,
            actions: limits.actions,
            layout,
        })
    }

    /// Read access to the class sets.
    pub(crate) fn store(&self) -> SetStore<'_> {
        SetStore {
            blocks: &self.data.blocks.0,
            lists: &self.data.block_lists.0,
        }
    }

    fn rule_view(&self) -> RuleView<'_> {
        RuleView {
            rules: &self.data.rules,
            entries: &self.data.entries,
            entry_rules: &self.data.entry_rules.0,
            classes: self.data.object_classes,
            store: self.store(),
        }
    }

    /// The number of object classes of a category.
    pub(crate) fn classes(&self, category: Category) -> u32 {
        *category.of(&self.data.object_classes)
    }

    /// Each object's class, for a category.
    pub(crate) fn object_classes(&self, category: Category) -> &[u32] {
        &category.of(&self.data.object_class).0
    }

    /// The number of principal classes.
    pub(crate) fn principal_classes(&self) -> usize {
        self.data.classes as usize
    }

    /// A principal's class.
    pub(crate) fn principal_class(&self, principal: usize) -> Option<u32> {
        self.data.principal_class.get(principal).copied()
    }

    /// An object's class (`u32::MAX`, in no set, for an index out of range).
    #[inline]
    pub(crate) fn class_of(&self, object: ObjectId) -> u32 {
        object
            .category
            .of(&self.data.object_class)
            .0
            .get(object.index())
            .copied()
            .unwrap_or(u32::MAX)
    }

    /// The row of a principal and action (ids already checked).
    #[inline]
    pub(crate) fn row(&self, principal: u32, action: u32) -> Option<&RowData> {
        let class = *self.data.principal_class.get(principal as usize)? as usize;
        let slot = class * self.actions + action as usize;
        let row = *self.data.row_of.0.get(slot)?;
        self.data.rows.get(row as usize)
    }

    /// The pair table of a row for a pair of categories, with its index.
    #[inline]
    pub(crate) fn pair_table(
        &self,
        row: &RowData,
        shape: PairShape,
    ) -> Option<(u32, &PairTableData)> {
        let id = row.pairs.get(shape.index()).copied()?.checked_sub(1)?;
        self.data.pair_tables.get(id as usize).map(|t| (id, t))
    }

    /// A pair table's exceptions, sorted by first class.
    pub(crate) fn pair_exceptions(&self, table: &PairTableData) -> &[PairExceptionData] {
        self.data
            .pair_exceptions
            .get(table.exceptions.range())
            .unwrap_or(&[])
    }

    /// A pair table's exception for a first-category class (the check path reads them
    /// from [`crate::check_layout`] instead).
    fn pair_exception(
        &self,
        table: (u32, &PairTableData),
        first_class: u32,
    ) -> Option<&PairExceptionData> {
        let exceptions = self.pair_exceptions(table.1);
        exceptions
            .binary_search_by_key(&first_class, |e| e.first_class)
            .ok()
            .and_then(|i| exceptions.get(i))
    }

    /// The rules a row was computed from.
    pub(crate) fn row_rules<'s>(
        &'s self,
        row: &'s RowData,
    ) -> impl Iterator<Item = (u32, &'s RuleData)> + 's {
        let entries = self
            .data
            .row_entries
            .0
            .get(row.entries.range())
            .unwrap_or(&[]);
        self.rule_view().rules_of(entries)
    }

    /// Decides a request by resolved ids (already checked to carry `tag`, except the
    /// objects and the global object): the fast path.
    pub(crate) fn check(
        &self,
        p: u32,
        a: u32,
        target: &IdTarget,
        tag: TablesTag,
    ) -> Result<Reason, RequestError> {
        Ok(match target {
            IdTarget::Global(g) => {
                if g.tag != tag {
                    return Err(RequestError::stale_id());
                }
                let bit = 1u64.checked_shl(g.index).unwrap_or(0);
                self.row(p, a).map_or(Reason::NoAllowRule, |row| {
                    Reason::of(row.allow_globals & bit != 0, row.deny_globals & bit != 0)
                })
            }
            IdTarget::Unscoped => self.row(p, a).map_or(Reason::NoAllowRule, |row| {
                Reason::of(row.allow_unscoped, row.deny_unscoped)
            }),
            IdTarget::Objects(objects) => {
                let (first, second, count, ours) = objects.first_two(tag);
                if !ours {
                    return Err(RequestError::stale_id());
                }
                match (first, second, count) {
                    (Some(one), _, 1) => self.single(p, a, one),
                    (Some(x), Some(y), 2) => self.pair(p, a, x, y),
                    _ => {
                        let mut targets = PerCategory::default();
                        for o in objects.iter() {
                            targets.set(o.category, Resolved::Known(o));
                        }
                        self.row(p, a).map_or(Reason::NoAllowRule, |row| {
                            self.by_rules(row, &targets, None)
                        })
                    }
                }
            }
        })
    }

    /// One object, from the check layout's line: its category's two sets.
    #[inline]
    fn single(&self, principal: u32, action: u32, object: ObjectId) -> Reason {
        let class = self.class_of(object);
        let Some(slot) = self.layout.slot(principal, action) else {
            return Reason::NoAllowRule;
        };
        let (allowed, denied) = self
            .layout
            .single(self.store(), slot, object.category, class);
        Reason::of(allowed, denied)
    }

    /// Two objects, from the check layout: the line's pair table and its exception.
    #[inline]
    fn pair(&self, principal: u32, action: u32, a: ObjectId, b: ObjectId) -> Reason {
        let Some(shape) = PairShape::new(a.category, b.category) else {
            return Reason::NoAllowRule;
        };
        let (first, second) = if a.category == shape.first() {
            (a, b)
        } else {
            (b, a)
        };
        let (x, y) = (self.class_of(first), self.class_of(second));
        let Some(slot) = self.layout.slot(principal, action) else {
            return Reason::NoAllowRule;
        };
        let (allowed, denied) = self.layout.pair(self.store(), slot, shape, x, y);
        Reason::of(allowed, denied)
    }

    /// Whether the pair table allows, and whether it denies, first class `x` with second
    /// class `y`.
    #[inline]
    pub(crate) fn pair_answer(&self, table: (u32, &PairTableData), x: u32, y: u32) -> (bool, bool) {
        let store = self.store();
        let t = table.1;
        let exception = self.pair_exception(table, x);
        let denied = store.contains(t.deny_first, x)
            || store.contains(t.deny_second, y)
            || exception.is_some_and(|e| store.contains(e.deny, y));
        let allowed = store.contains(t.allow_first, x)
            || store.contains(t.allow_second, y)
            || exception.is_some_and(|e| store.contains(e.allow, y));
        (allowed, denied)
    }

    /// The second-category classes the pair table allows with first class `x`.
    pub(crate) fn pair_seconds(
        &self,
        table: (u32, &PairTableData),
        x: u32,
        seconds: u32,
    ) -> DenseSet {
        let store = self.store();
        let t = table.1;
        let mut allowed = DenseSet::empty(seconds);
        if store.contains(t.allow_first, x) {
            allowed.fill();
        }
        store.or_into(&mut allowed, t.allow_second);
        let mut denied = DenseSet::empty(seconds);
        if store.contains(t.deny_first, x) {
            denied.fill();
        }
        store.or_into(&mut denied, t.deny_second);
        if let Some(e) = self.pair_exception(table, x) {
            store.or_into(&mut allowed, e.allow);
            store.or_into(&mut denied, e.deny);
        }
        allowed.subtract(&denied);
        allowed
    }

    /// Whether one rule matches resolved objects. Objects the catalog did not know are
    /// classified by `selectors` (none: they match no constrained set).
    pub(crate) fn rule_matches(
        &self,
        rule: &RuleData,
        targets: &PerCategory<Resolved<'_>>,
        selectors: Option<&Selectors>,
    ) -> bool {
        if !rule.objects || rule.required & !targets.mask() != 0 {
            return false;
        }
        let store = self.store();
        targets.iter().all(|(c, target)| {
            let set = *c.of(&rule.sets);
            match target {
                Resolved::Known(o) => store.contains(set, self.class_of(*o)),
                Resolved::Unknown(view) => match (set, c.of(&rule.predicates), selectors) {
                    (SetRef::All, _, _) => true,
                    (_, Some(p), Some(selectors)) => selectors.matches(*p, view),
                    _ => false,
                },
            }
        })
    }

    /// Decides resolved objects rule by rule from a row's rules.
    pub(crate) fn by_rules(
        &self,
        row: &RowData,
        targets: &PerCategory<Resolved<'_>>,
        selectors: Option<&Selectors>,
    ) -> Reason {
        let (mut allowed, mut denied) = (false, false);
        for (_, rule) in self.row_rules(row) {
            if self.rule_matches(rule, targets, selectors) {
                if rule.deny {
                    denied = true;
                    break;
                }
                allowed = true;
            }
        }
        Reason::of(allowed, denied)
    }

    /// Counts for statistics: rules, entries, rows, pair tables, pair exceptions, blocks,
    /// block-list entries.
    pub(crate) fn counts(&self) -> [usize; 7] {
        let d = &self.data;
        [
            d.rules.len(),
            d.entries.len(),
            d.rows.len(),
            d.pair_tables.len(),
            d.pair_exceptions.len(),
            d.blocks.0.len() / crate::schema::BLOCK_WORDS,
            d.block_lists.0.len(),
        ]
    }

    /// Bytes of the check layout.
    pub(crate) fn memory(&self) -> usize {
        self.layout.memory()
    }

    /// The decision data as the file stores it.
    #[cfg(feature = "build")]
    pub(crate) fn to_data(&self) -> DecisionData {
        self.data.clone()
    }
}
