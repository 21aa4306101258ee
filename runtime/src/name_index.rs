//! Name -> id lookup for the by-strings check path: a flat open-addressing table built at
//! load (one per kind of name, held by [`crate::names::Names`]). A lookup hashes the name
//! once and reads one 32-byte slot (the hash tag, the id, and the name itself when it has
//! at most 23 bytes, else where it is stored), then compares the name's bytes: one cache
//! line for the common short name, two for a long one, no allocation.
//!
//! Keys are fixed at load and a request can only look keys up, so probing stays short
//! (load factor at most 2/3) whatever names requests bring.

use crate::schema::NameList;

const EMPTY: u32 = 0;

#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(32))]
struct Slot {
    /// Low bits of the name's hash, with bit 0 forced on; 0 marks an empty slot.
    tag: u32,
    value: u32,
    /// The name's length when it is stored inline (at most [`INLINE`]), else [`LONG`].
    len: u8,
    /// An inline name's bytes; for a long name, its place in the arenas: `start` (bytes
    /// 0..4) and `len` (bytes 4..8, the top bit saying which of the two arenas).
    bytes: [u8; INLINE],
}

/// The longest name a slot holds inline.
const INLINE: usize = 23;
/// [`Slot::len`] of a name stored in the arenas.
const LONG: u8 = u8::MAX;

impl Slot {
    fn new(tag: u32, value: u32, name: &str, start: u32, len: u32) -> Slot {
        let mut slot = Slot {
            tag,
            value,
            len: LONG,
            bytes: [0; INLINE],
        };
        match slot.bytes.get_mut(..name.len()) {
            Some(inline) if name.len() <= INLINE => {
                inline.copy_from_slice(name.as_bytes());
                slot.len = name.len() as u8;
            }
            _ => {
                let (head, rest) = slot.bytes.split_at_mut(4);
                head.copy_from_slice(&start.to_le_bytes());
                if let Some(l) = rest.get_mut(..4) {
                    l.copy_from_slice(&len.to_le_bytes());
                }
            }
        }
        slot
    }

    /// Whether this slot holds `name` (its tag already compared).
    #[inline]
    fn holds(&self, arenas: [&NameList; 2], name: &str) -> bool {
        if self.len != LONG {
            return usize::from(self.len) == name.len()
                && self
                    .bytes
                    .get(..name.len())
                    .is_some_and(|b| same_bytes(b, name.as_bytes()));
        }
        stored(arenas, self).is_some_and(|s| same_bytes(s.as_bytes(), name.as_bytes()))
    }
}

const SECOND_ARENA: u32 = 1 << 31;

/// The hash of a name: word-at-a-time multiply-rotate, finished with the splitmix64
/// mixer so that every input bit reaches the bits used for the slot and the tag.
pub(crate) fn hash(name: &str) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes = name.as_bytes();
    let mut h: u64 = 0x243F_6A88_85A3_08D3 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    h = (h.rotate_left(23) ^ tail(bytes, chunks.remainder())).wrapping_mul(K);
    h ^= h >> 30;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

/// An open-addressing index from names (held in one or two [`NameList`] arenas) to `u32`
/// values.
/// The last bytes of a name as one word, read with whole-word loads: the last eight
/// bytes (overlapping the chunks before) when there are eight, else two overlapping
/// four-byte loads, else the bytes one by one. Copying the remainder into a buffer
/// instead costs a library call and a store-forwarding stall on every lookup.
fn tail(bytes: &[u8], remainder: &[u8]) -> u64 {
    let word = |b: &[u8]| -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        u64::from_le_bytes(w)
    };
    let half = |b: &[u8]| -> u64 {
        let mut w = [0u8; 4];
        w.copy_from_slice(b);
        u64::from(u32::from_le_bytes(w))
    };
    let n = bytes.len();
    if n >= 8 {
        return bytes.get(n - 8..).map_or(0, word);
    }
    let r = remainder.len();
    if r >= 4 {
        let low = remainder.get(..4).map_or(0, half);
        let high = remainder.get(r - 4..).map_or(0, half);
        return low | (high << 32);
    }
    remainder
        .iter()
        .enumerate()
        .fold(0u64, |w, (i, b)| w | (u64::from(*b) << (8 * i)))
}

