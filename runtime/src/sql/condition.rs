//! Boolean SQL conditions with constant folding, and the bound parameters they use.
//!
//! Every atom is built never to be SQL `NULL` (absent values are tested with `IS NULL`
//! or folded to `''` exactly where the runtime reads an absent value as the empty
//! string), so `NOT` means what it means in the runtime: three-valued logic cannot turn a
//! deny into "unknown" and let a row through.

use std::collections::HashMap;

/// One bound parameter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SqlParam {
    /// A text value.
    Text(String),
    /// An array of text values (`text[]`).
    TextArray(Vec<String>),
}

/// A boolean condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Cond {
    True,
    False,
    /// SQL text that is never `NULL`, parenthesised where it needs to be.
    Atom(String),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
}

impl Cond {
    /// A constant.
    pub(crate) fn constant(value: bool) -> Cond {
        if value {
            Cond::True
        } else {
            Cond::False
        }
    }

    /// All of `items` (flattened and folded).
    pub(crate) fn all(items: impl IntoIterator<Item = Cond>) -> Cond {
        let mut out = Vec::new();
        for item in items {
            match item {
                Cond::True => {}
                Cond::False => return Cond::False,
                Cond::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Cond::True,
            1 => out.pop().unwrap_or(Cond::True),
            _ => Cond::And(out),
        }
    }

    /// Any of `items` (flattened and folded).
    pub(crate) fn any(items: impl IntoIterator<Item = Cond>) -> Cond {
        let mut out = Vec::new();
        for item in items {
            match item {
                Cond::False => {}
                Cond::True => return Cond::True,
                Cond::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Cond::False,
            1 => out.pop().unwrap_or(Cond::False),
            _ => Cond::Or(out),
        }
    }

    /// The negation.
    pub(crate) fn negate(self) -> Cond {
        match self {
            Cond::True => Cond::False,
            Cond::False => Cond::True,
            Cond::Not(inner) => *inner,
            other => Cond::Not(Box::new(other)),
        }
    }

    /// The SQL text.
    pub(crate) fn render(&self, out: &mut String) {
        match self {
            Cond::True => out.push_str("TRUE"),
            Cond::False => out.push_str("FALSE"),
            Cond::Atom(sql) => out.push_str(sql),
            Cond::And(items) | Cond::Or(items) => {
                let glue = if matches!(self, Cond::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                out.push('(');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(glue);
                    }
                    item.render(out);
                }
                out.push(')');
            }
            Cond::Not(inner) => {
                out.push_str("NOT ");
                let wrap = matches!(**inner, Cond::Not(_));
                if wrap {
                    out.push('(');
                }
                inner.render(out);
                if wrap {
                    out.push(')');
                }
            }
        }
    }
}

/// The parameters of one filter. Binding returns a marker; [`Params::finish`] numbers
/// the parameters the rendered SQL still uses (constant folding may drop a condition
/// after its values were bound) in order of appearance, from a first number, and equal
/// values share one number.
#[derive(Debug, Default)]
pub(crate) struct Params {
    values: Vec<SqlParam>,
    seen: HashMap<SqlParam, usize>,
}

/// Markers cannot occur in SQL text otherwise: column names are plain identifiers and
/// values are never written into the text.
const MARK: char = '\u{0}';

impl Params {
    pub(crate) fn new() -> Params {
        Params::default()
    }

    /// Binds `value` and returns its marker.
    pub(crate) fn bind(&mut self, value: SqlParam) -> String {
        let index = match self.seen.get(&value) {
            Some(i) => *i,
            None => {
                let i = self.values.len();
                self.values.push(value.clone());
                self.seen.insert(value, i);
                i
            }
        };
        format!("{MARK}{index}{MARK}")
    }

    /// Binds a text value; the placeholder is typed so that PostgreSQL never has to guess.
    pub(crate) fn text(&mut self, value: impl Into<String>) -> String {
        format!("{}::text", self.bind(SqlParam::Text(value.into())))
    }

