//! Listing and reverse queries, from the same rows the check path reads, so that they
//! equal `check` by construction: which known objects a principal may act on (for one
//! object, or together with a fixed object of another category), the residual rules that
//! would admit objects the catalog does not know yet, who may act on an object, and what a
//! principal may do action by action.

use roaring::RoaringBitmap;

use crate::category::Category;
use crate::category::PairShape;
use crate::class_set::DenseSet;
use crate::decisions::Decisions;
use crate::error::RequestError;
use crate::ids::{ActionId, ObjectId, PrincipalId};
use crate::parts::Parts;
use crate::request::IdTarget;
use crate::response::Reason;
use crate::schema::{RowData, SetRef};

/// What admits objects the catalog does not know yet: the rules' selectors, as text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Residual {
    /// An allow rule admits every object of the category whatever it is.
    pub allow_all: bool,
    /// Allow rules' requirements (each: selectors ORed, narrowing ANDed).
    pub allow: Vec<String>,
    /// A deny rule forbids every object of the category.
    pub deny_all: bool,
    /// Deny rules' requirements.
    pub deny: Vec<String>,
}

/// The known objects of one category a principal may act on.
#[derive(Clone, Debug, PartialEq)]
pub struct Listing {
    category: Category,
    objects: RoaringBitmap,
    residual: Residual,
    tag: crate::ids::TablesTag,
}

impl Listing {
    /// The category listed.
    pub fn category(&self) -> Category {
        self.category
    }

    /// The objects, as a bitmap of object indexes.
    pub fn bitmap(&self) -> &RoaringBitmap {
        &self.objects
    }

    /// How many objects.
    pub fn len(&self) -> u64 {
        self.objects.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The objects in order.
    pub fn iter(&self) -> impl Iterator<Item = ObjectId> + '_ {
        let (category, tag) = (self.category, self.tag);
        self.objects.iter().map(move |index| ObjectId {
            category,
            index,
            tag,
        })
    }

    /// One page: up to `limit` objects after `after` (exclusive), in order.
    pub fn page(&self, after: Option<ObjectId>, limit: usize) -> Vec<ObjectId> {
        let start = after.map(|o| o.index.saturating_add(1)).unwrap_or(0);
        let (category, tag) = (self.category, self.tag);
        self.objects
            .range(start..)
            .take(limit)
            .map(|index| ObjectId {
                category,
                index,
                tag,
            })
            .collect()
    }

    /// What would admit objects the catalog does not know.
    pub fn residual(&self) -> &Residual {
        &self.residual
    }
}

/// A principal allowed an action on an object only together with an object of another
/// category, because a grant needs an object of that category and admits the object:
/// one naming both categories (`playbook:run` on playbook X with configs Y), or one
/// requiring only the other category and leaving the object's open (`playbook:run` on
/// configs Y, any playbook). What [`crate::Tables::who_can`] on the object alone leaves
/// out.
#[derive(Clone, Debug, PartialEq)]
pub struct Conditional {
    /// The principal.
    pub principal: PrincipalId,
    /// The category of the second object the grant needs.
    pub with: Category,
    /// What the second object must be: the selectors of the rules that admit it (any
    /// object of the category with `allow_all`), and of the deny rules that forbid it.
    pub condition: Residual,
    /// For a grant naming more than two categories (`playbook:run` on a playbook with
    /// configs and components), the further objects the request needs besides the one of
    /// `with`, each category with its condition, in category order; empty for a
    /// two-object grant. The conditions are stated per category: the rules behind them
    /// need every one of these objects at once.
    pub and: Vec<(Category, Residual)>,
}

impl Conditional {
    /// `principal`'s entry for one condition of [`Lister::conditions`].
    fn of(principal: PrincipalId, (with, condition, and): Condition) -> Conditional {
        Conditional {
            principal,
            with,
            condition,
            and,
        }
    }

