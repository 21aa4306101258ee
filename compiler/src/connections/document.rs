//! `kind: Connection`: the document, and reading its `spec` against the field table of
//! [`super::fields`] so that every field has exactly its upstream shape. This happens when
//! the document is read: what the rest of the compiler sees is a [`Connection`], its
//! generic fields and its typed section ([`SpecFields`]), which [`super::lower`] maps to
//! the stored model.

use std::collections::BTreeMap;

use rampart_runtime::schema::FieldSource;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::fields::{self, Field, Section, Shape};
use super::node::Node;
use crate::diagnostic::Diagnostic;
use crate::located::Located;
use crate::metadata::{canonical_uid, Metadata};
use crate::source::Location;

/// `kind: Connection`: how to reach an external system, with every credential from a
/// source (a Secret, ConfigMap, Helm value or service account).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionDocument {
    /// `mission-control.flanksource.com/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `Connection`.
    pub kind: String,
    /// Its name, namespace and `uid` (its id).
    pub metadata: Metadata,
    /// The generic fields and at most one typed section.
    #[schemars(schema_with = "crate::schema::connection_spec")]
    pub spec: Spanned<Node>,
    /// Set by the controller (`status.ref`); ignored.
    #[schemars(with = "Option<serde_json::Value>")]
    pub status: Option<IgnoredAny>,
}

/// An EnvVar, read: a literal, or a source.
#[derive(Clone, Debug)]
pub struct EnvValue {
    /// `value`, when that is how it is given.
    pub literal: Option<String>,
    /// `valueFrom`, when that is how it is given.
    pub source: Option<FieldSource>,
    /// Where the EnvVar is written.
    pub at: Location,
}

impl EnvValue {
    /// The stored source.
    pub fn field_source(&self) -> FieldSource {
        match (&self.source, &self.literal) {
            (Some(s), _) => s.clone(),
            (None, Some(v)) => FieldSource::Value(v.clone()),
            (None, None) => FieldSource::Value(String::new()),
        }
    }
}

/// A field's value, read with its shape checked.
#[derive(Clone, Debug)]
pub enum FieldValue {
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// An EnvVar.
    Env(EnvValue),
    /// A list of strings.
    StrList(Vec<String>),
    /// A mapping of strings.
    StrMap(BTreeMap<String, String>),
    /// A list of named EnvVars (headers).
    EnvList(Vec<(String, EnvValue)>),
    /// A nested section.
    Nested(SpecFields),
}

/// One field as read.
#[derive(Clone, Debug)]
pub struct ReadField {
    /// Its table entry.
    pub field: &'static Field,
    /// Its value.
    pub value: FieldValue,
    /// Where it is written.
    pub at: Location,
    /// Its dotted path (`spec.postgres.password`).
    pub path: String,
}

/// The fields of one section (or of the generic part of `spec`), as read.
#[derive(Clone, Debug, Default)]
pub struct SpecFields {
    /// By name, in table order.
    pub fields: Vec<ReadField>,
}

impl SpecFields {
    /// A field by name.
    pub fn get(&self, name: &str) -> Option<&ReadField> {
        self.fields.iter().find(|f| f.field.name == name)
    }

