//! The serialised schema of a table file: plain data, written by the compiler and
//! validated by [`crate::Tables`] before anything reads it. Only the compiler sees these
//! types (the `build` feature); a service embedding the runtime never does.
//!
//! Everything is a `Vec` in a deterministic order (no hash maps), so identical input gives
//! a byte-identical file. Large arrays of integers are stored as raw little-endian bytes
//! ([`Words`], [`Ids`]), which decode at memory speed.
//!
//! Object sets are over *object classes*: objects that every selector and narrowing of
//! every rule treats alike share a class, so a set is a bitset over classes, stored as a
//! list of 512-bit blocks shared between sets ([`SetRef::Blocks`]).

use serde::{Deserialize, Serialize};

/// Bits per block of a class set: one 64-byte cache line.
pub const BLOCK_BITS: usize = 512;
/// 64-bit words per block.
pub const BLOCK_WORDS: usize = BLOCK_BITS / 64;

/// `u64`s stored as raw little-endian bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Words(pub Vec<u64>);

/// `u32`s stored as raw little-endian bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ids(pub Vec<u32>);

macro_rules! raw_array {
    ($name:ident, $int:ty, $width:expr) => {
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut bytes = Vec::with_capacity(self.0.len() * $width);
                for v in &self.0 {
                    bytes.extend_from_slice(&v.to_le_bytes());
                }
                s.serialize_bytes(&bytes)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl<'de> serde::de::Visitor<'de> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a byte array of ", stringify!($int), "s"))
                    }
                    fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<$name, E> {
                        if !bytes.len().is_multiple_of($width) {
                            return Err(E::custom(concat!(
                                "a byte array whose length is not a multiple of ",
                                stringify!($width)
                            )));
                        }
                        let mut out = Vec::with_capacity(bytes.len() / $width);
                        for chunk in bytes.chunks_exact($width) {
                            let mut word = [0u8; $width];
                            word.copy_from_slice(chunk);
                            out.push(<$int>::from_le_bytes(word));
                        }
                        Ok($name(out))
                    }
                    fn visit_byte_buf<E: serde::de::Error>(
                        self,
                        bytes: Vec<u8>,
                    ) -> Result<$name, E> {
                        self.visit_bytes(&bytes)
                    }
                }
                d.deserialize_byte_buf(Visitor)
            }
        }
    };
}

raw_array!(Words, u64, 8);
raw_array!(Ids, u32, 4);

/// A list of strings in one buffer: string `i` is `text[ends[i-1]..ends[i]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameList {
    /// The strings, concatenated.
    pub text: String,
    /// One past the end of each string.
    pub ends: Ids,
}

impl NameList {
    /// Builds a list from strings.
    pub fn from_strings<'a>(names: impl IntoIterator<Item = &'a str>) -> NameList {
        let mut list = NameList::default();
        for name in names {
            list.push(name);
        }
        list
    }

    /// Appends a string.
    pub fn push(&mut self, name: &str) {
        self.text.push_str(name);
        self.ends.0.push(self.text.len() as u32);
    }

    /// The number of strings.
    pub fn len(&self) -> usize {
        self.ends.0.len()
    }

    /// True when there is no string.
    #[cfg(feature = "build")]
    pub fn is_empty(&self) -> bool {
        self.ends.0.is_empty()
    }

    /// Byte range of string `i`.
    pub fn range(&self, i: usize) -> Option<(usize, usize)> {
        let end = *self.ends.0.get(i)? as usize;
        let start = match i.checked_sub(1) {
            Some(p) => *self.ends.0.get(p)? as usize,
            None => 0,
        };
        Some((start, end))
    }

    /// String `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let (start, end) = self.range(i)?;
        self.text.get(start..end)
    }

    /// Every string in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or(""))
    }
}

/// A contiguous range of another array.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First index.
    pub start: u32,
    /// Number of elements.
    pub len: u32,
}

impl Span {
    /// The indexes as a `usize` range (checked against the array at validation).
    pub fn range(self) -> std::ops::Range<usize> {
        let start = self.start as usize;
        start..start.saturating_add(self.len as usize)
    }
}

/// A set of object classes of one category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SetRef {
    /// No object.
    Empty,
    /// Every object, including ones the catalog does not know.
    All,
    /// The classes whose bits are set in the blocks listed at this offset of
    /// [`TablesData::block_lists`] (one block id per 512 classes of the category).
    Blocks(u32),
}

/// Where a principal comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PrincipalKind {
    /// A person of the catalog.
    Person,
    /// A playbook acting as a service.
    Playbook,
    /// A notification acting as a service.
    Notification,
}

pub use crate::unit::UnitKind;

/// A subject unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitData {
    /// What it is.
    pub kind: UnitKind,
    /// Its name: an email, a team name, a group name, a role, `namespace/name`.
    pub name: String,
}

