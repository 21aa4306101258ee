//! Item patterns, the language of selector string fields (`name`, `namespace`, `types`,
//! `agent`, `statuses`, `health`) and of search values: comma lists of `*`, `prefix*`,
//! `*suffix`, `*infix*`, exact words and `!negations`, compared case-insensitively.
//!
//! Matching follows Mission Control's `MatchItems`: a negation that matches wins; otherwise
//! any positive item must match; a list made only of negations matches everything it does
//! not exclude.

use std::fmt;

use nom::bytes::complete::take_while1;
use nom::character::complete::space0;
use nom::combinator::opt;
use nom::Parser as _;

use crate::error::{GrammarError, Language};
use crate::fold::{fold, Folded};
use crate::lex::offset_of;

/// One glob: the shapes `MatchItems` understands. Text is stored folded ([`crate::fold`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Glob {
    /// `*`: anything.
    Any,
    /// `text`: exactly this.
    Exact(String),
    /// `text*`
    Prefix(String),
    /// `*text`
    Suffix(String),
    /// `*text*`
    Contains(String),
}

impl Glob {
    /// Whether `value` (any case) matches; allocates nothing.
    pub fn matches(&self, value: &str) -> bool {
        self.matches_seen(Folded::new(value))
    }

    /// Whether a value seen through the folding matches.
    fn matches_seen(&self, value: Folded<'_>) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(text) => value.equals(text),
            Glob::Prefix(text) => value.starts_with(text),
            Glob::Suffix(text) => value.ends_with(text),
            Glob::Contains(text) => value.contains(text),
        }
    }

    /// Whether an already folded `value` matches.
    pub fn matches_folded(&self, value: &str) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(text) => value == text,
            Glob::Prefix(text) => value.starts_with(text.as_str()),
            Glob::Suffix(text) => value.ends_with(text.as_str()),
            Glob::Contains(text) => value.contains(text.as_str()),
        }
    }

    /// The exact text when this glob has no wildcard.
    pub fn as_exact(&self) -> Option<&str> {
        match self {
            Glob::Exact(text) => Some(text),
            _ => None,
        }
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Glob::Any => f.write_str("*"),
            Glob::Exact(t) => f.write_str(t),
            Glob::Prefix(t) => write!(f, "{t}*"),
            Glob::Suffix(t) => write!(f, "*{t}"),
            Glob::Contains(t) => write!(f, "*{t}*"),
        }
    }
}

/// One item of a list: a glob that includes, or (`!glob`) one that excludes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatternItem {
    /// `!` in front: the item excludes.
    pub negated: bool,
    /// What the item matches.
    pub glob: Glob,
}

impl fmt::Display for PatternItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("!")?;
        }
        self.glob.fmt(f)
    }
}

/// A comma list of [`PatternItem`]s, as written in one selector field.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemPattern {
    items: Vec<PatternItem>,
}

/// Characters that may appear in pattern text: anything but separators and wildcards.
fn is_text_char(c: char) -> bool {
    !(c == ',' || c == '*' || c == '!' || c.is_whitespace())
}

impl ItemPattern {
    /// Parses a comma list such as `prod-*,!prod-legacy`.
    pub fn parse(input: &str) -> Result<ItemPattern, GrammarError> {
        let mut items = Vec::new();
        let mut rest = input;
        loop {
            let (after_space, _) = space0::<_, nom::error::Error<&str>>(rest)
                .map_err(|_| err(input, rest, "a pattern"))?;
            let (item, after_item) = parse_item(input, after_space)?;
            items.push(item);
            let (after_space, _) = space0::<_, nom::error::Error<&str>>(after_item)
                .map_err(|_| err(input, after_item, "`,`"))?;
            match after_space.strip_prefix(',') {
                Some(next) => rest = next,
                None if after_space.is_empty() => break,
                None => return Err(err(input, after_space, "`,` or end of input")),
            }
        }
        Ok(ItemPattern { items })
    }

    /// Builds a list from items already known to be valid (used by other parsers).
    pub fn from_items(items: Vec<PatternItem>) -> Option<ItemPattern> {
        if items.is_empty() {
            None
        } else {
            Some(ItemPattern { items })
        }
    }

    /// This pattern with every exact word that spells a UUID in another form (`{…}`,
    /// `urn:uuid:…`, 32 hex digits; text is folded already) written as the canonical
    /// UUID: the pattern of an `id` or `agent` field, whose values are identities that
    /// are compared in their canonical form (a deny naming `{uuid}` must hold the object
    /// whose id is `uuid`).
    pub fn with_canonical_uuids(mut self) -> ItemPattern {
        for item in &mut self.items {
            if let Glob::Exact(text) = &mut item.glob {
                if let Some(uuid) = crate::Uuid::read(text) {
                    let canonical = uuid.hyphenated();
                    if canonical.as_str() != text.as_str() {
                        *text = canonical.as_str().to_string();
                    }
                }
            }
        }
        self
    }

    /// The items in source order.
    pub fn items(&self) -> &[PatternItem] {
        &self.items
    }

    /// True for exactly `*`.
    pub fn is_wildcard(&self) -> bool {
        matches!(
            self.items.as_slice(),
            [PatternItem {
                negated: false,
                glob: Glob::Any
            }]
        )
    }

