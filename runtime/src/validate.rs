//! Load-time validation of the decision data ([`crate::decisions::Decisions`] calls it;
//! each other part validates its own data). [`structure`] checks every cross-reference
//! (ids in range, spans inside their arrays, sets sized for their category, sorted
//! indexes), so nothing past it can read out of range. [`rows`] recomputes every decision
//! row from its rules with [`crate::rows`] and requires the stored row to be identical, so
//! that the fast path and the rule-by-rule explanation cannot disagree on any table that
//! loads. Both run in time proportional to the file: [`rows`] spends a budget of block
//! reads and refuses a file that would exceed it.

use std::collections::HashMap;

use crate::category::{Category, PairShape};
use crate::class_set::{blocks_for, DenseSet, SetStore};
use crate::decision_data::{DecisionData, Limits};
use crate::error::LoadError;
use crate::rows::{PairScratch, RuleView, Work};
use crate::schema::{PairTableData, RuleData, SetRef, Span, BLOCK_WORDS};

fn corrupt(why: impl Into<String>) -> LoadError {
    LoadError::corrupt(why)
}

fn span_ok(span: Span, len: usize) -> bool {
    (span.start as usize)
        .checked_add(span.len as usize)
        .is_some_and(|end| end <= len)
}

/// What a set reference is checked against: the categories' class counts and the block
/// lists.
struct Sets<'a> {
    classes: [u32; 4],
    lists: &'a [u32],
}

impl Sets<'_> {
    fn check(&self, set: SetRef, category: Category, what: &str) -> Result<(), LoadError> {
        if let SetRef::Blocks(offset) = set {
            let needed = blocks_for(*category.of(&self.classes));
            let start = offset as usize;
            let fits = start
                .checked_add(needed)
                .is_some_and(|end| end <= self.lists.len());
            if !fits || needed == 0 {
                return Err(corrupt(format!(
                    "{what} names a {category} set out of range"
                )));
            }
        }
        Ok(())
    }
}

/// A category's object classes: one per object, each in range.
fn object_classes(c: Category, d: &DecisionData, objects: usize) -> Result<(), LoadError> {
    let classes = *c.of(&d.object_classes);
    let of = &c.of(&d.object_class).0;
    if of.len() != objects {
        return Err(corrupt(format!("{c}s and their classes differ in number")));
    }
    if classes as usize > objects {
        return Err(corrupt(format!("more {c} classes than {c}s")));
    }
    if of.iter().any(|k| *k >= classes) {
        return Err(corrupt(format!("a {c} names a class out of range")));
    }
    Ok(())
}

/// Checks every cross-reference; after this nothing can be read out of range. In order:
/// classes, the block store, rules, entries, rows (with the pair tables they name), and
/// the row index.
pub(crate) fn structure(d: &DecisionData, limits: &Limits<'_>) -> Result<(), LoadError> {
    classes(d, limits)?;
    let sets = block_store(d)?;
    for (r, rule) in d.rules.iter().enumerate() {
        rule_refers(r, rule, &sets, limits)?;
    }
    entries(d, limits)?;
    rows_refer(d, &sets, limits.globals)?;
    row_index(d, limits.actions)
}

/// Principal classes in range and fewer than principals; each category's object classes.
fn classes(d: &DecisionData, limits: &Limits<'_>) -> Result<(), LoadError> {
    if d.principal_class.iter().any(|c| *c >= d.classes) {
        return Err(corrupt("a principal names a class out of range"));
    }
    if d.classes as usize > d.principal_class.len() {
        return Err(corrupt("more principal classes than principals"));
    }
    for c in Category::ALL {
        object_classes(c, d, *c.of(&limits.objects))?;
    }
    Ok(())
}

/// Whole blocks, block 0 empty, block lists naming blocks in range: the sets' store.
fn block_store(d: &DecisionData) -> Result<Sets<'_>, LoadError> {
    if !d.blocks.0.len().is_multiple_of(BLOCK_WORDS) {
        return Err(corrupt("the blocks are not whole"));
    }
    let blocks = d.blocks.0.len() / BLOCK_WORDS;
    if d.blocks.0.iter().take(BLOCK_WORDS).any(|w| *w != 0) {
        return Err(corrupt("block 0 is not empty"));
    }
    if d.block_lists.0.iter().any(|b| *b as usize >= blocks) {
        return Err(corrupt("a set names a block out of range"));
    }
    Ok(Sets {
        classes: d.object_classes,
        lists: &d.block_lists.0,
    })
}

