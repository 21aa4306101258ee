//! Kubernetes label selectors (`env=prod,tier in (web,api),!legacy`), with exactly the
//! accept/reject set of `k8s.io/apimachinery/pkg/labels` and its canonical form:
//! requirements sorted by key, values sorted and de-duplicated, no spaces.
//!
//! Rampart uses the grammar for `tagSelector` and `labelSelector`. As an explicit
//! extension (see [`LabelSelectorOptions::wildcard_values`]) values may carry `*`
//! item patterns (`env=prod-*`). Values compare case-insensitively, as Mission Control's
//! in-memory matcher does; keys compare exactly.

use std::fmt;

use nom::bytes::complete::take_while1;
use nom::Parser as _;

use crate::error::{GrammarError, Language};
use crate::fold::eq_fold;
use crate::item_pattern::ItemPattern;

/// Requirement operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operator {
    /// `key`
    Exists,
    /// `!key`
    DoesNotExist,
    /// `key=value`
    Equals,
    /// `key==value`
    DoubleEquals,
    /// `key!=value`
    NotEquals,
    /// `key in (a,b)`
    In,
    /// `key notin (a,b)`
    NotIn,
    /// `key>n`
    GreaterThan,
    /// `key<n`
    LessThan,
}

/// One requirement: `key op values`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// The operator.
    pub operator: Operator,
    /// Sorted and de-duplicated; one value for the equality operators and `>`/`<`.
    pub values: Vec<String>,
}

/// Parser switches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LabelSelectorOptions {
    /// Accept `*` patterns in values (`env=prod-*`), an extension to Kubernetes.
    pub wildcard_values: bool,
}

/// A parsed selector: requirements ANDed, sorted by key. Empty matches everything.
/// Every requirement is compiled for matching when the selector is parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
    matchers: Vec<RequirementMatcher>,
}

/// One selector value, compiled: an item pattern when it holds `*`, else the text that a
/// label value must equal (any case).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum ValueMatcher {
    /// A value with `*`, as an item pattern.
    Pattern(ItemPattern),
    /// A value with `*` that is no item pattern: it matches nothing.
    Nothing,
    /// A plain value.
    Equal(String),
}

impl ValueMatcher {
    fn new(value: &str) -> ValueMatcher {
        if value.contains('*') {
            ItemPattern::parse(value).map_or(ValueMatcher::Nothing, ValueMatcher::Pattern)
        } else {
            ValueMatcher::Equal(value.to_string())
        }
    }

    fn matches(&self, actual: &str) -> bool {
        match self {
            ValueMatcher::Pattern(pattern) => pattern.matches(actual),
            ValueMatcher::Nothing => false,
            ValueMatcher::Equal(value) => eq_fold(value, actual),
        }
    }
}

/// A requirement compiled for matching ([`Requirement::matcher`]): its values as matchers
/// and its `>`/`<` limit as a number, so that matching parses nothing and allocates nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequirementMatcher {
    key: String,
    operator: Operator,
    values: Vec<ValueMatcher>,
    limit: Option<i64>,
}

impl RequirementMatcher {
    fn new(requirement: &Requirement) -> RequirementMatcher {
        RequirementMatcher {
            key: requirement.key.clone(),
            operator: requirement.operator,
            values: requirement
                .values
                .iter()
                .map(|v| ValueMatcher::new(v))
                .collect(),
            limit: requirement
                .values
                .first()
                .and_then(|v| v.parse::<i64>().ok()),
        }
    }

