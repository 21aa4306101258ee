//! Sets of object classes: how rules, rows and pair tables say which objects they cover.
//!
//! A stored set is [`SetRef::Empty`], [`SetRef::All`], or a list of block ids, one per 512
//! classes of its category; a block is 512 bits in one cache line, shared by every set
//! that has the same bits there (block 0 is all zeros). Testing a class reads the list
//! entry and one word of the block: two memory reads whatever the set.
//!
//! [`DenseSet`] is the working form (a plain bitset over the category's classes) used to
//! compute sets, and [`SetPool`] interns dense sets into blocks and lists.

use crate::schema::{SetRef, BLOCK_BITS, BLOCK_WORDS};

/// Read access to stored sets.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SetStore<'a> {
    pub blocks: &'a [u64],
    pub lists: &'a [u32],
}

/// The number of blocks a set over `classes` classes lists.
pub(crate) fn blocks_for(classes: u32) -> usize {
    (classes as usize).div_ceil(BLOCK_BITS)
}

impl SetStore<'_> {
    /// Whether `class` is in `set`. Out-of-range reads (impossible after validation)
    /// answer `false`, so a bug denies rather than panics.
    #[inline]
    pub fn contains(&self, set: SetRef, class: u32) -> bool {
        match set {
            SetRef::Empty => false,
            SetRef::All => true,
            SetRef::Blocks(offset) => {
                let class = class as usize;
                let Some(block) = self.lists.get(offset as usize + class / BLOCK_BITS) else {
                    return false;
                };
                let word = *block as usize * BLOCK_WORDS + (class % BLOCK_BITS) / 64;
                self.blocks
                    .get(word)
                    .is_some_and(|w| (w >> (class % 64)) & 1 == 1)
            }
        }
    }

    /// ORs `set` into `dense`; returns the number of blocks read (the work done).
    pub(crate) fn or_into(&self, dense: &mut DenseSet, set: SetRef) -> usize {
        match set {
            SetRef::Empty => 0,
            SetRef::All => {
                dense.fill();
                1
            }
            SetRef::Blocks(offset) => {
                let blocks = dense.words.len().div_ceil(BLOCK_WORDS);
                let start = offset as usize;
                let Some(list) = self.lists.get(start..start + blocks) else {
                    return 0;
                };
                for (b, block) in list.iter().enumerate() {
                    if *block == 0 {
                        continue;
                    }
                    let from = *block as usize * BLOCK_WORDS;
                    let Some(source) = self.blocks.get(from..from + BLOCK_WORDS) else {
                        continue;
                    };
                    let target = dense
                        .words
                        .iter_mut()
                        .skip(b * BLOCK_WORDS)
                        .take(BLOCK_WORDS);
                    for (t, s) in target.zip(source) {
                        *t |= *s;
                    }
                    dense.mark(b);
                }
                dense.trim();
                blocks
            }
        }
        .max(1)
    }

    /// Whether `set` holds exactly the classes of `dense` (what `self.dense(set,
    /// dense.classes) == *dense` says, without building the dense form).
    pub(crate) fn equals(&self, set: SetRef, dense: &DenseSet) -> bool {
        match set {
            SetRef::Empty => dense.is_empty(),
            SetRef::All => {
                let mut full = true;
                let last = dense.words.len().saturating_sub(1);
                let rest = dense.classes % 64;
                for (i, w) in dense.words.iter().enumerate() {
                    let want = if i == last && rest != 0 {
                        (1u64 << rest) - 1
                    } else {
                        u64::MAX
                    };
                    full &= *w == want;
                }
                full
            }
            SetRef::Blocks(offset) => {
                let blocks = dense.words.len().div_ceil(BLOCK_WORDS);
                let start = offset as usize;
                let Some(list) = self.lists.get(start..start + blocks) else {
                    return dense.is_empty();
                };
                let rest = dense.classes % 64;
                let words = dense.words.len();
                dense
                    .words
                    .chunks(BLOCK_WORDS)
                    .zip(list)
                    .enumerate()
                    .all(|(b, (chunk, block))| {
                        // A block the set never touched is all zeros: block 0 matches
                        // without reading a word.
                        if *block == 0 && !dense.is_touched(b) {
                            return true;
                        }
                        let from = *block as usize * BLOCK_WORDS;
                        let source = match *block {
                            0 => None,
                            _ => self
                                .blocks
                                .get(from..from + BLOCK_WORDS)
                                .and_then(|block| block.get(..chunk.len())),
                        };
                        let Some(source) = source else {
                            return chunk.iter().all(|w| *w == 0);
                        };
                        // Only the category's last word may hold bits past its classes,
                        // which the dense form never has: mask them there.
                        if (b + 1) * BLOCK_WORDS >= words && rest != 0 {
                            let (head, tail) = chunk.split_at(chunk.len() - 1);
                            let (shead, stail) = source.split_at(source.len() - 1);
                            head == shead
                                && tail.first().copied().unwrap_or(0)
                                    == stail.first().copied().unwrap_or(0) & ((1u64 << rest) - 1)
                        } else {
                            chunk == source
                        }
                    })
            }
        }
    }

    /// The set as a dense bitset over `classes` classes.
    pub(crate) fn dense(&self, set: SetRef, classes: u32) -> DenseSet {
        let mut dense = DenseSet::empty(classes);
        self.or_into(&mut dense, set);
        dense
    }

    /// Every class of `set`, in order, read from the blocks without a dense copy.
    pub(crate) fn members(&self, set: SetRef, classes: u32) -> impl Iterator<Item = u32> + '_ {
        let blocks = blocks_for(classes);
        let list: &[u32] = match set {
            SetRef::Blocks(offset) => self
                .lists
                .get(offset as usize..offset as usize + blocks)
                .unwrap_or(&[]),
            _ => &[],
        };
        let all = (set == SetRef::All).then_some(0..classes);
        let listed = list.iter().enumerate().flat_map(move |(b, block)| {
            let from = *block as usize * BLOCK_WORDS;
            let words = if *block == 0 {
                &[][..]
            } else {
                self.blocks.get(from..from + BLOCK_WORDS).unwrap_or(&[])
            };
            words.iter().enumerate().flat_map(move |(i, w)| {
                let base = (b * BLOCK_BITS + i * 64) as u32;
                let mut rest = *w;
                std::iter::from_fn(move || {
                    (rest != 0).then(|| {
                        let bit = rest.trailing_zeros();
                        rest &= rest - 1;
                        base + bit
                    })
                })
            })
        });
        all.into_iter()
            .flatten()
            .chain(listed.filter(move |c| *c < classes))
    }
}

