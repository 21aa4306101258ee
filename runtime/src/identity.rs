//! How a key names a catalog object or agent: exactly, else trimmed, else trimmed and
//! folded ([`rampart_grammar::fold`]). Object ids and agents are identities, not text to
//! match: `C-DEV`, `c-dev ` and `c-dev` are one config (UUIDs, Mission Control's ids, are
//! case-insensitive), so a request cannot make a known object look new by respelling it
//! and escape the rules that hold for the catalog's object. The compiler holds catalogs to
//! the same rule: two ids (or agent names) with one identity are an error there.

use std::borrow::Cow;
use std::collections::HashMap;

use rampart_grammar::fold::fold;

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
/// them), so it costs nothing there.
#[derive(Clone, Debug, Default)]
pub struct LooseKeys {
    by_identity: HashMap<String, Vec<u32>>,
}

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
        LooseKeys { by_identity }
    }

    /// Looks `key` up: `exact` (the caller's exact index) first, then the trimmed key,
    /// then every key with its identity.
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
        let identity = fold(trimmed);
        let mut values: Vec<u32> = Vec::new();
        if identity != trimmed {
            values.extend(exact(&identity));
        }
        if let Some(more) = self.by_identity.get(identity.as_ref()) {
            values.extend(more);
        }
        values.sort_unstable();
        values.dedup();
        match values.as_slice() {
            [] => Found::None,
            [one] => Found::One(*one),
            _ => Found::Ambiguous(values),
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
}
