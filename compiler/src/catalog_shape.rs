//! Every structural problem of a catalog in one run, each at its entry and field, in the
//! user's words.
//!
//! The catalog is read strictly by serde ([`crate::catalog`]), which stops at the first
//! problem and words it in the parser's terms (`expected sequence start`). When that read
//! fails, the file is read once more as a plain tree of maps, lists and values with their
//! positions ([`Node`]; flow style `{a: b}` and block style alike), and the tree is walked
//! against the catalog's shape: unknown lists and fields (with the nearest known name), a
//! list where a map is expected and the reverse, entries that are not maps, and entries
//! without their key field. Each problem says what was found and what to write instead,
//! with an example. The tree and the walk are linear in the file; the strict read stays
//! the only way a catalog is accepted, so the walk can only add explanations, never
//! accept or refuse a catalog by itself.

use std::sync::Arc;

use serde_saphyr::{Location as Span, Spanned};

use crate::connections::node::Node;
use crate::diagnostic::Diagnostic;
use crate::source::{Location, SourceFile};
use crate::yaml::DocumentText;

/// A value of the tree with where it starts ([`Span::UNKNOWN`] for JSON, whose positions
/// are found from the field path).
type Value = Spanned<Node>;

/// A JSON value as a tree without positions.
fn from_json(value: serde_json::Value) -> Value {
    use serde_json::Value as Json;
    let node = match value {
        Json::Null => Node::Null,
        Json::Bool(b) => Node::Bool(b),
        Json::Number(n) => n
            .as_i64()
            .map_or(Node::Float(n.as_f64().unwrap_or(0.0)), Node::Int),
        Json::String(s) => Node::Str(s),
        Json::Array(items) => Node::Seq(items.into_iter().map(from_json).collect()),
        Json::Object(map) => Node::Map(
            map.into_iter()
                .map(|(k, v)| (unplaced(k), from_json(v)))
                .collect(),
        ),
    };
    unplaced(node)
}

fn unplaced<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Span::UNKNOWN, Span::UNKNOWN)
}

/// Where a value starts, when the tree knows it.
fn place<T>(value: &Spanned<T>) -> Option<&Span> {
    (value.referenced != Span::UNKNOWN).then_some(&value.referenced)
}

/// What a value is, for "found ..." (`text `admin``, `a list`).
fn found(node: &Node) -> String {
    match node {
        Node::Str(t) => format!("text `{}`", rampart_runtime::text::Shown(t)),
        Node::Null => "nothing".into(),
        Node::Seq(_) => "a list".into(),
        Node::Map(_) => "a map".into(),
        Node::Bool(_) | Node::Int(_) | Node::Float(_) => "a single value".into(),
    }
}

fn text(node: &Node) -> Option<&str> {
    match node {
        Node::Str(t) => Some(t),
        _ => None,
    }
}

/// The shape a field's value must have.
#[derive(Clone, Copy)]
enum Shape {
    /// One value (text).
    Text,
    /// A list of values.
    List,
    /// A map of key: value (text values).
    Map,
}

/// The fields of an entry of one catalog list.
struct EntryShape {
    list: &'static str,
    fields: &'static [(&'static str, Shape)],
    /// The field an entry cannot do without (checked here only when the strict read
    /// needs it: the others are checked after reading, by `LoadedCatalog::integrity`).
    required: Option<&'static str>,
    /// One entry as it could be written.
    example: &'static str,
}

const OBJECT_FIELDS: &[(&str, Shape)] = &[
    ("id", Shape::Text),
    ("name", Shape::Text),
    ("namespace", Shape::Text),
    ("type", Shape::Text),
    ("class", Shape::Text),
    ("config_class", Shape::Text),
    ("agent", Shape::Text),
    ("status", Shape::Text),
    ("health", Shape::Text),
    ("category", Shape::Text),
    ("tags", Shape::Map),
    ("labels", Shape::Map),
    ("properties", Shape::Map),
];

const NAMED_FIELDS: &[(&str, Shape)] = &[
    ("id", Shape::Text),
    ("namespace", Shape::Text),
    ("name", Shape::Text),
    ("category", Shape::Text),
];