/// Rule `r`: its permission, unit and bits in range, no deny narrowed the way compilers
/// before issue 20 narrowed them, and per category a set and predicate that fit.
fn rule_refers(
    r: usize,
    rule: &RuleData,
    sets: &Sets<'_>,
    limits: &Limits<'_>,
) -> Result<(), LoadError> {
    let globals = limits.globals;
    if rule.permission as usize >= limits.permissions || rule.unit as usize >= limits.units {
        return Err(corrupt(format!(
            "rule {r} names a permission or unit out of range"
        )));
    }
    if rule.required >= 16 || (globals < 64 && rule.globals >> globals != 0) {
        return Err(corrupt(format!("rule {r} has bits out of range")));
    }
    if rule.deny
        && rule.objects
        && Category::ALL.into_iter().any(|c| {
            let narrowed = c
                .of(&rule.predicates)
                .and_then(|p| limits.narrowed_predicates.get(p as usize))
                .is_some_and(|narrowed| *narrowed);
            narrowed
                || (rule.required & c.bit() == 0
                    && (*c.of(&rule.sets) != SetRef::All || c.of(&rule.predicates).is_some()))
        })
    {
        // Compilers before issue 20 narrowed denies by `agents`/`tags`, over configs
        // and components the deny did not name too, so that naming one more object
        // could make a deny stop matching.
        return Err(corrupt(format!(
            "rule {r} is a deny narrowed by `agents`/`tags` or constraining a category it does not name (tables from an older compiler: compile the policy again)"
        )));
    }
    for c in Category::ALL {
        let set = *c.of(&rule.sets);
        sets.check(set, c, "a rule")?;
        match (set, c.of(&rule.predicates)) {
            (SetRef::All, None) => {}
            (_, Some(p)) if set != SetRef::All && (*p as usize) < limits.predicates => {}
            _ => {
                return Err(corrupt(format!(
                    "rule {r} has a predicate that does not fit its {c} set"
                )))
            }
        }
    }
    Ok(())
}

/// Entries sorted and unique by (unit, action), in range, naming rules of their unit.
fn entries(d: &DecisionData, limits: &Limits<'_>) -> Result<(), LoadError> {
    let mut previous: Option<(u32, u32)> = None;
    for e in &d.entries {
        if e.unit as usize >= limits.units || e.action as usize >= limits.actions {
            return Err(corrupt("an entry names a unit or action out of range"));
        }
        if previous.is_some_and(|p| p >= (e.unit, e.action)) {
            return Err(corrupt("entries are not sorted and unique"));
        }
        previous = Some((e.unit, e.action));
        if !span_ok(e.rules, d.entry_rules.0.len()) {
            return Err(corrupt("an entry's rules are out of range"));
        }
        for r in d.entry_rules.0.get(e.rules.range()).unwrap_or(&[]) {
            match d.rules.get(*r as usize) {
                Some(rule) if rule.unit == e.unit => {}
                _ => {
                    return Err(corrupt(
                        "an entry names a rule out of range or of another unit",
                    ))
                }
            }
        }
    }
    Ok(())
}