    /// A string field.
    pub fn string(&self, name: &str) -> Option<&str> {
        match self.get(name).map(|f| &f.value) {
            Some(FieldValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// A boolean field (false when absent).
    pub fn flag(&self, name: &str) -> bool {
        matches!(
            self.get(name).map(|f| &f.value),
            Some(FieldValue::Bool(true))
        )
    }

    /// An integer field.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name).map(|f| &f.value) {
            Some(FieldValue::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// A string list field.
    pub fn list(&self, name: &str) -> Option<&[String]> {
        match self.get(name).map(|f| &f.value) {
            Some(FieldValue::StrList(l)) => Some(l),
            _ => None,
        }
    }
}

/// A `spec`, read: its generic fields and at most one typed section.
#[derive(Debug)]
pub struct ConnectionSpec {
    /// The generic (deprecated) fields.
    pub generic: SpecFields,
    /// The typed section, with its fields.
    pub section: Option<(&'static Section, SpecFields)>,
}

struct Reader<'d> {
    doc: &'d Located<ConnectionDocument>,
    diagnostics: Vec<Diagnostic>,
}

fn shape_name(shape: Shape) -> &'static str {
    match shape {
        Shape::String => "a string",
        Shape::Bool => "a boolean (`true` or `false`)",
        Shape::Int => "an integer",
        Shape::EnvVar => "an EnvVar mapping (`value` or `valueFrom`)",
        Shape::StringList => "a list of strings",
        Shape::StringMap => "a mapping of strings",
        Shape::EnvVarList => "a list of EnvVars (`name` with `value` or `valueFrom`)",
        Shape::Nested(_) => "a mapping",
    }
}

impl Reader<'_> {
    fn at(&self, node: &Spanned<Node>) -> Location {
        self.doc.at_node(node)
    }

    fn error(&mut self, at: Location, path: &str, message: String, help: Option<String>) {
        let mut d = Diagnostic::at(at, message).field(path).masked(true);
        if let Some(h) = help {
            d = d.help(h);
        }
        self.diagnostics.push(d);
    }

    fn expect(&mut self, node: &Spanned<Node>, path: &str, shape: Shape) {
        let help = match (shape, &node.value) {
            (Shape::String, Node::Map(_)) => Some(
                "upstream this field is a plain string: write `key: text`, not an EnvVar"
                    .to_string(),
            ),
            (Shape::EnvVar, Node::Str(_)) => Some(
                "upstream this field is an EnvVar: write `{value: text}` or `{valueFrom: ...}`"
                    .to_string(),
            ),
            _ => None,
        };
        self.error(
            self.at(node),
            path,
            format!(
                "`{path}` is {}, not {}",
                shape_name(shape),
                node.value.describe()
            ),
            help,
        );
    }

    fn string(&mut self, node: &Spanned<Node>, path: &str) -> Option<String> {
        match &node.value {
            Node::Str(s) => Some(s.clone()),
            _ => {
                self.expect(node, path, Shape::String);
                None
            }
        }
    }

    fn key_ref(&mut self, node: &Spanned<Node>, path: &str) -> Option<(String, String)> {
        let fields = self.mapping(node, path, &["name", "key"])?;
        let get = |this: &mut Self, k: &str| match fields.iter().find(|(key, _)| key == k) {
            Some((_, v)) => this.string(v, &format!("{path}.{k}")),
            None => {
                this.error(this.at(node), path, format!("`{path}` needs `{k}`"), None);
                None
            }
        };
        let name = get(self, "name");
        let key = get(self, "key");
        Some((name?, key?))
    }

    /// A mapping whose keys are among `known`; unknown keys are errors naming the nearest.
    fn mapping<'n>(
        &mut self,
        node: &'n Spanned<Node>,
        path: &str,
        known: &[&str],
    ) -> Option<Vec<(String, &'n Spanned<Node>)>> {
        let Node::Map(entries) = &node.value else {
            self.error(
                self.at(node),
                path,
                format!("`{path}` is a mapping, not {}", node.value.describe()),
                None,
            );
            return None;
        };
        let mut out = Vec::new();
        for (k, v) in entries {
            if known.contains(&k.value.as_str()) {
                out.push((k.value.clone(), v));
            } else {
                let help = rampart_runtime::suggest::nearest(&k.value, known.iter().copied())
                    .map(|n| format!("did you mean `{n}`?"))
                    .unwrap_or_else(|| format!("known fields: {}", known.join(", ")));
                self.error(
                    self.doc.at(k),
                    &format!("{path}.{}", k.value),
                    format!("unknown field `{}`", k.value),
                    Some(help),
                );
            }
        }
        Some(out)
    }

    fn env(&mut self, node: &Spanned<Node>, path: &str) -> Option<EnvValue> {
        let fields = match &node.value {
            Node::Map(_) => self.mapping(node, path, &["name", "value", "valueFrom"])?,
            _ => {
                self.expect(node, path, Shape::EnvVar);
                return None;
            }
        };
        let at = self.at(node);
        let mut literal = None;
        let mut source = None;
        for (k, v) in &fields {
            match k.as_str() {
                "name" => {
                    self.string(v, &format!("{path}.name"));
                }
                "value" => literal = self.string(v, &format!("{path}.value")),
                _ => {
                    let from_path = format!("{path}.valueFrom");
                    let refs = self.mapping(
                        v,
                        &from_path,
                        &[
                            "secretKeyRef",
                            "configMapKeyRef",
                            "helmRef",
                            "serviceAccount",
                        ],
                    )?;
                    if refs.len() != 1 {
                        self.error(self.at(v), &from_path, format!("`{from_path}` needs exactly one of `secretKeyRef`, `configMapKeyRef`, `helmRef`, `serviceAccount`"), None);
                        return None;
                    }
                    let (kind, r) = refs.into_iter().next()?;
                    let ref_path = format!("{from_path}.{kind}");
                    source = Some(match kind.as_str() {
                        "serviceAccount" => FieldSource::ServiceAccount {
                            name: self.string(r, &ref_path)?,
                        },
                        other => {
                            let (name, key) = self.key_ref(r, &ref_path)?;
                            match other {
                                "secretKeyRef" => FieldSource::SecretKeyRef { name, key },
                                "configMapKeyRef" => FieldSource::ConfigMapKeyRef { name, key },
                                _ => FieldSource::HelmRef { name, key },
                            }
                        }
                    });
                }
            }
        }
        if literal.is_some() == source.is_some() {
            self.error(
                at.clone(),
                path,
                format!("`{path}` needs exactly one of `value` and `valueFrom`"),
                None,
            );
            return None;
        }
        Some(EnvValue {
            literal,
            source,
            at,
        })
    }

    fn value(
        &mut self,
        field: &'static Field,
        node: &Spanned<Node>,
        path: &str,
    ) -> Option<FieldValue> {
        Some(match field.shape {
            Shape::String => FieldValue::Str(self.string(node, path)?),
            Shape::Bool => match node.value {
                Node::Bool(b) => FieldValue::Bool(b),
                _ => {
                    self.expect(node, path, field.shape);
                    return None;
                }
            },
            Shape::Int => match node.value {
                Node::Int(i) => FieldValue::Int(i),
                _ => {
                    self.expect(node, path, field.shape);
                    return None;
                }
            },
            Shape::EnvVar => FieldValue::Env(self.env(node, path)?),
            Shape::StringList => match &node.value {
                Node::Seq(items) => {
                    let mut out = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        out.push(self.string(item, &format!("{path}[{i}]"))?);
                    }
                    FieldValue::StrList(out)
                }
                _ => {
                    self.expect(node, path, field.shape);
                    return None;
                }
            },
            Shape::StringMap => match &node.value {
                Node::Map(entries) => {
                    let mut out = BTreeMap::new();
                    for (k, v) in entries {
                        out.insert(
                            k.value.clone(),
                            self.string(v, &format!("{path}.{}", k.value))?,
                        );
                    }
                    FieldValue::StrMap(out)
                }
                _ => {
                    self.expect(node, path, field.shape);
                    return None;
                }
            },
            Shape::EnvVarList => match &node.value {
                Node::Seq(items) => {
                    let mut out = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let item_path = format!("{path}[{i}]");
                        let name = match item.value.get("name") {
                            Some(n) => self.string(n, &format!("{item_path}.name"))?,
                            None => {
                                self.error(
                                    self.at(item),
                                    &item_path,
                                    format!("`{item_path}` needs a `name`"),
                                    None,
                                );
                                return None;
                            }
                        };
                        out.push((name, self.env(item, &item_path)?));
                    }
                    FieldValue::EnvList(out)
                }
                _ => {
                    self.expect(node, path, field.shape);
                    return None;
                }
            },
            Shape::Nested(fields) => FieldValue::Nested(self.fields(node, path, fields)?),
        })
    }

    fn fields(
        &mut self,
        node: &Spanned<Node>,
        path: &str,
        table: &'static [Field],
    ) -> Option<SpecFields> {
        let names: Vec<&str> = table.iter().map(|f| f.name).collect();
        let entries = self.mapping(node, path, &names)?;
        let before = self.diagnostics.len();
        let mut out = SpecFields::default();
        for field in table {
            let field_path = format!("{path}.{}", field.name);
            match entries.iter().find(|(k, _)| k == field.name) {
                Some((_, v)) => {
                    if let Some(value) = self.value(field, v, &field_path) {
                        out.fields.push(ReadField {
                            field,
                            value,
                            at: self.at(v),
                            path: field_path,
                        });
                    }
                }
                None if field.required => {
                    self.error(
                        self.at(node),
                        &field_path,
                        format!("`{field_path}` is required"),
                        None,
                    );
                }
                None => {}
            }
        }
        (self.diagnostics.len() == before).then_some(out)
    }
}