/// A plain bitset over the classes of one category, which remembers the blocks (of
/// [`BLOCK_WORDS`] words) it may have bits in: clearing it, testing it for emptiness and
/// comparing it with a stored set then cost the blocks it uses, not its whole width
/// (row validation does all three for every row, over categories of a million objects).
#[derive(Clone, Debug, Default)]
pub struct DenseSet {
    classes: u32,
    words: Vec<u64>,
    /// One bit per block; every word of a block whose bit is clear is zero.
    touched: Vec<u64>,
}

impl PartialEq for DenseSet {
    fn eq(&self, other: &DenseSet) -> bool {
        self.classes == other.classes && self.words == other.words
    }
}

impl Eq for DenseSet {}

impl std::hash::Hash for DenseSet {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.classes.hash(state);
        self.words.hash(state);
    }
}

impl DenseSet {
    /// No class of `classes`.
    pub fn empty(classes: u32) -> DenseSet {
        let words = (classes as usize).div_ceil(64);
        DenseSet {
            classes,
            words: vec![0; words],
            touched: vec![0; words.div_ceil(BLOCK_WORDS).div_ceil(64)],
        }
    }

    /// Every class.
    #[cfg(feature = "build")]
    pub fn full(classes: u32) -> DenseSet {
        let mut set = DenseSet::empty(classes);
        set.fill();
        set
    }

    /// Empties the set and makes it one over `classes` classes (reusing its memory).
    pub fn reset(&mut self, classes: u32) {
        if classes == self.classes && self.words.len() == (classes as usize).div_ceil(64) {
            self.clear();
        } else {
            *self = DenseSet::empty(classes);
        }
    }

    fn mark(&mut self, block: usize) {
        if let Some(t) = self.touched.get_mut(block / 64) {
            *t |= 1 << (block % 64);
        }
    }

    /// Whether block `block` may hold a class.
    fn is_touched(&self, block: usize) -> bool {
        self.touched
            .get(block / 64)
            .is_some_and(|t| (t >> (block % 64)) & 1 == 1)
    }

