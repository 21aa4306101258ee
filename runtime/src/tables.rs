//! [`Tables`]: a table file loaded, validated and indexed for lookups by name.
//!
//! Loading checks the header before reading the file whole, the checksum (and, with a
//! key, the signature), then every cross-reference in the payload, and, for files that
//! are not verified by signature, recomputes every decision row from its rules
//! ([`crate::validate`]). After that the check path can index without fear; it still
//! reads with `get`, so that a bug denies instead of panicking.

use std::path::Path;

use rampart_grammar::Action;

use crate::category::Category;
use crate::codec;
use crate::error::{LoadError, RequestError};
use crate::ids::TablesTag;
use crate::ids::{ActionId, GlobalId, ObjectId, PrincipalId};
use crate::names::{Lookup, NameIndex};
use crate::schema::{CategoryData, ConnectionData, NameList, PrincipalKind, TablesData};
use crate::selector::{CompiledPredicate, CompiledSelector};

/// A public key that table signatures are verified with (Ed25519).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(pub(crate) ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, LoadError> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map(PublicKey)
            .map_err(|_| LoadError::bad_signature())
    }

    /// A key from the text `rampart keygen` writes: its 32 bytes in standard base64.
    pub fn parse(text: &str) -> Result<PublicKey, LoadError> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| LoadError::bad_signature())?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| LoadError::bad_signature())?;
        PublicKey::from_bytes(&bytes)
    }
}

/// The names a category's objects are looked up by.
#[derive(Debug, Default)]
pub(crate) struct ObjectNames {
    aliases: NameList,
    index: NameIndex,
}

impl ObjectNames {
    fn build(category: &CategoryData) -> ObjectNames {
        let aliases = NameList::from_strings(category.aliases.iter().map(|(_, a)| a.as_str()));
        let names = (0..category.keys.len())
            .map(|i| (0, i, i as u32))
            .chain(
                category
                    .aliases
                    .iter()
                    .enumerate()
                    .map(|(i, (o, _))| (1, i, *o)),
            )
            .collect::<Vec<_>>();
        let index = NameIndex::build([&category.keys, &aliases], names.into_iter(), |first, _| {
            first
        });
        ObjectNames { aliases, index }
    }

    fn get(&self, category: &CategoryData, key: &str) -> Option<u32> {
        self.index.get([&category.keys, &self.aliases], key)
    }

    /// [`NameIndex::begin`] for a key of this category.
    pub(crate) fn begin(&self, key: &str) -> Lookup {
        self.index.begin(key)
    }

    /// [`NameIndex::finish`] for a key of this category.
    pub(crate) fn finish(&self, category: &CategoryData, key: &str, lookup: Lookup) -> Option<u32> {
        self.index
            .finish([&category.keys, &self.aliases], key, lookup)
    }
}

/// Marks a principal-name value that several principals share.
const AMBIGUOUS: u32 = 1 << 31;

/// Loaded, validated decision tables. Cheap to share: `Send + Sync`, read-only.
#[derive(Debug)]
pub struct Tables {
    pub(crate) data: TablesData,
    pub(crate) tag: TablesTag,
    compiler_version: String,
    revision: String,
    signed: bool,
    principal_names: NameList,
    principal_index: NameIndex,
    ambiguous: Vec<(String, Vec<u32>)>,
    action_names: NameList,
    action_index: NameIndex,
    plugin_fallback: Vec<(String, u32)>,
    any_invoke: Option<u32>,
    global_names: NameList,
    global_index: NameIndex,
    objects: [ObjectNames; 4],
    agent_names: NameList,
    agent_index: NameIndex,
    connection_names: NameList,
    connection_index: NameIndex,
    pub(crate) layout: crate::check_layout::CheckLayout,
    pub(crate) selectors: Vec<CompiledSelector>,
    pub(crate) predicates: Vec<CompiledPredicate>,
}

