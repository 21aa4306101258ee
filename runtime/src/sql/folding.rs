//! How a filter folds case (and trims identities) in SQL: the one place that chooses the
//! form.
//!
//! The runtime compares names with [`rampart_grammar::fold`], a per-character simple
//! lowercase mapping. PostgreSQL's `lower()` is not that function: its answer depends on
//! the database's locale provider and version (ICU lowercases a final `Σ` to `ς` and `İ`
//! to two characters; libc does neither; a Turkish libc locale lowercases `I` to `ı`), so
//! a filter that used it would judge rows differently from `check` on some names.
//! Instead the filter restates the mapping itself, in three steps chosen for speed:
//! - text that is all ASCII, or holds no character that folding changes beyond ASCII (a
//!   regular expression listing all of them), is folded by `lower(x COLLATE "C")`, which
//!   in PostgreSQL lowercases ASCII letters only, whatever the locale;
//! - other text is folded by `translate()` with the mapping written out (every character
//!   folding changes, and what it becomes), limited to the groups of the table whose
//!   range the text touches, because `translate` scans its table once per character.
//!
//! Every function used is immutable (`||`, not the stable `concat()`) and the tables are
//! literals, so the expression can back an expression index (`rampart filter --indexes`). The literals hold non-ASCII letters only: no quote,
//! backslash or NUL can occur in them (a test of the grammar's table holds that), so
//! writing them into the SQL text is safe; values from requests and documents are still
//! always bound as parameters. The filter's text must reach a database whose encoding is
//! UTF-8; [`ENCODING_GUARD`] makes a predicate admit nothing anywhere else.

use std::fmt::Write as _;
use std::sync::OnceLock;

/// A condition that holds only in a UTF-8 database, where the folding's literals and
/// character functions mean what they mean here (in `SQL_ASCII`, `length` counts bytes).
pub(crate) const ENCODING_GUARD: &str = "(pg_catalog.getdatabaseencoding() = 'UTF8')";

/// Code points where a new group of the table starts (Latin; Greek, Cyrillic and
/// Armenian; the scripts of U+1000..U+1FFF; the rest of the basic plane; beyond it).
const GROUP_STARTS: [u32; 5] = [0x80, 0x250, 0x1000, 0x2000, 0x10000];

/// The folding table as SQL text.
struct Literals {
    /// A bracket expression matching every non-ASCII character folding changes.
    changed: String,
    /// Per group: a bracket expression for its range, its characters, what they fold to.
    groups: Vec<(String, String, String)>,
}

fn literals() -> &'static Literals {
    static LITERALS: OnceLock<Literals> = OnceLock::new();
    LITERALS.get_or_init(|| {
        let pairs: Vec<(char, char)> = rampart_grammar::fold::folding_pairs()
            .filter(|(c, _)| !c.is_ascii())
            .collect();
        let mut changed = String::from("[");
        let mut run: Option<(char, char)> = None;
        let close = |out: &mut String, run: Option<(char, char)>| {
            if let Some((first, last)) = run {
                out.push(first);
                if last != first {
                    out.push('-');
                    out.push(last);
                }
            }
        };
        for (c, _) in &pairs {
            run = match run {
                Some((first, last)) if u32::from(last) + 1 == u32::from(*c) => Some((first, *c)),
                other => {
                    close(&mut changed, other);
                    Some((*c, *c))
                }
            };
        }
        close(&mut changed, run);
        changed.push(']');
        let mut groups = Vec::new();
        for (i, start) in GROUP_STARTS.iter().enumerate() {
            let end = GROUP_STARTS.get(i + 1).copied().unwrap_or(u32::MAX);
            let members: Vec<&(char, char)> = pairs
                .iter()
                .filter(|(c, _)| (*start..end).contains(&u32::from(*c)))
                .collect();
            let (Some(first), Some(last)) = (members.first(), members.last()) else {
                continue;
            };
            groups.push((
                format!("[{}-{}]", first.0, last.0),
                members.iter().map(|(c, _)| *c).collect(),
                members.iter().map(|(_, l)| *l).collect(),
            ));
        }
        Literals { changed, groups }
    })
}

/// `expr` (SQL of type `text`) folded as [`rampart_grammar::fold::fold`] folds (`NULL`
/// stays `NULL`). The result compares byte by byte (collation `C`).
pub(crate) fn folded(expr: &str) -> String {
    let l = literals();
    let c = format!("({expr} COLLATE \"C\")");
    let ascii = format!("lower({c})");
    let mut from = String::new();
    let mut to = String::new();
    // `||` over `CASE ... ELSE ''`, not `concat()`: `concat` is only stable in
    // PostgreSQL, and an expression index takes immutable functions alone.
    for (i, (range, chars, lower)) in l.groups.iter().enumerate() {
        let glue = if i > 0 { " || " } else { "" };
        let _ = write!(
            from,
            "{glue}CASE WHEN {c} ~ '{range}' THEN '{chars}' ELSE '' END"
        );
        let _ = write!(
            to,
            "{glue}CASE WHEN {c} ~ '{range}' THEN '{lower}' ELSE '' END"
        );
    }
    format!(
        "(CASE WHEN octet_length({expr}) = length({expr}) OR {c} !~ '{}' THEN {ascii} ELSE translate({ascii}, ({from}), ({to})) END)",
        l.changed
    )
}

/// `expr` (SQL of type `text`) without the leading and trailing white space Rust's
/// `str::trim` removes (every character with Unicode's `White_Space` property), as the
/// runtime trims ids and agents.
pub(crate) fn trimmed(expr: &str) -> String {
    static SPACE: OnceLock<String> = OnceLock::new();
    let space = SPACE.get_or_init(|| {
        ('\0'..=char::MAX)
            .filter(|c| c.is_whitespace())
            .map(|c| format!("\\u{:04X}", u32::from(c)))
            .collect()
    });
    format!("btrim({expr}, E'{space}')")
}

/// A value from a document or a request, folded for comparison with [`folded`] SQL.
pub(crate) fn folded_value(text: &str) -> String {
    rampart_grammar::fold::fold(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_groups_cover_the_table_once() {
        let l = literals();
        let grouped: usize = l.groups.iter().map(|(_, c, _)| c.chars().count()).sum();
        let table = rampart_grammar::fold::folding_pairs()
            .filter(|(c, _)| !c.is_ascii())
            .count();
        assert_eq!(grouped, table);
        for (_, chars, lower) in &l.groups {
            assert_eq!(chars.chars().count(), lower.chars().count());
        }
        assert!(l.changed.contains('Σ') && l.changed.contains('İ'));
        assert!(!l.changed.contains('σ') && !l.changed.contains('ı'));
    }
}