    /// The words of every block that may hold a class.
    fn touched_words(&self) -> impl Iterator<Item = &[u64]> + '_ {
        self.words
            .chunks(BLOCK_WORDS)
            .enumerate()
            .filter(|(b, _)| self.is_touched(*b))
            .map(|(_, words)| words)
    }

    /// Removes every class.
    pub fn clear(&mut self) {
        for (i, mask) in self.touched.iter_mut().enumerate() {
            let mut rest = *mask;
            while rest != 0 {
                let block = i * 64 + rest.trailing_zeros() as usize;
                rest &= rest - 1;
                let from = block * BLOCK_WORDS;
                let to = (from + BLOCK_WORDS).min(self.words.len());
                if let Some(words) = self.words.get_mut(from..to) {
                    words.fill(0);
                }
            }
            *mask = 0;
        }
    }

    /// Sets every class.
    pub fn fill(&mut self) {
        for w in &mut self.words {
            *w = u64::MAX;
        }
        self.trim();
        for b in 0..self.words.len().div_ceil(BLOCK_WORDS) {
            self.mark(b);
        }
    }

    fn trim(&mut self) {
        let rest = self.classes % 64;
        if rest != 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= (1u64 << rest) - 1;
            }
        }
    }

    /// Adds one class.
    pub fn insert(&mut self, class: u32) {
        if class < self.classes {
            if let Some(w) = self.words.get_mut(class as usize / 64) {
                *w |= 1 << (class % 64);
                self.mark(class as usize / BLOCK_BITS);
            }
        }
    }

    /// Whether `class` is in the set.
    pub fn contains(&self, class: u32) -> bool {
        self.words
            .get(class as usize / 64)
            .is_some_and(|w| (w >> (class % 64)) & 1 == 1)
    }

    /// Adds every class of `other` (of the same category).
    #[cfg_attr(not(feature = "build"), allow(dead_code))]
    pub fn union_with(&mut self, other: &DenseSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= *b;
        }
        for (a, b) in self.touched.iter_mut().zip(&other.touched) {
            *a |= *b;
        }
    }

    /// Removes every class of `other`.
    pub fn subtract(&mut self, other: &DenseSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= !*b;
        }
    }

    /// Keeps only classes of `other`.
    #[cfg(feature = "build")]
    pub fn intersect(&mut self, other: &DenseSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= *b;
        }
    }

    /// True when no class is set.
    pub fn is_empty(&self) -> bool {
        self.touched_words()
            .all(|words| words.iter().all(|w| *w == 0))
    }

    /// True when every class is set.
    #[cfg(feature = "build")]
    pub fn is_full(&self) -> bool {
        *self == DenseSet::full(self.classes)
    }

    /// The number of classes set.
    #[cfg(feature = "build")]
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The classes set, in order.
    #[cfg_attr(not(feature = "build"), allow(dead_code))]
    pub fn into_members(self) -> impl Iterator<Item = u32> {
        self.words.into_iter().enumerate().flat_map(|(i, w)| {
            let mut rest = w;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    i as u32 * 64 + bit
                })
            })
        })
    }

    /// The words, for interning.
    #[cfg_attr(not(feature = "build"), allow(dead_code))]
    pub fn words(&self) -> &[u64] {
        &self.words
    }
}

/// Interns dense sets into shared blocks and block lists (the compiler's side).
#[cfg(feature = "build")]
#[derive(Debug)]
pub struct SetPool {
    pub(crate) blocks: Vec<u64>,
    block_ids: foldhash::HashMap<[u64; BLOCK_WORDS], u32>,
    pub(crate) lists: Vec<u32>,
    list_ids: foldhash::HashMap<Vec<u32>, u32>,
    /// The id of the all-zero block once stored (most blocks of a sparse set are it).
    zero: Option<u32>,
    /// The block list being interned, reused.
    list: Vec<u32>,
}

#[cfg(feature = "build")]
impl Default for SetPool {
    fn default() -> Self {
        let mut pool = SetPool {
            blocks: Vec::new(),
            block_ids: Default::default(),
            lists: Vec::new(),
            list_ids: Default::default(),
            zero: None,
            list: Vec::new(),
        };
        pool.block([0; BLOCK_WORDS]);
        pool
    }
}

#[cfg(feature = "build")]
impl SetPool {
    /// A pool holding a table's stored blocks and block lists, so that sets interned
    /// later are added beside them (a block already stored is shared; block lists are
    /// appended, since a list's length is known only from the set that names it).
    pub fn from_stored(blocks: Vec<u64>, lists: Vec<u32>) -> SetPool {
        let mut pool = SetPool {
            blocks: Vec::with_capacity(blocks.len()),
            block_ids: Default::default(),
            lists,
            list_ids: Default::default(),
            zero: None,
            list: Vec::new(),
        };
        for chunk in blocks.chunks(BLOCK_WORDS) {
            let mut words = [0u64; BLOCK_WORDS];
            for (w, c) in words.iter_mut().zip(chunk) {
                *w = *c;
            }
            let next = (pool.blocks.len() / BLOCK_WORDS) as u32;
            // Every stored block keeps its id (a duplicate block too: lists name it).
            pool.blocks.extend_from_slice(&words);
            pool.block_ids.entry(words).or_insert(next);
        }
        if pool.blocks.is_empty() {
            pool.block([0; BLOCK_WORDS]);
        }
        pool
    }

