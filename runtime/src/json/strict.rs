//! Strict JSON: the reading every face that takes a request as JSON shares. [`parse`]
//! refuses duplicate member names at every depth (serde_json keeps the last one
//! silently, so `{"id": "a", "id": "b"}` could be read as `b` by one face and logged as
//! `a` by another); [`Members`] hands out the members a shape defines and reports every
//! other one as an unknown member, with the nearest known name; [`At`] says where in
//! the body a problem sits (`context.resources[1].properties`), built on the stack and
//! rendered only when a problem is reported. Reading collects [`Problems`]: every
//! problem of a request in one answer, not the first.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

use crate::suggest::did_you_mean;
use crate::text::Shown;

/// Where a value sits in a request: `subject.id`, `evaluations[2].context`.
#[derive(Clone, Copy, Debug)]
pub struct At<'a> {
    parent: Option<&'a At<'a>>,
    step: Step<'a>,
}

#[derive(Clone, Copy, Debug)]
enum Step<'a> {
    /// The body itself (written as `the body` when nothing is below it).
    Root,
    /// A member of an object.
    Member(&'a str),
    /// An item of an array.
    Index(usize),
}

impl<'a> At<'a> {
    /// The body.
    pub const ROOT: At<'static> = At {
        parent: None,
        step: Step::Root,
    };

    /// The member `name` of the value here.
    pub fn member(&'a self, name: &'a str) -> At<'a> {
        At {
            parent: Some(self),
            step: Step::Member(name),
        }
    }

    /// The item `index` of the array here.
    pub fn index(&'a self, index: usize) -> At<'a> {
        At {
            parent: Some(self),
            step: Step::Index(index),
        }
    }

    /// True for the body itself.
    pub fn is_root(&self) -> bool {
        matches!(self.step, Step::Root)
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.write(f)?;
        }
        match self.step {
            Step::Root => Ok(()),
            Step::Member(name) => {
                if self.parent.is_some_and(|p| !p.is_root()) {
                    f.write_str(".")?;
                }
                write!(f, "{}", Shown(name))
            }
            Step::Index(index) => write!(f, "[{index}]"),
        }
    }
}

impl fmt::Display for At<'_> {
    /// `context.resources[0]`, or `the body` for the body itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str("the body");
        }
        f.write_str("`")?;
        self.write(f)?;
        f.write_str("`")
    }
}

/// One problem of a request: what is wrong and where, and what to write instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong, naming where (`unknown member `context.resource``).
    pub message: String,
    /// What to write instead (`did you mean `resources`?`), when there is something to say.
    pub help: Option<String>,
}

/// Every problem of one request, in the order the reading met them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems {
    problems: Vec<Problem>,
}

impl Problems {
    /// No problem yet.
    pub fn new() -> Problems {
        Problems::default()
    }

    /// One problem.
    pub fn one(message: impl Into<String>, help: Option<String>) -> Problems {
        let mut problems = Problems::new();
        problems.push(message, help);
        problems
    }

    /// Records a problem.
    pub fn push(&mut self, message: impl Into<String>, help: Option<String>) {
        self.problems.push(Problem {
            message: message.into(),
            help,
        });
    }

    /// Records every problem of `other`.
    pub fn extend(&mut self, other: Problems) {
        self.problems.extend(other.problems);
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.problems.len()
    }

    /// True when nothing was wrong.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems.
    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter()
    }

    /// `Ok(value)` when nothing was wrong, else the problems. A reader that gave up
    /// without saying why would be a bug; it still reads as an error, never a request.
    pub fn into_result<T>(self, value: Option<T>) -> Result<T, Problems> {
        match value {
            Some(value) if self.is_empty() => Ok(value),
            _ if !self.is_empty() => Err(self),
            _ => Err(Problems::one("the request could not be read", None)),
        }
    }

    /// The messages, joined with `; `: at most [`SHOWN_PROBLEMS`] of them, then how many
    /// more (a hostile body can hold a million unknown members; its answer stays small).
    pub fn message(&self) -> String {
        let mut out = self
            .problems
            .iter()
            .take(SHOWN_PROBLEMS)
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        if self.problems.len() > SHOWN_PROBLEMS {
            out.push_str(&format!(
                "; and {} more problems",
                self.problems.len() - SHOWN_PROBLEMS
            ));
        }
        out
    }

    /// The help lines of the problems [`Problems::message`] shows, each once, joined
    /// with `; `, when any has one.
    pub fn help(&self) -> Option<String> {
        let mut helps: Vec<&str> = Vec::new();
        for help in self
            .problems
            .iter()
            .take(SHOWN_PROBLEMS)
            .filter_map(|p| p.help.as_deref())
        {
            if !helps.contains(&help) {
                helps.push(help);
            }
        }
        (!helps.is_empty()).then(|| helps.join("; "))
    }
}