/// Every list of a catalog, in the order the catalog documents them.
const LISTS: &[EntryShape] = &[
    EntryShape {
        list: "people",
        fields: &[
            ("id", Shape::Text),
            ("name", Shape::Text),
            ("email", Shape::Text),
            ("roles", Shape::List),
            ("teams", Shape::List),
            ("inherits", Shape::List),
        ],
        required: None,
        example: "{id: p-john, name: John Doe, email: john@doe.com, roles: [editor], teams: [sre-team]}",
    },
    EntryShape {
        list: "teams",
        fields: &[
            ("id", Shape::Text),
            ("name", Shape::Text),
            ("members", Shape::List),
        ],
        required: Some("name"),
        example: "{id: t-sre, name: sre-team, members: [john@doe.com]}",
    },
    EntryShape {
        list: "agents",
        fields: &[("id", Shape::Text), ("name", Shape::Text)],
        required: Some("id"),
        example: "{id: a-local, name: local}",
    },
    EntryShape {
        list: "playbooks",
        fields: NAMED_FIELDS,
        required: Some("name"),
        example: "{id: pb-echo, namespace: mc, name: echo-config, category: debug}",
    },
    EntryShape {
        list: "notifications",
        fields: NAMED_FIELDS,
        required: Some("name"),
        example: "{id: n-check, namespace: mc, name: check-alerts}",
    },
    EntryShape {
        list: "configs",
        fields: OBJECT_FIELDS,
        required: None,
        example: "{id: c-mc-pod, name: mc-api-0, namespace: mission-control, type: Kubernetes::Pod, tags: {env: prod}}",
    },
    EntryShape {
        list: "components",
        fields: OBJECT_FIELDS,
        required: None,
        example: "{id: k-api, name: api, namespace: mission-control, type: Service, labels: {tier: web}}",
    },
    EntryShape {
        list: "connections",
        fields: &[
            ("id", Shape::Text),
            ("namespace", Shape::Text),
            ("name", Shape::Text),
            ("type", Shape::Text),
        ],
        required: Some("name"),
        example: "{id: cn-s3, namespace: mc, name: loki-bucket, type: aws-s3}",
    },
];

/// An example of a list or map field, for the help of a shape problem: the value the user
/// wrote in the right shape when it can be, else a typical one.
fn example(field: &str, shape: Shape, found: &Node) -> String {
    match (shape, text(found)) {
        // `roles: admin` → `roles: [admin]`: the value the user wrote, in a list.
        (Shape::List, Some(t)) if !t.contains([',', '[', ']', '{', '}']) => {
            format!("{field}: [{t}]")
        }
        // `tags: env=prod` → `tags: {env: prod}`.
        (Shape::Map, Some(t))
            if t.split_once('=')
                .is_some_and(|(k, v)| !k.is_empty() && !v.contains('=')) =>
        {
            let (k, v) = t.split_once('=').unwrap_or_default();
            format!("{field}: {{{}: {}}}", k.trim(), v.trim())
        }
        _ => match (field, shape) {
            ("roles", _) => "roles: [editor]".into(),
            ("teams", _) => "teams: [sre-team]".into(),
            ("members", _) => "members: [john@doe.com]".into(),
            ("inherits", _) => "inherits: [john@doe.com]".into(),
            ("tags", _) => "tags: {env: prod}".into(),
            ("labels", _) => "labels: {tier: web}".into(),
            ("properties", _) => "properties: {region: eu}".into(),
            (_, Shape::List) => format!("{field}: [a, b]"),
            _ => format!("{field}: {{key: value}}"),
        },
    }
}

/// The help for an unknown name: the nearest known one, else all of them.
fn nearest_or_all<'n>(
    name: &str,
    known: impl Iterator<Item = &'n str> + Clone,
    all_are: &str,
) -> String {
    rampart_runtime::suggest::did_you_mean(name, known.clone()).unwrap_or_else(|| {
        let all: Vec<String> = known.map(|n| format!("`{n}`")).collect();
        format!("{all_are} {}", all.join(", "))
    })
}

