//! How a key names a catalog object or agent: exactly, else trimmed, else — when the
//! trimmed key is a UUID in a spelling Mission Control accepts ([`rampart_grammar::Uuid`]:
//! in braces, after `urn:uuid:`, 32 hex digits without hyphens, any case) — as the
//! canonical UUID (lowercase, hyphenated), else trimmed and folded
//! ([`rampart_grammar::fold`]). Object ids and agents are identities, not text to match:
//! `C-DEV`, `c-dev ` and `c-dev` are one config, and so are
//! `{0190A3C1-7E2F-4B5A-8C9D-0123456789AB}`, `urn:uuid:0190a3c1-…` and
//! `0190a3c17e2f4b5a8c9d0123456789ab` (Mission Control's ids are UUIDs, and its
//! `uuid.Parse` and PostgreSQL's `uuid` type take every such spelling as the same id), so
//! a request cannot make a known object look new by respelling it and escape the rules
//! that hold for the catalog's object. The compiler holds catalogs to the same rule: two
//! ids (or agent names) with one identity are an error there.

use std::borrow::Cow;
use std::collections::HashMap;

use rampart_grammar::fold::{fold, fold_char, fold_into, is_folded};
use rampart_grammar::{Hyphenated, Uuid};

/// The identity of a key: trimmed (Unicode white space), then the canonical UUID when it
/// spells one, else folded.
pub fn identity_key(key: &str) -> Cow<'_, str> {
    let trimmed = key.trim();
    match canonical_uuid(trimmed) {
        Some(uuid) if uuid.as_str() == trimmed => Cow::Borrowed(trimmed),
        Some(uuid) => Cow::Owned(uuid.as_str().to_string()),
        None => fold(trimmed),
    }
}

/// The canonical text of the UUID `trimmed` spells in any accepted form, else `None`
/// (allocates nothing).
pub fn canonical_uuid(trimmed: &str) -> Option<Hyphenated> {
    // Every accepted form is 32 to 45 bytes: a cheap test before parsing.
    if !(32..=45).contains(&trimmed.len()) {
        return None;
    }
    Uuid::read(trimmed).map(|u| u.hyphenated())
}

/// What a loose lookup found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// Nothing.
    None,
    /// One value.
    One(u32),
    /// Several values whose keys share the identity and none of which is spelled as
    /// asked (sorted).
    Ambiguous(Vec<u32>),
}

/// The keys whose identity differs from their spelling, by identity: what an exact index
/// cannot find. Empty for a catalog of lower-case ids (UUIDs as Mission Control writes
/// them), so it costs nothing there. Sorted by identity, so that a key is looked up by its
/// folded characters without building the folded copy.
#[derive(Clone, Debug, Default)]
pub struct LooseKeys {
    by_identity: Vec<(String, Vec<u32>)>,
}

/// Keys up to this many bytes once folded are folded on the stack when looked up (a UUID
/// is 36); longer ones are folded into a `String`.
const FOLD_ON_STACK: usize = 256;