/// One principal and the names it can be looked up by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalData {
    /// Person, playbook or notification.
    pub kind: PrincipalKind,
    /// Person: email (or id when there is none). Services: `namespace/name`.
    pub key: String,
    /// The catalog id, when there is one.
    pub id: Option<String>,
    /// A person's display name; looked up only when unique.
    pub name: Option<String>,
    /// The principal's own unit.
    pub unit: u32,
    /// The principal's class (`< TablesData::classes`).
    pub class: u32,
}

/// The permission a rule came from, for explanations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionData {
    /// `namespace/name`, or `role:<name>` for built-in role policies.
    pub name: String,
    /// `file:line:column`, or `built-in`.
    pub source: String,
    /// True for a deny rule.
    pub deny: bool,
}

/// The objects of one category, and the class of each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryData {
    /// Each object's key: `namespace/name` for playbooks and connections, the id for
    /// configs and components. Sorted in the order selectors make runs of.
    pub keys: NameList,
    /// Other names of objects (`(object, id)`), for playbooks and connections known by a
    /// catalog id or `metadata.uid`.
    pub aliases: Vec<(u32, String)>,
    /// Each object's class.
    pub object_class: Ids,
    /// The number of classes.
    pub classes: u32,
}

/// One expanded rule: a Permission (or role policy) bound to one unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleData {
    /// Index into [`TablesData::permissions`].
    pub permission: u32,
    /// The unit the rule is granted to.
    pub unit: u32,
    /// True for a deny rule.
    pub deny: bool,
    /// Categories the request must carry (bit per [`crate::Category`]).
    pub required: u8,
    /// True when the rule applies to object requests at all (false for pure global grants).
    pub objects: bool,
    /// Per category: the classes a present object must be in.
    pub sets: [SetRef; 4],
    /// Per category: the predicate that classifies objects the catalog did not know;
    /// `None` exactly where the set is [`SetRef::All`].
    pub predicates: [Option<u32>; 4],
    /// Global objects (bit per [`TablesData::globals`] entry) the rule grants or denies.
    pub globals: u64,
}

/// The rules of one unit for one action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryData {
    /// The unit.
    pub unit: u32,
    /// The action.
    pub action: u32,
    /// Range of [`TablesData::entry_rules`].
    pub rules: Span,
}

/// The precomputed answers for one (principal class, action): every principal of the
/// class asking for the action is decided from here alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowData {
    /// The entries (units' rules for the action) the row was computed from: a range of
    /// [`TablesData::row_entries`].
    pub entries: Span,
    /// Per category, the classes a one-object request matches an allow rule on.
    pub allow: [SetRef; 4],
    /// Per category, the classes a one-object request matches a deny rule on.
    pub deny: [SetRef; 4],
    /// Global objects an allow rule grants.
    pub allow_globals: u64,
    /// Global objects a deny rule forbids.
    pub deny_globals: u64,
    /// Whether an allow rule matches a request naming no object.
    pub allow_unscoped: bool,
    /// Whether a deny rule matches a request naming no object.
    pub deny_unscoped: bool,
    /// Per [`crate::PairShape`], one plus the index of its pair table in
    /// [`TablesData::pair_tables`]; 0 when no rule of the row applies to the pair.
    pub pairs: [u32; 6],
}

/// Two-object requests of one shape for one row: with `x` the first object's class and
/// `y` the second's, allowed iff `(x ∈ allow_first ∨ y ∈ allow_second ∨ y ∈ R(x))` and
/// not `(x ∈ deny_first ∨ y ∈ deny_second ∨ y ∈ Rd(x))`, where `R` and `Rd` are the
/// rectangles of rules that constrain both sides, kept per first class as exceptions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PairTableData {
    /// First-category classes allowed whatever the second object is.
    pub allow_first: SetRef,
    /// Second-category classes allowed whatever the first object is.
    pub allow_second: SetRef,
    /// First-category classes denied whatever the second object is.
    pub deny_first: SetRef,
    /// Second-category classes denied whatever the first object is.
    pub deny_second: SetRef,
    /// Range of [`TablesData::pair_exceptions`], sorted by first class.
    pub exceptions: Span,
}

/// For one first-category class, the second-category classes the rectangles allow and deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PairExceptionData {
    /// The first object's class.
    pub first_class: u32,
    /// Second classes allowed with it.
    pub allow: SetRef,
    /// Second classes denied with it.
    pub deny: SetRef,
}