/// A lookup begun by [`NameIndex::begin`]: the name's tag, its home slot and that slot's
/// tag (reading it is what brings the slot's line in early).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lookup {
    tag: u32,
    at: usize,
    home_tag: u32,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct NameIndex {
    slots: Vec<Slot>,
}

impl NameIndex {
    /// Indexes `names`: `(arena, string index, value)`, arena 0 or 1. A name inserted
    /// twice keeps its first value; [`NameIndex::insert_or`] decides otherwise.
    pub(crate) fn build(
        arenas: [&NameList; 2],
        names: impl ExactSizeIterator<Item = (usize, usize, u32)>,
        mut on_duplicate: impl FnMut(u32, u32) -> u32,
    ) -> NameIndex {
        let count = names.len();
        let capacity = (count + count / 2).max(4);
        let mut index = NameIndex {
            slots: vec![Slot::default(); capacity],
        };
        for (arena, i, value) in names {
            let Some(list) = arenas.get(arena) else {
                continue;
            };
            let Some((start, end)) = list.range(i) else {
                continue;
            };
            let name = list.text.get(start..end).unwrap_or("");
            let len = (end - start) as u32 | if arena == 1 { SECOND_ARENA } else { 0 };
            index.insert_or(arenas, name, value, start as u32, len, &mut on_duplicate);
        }
        index
    }

    fn home(&self, h: u64) -> usize {
        ((u128::from(h) * self.slots.len() as u128) >> 64) as usize
    }

    fn insert_or(
        &mut self,
        arenas: [&NameList; 2],
        name: &str,
        value: u32,
        start: u32,
        len: u32,
        on_duplicate: &mut impl FnMut(u32, u32) -> u32,
    ) {
        let h = hash(name);
        let tag = (h as u32) | 1;
        let slots = self.slots.len();
        let mut i = self.home(h);
        for _ in 0..slots {
            let Some(slot) = self.slots.get_mut(i) else {
                return;
            };
            if slot.tag == EMPTY {
                *slot = Slot::new(tag, value, name, start, len);
                return;
            }
            if slot.tag == tag && slot.holds(arenas, name) {
                slot.value = on_duplicate(slot.value, value);
                return;
            }
            i = if i + 1 == slots { 0 } else { i + 1 };
        }
    }

    /// The value of `name`, or `None`.
    #[inline]
    pub(crate) fn get(&self, arenas: [&NameList; 2], name: &str) -> Option<u32> {
        self.finish(arenas, name, self.begin(name))
    }

    /// Starts looking `name` up: hashes it and reads its home slot. Beginning every
    /// lookup of a request before finishing any lets their cache misses overlap instead
    /// of following one another.
    #[inline]
    pub(crate) fn begin(&self, name: &str) -> Lookup {
        let h = hash(name);
        let at = self.home(h);
        Lookup {
            tag: (h as u32) | 1,
            at,
            home_tag: self.slots.get(at).map_or(EMPTY, |s| s.tag),
        }
    }

    /// Finishes a lookup [`NameIndex::begin`] started for `name`. The home slot is the
    /// match in the common case: its tag and length are compared first, then the bytes
    /// (inline or in the arena) word by word (no library call, no indirect branch).
    #[inline]
    pub(crate) fn finish(&self, arenas: [&NameList; 2], name: &str, lookup: Lookup) -> Option<u32> {
        if lookup.home_tag == EMPTY {
            return None;
        }
        let slots = self.slots.len();
        let mut i = lookup.at;
        for _ in 0..slots {
            let slot = self.slots.get(i)?;
            if slot.tag == lookup.tag && slot.holds(arenas, name) {
                return Some(slot.value);
            }
            if slot.tag == EMPTY {
                return None;
            }
            i = if i + 1 == slots { 0 } else { i + 1 };
        }
        None
    }

    /// Bytes of memory held, for statistics.
    pub(crate) fn memory(&self) -> usize {
        self.slots.len() * std::mem::size_of::<Slot>()
    }
}

