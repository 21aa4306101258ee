//! The check path's own layout of the decision rows, built at load from the validated
//! tables: what one- and two-object checks read, packed so that each read is one cache
//! line and as few reads as possible depend on each other.
//!
//! The file's rows are deduplicated and reached through `row_of`; their sets are
//! [`SetRef`]s (a tag and an offset, 8 bytes) among fields the check never reads. Here:
//! - every (principal class, action) slot has its own [`RowLine`] of 32 aligned bytes:
//!   the allow and deny set of each category, no `row_of` hop (at the large size rows
//!   are nearly all distinct anyway: 657k rows for 860k slots);
//! - a set is one `u32`: [`EMPTY`], [`ALL`], a set whose classes all lie in one block
//!   (the block id and its position: one read), or a block list offset (two reads);
//! - per slot and pair shape some row uses, a [`PairLine`] of 16 aligned bytes with the
//!   pair table's four sets, and one open-addressing table of exceptions keyed by (pair
//!   slot, first class) with the exception's sets inline. Both are found from the slot
//!   alone, so the two reads are issued together instead of one after the other.
//!
//! Nothing here is stored in the file: it is derived from the rows that validation has
//! just proved, so `check` (which reads this) and `explain` (which reads the rows) answer
//! from the same sets.

use crate::category::{Category, PairShape};
use crate::class_set::{blocks_for, SetStore};
use crate::decision_data::DecisionData;
use crate::error::LoadError;
use crate::schema::{SetRef, BLOCK_BITS, BLOCK_WORDS};

/// The encoded empty set.
pub(crate) const EMPTY: u32 = 0;
/// The encoded set of every object.
pub(crate) const ALL: u32 = 1;
/// Encoded block lists start here (offset + 2).
const FIRST_LIST: u32 = 2;
/// Marks a set whose classes all lie in one block: bits 24..31 are the block's position
/// in the category, bits 0..24 the block id.
const ONE_BLOCK: u32 = 1 << 31;
const POSITION_SHIFT: u32 = 24;
const BLOCK_MASK: u32 = (1 << POSITION_SHIFT) - 1;
/// The positions a one-block set can name (7 bits).
const POSITIONS: usize = 1 << 7;

/// One (principal class, action): the allow and deny set of each category, encoded.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(32))]
pub(crate) struct RowLine {
    /// Per category: `[allow, deny]`.
    sets: [[u32; 2]; 4],
}

/// A pair table's sets, encoded: allow first, allow second, deny first, deny second.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(16))]
struct PairLine {
    sets: [u32; 4],
}

/// One exception slot: key (`(pair slot << 32 | first class) + 1`, 0 for an empty
/// slot) and the exception's allowed and denied second classes, encoded.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(16))]
struct ExceptionSlot {
    key: u64,
    allow: u32,
    deny: u32,
}

/// The check path's layout (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct CheckLayout {
    principal_class: Vec<u32>,
    actions: usize,
    /// Per (principal class, action) slot.
    lines: Vec<RowLine>,
    /// Per pair shape: its rank among the shapes some row uses, or `None`.
    shape_rank: [Option<u8>; 6],
    /// The number of shapes some row uses.
    shapes: usize,
    /// Per (slot, used shape): the pair table's sets (all empty where the row has none).
    pairs: Vec<PairLine>,
    /// Pair exceptions by (pair slot, first class), open addressing.
    exceptions: Vec<ExceptionSlot>,
    /// Per category: its number of classes.
    classes: [u32; 4],
}

fn too_large() -> LoadError {
    LoadError::corrupt("the tables are too large to index")
}

fn slot_of(key: u64, slots: usize) -> usize {
    let mixed = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((u128::from(mixed) * slots as u128) >> 64) as usize
}

fn exception_key(pair_slot: usize, first_class: u32) -> u64 {
    ((pair_slot as u64) << 32 | u64::from(first_class)) + 1
}

/// Encodes sets as the layout stores them, each block list once per length.
struct SetEncoder<'d> {
    classes: [u32; 4],
    lists: &'d [u32],
    /// Encoded sets by list offset: `(length << 32 | encoded + 1)`, 0 when not yet
    /// encoded. Sets are shared, so most lists are read once; a list read as the set of
    /// two categories of different lengths is encoded again for the second.
    memo: Vec<u64>,
}