impl LooseKeys {
    /// Indexes `(key, value)` pairs (values may repeat: aliases of one object).
    pub fn build<'k>(keys: impl IntoIterator<Item = (&'k str, u32)>) -> LooseKeys {
        let mut by_identity: HashMap<String, Vec<u32>> = HashMap::new();
        for (key, value) in keys {
            let identity = identity_key(key);
            if identity != key {
                let values = by_identity.entry(identity.into_owned()).or_default();
                if !values.contains(&value) {
                    values.push(value);
                }
            }
        }
        let mut by_identity: Vec<(String, Vec<u32>)> = by_identity.into_iter().collect();
        for (_, values) in &mut by_identity {
            values.sort_unstable();
        }
        by_identity.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        LooseKeys { by_identity }
    }

    /// The values whose key has the identity of `trimmed` (sorted; empty when none).
    fn with_identity(&self, trimmed: &str) -> &[u32] {
        self.by_identity
            .binary_search_by(|(identity, _)| identity.chars().cmp(trimmed.chars().map(fold_char)))
            .ok()
            .and_then(|at| self.by_identity.get(at))
            .map_or(&[], |(_, values)| values.as_slice())
    }

    /// Looks `key` up: `exact` (the caller's exact index) first, then the trimmed key,
    /// then (a UUID) its canonical spelling, then every key with its identity. Allocates
    /// nothing unless several values are found or the folded key is longer than
    /// [`FOLD_ON_STACK`].
    pub fn find(&self, key: &str, exact: impl Fn(&str) -> Option<u32>) -> Found {
        if let Some(v) = exact(key) {
            return Found::One(v);
        }
        let trimmed = key.trim();
        if trimmed != key {
            if let Some(v) = exact(trimmed) {
                return Found::One(v);
            }
        }
        let uuid = canonical_uuid(trimmed);
        if let Some(uuid) = &uuid {
            // The canonical spelling is folded already: it is its own identity.
            let canonical = uuid.as_str();
            let hit = if canonical == trimmed {
                None
            } else {
                exact(canonical)
            };
            return Self::combine(hit, self.with_identity(canonical));
        }
        let folded_hit = if is_folded(trimmed) {
            None
        } else {
            let mut buffer = [0u8; FOLD_ON_STACK];
            match fold_into(trimmed, &mut buffer) {
                Some(identity) => exact(identity),
                None => exact(&fold(trimmed)),
            }
        };
        Self::combine(folded_hit, self.with_identity(trimmed))
    }

    /// What an exact hit on the identity and the keys spelled otherwise found together.
    fn combine(hit: Option<u32>, loose: &[u32]) -> Found {
        match (hit, loose) {
            (None, []) => Found::None,
            (Some(v), []) => Found::One(v),
            (None, [v]) => Found::One(*v),
            (Some(v), [w]) if v == *w => Found::One(v),
            (hit, loose) => {
                let mut values: Vec<u32> = hit.into_iter().chain(loose.iter().copied()).collect();
                values.sort_unstable();
                values.dedup();
                match values.as_slice() {
                    [one] => Found::One(*one),
                    _ => Found::Ambiguous(values),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_then_trimmed_then_folded() {
        let keys = ["c-dev", "Ab-1", "aB-1", "UPPER", "x"];
        let exact = |k: &str| keys.iter().position(|x| *x == k).map(|i| i as u32);
        let loose = LooseKeys::build(keys.iter().enumerate().map(|(i, k)| (*k, i as u32)));
        assert_eq!(loose.find("c-dev", exact), Found::One(0));
        assert_eq!(loose.find(" C-DEV\t", exact), Found::One(0));
        assert_eq!(loose.find("Ab-1", exact), Found::One(1));
        assert_eq!(loose.find("aB-1 ", exact), Found::One(2));
        assert_eq!(loose.find("ab-1", exact), Found::Ambiguous(vec![1, 2]));
        assert_eq!(loose.find("upper", exact), Found::One(3));
        assert_eq!(loose.find("y", exact), Found::None);
        assert_eq!(identity_key(" İD\u{3000}"), "id");
    }

    #[test]
    fn every_spelling_of_a_uuid_is_the_canonical_uuid() {
        let canonical = "0190a3c1-7e2f-4b5a-8c9d-0123456789ab";
        let keys = [canonical, "{0190A3C1-7E2F-4B5A-8C9D-0123456789AC}", "c-dev"];
        let exact = |k: &str| keys.iter().position(|x| *x == k).map(|i| i as u32);
        let loose = LooseKeys::build(keys.iter().enumerate().map(|(i, k)| (*k, i as u32)));
        for spelling in [
            canonical,
            " {0190a3c1-7e2f-4b5a-8c9d-0123456789ab}",
            "urn:uuid:0190a3c1-7e2f-4b5a-8c9d-0123456789ab",
            "URN:UUID:0190A3C1-7E2F-4B5A-8C9D-0123456789AB",
            "0190a3c17e2f4b5a8c9d0123456789ab",
            "0190A3C17E2F4B5A8C9D0123456789AB",
        ] {
            assert_eq!(identity_key(spelling), canonical, "{spelling}");
            assert_eq!(loose.find(spelling, exact), Found::One(0), "{spelling}");
        }
        // A catalog key spelled otherwise is found by every spelling too.
        for spelling in [
            "0190a3c1-7e2f-4b5a-8c9d-0123456789ac",
            "urn:uuid:0190a3c1-7e2f-4b5a-8c9d-0123456789ac",
            "0190a3c17e2f4b5a8c9d0123456789ac",
        ] {
            assert_eq!(loose.find(spelling, exact), Found::One(1), "{spelling}");
        }
        // Not a uuid: what it is.
        assert_eq!(identity_key("{c-dev}"), "{c-dev}");
        assert_eq!(loose.find("{c-dev}", exact), Found::None);
        assert_eq!(
            loose.find("0190a3c1-7e2f-4b5a-8c9d-0123456789a", exact),
            Found::None
        );
    }

    #[test]
    fn keys_too_long_to_fold_on_the_stack_are_found_alike() {
        let long = "x".repeat(FOLD_ON_STACK + 1);
        let keys = [long.clone(), format!("{}Y", "X".repeat(FOLD_ON_STACK))];
        let exact = |k: &str| keys.iter().position(|x| *x == k).map(|i| i as u32);
        let loose = LooseKeys::build(keys.iter().enumerate().map(|(i, k)| (k.as_str(), i as u32)));
        assert_eq!(loose.find(&long.to_uppercase(), exact), Found::One(0));
        assert_eq!(
            loose.find(&format!(" {}y", "x".repeat(FOLD_ON_STACK)), exact),
            Found::One(1)
        );
        assert_eq!(loose.find(&format!("{long}x"), exact), Found::None);
    }
}
