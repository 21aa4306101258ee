//! The Mission Control search query language, used by the `search` selector field.
//!
//! ```text
//! query   := or
//! or      := and ( "|" and )*                      -- `|` is OR, as documented
//! and     := unary ( whitespace unary )*            -- whitespace is AND
//! unary   := "-" primary | "!" path | primary      -- negation; `!path` = key absent
//! primary := "(" or ")" | path op value | path | word
//! op      := "<=" | ">=" | "!=" | "=" | "<" | ">"
//! ```
//!
//! A path is dotted (`tags.env`, `labels."app.kubernetes.io/name"`); a path with no
//! operator under `labels.`, `tags.` or `properties.` tests that the key exists; any
//! other bare word `w` means `name=w*`. Values compare as item patterns (comma lists,
//! `*`, `!x`, case-insensitive) for `=`/`!=`, and numerically (else as text) for the
//! ordering operators.

use std::borrow::Cow;
use std::fmt;

use nom::bytes::complete::take_while1;
use nom::Parser as _;

use crate::error::{GrammarError, Language};
use crate::fold::eq_fold;
use crate::item_pattern::ItemPattern;
use crate::lex::offset_of;

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `!=`
    NotEq,
    /// `>`
    Gt,
    /// `<`
    Lt,
    /// `>=`
    GtEq,
    /// `<=`
    LtEq,
}

impl CompareOp {
    /// The operator as written (`=`, `!=`, `>`, `<`, `>=`, `<=`).
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::NotEq => "!=",
            CompareOp::Gt => ">",
            CompareOp::Lt => "<",
            CompareOp::GtEq => ">=",
            CompareOp::LtEq => "<=",
        }
    }
}

/// A dotted field path such as `tags.env`; segments as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldPath(pub Vec<String>);

impl FieldPath {
    /// The segments.
    pub fn segments(&self) -> &[String] {
        &self.0
    }

    fn is_map_key(&self) -> bool {
        self.0.len() >= 2
            && self.0.first().is_some_and(|s| {
                let s = s.to_ascii_lowercase();
                s == "labels" || s == "tags" || s == "properties"
            })
    }
}

/// One node of a parsed query.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SearchExpr {
    /// Terms separated by whitespace: all must hold.
    And(Vec<SearchExpr>),
    /// Alternatives separated by `|`.
    Or(Vec<SearchExpr>),
    /// `-term`, or `!key` (as `Not(Exists)`).
    Not(Box<SearchExpr>),
    /// `field op value`.
    Compare {
        /// The field path.
        field: FieldPath,
        /// The operator.
        op: CompareOp,
        /// The value as written (unquoted).
        value: String,
    },
    /// A `tags.`/`labels.`/`properties.` key that must be present.
    Exists(FieldPath),
    /// A bare word `w`: `name=w*`.
    Bare(String),
}

/// What a query is evaluated against: a lookup of field paths.
pub trait SearchSubject {
    /// The value at `path` (`["tags", "env"]`, `["name"]`), or `None` when absent.
    fn value(&self, path: &[String]) -> Option<Cow<'_, str>>;
}

/// A parsed query, compiled for matching when it is parsed. Two queries are equal when
/// their expressions are.
#[derive(Clone, Debug)]
pub struct SearchQuery {
    root: SearchExpr,
    matcher: Matcher,
}

impl PartialEq for SearchQuery {
    fn eq(&self, other: &SearchQuery) -> bool {
        self.root == other.root
    }
}

impl Eq for SearchQuery {}

impl std::hash::Hash for SearchQuery {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.root.hash(state);
    }
}

/// A query expression compiled for matching: values as item patterns, bare words as
/// `name` patterns, ordering limits as numbers, so that matching parses nothing and
/// allocates nothing.
#[derive(Clone, Debug)]
enum Matcher {
    All(Vec<Matcher>),
    Any(Vec<Matcher>),
    Not(Box<Matcher>),
    Exists(FieldPath),
    /// `field=value` (a missing field is the empty string), or a bare word on `name`.
    Equal {
        field: FieldPath,
        value: ValuePattern,
    },
    /// `field>value` and the other orderings: numerically when both sides are numbers,
    /// else as text; a missing field fails.
    Order {
        field: FieldPath,
        op: CompareOp,
        expected: String,
        number: Option<f64>,
    },
}

