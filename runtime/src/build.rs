//! The compiler's side of the runtime (the `build` feature): interning class sets,
//! computing decision rows from rules with the same code the loader validates them with,
//! and encoding table files.

use std::collections::HashMap;

use crate::category::{Category, PairShape};
use crate::class_set::SetStore;
use crate::rows::{PairContent, PairScratch, RowContent, RuleView, Work};
use crate::schema::{
    Ids, PairExceptionData, PairTableData, RowData, SetRef, Span, TablesData, Words,
};

pub use crate::class_set::{DenseSet, SetPool};
pub use crate::codec::{checksum, encode};

impl DenseSet {
    /// A set from class numbers.
    pub fn from_classes(classes: u32, members: impl IntoIterator<Item = u32>) -> DenseSet {
        let mut set = DenseSet::empty(classes);
        for m in members {
            set.insert(m);
        }
        set
    }

    /// The number of classes it is over.
    pub fn universe(&self) -> u32 {
        self.words().len() as u32 * 64
    }
}

impl SetPool {
    /// Interns a dense set.
    pub fn set(&mut self, set: &DenseSet) -> SetRef {
        self.intern(set)
    }

    /// The members of an interned set.
    pub fn members(&self, set: SetRef, classes: u32) -> Vec<u32> {
        self.store().members(set, classes).collect()
    }

    /// Whether an interned set holds a class.
    pub fn contains(&self, set: SetRef, class: u32) -> bool {
        self.store().contains(set, class)
    }
}

/// Fills `data.rows`, `row_entries`, `row_of`, `pair_tables`, `pair_exceptions`, and the
/// block arrays, from the rules and entries already in `data` and the entry list of every
/// (class, action): `class_entries[class * actions + action]`.
///
/// Rows with the same entries are computed once; their contents are computed in parallel
/// batches with the loader's own row code ([`crate::rows`]).
pub fn rows(data: &mut TablesData, pool: SetPool, class_entries: Vec<Vec<u32>>) {
    let (distinct, row_of) = distinct_rows(class_entries);
    let mut writer = RowWriter {
        rows: Vec::with_capacity(distinct.len()),
        row_entries: Vec::new(),
        pair_tables: PairTables::default(),
        pool,
    };
    writer.push_all(data, &distinct);
    writer.finish(data);
    data.row_of = Ids(row_of);
}

/// Moves principals to other classes without recomputing the rows that stay: `data`'s
/// classes keep their rows, `new_class_entries` (class-major, `actions` entry lists per
/// class) are classes numbered from `data.classes` on, and `principal_class` is every
/// principal's class in that numbering. Rows are computed only for entry lists no row
/// has yet (with the loader's own row code, as [`rows`] computes them); classes no
/// principal is in are dropped and the rest renumbered in order, so a table has no
/// more classes than principals. Nothing in `data` changes when an argument is out of
/// range (the error says which).
pub fn regroup(
    data: &mut TablesData,
    principal_class: &[u32],
    new_class_entries: Vec<Vec<u32>>,
) -> Result<(), String> {
    let actions = data.actions.len();
    if actions == 0 || !new_class_entries.len().is_multiple_of(actions) {
        return Err("the new classes' entry lists are not whole classes".to_string());
    }
    if principal_class.len() != data.principals.len() {
        return Err("one class per principal is needed".to_string());
    }
    let classes = data.classes as usize + new_class_entries.len() / actions;
    if principal_class.iter().any(|c| *c as usize >= classes) {
        return Err("a principal's class is out of range".to_string());
    }
    if data.row_of.0.len() != data.classes as usize * actions {
        return Err("the row index does not cover every class and action".to_string());
    }
    if new_class_entries
        .iter()
        .flatten()
        .any(|e| *e as usize >= data.entries.len())
    {
        return Err("an entry list names an entry out of range".to_string());
    }
    // The rows there are, by entry list.
    let mut row_ids: HashMap<Vec<u32>, u32> = HashMap::new();
    for (i, row) in data.rows.iter().enumerate() {
        let (start, len) = (row.entries.start as usize, row.entries.len as usize);
        let Some(entries) = data.row_entries.0.get(start..start + len) else {
            return Err("a row's entries are out of range".to_string());
        };
        row_ids.entry(entries.to_vec()).or_insert(i as u32);
    }
    let mut row_of = data.row_of.0.clone();
    let mut missing: Vec<Vec<u32>> = Vec::new();
    for entries in new_class_entries {
        let next = (data.rows.len() + missing.len()) as u32;
        let id = *row_ids.entry(entries.clone()).or_insert_with(|| {
            missing.push(entries);
            next
        });
        row_of.push(id);
    }
    let mut writer = RowWriter {
        rows: std::mem::take(&mut data.rows),
        row_entries: std::mem::take(&mut data.row_entries.0),
        pair_tables: PairTables {
            tables: std::mem::take(&mut data.pair_tables),
            exceptions: std::mem::take(&mut data.pair_exceptions),
            ids: Default::default(),
        },
        pool: SetPool::from_stored(
            std::mem::take(&mut data.blocks.0),
            std::mem::take(&mut data.block_lists.0),
        ),
    };
    writer.push_all(data, &missing);
    writer.finish(data);
    // Classes someone is in, renumbered in order.
    let mut renumbered = vec![u32::MAX; classes];
    for c in principal_class {
        if let Some(slot) = renumbered.get_mut(*c as usize) {
            *slot = 0;
        }
    }
    let mut kept = 0u32;
    let mut kept_rows = Vec::with_capacity(row_of.len());
    for (class, slot) in renumbered.iter_mut().enumerate() {
        if *slot == 0 {
            *slot = kept;
            kept += 1;
            kept_rows.extend(
                row_of
                    .get(class * actions..(class + 1) * actions)
                    .unwrap_or_default(),
            );
        }
    }
    for (p, c) in data.principals.iter_mut().zip(principal_class) {
        p.class = renumbered.get(*c as usize).copied().unwrap_or(0);
    }
    data.classes = kept;
    data.row_of = Ids(kept_rows);
    Ok(())
}

