//! Reverse queries: who may do an action on an object, and what a principal may do.
//! They answer per principal class (every principal of a class gets the same answers),
//! so their cost grows with the number of classes, not of principals; they are tools for
//! audits and the command line, not for the hot path.

use std::collections::BTreeMap;

use roaring::RoaringBitmap;

use crate::data::SetRef;
use crate::tables::Tables;
use crate::{ActionId, Category, GlobalId, ObjectIds, PrincipalId};

/// What a principal may do with one action.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActionAccess {
    /// Global objects the action is allowed on.
    pub globals: Vec<String>,
    /// Per category, the known objects a single-object request is allowed on.
    pub objects: [RoaringBitmap; 4],
    /// Per category, whether objects the catalog did not know are allowed whatever they are.
    pub every_object: [bool; 4],
    /// Pairs of categories (`playbook+config`) some allow rule grants two-object requests on.
    pub pairs: Vec<String>,
}

impl Tables {
    /// The first principal of every class: checking it answers for the whole class.
    fn class_representatives(&self) -> BTreeMap<u32, PrincipalId> {
        let mut out = BTreeMap::new();
        for (i, class) in self.principal_class.iter().enumerate() {
            out.entry(*class).or_insert(PrincipalId(i as u32));
        }
        out
    }

    fn principals_of_classes(&self, allowed: impl Fn(PrincipalId) -> bool) -> Vec<PrincipalId> {
        let verdicts: BTreeMap<u32, bool> = self
            .class_representatives()
            .into_iter()
            .map(|(class, p)| (class, allowed(p)))
            .collect();
        (0..self.principal_class.len() as u32)
            .map(PrincipalId)
            .filter(|p| {
                self.principal_class
                    .get(p.index())
                    .and_then(|c| verdicts.get(c))
                    .copied()
                    .unwrap_or(false)
            })
            .collect()
    }

    /// Every principal allowed `action` on these objects.
    pub fn who_can(&self, action: ActionId, objects: &ObjectIds) -> Vec<PrincipalId> {
        self.principals_of_classes(|p| self.check_ids(p, action, objects))
    }

    /// Every principal allowed `action` on a global object.
    pub fn who_can_global(&self, action: ActionId, global: GlobalId) -> Vec<PrincipalId> {
        self.principals_of_classes(|p| self.check_global(p, action, global))
    }

    /// The name a principal is looked up by (`email`, `playbook:ns/name`, ...).
    pub fn principal_name(&self, principal: PrincipalId) -> Option<String> {
        let p = self.data.principals.get(principal.index())?;
        Some(match p.kind {
            crate::data::PrincipalKind::Person => p.key.clone(),
            crate::data::PrincipalKind::Playbook => format!("playbook:{}", p.key),
            crate::data::PrincipalKind::Notification => format!("notification:{}", p.key),
        })
    }

    /// What `principal` may do, action by action (actions with nothing allowed are left out).
    pub fn access(&self, principal: PrincipalId) -> BTreeMap<String, ActionAccess> {
        let mut out = BTreeMap::new();
        for (a, name) in self.data.actions.iter().enumerate() {
            let action = ActionId(a as u32);
            let mut access = ActionAccess::default();
            let (mut allow_globals, mut deny_globals) = (0u64, 0u64);
            let mut allow: [Vec<SetRef>; 4] = Default::default();
            let mut deny: [Vec<SetRef>; 4] = Default::default();
            for entry in self.entries(principal, action) {
                for pair in &entry.pairs {
                    let Some((a, b)) = crate::pair_categories(pair.shape) else {
                        continue;
                    };
                    let single = |c: Category| *c.of(&entry.allow_single) != SetRef::Empty;
                    let granted = pair.allow.first.is_some()
                        || pair.allow.second.is_some()
                        || !pair.allow.rectangles.is_empty()
                        || (pair.allow.first_single && single(a))
                        || (pair.allow.second_single && single(b));
                    if granted {
                        let name = format!("{a}+{b}");
                        if !access.pairs.contains(&name) {
                            access.pairs.push(name);
                        }
                    }
                }
                allow_globals |= entry.allow_globals;
                deny_globals |= entry.deny_globals;
                for c in Category::ALL {
                    c.of_mut(&mut allow).push(*c.of(&entry.allow_single));
                    c.of_mut(&mut deny).push(*c.of(&entry.deny_single));
                }
            }
            let globals = allow_globals & !deny_globals;
            access.globals = self
                .data
                .globals
                .iter()
                .enumerate()
                .filter(|(i, _)| globals & (1u64 << i) != 0)
                .map(|(_, g)| g.clone())
                .collect();
            for c in Category::ALL {
                let count = c.of(&self.data.objects).len() as u32;
                let union = |sets: &[SetRef]| -> RoaringBitmap {
                    sets.iter().fold(RoaringBitmap::new(), |acc, s| {
                        acc | self.data.set_members(*s, count).as_ref()
                    })
                };
                *c.of_mut(&mut access.objects) =
                    union(c.of(&allow).as_slice()) - union(c.of(&deny).as_slice());
                *c.of_mut(&mut access.every_object) = c.of(&allow).contains(&SetRef::All)
                    && c.of(&deny).iter().all(|s| *s == SetRef::Empty);
            }
            if !access.globals.is_empty()
                || !access.pairs.is_empty()
                || access.objects.iter().any(|o| !o.is_empty())
            {
                out.insert(name.clone(), access);
            }
        }
        out
    }

    /// The key of a known object.
    pub fn object_key(&self, category: Category, object: u32) -> Option<&str> {
        category
            .of(&self.data.objects)
            .get(object as usize)
            .map(|o| o.key.as_str())
    }
}