impl Tables {
    /// Reads, checks, validates and indexes a table file. The header is read first, so a
    /// file that is not a table (or is endless) is refused before it is read whole.
    pub fn load(path: impl AsRef<Path>) -> Result<Tables, LoadError> {
        let bytes = codec::read_file(path.as_ref())?;
        Tables::from_bytes(&bytes)
    }

    /// Like [`Tables::load`], and refuses a file that is not signed with the key's
    /// private half (`rampart compile --sign`). A verified file came from the signer's
    /// own compiler, so its rows are not recomputed (a faster load); every structural
    /// check still runs.
    pub fn load_verified(path: impl AsRef<Path>, key: &PublicKey) -> Result<Tables, LoadError> {
        let bytes = codec::read_file(path.as_ref())?;
        Tables::from_bytes_verified(&bytes, key)
    }

    /// Checks, validates and indexes a table file's bytes. Never panics, whatever the
    /// bytes; time and memory stay proportional to their length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Tables, LoadError> {
        Tables::decode(bytes, None)
    }

    /// [`Tables::from_bytes`] for a signed file, verified with `key`.
    pub fn from_bytes_verified(bytes: &[u8], key: &PublicKey) -> Result<Tables, LoadError> {
        Tables::decode(bytes, Some(key))
    }

    fn decode(bytes: &[u8], key: Option<&PublicKey>) -> Result<Tables, LoadError> {
        let checked = codec::check(bytes, key.map(|k| &k.0))?;
        let data = codec::decode(checked.payload)?;
        let budget = (checked.payload.len() as u64)
            .saturating_mul(64)
            .saturating_add(1 << 22);
        // The check layout's memory, likewise proportional to the file (a legitimate
        // table needs about its own size; a crafted row index of one-byte entries must not
        // become gigabytes of lines).
        let layout_bytes = (checked.payload.len() as u64)
            .saturating_mul(16)
            .saturating_add(1 << 26);
        let revision = format!("{:016x}", checked.header.checksum);
        Tables::index(
            data,
            checked.header.compiler_version,
            revision,
            checked.header.signed,
            key.is_none().then_some(budget),
            layout_bytes,
        )
    }

    /// Validates tables built in memory (the compiler's output) and indexes them.
    #[cfg(feature = "build")]
    pub fn from_data(data: TablesData) -> Result<Tables, LoadError> {
        Tables::index(
            data,
            String::new(),
            String::new(),
            false,
            Some(u64::MAX),
            u64::MAX,
        )
    }

    fn index(
        data: TablesData,
        compiler_version: String,
        revision: String,
        signed: bool,
        recompute_rows: Option<u64>,
        layout_bytes: u64,
    ) -> Result<Tables, LoadError> {
        crate::validate::structure(&data)?;
        let selectors = data
            .selectors
            .iter()
            .map(|s| {
                CompiledSelector::parse(s).map_err(|(field, e)| {
                    LoadError::corrupt(format!("selector field `{field}`: {e}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(budget) = recompute_rows {
            crate::validate::rows(&data, budget)?;
        }
        let predicates = data.predicates.iter().map(CompiledPredicate::new).collect();
        let (principal_names, principal_index, ambiguous) = principal_index(&data);
        let action_names = NameList::from_strings(data.actions.iter().map(String::as_str));
        let mut plugin_fallback = Vec::new();
        let mut any_invoke = None;
        let mut concrete = Vec::new();
        for (i, name) in data.actions.iter().enumerate() {
            if name == "invoke:*" {
                any_invoke = Some(i as u32);
            } else if let Some(plugin) = name
                .strip_prefix("invoke:")
                .and_then(|r| r.strip_suffix(":*"))
            {
                plugin_fallback.push((plugin.to_string(), i as u32));
            } else {
                concrete.push((0, i, i as u32));
            }
        }
        plugin_fallback.sort();
        let action_index = NameIndex::build(
            [&action_names, &action_names],
            concrete.into_iter(),
            |a, _| a,
        );
        let global_names = NameList::from_strings(data.globals.iter().map(String::as_str));
        let global_index = NameIndex::build(
            [&global_names, &global_names],
            (0..global_names.len()).map(|i| (0, i, i as u32)),
            |a, _| a,
        );
        let objects = Category::ALL.map(|c| ObjectNames::build(c.of(&data.categories)));
        let agent_names = NameList::from_strings(
            data.agents
                .iter()
                .flat_map(|a| [a.id.as_str(), a.name.as_str()]),
        );
        let agent_index = NameIndex::build(
            [&agent_names, &agent_names],
            (0..agent_names.len()).map(|i| (0, i, (i / 2) as u32)),
            |a, _| a,
        );
        let mut connection_names = NameList::default();
        let mut connection_values = Vec::new();
        for (i, c) in data.connections.iter().enumerate() {
            connection_names.push(&format!("{}/{}", c.namespace, c.name));
            connection_values.push(i as u32);
            if let Some(uid) = &c.uid {
                connection_names.push(uid);
                connection_values.push(i as u32);
            }
        }
        let connection_index = NameIndex::build(
            [&connection_names, &connection_names],
            connection_values
                .iter()
                .enumerate()
                .map(|(n, i)| (0, n, *i))
                .collect::<Vec<_>>()
                .into_iter(),
            |a, _| a,
        );
        let layout = crate::check_layout::CheckLayout::build(&data, layout_bytes)?;
        Ok(Tables {
            data,
            tag: TablesTag::fresh(),
            compiler_version,
            revision,
            signed,
            principal_names,
            principal_index,
            ambiguous,
            action_names,
            action_index,
            plugin_fallback,
            any_invoke,
            global_names,
            global_index,
            objects,
            agent_names,
            agent_index,
            connection_names,
            connection_index,
            layout,
            selectors,
            predicates,
        })
    }

    /// The compiler version recorded in the file header (empty for in-memory tables).
    pub fn compiler_version(&self) -> &str {
        &self.compiler_version
    }

    /// The table's revision: its payload checksum in hex (empty for in-memory tables).
    /// Two files with the same revision hold the same tables.
    pub fn revision(&self) -> &str {
        &self.revision
    }

    /// Whether the file carried a signature.
    pub fn is_signed(&self) -> bool {
        self.signed
    }

    /// The raw tables, for the compiler's tools (lint, inspect).
    #[cfg(feature = "build")]
    pub fn data(&self) -> &TablesData {
        &self.data
    }

    /// A subject: a person by email, id or unique name, or `playbook:ns/name` /
    /// `notification:ns/name` (or their ids after the prefix).
    pub fn principal(&self, subject: &str) -> Result<PrincipalId, RequestError> {
        let found = self
            .principal_index
            .get([&self.principal_names, &self.principal_names], subject);
        self.principal_found(subject, found)
    }

    /// [`NameIndex::begin`] for a subject.
    pub(crate) fn principal_begin(&self, subject: &str) -> Lookup {
        self.principal_index.begin(subject)
    }

    /// [`Tables::principal`] from a lookup [`Tables::principal_begin`] started.
    pub(crate) fn principal_finish(
        &self,
        subject: &str,
        lookup: Lookup,
    ) -> Result<PrincipalId, RequestError> {
        let found = self.principal_index.finish(
            [&self.principal_names, &self.principal_names],
            subject,
            lookup,
        );
        self.principal_found(subject, found)
    }

    fn principal_found(
        &self,
        subject: &str,
        found: Option<u32>,
    ) -> Result<PrincipalId, RequestError> {
        match found {
            Some(v) if v & AMBIGUOUS == 0 => Ok(PrincipalId {
                index: v,
                tag: self.tag,
            }),
            Some(v) => {
                let candidates = self
                    .ambiguous
                    .get((v & !AMBIGUOUS) as usize)
                    .map(|(_, list)| {
                        list.iter()
                            .filter_map(|p| self.principal_name_at(*p as usize))
                            .collect()
                    })
                    .unwrap_or_default();
                Err(RequestError::ambiguous_subject(subject, candidates))
            }
            None => Err(RequestError::unknown_subject(subject)),
        }
    }

    /// A person by email, id or unique name (services are refused).
    pub fn person(&self, person: &str) -> Result<PrincipalId, RequestError> {
        let id = self.principal(person)?;
        match self.data.principals.get(id.index()) {
            Some(p) if p.kind == PrincipalKind::Person => Ok(id),
            _ => Err(RequestError::unknown_subject(person)),
        }
    }

    /// An action by name. Case and spelling variants are accepted (`Playbook:Run`);
    /// `invoke:` operations no document names map to their plugin's stand-in.
    pub fn action(&self, action: &str) -> Result<ActionId, RequestError> {
        let found = self
            .action_index
            .get([&self.action_names, &self.action_names], action)
            .or_else(|| self.parsed_action(action));
        found
            .map(|index| ActionId {
                index,
                tag: self.tag,
            })
            .ok_or_else(|| RequestError::unknown_action(action))
    }

    fn parsed_action(&self, action: &str) -> Option<u32> {
        match Action::parse(action).ok()? {
            Action::Builtin(b) => self
                .action_index
                .get([&self.action_names, &self.action_names], b.name()),
            Action::Invoke { plugin, operation } => {
                let canonical = format!("invoke:{plugin}:{operation}");
                self.action_index
                    .get([&self.action_names, &self.action_names], &canonical)
                    .or_else(|| {
                        self.plugin_fallback
                            .binary_search_by(|(p, _)| p.as_str().cmp(plugin.as_str()))
                            .ok()
                            .and_then(|i| self.plugin_fallback.get(i))
                            .map(|(_, id)| *id)
                    })
                    .or(self.any_invoke)
            }
        }
    }

    /// A known object by key (`ns/name` for playbooks and connections, the id for configs
    /// and components) or by catalog id / `metadata.uid`.
    pub fn object(&self, category: Category, key: &str) -> Result<ObjectId, RequestError> {
        let found = category
            .of(&self.objects)
            .get(category.of(&self.data.categories), key);
        self.object_found(category, key, found)
    }

    /// [`NameIndex::begin`] for an object key.
    pub(crate) fn object_begin(&self, category: Category, key: &str) -> Lookup {
        category.of(&self.objects).begin(key)
    }

    /// [`Tables::object`] from a lookup [`Tables::object_begin`] started.
    pub(crate) fn object_finish(
        &self,
        category: Category,
        key: &str,
        lookup: Lookup,
    ) -> Result<ObjectId, RequestError> {
        let found =
            category
                .of(&self.objects)
                .finish(category.of(&self.data.categories), key, lookup);
        self.object_found(category, key, found)
    }

    fn object_found(
        &self,
        category: Category,
        key: &str,
        found: Option<u32>,
    ) -> Result<ObjectId, RequestError> {
        found
            .map(|index| ObjectId {
                category,
                index,
                tag: self.tag,
            })
            .ok_or_else(|| RequestError::unknown_object(category, key))
    }

    /// A global object by name (`catalog`, `mcp`, ...).
    pub fn global(&self, name: &str) -> Result<GlobalId, RequestError> {
        self.global_index
            .get([&self.global_names, &self.global_names], name)
            .map(|index| GlobalId {
                index,
                tag: self.tag,
            })
            .ok_or_else(|| RequestError::unknown_global(name))
    }

    /// Every agent of the catalog, as `(id, name)`.
    pub(crate) fn agents(&self) -> impl Iterator<Item = (&str, &str)> {
        self.data
            .agents
            .iter()
            .map(|a| (a.id.as_str(), a.name.as_str()))
    }

    /// A compiled selector by index.
    pub(crate) fn compiled_selector(&self, index: u32) -> Option<&CompiledSelector> {
        self.selectors.get(index as usize)
    }

    /// A compiled predicate by index.
    pub(crate) fn compiled_predicate(&self, index: u32) -> Option<&CompiledPredicate> {
        self.predicates.get(index as usize)
    }

    /// The agent `(id, name)` a key (id or name) names, when the catalog knows it.
    pub(crate) fn agent(&self, key: &str) -> Option<(&str, &str)> {
        let i = self
            .agent_index
            .get([&self.agent_names, &self.agent_names], key)?;
        self.data
            .agents
            .get(i as usize)
            .map(|a| (a.id.as_str(), a.name.as_str()))
    }

    /// A connection definition by `namespace/name` or id.
    pub(crate) fn connection_definition(&self, key: &str) -> Option<&ConnectionData> {
        let i = self
            .connection_index
            .get([&self.connection_names, &self.connection_names], key)?;
        self.data.connections.get(i as usize)
    }

    /// Every principal, in table order.
    pub fn principals(&self) -> impl Iterator<Item = PrincipalId> + '_ {
        (0..self.data.principals.len() as u32).map(|index| PrincipalId {
            index,
            tag: self.tag,
        })
    }

    /// Every action of the vocabulary, with its name.
    pub fn actions(&self) -> impl Iterator<Item = (ActionId, &str)> + '_ {
        self.data.actions.iter().enumerate().map(|(i, name)| {
            (
                ActionId {
                    index: i as u32,
                    tag: self.tag,
                },
                name.as_str(),
            )
        })
    }

    /// Every global object, with its name.
    pub fn globals(&self) -> impl Iterator<Item = (GlobalId, &str)> + '_ {
        self.data.globals.iter().enumerate().map(|(i, name)| {
            (
                GlobalId {
                    index: i as u32,
                    tag: self.tag,
                },
                name.as_str(),
            )
        })
    }

    /// Every known object of a category.
    pub fn objects(&self, category: Category) -> impl Iterator<Item = ObjectId> + '_ {
        let count = category.of(&self.data.categories).keys.len() as u32;
        let tag = self.tag;
        (0..count).map(move |index| ObjectId {
            category,
            index,
            tag,
        })
    }

    /// The object at `index` of a category (the indexes of [`crate::Listing::bitmap`]).
    pub fn object_at(&self, category: Category, index: u32) -> Option<ObjectId> {
        ((index as usize) < category.of(&self.data.categories).keys.len()).then_some(ObjectId {
            category,
            index,
            tag: self.tag,
        })
    }

    /// The name a principal is looked up by (`email`, `playbook:ns/name`, ...).
    pub fn principal_name(&self, principal: PrincipalId) -> Option<String> {
        (principal.tag == self.tag)
            .then(|| self.principal_name_at(principal.index()))
            .flatten()
    }

    fn principal_name_at(&self, index: usize) -> Option<String> {
        let p = self.data.principals.get(index)?;
        Some(match p.kind {
            PrincipalKind::Person => p.key.clone(),
            PrincipalKind::Playbook => format!("playbook:{}", p.key),
            PrincipalKind::Notification => format!("notification:{}", p.key),
        })
    }

    /// The key of a known object.
    pub fn object_key(&self, object: ObjectId) -> Option<&str> {
        if object.tag != self.tag {
            return None;
        }
        object
            .category
            .of(&self.data.categories)
            .keys
            .get(object.index())
    }

    /// The catalog id of a known object (the key for configs and components).
    pub fn object_id(&self, object: ObjectId) -> Option<&str> {
        let category = object.category.of(&self.data.categories);
        if object.tag != self.tag {
            return None;
        }
        category
            .aliases
            .iter()
            .find(|(o, _)| *o == object.index)
            .map(|(_, a)| a.as_str())
            .or_else(|| category.keys.get(object.index()))
    }

    /// The name of an action.
    pub fn action_name(&self, action: ActionId) -> Option<&str> {
        (action.tag == self.tag)
            .then(|| self.data.actions.get(action.index()).map(String::as_str))
            .flatten()
    }

    /// The name of a global object.
    pub fn global_name(&self, global: GlobalId) -> Option<&str> {
        (global.tag == self.tag)
            .then(|| self.data.globals.get(global.index()).map(String::as_str))
            .flatten()
    }

    /// Counts, for statistics: principals, principal classes, actions, rules, rows, and
    /// per category objects and object classes.
    pub fn statistics(&self) -> Statistics {
        let d = &self.data;
        Statistics {
            principals: d.principals.len(),
            principal_classes: d.classes as usize,
            actions: d.actions.len(),
            permissions: d.permissions.len(),
            rules: d.rules.len(),
            entries: d.entries.len(),
            rows: d.rows.len(),
            pair_tables: d.pair_tables.len(),
            pair_exceptions: d.pair_exceptions.len(),
            blocks: d.blocks.0.len() / crate::schema::BLOCK_WORDS,
            block_list_entries: d.block_lists.0.len(),
            objects: Category::ALL.map(|c| c.of(&d.categories).keys.len()),
            object_classes: Category::ALL.map(|c| c.of(&d.categories).classes as usize),
            selectors: d.selectors.len(),
            connections: d.connections.len(),
            index_bytes: self.principal_index.memory()
                + self.objects.iter().map(|o| o.index.memory()).sum::<usize>()
                + self.layout.memory(),
        }
    }
}