/// The rows being written, with the pair tables and the set pool they are interned in.
struct RowWriter {
    rows: Vec<RowData>,
    row_entries: Vec<u32>,
    pair_tables: PairTables,
    pool: SetPool,
}

impl RowWriter {
    /// Computes and appends one row per entry list of `distinct`, in order: batches of
    /// row contents are computed on worker threads while this thread interns the batch
    /// before (the workers read the rules' sets from a copy of the pool as it was before
    /// any row: rows read only the rules' sets, all interned before the rows, while
    /// interning the rows' own sets grows the pool).
    fn push_all(&mut self, data: &TablesData, distinct: &[Vec<u32>]) {
        let classes = Category::ALL.map(|c| c.of(&data.categories).classes);
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 16);
        // Rows per thread and batch: two batches are held at once (the one being interned
        // and the next), so this bounds the contents in memory.
        const BATCH: usize = 1024;
        let (blocks, lists) = (self.pool.blocks.clone(), self.pool.lists.clone());
        let view = RuleView {
            rules: &data.rules,
            entries: &data.entries,
            entry_rules: &data.entry_rules.0,
            classes,
            store: SetStore {
                blocks: &blocks,
                lists: &lists,
            },
        };
        std::thread::scope(|scope| {
            // One batch computed ahead of the one being interned, handed over only when
            // that one is done.
            let (send, receive) = std::sync::mpsc::sync_channel(0);
            scope.spawn(move || {
                for batch in distinct.chunks(BATCH * threads) {
                    let contents = row_contents(view, batch, threads);
                    if send.send((batch, contents)).is_err() {
                        break;
                    }
                }
            });
            for (batch, contents) in receive {
                for (entries, content) in batch.iter().zip(contents) {
                    self.push(entries, &content);
                }
            }
        });
    }

    /// Appends the row of `entries`, whose content is `content`.
    fn push(&mut self, entries: &[u32], content: &RowContent) {
        let start = self.row_entries.len() as u32;
        self.row_entries.extend_from_slice(entries);
        let pool = &mut self.pool;
        let pairs = self.pair_tables.row_pairs(pool, content);
        self.rows.push(RowData {
            entries: Span {
                start,
                len: entries.len() as u32,
            },
            allow: Category::ALL.map(|c| pool.intern(c.of(&content.allow))),
            deny: Category::ALL.map(|c| pool.intern(c.of(&content.deny))),
            allow_globals: content.allow_globals,
            deny_globals: content.deny_globals,
            allow_unscoped: content.allow_unscoped,
            deny_unscoped: content.deny_unscoped,
            pairs,
        });
    }

    /// Stores the rows, pair tables and blocks in `data`.
    fn finish(self, data: &mut TablesData) {
        data.rows = self.rows;
        data.row_entries = Ids(self.row_entries);
        data.pair_tables = self.pair_tables.tables;
        data.pair_exceptions = self.pair_tables.exceptions;
        data.blocks = Words(self.pool.blocks);
        data.block_lists = Ids(self.pool.lists);
    }
}