/// The most problems a message lists.
pub const SHOWN_PROBLEMS: usize = 20;

impl Problems {
    /// The messages and, on a line of its own, the help: for a terminal.
    pub fn with_help(&self) -> String {
        match self.help() {
            Some(help) => format!("{}\nhelp: {help}", self.message()),
            None => self.message(),
        }
    }
}

impl fmt::Display for Problems {
    /// The messages ([`Problems::message`]); the help is [`Problems::help`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Problems {}

/// The UTF-8 byte order mark, refused at the start of every request and document.
pub const UTF8_BOM: &str = "\u{feff}";

/// Parses JSON text, refusing a member name given twice in one object at any depth.
/// Nesting is bounded by serde_json's recursion limit (128), so a deep body is an error,
/// not a stack overflow.
///
/// A body or line starting with a UTF-8 byte order mark is refused by name (one rule for
/// every request and document Rampart reads: `docs/requests.md`).
pub fn parse(text: &[u8]) -> Result<Value, Problems> {
    if text.starts_with(UTF8_BOM.as_bytes()) {
        return Err(Problems::one(
            "the request starts with a UTF-8 byte order mark (bytes EF BB BF)",
            Some("send the JSON without a byte order mark".into()),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let value = StrictSeed { at: At::ROOT }
        .deserialize(&mut deserializer)
        .and_then(|v| deserializer.end().map(|()| v));
    value.map_err(|e| {
        Problems::one(
            format!("the request is not valid JSON: {e}"),
            Some("send one JSON object, each member name once per object".into()),
        )
    })
}

/// A JSON value read strictly: what [`parse`] does, for any serde format (a YAML
/// document's request, say). Deserializing a request type through it refuses duplicate
/// members even where the format would keep the last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrictValue(pub Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<StrictValue, D::Error> {
        StrictSeed { at: At::ROOT }
            .deserialize(deserializer)
            .map(StrictValue)
    }
}

struct StrictSeed<'a> {
    at: At<'a>,
}

impl<'de> DeserializeSeed<'de> for StrictSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("{} is not a finite number", self.at)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        StrictSeed { at: self.at }.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element_seed(StrictSeed {
            at: self.at.index(items.len()),
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.contains_key(&name) {
                return Err(A::Error::custom(format!(
                    "duplicate member {}",
                    self.at.member(&name)
                )));
            }
            let value = map.next_value_seed(StrictSeed {
                at: self.at.member(&name),
            })?;
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
}

/// The kind of a JSON value, as messages name it.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The members of one JSON object, handed out by name; whatever is left when the
/// shape is read is an unknown member.
#[derive(Debug)]
pub struct Members<'a> {
    members: Map<String, Value>,
    at: At<'a>,
}

impl<'a> Members<'a> {
    /// The members of `value`, which must be an object (else a problem, and `None`).
    pub fn new(value: Value, at: At<'a>, problems: &mut Problems) -> Option<Members<'a>> {
        match value {
            Value::Object(members) => Some(Members { members, at }),
            other => {
                problems.push(
                    format!("{at} must be a JSON object, not {}", kind_of(&other)),
                    None,
                );
                None
            }
        }
    }

    /// Where the object sits.
    pub fn at(&self) -> At<'a> {
        self.at
    }

    /// True when the member `name` is present (and not taken yet).
    pub fn has(&self, name: &str) -> bool {
        self.members.contains_key(name)
    }

    /// Takes the member `name`, when present.
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.members.remove(name)
    }