    /// The condition in words, as `rampart who-can` and `rampart test` print it: `any
    /// config`, or `a config matching: tags.env=dev | ...`, then `; and none of: ...`
    /// for the deny rules' selectors.
    ///
    /// A grant naming more than two categories adds each further object's condition
    /// after `; and `: `a config matching: ...; and a component matching: ...`.
    pub fn condition_text(&self) -> String {
        let mut text = one_condition_text(self.with, &self.condition);
        for (with, condition) in &self.and {
            text.push_str("; and ");
            text.push_str(&one_condition_text(*with, condition));
        }
        text
    }
}

/// One object's condition in words: `any config`, or `a config matching: ...`, then `;
/// and none of: ...` for the deny rules' selectors.
fn one_condition_text(with: Category, r: &Residual) -> String {
    let mut text = if r.allow_all {
        format!("any {with}")
    } else {
        format!("a {with} matching: {}", r.allow.join(" | "))
    };
    if !r.deny.is_empty() {
        text.push_str(&format!("; and none of: {}", r.deny.join(" | ")));
    }
    text
}

/// What a principal may do with one action.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionAccess {
    /// The action.
    pub action: ActionId,
    /// Global objects allowed.
    pub globals: Vec<String>,
    /// Per category, the known objects a one-object request is allowed on.
    pub objects: [RoaringBitmap; 4],
    /// Pairs of categories some allow rule grants two-object requests on.
    pub pairs: Vec<PairShape>,
    /// The pairs of [`ActionAccess::pairs`] that allow more than the one-object answers
    /// already say (configs only together with a playbook): a side allowed whatever the
    /// other object is, on classes other than the one-object set, or a rule that
    /// constrains both sides.
    pub joint: Vec<PairShape>,
    /// Whether a request naming no object is allowed.
    pub unscoped: bool,
}

/// Listings over the parts of one [`crate::Tables`].
pub(crate) struct Lister<'t> {
    tables: &'t Parts,
    decisions: &'t Decisions,
}

