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

/// `value` folded into `buffer` (for lookups that must not allocate); `None` when it does
/// not fit.
pub fn fold_into<'b>(value: &str, buffer: &'b mut [u8]) -> Option<&'b str> {
    let mut len = 0;
    for c in value.chars().map(fold_char) {
        let end = len + c.len_utf8();
        c.encode_utf8(buffer.get_mut(len..end)?);
        len = end;
    }
    let buffer: &'b [u8] = buffer;
    std::str::from_utf8(buffer.get(..len)?).ok()
}

/// Whether `a` and `b` are equal once folded.
pub fn eq_fold(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().map(fold_char).eq(b.chars().map(fold_char))
}

/// A value seen through the folding: compared with text that is already folded, as
/// [`fold`]`(value)` would be, without building the folded copy (matching allocates
/// nothing). Folding maps each character to one character, so the value's folded
/// characters are compared one by one.
#[derive(Clone, Copy, Debug)]
pub struct Folded<'a> {
    value: &'a str,
    /// Whether the value is its own folding (then `str`'s own searches apply).
    as_is: bool,
}

impl<'a> Folded<'a> {
    /// `value`, of any case.
    pub fn new(value: &'a str) -> Folded<'a> {
        Folded {
            value,
            as_is: is_folded(value),
        }
    }

    /// The folded characters of `text`.
    fn chars(text: &str) -> impl DoubleEndedIterator<Item = char> + '_ {
        text.chars().map(fold_char)
    }

    /// Whether the folded value equals `folded`.
    pub fn equals(self, folded: &str) -> bool {
        if self.as_is {
            self.value == folded
        } else {
            Folded::chars(self.value).eq(folded.chars())
        }
    }

    /// Whether the folded value begins with `folded`.
    pub fn starts_with(self, folded: &str) -> bool {
        if self.as_is {
            self.value.starts_with(folded)
        } else {
            begins_with(Folded::chars(self.value), folded.chars())
        }
    }

    /// Whether the folded value ends with `folded`.
    pub fn ends_with(self, folded: &str) -> bool {
        if self.as_is {
            self.value.ends_with(folded)
        } else {
            begins_with(Folded::chars(self.value).rev(), folded.chars().rev())
        }
    }

    /// Whether the folded value contains `folded`.
    pub fn contains(self, folded: &str) -> bool {
        if self.as_is {
            self.value.contains(folded)
        } else {
            folded.is_empty()
                || self.value.char_indices().any(|(at, _)| {
                    let rest = self.value.get(at..).unwrap_or_default();
                    begins_with(Folded::chars(rest), folded.chars())
                })
        }
    }
}

/// Whether `stream` begins with every character of `prefix`.
fn begins_with(
    mut stream: impl Iterator<Item = char>,
    mut prefix: impl Iterator<Item = char>,
) -> bool {
    prefix.all(|p| stream.next() == Some(p))
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
        let mut buffer = [0u8; 12];
        assert_eq!(fold_into("İSTANBUL", &mut buffer), Some("istanbul"));
        assert_eq!(fold_into("ΟΔΟΣ", &mut buffer), Some("οδοσ"));
        assert_eq!(fold_into("\u{212A}ELVIN", &mut buffer), Some("kelvin"));
        assert_eq!(fold_into("ΟΔΟΣ ΟΔΟΣ", &mut buffer), None);
    }

    /// What each comparison of [`Folded`] must answer: the folded copy's.
    fn through_a_copy(value: &str, folded: &str) -> [bool; 4] {
        let v = fold(value);
        [
            v == folded,
            v.starts_with(folded),
            v.ends_with(folded),
            v.contains(folded),
        ]
    }

    fn through_folded(value: &str, folded: &str) -> [bool; 4] {
        let v = Folded::new(value);
        [
            v.equals(folded),
            v.starts_with(folded),
            v.ends_with(folded),
            v.contains(folded),
        ]
    }

    #[test]
    fn folded_values_compare_as_their_folded_copies_on_tricky_characters() {
        for (value, folded) in [
            ("İstanbul", "istanbul"),
            ("xİ", "i"),
            ("ΟΔΟΣ", "οδοσ"),
            ("ΟΔΟΣ", "οδος"),
            ("ẞtraẞe", "ßtraße"),
            ("KELVIN \u{212A}", "kelvin k"),
            ("\u{212A}\u{212A}x", "kx"),
            ("ΑΒΓ", "βγ"),
            ("ﬁle", "fi"),
            ("", ""),
            ("ABC", ""),
            ("abc", "b"),
        ] {
            assert_eq!(
                through_folded(value, folded),
                through_a_copy(value, folded),
                "{value:?} against {folded:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn folded_values_compare_as_their_folded_copies(
            value in "[a-zA-ZİıIiΣσςẞß\u{212A}kK\u{307}é É0-9]{0,8}",
            text in "[a-zA-ZİıΣσςẞß\u{212A}k\u{307}é 0-9]{0,3}",
        ) {
            let folded = fold(&text);
            proptest::prop_assert_eq!(
                through_folded(&value, &folded),
                through_a_copy(&value, &folded)
            );
            // Infixes cut from the folded value are found wherever they are.
            let copy = fold(&value);
            for (at, _) in copy.char_indices() {
                let (head, tail) = copy.split_at(at);
                proptest::prop_assert!(Folded::new(&value).contains(tail));
                proptest::prop_assert!(Folded::new(&value).ends_with(tail));
                proptest::prop_assert!(Folded::new(&value).starts_with(head));
            }
        }
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