/// Rows: entries, sets and global bits in range, and each pair table a row names
/// checked once per shape it is named under.
fn rows_refer(d: &DecisionData, sets: &Sets<'_>, globals: usize) -> Result<(), LoadError> {
    if d.row_entries
        .0
        .iter()
        .any(|e| *e as usize >= d.entries.len())
    {
        return Err(corrupt("a row names an entry out of range"));
    }
    let mut checked_pairs = vec![0u8; d.pair_tables.len()];
    for row in &d.rows {
        if !span_ok(row.entries, d.row_entries.0.len()) {
            return Err(corrupt("a row's entries are out of range"));
        }
        for c in Category::ALL {
            sets.check(*c.of(&row.allow), c, "a row")?;
            sets.check(*c.of(&row.deny), c, "a row")?;
        }
        if globals < 64 && (row.allow_globals | row.deny_globals) >> globals != 0 {
            return Err(corrupt("a row has global bits out of range"));
        }
        for shape in PairShape::ALL {
            let id = row.pairs.get(shape.index()).copied().unwrap_or(0);
            if id == 0 {
                continue;
            }
            let slot = checked_pairs
                .get_mut(id as usize - 1)
                .ok_or_else(|| corrupt("a row names a pair table out of range"))?;
            let bit = 1u8 << shape.index();
            if *slot & bit == 0 {
                let table = d
                    .pair_tables
                    .get(id as usize - 1)
                    .ok_or_else(|| corrupt("a pair table is missing"))?;
                pair_table(d, sets, table, shape)?;
                *slot |= bit;
            }
        }
    }
    Ok(())
}

/// The row index: one row per (principal class, action), each in range.
fn row_index(d: &DecisionData, actions: usize) -> Result<(), LoadError> {
    let expected = (d.classes as usize)
        .checked_mul(actions)
        .ok_or_else(|| corrupt("too many classes and actions"))?;
    if d.row_of.0.len() != expected {
        return Err(corrupt(
            "the row index does not cover every class and action",
        ));
    }
    if d.row_of.0.iter().any(|r| *r as usize >= d.rows.len()) {
        return Err(corrupt("the row index names a row out of range"));
    }
    Ok(())
}

fn pair_table(
    d: &DecisionData,
    sets: &Sets<'_>,
    table: &PairTableData,
    shape: PairShape,
) -> Result<(), LoadError> {
    let (a, b) = (shape.first(), shape.second());
    sets.check(table.allow_first, a, "a pair table")?;
    sets.check(table.deny_first, a, "a pair table")?;
    sets.check(table.allow_second, b, "a pair table")?;
    sets.check(table.deny_second, b, "a pair table")?;
    if !span_ok(table.exceptions, d.pair_exceptions.len()) {
        return Err(corrupt("a pair table's exceptions are out of range"));
    }
    let classes = *a.of(&d.object_classes);
    let mut previous: Option<u32> = None;
    for e in d
        .pair_exceptions
        .get(table.exceptions.range())
        .unwrap_or(&[])
    {
        if e.first_class >= classes || previous.is_some_and(|p| p >= e.first_class) {
            return Err(corrupt("pair exceptions are out of range or not sorted"));
        }
        previous = Some(e.first_class);
        sets.check(e.allow, b, "a pair exception")?;
        sets.check(e.deny, b, "a pair exception")?;
    }
    Ok(())
}