impl<'d> SetEncoder<'d> {
    fn new(data: &'d DecisionData) -> SetEncoder<'d> {
        SetEncoder {
            classes: data.object_classes,
            lists: &data.block_lists.0,
            memo: vec![0u64; data.block_lists.0.len()],
        }
    }

    /// `set`, a set of category `c`, encoded.
    fn encode(&mut self, set: SetRef, c: Category) -> Result<u32, LoadError> {
        let offset = match set {
            SetRef::Empty => return Ok(EMPTY),
            SetRef::All => return Ok(ALL),
            SetRef::Blocks(offset) => offset,
        };
        let blocks = blocks_for(*c.of(&self.classes));
        let remembered = self.memo.get(offset as usize).copied().unwrap_or(0);
        if remembered != 0 && remembered >> 32 == blocks as u64 {
            return Ok((remembered as u32).wrapping_sub(1));
        }
        let start = offset as usize;
        let list = self
            .lists
            .get(start..start + blocks)
            .ok_or_else(too_large)?;
        let mut used = list.iter().enumerate().filter(|(_, b)| **b != 0);
        let value = match (used.next(), used.next()) {
            (None, _) => EMPTY,
            (Some((position, block)), None) if position < POSITIONS && *block <= BLOCK_MASK => {
                ONE_BLOCK | (position as u32) << POSITION_SHIFT | *block
            }
            _ => match offset.checked_add(FIRST_LIST) {
                Some(v) if v < ONE_BLOCK => v,
                _ => return Err(too_large()),
            },
        };
        if let Some(slot) = self.memo.get_mut(offset as usize) {
            *slot = (blocks as u64) << 32 | u64::from(value.wrapping_add(1));
        }
        Ok(value)
    }
}

/// Per pair shape, its rank among the shapes some row uses (`None`: no row uses it), and
/// the number of shapes used. A shape over a category without objects is never asked by
/// ids (no such id exists; objects given by attributes are decided rule by rule): it gets
/// no lines.
fn rank_shapes(data: &DecisionData) -> ([Option<u8>; 6], usize) {
    let classes = &data.object_classes;
    let mut shape_rank = [None; 6];
    let mut shapes = 0usize;
    for shape in PairShape::ALL {
        let asked = *shape.first().of(classes) > 0 && *shape.second().of(classes) > 0;
        let used = asked
            && data
                .rows
                .iter()
                .any(|r| r.pairs.get(shape.index()).is_some_and(|p| *p != 0));
        if used {
            if let Some(rank) = shape_rank.get_mut(shape.index()) {
                *rank = Some(shapes as u8);
            }
            shapes += 1;
        }
    }
    (shape_rank, shapes)
}

/// Each distinct row's line, encoded once (then copied to every slot that names it).
fn row_lines(data: &DecisionData, encoder: &mut SetEncoder<'_>) -> Result<Vec<RowLine>, LoadError> {
    let mut row_lines = Vec::with_capacity(data.rows.len());
    for row in &data.rows {
        let mut line = RowLine::default();
        for c in Category::ALL {
            *c.of_mut(&mut line.sets) = [
                encoder.encode(*c.of(&row.allow), c)?,
                encoder.encode(*c.of(&row.deny), c)?,
            ];
        }
        row_lines.push(line);
    }
    Ok(row_lines)
}

/// Refuses a layout that would take more than `max_bytes`, counted from the rows before
/// anything is allocated (a crafted row index must not become gigabytes of lines).
fn refuse_oversized(
    data: &DecisionData,
    shape_rank: &[Option<u8>; 6],
    shapes: usize,
    max_bytes: u64,
) -> Result<(), LoadError> {
    let slots = data.row_of.0.len() as u64;
    let mut exceptions_named = 0u64;
    for row in &data.row_of.0 {
        let row = data.rows.get(*row as usize).ok_or_else(too_large)?;
        for shape in PairShape::ALL {
            let ranked = shape_rank.get(shape.index()).copied().flatten().is_some();
            let table = row.pairs.get(shape.index()).and_then(|p| p.checked_sub(1));
            if let (true, Some(table)) = (ranked, table) {
                let table = data.pair_tables.get(table as usize).ok_or_else(too_large)?;
                exceptions_named += u64::from(table.exceptions.len);
            }
        }
    }
    let needed = slots
        .saturating_mul(std::mem::size_of::<RowLine>() as u64)
        .saturating_add(
            slots
                .saturating_mul(shapes as u64)
                .saturating_mul(std::mem::size_of::<PairLine>() as u64),
        )
        .saturating_add(
            exceptions_named.saturating_mul(3 * std::mem::size_of::<ExceptionSlot>() as u64),
        );
    if needed > max_bytes {
        return Err(LoadError::corrupt(
            "the tables would take more memory to index than a file of this size can need",
        ));
    }
    Ok(())
}

/// The per-slot lines: each slot's row line, its pair lines, and the exceptions its pair
/// tables name (keyed by pair slot, not yet placed in their table).
struct SlotLines {
    lines: Vec<RowLine>,
    pairs: Vec<PairLine>,
    named: Vec<ExceptionSlot>,
}

/// Copies the encoded rows to their slots and encodes each pair table and exception
/// once per shape it is named under.
fn slot_lines(
    data: &DecisionData,
    encoder: &mut SetEncoder<'_>,
    row_lines: &[RowLine],
    shape_rank: &[Option<u8>; 6],
    shapes: usize,
) -> Result<SlotLines, LoadError> {
    let slots = data.row_of.0.len();
    // Per pair table and exception: the shape it was encoded for (index + 1, 0: not yet)
    // and its sets; one named under two shapes is encoded for each.
    let mut table_lines = vec![(0usize, PairLine::default()); data.pair_tables.len()];
    let mut exception_sets = vec![(0usize, [EMPTY; 2]); data.pair_exceptions.len()];
    let mut out = SlotLines {
        lines: Vec::with_capacity(slots),
        pairs: vec![PairLine::default(); slots.checked_mul(shapes).ok_or_else(too_large)?],
        named: Vec::new(),
    };
    for (slot, row) in data.row_of.0.iter().enumerate() {
        let line = row_lines.get(*row as usize).ok_or_else(too_large)?;
        out.lines.push(*line);
        let row = data.rows.get(*row as usize).ok_or_else(too_large)?;
        for shape in PairShape::ALL {
            let (Some(rank), Some(id)) = (
                shape_rank.get(shape.index()).copied().flatten(),
                row.pairs.get(shape.index()).and_then(|p| p.checked_sub(1)),
            ) else {
                continue;
            };
            let table = data.pair_tables.get(id as usize).ok_or_else(too_large)?;
            let cached = table_lines.get_mut(id as usize).ok_or_else(too_large)?;
            if cached.0 != shape.index() + 1 {
                let (a, b) = (shape.first(), shape.second());
                let sets = [
                    encoder.encode(table.allow_first, a)?,
                    encoder.encode(table.allow_second, b)?,
                    encoder.encode(table.deny_first, a)?,
                    encoder.encode(table.deny_second, b)?,
                ];
                *cached = (shape.index() + 1, PairLine { sets });
            }
            let pair_slot = slot * shapes + usize::from(rank);
            if let Some(line) = out.pairs.get_mut(pair_slot) {
                *line = cached.1;
            }
            for i in table.exceptions.range() {
                let e = data.pair_exceptions.get(i).ok_or_else(too_large)?;
                let cached = exception_sets.get_mut(i).ok_or_else(too_large)?;
                if cached.0 != shape.index() + 1 {
                    let sets = [
                        encoder.encode(e.allow, shape.second())?,
                        encoder.encode(e.deny, shape.second())?,
                    ];
                    *cached = (shape.index() + 1, sets);
                }
                let [allow, deny] = cached.1;
                out.named.push(ExceptionSlot {
                    key: exception_key(pair_slot, e.first_class),
                    allow,
                    deny,
                });
            }
        }
    }
    Ok(out)
}

/// The exceptions placed in an open-addressing table of twice their number (at least 4).
fn exception_table(named: Vec<ExceptionSlot>) -> Result<Vec<ExceptionSlot>, LoadError> {
    let len = named.len().checked_mul(2).ok_or_else(too_large)?.max(4);
    let mut exceptions = vec![ExceptionSlot::default(); len];
    for entry in named {
        let mut at = slot_of(entry.key, len);
        while exceptions.get(at).is_some_and(|s| s.key != 0) {
            at = if at + 1 == len { 0 } else { at + 1 };
        }
        if let Some(free) = exceptions.get_mut(at) {
            *free = entry;
        }
    }
    Ok(exceptions)
}

impl CheckLayout {
    /// Lays out validated tables (cross-references already checked), refusing to use
    /// more than `max_bytes` for it: the shapes used, each row encoded once, the memory
    /// counted, then the slots' lines and the exception table.
    pub(crate) fn build(
        data: &DecisionData,
        actions: usize,
        max_bytes: u64,
    ) -> Result<CheckLayout, LoadError> {
        let mut encoder = SetEncoder::new(data);
        let (shape_rank, shapes) = rank_shapes(data);
        let row_lines = row_lines(data, &mut encoder)?;
        refuse_oversized(data, &shape_rank, shapes, max_bytes)?;
        let SlotLines {
            lines,
            pairs,
            named,
        } = slot_lines(data, &mut encoder, &row_lines, &shape_rank, shapes)?;
        Ok(CheckLayout {
            principal_class: data.principal_class.clone(),
            actions,
            lines,
            shape_rank,
            shapes,
            pairs,
            exceptions: exception_table(named)?,
            classes: data.object_classes,
        })
    }