/// At most this many problems are shown; the rest are counted. Locating a JSON problem
/// scans the text, so the cap also keeps a catalog with a problem in every entry linear.
const SHOWN: usize = 100;

/// Walks a tree against the catalog's shape, collecting every problem.
struct Walk<'f> {
    locate: &'f dyn Fn(Option<&serde_saphyr::Location>, &str) -> Location,
    problems: Vec<Diagnostic>,
    /// Problems beyond [`SHOWN`].
    more: usize,
    /// The catalog is JSON: examples are shown in JSON.
    json: bool,
}

/// A YAML flow example (`roles: [admin]`, `- {id: a, name: John Doe}`) in JSON
/// (`"roles": ["admin"]`): every value between the punctuation quoted.
fn as_json(example: &str) -> String {
    let example = example.strip_prefix("- ").unwrap_or(example);
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let w = word.trim();
        if !w.is_empty() {
            out.push_str(&format!("{w:?}"));
        }
        word.clear();
    };
    let mut chars = example.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' | '[' | ']' | ',' => {
                flush(&mut word, &mut out);
                out.push(c);
                if c == ',' {
                    out.push(' ');
                }
            }
            ':' if chars.peek() == Some(&' ') => {
                flush(&mut word, &mut out);
                out.push_str(": ");
                chars.next();
            }
            _ => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Every `` `example` `` of a help line in JSON.
fn help_as_json(help: &str) -> String {
    help.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                as_json(part)
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

impl Walk<'_> {
    fn problem(&mut self, at: Option<&Span>, path: &str, message: String, help: String) {
        if self.problems.len() == SHOWN {
            self.more += 1;
            return;
        }
        let location = (self.locate)(at, path);
        let help = if self.json { help_as_json(&help) } else { help };
        let mut d = Diagnostic::at(location, message).help(help);
        if !path.is_empty() {
            d = d.field(path);
        }
        self.problems.push(d);
    }

    fn catalog(&mut self, root: &Value) {
        let names = || LISTS.iter().map(|l| l.list);
        let entries = match &root.value {
            Node::Map(entries) => entries,
            Node::Null => return,
            _ => {
                return self.problem(
                    place(root),
                    "",
                    format!(
                        "a catalog is a map of lists (`people:`, `teams:`, `configs:`, ...), found {}",
                        found(&root.value)
                    ),
                    "start with a list name and its entries, e.g. `people: [{email: john@doe.com}]`"
                        .into(),
                );
            }
        };
        for (key, value) in entries {
            let name = key.value.as_str();
            match LISTS.iter().find(|l| l.list == name) {
                Some(shape) => self.list(shape, value),
                None => self.problem(
                    place(key),
                    name,
                    format!(
                        "unknown list `{}` in the catalog",
                        rampart_runtime::text::Shown(name)
                    ),
                    nearest_or_all(name, names(), "the lists are"),
                ),
            }
        }
    }

    fn list(&mut self, shape: &EntryShape, value: &Value) {
        let list = shape.list;
        let items = match &value.value {
            Node::Seq(items) => items,
            Node::Null => return,
            _ => {
                return self.problem(
                    place(value),
                    list,
                    format!(
                        "`{list}` must be a list of entries, found {}",
                        found(&value.value)
                    ),
                    format!(
                        "write `{list}: [{}]`{}",
                        shape.example,
                        if self.json {
                            String::new()
                        } else {
                            format!(", or one `- ` line per entry under `{list}:`")
                        }
                    ),
                );
            }
        };
        for (i, item) in items.iter().enumerate() {
            self.entry(shape, i, item);
        }
    }

    fn entry(&mut self, shape: &EntryShape, index: usize, item: &Value) {
        let list = shape.list;
        let path = format!("{list}[{index}]");
        let Node::Map(fields) = &item.value else {
            return self.problem(
                place(item),
                &path,
                format!(
                    "an entry of `{list}` must be a map of fields, found {}",
                    found(&item.value)
                ),
                format!("write the entry as `- {}`", shape.example),
            );
        };
        let known = || shape.fields.iter().map(|(name, _)| *name);
        for (key, value) in fields {
            let name = key.value.as_str();
            let field_path = format!("{path}.{name}");
            match shape.fields.iter().find(|(n, _)| *n == name) {
                None => self.problem(
                    place(key),
                    &field_path,
                    format!(
                        "unknown field `{}` in an entry of `{list}`",
                        rampart_runtime::text::Shown(name)
                    ),
                    nearest_or_all(
                        name,
                        known(),
                        &format!("the fields of an entry of `{list}` are"),
                    ),
                ),
                Some((_, field_shape)) => self.value(name, *field_shape, value, &field_path),
            }
        }
        if let Some(required) = shape.required {
            if !fields.iter().any(|(k, _)| k.value == required) {
                self.problem(
                    place(item),
                    &path,
                    format!("an entry of `{list}` needs a `{required}`"),
                    format!("e.g. `- {}`", shape.example),
                );
            }
        }
    }

    fn value(&mut self, name: &str, shape: Shape, value: &Value, path: &str) {
        match (shape, &value.value) {
            (_, Node::Null)
            | (Shape::Text, Node::Str(_) | Node::Bool(_) | Node::Int(_) | Node::Float(_)) => {}
            (Shape::List, Node::Seq(items)) => {
                for (i, item) in items.iter().enumerate() {
                    self.value(name, Shape::Text, item, &format!("{path}[{i}]"));
                }
            }
            (Shape::Map, Node::Map(entries)) => {
                for (key, item) in entries {
                    let key = key.value.as_str();
                    self.value(key, Shape::Text, item, &format!("{path}.{key}"));
                }
            }
            (Shape::Text, _) => self.problem(
                place(value),
                path,
                format!(
                    "`{path}` must be a single value, found {}",
                    found(&value.value)
                ),
                format!("write one value, e.g. `{name}: ...`; a list or a map does not fit here"),
            ),
            (Shape::List, _) => self.problem(
                place(value),
                path,
                format!("`{path}` must be a list, found {}", found(&value.value)),
                format!("write `{}`", example(name, shape, &value.value)),
            ),
            (Shape::Map, _) => self.problem(
                place(value),
                path,
                format!(
                    "`{path}` must be a map of key: value, found {}",
                    found(&value.value)
                ),
                format!("write `{}`", example(name, shape, &value.value)),
            ),
        }
    }
}