    fn block(&mut self, words: [u64; BLOCK_WORDS]) -> u32 {
        let zero = words == [0; BLOCK_WORDS];
        if let (true, Some(id)) = (zero, self.zero) {
            return id;
        }
        let next = (self.blocks.len() / BLOCK_WORDS) as u32;
        let id = *self.block_ids.entry(words).or_insert_with(|| {
            self.blocks.extend_from_slice(&words);
            next
        });
        if zero {
            self.zero = Some(id);
        }
        id
    }

    /// The stored form of a dense set: `Empty` when nothing is set, else its blocks.
    pub fn intern(&mut self, set: &DenseSet) -> SetRef {
        if set.is_empty() {
            return SetRef::Empty;
        }
        let mut list = std::mem::take(&mut self.list);
        list.clear();
        for (b, chunk) in set.words.chunks(BLOCK_WORDS).enumerate() {
            let mut words = [0u64; BLOCK_WORDS];
            // A block the set never touched is zero: no copy, no hash.
            if set.is_touched(b) {
                for (w, c) in words.iter_mut().zip(chunk) {
                    *w = *c;
                }
            }
            list.push(self.block(words));
        }
        let interned = match self.list_ids.get(list.as_slice()) {
            Some(offset) => SetRef::Blocks(*offset),
            None => {
                let offset = self.lists.len() as u32;
                self.lists.extend_from_slice(&list);
                self.list_ids.insert(list.clone(), offset);
                SetRef::Blocks(offset)
            }
        };
        self.list = list;
        interned
    }

    /// Read access to what is interned so far.
    pub(crate) fn store(&self) -> SetStore<'_> {
        SetStore {
            blocks: &self.blocks,
            lists: &self.lists,
        }
    }
}

#[cfg(all(test, feature = "build"))]
mod tests {
    use super::*;

    #[test]
    fn interned_sets_answer_like_their_dense_form() {
        let classes = 1300;
        let mut pool = SetPool::default();
        let mut a = DenseSet::empty(classes);
        for c in [0, 1, 511, 512, 1299] {
            a.insert(c);
        }
        let b = DenseSet::full(classes);
        let (ra, rb) = (pool.intern(&a), pool.intern(&b));
        let again = pool.intern(&a);
        assert_eq!(ra, again, "identical sets share storage");
        assert_eq!(pool.intern(&DenseSet::empty(classes)), SetRef::Empty);
        let store = pool.store();
        for c in 0..classes {
            assert_eq!(store.contains(ra, c), a.contains(c), "class {c}");
            assert!(store.contains(rb, c));
        }
        assert!(!store.contains(ra, classes + 5));
        assert_eq!(store.dense(ra, classes), a);
        for (set, dense) in [(ra, &a), (rb, &b)] {
            assert!(store.equals(set, dense));
        }
        assert!(!store.equals(ra, &b) && !store.equals(rb, &a));
        assert!(store.equals(SetRef::All, &b) && !store.equals(SetRef::All, &a));
        assert!(store.equals(SetRef::Empty, &DenseSet::empty(classes)));
        assert!(!store.equals(SetRef::Empty, &a));
        assert_eq!(
            store.members(ra, classes).collect::<Vec<_>>(),
            vec![0, 1, 511, 512, 1299]
        );
        assert!(b.is_full() && !a.is_full() && a.count() == 5);
    }

    #[test]
    fn a_reused_set_forgets_its_blocks_and_still_compares_exactly() {
        let classes = 2000;
        let mut pool = SetPool::default();
        let mut a = DenseSet::empty(classes);
        a.insert(1999);
        a.insert(3);
        let stored = pool.intern(&a);
        // A crafted all-zero block under a non-zero id still reads as empty.
        let zero_id = (pool.blocks.len() / BLOCK_WORDS) as u32;
        pool.blocks.extend_from_slice(&[0; BLOCK_WORDS]);
        let offset = pool.lists.len() as u32;
        pool.lists.extend_from_slice(&[zero_id, 0, 0, 0]);
        let crafted_empty = SetRef::Blocks(offset);
        let store = pool.store();
        let mut scratch = DenseSet::empty(classes);
        store.or_into(&mut scratch, stored);
        assert!(store.equals(stored, &scratch) && scratch == a);
        scratch.clear();
        assert!(scratch.is_empty() && scratch == DenseSet::empty(classes));
        assert!(store.equals(crafted_empty, &scratch));
        assert!(!store.equals(stored, &scratch));
        scratch.insert(1000);
        assert!(!store.equals(crafted_empty, &scratch));
        scratch.reset(classes);
        assert!(scratch.is_empty());
        scratch.fill();
        assert!(scratch.is_full());
        scratch.subtract(&DenseSet::full(classes));
        assert!(scratch.is_empty(), "a touched block may be empty");
        scratch.reset(10);
        scratch.insert(9);
        assert_eq!(scratch.clone().into_members().collect::<Vec<_>>(), vec![9]);
    }
}
