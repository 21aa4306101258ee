//! The check path: resolved ids in, a [`Response`] out; no allocation, no IO, no panic.
//!
//! A principal belongs to a class (principals whose units hold the same rules), and each
//! (class, action) has one precomputed row, laid out for this path by
//! [`crate::check_layout`]. A one-object request reads the slot's line and tests the
//! object's class in its category's allow and deny sets; a two-object request reads the
//! slot's pair line and probes its exception table at once, then tests the two classes:
//! a fixed number of memory reads, whatever the number of permissions, memberships or
//! objects. Requests naming three or more objects, and objects the catalog did not know
//! (classified from their attributes), are decided rule by rule from the row's rules.

use crate::attributes::{ObjectAttributes, ObjectView};
use crate::category::Category;
use crate::category::{PairShape, PerCategory};
use crate::class_set::SetStore;
use crate::error::RequestError;
use crate::ids::{ActionId, GlobalId, ObjectId, PrincipalId};
use crate::request::{IdTarget, ObjectRef, Request, Target};
use crate::response::Effect;
use crate::response::{Reason, Response};
use crate::rows::RuleView;
use crate::schema::{PairExceptionData, PairTableData, RowData, RuleData};
use crate::tables::Tables;

/// An object of a request after name resolution.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Resolved<'a> {
    Known(ObjectId),
    Unknown(ObjectView<'a>),
}

/// A request's target after name resolution.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ResolvedTarget<'a> {
    Objects(PerCategory<Resolved<'a>>),
    Global(GlobalId),
    Unscoped,
}

pub(crate) fn response(reason: Reason) -> Response {
    Response {
        effect: if reason == Reason::Allowed {
            Effect::Allow
        } else {
            Effect::Deny
        },
        reason,
        explanation: None,
    }
}

fn reason(allowed: bool, denied: bool) -> Reason {
    if denied {
        Reason::ExplicitDeny
    } else if allowed {
        Reason::Allowed
    } else {
        Reason::NoAllowRule
    }
}