/// A resource selector as canonical strings, re-parsed (and so re-validated) at load.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SelectorData {
    /// `id` pattern.
    pub id: Option<String>,
    /// `name` pattern.
    pub name: Option<String>,
    /// `namespace` pattern.
    pub namespace: Option<String>,
    /// `types` (and `type`) pattern.
    pub types: Option<String>,
    /// `agent` pattern.
    pub agent: Option<String>,
    /// `tagSelector`.
    pub tag_selector: Option<String>,
    /// `labelSelector`.
    pub label_selector: Option<String>,
    /// `fieldSelector`.
    pub field_selector: Option<String>,
    /// `statuses` pattern.
    pub statuses: Option<String>,
    /// `health` pattern.
    pub health: Option<String>,
    /// `search` query.
    pub search: Option<String>,
}

/// What a rule requires of one category's object: any of its selectors, and the
/// permission-level `agents`/`tags` narrowing (configs and components only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PredicateData {
    /// Indexes into [`TablesData::selectors`]; empty means no selector constraint.
    pub selectors: Vec<u32>,
    /// Agent names or ids, any of which the object's agent must be.
    pub agents: Option<Vec<String>>,
    /// Tag pairs the object must all carry.
    pub tags: Vec<(String, String)>,
}

/// An agent of the catalog, so that selectors can name agents by id or by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentData {
    /// The agent's id.
    pub id: String,
    /// The agent's name.
    pub name: String,
}

/// A connection's definition with every field as a source reference: never a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionData {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid`, when the document has one.
    pub uid: Option<String>,
    /// Stored type (`postgres`, `aws`, `opensearch`, ...).
    pub connection_type: String,
    /// The URL template, itself a source (usually a literal template).
    pub url: Option<FieldSource>,
    /// The username source.
    pub username: Option<FieldSource>,
    /// The password source.
    pub password: Option<FieldSource>,
    /// The certificate source.
    pub certificate: Option<FieldSource>,
    /// Property name -> source, sorted by name. An `http` connection's `headers` holds
    /// upstream's JSON list of EnvVars.
    pub properties: Vec<(String, FieldSource)>,
    /// Upstream's column `insecure_tls` (the string property of the same name is among
    /// `properties` where upstream writes one).
    pub insecure_tls: bool,
    /// Where the document was defined (`file:line:column`).
    pub source: String,
}

/// Where a connection field's value comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldSource {
    /// A literal (only for fields that are not secret).
    Value(String),
    /// A key of a Kubernetes Secret in the connection's namespace.
    SecretKeyRef {
        /// The Secret.
        name: String,
        /// The key.
        key: String,
    },
    /// A key of a ConfigMap in the connection's namespace.
    ConfigMapKeyRef {
        /// The ConfigMap.
        name: String,
        /// The key.
        key: String,
    },
    /// A dotted path into a Helm release's values.
    HelmRef {
        /// The release.
        name: String,
        /// The dotted key path.
        key: String,
    },
    /// A service account token.
    ServiceAccount {
        /// The service account.
        name: String,
    },
}

/// Everything a table file holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablesData {
    /// Permissions and role policies.
    pub permissions: Vec<PermissionData>,
    /// Subject units.
    pub units: Vec<UnitData>,
    /// Principals.
    pub principals: Vec<PrincipalData>,
    /// The number of principal classes: principals whose units hold the same rules share
    /// a class, and so every row.
    pub classes: u32,
    /// Action names: the builtin vocabulary in order, then `invoke:<plugin>:<op>` actions
    /// named by documents, then one `invoke:<plugin>:*` stand-in per plugin for operations
    /// no document names, then `invoke:*` for plugins no document names.
    pub actions: Vec<String>,
    /// Global object names (at most 64).
    pub globals: Vec<String>,
    /// Agents of the catalog.
    pub agents: Vec<AgentData>,
    /// Per category, in [`crate::Category`] order.
    pub categories: [CategoryData; 4],
    /// Blocks of class bits, [`BLOCK_WORDS`] words each.
    pub blocks: Words,
    /// Block ids of the class sets ([`SetRef::Blocks`] offsets point here).
    pub block_lists: Ids,
    /// Selectors, for objects the catalog did not know.
    pub selectors: Vec<SelectorData>,
    /// Rule predicates over [`TablesData::selectors`].
    pub predicates: Vec<PredicateData>,
    /// Rules.
    pub rules: Vec<RuleData>,
    /// (unit, action) entries, sorted and unique.
    pub entries: Vec<EntryData>,
    /// Rule ids of the entries.
    pub entry_rules: Ids,
    /// Decision rows.
    pub rows: Vec<RowData>,
    /// Entry ids of the rows.
    pub row_entries: Ids,
    /// `class * actions + action` -> row.
    pub row_of: Ids,
    /// Pair tables of the rows.
    pub pair_tables: Vec<PairTableData>,
    /// Rectangle exceptions of the pair tables.
    pub pair_exceptions: Vec<PairExceptionData>,
    /// Connection definitions.
    pub connections: Vec<ConnectionData>,
}