/// Whether two byte strings are equal, compared a word at a time (the last word
/// overlapping the one before, as in [`hash`]'s tail).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return tail(a, a) == tail(b, b);
    }
    let word = |s: &[u8]| -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(s);
        u64::from_le_bytes(w)
    };
    let mut diff = 0u64;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        diff |= word(x) ^ word(y);
    }
    let last = |s: &[u8]| s.get(n - 8..).map_or(0, word);
    diff |= last(a) ^ last(b);
    diff == 0
}

/// A long name's bytes in the arenas.
fn stored<'a>(arenas: [&'a NameList; 2], slot: &Slot) -> Option<&'a str> {
    let word = |at: usize| -> Option<u32> {
        let mut w = [0u8; 4];
        w.copy_from_slice(slot.bytes.get(at..at + 4)?);
        Some(u32::from_le_bytes(w))
    };
    let (start, len) = (word(0)? as usize, word(4)?);
    let arena = if len & SECOND_ARENA != 0 { 1 } else { 0 };
    let len = (len & !SECOND_ARENA) as usize;
    arenas.get(arena)?.text.get(start..start + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_name_and_nothing_else() {
        let keys = NameList::from_strings(
            (0..5000)
                .map(|i| format!("cfg-{i:05}"))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        );
        // Short names sit inline in their slot, long ones in either arena.
        let long = "an-alias-longer-than-a-slot-holds-inline";
        let aliases = NameList::from_strings(["alias-a", "cfg-00007", long]);
        let names =
            (0..keys.len())
                .map(|i| (0, i, i as u32))
                .chain([(1, 0, 42), (1, 1, 9999), (1, 2, 77)]);
        let names: Vec<_> = names.collect();
        let index = NameIndex::build([&keys, &aliases], names.into_iter(), |first, _| first);
        for i in 0..5000u32 {
            assert_eq!(
                index.get([&keys, &aliases], &format!("cfg-{i:05}")),
                Some(i)
            );
        }
        assert_eq!(index.get([&keys, &aliases], "alias-a"), Some(42));
        assert_eq!(index.get([&keys, &aliases], long), Some(77));
        assert_eq!(index.get([&keys, &aliases], &long[..long.len() - 1]), None);
        assert_eq!(index.get([&keys, &aliases], &long[..INLINE]), None);
        assert_eq!(
            index.get([&keys, &aliases], "cfg-00007"),
            Some(7),
            "first value kept"
        );
        assert_eq!(index.get([&keys, &aliases], "cfg-5000"), None);
        assert_eq!(index.get([&keys, &aliases], ""), None);
    }

    #[test]
    fn names_of_every_tail_length_are_told_apart() {
        // Names of 0 to 40 bytes exercise each way the hash reads a tail (none, bytes one
        // by one, two overlapping halves, the last word overlapping the chunks), and
        // names differing only in their last byte must not meet.
        let mut names = Vec::new();
        for len in 0..=40 {
            for last in [b'a', b'b'] {
                let mut name = "x".repeat(len);
                if len > 0 {
                    name.pop();
                    name.push(last as char);
                }
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        let keys = NameList::from_strings(names.iter().map(String::as_str));
        let index = NameIndex::build(
            [&keys, &keys],
            (0..keys.len()).map(|i| (0, i, i as u32)),
            |first, _| first,
        );
        let hashes: std::collections::HashSet<u64> = names.iter().map(|n| hash(n)).collect();
        assert_eq!(
            hashes.len(),
            names.len(),
            "no two of these names hash alike"
        );
        for (i, name) in names.iter().enumerate() {
            assert_eq!(index.get([&keys, &keys], name), Some(i as u32), "{name:?}");
            assert_eq!(index.get([&keys, &keys], &format!("{name}z")), None);
        }
    }

    #[test]
    fn an_empty_index_finds_nothing() {
        let empty = NameList::default();
        let index = NameIndex::build(
            [&empty, &empty],
            std::iter::empty::<(usize, usize, u32)>(),
            |a, _| a,
        );
        assert_eq!(index.get([&empty, &empty], "x"), None);
    }
}