    /// True when the object has no member left.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Every member not taken is an unknown member: a problem each, with the nearest of
    /// `known` (the members this shape defines) as a did-you-mean.
    pub fn finish(self, known: &[&str], problems: &mut Problems) {
        for name in self.members.keys() {
            let help = did_you_mean(name, known.iter().copied()).or_else(|| {
                Some(if known.is_empty() {
                    format!("{} takes no members", self.at)
                } else {
                    format!(
                        "{} takes {}",
                        self.at,
                        known
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
            });
            problems.push(format!("unknown member {}", self.at.member(name)), help);
        }
    }
}

impl Members<'_> {
    /// Every member is an unknown member, with `help` saying why this object holds none.
    pub fn refuse_all(self, help: &str, problems: &mut Problems) {
        for name in self.members.keys() {
            problems.push(
                format!("unknown member {}", self.at.member(name)),
                Some(help.to_string()),
            );
        }
    }
}

/// A string (else a problem naming what was found).
pub fn string(value: Value, at: At<'_>, problems: &mut Problems) -> Option<String> {
    match value {
        Value::String(s) => Some(s),
        other => {
            problems.push(
                format!("{at} must be a string, not {}", kind_of(&other)),
                None,
            );
            None
        }
    }
}

/// A boolean (else a problem).
pub fn boolean(value: Value, at: At<'_>, problems: &mut Problems) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(b),
        other => {
            problems.push(
                format!("{at} must be true or false, not {}", kind_of(&other)),
                None,
            );
            None
        }
    }
}

/// An array (else a problem).
pub fn array(value: Value, at: At<'_>, problems: &mut Problems) -> Option<Vec<Value>> {
    match value {
        Value::Array(items) => Some(items),
        other => {
            problems.push(
                format!("{at} must be an array, not {}", kind_of(&other)),
                None,
            );
            None
        }
    }
}

/// An object whose every member is a string (`tags`, `labels`).
pub fn string_map(
    value: Value,
    at: At<'_>,
    problems: &mut Problems,
) -> Option<BTreeMap<String, String>> {
    let Value::Object(members) = value else {
        problems.push(
            format!("{at} must be an object of strings, not {}", kind_of(&value)),
            None,
        );
        return None;
    };
    let mut out = BTreeMap::new();
    let mut complete = true;
    for (name, v) in members {
        match v {
            Value::String(s) => {
                out.insert(name, s);
            }
            other => {
                problems.push(
                    format!(
                        "{} must be a string, not {}",
                        at.member(&name),
                        kind_of(&other)
                    ),
                    None,
                );
                complete = false;
            }
        }
    }
    complete.then_some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn duplicate_members_are_refused_at_every_depth() {
        for (text, at) in [
            (r#"{"a": 1, "a": 2}"#, "`a`"),
            (r#"{"a": {"b": 1, "b": 1}}"#, "`a.b`"),
            (r#"{"a": [{}, {"c": {"d": "x", "d": "y"}}]}"#, "`a[1].c.d`"),
            (r#"{"tags": {"env": "dev", "env": "prod"}}"#, "`tags.env`"),
        ] {
            let problems = parse(text.as_bytes()).unwrap_err();
            assert!(
                problems
                    .message()
                    .contains(&format!("duplicate member {at}")),
                "{text}: {problems}"
            );
        }
        assert_eq!(
            parse(br#"{"a": {"b": [1, true, null, "x", 2.5]}, "b": {}}"#).unwrap(),
            serde_json::json!({"a": {"b": [1, true, null, "x", 2.5]}, "b": {}})
        );
    }

    #[test]
    fn deep_trailing_and_broken_bodies_are_errors() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse(deep.as_bytes()).is_err());
        assert!(parse(b"{} {}").is_err());
        assert!(parse(b"{\"a\": ").is_err());
        assert!(parse(b"").is_err());
    }

    #[test]
    fn unknown_members_are_named_with_their_place_and_the_nearest_known_one() {
        let root = At::ROOT;
        let context = root.member("context");
        let mut problems = Problems::new();
        let mut members = Members::new(
            serde_json::json!({"resource": [], "explain": true, "zzz": 1}),
            context,
            &mut problems,
        )
        .unwrap();
        assert_eq!(members.take("explain"), Some(Value::Bool(true)));
        members.finish(&["resources", "explain"], &mut problems);
        let all: Vec<&Problem> = problems.iter().collect();
        assert_eq!(all.len(), 2, "{problems}");
        assert_eq!(all[0].message, "unknown member `context.resource`");
        assert_eq!(all[0].help.as_deref(), Some("did you mean `resources`?"));
        assert_eq!(all[1].message, "unknown member `context.zzz`");
        assert_eq!(
            all[1].help.as_deref(),
            Some("`context` takes `resources`, `explain`")
        );
        let mut many = Problems::new();
        for i in 0..1000 {
            many.push(format!("problem {i}"), Some("the same help".into()));
        }
        assert!(many
            .message()
            .ends_with("problem 19; and 980 more problems"));
        assert_eq!(many.help().as_deref(), Some("the same help"));
        let first = context.member("resources");
        assert_eq!(first.index(0).to_string(), "`context.resources[0]`");
        assert_eq!(root.to_string(), "the body");
    }
}
