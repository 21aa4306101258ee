//! Computing a decision row from the rules it was made of. The compiler builds rows with
//! this module; the loader recomputes every row of an unsigned file with it and compares,
//! so that a row can never answer differently from its rules (and `check` never
//! differently from `explain`). One implementation for both sides.

use crate::category::{Category, PairShape};
use crate::class_set::{blocks_for, DenseSet, SetStore};
use crate::error::LoadError;
use crate::schema::{EntryData, RuleData, SetRef};

/// What a row's computation reads.
#[derive(Clone, Copy)]
pub(crate) struct RuleView<'a> {
    pub rules: &'a [RuleData],
    pub entries: &'a [EntryData],
    pub entry_rules: &'a [u32],
    pub classes: [u32; 4],
    pub store: SetStore<'a>,
}

/// A budget of block reads, so that recomputing crafted rows cannot take time out of
/// proportion to the file.
pub(crate) struct Work {
    remaining: u64,
}

impl Work {
    /// `blocks` block reads.
    pub(crate) fn budget(blocks: u64) -> Work {
        Work { remaining: blocks }
    }

    /// No limit (the compiler's own rows).
    #[cfg_attr(not(feature = "build"), allow(dead_code))]
    pub(crate) fn unlimited() -> Work {
        Work {
            remaining: u64::MAX,
        }
    }

    pub(crate) fn spend(&mut self, blocks: usize) -> Result<(), LoadError> {
        match self.remaining.checked_sub(blocks as u64) {
            Some(left) => {
                self.remaining = left;
                Ok(())
            }
            None => Err(LoadError::corrupt(
                "the rows would take more work to validate than a file of this size can need",
            )),
        }
    }
}

/// The computed content of a row.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RowContent {
    pub allow: [DenseSet; 4],
    pub deny: [DenseSet; 4],
    pub allow_globals: u64,
    pub deny_globals: u64,
    pub allow_unscoped: bool,
    pub deny_unscoped: bool,
    pub pairs: [Option<PairContent>; 6],
}

/// The computed content of a pair table.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct PairContent {
    pub allow_first: DenseSet,
    pub allow_second: DenseSet,
    pub deny_first: DenseSet,
    pub deny_second: DenseSet,
    /// Per first class constrained by a rectangle: second classes allowed and denied.
    pub exceptions: Vec<(u32, DenseSet, DenseSet)>,
}

