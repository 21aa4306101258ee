//! Computing a decision row from the rules it was made of. The compiler builds rows with
//! this module; the loader recomputes every row of an unsigned file with it and compares,
//! so that a row can never answer differently from its rules (and `check` never
//! differently from `explain`). One implementation for both sides.

use std::collections::BTreeMap;

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
    pub(crate) fn row(&self, entries: &[u32], work: &mut Work) -> Result<RowContent, LoadError> {
        let rules: Vec<&RuleData> = self.rules_of(entries).map(|(_, r)| r).collect();
        let mut content = self.singles(&rules, work)?;
        for shape in PairShape::ALL {
            if let Some(slot) = content.pairs.get_mut(shape.index()) {
                *slot = self.pair(&rules, shape, work)?;
            }
        }
        Ok(content)
    }

    /// The indexes of the rules of `rules` that apply to two-object requests of `shape`:
    /// a pair's content depends on nothing else.
    pub(crate) fn pair_rules(rules: &[(u32, &RuleData)], shape: PairShape) -> Vec<u32> {
        rules
            .iter()
            .filter(|(_, r)| r.objects && r.required & !shape.mask() == 0)
            .map(|(i, _)| *i)
            .collect()
    }

    /// The row of `rules` without its pair tables (`pairs` all `None`).
    pub(crate) fn singles(
        &self,
        rules: &[&RuleData],
        work: &mut Work,
    ) -> Result<RowContent, LoadError> {
        let mut allow = Category::ALL.map(|c| DenseSet::empty(self.classes(c)));
        let mut deny = Category::ALL.map(|c| DenseSet::empty(self.classes(c)));
        for c in Category::ALL {
            for rule in rules {
                if rule.objects && rule.required & !c.bit() == 0 {
                    let target = if rule.deny {
                        c.of_mut(&mut deny)
                    } else {
                        c.of_mut(&mut allow)
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
        Ok(RowContent {
            allow,
            deny,
            allow_globals,
            deny_globals,
            allow_unscoped: unscoped_allow,
            deny_unscoped: unscoped_deny,
            pairs: Default::default(),
        })
    }

    /// The pair table of `rules` for `shape`; `None` when no rule applies.
    pub(crate) fn pair(
        &self,
        rules: &[&RuleData],
        shape: PairShape,
        work: &mut Work,
    ) -> Result<Option<PairContent>, LoadError> {
        let (a, b) = (shape.first(), shape.second());
        let (ka, kb) = (self.classes(a), self.classes(b));
        let applies = |r: &&&RuleData| r.objects && r.required & !shape.mask() == 0;
        if !rules.iter().any(|r| applies(&r)) {
            return Ok(None);
        }
        let mut content = PairContent {
            allow_first: DenseSet::empty(ka),
            allow_second: DenseSet::empty(kb),
            deny_first: DenseSet::empty(ka),
            deny_second: DenseSet::empty(kb),
            exceptions: Vec::new(),
        };
        let mut rectangles: BTreeMap<u32, (DenseSet, DenseSet)> = BTreeMap::new();
        for rule in rules.iter().filter(applies) {
            let (sa, sb) = (*a.of(&rule.sets), *b.of(&rule.sets));
            if sa == SetRef::Empty || sb == SetRef::Empty {
                continue;
            }
            let (first, second) = if rule.deny {
                (&mut content.deny_first, &mut content.deny_second)
            } else {
                (&mut content.allow_first, &mut content.allow_second)
            };
            if sb == SetRef::All {
                work.spend(self.store.or_into(first, sa))?;
            } else if sa == SetRef::All {
                work.spend(self.store.or_into(second, sb))?;
            } else {
                // Spend before the work: a crafted rule must be refused before it costs
                // (first classes × second blocks) reads, not after.
                let members: Vec<u32> = self.store.members(sa, ka).collect();
                work.spend(members.len().saturating_mul(blocks_for(kb)).max(1))?;
                for x in members {
                    let (allow, deny) = rectangles
                        .entry(x)
                        .or_insert_with(|| (DenseSet::empty(kb), DenseSet::empty(kb)));
                    self.store.or_into(if rule.deny { deny } else { allow }, sb);
                }
            }
        }
        content.exceptions = rectangles
            .into_iter()
            .map(|(x, (allow, deny))| (x, allow, deny))
            .collect();
        Ok(Some(content))
    }
}
