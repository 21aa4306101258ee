//! Rules' predicates → SQL conditions, restating [`crate::selector`] and the search and
//! label-selector matchers of `rampart-grammar` clause by clause, so that a row is judged
//! as the runtime judges an object the catalog did not know.
//!
//! What cannot be restated exactly (a field without a column, a numeric comparison in a
//! search query, whose float parsing PostgreSQL does not share) is reported as
//! [`Untranslatable`]; the caller then falls back to the compiled id list.

use rampart_grammar::{
    CompareOp, Glob, ItemPattern, LabelSelector, Operator, Requirement, SearchExpr,
};

use super::columns::{ColumnMap, Field};
use super::condition::{Cond, Params};
use super::folding::{folded, folded_value, trimmed};
use crate::category::Category;
use crate::selector::{CompiledPredicate, CompiledSelector};
use crate::selectors::Selectors;
use rampart_grammar::fold::eq_fold;

/// Why a rule cannot be written as SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Untranslatable(pub(crate) String);

type Translated<T> = Result<T, Untranslatable>;

/// A text value as the runtime reads it: absent (no such field for this kind of object),
/// or a SQL expression of type `text` that is `NULL` where the object has no value.
enum Value {
    Absent,
    Sql(String),
}

/// Which lookup a label selector reads its keys through.
#[derive(Clone, Copy)]
enum Keys {
    /// A JSON map column (`tags`, `labels`).
    Map(Field),
    /// The catalog fields (`fieldSelector`).
    Fields,
}

/// Escapes `%`, `_` and the escape character itself for `LIKE ... ESCAPE '#'` (a
/// character whose meaning does not depend on `standard_conforming_strings`).
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '#') {
            out.push('#');
        }
        out.push(c);
    }
    out
}

/// Turns rule predicates into conditions for one category and one column map.
pub(crate) struct Translator<'t> {
    selectors: &'t Selectors,
    columns: &'t ColumnMap,
    category: Category,
    pub(crate) params: Params,
    /// Whether some condition folds case (and so needs a UTF-8 database).
    pub(crate) folds: bool,
    /// The folded column expressions conditions compare (with parameter markers), in
    /// order, each once: what an expression index can serve.
    pub(crate) indexed: Vec<String>,
}

impl<'t> Translator<'t> {
    pub(crate) fn new(
        selectors: &'t Selectors,
        columns: &'t ColumnMap,
        category: Category,
    ) -> Self {
        Translator {
            selectors,
            columns,
            category,
            params: Params::new(),
            folds: false,
            indexed: Vec::new(),
        }
    }

    fn column(&self, field: Field) -> Translated<String> {
        self.columns.column(field).ok_or_else(|| {
            Untranslatable(format!(
                "a rule reads `{field}` of {} and the column map has no column for it",
                self.category.plural()
            ))
        })
    }

    /// A column as text; ids and agents trimmed, as the runtime reads identities
    /// ([`crate::identity`]).
    fn text_column(&mut self, field: Field) -> Translated<Value> {
        let text = format!("({})::text", self.column(field)?);
        Ok(Value::Sql(if matches!(field, Field::Id | Field::Agent) {
            self.folds = true;
            trimmed(&text)
        } else {
            text
        }))
    }

    /// The agent column as trimmed text.
    fn agent_column(&mut self) -> Translated<String> {
        match self.text_column(Field::Agent)? {
            Value::Sql(agent) => Ok(agent),
            Value::Absent => Ok("NULL::text".into()),
        }
    }

    /// `map ->> key`; playbooks carry no tags or labels, whatever the table holds.
    fn map_lookup(&mut self, map: Field, key: &str) -> Translated<Value> {
        if self.category == Category::Playbook && matches!(map, Field::Tags | Field::Labels) {
            return Ok(Value::Absent);
        }
        let column = self.column(map)?;
        let value = format!("({column} ->> {})", self.params.text(key));
        if map == Field::Properties {
            return Ok(Value::Sql(value));
        }
        // A key whose JSON value is null is present with the value `''`, as Mission
        // Control reads tags and labels (into a `map[string]string`): `->>` alone would
        // read it as absent, and a deny on the key's existence would not see the row.
        Ok(Value::Sql(format!(
            "COALESCE({value}, CASE WHEN ({column} -> {}) IS NOT NULL THEN '' END)",
            self.params.text(key)
        )))
    }