/// The distinct entry lists of `class_entries` (row 0 is the row of no entries, shared by
/// every (class, action) with nothing), and the row of each (class, action).
fn distinct_rows(class_entries: Vec<Vec<u32>>) -> (Vec<Vec<u32>>, Vec<u32>) {
    let mut row_ids: foldhash::HashMap<Vec<u32>, u32> = Default::default();
    let mut distinct: Vec<Vec<u32>> = Vec::new();
    let mut row_of = Vec::with_capacity(class_entries.len());
    row_ids.insert(Vec::new(), 0);
    distinct.push(Vec::new());
    for entries in class_entries {
        let next = distinct.len() as u32;
        let id = *row_ids.entry(entries.clone()).or_insert_with(|| {
            distinct.push(entries);
            next
        });
        row_of.push(id);
    }
    (distinct, row_of)
}

/// The contents of the rows of `batch` (one entry list each), computed on up to `threads`
/// threads with the loader's own row code; in the order of `batch`.
fn row_contents(view: RuleView<'_>, batch: &[Vec<u32>], threads: usize) -> Vec<RowContent> {
    let chunk = batch.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = batch
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut work = Work::unlimited();
                    let mut scratch = PairScratch::default();
                    part.iter()
                        .filter_map(|entries| view.row(entries, &mut work, &mut scratch).ok())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// The pair tables of the rows written so far and their exceptions, each distinct table
/// (with its exceptions) stored once.
#[derive(Default)]
struct PairTables {
    tables: Vec<PairTableData>,
    exceptions: Vec<PairExceptionData>,
    /// A table (its exceptions' span left empty) and its exceptions -> its index.
    ids: foldhash::HashMap<(PairTableData, Vec<PairExceptionData>), u32>,
}

impl PairTables {
    /// A row's pair table of each shape: its index + 1, or 0 for none.
    fn row_pairs(&mut self, pool: &mut SetPool, content: &RowContent) -> [u32; 6] {
        let mut pairs = [0u32; 6];
        for shape in PairShape::ALL {
            let Some(Some(pair)) = content.pairs.get(shape.index()) else {
                continue;
            };
            let id = self.id(intern_pair(pool, pair));
            if let Some(slot) = pairs.get_mut(shape.index()) {
                *slot = id + 1;
            }
        }
        pairs
    }

    /// The index of a pair table with its exceptions, stored if it is new.
    fn id(&mut self, (table, exceptions): (PairTableData, Vec<PairExceptionData>)) -> u32 {
        let next = self.tables.len() as u32;
        let key = (table.clone(), exceptions);
        match self.ids.get(&key) {
            Some(id) => *id,
            None => {
                let (mut table, exceptions) = key;
                table.exceptions = Span {
                    start: self.exceptions.len() as u32,
                    len: exceptions.len() as u32,
                };
                self.exceptions.extend_from_slice(&exceptions);
                self.tables.push(table.clone());
                let stored = (
                    PairTableData {
                        exceptions: Span::default(),
                        ..table
                    },
                    exceptions,
                );
                self.ids.insert(stored, next);
                next
            }
        }
    }
}

fn intern_pair(pool: &mut SetPool, pair: &PairContent) -> (PairTableData, Vec<PairExceptionData>) {
    let table = PairTableData {
        allow_first: pool.intern(&pair.allow_first),
        allow_second: pool.intern(&pair.allow_second),
        deny_first: pool.intern(&pair.deny_first),
        deny_second: pool.intern(&pair.deny_second),
        exceptions: Span::default(),
    };
    let exceptions = pair
        .exceptions
        .iter()
        .map(|(x, allow, deny)| PairExceptionData {
            first_class: *x,
            allow: pool.intern(allow),
            deny: pool.intern(deny),
        })
        .collect();
    (table, exceptions)
}

/// Read access to interned sets, for tools that inspect tables (`rampart lint`).
pub fn store_contains(data: &TablesData, set: SetRef, class: u32) -> bool {
    SetStore {
        blocks: &data.blocks.0,
        lists: &data.block_lists.0,
    }
    .contains(set, class)
}

/// The members of a stored set of a category.
pub fn store_members(data: &TablesData, set: SetRef, category: Category) -> Vec<u32> {
    SetStore {
        blocks: &data.blocks.0,
        lists: &data.block_lists.0,
    }
    .members(set, category.of(&data.categories).classes)
    .collect()
}
