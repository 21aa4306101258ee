//! [`Tables`]: validated decision tables with their lookup indexes.
//!
//! [`Tables::from_data`] checks every cross-reference in the payload (ids in range,
//! entries sorted and unique, bitmaps within their category, selectors that parse) so
//! that the check path can index without fear: after validation nothing can be out of
//! range, and the check code still uses `get` so that a bug denies instead of panicking.

use crate::hash::FxHashMap as HashMap;
use std::path::Path;

use rampart_grammar::Action;

use crate::data::{PrincipalKind, SetRef, TablesData};
use crate::error::LoadError;
use crate::format;
use crate::selector::{CompiledPredicate, CompiledSelector};
use crate::{ActionId, Category, GlobalId, ObjectId, PrincipalId};

/// Loaded, validated decision tables. Cheap to share: `Send + Sync`, read-only.
#[derive(Debug)]
pub struct Tables {
    pub(crate) data: TablesData,
    pub(crate) compiler_version: String,
    pub(crate) principal_by_name: HashMap<String, PrincipalId>,
    pub(crate) action_by_name: HashMap<String, ActionId>,
    pub(crate) plugin_fallback: HashMap<String, ActionId>,
    pub(crate) any_invoke: Option<ActionId>,
    pub(crate) global_by_name: HashMap<String, GlobalId>,
    pub(crate) object_by_key: [HashMap<String, ObjectId>; 4],
    pub(crate) agent_by_key: HashMap<String, usize>,
    pub(crate) connection_by_key: HashMap<String, usize>,
    /// Principal -> class, copied out of the principal records for locality.
    pub(crate) principal_class: Vec<u32>,
    /// `class * actions + action` -> range in `class_entries` (offsets, one past the end
    /// last): the entries of the class's units for that action, found at load time so a
    /// check never visits a unit that holds nothing for the action.
    pub(crate) class_entry_offsets: Vec<u32>,
    pub(crate) class_entries: Vec<u32>,
    /// Per entry, the single-object sets (allow then deny per category) in one cache line.
    pub(crate) single_sets: Vec<[SetRef; 8]>,

    pub(crate) selectors: Vec<CompiledSelector>,
    pub(crate) predicates: Vec<CompiledPredicate>,
}

fn corrupt(why: impl Into<String>) -> LoadError {
    LoadError::corrupt(why)
}

/// A set reference must name an existing bitmap whose members are objects of `category`.
fn check_set(
    d: &TablesData,
    set: &SetRef,
    category: Category,
    what: &str,
) -> Result<(), LoadError> {
    let objects = category.of(&d.objects).len() as u64;
    if let SetRef::Range(start, len) = set {
        if *len == 0 || u64::from(*start) + u64::from(*len) > objects {
            return Err(corrupt(format!(
                "{what} names {len} {category}s from {start} of {objects}"
            )));
        }
        return Ok(());
    }
    let SetRef::Bitmap(b) = set else {
        return Ok(());
    };
    let Some(bitmap) = d.bitmaps.get(*b as usize) else {
        return Err(corrupt(format!(
            "{what} names bitmap {b} of {}",
            d.bitmaps.len()
        )));
    };
    if bitmap.max().is_some_and(|m| u64::from(m) >= objects) {
        return Err(corrupt(format!(
            "{what} names a {category} beyond the catalog"
        )));
    }
    Ok(())
}

impl Tables {
    /// Reads, checks and indexes a table file.
    pub fn load(path: impl AsRef<Path>) -> Result<Tables, LoadError> {
        let bytes = std::fs::read(path).map_err(LoadError::io)?;
        Tables::from_bytes(&bytes)
    }