    /// The slot of a principal and action (`None` only for ids out of range).
    #[inline]
    pub(crate) fn slot(&self, principal: u32, action: u32) -> Option<usize> {
        let class = *self.principal_class.get(principal as usize)? as usize;
        Some(class * self.actions + action as usize)
    }

    /// Whether encoded `set` of category `c` holds `class`: one read for a set within
    /// one block, two for a block list; a class out of the category's range is in no set.
    #[inline]
    fn contains(&self, store: SetStore<'_>, set: u32, c: Category, class: u32) -> bool {
        if set < FIRST_LIST {
            return set == ALL;
        }
        if class >= *c.of(&self.classes) {
            return false;
        }
        let class = class as usize;
        let block = if set & ONE_BLOCK != 0 {
            if class / BLOCK_BITS != ((set & !ONE_BLOCK) >> POSITION_SHIFT) as usize {
                return false;
            }
            (set & BLOCK_MASK) as usize
        } else {
            match store
                .lists
                .get((set - FIRST_LIST) as usize + class / BLOCK_BITS)
            {
                Some(block) => *block as usize,
                None => return false,
            }
        };
        store
            .blocks
            .get(block * BLOCK_WORDS + (class % BLOCK_BITS) / 64)
            .is_some_and(|w| (w >> (class % 64)) & 1 == 1)
    }

