//! How a key names a catalog object or agent: exactly, else trimmed, else trimmed and
//! folded ([`rampart_grammar::fold`]). Object ids and agents are identities, not text to
//! match: `C-DEV`, `c-dev ` and `c-dev` are one config (UUIDs, Mission Control's ids, are
//! case-insensitive), so a request cannot make a known object look new by respelling it
//! and escape the rules that hold for the catalog's object. The compiler holds catalogs to
//! the same rule: two ids (or agent names) with one identity are an error there.

use std::borrow::Cow;
use std::collections::HashMap;

use rampart_grammar::fold::{fold, fold_char, fold_into, is_folded};

/// The identity of a key: trimmed (Unicode white space) and folded.
pub fn identity_key(key: &str) -> Cow<'_, str> {
    fold(key.trim())
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
    /// then every key with its identity. Allocates nothing unless several values are found
    /// or the folded key is longer than [`FOLD_ON_STACK`].
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
        let folded_hit = if is_folded(trimmed) {
            None
        } else {
            let mut buffer = [0u8; FOLD_ON_STACK];
            match fold_into(trimmed, &mut buffer) {
                Some(identity) => exact(identity),
                None => exact(&fold(trimmed)),
            }
        };
        match (folded_hit, self.with_identity(trimmed)) {
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
