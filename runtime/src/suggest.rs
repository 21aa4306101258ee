//! "Did you mean": the one helper every face uses when a name does not resolve (documents,
//! the catalog, the command line, the sidecar's errors), so that every "unknown X" can
//! name the nearest existing X.

/// The candidate closest to `word` by edit distance (case-insensitive), when it is close
/// enough to be a typo: at most one edit per five characters, and at least one. Ties go to
/// the smallest candidate, so the answer does not depend on the candidates' order.
/// Candidates whose length alone puts them out of reach cost one comparison; when more
/// than [`EDIT_DISTANCE_CANDIDATES`] are within reach (a catalog of 100,000 configs whose
/// ids all have one length), no edit distance is computed at all: an error must not cost
/// a second of CPU (a client sending unknown ids could otherwise keep a sidecar busy).
///
/// When no candidate is that close, a word without its qualifier finds the one candidate
/// it is the last part of (`echo-config` finds `mc/echo-config`, `run` finds
/// `playbook:run`): the mistake of leaving out a namespace or a prefix is taught too. Last,
/// a word that is the first part of one camel-case candidate, singular or plural, finds it
/// (`labels` finds `labelSelector`, `tag` finds `tagSelector`): the field written by what
/// it selects rather than by its name.
pub fn nearest<'c>(
    word: &str,
    candidates: impl Iterator<Item = &'c str> + Clone,
) -> Option<&'c str> {
    let length = word.chars().count();
    let limit = (length / 5).max(1);
    let within_reach = |c: &&str| c.len().abs_diff(word.len()) <= limit * 4 + 4;
    let few = candidates
        .clone()
        .filter(within_reach)
        .nth(EDIT_DISTANCE_CANDIDATES)
        .is_none();
    few.then(|| {
        candidates
            .clone()
            .filter(within_reach)
            .map(|c| (edit_distance(word, c), c))
            .filter(|(d, _)| *d <= limit)
            .min_by_key(|(d, c)| (*d, *c))
            .map(|(_, c)| c)
    })
    .flatten()
    .or_else(|| qualified(word, candidates.clone()))
    .or_else(|| first_part(word, candidates))
}

/// The most candidates within reach of a word's length that edit distances are computed
/// for (about 20 ms of work at most).
pub const EDIT_DISTANCE_CANDIDATES: usize = 10_000;

/// The one camel-case candidate whose first part (its letters before the first capital)
/// is `word`, or `word` without a trailing `s`, ignoring case, when exactly one is.
fn first_part<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let stem = word.strip_suffix(['s', 'S']).unwrap_or(word);
    if stem.is_empty() || !stem.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut found = candidates.filter(|c| {
        let head = c
            .split(|ch: char| ch.is_ascii_uppercase())
            .next()
            .unwrap_or("");
        head.len() < c.len() && (head.eq_ignore_ascii_case(stem) || head.eq_ignore_ascii_case(word))
    });
    let first = found.next()?;
    found.all(|other| other == first).then_some(first)
}

/// The one candidate whose last part (after its last `/` or `:`) is `word`, when exactly
/// one is; a word that holds a qualifier itself finds nothing.
fn qualified<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    if word.is_empty() || word.contains(['/', ':']) {
        return None;
    }
    let mut found = candidates.filter(|c| {
        c.rsplit(['/', ':'])
            .next()
            .is_some_and(|last| last.len() < c.len() && last.eq_ignore_ascii_case(word))
    });
    let first = found.next()?;
    found.all(|other| other == first).then_some(first)
}

/// `did you mean `X`?` for the nearest candidate, or `None` (also when the nearest is
/// the word itself: a name that exists but is refused where it was written, such as an
/// action pattern given as a request's action, learns nothing from its own echo).
pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl Iterator<Item = &'c str> + Clone,
) -> Option<String> {
    nearest(word, candidates)
        .filter(|c| *c != word)
        .map(|c| format!("did you mean `{}`?", crate::text::Shown(c)))
}