impl<'t> Lister<'t> {
    /// Listings of `tables`.
    pub(crate) fn new(tables: &'t Parts) -> Lister<'t> {
        Lister {
            tables,
            decisions: &tables.decisions,
        }
    }

    fn our(&self, principal: PrincipalId, action: ActionId) -> Result<(), RequestError> {
        if principal.tag != self.tables.tag || action.tag != self.tables.tag {
            return Err(RequestError::stale_id());
        }
        Ok(())
    }

    fn classes(&self, c: Category) -> u32 {
        self.decisions.classes(c)
    }

    /// The objects of `category` whose class is in `classes`.
    fn objects_of(&self, category: Category, classes: &DenseSet) -> RoaringBitmap {
        let of = self.decisions.object_classes(category);
        let mut out = RoaringBitmap::new();
        if classes.is_empty() {
            return out;
        }
        for (i, class) in of.iter().enumerate() {
            if classes.contains(*class) {
                out.insert(i as u32);
            }
        }
        out
    }

    /// Whether `rule` can decide a request for an object of `category` alone (`with`
    /// none) or together with the known object `with`: it applies to objects, requires
    /// no other category, and `with` is in its set (as [`Decisions::rule_matches`]
    /// decides).
    pub(crate) fn applies(
        &self,
        rule: &crate::schema::RuleData,
        category: Category,
        with: Option<ObjectId>,
    ) -> bool {
        let present = category.bit() | with.map_or(0, |w| w.category.bit());
        self.applies_among(rule, present, with)
    }

    /// Whether `rule` can decide a request naming an object of each category of
    /// `present` (bits of [`Category::bit`]), `fixed` (when given) one of them: it
    /// applies to objects, requires no category beyond `present`, and `fixed` is in its
    /// set.
    fn applies_among(
        &self,
        rule: &crate::schema::RuleData,
        present: u8,
        fixed: Option<ObjectId>,
    ) -> bool {
        if !rule.objects || rule.required & !present != 0 {
            return false;
        }
        fixed.is_none_or(|w| {
            self.decisions
                .store()
                .contains(*w.category.of(&rule.sets), self.decisions.class_of(w))
        })
    }

    /// The residual of `category` in one-object requests (`with` none), or in
    /// two-object requests together with the known object `with`.
    fn residual(&self, row: &RowData, category: Category, with: Option<ObjectId>) -> Residual {
        let present = category.bit() | with.map_or(0, |w| w.category.bit());
        self.residual_among(row, category, present, with, 0)
    }

    /// The residual of `category` in requests naming an object of each category of
    /// `present`, `fixed` (when given) one of them: what an object of `category` must
    /// be, by the rules that can decide such a request. `free` are the other categories
    /// of `present` whose objects are not fixed either: a deny rule that constrains one
    /// of them forbids an object of `category` only together with some of theirs, so it
    /// is left out of this category's conditions (which then read wider than the rules,
    /// never narrower: a joint deny is never shown as two independent exclusions, nor
    /// as "every object is denied").
    fn residual_among(
        &self,
        row: &RowData,
        category: Category,
        present: u8,
        fixed: Option<ObjectId>,
        free: u8,
    ) -> Residual {
        let mut residual = Residual::default();
        for (_, rule) in self.decisions.row_rules(row) {
            if !self.applies_among(rule, present, fixed) {
                continue;
            }
            let constrains = |d: &Category| {
                free & d.bit() != 0
                    && (*d.of(&rule.sets) != SetRef::All || d.of(&rule.predicates).is_some())
            };
            if rule.deny && Category::ALL.iter().any(constrains) {
                continue;
            }
            let set = *category.of(&rule.sets);
            let text = category
                .of(&rule.predicates)
                .map(|p| self.tables.selectors.describe(p))
                .unwrap_or_default()
                .join(" | ");
            match (rule.deny, set) {
                (_, SetRef::Empty) if category.of(&rule.predicates).is_none() => {}
                (false, SetRef::All) => residual.allow_all = true,
                (true, SetRef::All) => residual.deny_all = true,
                (false, _) => residual.allow.push(text),
                (true, _) => residual.deny.push(text),
            }
        }
        residual.allow.sort();
        residual.allow.dedup();
        residual.deny.sort();
        residual.deny.dedup();
        residual
    }

    /// The known objects of `category` that `principal` may do `action` on in a
    /// one-object request, and the residual rules for objects the catalog does not know.
    pub(crate) fn list(
        &self,
        principal: PrincipalId,
        action: ActionId,
        category: Category,
    ) -> Result<Listing, RequestError> {
        self.our(principal, action)?;
        let classes = self.classes(category);
        let (objects, residual) = match self.decisions.row(principal.index, action.index) {
            None => (RoaringBitmap::new(), Residual::default()),
            Some(row) => {
                let store = self.decisions.store();
                let mut allowed = store.dense(*category.of(&row.allow), classes);
                allowed.subtract(&store.dense(*category.of(&row.deny), classes));
                (
                    self.objects_of(category, &allowed),
                    self.residual(row, category, None),
                )
            }
        };
        Ok(Listing {
            category,
            objects,
            residual,
            tag: self.tables.tag,
        })
    }

    /// The known objects of `category` that `principal` may do `action` on together with
    /// `with` (of another category): "on which configs may john run playbook X"; and the
    /// residual, what admits objects of `category` the catalog does not hold together with
    /// `with`.
    pub(crate) fn list_with(
        &self,
        principal: PrincipalId,
        action: ActionId,
        category: Category,
        with: ObjectId,
    ) -> Result<Listing, RequestError> {
        self.our(principal, action)?;
        if with.tag != self.tables.tag {
            return Err(RequestError::stale_id());
        }
        let shape = PairShape::new(category, with.category).ok_or_else(|| {
            RequestError::invalid(format!("a {category} listed together with a {category}"))
        })?;
        let k = self.classes(category);
        let d = self.decisions;
        let row = d.row(principal.index, action.index);
        let table = row.and_then(|row| d.pair_table(row, shape));
        let mut allowed = DenseSet::empty(k);
        if let Some(table) = table {
            let fixed = d.class_of(with);
            if with.category == shape.first() {
                allowed = d.pair_seconds(table, fixed, k);
            } else {
                for x in 0..k {
                    let (allow, denied) = d.pair_answer(table, x, fixed);
                    if allow && !denied {
                        allowed.insert(x);
                    }
                }
            }
        }
        Ok(Listing {
            category,
            objects: self.objects_of(category, &allowed),
            // What admits an object the catalog does not hold together with `with`: the
            // rules that need nothing beyond the two categories and hold `with`.
            residual: row.map_or_else(Residual::default, |row| {
                self.residual(row, category, Some(with))
            }),
            tag: self.tables.tag,
        })
    }

    /// Two-object grants of one pair of categories, grouped: each entry is a set of
    /// first-category objects and the second-category objects every one of them may be
    /// paired with (entries with nothing allowed are left out). "Which configs may john run
    /// each playbook on", in one call.
    pub(crate) fn pair_grants(
        &self,
        principal: PrincipalId,
        action: ActionId,
        shape: PairShape,
    ) -> Result<Vec<(RoaringBitmap, RoaringBitmap)>, RequestError> {
        self.our(principal, action)?;
        let (a, b) = (shape.first(), shape.second());
        let (ka, kb) = (self.classes(a), self.classes(b));
        let d = self.decisions;
        let Some(table) = d
            .row(principal.index, action.index)
            .and_then(|row| d.pair_table(row, shape))
        else {
            return Ok(Vec::new());
        };
        let mut groups: Vec<(DenseSet, DenseSet)> = Vec::new();
        for x in 0..ka {
            let allowed = d.pair_seconds(table, x, kb);
            if allowed.is_empty() {
                continue;
            }
            match groups.iter_mut().find(|(_, set)| *set == allowed) {
                Some((firsts, _)) => firsts.insert(x),
                None => {
                    let mut firsts = DenseSet::empty(ka);
                    firsts.insert(x);
                    groups.push((firsts, allowed));
                }
            }
        }
        Ok(groups
            .into_iter()
            .map(|(firsts, seconds)| (self.objects_of(a, &firsts), self.objects_of(b, &seconds)))
            .collect())
    }

    /// Every principal allowed `action` on `target`. Decided once per principal class
    /// (every principal of a class gets the same answers), so the cost grows with the
    /// number of classes.
    pub(crate) fn who_can(
        &self,
        action: ActionId,
        target: &IdTarget,
    ) -> Result<Vec<PrincipalId>, RequestError> {
        let classes = self.decisions.principal_classes();
        let mut verdict: Vec<Option<bool>> = vec![None; classes];
        let mut out = Vec::new();
        for principal in self.tables.principals() {
            let Some(class) = self
                .decisions
                .principal_class(principal.index())
                .map(|c| c as usize)
            else {
                continue;
            };
            let allowed = match verdict.get(class).copied().flatten() {
                Some(v) => v,
                None => {
                    let v = self.tables.check_ids(principal, action, target)?.reason()
                        == Reason::Allowed;
                    if let Some(slot) = verdict.get_mut(class) {
                        *slot = Some(v);
                    }
                    v
                }
            };
            if allowed {
                out.push(principal);
            }
        }
        Ok(out)
    }

    /// The principals [`Lister::who_can`] leaves out on `object` alone whose grants of
    /// `action` name its category together with another one, with the condition an
    /// object of that category must meet (see [`Conditional`]). Decided once per
    /// principal class.
    pub(crate) fn who_can_together(
        &self,
        action: ActionId,
        object: ObjectId,
    ) -> Result<Vec<Conditional>, RequestError> {
        if object.tag != self.tables.tag {
            return Err(RequestError::stale_id());
        }
        let alone = IdTarget::Objects(crate::request::ObjectIds::one(object));
        let classes = self.decisions.principal_classes();
        let mut verdict: Vec<Option<Vec<Condition>>> = vec![None; classes];
        let mut out = Vec::new();
        for principal in self.tables.principals() {
            let Some(class) = self
                .decisions
                .principal_class(principal.index())
                .map(|c| c as usize)
            else {
                continue;
            };
            let conditions = match verdict.get(class).cloned().flatten() {
                Some(v) => v,
                None => {
                    let v = self.conditions(principal, action, object, &alone)?;
                    if let Some(slot) = verdict.get_mut(class) {
                        *slot = Some(v.clone());
                    }
                    v
                }
            };
            out.extend(
                conditions
                    .into_iter()
                    .map(|c| Conditional::of(principal, c)),
            );
        }
        Ok(out)
    }

    /// [`Lister::who_can_together`] for one principal: empty when it is allowed on
    /// `object` alone or no grant of it pairs `object`'s category with another.
    pub(crate) fn principal_together(
        &self,
        principal: PrincipalId,
        action: ActionId,
        object: ObjectId,
    ) -> Result<Vec<Conditional>, RequestError> {
        self.our(principal, action)?;
        if object.tag != self.tables.tag {
            return Err(RequestError::stale_id());
        }
        let alone = IdTarget::Objects(crate::request::ObjectIds::one(object));
        Ok(self
            .conditions(principal, action, object, &alone)?
            .into_iter()
            .map(|c| Conditional::of(principal, c))
            .collect())
    }

    /// For one principal not allowed `action` on `object` alone: each other category a
    /// grant names together with the object's, and what an object of it must meet; and
    /// each set of two or three other categories a grant needs all of, with the
    /// condition of each.
    fn conditions(
        &self,
        principal: PrincipalId,
        action: ActionId,
        object: ObjectId,
        alone: &IdTarget,
    ) -> Result<Vec<Condition>, RequestError> {
        if self.tables.check_ids(principal, action, alone)?.reason() == Reason::Allowed {
            return Ok(Vec::new());
        }
        let Some(row) = self.decisions.row(principal.index, action.index) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for with in Category::ALL {
            if with == object.category {
                continue;
            }
            // A grant that needs an object of `with` and admits `object`: one naming both
            // categories, or one requiring only `with` and leaving `object`'s category
            // open (`playbook:run` on dev configs, any playbook). Either way the subject
            // may be allowed on `object` together with some object of `with`.
            let named = self.decisions.row_rules(row).any(|(_, rule)| {
                !rule.deny
                    && pairs(rule, object.category, with)
                    && self.applies(rule, with, Some(object))
            });
            if !named {
                continue;
            }
            let condition = self.residual(row, with, Some(object));
            if admits(&condition) {
                out.push((with, condition, Vec::new()));
            }
        }
        // Grants naming more categories: for each set of two or more other categories
        // some allow rule needs all of (and nothing beyond them and the object's), with
        // the object in its set, the condition of each. Listed once per set, so that no
        // subject a grant of three or four categories allows is left out.
        let others = Category::ALL.iter().fold(0u8, |m, c| m | c.bit()) & !object.category.bit();
        for needed in (1..=others).filter(|m| m & !others == 0 && m.count_ones() >= 2) {
            let present = needed | object.category.bit();
            let named = self.decisions.row_rules(row).any(|(_, rule)| {
                !rule.deny
                    && rule.required & needed == needed
                    && self.applies_among(rule, present, Some(object))
            });
            if !named {
                continue;
            }
            let all: Vec<(Category, Residual)> = Category::ALL
                .into_iter()
                .filter(|c| needed & c.bit() != 0)
                .map(|c| {
                    let free = needed & !c.bit();
                    (c, self.residual_among(row, c, present, Some(object), free))
                })
                .collect();
            if all.iter().all(|(_, r)| admits(r)) {
                let mut all = all.into_iter();
                if let Some((with, condition)) = all.next() {
                    out.push((with, condition, all.collect()));
                }
            }
        }
        Ok(out)
    }

    /// The other categories that `principal`'s allow rules of `action` need together
    /// with an object of `category` (two-object grants, such as `playbook:run` on
    /// playbooks and configs, and grants requiring only the other category that leave
    /// `category` open, such as `playbook:run` on dev configs for any playbook; and those
    /// of grants naming three or four categories): a filter or a listing of `category`
    /// alone cannot show what they allow.
    pub(crate) fn paired_categories(
        &self,
        principal: PrincipalId,
        action: ActionId,
        category: Category,
    ) -> Result<Vec<Category>, RequestError> {
        self.our(principal, action)?;
        let Some(row) = self.decisions.row(principal.index, action.index) else {
            return Ok(Vec::new());
        };
        let mut mask = 0u8;
        for (_, rule) in self.decisions.row_rules(row) {
            if !rule.objects || rule.deny || *category.of(&rule.sets) == SetRef::Empty {
                continue;
            }
            // Every other category the rule needs: one (a two-object grant) or more
            // (a grant naming three or four categories, which no listing with one
            // second object shows either).
            mask |= rule.required & !category.bit();
        }
        Ok(Category::ALL
            .into_iter()
            .filter(|c| mask & c.bit() != 0)
            .collect())
    }

    /// What `principal` may do, action by action (actions allowing nothing left out).
    pub(crate) fn access(&self, principal: PrincipalId) -> Result<Vec<ActionAccess>, RequestError> {
        let mut out = Vec::new();
        let d = self.decisions;
        for (action, _) in self.tables.actions() {
            self.our(principal, action)?;
            let Some(row) = d.row(principal.index, action.index) else {
                continue;
            };
            let globals = self
                .tables
                .globals()
                .filter(|(g, _)| (row.allow_globals & !row.deny_globals) >> g.index() & 1 == 1)
                .map(|(_, g)| g.to_string())
                .collect();
            let mut objects: [RoaringBitmap; 4] = Default::default();
            for c in Category::ALL {
                *c.of_mut(&mut objects) = self.list(principal, action, c)?.objects;
            }
            let pairs = PairShape::ALL
                .into_iter()
                .filter(|shape| {
                    d.pair_table(row, *shape).map(|(_, t)| t).is_some_and(|t| {
                        t.allow_first != SetRef::Empty
                            || t.allow_second != SetRef::Empty
                            || d.pair_exceptions(t)
                                .iter()
                                .any(|e| e.allow != SetRef::Empty)
                    })
                })
                .collect::<Vec<PairShape>>();
            let joint = pairs
                .iter()
                .copied()
                .filter(|shape| {
                    d.pair_table(row, *shape).is_some_and(|(_, t)| {
                        let alone = |c: Category| *c.of(&row.allow);
                        let beyond =
                            |set: SetRef, c: Category| set != SetRef::Empty && set != alone(c);
                        beyond(t.allow_first, shape.first())
                            || beyond(t.allow_second, shape.second())
                            || d.pair_exceptions(t)
                                .iter()
                                .any(|e| e.allow != SetRef::Empty)
                    })
                })
                .collect();
            let access = ActionAccess {
                action,
                globals,
                objects,
                pairs,
                joint,
                unscoped: row.allow_unscoped && !row.deny_unscoped,
            };
            if !access.globals.is_empty()
                || !access.pairs.is_empty()
                || access.unscoped
                || access.objects.iter().any(|o| !o.is_empty())
            {
                out.push(access);
            }
        }
        Ok(out)
    }
}

/// One entry of a conditional listing before its principal is known: the first other
/// category with its condition, and the further ones of a grant naming more.
type Condition = (Category, Residual, Vec<(Category, Residual)>);

/// Whether a condition admits some object: a rule admits one, and the denies do not
/// forbid every one.
fn admits(condition: &Residual) -> bool {
    (condition.allow_all || !condition.allow.is_empty()) && !condition.deny_all
}

/// Whether `rule` can allow an object of `category` only together with an object of
/// `with`: it requires `with`, and nothing beyond `category` and `with` (a rule that also
/// requires a third category is no two-object grant; one requiring `category` alone
/// already applies to one-object requests). Whether it admits the object itself is
/// [`Lister::applies`]'s question.
fn pairs(rule: &crate::schema::RuleData, category: Category, with: Category) -> bool {
    let both = category.bit() | with.bit();
    rule.objects && rule.required & with.bit() != 0 && rule.required & !both == 0
}