impl Tables {
    pub(crate) fn store(&self) -> SetStore<'_> {
        SetStore {
            blocks: &self.data.blocks.0,
            lists: &self.data.block_lists.0,
        }
    }

    pub(crate) fn rule_view(&self) -> RuleView<'_> {
        RuleView {
            rules: &self.data.rules,
            entries: &self.data.entries,
            entry_rules: &self.data.entry_rules.0,
            classes: Category::ALL.map(|c| c.of(&self.data.categories).classes),
            store: self.store(),
        }
    }

    #[inline]
    pub(crate) fn class_of(&self, object: ObjectId) -> u32 {
        object
            .category
            .of(&self.data.categories)
            .object_class
            .0
            .get(object.index())
            .copied()
            .unwrap_or(u32::MAX)
    }

    /// The row of a principal and action (ids already checked to be ours).
    #[inline]
    pub(crate) fn row(&self, principal: u32, action: u32) -> Option<&RowData> {
        let class = self.data.principals.get(principal as usize)?.class as usize;
        let slot = class * self.data.actions.len() + action as usize;
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

    /// A pair table's exception for a first-category class (exceptions are sorted by
    /// first class; the check path reads them from [`crate::check_layout`] instead).
    pub(crate) fn pair_exception(
        &self,
        table: (u32, &PairTableData),
        first_class: u32,
    ) -> Option<&PairExceptionData> {
        let exceptions = self
            .data
            .pair_exceptions
            .get(table.1.exceptions.range())
            .unwrap_or(&[]);
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

    /// Decides a request by resolved ids: the fast path. Errors only for ids that belong
    /// to other tables (resolve names again after a reload).
    ///
    /// ```
    /// # fn demo(tables: &rampart_runtime::Tables) -> Result<(), rampart_runtime::RequestError> {
    /// use rampart_runtime::{Category, IdTarget};
    /// let john = tables.principal("john@doe.com")?;
    /// let read = tables.action("read")?;
    /// let pod = tables.object(Category::Config, "c-mc-pod")?;
    /// let allowed = tables.check_ids(john, read, &IdTarget::from(pod))?.is_allowed();
    /// # let _ = allowed; Ok(()) }
    /// ```
    pub fn check_ids(
        &self,
        principal: PrincipalId,
        action: ActionId,
        target: &IdTarget,
    ) -> Result<Response, RequestError> {
        if principal.tag != self.tag || action.tag != self.tag {
            return Err(RequestError::stale_id());
        }
        let (p, a) = (principal.index, action.index);
        let reason = match target {
            IdTarget::Global(g) => {
                if g.tag != self.tag {
                    return Err(RequestError::stale_id());
                }
                let bit = 1u64.checked_shl(g.index).unwrap_or(0);
                self.row(p, a).map_or(Reason::NoAllowRule, |row| {
                    reason(row.allow_globals & bit != 0, row.deny_globals & bit != 0)
                })
            }
            IdTarget::Unscoped => self.row(p, a).map_or(Reason::NoAllowRule, |row| {
                reason(row.allow_unscoped, row.deny_unscoped)
            }),
            IdTarget::Objects(objects) => {
                let (first, second, count, ours) = objects.first_two(self.tag);
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
                        self.row(p, a)
                            .map_or(Reason::NoAllowRule, |row| self.by_rules(row, &targets))
                    }
                }
            }
        };
        Ok(response(reason))
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
        reason(allowed, denied)
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
        reason(allowed, denied)
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
    ) -> crate::class_set::DenseSet {
        use crate::class_set::DenseSet;
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

    /// Whether one rule matches resolved objects.
    pub(crate) fn rule_matches(
        &self,
        rule: &RuleData,
        targets: &PerCategory<Resolved<'_>>,
    ) -> bool {
        if !rule.objects || rule.required & !targets.mask() != 0 {
            return false;
        }
        let store = self.store();
        targets.iter().all(|(c, target)| {
            let set = *c.of(&rule.sets);
            match target {
                Resolved::Known(o) => store.contains(set, self.class_of(*o)),
                Resolved::Unknown(view) => match (set, c.of(&rule.predicates)) {
                    (crate::schema::SetRef::All, _) => true,
                    (_, Some(p)) => self
                        .predicates
                        .get(*p as usize)
                        .is_some_and(|p| p.matches(view, &self.selectors)),
                    (_, None) => false,
                },
            }
        })
    }

    fn by_rules(&self, row: &RowData, targets: &PerCategory<Resolved<'_>>) -> Reason {
        let (mut allowed, mut denied) = (false, false);
        for (_, rule) in self.row_rules(row) {
            if self.rule_matches(rule, targets) {
                if rule.deny {
                    denied = true;
                    break;
                }
                allowed = true;
            }
        }
        reason(allowed, denied)
    }

    /// Resolves a request's names: every name that does not resolve is an error.
    pub(crate) fn resolve<'v>(
        &'v self,
        request: &Request<'v>,
    ) -> Result<(PrincipalId, ActionId, ResolvedTarget<'v>), RequestError> {
        let principal = self.principal(request.subject())?;
        let action = self.action(request.action())?;
        let target = match request.target() {
            Target::Global(g) => ResolvedTarget::Global(self.global(g)?),
            Target::Unscoped => ResolvedTarget::Unscoped,
            Target::Objects(objects) => {
                if objects.is_empty() {
                    return Err(RequestError::invalid(
                        "the request names no object (a request about nothing is `Target::Unscoped`)",
                    ));
                }
                objects.one_per_category()?;
                let mut targets = PerCategory::default();
                for (c, object) in objects.iter() {
                    let resolved = match object {
                        ObjectRef::Key(key) => Resolved::Known(self.object(c, key)?),
                        ObjectRef::Attributes(attributes) => self.classify(c, attributes),
                    };
                    targets.set(c, resolved);
                }
                ResolvedTarget::Objects(targets)
            }
        };
        Ok((principal, action, target))
    }

    fn classify<'v>(
        &'v self,
        category: Category,
        attributes: &'v ObjectAttributes,
    ) -> Resolved<'v> {
        if let Some(known) = attributes
            .id
            .as_deref()
            .and_then(|id| self.object(category, id).ok())
        {
            return Resolved::Known(known);
        }
        let (agent_id, agent_name) = match attributes.agent.as_deref() {
            None => (None, None),
            Some(key) => match self.agent(key) {
                Some((id, name)) => (Some(id), Some(name)),
                None => (Some(key), None),
            },
        };
        Resolved::Unknown(ObjectView {
            category,
            attributes,
            agent_id,
            agent_name,
        })
    }

    /// Decides resolved targets (the fast path where it applies).
    pub(crate) fn decide_resolved(
        &self,
        principal: PrincipalId,
        action: ActionId,
        target: &ResolvedTarget<'_>,
    ) -> Result<Response, RequestError> {
        match target {
            ResolvedTarget::Global(g) => self.check_ids(principal, action, &IdTarget::Global(*g)),
            ResolvedTarget::Unscoped => self.check_ids(principal, action, &IdTarget::Unscoped),
            ResolvedTarget::Objects(targets) => {
                let mut known: Option<crate::request::ObjectIds> = None;
                let mut all_known = true;
                for (_, t) in targets.iter() {
                    match t {
                        Resolved::Known(o) => {
                            known = Some(match known {
                                None => crate::request::ObjectIds::one(*o),
                                Some(ids) => ids.and(*o)?,
                            })
                        }
                        Resolved::Unknown(_) => all_known = false,
                    }
                }
                match (all_known, known) {
                    (true, Some(ids)) => self.check_ids(principal, action, &IdTarget::Objects(ids)),
                    _ => {
                        let Some(row) = self.row(principal.index, action.index) else {
                            return Ok(response(Reason::NoAllowRule));
                        };
                        Ok(response(self.by_rules(row, targets)))
                    }
                }
            }
        }
    }

    /// Decides a request given by names: the call a service reaches for first. A name
    /// that does not resolve (subject, action, object, global object) is an error, never
    /// a denial; the response says allowed or denied and why (`allowed`,
    /// `explicit_deny`, `no_allow_rule`). Use [`Tables::explain`] to learn which
    /// permissions decided.
    ///
    /// ```
    /// # fn demo(tables: &rampart_runtime::Tables) -> Result<(), rampart_runtime::RequestError> {
    /// use rampart_runtime::{Objects, Request, Target};
    /// let request = Request::new(
    ///     "john@doe.com",
    ///     "playbook:run",
    ///     Target::Objects(Objects::new().playbook("mc/echo-config").config("c-mc-pod")),
    /// );
    /// if tables.is_authorized(&request)?.is_allowed() {
    ///     // run it
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_authorized(&self, request: &Request<'_>) -> Result<Response, RequestError> {
        if let Some(answer) = self.by_keys(request) {
            return answer;
        }
        let (principal, action, target) = self.resolve(request)?;
        self.decide_resolved(principal, action, &target)
    }

    /// The common case of [`Tables::is_authorized`]: every object named by key. Resolves
    /// straight to ids (in the order `resolve` does, so errors are the same) without
    /// building the general resolved target, whose size costs more than the lookups. Every
    /// name lookup is begun (hashed, its home slot read) before any is finished, so that
    /// their cache misses overlap. `None` when some object is given by attributes or the
    /// target is not objects.
    fn by_keys(&self, request: &Request<'_>) -> Option<Result<Response, RequestError>> {
        let Target::Objects(objects) = request.target() else {
            return None;
        };
        if objects.is_empty()
            || objects.one_per_category().is_err()
            || objects
                .iter()
                .any(|(_, o)| matches!(o, ObjectRef::Attributes(_)))
        {
            return None;
        }
        let subject = request.subject();
        let principal = self.principal_begin(subject);
        let lookups = Category::ALL.map(|c| match objects.get(c) {
            Some(ObjectRef::Key(key)) => Some((*key, self.object_begin(c, key))),
            _ => None,
        });
        let answer = (|| {
            let principal = self.principal_finish(subject, principal)?;
            let action = self.action(request.action())?;
            let mut ids: Option<crate::request::ObjectIds> = None;
            for c in Category::ALL {
                if let Some((key, lookup)) = *c.of(&lookups) {
                    let id = self.object_finish(c, key, lookup)?;
                    ids = Some(match ids {
                        None => crate::request::ObjectIds::one(id),
                        Some(ids) => ids.and(id)?,
                    });
                }
            }
            match ids {
                Some(ids) => self.check_ids(principal, action, &IdTarget::Objects(ids)),
                None => Err(RequestError::invalid("the request names no object")),
            }
        })();
        Some(answer)
    }
}