/// Edit distance with swaps (optimal string alignment: an insertion, a deletion, a
/// substitution or a swap of two neighbours is one edit, so `pdo` is one edit from
/// `pod`, as a typist's slip is), case-insensitive, over at most the first 64
/// characters of each side (names and kinds are short; a long input must not cost
/// quadratic time).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().take(64).collect();
    let b: Vec<char> = b.to_lowercase().chars().take(64).collect();
    let width = b.len() + 1;
    // Three rows: two back (for swaps), one back, and the current one.
    let mut before: Vec<usize> = vec![0; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current = vec![0; width];
    for (i, ca) in a.iter().enumerate() {
        if let Some(first) = current.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut best = (previous.get(j).copied().unwrap_or(0) + cost)
                .min(previous.get(j + 1).copied().unwrap_or(0) + 1)
                .min(current.get(j).copied().unwrap_or(0) + 1);
            let swapped =
                i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca) && ca != cb;
            if swapped {
                best = best.min(before.get(j - 1).copied().unwrap_or(0) + 1);
            }
            if let Some(slot) = current.get_mut(j + 1) {
                *slot = best;
            }
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_candidates_of_one_length_cost_no_edit_distances_but_keep_the_cheap_hints() {
        let ids: Vec<String> = (0..EDIT_DISTANCE_CANDIDATES + 1)
            .map(|i| format!("fe000000-0000-4000-8000-{i:012}"))
            .collect();
        let typo = "fe000000-0000-4000-8000-00000000000x";
        let few = || {
            ids.iter()
                .take(EDIT_DISTANCE_CANDIDATES)
                .map(String::as_str)
        };
        assert_eq!(
            nearest(typo, few()),
            Some("fe000000-0000-4000-8000-000000000000")
        );
        let all = || ids.iter().map(String::as_str);
        assert_eq!(
            nearest(typo, all()),
            None,
            "one more candidate: no edit distance"
        );
        let named = || all().chain(["mc/echo-config"]);
        assert_eq!(nearest("echo-config", named()), Some("mc/echo-config"));
    }

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
        // A word refused where it was written is not told to write itself.
        assert_eq!(
            did_you_mean("invoke:ssh:*", ["invoke:ssh:*", "read"].into_iter()),
            None
        );
    }

    #[test]
    fn a_word_without_its_qualifier_finds_the_one_qualified_candidate() {
        let playbooks = ["mc/echo-config", "mc/loki-logs", "ops/loki-logs"];
        assert_eq!(
            nearest("echo-config", playbooks.iter().copied()),
            Some("mc/echo-config")
        );
        assert_eq!(nearest("loki-logs", playbooks.iter().copied()), None);
        assert_eq!(
            nearest("other-ns/echo-config", playbooks.iter().copied()),
            None
        );
        assert_eq!(
            nearest("run", ["playbook:run", "playbook:approve"].into_iter()),
            Some("playbook:run")
        );
    }

    #[test]
    fn a_field_written_by_what_it_selects_finds_the_one_selector_field() {
        let fields = [
            "id",
            "name",
            "namespace",
            "agent",
            "labelSelector",
            "tagSelector",
        ];
        assert_eq!(
            nearest("labels", fields.iter().copied()),
            Some("labelSelector")
        );
        assert_eq!(
            nearest("label", fields.iter().copied()),
            Some("labelSelector")
        );
        assert_eq!(nearest("Tags", fields.iter().copied()), Some("tagSelector"));
        // Not a first part, or a first part two candidates share: nothing.
        assert_eq!(nearest("selector", fields.iter().copied()), None);
        let shared = ["tagSelector", "tagFilter"];
        assert_eq!(nearest("tags", shared.iter().copied()), None);
        assert_eq!(nearest("s", fields.iter().copied()), None);
    }

    #[test]
    fn a_swap_of_two_neighbours_is_one_edit() {
        assert_eq!(edit_distance("pdo", "pod"), 1);
        assert_eq!(edit_distance("catalgo", "catalog"), 1);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("abc", "ca"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(
            nearest("c-mc-pdo", ["c-mc-pod", "c-default-pod"].into_iter()),
            Some("c-mc-pod")
        );
    }

    #[test]
    fn ties_do_not_depend_on_order() {
        assert_eq!(nearest("ab", ["ac", "aa"].into_iter()), Some("aa"));
        assert_eq!(nearest("ab", ["aa", "ac"].into_iter()), Some("aa"));
    }
}