/// A compared value: an item pattern, or (when it is none) text equal in any case.
#[derive(Clone, Debug)]
enum ValuePattern {
    Items(ItemPattern),
    Text(String),
}

impl ValuePattern {
    fn new(text: &str) -> ValuePattern {
        ItemPattern::parse(text).map_or_else(
            |_| ValuePattern::Text(text.to_string()),
            ValuePattern::Items,
        )
    }

    fn matches(&self, actual: &str) -> bool {
        match self {
            ValuePattern::Items(pattern) => pattern.matches(actual),
            ValuePattern::Text(text) => eq_fold(text, actual),
        }
    }
}

impl Matcher {
    fn new(expr: &SearchExpr) -> Matcher {
        match expr {
            SearchExpr::And(items) => Matcher::All(items.iter().map(Matcher::new).collect()),
            SearchExpr::Or(items) => Matcher::Any(items.iter().map(Matcher::new).collect()),
            SearchExpr::Not(inner) => Matcher::Not(Box::new(Matcher::new(inner))),
            SearchExpr::Exists(path) => Matcher::Exists(path.clone()),
            SearchExpr::Bare(word) => {
                let pattern = if word.contains('*') {
                    word.clone()
                } else {
                    format!("{word}*")
                };
                Matcher::Equal {
                    field: FieldPath(vec!["name".to_string()]),
                    value: ValuePattern::new(&pattern),
                }
            }
            SearchExpr::Compare { field, op, value } => match op {
                CompareOp::Eq => Matcher::Equal {
                    field: field.clone(),
                    value: ValuePattern::new(value),
                },
                CompareOp::NotEq => Matcher::Not(Box::new(Matcher::Equal {
                    field: field.clone(),
                    value: ValuePattern::new(value),
                })),
                ordering => Matcher::Order {
                    field: field.clone(),
                    op: *ordering,
                    expected: value.clone(),
                    number: value.trim().parse::<f64>().ok(),
                },
            },
        }
    }

    fn matches(&self, subject: &dyn SearchSubject) -> bool {
        match self {
            Matcher::All(items) => items.iter().all(|m| m.matches(subject)),
            Matcher::Any(items) => items.iter().any(|m| m.matches(subject)),
            Matcher::Not(inner) => !inner.matches(subject),
            Matcher::Exists(path) => subject.value(path.segments()).is_some(),
            Matcher::Equal { field, value } => {
                value.matches(subject.value(field.segments()).as_deref().unwrap_or(""))
            }
            Matcher::Order {
                field,
                op,
                expected,
                number,
            } => subject
                .value(field.segments())
                .is_some_and(|actual| compare(&actual, expected, *number, *op)),
        }
    }
}

fn is_word_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, '(' | ')' | '|' | '"' | '=' | '!' | '<' | '>' | '.'))
}

fn is_value_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, '(' | ')' | '|' | '"'))
}

struct QueryParser<'a> {
    input: &'a str,
    depth: usize,
}

const MAX_DEPTH: usize = 64;

impl<'a> QueryParser<'a> {
    fn fail(&self, rest: &str, expected: &str) -> GrammarError {
        GrammarError::new(
            Language::SearchQuery,
            self.input,
            offset_of(self.input, rest),
            expected,
        )
    }

    fn or(&mut self, rest: &'a str) -> Result<(SearchExpr, &'a str), GrammarError> {
        let mut branches = Vec::new();
        let (first, mut rest) = self.and(rest)?;
        branches.push(first);
        loop {
            let trimmed = rest.trim_start();
            match trimmed.strip_prefix('|') {
                Some(after) => {
                    let (next, after) = self.and(after.trim_start())?;
                    branches.push(next);
                    rest = after;
                }
                None => break,
            }
        }
        Ok((collapse(branches, SearchExpr::Or), rest))
    }