/// Table statistics (`rampart inspect`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statistics {
    /// Principals (people and services).
    pub principals: usize,
    /// Principal classes.
    pub principal_classes: usize,
    /// Actions of the vocabulary.
    pub actions: usize,
    /// Permissions and role policies.
    pub permissions: usize,
    /// Rules.
    pub rules: usize,
    /// (unit, action) entries.
    pub entries: usize,
    /// Decision rows.
    pub rows: usize,
    /// Pair tables.
    pub pair_tables: usize,
    /// Pair exceptions.
    pub pair_exceptions: usize,
    /// Distinct 512-bit blocks.
    pub blocks: usize,
    /// Block ids in set lists.
    pub block_list_entries: usize,
    /// Per category, known objects.
    pub objects: [usize; 4],
    /// Per category, object classes.
    pub object_classes: [usize; 4],
    /// Distinct selectors.
    pub selectors: usize,
    /// Connection definitions.
    pub connections: usize,
    /// Bytes of the lookup indexes built at load.
    pub index_bytes: usize,
}

type PrincipalIndex = (NameList, NameIndex, Vec<(String, Vec<u32>)>);

/// Every name a principal is looked up by. A person's display name counts only when no
/// other principal has it; a name shared by several becomes an "ambiguous" entry whose
/// lookup is an error naming the candidates.
fn principal_index(data: &TablesData) -> PrincipalIndex {
    use std::collections::BTreeMap;
    let mut by_name: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut exact: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (i, p) in data.principals.iter().enumerate() {
        let i = i as u32;
        let prefix = match p.kind {
            PrincipalKind::Person => "",
            PrincipalKind::Playbook => "playbook:",
            PrincipalKind::Notification => "notification:",
        };
        exact
            .entry(format!("{prefix}{}", p.key))
            .or_default()
            .push(i);
        if let Some(id) = p.id.as_ref().filter(|id| **id != p.key) {
            exact.entry(format!("{prefix}{id}")).or_default().push(i);
        }
        if let (PrincipalKind::Person, Some(name)) = (p.kind, &p.name) {
            by_name.entry(name.clone()).or_default().push(i);
        }
    }
    for (name, list) in by_name {
        // An email or id always wins over a display name.
        exact.entry(name).or_insert(list);
    }
    let mut names = NameList::default();
    let mut values = Vec::new();
    let mut ambiguous = Vec::new();
    for (name, mut list) in exact {
        list.dedup();
        names.push(&name);
        match list.as_slice() {
            [one] => values.push(*one),
            _ => {
                values.push(AMBIGUOUS | ambiguous.len() as u32);
                ambiguous.push((name, list));
            }
        }
    }
    let index = NameIndex::build(
        [&names, &names],
        values
            .iter()
            .enumerate()
            .map(|(n, v)| (0, n, *v))
            .collect::<Vec<_>>()
            .into_iter(),
        |a, _| a,
    );
    (names, index, ambiguous)
}
