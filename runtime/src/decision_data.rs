//! The decision part of a table file as it is decoded: principal and object classes,
//! rules and their (unit, action) entries, the rows computed from them, their pair tables
//! and the class sets they all point into. [`crate::validate`] checks it and
//! [`crate::decisions::Decisions`] owns it.

use crate::schema::{EntryData, Ids, PairExceptionData, PairTableData, RowData, RuleData, Words};

/// The decision fields of [`crate::schema::TablesData`].
#[derive(Clone, Debug, Default)]
pub(crate) struct DecisionData {
    /// The number of principal classes.
    pub classes: u32,
    /// Each principal's class.
    pub principal_class: Vec<u32>,
    /// Per category, each object's class.
    pub object_class: [Ids; 4],
    /// Per category, the number of classes.
    pub object_classes: [u32; 4],
    /// Blocks of class bits.
    pub blocks: Words,
    /// Block ids of the class sets.
    pub block_lists: Ids,
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
}

/// The sizes of the other parts that decision data refers into.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits<'a> {
    /// Permissions (rules name them).
    pub permissions: usize,
    /// Units (rules and entries name them).
    pub units: usize,
    /// Predicates (rules name them).
    pub predicates: usize,
    /// Per predicate, whether it carries a permission-level `agents`/`tags` narrowing (a
    /// deny's may not: docs/semantics.md).
    pub narrowed_predicates: &'a [bool],
    /// Actions (entries name them; rows are per class and action).
    pub actions: usize,
    /// Global objects (bits of rules and rows).
    pub globals: usize,
    /// Per category, known objects.
    pub objects: [usize; 4],
}