    fn and(&mut self, rest: &'a str) -> Result<(SearchExpr, &'a str), GrammarError> {
        let mut terms = Vec::new();
        let (first, mut rest) = self.unary(rest)?;
        terms.push(first);
        loop {
            let trimmed = rest.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('|') || trimmed.starts_with(')') {
                break;
            }
            if trimmed.len() == rest.len() {
                return Err(self.fail(rest, "whitespace, `|`, `)` or end of input"));
            }
            let (next, after) = self.unary(trimmed)?;
            terms.push(next);
            rest = after;
        }
        Ok((collapse(terms, SearchExpr::And), rest))
    }

    fn unary(&mut self, rest: &'a str) -> Result<(SearchExpr, &'a str), GrammarError> {
        if let Some(after) = rest.strip_prefix('-') {
            let (inner, after) = self.primary(after)?;
            return Ok((SearchExpr::Not(Box::new(inner)), after));
        }
        if let Some(after) = rest.strip_prefix('!') {
            let (path, quoted, after_path) = self.path(after)?;
            if !path.is_map_key() || quoted_only_first(&quoted) {
                return Err(self.fail(after, "a `labels.`, `tags.` or `properties.` key after `!`"));
            }
            return Ok((
                SearchExpr::Not(Box::new(SearchExpr::Exists(path))),
                after_path,
            ));
        }
        self.primary(rest)
    }

    fn primary(&mut self, rest: &'a str) -> Result<(SearchExpr, &'a str), GrammarError> {
        if let Some(after) = rest.strip_prefix('(') {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(self.fail(rest, "at most 64 nested parentheses"));
            }
            let (inner, after) = self.or(after.trim_start())?;
            let after = after.trim_start();
            self.depth -= 1;
            return match after.strip_prefix(')') {
                Some(after) => Ok((inner, after)),
                None => Err(self.fail(after, "`)`")),
            };
        }
        let start = rest;
        let (path, quoted, after) = self.path(rest)?;
        if let Some((op, after_op)) = operator(after) {
            let (value, after_value) = self.value(after_op)?;
            return Ok((
                SearchExpr::Compare {
                    field: path,
                    op,
                    value,
                },
                after_value,
            ));
        }
        if path.is_map_key() && !quoted_only_first(&quoted) {
            return Ok((SearchExpr::Exists(path), after));
        }
        match (path.0.as_slice(), quoted.as_slice()) {
            ([word], [true]) => Ok((SearchExpr::Bare(word.clone()), after)),
            (_, q) if q.iter().all(|quoted| !quoted) => {
                let raw = start.get(..start.len() - after.len()).unwrap_or("");
                Ok((SearchExpr::Bare(raw.to_string()), after))
            }
            _ => Err(self.fail(after, "an operator (`=`, `!=`, `>`, `<`, `>=`, `<=`)")),
        }
    }

    /// A dotted path; also reports which segments were quoted.
    fn path(&self, rest: &'a str) -> Result<(FieldPath, Vec<bool>, &'a str), GrammarError> {
        let mut segments = Vec::new();
        let mut quoted = Vec::new();
        let mut rest = rest;
        loop {
            if rest.starts_with('"') {
                let (text, after) = self.quoted(rest)?;
                segments.push(text);
                quoted.push(true);
                rest = after;
            } else {
                let (after, word) = take_while1::<_, _, nom::error::Error<&str>>(is_word_char)
                    .parse(rest)
                    .map_err(|_| self.fail(rest, "a search term"))?;
                segments.push(word.to_string());
                quoted.push(false);
                rest = after;
            }
            match rest.strip_prefix('.') {
                Some(after) => rest = after,
                None => return Ok((FieldPath(segments), quoted, rest)),
            }
        }
    }

    fn value(&self, rest: &'a str) -> Result<(String, &'a str), GrammarError> {
        if rest.starts_with('"') {
            return self.quoted(rest);
        }
        take_while1::<_, _, nom::error::Error<&str>>(is_value_char)
            .parse(rest)
            .map(|(after, v)| (v.to_string(), after))
            .map_err(|_| self.fail(rest, "a value"))
    }

    fn quoted(&self, rest: &'a str) -> Result<(String, &'a str), GrammarError> {
        let mut out = String::new();
        let mut chars = rest.char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Ok((out, rest.get(i + 1..).unwrap_or(""))),
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => out.push(e),
                    Some((j, _)) => {
                        return Err(self.fail(rest.get(j..).unwrap_or(""), "`\\\"` or `\\\\`"))
                    }
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err(self.fail("", "a closing `\"`"))
    }
}