/// Every structural problem of a YAML catalog document, or nothing when the document
/// cannot be read as a tree either (the strict read's error then stands alone).
pub fn yaml_problems(document: &DocumentText) -> Vec<Diagnostic> {
    let Ok(root) = document.parse::<Value>() else {
        return Vec::new();
    };
    let locate = |at: Option<&serde_saphyr::Location>, _: &str| match at {
        Some(at) => Location::new(&document.file, document.file_offset(at), 1),
        None => document.start_location(),
    };
    walk(&root, &locate, false)
}

/// Every structural problem of a JSON catalog, or nothing when the text is not JSON.
pub fn json_problems(file: &Arc<SourceFile>) -> Vec<Diagnostic> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&file.text) else {
        return Vec::new();
    };
    let locate = |_: Option<&serde_saphyr::Location>, path: &str| {
        Location::new(
            file,
            crate::json_path::locate(&file.text, path).unwrap_or(0),
            1,
        )
    };
    walk(&from_json(value), &locate, true)
}

/// The problems of a tree, in the order of the file.
fn walk(
    root: &Value,
    locate: &dyn Fn(Option<&serde_saphyr::Location>, &str) -> Location,
    json: bool,
) -> Vec<Diagnostic> {
    let mut walk = Walk {
        locate,
        problems: Vec::new(),
        more: 0,
        json,
    };
    walk.catalog(root);
    walk.problems
        .sort_by_key(|d| d.location.as_ref().map(|l| l.offset));
    if walk.more > 0 {
        let first = walk
            .problems
            .first()
            .and_then(|d| d.location.clone())
            .unwrap_or_else(|| locate(None, ""));
        walk.problems.push(
            Diagnostic::at(
                first,
                format!(
                    "{} more problems of the catalog's shape are not shown",
                    walk.more
                ),
            )
            .help("fix the ones above (they are most often one mistake repeated) and run again"),
        );
    }
    walk.problems
}
