//! The one case folding Rampart compares names with: every character mapped on its own to
//! its *simple* lowercase (Unicode's one-character lowercase mapping, Go's
//! `unicode.ToLower`, which Mission Control's `MatchItems` uses through
//! `strings.ToLower`).
//!
//! Per character, with no context and no locale, so that it is the same function in every
//! place that folds: selector matching in the runtime and the compiler, catalog lookups,
//! and the SQL filters, which restate exactly this mapping with `translate()` instead of
//! trusting the database's `lower()` (whose answer depends on the database's locale
//! provider). Consequences worth knowing:
//! - `Σ` folds to `σ` wherever it stands; the final form `ς` stays `ς` (no final-sigma
//!   rule), so `ΟΔΟΣ` equals `οδοσ` and not `οδος`;
//! - `İ` (dotted capital I) folds to `i`; `ı` (dotless small i) stays `ı`;
//! - `ẞ` folds to `ß`, `K` (the Kelvin sign) to `k`; `ß`, ligatures such as `ﬁ`, and
//!   combining marks are left alone (no expansion, no normalization).
//!
//! Folding is a homomorphism (`fold(a + b) == fold(a) + fold(b)`), so prefixes, suffixes
//! and infixes of folded text are the folded prefixes, suffixes and infixes.

use std::borrow::Cow;

/// The simple lowercase of one character (itself when it has none).
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    // The one character whose full lowercase is longer than one character (`i` and a
    // combining dot above); its simple lowercase is `i`.
    if c == '\u{130}' {
        return 'i';
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Whether folding changes nothing in `value`.
pub fn is_folded(value: &str) -> bool {
    if value.is_ascii() {
        return !value.bytes().any(|b| b.is_ascii_uppercase());
    }
    value.chars().all(|c| fold_char(c) == c)
}

/// `value` folded (borrowed when it already is).
pub fn fold(value: &str) -> Cow<'_, str> {
    if is_folded(value) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(value.chars().map(fold_char).collect())
    }
}

/// Whether `a` and `b` are equal once folded.
pub fn eq_fold(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().map(fold_char).eq(b.chars().map(fold_char))
}

/// Every character that folding changes, with what it folds to, in character order: the
/// table the SQL filters restate the folding with.
pub fn folding_pairs() -> impl Iterator<Item = (char, char)> {
    ('\0'..=char::MAX).filter_map(|c| {
        let folded = fold_char(c);
        (folded != c).then_some((c, folded))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_is_per_character_and_idempotent() {
        for (c, l) in folding_pairs() {
            assert_eq!(fold_char(l), l, "{c:?} folds to {l:?}, which folds again");
        }
        assert_eq!(fold("ΟΔΟΣ"), "οδοσ");
        assert_eq!(fold("οδος"), "οδος");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("ISTANBUL"), "istanbul");
        assert_eq!(fold("ıI"), "ıi");
        assert_eq!(fold("ẞ"), "ß");
        assert_eq!(fold("\u{212A}elvin"), "kelvin");
        assert_eq!(fold("ﬁle"), "ﬁle");
        assert_eq!(fold("E\u{301}"), "e\u{301}");
        assert!(eq_fold("ΟΔΟΣ", "οδοσ"));
        assert!(!eq_fold("ΟΔΟΣ", "οδος"));
        assert!(eq_fold("PROD", "prod"));
        assert!(matches!(fold("prod"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_table_holds_only_letters_that_sql_can_carry_in_a_literal() {
        let pairs: Vec<(char, char)> = folding_pairs().collect();
        assert!(pairs.len() > 1000, "{}", pairs.len());
        for (c, l) in &pairs {
            for x in [c, l] {
                assert!(!matches!(x, '\'' | '\\' | '\0'), "{x:?}");
            }
        }
    }
}