fn quoted_only_first(quoted: &[bool]) -> bool {
    quoted.first().copied().unwrap_or(false)
}

fn operator(rest: &str) -> Option<(CompareOp, &str)> {
    [
        ("<=", CompareOp::LtEq),
        (">=", CompareOp::GtEq),
        ("!=", CompareOp::NotEq),
        ("=", CompareOp::Eq),
        ("<", CompareOp::Lt),
        (">", CompareOp::Gt),
    ]
    .into_iter()
    .find_map(|(symbol, op)| rest.strip_prefix(symbol).map(|after| (op, after)))
}

fn collapse(mut items: Vec<SearchExpr>, build: fn(Vec<SearchExpr>) -> SearchExpr) -> SearchExpr {
    if items.len() == 1 {
        if let Some(only) = items.pop() {
            return only;
        }
    }
    build(items)
}

impl SearchQuery {
    /// Parses a query.
    pub fn parse(input: &str) -> Result<SearchQuery, GrammarError> {
        let mut parser = QueryParser { input, depth: 0 };
        let (root, rest) = parser.or(input.trim_start())?;
        let rest = rest.trim_start();
        if !rest.is_empty() {
            return Err(parser.fail(rest, "a search term, `|` or end of input"));
        }
        Ok(SearchQuery::from_expr(root))
    }

    /// Builds a query from an expression (the parser's normal form is expected).
    pub fn from_expr(root: SearchExpr) -> SearchQuery {
        let matcher = Matcher::new(&root);
        SearchQuery { root, matcher }
    }

    /// The root expression.
    pub fn root(&self) -> &SearchExpr {
        &self.root
    }

    /// Evaluates the query against one object; parses and allocates nothing.
    pub fn matches(&self, subject: &dyn SearchSubject) -> bool {
        self.matcher.matches(subject)
    }
}

/// An ordering between a field's value and the written one: numerically when both are
/// numbers (`expected_number` is the written value's), else as text.
fn compare(actual: &str, expected: &str, expected_number: Option<f64>, op: CompareOp) -> bool {
    let ordering = match (actual.trim().parse::<f64>(), expected_number) {
        (Ok(a), Some(b)) => a.partial_cmp(&b),
        _ => Some(actual.cmp(expected)),
    };
    let Some(ordering) = ordering else {
        return false;
    };
    match op {
        CompareOp::Gt => ordering.is_gt(),
        CompareOp::Lt => ordering.is_lt(),
        CompareOp::GtEq => ordering.is_ge(),
        CompareOp::LtEq => ordering.is_le(),
        CompareOp::Eq | CompareOp::NotEq => false,
    }
}

fn write_quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in text.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

fn write_segment(f: &mut fmt::Formatter<'_>, segment: &str) -> fmt::Result {
    if segment.is_empty() || !segment.chars().all(is_word_char) {
        write_quoted(f, segment)
    } else {
        f.write_str(segment)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            // A first segment starting with `-` is quoted: unquoted, `-name=x` would read
            // back as the negation of `name=x`. The first segment of a map key
            // (`labels`, `tags`, `properties`) never needs quotes, and quoting it would
            // turn an existence test into a bare word.
            if i == 0 && segment.starts_with('-') {
                write_quoted(f, segment)?;
            } else {
                write_segment(f, segment)?;
            }
        }
        Ok(())
    }
}

fn bare_needs_quotes(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    word.is_empty()
        || word.starts_with('-')
        || !word.chars().all(is_word_char)
        || ["labels", "tags", "properties"].iter().any(|p| lower == *p)
}

fn write_atom(f: &mut fmt::Formatter<'_>, expr: &SearchExpr) -> fmt::Result {
    match expr {
        SearchExpr::And(_) | SearchExpr::Or(_) | SearchExpr::Not(_) => write!(f, "({expr})"),
        other => fmt::Display::fmt(other, f),
    }
}