    /// One object of category `c` and class `class`: (allowed, denied).
    #[inline]
    pub(crate) fn single(
        &self,
        store: SetStore<'_>,
        slot: usize,
        c: Category,
        class: u32,
    ) -> (bool, bool) {
        let Some(line) = self.lines.get(slot) else {
            return (false, false);
        };
        let [allow, deny] = *c.of(&line.sets);
        (
            self.contains(store, allow, c, class),
            self.contains(store, deny, c, class),
        )
    }

    /// Two objects: first class `x`, second class `y` of `shape`: (allowed, denied).
    /// The pair line and the exception are found from the slot alone, so both reads are
    /// issued at once, and every set test without waiting on another (`|`, not `||`).
    #[inline]
    pub(crate) fn pair(
        &self,
        store: SetStore<'_>,
        slot: usize,
        shape: PairShape,
        x: u32,
        y: u32,
    ) -> (bool, bool) {
        let Some(rank) = self.shape_rank.get(shape.index()).copied().flatten() else {
            return (false, false);
        };
        let pair_slot = slot * self.shapes + usize::from(rank);
        let exception = self.exception(pair_slot, x);
        let Some(PairLine {
            sets: [allow_first, allow_second, deny_first, deny_second],
        }) = self.pairs.get(pair_slot).copied()
        else {
            return (false, false);
        };
        let (a, b) = (shape.first(), shape.second());
        let (e_allow, e_deny) = exception.map_or((EMPTY, EMPTY), |e| (e.allow, e.deny));
        let allowed = self.contains(store, allow_first, a, x)
            | self.contains(store, allow_second, b, y)
            | self.contains(store, e_allow, b, y);
        let denied = self.contains(store, deny_first, a, x)
            | self.contains(store, deny_second, b, y)
            | self.contains(store, e_deny, b, y);
        (allowed, denied)
    }

    #[inline]
    fn exception(&self, pair_slot: usize, first_class: u32) -> Option<ExceptionSlot> {
        let key = exception_key(pair_slot, first_class);
        let len = self.exceptions.len();
        let mut at = slot_of(key, len);
        for _ in 0..len {
            let slot = *self.exceptions.get(at)?;
            if slot.key == key {
                return Some(slot);
            }
            if slot.key == 0 {
                return None;
            }
            at = if at + 1 == len { 0 } else { at + 1 };
        }
        None
    }

    /// Bytes held.
    pub(crate) fn memory(&self) -> usize {
        use std::mem::size_of;
        self.principal_class.len() * 4
            + self.lines.len() * size_of::<RowLine>()
            + self.pairs.len() * size_of::<PairLine>()
            + self.exceptions.len() * size_of::<ExceptionSlot>()
    }
}
