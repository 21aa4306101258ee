//! The serialised schema of a table file: plain data, written by the compiler and
//! validated by [`crate::Tables::from_data`] before anything reads it.
//!
//! Everything is a `Vec` in a deterministic order (no hash maps), so identical input
//! gives a byte-identical file. Lookup indexes are rebuilt at load time instead of
//! being stored.

use roaring::RoaringBitmap;
use serde::{Deserialize, Serialize};

/// Where a principal comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrincipalKind {
    Person,
    Playbook,
    Notification,
}

/// One principal and the names it can be looked up by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalData {
    pub kind: PrincipalKind,
    /// Person: email (or id when there is none). Services: `namespace/name`.
    pub key: String,
    pub id: Option<String>,
    /// A person's display name; only looked up when it is unique.
    pub name: Option<String>,
    /// Index into [`TablesData::classes`].
    pub class: u32,
}

/// A subject unit: something rules are granted to (person, team, group, role, service).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitData {
    /// `person:`, `team:`, `group:`, `role:`, `playbook:` or `notification:` and a name.
    pub label: String,
}

/// The permission a rule came from, for explanations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionData {
    /// `namespace/name`, or `role:<name>` for built-in role policies.
    pub name: String,
    /// `file:line:column`, or `built-in`.
    pub source: String,
    pub deny: bool,
}

/// A set of objects of one category as a rule sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SetRef {
    /// Nothing.
    Empty,
    /// Every object, including ones the catalog does not know.
    All,
    /// The objects in this bitmap of [`TablesData::bitmaps`].
    Bitmap(u32),
    /// The `len` objects from `start` on: a contiguous set (one namespace, one object)
    /// needs no bitmap, and testing it touches no memory. The length is 16 bits so that a
    /// `SetRef` stays 8 bytes and an entry's eight single-object sets one cache line.
    Range(u32, u16),
}

impl TablesData {
    /// The members of a set among `objects` known objects, as a bitmap.
    pub fn set_members(&self, set: SetRef, objects: u32) -> std::borrow::Cow<'_, RoaringBitmap> {
        use std::borrow::Cow;
        match set {
            SetRef::Empty => Cow::Owned(RoaringBitmap::new()),
            SetRef::All => Cow::Owned((0..objects).collect()),
            SetRef::Bitmap(b) => self
                .bitmaps
                .get(b as usize)
                .map(Cow::Borrowed)
                .unwrap_or_else(|| Cow::Owned(RoaringBitmap::new())),
            SetRef::Range(start, len) => {
                Cow::Owned((start..start.saturating_add(u32::from(len))).collect())
            }
        }
    }
}

/// One expanded rule: a Permission (or role policy) for one unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleData {
    pub permission: u32,
    pub deny: bool,
    /// Categories the request must carry (bit per [`crate::Category`]).
    pub required: u8,
    /// Per category: the objects a present object must be in.
    pub sets: [SetRef; 4],
    /// Per category: the predicate that classifies objects the catalog did not know;
    /// `None` where the set is [`SetRef::All`].
    pub predicates: [Option<u32>; 4],
    /// Global objects (bit per [`TablesData::globals`] entry) this rule grants or denies.
    pub globals: u64,
    /// True when the rule applies to object requests at all (false for pure global grants).
    pub objects: bool,
}

/// The precomputed answer for one (unit, action): what its rules allow and deny.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryData {
    pub unit: u32,
    pub action: u32,
    /// Per category: the union of allow rules that need nothing but that category.
    pub allow_single: [SetRef; 4],
    /// Per category: the same for deny rules.
    pub deny_single: [SetRef; 4],
    pub allow_globals: u64,
    pub deny_globals: u64,
    /// Every rule of this unit that grants or denies this action (for requests of three
    /// or more objects, objects the catalog did not know, and explanations).
    pub rules: Vec<u32>,
    /// Two-object requests, per pair of categories that some rule applies to.
    pub pairs: Vec<PairData>,
}

/// What an entry's rules say about requests naming exactly two categories `first` <
/// `second`: rules that constrain only one side are unions; rules that constrain both
/// are rectangles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairData {
    /// The two categories, as a mask with two bits set.
    pub shape: u8,
    pub allow: PairSets,
    pub deny: PairSets,
}

/// One effect's sets for a pair.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairSets {
    /// First-category objects granted whatever the second object is (beyond the
    /// entry's single-object set when `first_single`).
    pub first: Option<SetRef>,
    /// The entry's single-object set of the first category also counts: every rule in it
    /// leaves the second category unconstrained. Saves storing a second union of it.
    pub first_single: bool,
    /// Second-category objects granted whatever the first object is (likewise).
    pub second: Option<SetRef>,
    /// The entry's single-object set of the second category also counts.
    pub second_single: bool,
    /// Rules constraining both: (first set, second set).
    pub rectangles: Vec<(SetRef, SetRef)>,
}

/// An object the catalog knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectData {
    pub id: Option<String>,
    /// Playbooks, connections: `namespace/name`. Configs, components: the id.
    pub key: String,
}

/// A resource selector as canonical strings, re-parsed and so re-validated at load.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SelectorData {
    pub id: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub types: Option<String>,
    pub agent: Option<String>,
    pub tag_selector: Option<String>,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub statuses: Option<String>,
    pub health: Option<String>,
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
    pub id: String,
    pub name: String,
}

/// A connection's definition with every field as a source reference: never a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionData {
    pub namespace: String,
    pub name: String,
    /// Stored type (`postgres`, `aws`, `opensearch`, ...).
    pub connection_type: String,
    /// The URL template, itself a source (usually a literal template).
    pub url: Option<FieldSource>,
    pub username: Option<FieldSource>,
    pub password: Option<FieldSource>,
    pub certificate: Option<FieldSource>,
    /// Property name -> source, sorted by name.
    pub properties: Vec<(String, FieldSource)>,
    pub insecure_tls: bool,
    /// Where the document was defined (`file:line:column`).
    pub source: String,
}

/// Where a connection field's value comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldSource {
    /// A literal (only for fields that are not secret).
    Value(String),
    SecretKeyRef {
        name: String,
        key: String,
    },
    ConfigMapKeyRef {
        name: String,
        key: String,
    },
    HelmRef {
        name: String,
        key: String,
    },
}

/// Everything a table file holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablesData {
    pub permissions: Vec<PermissionData>,
    pub units: Vec<UnitData>,
    /// Principal classes: the sorted units (with rules) each principal of the class is in.
    pub classes: Vec<Vec<u32>>,
    pub principals: Vec<PrincipalData>,
    /// Action names: the builtin vocabulary in order, then `invoke:<plugin>:<op>` actions
    /// named by documents, then one `invoke:<plugin>:*` stand-in per plugin for operations
    /// no document names, then `invoke:*` for plugins no document names.
    pub actions: Vec<String>,
    pub globals: Vec<String>,
    /// Per category, in [`crate::Category`] order.
    pub objects: [Vec<ObjectData>; 4],
    pub agents: Vec<AgentData>,
    pub bitmaps: Vec<RoaringBitmap>,
    pub selectors: Vec<SelectorData>,
    pub predicates: Vec<PredicateData>,
    pub rules: Vec<RuleData>,
    /// Sorted by (unit, action), unique.
    pub entries: Vec<EntryData>,
    pub connections: Vec<ConnectionData>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_set_reference_is_eight_bytes() {
        assert_eq!(std::mem::size_of::<super::SetRef>(), 8);
    }
}