    /// A config's namespace is its namespace column, else its `namespace` tag.
    fn namespace(&mut self) -> Translated<Value> {
        if self.category != Category::Config {
            return self.text_column(Field::Namespace);
        }
        let tag = self.map_lookup(Field::Tags, "namespace");
        match (self.columns.column(Field::Namespace), tag) {
            (Some(ns), Ok(Value::Sql(tag))) => {
                Ok(Value::Sql(format!("COALESCE(({ns})::text, {tag})")))
            }
            (None, Ok(tag)) => Ok(tag),
            (_, Err(_)) | (Some(_), Ok(Value::Absent)) => Err(Untranslatable(
                "a rule reads the namespace of configs, which falls back to the `namespace` tag, and the column map has no `tags` column".into(),
            )),
        }
    }

    /// A catalog field by its selector name, as `ObjectView::field` reads it.
    fn field(&mut self, key: &str) -> Translated<Value> {
        match key.to_ascii_lowercase().as_str() {
            "id" => self.text_column(Field::Id),
            "name" => self.text_column(Field::Name),
            "namespace" => self.namespace(),
            "type" => self.text_column(Field::Type),
            "class" | "config_class" => self.text_column(Field::Class),
            "status" => self.text_column(Field::Status),
            "health" => self.text_column(Field::Health),
            "agent" | "agent_id" => self.text_column(Field::Agent),
            "category" => self.text_column(Field::PlaybookCategory),
            _ => match key.strip_prefix("properties.") {
                Some(k) => self.map_lookup(Field::Properties, k),
                None => Ok(Value::Absent),
            },
        }
    }

    /// A search path, as the runtime's `SearchSubject` reads it.
    fn search_value(&mut self, path: &[String]) -> Translated<Value> {
        match path {
            [map, key] if map.eq_ignore_ascii_case("tags") => self.map_lookup(Field::Tags, key),
            [map, key] if map.eq_ignore_ascii_case("labels") => self.map_lookup(Field::Labels, key),
            [map, key] if map.eq_ignore_ascii_case("properties") => {
                self.map_lookup(Field::Properties, key)
            }
            [field] => self.field(field),
            _ => Ok(Value::Absent),
        }
    }

    fn lookup(&mut self, keys: Keys, key: &str) -> Translated<Value> {
        match keys {
            Keys::Map(map) => self.map_lookup(map, key),
            Keys::Fields => self.field(key),
        }
    }

    /// The value folded with absence read as `''`; `None` when the value is absent for
    /// this kind of object (the constant `''`).
    fn folded(&mut self, v: &Value) -> Option<String> {
        match v {
            Value::Absent => None,
            Value::Sql(e) => Some(self.fold(&format!("COALESCE({e}, '')"))),
        }
    }

    /// `expr` (a column's value) folded in SQL ([`folded`]), noting that the filter folds
    /// and that the folded expression can be indexed.
    fn fold(&mut self, expr: &str) -> String {
        self.folds = true;
        // Through the fold function the argument is collated `C`, so that the call's
        // result is too (as the folding written out is), and an index on it serves
        // `LIKE 'prefix%'`.
        let folded = match self.columns.fold_function() {
            Some(f) => format!("{f}(({expr}) COLLATE \"C\")"),
            None => folded(expr),
        };
        if !self.indexed.contains(&folded) {
            self.indexed.push(folded.clone());
        }
        folded
    }

    fn present(v: &Value) -> Cond {
        match v {
            Value::Absent => Cond::False,
            Value::Sql(e) => Cond::Atom(format!("({e} IS NOT NULL)")),
        }
    }

    fn glob(&mut self, folded: Option<&str>, glob: &Glob) -> Cond {
        let Some(e) = folded else {
            return Cond::constant(glob.matches_folded(""));
        };
        let like = |p: &mut Params, pattern: String| {
            Cond::Atom(format!("({e} LIKE {} ESCAPE '#')", p.text(pattern)))
        };
        match glob {
            Glob::Any => Cond::True,
            Glob::Exact(t) => Cond::Atom(format!("({e} = {})", self.params.text(t.as_str()))),
            Glob::Prefix(t) => like(&mut self.params, format!("{}%", like_escape(t))),
            Glob::Suffix(t) => like(&mut self.params, format!("%{}", like_escape(t))),
            Glob::Contains(t) => like(&mut self.params, format!("%{}%", like_escape(t))),
        }
    }

    /// A matching negation wins; otherwise a positive item must match; only negations:
    /// everything not excluded.
    fn combine(hits: Vec<(bool, Cond)>) -> Cond {
        let has_positive = hits.iter().any(|(negated, _)| !negated);
        let mut excluded = Vec::new();
        let mut included = Vec::new();
        for (negated, hit) in hits {
            if negated {
                excluded.push(hit);
            } else {
                included.push(hit);
            }
        }
        Cond::all([
            Cond::any(excluded).negate(),
            if has_positive {
                Cond::any(included)
            } else {
                Cond::True
            },
        ])
    }