    /// Whether a label set, given as a lookup, satisfies the requirement.
    pub fn matches<'v>(&self, lookup: &dyn Fn(&str) -> Option<&'v str>) -> bool {
        let actual = lookup(&self.key);
        let in_set = |v: &str| self.values.iter().any(|p| p.matches(v));
        match self.operator {
            Operator::Exists => actual.is_some(),
            Operator::DoesNotExist => actual.is_none(),
            Operator::Equals | Operator::DoubleEquals | Operator::In => actual.is_some_and(in_set),
            Operator::NotEquals | Operator::NotIn => !actual.is_some_and(in_set),
            Operator::GreaterThan | Operator::LessThan => {
                let value = actual.and_then(|v| v.parse::<i64>().ok());
                match (value, self.limit) {
                    (Some(v), Some(l)) if self.operator == Operator::GreaterThan => v > l,
                    (Some(v), Some(l)) => v < l,
                    _ => false,
                }
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token<'a> {
    Open,
    Close,
    Comma,
    Bang,
    DoubleEquals,
    Equals,
    NotEquals,
    Greater,
    Less,
    In,
    NotIn,
    Ident(&'a str),
    End,
}

fn is_special(c: char) -> bool {
    matches!(c, '=' | '!' | '(' | ')' | ',' | '>' | '<')
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Lexes the whole input into tokens with their byte offsets, as `Lexer.Lex` does.
fn lex(input: &str) -> Vec<(Token<'_>, usize)> {
    let mut tokens = Vec::new();
    let mut rest = input;
    loop {
        rest = rest.trim_start_matches(is_space);
        let at = input.len() - rest.len();
        let Some(c) = rest.chars().next() else {
            tokens.push((Token::End, at));
            return tokens;
        };
        if is_special(c) {
            let two = rest.get(..2);
            let (token, len) = match (two, c) {
                (Some("=="), _) => (Token::DoubleEquals, 2),
                (Some("!="), _) => (Token::NotEquals, 2),
                (_, '=') => (Token::Equals, 1),
                (_, '!') => (Token::Bang, 1),
                (_, '(') => (Token::Open, 1),
                (_, ')') => (Token::Close, 1),
                (_, ',') => (Token::Comma, 1),
                (_, '>') => (Token::Greater, 1),
                _ => (Token::Less, 1),
            };
            tokens.push((token, at));
            rest = rest.get(len..).unwrap_or("");
            continue;
        }
        let ident =
            take_while1::<_, _, nom::error::Error<&str>>(|c: char| !is_special(c) && !is_space(c))
                .parse(rest);
        match ident {
            Ok((after, word)) => {
                let token = match word {
                    "in" => Token::In,
                    "notin" => Token::NotIn,
                    w => Token::Ident(w),
                };
                tokens.push((token, at));
                rest = after;
            }
            Err(_) => {
                tokens.push((Token::End, at));
                return tokens;
            }
        }
    }
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<(Token<'a>, usize)>,
    position: usize,
    options: LabelSelectorOptions,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> (&Token<'a>, usize) {
        match self.tokens.get(self.position) {
            Some((t, at)) => (t, *at),
            None => (&Token::End, self.input.len()),
        }
    }

    fn next(&mut self) -> (Token<'a>, usize) {
        let (t, at) = self.peek();
        let t = t.clone();
        self.position += 1;
        (t, at)
    }

    fn fail(&self, at: usize, expected: &str) -> GrammarError {
        GrammarError::new(Language::LabelSelector, self.input, at, expected)
    }

    /// In "values" context the keywords are plain identifiers again.
    fn next_identifier(&mut self) -> Option<(&'a str, usize)> {
        let (t, at) = self.peek();
        let word = match t {
            Token::Ident(w) => *w,
            Token::In => "in",
            Token::NotIn => "notin",
            _ => return None,
        };
        self.position += 1;
        Some((word, at))
    }

    fn selector(&mut self) -> Result<Vec<Requirement>, GrammarError> {
        let mut requirements = Vec::new();
        if matches!(self.peek().0, Token::End) {
            return Ok(requirements);
        }
        loop {
            requirements.push(self.requirement()?);
            match self.next() {
                (Token::End, _) => return Ok(requirements),
                (Token::Comma, _) => {}
                (_, at) => return Err(self.fail(at, "`,` or end of input")),
            }
        }
    }

    fn key(&mut self) -> Result<String, GrammarError> {
        let (_, at) = self.peek();
        let (key, at) = self
            .next_identifier()
            .ok_or_else(|| self.fail(at, "a label key"))?;
        validate_key(key).map_err(|why| self.fail(at, why))?;
        Ok(key.to_string())
    }

    fn requirement(&mut self) -> Result<Requirement, GrammarError> {
        if matches!(self.peek().0, Token::Bang) {
            self.next();
            let key = self.key()?;
            return Ok(Requirement {
                key,
                operator: Operator::DoesNotExist,
                values: Vec::new(),
            });
        }
        let key = self.key()?;
        let (token, at) = self.peek();
        let operator =
            match token {
                Token::End | Token::Comma => {
                    return Ok(Requirement {
                        key,
                        operator: Operator::Exists,
                        values: Vec::new(),
                    });
                }
                Token::Equals => Operator::Equals,
                Token::DoubleEquals => Operator::DoubleEquals,
                Token::NotEquals => Operator::NotEquals,
                Token::In => Operator::In,
                Token::NotIn => Operator::NotIn,
                Token::Greater => Operator::GreaterThan,
                Token::Less => Operator::LessThan,
                _ => return Err(self.fail(
                    at,
                    "an operator (`=`, `==`, `!=`, `in`, `notin`, `>`, `<`), `,` or end of input",
                )),
            };
        self.next();
        let values = match operator {
            Operator::In | Operator::NotIn => self.value_set()?,
            Operator::GreaterThan | Operator::LessThan => vec![self.integer()?],
            _ => vec![self.single_value()?],
        };
        Ok(Requirement {
            key,
            operator,
            values,
        })
    }

    fn single_value(&mut self) -> Result<String, GrammarError> {
        match self.next_identifier() {
            Some((value, at)) => {
                self.validate_value(value, at)?;
                Ok(value.to_string())
            }
            None => match self.peek() {
                (Token::End | Token::Comma, _) => Ok(String::new()),
                (_, at) => Err(self.fail(at, "a label value")),
            },
        }
    }

    fn integer(&mut self) -> Result<String, GrammarError> {
        let (_, at) = self.peek();
        let (value, at) = self
            .next_identifier()
            .ok_or_else(|| self.fail(at, "an integer"))?;
        if value.parse::<i64>().is_err() {
            return Err(self.fail(at, "an integer"));
        }
        validate_plain_value(value).map_err(|why| self.fail(at, why))?;
        Ok(value.to_string())
    }

    fn value_set(&mut self) -> Result<Vec<String>, GrammarError> {
        match self.next() {
            (Token::Open, _) => {}
            (_, at) => return Err(self.fail(at, "`(`")),
        }
        let mut values = Vec::new();
        loop {
            let value = match self.next_identifier() {
                Some((value, at)) => {
                    self.validate_value(value, at)?;
                    value.to_string()
                }
                None => String::new(),
            };
            values.push(value);
            match self.next() {
                (Token::Comma, _) => {}
                (Token::Close, _) => break,
                (_, at) => return Err(self.fail(at, "`,` or `)`")),
            }
        }
        values.sort();
        values.dedup();
        Ok(values)
    }

    fn validate_value(&self, value: &str, at: usize) -> Result<(), GrammarError> {
        if self.options.wildcard_values && value.contains('*') {
            ItemPattern::parse(value).map_err(|e| e.shifted(at))?;
            let stand_in = value.replace('*', "a");
            return validate_plain_value(&stand_in).map_err(|why| self.fail(at, why));
        }
        validate_plain_value(value).map_err(|why| self.fail(at, why))
    }
}

fn is_name_body(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`, 1 to 63 bytes.
fn is_qualified_name_part(name: &str) -> bool {
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            name.len() <= 63
                && first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && name.chars().all(is_name_body)
        }
        _ => false,
    }
}

/// A lowercase DNS-1123 subdomain of at most 253 bytes.
fn is_dns_subdomain(prefix: &str) -> bool {
    prefix.len() <= 253
        && prefix.split('.').all(|label| {
            let b = label.as_bytes();
            match (b.first(), b.last()) {
                (Some(f), Some(l)) => {
                    (f.is_ascii_lowercase() || f.is_ascii_digit())
                        && (l.is_ascii_lowercase() || l.is_ascii_digit())
                        && b.iter()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                }
                _ => false,
            }
        })
}

fn validate_key(key: &str) -> Result<(), &'static str> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if !is_dns_subdomain(prefix) {
            return Err("a key prefix that is a lowercase DNS subdomain (at most 253 characters)");
        }
    }
    if !is_qualified_name_part(name) {
        return Err("a label key: alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric, at most 63 characters");
    }
    Ok(())
}

fn validate_plain_value(value: &str) -> Result<(), &'static str> {
    if value.is_empty() || is_qualified_name_part(value) {
        Ok(())
    } else {
        Err("a label value: empty, or alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric, at most 63 characters")
    }
}

impl Requirement {
    /// The requirement compiled for matching many label sets.
    pub fn matcher(&self) -> RequirementMatcher {
        RequirementMatcher::new(self)
    }

    /// Whether a label set, given as a lookup, satisfies this requirement (compiles it
    /// first: to match many label sets, use [`Requirement::matcher`]; a parsed
    /// [`LabelSelector`] holds its requirements compiled).
    pub fn matches<'v>(&self, lookup: &dyn Fn(&str) -> Option<&'v str>) -> bool {
        self.matcher().matches(lookup)
    }
}

impl LabelSelector {
    /// Parses with Kubernetes' exact accept/reject set.
    pub fn parse(input: &str) -> Result<LabelSelector, GrammarError> {
        LabelSelector::parse_with(input, LabelSelectorOptions::default())
    }

    /// Parses with extensions switched on or off.
    pub fn parse_with(
        input: &str,
        options: LabelSelectorOptions,
    ) -> Result<LabelSelector, GrammarError> {
        let mut parser = Parser {
            input,
            tokens: lex(input),
            position: 0,
            options,
        };
        let mut requirements = parser.selector()?;
        requirements.sort();
        let matchers = requirements.iter().map(Requirement::matcher).collect();
        Ok(LabelSelector {
            requirements,
            matchers,
        })
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// True when the selector has no requirement (it matches everything).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether a label set satisfies every requirement; parses and allocates nothing.
    pub fn matches<'v>(&self, lookup: &dyn Fn(&str) -> Option<&'v str>) -> bool {
        self.matchers.iter().all(|r| r.matches(lookup))
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = self.values.first().map(String::as_str).unwrap_or("");
        match self.operator {
            Operator::Exists => f.write_str(&self.key),
            Operator::DoesNotExist => write!(f, "!{}", self.key),
            Operator::Equals => write!(f, "{}={first}", self.key),
            Operator::DoubleEquals => write!(f, "{}=={first}", self.key),
            Operator::NotEquals => write!(f, "{}!={first}", self.key),
            Operator::GreaterThan => write!(f, "{}>{first}", self.key),
            Operator::LessThan => write!(f, "{}<{first}", self.key),
            Operator::In => write!(f, "{} in ({})", self.key, self.values.join(",")),
            Operator::NotIn => write!(f, "{} notin ({})", self.key, self.values.join(",")),
        }
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            r.fmt(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_accepts_and_canonicalises() {
        let cases = [
            ("", ""),
            ("x=a", "x=a"),
            ("x==a", "x==a"),
            ("x=", "x="),
            ("x!=a", "x!=a"),
            ("x in (b,a,b)", "x in (a,b)"),
            ("x in ()", "x in ()"),
            ("x in (a,)", "x in (,a)"),
            ("x notin (a)", "x notin (a)"),
            ("!x", "!x"),
            ("x", "x"),
            ("y=b,x=a", "x=a,y=b"),
            ("x>1", "x>1"),
            ("x<10", "x<10"),
            ("in=notin", "in=notin"),
            ("notin", "notin"),
            ("x in (in,notin)", "x in (in,notin)"),
            ("example.com/app=web", "example.com/app=web"),
            (" x = a , y ", "x=a,y"),
        ];
        for (input, canonical) in cases {
            match LabelSelector::parse(input) {
                Ok(s) => assert_eq!(s.to_string(), canonical, "{input}"),
                Err(e) => unreachable!("{input}: {e}"),
            }
        }
    }

    #[test]
    fn kubernetes_rejects() {
        let cases = [
            ",",
            "x=a,",
            "x=a,,y=b",
            "x<=1",
            "x>=1",
            "x=a||y=b",
            "x in (a b)",
            "x in a",
            "!x=a",
            "x>a",
            "x>-1",
            "Example.com/app=a",
            "-x=a",
            "x=-a",
            "x=a*",
            "a/b/c=d",
            "x in (a",
            "(x)",
            "x y",
        ];
        for input in cases {
            if let Ok(s) = LabelSelector::parse(input) {
                unreachable!("{input} parsed as {s}");
            }
        }
    }

    #[test]
    fn matching() {
        let labels = [("env", "prod"), ("tier", "web"), ("replicas", "3")];
        let lookup = |k: &str| labels.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
        let options = LabelSelectorOptions {
            wildcard_values: true,
        };
        let cases = [
            ("env=prod", true),
            ("env=PROD", true),
            ("env!=prod", false),
            ("missing!=x", true),
            ("missing notin (x)", true),
            ("missing in (x)", false),
            ("env in (staging,prod)", true),
            ("!missing", true),
            ("!env", false),
            ("env,tier=web", true),
            ("replicas>2", true),
            ("replicas<2", false),
            ("env=pr*", true),
            ("", true),
        ];
        for (selector, expected) in cases {
            match LabelSelector::parse_with(selector, options) {
                Ok(s) => assert_eq!(s.matches(&lookup), expected, "{selector}"),
                Err(e) => unreachable!("{selector}: {e}"),
            }
        }
    }
}