impl fmt::Display for SearchExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchExpr::And(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    match item {
                        SearchExpr::And(_) | SearchExpr::Or(_) => write!(f, "({item})")?,
                        other => fmt::Display::fmt(other, f)?,
                    }
                }
                Ok(())
            }
            SearchExpr::Or(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    match item {
                        SearchExpr::Or(_) => write!(f, "({item})")?,
                        other => fmt::Display::fmt(other, f)?,
                    }
                }
                Ok(())
            }
            SearchExpr::Not(inner) => match inner.as_ref() {
                SearchExpr::Exists(path) => write!(f, "!{path}"),
                other => {
                    f.write_str("-")?;
                    write_atom(f, other)
                }
            },
            SearchExpr::Compare { field, op, value } => {
                write!(f, "{field}{}", op.symbol())?;
                let ambiguous = value.starts_with(['=', '<', '>', '!']);
                if value.is_empty() || ambiguous || !value.chars().all(is_value_char) {
                    write_quoted(f, value)
                } else {
                    f.write_str(value)
                }
            }
            SearchExpr::Exists(path) => path.fmt(f),
            SearchExpr::Bare(word) => {
                if bare_needs_quotes(word) {
                    write_quoted(f, word)
                } else {
                    f.write_str(word)
                }
            }
        }
    }
}

impl fmt::Display for SearchQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.root.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Object(BTreeMap<String, String>);

    impl SearchSubject for Object {
        fn value(&self, path: &[String]) -> Option<Cow<'_, str>> {
            self.0
                .get(&path.join("."))
                .map(|v| Cow::Borrowed(v.as_str()))
        }
    }

    fn object() -> Object {
        let pairs = [
            ("name", "nginx-ingress"),
            ("type", "Kubernetes::Pod"),
            ("tags.env", "prod"),
            ("labels.app", "web"),
            ("properties.cpu", "4"),
        ];
        Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn evaluation_table() {
        let cases = [
            ("nginx", true),
            ("redis", false),
            ("-redis", true),
            ("-nginx", false),
            ("type=Kubernetes::Pod", true),
            ("type=kubernetes::node,kubernetes::pod", true),
            ("type!=Kubernetes::Pod", false),
            ("tags.env=prod labels.app=web", true),
            ("tags.env=prod labels.app=api", false),
            ("tags.env=staging | labels.app=web", true),
            ("(tags.env=staging | labels.app=api) nginx", false),
            ("labels.app", true),
            ("!labels.app", false),
            ("!labels.missing", true),
            ("properties.cpu>2", true),
            ("properties.cpu<=3", false),
            ("properties.cpu>=4", true),
            ("name=\"nginx-ingress\"", true),
            ("labels.\"app\"=web", true),
            ("tags.missing!=x", true),
        ];
        for (query, expected) in cases {
            match SearchQuery::parse(query) {
                Ok(q) => assert_eq!(q.matches(&object()), expected, "{query}"),
                Err(e) => unreachable!("{query}: {e}"),
            }
        }
    }

    #[test]
    fn rejections() {
        for query in [
            "",
            "(",
            "a)",
            "name=",
            "name=\"x",
            "a |",
            "| a",
            "!name",
            "x=\"a\\q\"",
            "a=b=c)",
        ] {
            if let Ok(q) = SearchQuery::parse(query) {
                unreachable!("{query} parsed as {q}");
            }
        }
    }

    #[test]
    fn canonical_forms() {
        let cases = [
            ("a  b", "a b"),
            ("(a b) c", "(a b) c"),
            ("a b | c", "a b | c"),
            ("a (b | c)", "a (b | c)"),
            ("-(a b)", "-(a b)"),
            ("-labels.x", "!labels.x"),
            ("name=\"a b\"", "name=\"a b\""),
            ("\"labels.x\"", "\"labels.x\""),
            ("\"-name\"=zzz", "\"-name\"=zzz"),
        ];
        for (query, canonical) in cases {
            match SearchQuery::parse(query) {
                Ok(q) => assert_eq!(q.to_string(), canonical, "{query}"),
                Err(e) => unreachable!("{query}: {e}"),
            }
        }
    }
}