impl<'a> RuleView<'a> {
    /// The rules of the given entries, in order.
    pub(crate) fn rules_of(
        &self,
        entries: &'a [u32],
    ) -> impl Iterator<Item = (u32, &'a RuleData)> + 'a {
        let view = *self;
        entries
            .iter()
            .filter_map(move |e| view.entries.get(*e as usize))
            .flat_map(move |e| view.entry_rules.get(e.rules.range()).unwrap_or(&[]))
            .filter_map(move |r| view.rules.get(*r as usize).map(|rule| (*r, rule)))
    }

    fn classes(&self, c: Category) -> u32 {
        *c.of(&self.classes)
    }

    /// Computes the row of `entries`.
    #[cfg_attr(not(feature = "build"), allow(dead_code))]
    pub(crate) fn row(
        &self,
        entries: &[u32],
        work: &mut Work,
        scratch: &mut PairScratch,
    ) -> Result<RowContent, LoadError> {
        let rules: Vec<&RuleData> = self.rules_of(entries).map(|(_, r)| r).collect();
        let mut content = self.singles(&rules, work)?;
        for shape in PairShape::ALL {
            if let Some(slot) = content.pairs.get_mut(shape.index()) {
                *slot = self.pair(&rules, shape, work, scratch)?;
            }
        }
        Ok(content)
    }

    /// The indexes of the rules of `rules` that apply to two-object requests of `shape`
    /// (a pair's content depends on nothing else), into `out` (cleared first).
    pub(crate) fn pair_rules_into(
        rules: &[(u32, &RuleData)],
        shape: PairShape,
        out: &mut Vec<u32>,
    ) {
        out.clear();
        out.extend(
            rules
                .iter()
                .filter(|(_, r)| r.objects && r.required & !shape.mask() == 0)
                .map(|(i, _)| *i),
        );
    }

    /// The row of `rules` without its pair tables (`pairs` all `None`).
    pub(crate) fn singles(
        &self,
        rules: &[&RuleData],
        work: &mut Work,
    ) -> Result<RowContent, LoadError> {
        let mut content = RowContent {
            allow: Category::ALL.map(|c| DenseSet::empty(self.classes(c))),
            deny: Category::ALL.map(|c| DenseSet::empty(self.classes(c))),
            allow_globals: 0,
            deny_globals: 0,
            allow_unscoped: false,
            deny_unscoped: false,
            pairs: Default::default(),
        };
        self.singles_into(rules, work, &mut content)?;
        Ok(content)
    }

    /// [`RuleView::singles`] into `content` (sets of this view's sizes, overwritten; its
    /// `pairs` are left alone), so that a loop over rows allocates nothing per row.
    pub(crate) fn singles_into(
        &self,
        rules: &[&RuleData],
        work: &mut Work,
        content: &mut RowContent,
    ) -> Result<(), LoadError> {
        for set in content.allow.iter_mut().chain(content.deny.iter_mut()) {
            set.clear();
        }
        for c in Category::ALL {
            for rule in rules {
                if rule.objects && rule.required & !c.bit() == 0 {
                    let target = if rule.deny {
                        c.of_mut(&mut content.deny)
                    } else {
                        c.of_mut(&mut content.allow)
                    };
                    work.spend(self.store.or_into(target, *c.of(&rule.sets)))?;
                }
            }
        }
        let (mut allow_globals, mut deny_globals) = (0u64, 0u64);
        let (mut unscoped_allow, mut unscoped_deny) = (false, false);
        for rule in rules {
            if rule.deny {
                deny_globals |= rule.globals;
                unscoped_deny |= rule.objects && rule.required == 0;
            } else {
                allow_globals |= rule.globals;
                unscoped_allow |= rule.objects && rule.required == 0;
            }
        }
        work.spend(rules.len())?;
        content.allow_globals = allow_globals;
        content.deny_globals = deny_globals;
        content.allow_unscoped = unscoped_allow;
        content.deny_unscoped = unscoped_deny;
        Ok(())
    }

    /// The pair table of `rules` for `shape`; `None` when no rule applies.
    #[cfg_attr(not(feature = "build"), allow(dead_code))]
    pub(crate) fn pair(
        &self,
        rules: &[&RuleData],
        shape: PairShape,
        work: &mut Work,
        scratch: &mut PairScratch,
    ) -> Result<Option<PairContent>, LoadError> {
        if !self.pair_into(rules, shape, work, scratch)? {
            return Ok(None);
        }
        let PairScratch {
            allow_first,
            allow_second,
            deny_first,
            deny_second,
            ..
        } = &*scratch;
        Ok(Some(PairContent {
            allow_first: allow_first.clone(),
            allow_second: allow_second.clone(),
            deny_first: deny_first.clone(),
            deny_second: deny_second.clone(),
            exceptions: scratch
                .exceptions()
                .map(|(x, allow, deny)| (x, allow.clone(), deny.clone()))
                .collect(),
        }))
    }

    /// [`RuleView::pair`] into `scratch`, reusing its memory; `false` when no rule
    /// applies (the scratch then holds nothing meaningful).
    pub(crate) fn pair_into(
        &self,
        rules: &[&RuleData],
        shape: PairShape,
        work: &mut Work,
        scratch: &mut PairScratch,
    ) -> Result<bool, LoadError> {
        let (a, b) = (shape.first(), shape.second());
        let (ka, kb) = (self.classes(a), self.classes(b));
        let applies = |r: &&&RuleData| r.objects && r.required & !shape.mask() == 0;
        if !rules.iter().any(|r| applies(&r)) {
            return Ok(false);
        }
        scratch.reset(ka, kb);
        for rule in rules.iter().filter(applies) {
            let (sa, sb) = (*a.of(&rule.sets), *b.of(&rule.sets));
            if sa == SetRef::Empty || sb == SetRef::Empty {
                continue;
            }
            let (first, second) = if rule.deny {
                (&mut scratch.deny_first, &mut scratch.deny_second)
            } else {
                (&mut scratch.allow_first, &mut scratch.allow_second)
            };
            if sb == SetRef::All {
                work.spend(self.store.or_into(first, sa))?;
            } else if sa == SetRef::All {
                work.spend(self.store.or_into(second, sb))?;
            } else {
                // Spend before the work: a crafted rule must be refused before it costs
                // (first classes × second blocks) reads, not after.
                let mut members = std::mem::take(&mut scratch.members);
                members.clear();
                members.extend(self.store.members(sa, ka));
                work.spend(members.len().saturating_mul(blocks_for(kb)).max(1))?;
                for x in &members {
                    if let Some((allow, deny)) = scratch.rectangle(*x, kb) {
                        self.store.or_into(if rule.deny { deny } else { allow }, sb);
                    }
                }
                scratch.members = members;
            }
        }
        scratch.firsts.sort_unstable();
        Ok(true)
    }
}

/// The working memory of [`RuleView::pair_into`]: the four sets, and per first class
/// constrained by a rectangle its allowed and denied second classes. Reused across pair
/// tables, so that validating a file allocates per growth, not per table.
#[derive(Debug, Default)]
pub(crate) struct PairScratch {
    pub allow_first: DenseSet,
    pub allow_second: DenseSet,
    pub deny_first: DenseSet,
    pub deny_second: DenseSet,
    /// First classes with a rectangle, sorted once complete.
    firsts: Vec<u32>,
    /// Per first class: its position in `rectangles`, or `u32::MAX`.
    position: Vec<u32>,
    /// Allowed and denied second classes; the first `firsts.len()` are in use.
    rectangles: Vec<(DenseSet, DenseSet)>,
    /// The first classes of the rule being applied (read once, not counted then read).
    members: Vec<u32>,
}

impl PairScratch {
    fn reset(&mut self, first_classes: u32, second_classes: u32) {
        for (set, classes) in [
            (&mut self.allow_first, first_classes),
            (&mut self.deny_first, first_classes),
            (&mut self.allow_second, second_classes),
            (&mut self.deny_second, second_classes),
        ] {
            set.reset(classes);
        }
        for x in self.firsts.drain(..) {
            if let Some(p) = self.position.get_mut(x as usize) {
                *p = u32::MAX;
            }
        }
        self.position.resize(first_classes as usize, u32::MAX);
        self.position.truncate(first_classes as usize);
    }

    fn rectangle(&mut self, x: u32, second_classes: u32) -> Option<(&mut DenseSet, &mut DenseSet)> {
        let used = self.firsts.len();
        let at = match self.position.get(x as usize).copied() {
            Some(p) if p != u32::MAX => p as usize,
            _ => {
                if let Some(p) = self.position.get_mut(x as usize) {
                    *p = used as u32;
                }
                self.firsts.push(x);
                match self.rectangles.get_mut(used) {
                    Some((allow, deny)) => {
                        allow.reset(second_classes);
                        deny.reset(second_classes);
                    }
                    None => self.rectangles.push((
                        DenseSet::empty(second_classes),
                        DenseSet::empty(second_classes),
                    )),
                }
                used
            }
        };
        self.rectangles
            .get_mut(at)
            .map(|(allow, deny)| (allow, deny))
    }

    /// Per constrained first class, in order: the class, allowed and denied seconds.
    pub(crate) fn exceptions(&self) -> impl Iterator<Item = (u32, &DenseSet, &DenseSet)> + '_ {
        self.firsts.iter().filter_map(|x| {
            let at = *self.position.get(*x as usize)? as usize;
            let (allow, deny) = self.rectangles.get(at)?;
            Some((*x, allow, deny))
        })
    }
}