    /// The exact values when every item is a plain positive word (lets callers use an index).
    pub fn exact_values(&self) -> Option<Vec<&str>> {
        self.items
            .iter()
            .map(|item| {
                if item.negated {
                    None
                } else {
                    item.glob.as_exact()
                }
            })
            .collect()
    }

    /// Whether `value` (any case) matches: a matching negation wins; otherwise any positive
    /// item must match; a list of only negations matches everything not excluded.
    /// Allocates nothing.
    pub fn matches(&self, value: &str) -> bool {
        let value = Folded::new(value);
        self.matches_by(|glob| glob.matches_seen(value))
    }

    /// [`ItemPattern::matches`] for an already folded value.
    pub fn matches_folded(&self, value: &str) -> bool {
        self.matches_by(|glob| glob.matches_folded(value))
    }

    /// The `MatchItems` rule over a test of one glob.
    fn matches_by(&self, hit: impl Fn(&Glob) -> bool) -> bool {
        let mut has_positive = false;
        let mut positive_hit = false;
        for item in &self.items {
            let hit = hit(&item.glob);
            if item.negated {
                if hit {
                    return false;
                }
            } else {
                has_positive = true;
                positive_hit |= hit;
            }
        }
        positive_hit || !has_positive
    }
}

fn err(input: &str, rest: &str, expected: &str) -> GrammarError {
    GrammarError::new(
        Language::ItemPattern,
        input,
        offset_of(input, rest),
        expected,
    )
}

fn parse_item<'a>(input: &str, rest: &'a str) -> Result<(PatternItem, &'a str), GrammarError> {
    let text = take_while1::<_, _, nom::error::Error<&str>>(is_text_char);
    let mut parser = (
        opt(nom::character::complete::char('!')),
        opt(nom::character::complete::char('*')),
        opt(text),
        opt(nom::character::complete::char('*')),
    );
    let (after, (bang, lead, body, trail)) = parser
        .parse(rest)
        .map_err(|_| err(input, rest, "a pattern"))?;
    let glob = match (lead, body, trail) {
        (Some(_), None, None) => Glob::Any,
        (None, Some(t), None) => Glob::Exact(fold(t).into_owned()),
        (None, Some(t), Some(_)) => Glob::Prefix(fold(t).into_owned()),
        (Some(_), Some(t), None) => Glob::Suffix(fold(t).into_owned()),
        (Some(_), Some(t), Some(_)) => Glob::Contains(fold(t).into_owned()),
        (Some(_), None, Some(_)) => {
            let at = offset_of(input, after).saturating_sub(1);
            return Err(GrammarError::new(
                Language::ItemPattern,
                input,
                at,
                "a single `*`, not `**`",
            ));
        }
        (None, None, _) => {
            let at = offset_of(input, rest) + usize::from(bang.is_some());
            return Err(GrammarError::new(
                Language::ItemPattern,
                input,
                at,
                "a pattern such as `name`, `prefix*`, `*suffix` or `*`",
            ));
        }
    };
    if after.starts_with('*') || after.starts_with('!') {
        return Err(err(
            input,
            after,
            "`*` or `!` only at the ends of a pattern",
        ));
    }
    Ok((
        PatternItem {
            negated: bang.is_some(),
            glob,
        },
        after,
    ))
}

impl fmt::Display for ItemPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            item.fmt(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(pattern: &str, value: &str) -> bool {
        match ItemPattern::parse(pattern) {
            Ok(p) => p.matches(value),
            Err(e) => unreachable!("{pattern}: {e}"),
        }
    }

    #[test]
    fn matching_table() {
        let cases = [
            ("*", "anything", true),
            ("prod*", "production", true),
            ("prod*", "staging", false),
            ("*-db", "orders-db", true),
            ("*ord*", "the-orders-db", true),
            ("Mission-Control", "mission-control", true),
            ("a,b", "b", true),
            ("a,b", "c", false),
            ("!kube-system", "default", true),
            ("!kube-system", "kube-system", false),
            ("*,!kube-*", "kube-public", false),
            ("*,!kube-*", "default", true),
            ("!a,!b", "c", true),
            ("!a,!b", "B", false),
            ("prod*,!prod-legacy", "prod-legacy", false),
        ];
        for (pattern, value, expected) in cases {
            assert_eq!(accepts(pattern, value), expected, "{pattern} on {value}");
        }
    }

    #[test]
    fn rejections_name_the_offset() {
        let cases = [
            ("", 0),
            ("a,,b", 2),
            ("a,", 2),
            ("a*b", 2),
            ("**", 1),
            ("!", 1),
            ("a b", 2),
        ];
        for (pattern, offset) in cases {
            match ItemPattern::parse(pattern) {
                Ok(p) => unreachable!("{pattern} parsed as {p}"),
                Err(e) => assert_eq!(e.offset(), offset, "{pattern}: {e}"),
            }
        }
    }

    #[test]
    fn canonical_form_is_lowercase_without_spaces() {
        let p = ItemPattern::parse(" Prod* , !Kube-System ").map(|p| p.to_string());
        assert_eq!(p, Ok("prod*,!kube-system".to_string()));
    }
}