/// A Connection as read: its metadata and its `spec` in typed sections.
#[derive(Debug)]
pub struct Connection {
    /// Its name, namespace and `uid`.
    pub metadata: Metadata,
    /// `metadata.uid`, canonical: the connection's id.
    pub uid: Option<String>,
    /// The generic fields and the typed section.
    pub spec: ConnectionSpec,
    /// Where `spec` is written.
    pub spec_at: Location,
}

/// Reads a parsed Connection document's `spec` into typed sections.
pub fn read(doc: Located<ConnectionDocument>) -> Result<Located<Connection>, Vec<Diagnostic>> {
    let uid = canonical_uid(&doc, &doc.value.metadata, "Connection");
    let spec = read_spec(&doc);
    let (uid, spec) = match (uid, spec) {
        (Ok(uid), Ok(spec)) => (uid, spec),
        (uid, spec) => {
            let mut found: Vec<Diagnostic> = uid.err().into_iter().collect();
            found.extend(spec.err().into_iter().flatten());
            return Err(found);
        }
    };
    let spec_at = doc.at_node(&doc.value.spec);
    Ok(doc.map(|d| Connection {
        metadata: d.metadata,
        uid,
        spec,
        spec_at,
    }))
}

/// Reads a Connection's `spec` against the field tables.
fn read_spec(doc: &Located<ConnectionDocument>) -> Result<ConnectionSpec, Vec<Diagnostic>> {
    let mut reader = Reader {
        doc,
        diagnostics: Vec::new(),
    };
    let spec = &doc.value.spec;
    let mut known: Vec<&str> = fields::GENERIC.iter().map(|f| f.name).collect();
    known.extend(fields::SECTIONS.iter().map(|s| s.key));
    let Some(entries) = reader.mapping(spec, "spec", &known) else {
        return Err(reader.diagnostics);
    };
    let sections: Vec<&'static Section> = entries
        .iter()
        .filter_map(|(k, _)| fields::section(k))
        .collect();
    if sections.len() > 1 {
        let names: Vec<&str> = sections.iter().map(|s| s.key).collect();
        reader.error(
            reader.at(spec),
            "spec",
            format!(
                "a connection has at most one typed section; this one has {}",
                names.join(", ")
            ),
            None,
        );
    }
    // The generic fields are read as a section of their own.
    let generic_node = Spanned {
        value: Node::Map(
            spec.value
                .entries()
                .unwrap_or(&[])
                .iter()
                .filter(|(k, _)| fields::section(&k.value).is_none())
                .cloned()
                .collect(),
        ),
        referenced: spec.referenced,
        defined: spec.defined,
    };
    let generic = reader.fields(&generic_node, "spec", fields::GENERIC);
    let section = sections.first().and_then(|section| {
        let node = spec.value.get(section.key)?;
        let path = format!("spec.{}", section.key);
        reader
            .fields(node, &path, section.fields)
            .map(|f| (*section, f))
    });
    if !reader.diagnostics.is_empty() {
        return Err(reader.diagnostics);
    }
    Ok(ConnectionSpec {
        generic: generic.unwrap_or_default(),
        section,
    })
}