    fn pattern(&mut self, folded: Option<&str>, pattern: &ItemPattern) -> Cond {
        let hits = pattern
            .items()
            .iter()
            .map(|item| (item.negated, self.glob(folded, &item.glob)))
            .collect();
        Self::combine(hits)
    }

    fn eq_fold(&mut self, folded: Option<&str>, text: &str) -> Cond {
        match folded {
            None => Cond::constant(eq_fold(text, "")),
            Some(e) => Cond::Atom(format!("({e} = {})", self.params.text(folded_value(text)))),
        }
    }

    /// An agent pattern: the object's agent id, or the name of a known agent with that
    /// id, matches; an object without an agent is matched as `''`.
    fn agent_pattern(&mut self, pattern: &ItemPattern) -> Translated<Cond> {
        let agent = self.agent_column()?;
        let folded = self.fold(&format!("COALESCE({agent}, '')"));
        let mut hits = Vec::new();
        for item in pattern.items() {
            let glob = &item.glob;
            let absent = Cond::all([
                Cond::Atom(format!("({agent} IS NULL)")),
                Cond::constant(glob.matches_folded("")),
            ]);
            let by_id = Cond::all([
                Cond::Atom(format!("({agent} IS NOT NULL)")),
                self.glob(Some(&folded), glob),
            ]);
            let named: Vec<String> = self
                .selectors
                .agents()
                .filter(|(_, name)| glob.matches(name))
                .map(|(id, _)| folded_value(id))
                .collect();
            let by_name = if named.is_empty() {
                Cond::False
            } else {
                Cond::Atom(format!("({folded} = ANY({}))", self.params.array(named)))
            };
            hits.push((item.negated, Cond::any([absent, by_id, by_name])));
        }
        Ok(Self::combine(hits))
    }

    /// The permission-level `agents` and `tags` (configs and components only).
    fn narrowing(
        &mut self,
        agents: Option<&[String]>,
        tags: &[(String, String)],
    ) -> Translated<Cond> {
        if !matches!(self.category, Category::Config | Category::Component) {
            return Ok(Cond::True);
        }
        let mut parts = Vec::new();
        if let Some(agents) = agents {
            let mut ids: Vec<String> = agents.iter().map(|a| folded_value(a)).collect();
            ids.extend(
                self.selectors
                    .agents()
                    .filter(|(_, name)| agents.iter().any(|a| eq_fold(a, name)))
                    .map(|(id, _)| folded_value(id)),
            );
            ids.sort();
            ids.dedup();
            let agent = self.agent_column()?;
            let folded = self.fold(&agent);
            parts.push(Cond::Atom(format!(
                "COALESCE({folded} = ANY({}), FALSE)",
                self.params.array(ids)
            )));
        }
        for (key, value) in tags {
            let column = self.column(Field::Tags)?;
            let key = self.params.text(key.as_str());
            let value = self.params.text(folded_value(value));
            let actual = self.fold(&format!("({column} ->> {key})"));
            parts.push(Cond::Atom(format!("COALESCE({actual} = {value}, FALSE)")));
        }
        Ok(Cond::all(parts))
    }

    /// One selector value (`prod`, or with the extension `prod-*`) against a present value.
    fn label_value(&mut self, v: &Value, pattern: &str) -> Cond {
        let folded = self.folded(v);
        if pattern.contains('*') {
            match ItemPattern::parse(pattern) {
                Ok(p) => self.pattern(folded.as_deref(), &p),
                Err(_) => Cond::False,
            }
        } else {
            self.eq_fold(folded.as_deref(), pattern)
        }
    }

    fn requirement(&mut self, keys: Keys, r: &Requirement) -> Translated<Cond> {
        let v = self.lookup(keys, &r.key)?;
        let present = Self::present(&v);
        let in_set = |t: &mut Self| {
            let values: Vec<Cond> = r.values.iter().map(|p| t.label_value(&v, p)).collect();
            Cond::all([Self::present(&v), Cond::any(values)])
        };
        Ok(match r.operator {
            Operator::Exists => present,
            Operator::DoesNotExist => present.negate(),
            Operator::Equals | Operator::DoubleEquals | Operator::In => in_set(self),
            Operator::NotEquals | Operator::NotIn => in_set(self).negate(),
            Operator::GreaterThan | Operator::LessThan => {
                let limit = r.values.first().and_then(|l| l.parse::<i64>().ok());
                match (&v, limit) {
                    (Value::Sql(e), Some(limit)) => {
                        let symbol = if r.operator == Operator::GreaterThan {
                            ">"
                        } else {
                            "<"
                        };
                        let limit = self.params.text(limit.to_string());
                        Cond::Atom(format!(
                            "(CASE WHEN {e} ~ '^[+-]?[0-9]+$' THEN (({e})::numeric BETWEEN -9223372036854775808 AND 9223372036854775807) AND (({e})::numeric {symbol} ({limit})::numeric) ELSE FALSE END)"
                        ))
                    }
                    _ => Cond::False,
                }
            }
        })
    }

