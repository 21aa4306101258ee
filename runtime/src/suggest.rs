//! "Did you mean": the one helper every face uses when a name does not resolve (documents,
//! the catalog, the command line, the sidecar's errors), so that every "unknown X" can
//! name the nearest existing X.

/// The candidate closest to `word` by edit distance (case-insensitive), when it is close
/// enough to be a typo: at most one edit per five characters, and at least one. Ties go to
/// the smallest candidate, so the answer does not depend on the candidates' order.
/// Candidates whose length alone puts them out of reach cost one comparison.
pub fn nearest<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let length = word.chars().count();
    let limit = (length / 5).max(1);
    candidates
        .filter(|c| c.len().abs_diff(word.len()) <= limit * 4 + 4)
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// `did you mean `X`?` for the nearest candidate, or `None`.
pub fn did_you_mean<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<String> {
    nearest(word, candidates).map(|c| format!("did you mean `{}`?", crate::text::Shown(c)))
}

/// Levenshtein distance, case-insensitive, over at most the first 64 characters of each
/// side (names and kinds are short; a long input must not cost quadratic time).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().take(64).collect();
    let b: Vec<char> = b.to_lowercase().chars().take(64).collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        if let Some(first) = current.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let best = (previous.get(j).copied().unwrap_or(0) + cost)
                .min(previous.get(j + 1).copied().unwrap_or(0) + 1)
                .min(current.get(j).copied().unwrap_or(0) + 1);
            if let Some(slot) = current.get_mut(j + 1) {
                *slot = best;
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word_and_strangers_find_nothing() {
        let kinds = ["Permission", "PermissionGroup", "Connection", "Scope"];
        assert_eq!(
            nearest("Permision", kinds.iter().copied()),
            Some("Permission")
        );
        assert_eq!(nearest("scope", kinds.iter().copied()), Some("Scope"));
        assert_eq!(
            nearest("permission", kinds.iter().copied()),
            Some("Permission")
        );
        assert_eq!(nearest("Canary", kinds.iter().copied()), None);
        assert_eq!(nearest("Playbook", kinds.iter().copied()), None);
        assert_eq!(nearest("", kinds.iter().copied()), None);
        assert_eq!(
            did_you_mean("kube-sytem", ["kube-system", "default"].into_iter()),
            Some("did you mean `kube-system`?".to_string())
        );
    }

    #[test]
    fn ties_do_not_depend_on_order() {
        assert_eq!(nearest("ab", ["ac", "aa"].into_iter()), Some("aa"));
        assert_eq!(nearest("ab", ["aa", "ac"].into_iter()), Some("aa"));
    }
}
