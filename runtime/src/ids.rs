//! Resolved ids: what the fast check path takes. An id only comes from looking a name up
//! in one [`crate::Tables`] value and remembers which one: handing it to other tables
//! (a reloaded file, say) is refused with an error instead of answering for whatever
//! happens to carry the same number there.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::category::Category;

/// Which loaded tables an id belongs to: a number unique in this process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TablesTag(u32);

static NEXT_TAG: AtomicU32 = AtomicU32::new(1);

impl TablesTag {
    /// A tag no other tables value of this process carries.
    pub(crate) fn fresh() -> TablesTag {
        TablesTag(NEXT_TAG.fetch_add(1, Ordering::Relaxed))
    }

    /// The tag's lowest `bits` bits (what an id's integer form carries).
    #[inline]
    pub(crate) fn low_bits(self, bits: u32) -> u32 {
        self.0 & 1u32.checked_shl(bits).map_or(u32::MAX, |b| b - 1)
    }
}

/// A person, or a playbook or notification acting as a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PrincipalId {
    pub(crate) index: u32,
    pub(crate) tag: TablesTag,
}

/// An action of the table's vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ActionId {
    pub(crate) index: u32,
    pub(crate) tag: TablesTag,
}

/// An object of the catalog the tables were compiled with, with its category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjectId {
    pub(crate) category: Category,
    pub(crate) index: u32,
    pub(crate) tag: TablesTag,
}

/// A global (RBAC) object such as `catalog` or `mcp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalId {
    pub(crate) index: u32,
    pub(crate) tag: TablesTag,
}

impl PrincipalId {
    /// The position of the principal in its tables (stable for one table file).
    pub fn index(self) -> usize {
        self.index as usize
    }
}

impl ActionId {
    /// The position of the action in its tables' vocabulary.
    pub fn index(self) -> usize {
        self.index as usize
    }
}

impl ObjectId {
    /// The object's category.
    pub fn category(self) -> Category {
        self.category
    }

    /// The position of the object among its category's objects.
    pub fn index(self) -> usize {
        self.index as usize
    }
}

impl GlobalId {
    /// The position of the global object in its tables.
    pub fn index(self) -> usize {
        self.index as usize
    }
}