    fn label_selector(&mut self, keys: Keys, s: &LabelSelector) -> Translated<Cond> {
        let parts = s
            .requirements()
            .iter()
            .map(|r| self.requirement(keys, r))
            .collect::<Translated<Vec<_>>>()?;
        Ok(Cond::all(parts))
    }

    /// A search value pattern: an item pattern where it parses as one, else text equality.
    fn search_pattern(&mut self, pattern: &str, v: &Value) -> Cond {
        let folded = self.folded(v);
        match ItemPattern::parse(pattern) {
            Ok(p) => self.pattern(folded.as_deref(), &p),
            Err(_) => self.eq_fold(folded.as_deref(), pattern),
        }
    }

    fn search(&mut self, e: &SearchExpr) -> Translated<Cond> {
        Ok(match e {
            SearchExpr::And(items) => Cond::all(
                items
                    .iter()
                    .map(|i| self.search(i))
                    .collect::<Translated<Vec<_>>>()?,
            ),
            SearchExpr::Or(items) => Cond::any(
                items
                    .iter()
                    .map(|i| self.search(i))
                    .collect::<Translated<Vec<_>>>()?,
            ),
            SearchExpr::Not(inner) => self.search(inner)?.negate(),
            SearchExpr::Exists(path) => Self::present(&self.search_value(path.segments())?),
            SearchExpr::Bare(word) => {
                let pattern = if word.contains('*') {
                    word.clone()
                } else {
                    format!("{word}*")
                };
                let name = self.field("name")?;
                self.search_pattern(&pattern, &name)
            }
            SearchExpr::Compare { field, op, value } => {
                let v = self.search_value(field.segments())?;
                match op {
                    CompareOp::Eq => self.search_pattern(value, &v),
                    CompareOp::NotEq => self.search_pattern(value, &v).negate(),
                    ordering => {
                        if value.trim().parse::<f64>().is_ok() {
                            return Err(Untranslatable(format!(
                                "the search comparison `{field}{}{value}` compares numbers, which SQL parses differently",
                                ordering.symbol()
                            )));
                        }
                        match v {
                            Value::Absent => Cond::False,
                            Value::Sql(e) => Cond::Atom(format!(
                                "COALESCE(({e} COLLATE \"C\") {} {}, FALSE)",
                                ordering.symbol(),
                                self.params.text(value.as_str())
                            )),
                        }
                    }
                }
            }
        })
    }

    fn selector(&mut self, s: &CompiledSelector) -> Translated<Cond> {
        let mut parts = Vec::new();
        let scalars = [
            (&s.id, Field::Id),
            (&s.name, Field::Name),
            (&s.types, Field::Type),
            (&s.statuses, Field::Status),
            (&s.health, Field::Health),
        ];
        for (pattern, field) in scalars {
            if let Some(p) = pattern {
                let v = self.text_column(field)?;
                let folded = self.folded(&v);
                parts.push(self.pattern(folded.as_deref(), p));
            }
        }
        if let Some(p) = &s.namespace {
            let v = self.namespace()?;
            let folded = self.folded(&v);
            parts.push(self.pattern(folded.as_deref(), p));
        }
        if let Some(p) = &s.agent {
            parts.push(self.agent_pattern(p)?);
        }
        if let Some(t) = &s.tag_selector {
            parts.push(self.label_selector(Keys::Map(Field::Tags), t)?);
        }
        if let Some(l) = &s.label_selector {
            parts.push(self.label_selector(Keys::Map(Field::Labels), l)?);
        }
        if let Some(f) = &s.field_selector {
            parts.push(self.label_selector(Keys::Fields, f)?);
        }
        if let Some(q) = &s.search {
            parts.push(self.search(q.root())?);
        }
        Ok(Cond::all(parts))
    }

    /// A rule's predicate: any of its selectors (none: no constraint), and the narrowing.
    pub(crate) fn predicate(&mut self, p: &CompiledPredicate) -> Translated<Cond> {
        let selected = if p.selectors.is_empty() {
            Cond::True
        } else {
            let mut any = Vec::new();
            for i in &p.selectors {
                match self.selectors.selector(*i) {
                    Some(s) => any.push(self.selector(s)?),
                    None => any.push(Cond::False),
                }
            }
            Cond::any(any)
        };
        Ok(Cond::all([
            selected,
            self.narrowing(p.agents.as_deref(), &p.tags)?,
        ]))
    }
}