/// Recomputes every row from its rules and requires the stored one to be identical.
pub(crate) fn rows(d: &DecisionData, budget: u64) -> Result<(), LoadError> {
    let view = RuleView {
        rules: &d.rules,
        entries: &d.entries,
        entry_rules: &d.entry_rules.0,
        classes: d.object_classes,
        store: SetStore {
            blocks: &d.blocks.0,
            lists: &d.block_lists.0,
        },
    };
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let threads = if d.rows.len() < 4096 { 1 } else { threads };
    let chunk = d.rows.len().div_ceil(threads).max(1);
    let results: Vec<Result<(), LoadError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = d
            .rows
            .chunks(chunk)
            .map(|rows| {
                let share = budget / threads as u64;
                scope.spawn(move || {
                    let mut work = Work::budget(share);
                    // Pair tables proven equal to the content of a list of rules: a row
                    // whose pair rules are the same list and which names the same table
                    // needs no recomputation (rows share pair rules far more than rules).
                    let mut proven: HashMap<(usize, Vec<u32>), u32, BuildRuleListHasher> =
                        HashMap::with_capacity_and_hasher(rows.len(), Default::default());
                    // Scratch reused by every row: validation allocates per distinct
                    // pair table, not per row.
                    let mut indexed: Vec<(u32, &RuleData)> = Vec::new();
                    let mut rules: Vec<&RuleData> = Vec::new();
                    let mut key: (usize, Vec<u32>) = (0, Vec::new());
                    let mut content = view.singles(&[], &mut Work::unlimited())?;
                    // One scratch per shape: its sets keep their sizes between rows.
                    let mut pairs: [PairScratch; 6] = Default::default();
                    for row in rows {
                        let entries = d.row_entries.0.get(row.entries.range()).unwrap_or(&[]);
                        indexed.clear();
                        indexed.extend(view.rules_of(entries));
                        rules.clear();
                        rules.extend(indexed.iter().map(|(_, r)| *r));
                        view.singles_into(&rules, &mut work, &mut content)?;
                        if !stored_singles_equal(&view, row, &content) {
                            return Err(mismatch());
                        }
                        for shape in PairShape::ALL {
                            let stored = row.pairs.get(shape.index()).copied().unwrap_or(0);
                            key.0 = shape.index();
                            RuleView::pair_rules_into(&indexed, shape, &mut key.1);
                            work.spend(key.1.len())?;
                            if proven.get(&key) == Some(&stored) {
                                continue;
                            }
                            let pair = pairs
                                .get_mut(shape.index())
                                .ok_or_else(|| corrupt("a pair shape out of range"))?;
                            let applies = view.pair_into(&rules, shape, &mut work, pair)?;
                            if !stored_pair_equals(d, &view, stored, applies.then_some(&*pair)) {
                                return Err(mismatch());
                            }
                            proven.insert(key.clone(), stored);
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(corrupt("row validation failed")))
            })
            .collect()
    });
    results.into_iter().collect()
}

/// A multiplicative hasher for the proof cache's keys (short lists of rule indexes from
/// a file already validated for structure): SipHash's flood resistance buys nothing there
/// and costs a twentieth of the load.
#[derive(Default)]
struct RuleListHasher(u64);

impl std::hash::Hasher for RuleListHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type BuildRuleListHasher = std::hash::BuildHasherDefault<RuleListHasher>;

fn mismatch() -> LoadError {
    corrupt("a decision row does not match the rules it was computed from")
}

/// The one-object sets, global objects and unscoped flags of a stored row against those
/// computed from its rules.
fn stored_singles_equal(
    view: &RuleView<'_>,
    row: &crate::schema::RowData,
    content: &crate::rows::RowContent,
) -> bool {
    Category::ALL.iter().all(|c| {
        view.store.equals(*c.of(&row.allow), c.of(&content.allow))
            && view.store.equals(*c.of(&row.deny), c.of(&content.deny))
    }) && row.allow_globals == content.allow_globals
        && row.deny_globals == content.deny_globals
        && row.allow_unscoped == content.allow_unscoped
        && row.deny_unscoped == content.deny_unscoped
}

/// A stored pair table reference (0: none) against the content computed for it.
fn stored_pair_equals(
    d: &DecisionData,
    view: &RuleView<'_>,
    stored: u32,
    computed: Option<&PairScratch>,
) -> bool {
    match (stored, computed) {
        (0, None) => true,
        (0, Some(_)) | (_, None) => false,
        (id, Some(computed)) => d
            .pair_tables
            .get(id as usize - 1)
            .is_some_and(|t| pair_equals(d, view, t, computed)),
    }
}

fn pair_equals(
    d: &DecisionData,
    view: &RuleView<'_>,
    table: &PairTableData,
    computed: &PairScratch,
) -> bool {
    let equals = |set: SetRef, dense: &DenseSet| view.store.equals(set, dense);
    if !equals(table.allow_first, &computed.allow_first)
        || !equals(table.deny_first, &computed.deny_first)
        || !equals(table.allow_second, &computed.allow_second)
        || !equals(table.deny_second, &computed.deny_second)
    {
        return false;
    }
    let stored = d
        .pair_exceptions
        .get(table.exceptions.range())
        .unwrap_or(&[]);
    stored.len() == computed.exceptions().count()
        && stored
            .iter()
            .zip(computed.exceptions())
            .all(|(s, (x, allow, deny))| {
                s.first_class == x && equals(s.allow, allow) && equals(s.deny, deny)
            })
}