    /// Binds a text array.
    pub(crate) fn array(&mut self, values: Vec<String>) -> String {
        format!("{}::text[]", self.bind(SqlParam::TextArray(values)))
    }

    /// `sql` with every marker replaced by its value written as a SQL literal (`'…'`,
    /// quotes doubled; an array as `ARRAY['…', …]`), for an index expression, which
    /// takes no parameters. The cast after each marker (`::text`) stays.
    pub(crate) fn inline(&self, sql: &str) -> String {
        let literal = |t: &str| format!("'{}'", t.replace('\'', "''"));
        let mut out = String::with_capacity(sql.len());
        let mut parts = sql.split(MARK);
        if let Some(head) = parts.next() {
            out.push_str(head);
        }
        while let (Some(index), Some(text)) = (parts.next(), parts.next()) {
            match index.parse::<usize>().ok().and_then(|i| self.values.get(i)) {
                Some(SqlParam::Text(t)) => out.push_str(&literal(t)),
                Some(SqlParam::TextArray(items)) => {
                    let items: Vec<String> = items.iter().map(|t| literal(t)).collect();
                    out.push_str(&format!("ARRAY[{}]", items.join(", ")));
                }
                None => out.push_str("NULL"),
            }
            out.push_str(text);
        }
        out
    }

    /// Replaces the markers in `sql` by `$first`, `$first+1`, ... and returns the SQL
    /// and the parameters it uses, in their order.
    pub(crate) fn finish(self, sql: &str, first: usize) -> (String, Vec<SqlParam>) {
        let mut out = String::with_capacity(sql.len());
        let mut numbers: HashMap<usize, usize> = HashMap::new();
        let mut used = Vec::new();
        let mut parts = sql.split(MARK);
        if let Some(head) = parts.next() {
            out.push_str(head);
        }
        while let (Some(index), Some(text)) = (parts.next(), parts.next()) {
            let index: usize = index.parse().unwrap_or(usize::MAX);
            let number = *numbers.entry(index).or_insert_with(|| {
                used.push(index);
                first + used.len() - 1
            });
            out.push('$');
            out.push_str(&number.to_string());
            out.push_str(text);
        }
        let params = used
            .into_iter()
            .filter_map(|i| self.values.get(i).cloned())
            .collect();
        (out, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_fold_and_nesting_flattens() {
        let a = || Cond::Atom("a".into());
        assert_eq!(Cond::all([Cond::True, a()]), a());
        assert_eq!(Cond::all([Cond::False, a()]), Cond::False);
        assert_eq!(Cond::any([Cond::True, a()]), Cond::True);
        assert_eq!(Cond::any([]), Cond::False);
        assert_eq!(Cond::all([]), Cond::True);
        assert_eq!(a().negate().negate(), a());
        let mut out = String::new();
        Cond::all([a(), Cond::any([a(), Cond::Atom("b".into())]).negate()]).render(&mut out);
        assert_eq!(out, "(a AND NOT (a OR b))");
    }

    #[test]
    fn inlined_parameters_are_quoted_literals() {
        let mut p = Params::new();
        let key = p.text("it's");
        let list = p.array(vec!["a".into(), "b'".into()]);
        let sql = format!("(tags ->> {key}) = ANY({list})");
        assert_eq!(
            p.inline(&sql),
            "(tags ->> 'it''s'::text) = ANY(ARRAY['a', 'b''']::text[])"
        );
    }

    #[test]
    fn parameters_are_numbered_as_used_and_shared() {
        let mut p = Params::new();
        let x = p.text("x");
        let dropped = p.text("dropped");
        let y = p.text("y");
        let sql = format!("{y} = {x} OR {x} = {y}");
        assert!(!sql.contains(&dropped));
        let (sql, params) = p.finish(&sql, 3);
        assert_eq!(sql, "$3::text = $4::text OR $4::text = $3::text");
        assert_eq!(
            params,
            vec![SqlParam::Text("y".into()), SqlParam::Text("x".into())]
        );
    }
}