    /// Checks and indexes a table file's bytes. Never panics, whatever the bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Tables, LoadError> {
        let (header, data) = format::decode(bytes)?;
        Tables::from_data_with_version(data, header.compiler_version)
    }

    /// Validates tables built in memory (the compiler's output) and indexes them.
    pub fn from_data(data: TablesData) -> Result<Tables, LoadError> {
        Tables::from_data_with_version(data, String::new())
    }

    fn from_data_with_version(
        data: TablesData,
        compiler_version: String,
    ) -> Result<Tables, LoadError> {
        validate(&data)?;
        let mut principal_by_name = HashMap::default();
        let mut name_counts: HashMap<&str, usize> = HashMap::default();
        for p in &data.principals {
            if let (PrincipalKind::Person, Some(name)) = (p.kind, &p.name) {
                *name_counts.entry(name.as_str()).or_default() += 1;
            }
        }
        for (i, p) in data.principals.iter().enumerate() {
            let id = PrincipalId(i as u32);
            let prefix = match p.kind {
                PrincipalKind::Person => "",
                PrincipalKind::Playbook => "playbook:",
                PrincipalKind::Notification => "notification:",
            };
            if let (PrincipalKind::Person, Some(name)) = (p.kind, &p.name) {
                if name_counts.get(name.as_str()) == Some(&1) {
                    principal_by_name.entry(name.clone()).or_insert(id);
                }
            }
            if let Some(pid) = &p.id {
                principal_by_name.insert(format!("{prefix}{pid}"), id);
            }
            principal_by_name.insert(format!("{prefix}{}", p.key), id);
        }
        let mut action_by_name = HashMap::default();
        let mut plugin_fallback = HashMap::default();
        let mut any_invoke = None;
        for (i, name) in data.actions.iter().enumerate() {
            let id = ActionId(i as u32);
            if name == "invoke:*" {
                any_invoke = Some(id);
            } else if let Some(plugin) = name
                .strip_prefix("invoke:")
                .and_then(|r| r.strip_suffix(":*"))
            {
                plugin_fallback.insert(plugin.to_string(), id);
            } else {
                action_by_name.insert(name.clone(), id);
            }
        }
        let global_by_name = data
            .globals
            .iter()
            .enumerate()
            .map(|(i, g)| (g.clone(), GlobalId(i as u32)))
            .collect();
        let object_by_key = Category::ALL.map(|c| {
            let mut map =
                HashMap::with_capacity_and_hasher(c.of(&data.objects).len(), Default::default());
            for (i, o) in c.of(&data.objects).iter().enumerate() {
                if let Some(id) = o.id.as_ref().filter(|id| **id != o.key) {
                    map.insert(id.clone(), ObjectId(i as u32));
                }
                map.insert(o.key.clone(), ObjectId(i as u32));
            }
            map
        });
        let mut agent_by_key = HashMap::default();
        for (i, a) in data.agents.iter().enumerate() {
            agent_by_key.insert(a.name.clone(), i);
            agent_by_key.insert(a.id.clone(), i);
        }
        let connection_by_key = data
            .connections
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("{}/{}", c.namespace, c.name), i))
            .collect();
        let actions = data.actions.len();
        let mut entry_index = vec![0u32; data.units.len() * actions];
        for (i, e) in data.entries.iter().enumerate() {
            if let Some(slot) = entry_index.get_mut(e.unit as usize * actions + e.action as usize) {
                *slot = i as u32 + 1;
            }
        }
        let mut class_entry_offsets = Vec::with_capacity(data.classes.len() * actions + 1);
        let mut class_entries = Vec::new();
        for units in &data.classes {
            for action in 0..actions {
                class_entry_offsets.push(class_entries.len() as u32);
                for unit in units {
                    if let Some(slot) = entry_index
                        .get(*unit as usize * actions + action)
                        .filter(|s| **s > 0)
                    {
                        class_entries.push(slot - 1);
                    }
                }
            }
        }
        class_entry_offsets.push(class_entries.len() as u32);
        let principal_class = data.principals.iter().map(|p| p.class).collect();
        let single_sets = data
            .entries
            .iter()
            .map(|e| {
                let [a, b, c, d] = e.allow_single;
                let [w, x, y, z] = e.deny_single;
                [a, b, c, d, w, x, y, z]
            })
            .collect();

        let selectors = data
            .selectors
            .iter()
            .map(|s| {
                CompiledSelector::parse(s)
                    .map_err(|(field, e)| corrupt(format!("selector field `{field}`: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let predicates = data.predicates.iter().map(CompiledPredicate::new).collect();
        Ok(Tables {
            data,
            compiler_version,
            principal_by_name,
            action_by_name,
            plugin_fallback,
            any_invoke,
            global_by_name,
            object_by_key,
            agent_by_key,
            connection_by_key,
            principal_class,
            class_entry_offsets,
            class_entries,
            single_sets,

            selectors,
            predicates,
        })
    }

    /// The raw tables, for statistics and tools.
    pub fn data(&self) -> &TablesData {
        &self.data
    }

    /// The compiler version recorded in the file header (empty for in-memory tables).
    pub fn compiler_version(&self) -> &str {
        &self.compiler_version
    }

    /// A subject by email, id or unique name, or `playbook:ns/name` / `notification:ns/name`.
    pub fn principal(&self, subject: &str) -> Option<PrincipalId> {
        self.principal_by_name.get(subject).copied()
    }

    /// A person by email, id or unique name (the same lookup as [`Tables::principal`]).
    pub fn person(&self, person: &str) -> Option<PrincipalId> {
        self.principal(person).filter(|p| {
            self.data
                .principals
                .get(p.index())
                .is_some_and(|d| d.kind == PrincipalKind::Person)
        })
    }

    /// An action by name; unnamed `invoke:` operations map to their plugin's stand-in.
    pub fn action(&self, action: &str) -> Option<ActionId> {
        if let Some(id) = self.action_by_name.get(action) {
            return Some(*id);
        }
        match Action::parse(action).ok()? {
            Action::Builtin(b) => self.action_by_name.get(b.name()).copied(),
            Action::Invoke { plugin, operation } => {
                let canonical = format!("invoke:{plugin}:{operation}");
                self.action_by_name
                    .get(&canonical)
                    .or_else(|| self.plugin_fallback.get(&plugin))
                    .copied()
                    .or(self.any_invoke)
            }
        }
    }

    /// A known object by key (`ns/name` for playbooks and connections, id for all).
    pub fn object(&self, category: Category, key: &str) -> Option<ObjectId> {
        category.of(&self.object_by_key).get(key).copied()
    }

    /// A global object by name (`catalog`, `mcp`, ...).
    pub fn global(&self, name: &str) -> Option<GlobalId> {
        self.global_by_name.get(name).copied()
    }

    /// A connection definition by `namespace/name`.
    pub fn connection(&self, key: &str) -> Option<&crate::data::ConnectionData> {
        self.connection_by_key
            .get(key)
            .and_then(|i| self.data.connections.get(*i))
    }

    /// Number of principals, actions and per-category objects, for tools and benches.
    pub fn counts(&self) -> (usize, usize, [usize; 4]) {
        (
            self.data.principals.len(),
            self.data.actions.len(),
            Category::ALL.map(|c| c.of(&self.data.objects).len()),
        )
    }
}

fn validate(d: &TablesData) -> Result<(), LoadError> {
    let units = d.units.len();
    let actions = d.actions.len();
    if d.globals.len() > 64 {
        return Err(corrupt("more than 64 global objects"));
    }
    // The load-time indexes are dense over (unit, action) and (class, action): bound them
    // so that a crafted file cannot ask for an absurd allocation.
    const INDEX_LIMIT: usize = 1 << 27;
    if units.checked_mul(actions).is_none_or(|n| n > INDEX_LIMIT) {
        return Err(corrupt("unit and action counts are out of range"));
    }
    if d.classes.len() > d.principals.len().max(1)
        || d.classes
            .len()
            .checked_mul(actions)
            .is_none_or(|n| n > INDEX_LIMIT)
    {
        return Err(corrupt("class and action counts are out of range"));
    }
    for class in &d.classes {
        if class.iter().any(|u| *u as usize >= units)
            || class.windows(2).any(|w| w.first() >= w.get(1))
        {
            return Err(corrupt(
                "a principal class names a unit out of range or is not sorted",
            ));
        }
    }
    if d.principals
        .iter()
        .any(|p| p.class as usize >= d.classes.len())
    {
        return Err(corrupt("a principal names a class out of range"));
    }
    for (i, b) in d.bitmaps.iter().enumerate() {
        if b.is_empty() {
            return Err(corrupt(format!("bitmap {i} is empty")));
        }
    }
    for (r, rule) in d.rules.iter().enumerate() {
        if rule.permission as usize >= d.permissions.len() {
            return Err(corrupt(format!("rule {r} names a permission out of range")));
        }
        if rule.required >= 16 || (d.globals.len() < 64 && rule.globals >> d.globals.len() != 0) {
            return Err(corrupt(format!("rule {r} has bits out of range")));
        }
        for c in Category::ALL {
            let set = c.of(&rule.sets);
            check_set(d, set, c, "a rule")?;
            match (set, c.of(&rule.predicates)) {
                (SetRef::All, None) => {}
                (SetRef::All, Some(_)) | (_, None) => {
                    return Err(corrupt(format!("rule {r} has no predicate for a {c} set")))
                }
                (_, Some(p)) if *p as usize >= d.predicates.len() => {
                    return Err(corrupt(format!("rule {r} names a predicate out of range")))
                }
                _ => {}
            }
        }
    }
    for p in &d.predicates {
        if p.selectors.iter().any(|s| *s as usize >= d.selectors.len()) {
            return Err(corrupt("a predicate names a selector out of range"));
        }
    }
    let mut previous: Option<(u32, u32)> = None;
    for e in &d.entries {
        if e.unit as usize >= units || e.action as usize >= actions {
            return Err(corrupt("an entry names a unit or action out of range"));
        }
        if previous.is_some_and(|p| p >= (e.unit, e.action)) {
            return Err(corrupt("entries are not sorted and unique"));
        }
        previous = Some((e.unit, e.action));
        for c in Category::ALL {
            check_set(d, c.of(&e.allow_single), c, "an entry")?;
            check_set(d, c.of(&e.deny_single), c, "an entry")?;
        }
        if e.rules.iter().any(|r| *r as usize >= d.rules.len()) {
            return Err(corrupt("an entry names a rule out of range"));
        }
        for pair in &e.pairs {
            let (first, second) = crate::pair_categories(pair.shape)
                .ok_or_else(|| corrupt("a pair entry does not name two categories"))?;
            for sets in [&pair.allow, &pair.deny] {
                if let Some(s) = &sets.first {
                    check_set(d, s, first, "a pair entry")?;
                }
                if let Some(s) = &sets.second {
                    check_set(d, s, second, "a pair entry")?;
                }
                for (x, y) in &sets.rectangles {
                    check_set(d, x, first, "a pair entry")?;
                    check_set(d, y, second, "a pair entry")?;
                }
            }
        }
    }
    Ok(())
}
