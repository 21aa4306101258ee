//! Authorized resolution of `connection://[namespace/]name`: parse the reference, require
//! `read` on that connection for the subject through the decision tables, then fill every
//! field from its source and render the URL template.
//!
//! Template variables follow Mission Control: `username` and `password` are URL-escaped
//! (query escaping) inside a URL; `name`, `namespace`, `type` and `properties.<key>` are
//! inserted as they are. A URL that is nothing but one variable (`url: $(password)`, the
//! whole URL kept in a secret) is inserted unescaped, since escaping it would break it.

use std::collections::BTreeMap;
use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rampart_grammar::{ConnectionRef, GrammarError, TemplatePart, TemplateVariable, UrlTemplate};

use super::secret::SecretValue;
use super::source::{LookupError, SecretSource, SourceKind};
use crate::data::{ConnectionData, FieldSource};
use crate::request::{ObjectRef, Request, RequestObjects};
use crate::tables::Tables;

/// A connection with every field filled in. Values are [`SecretValue`]s: printing the
/// connection shows masks, never credentials.
#[derive(Clone, Debug)]
pub struct ResolvedConnection {
    pub namespace: String,
    pub name: String,
    pub connection_type: String,
    pub url: SecretValue,
    pub username: Option<SecretValue>,
    pub password: Option<SecretValue>,
    pub certificate: Option<SecretValue>,
    pub properties: BTreeMap<String, SecretValue>,
    pub insecure_tls: bool,
    /// The URL rendered with every secret replaced by a mask: safe to show.
    pub redacted_url: String,
    /// Fields (`username`, `properties.host`, ...) whose value was a literal in the
    /// document, not a secret: safe to show.
    pub literal_fields: std::collections::BTreeSet<String>,
}

impl ResolvedConnection {
    /// A JSON view; secrets are masked unless `show_secrets`.
    pub fn to_json(&self, show_secrets: bool) -> serde_json::Value {
        let show = |field: &str, v: &SecretValue| {
            if show_secrets || self.literal_fields.contains(field) {
                serde_json::Value::String(v.expose().to_string())
            } else {
                serde_json::Value::String(super::MASK.to_string())
            }
        };
        let optional = |field: &str, v: &Option<SecretValue>| {
            v.as_ref()
                .map(|v| show(field, v))
                .unwrap_or(serde_json::Value::Null)
        };
        let properties: serde_json::Map<String, serde_json::Value> = self
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), show(&format!("properties.{k}"), v)))
            .collect();
        serde_json::json!({
            "reference": format!("connection://{}/{}", self.namespace, self.name),
            "type": self.connection_type,
            "url": if show_secrets { self.url.expose().to_string() } else { self.redacted_url.clone() },
            "username": optional("username", &self.username),
            "password": optional("password", &self.password),
            "certificate": optional("certificate", &self.certificate),
            "properties": properties,
            "insecure_tls": self.insecure_tls,
        })
    }
}

/// Why a reference could not be resolved. Messages name the subject, the reference, the
/// field and the source; never a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    InvalidReference(GrammarError),
    UnknownConnection(String),
    /// The subject lacks `read` on the connection.
    Denied {
        subject: String,
        reference: String,
        reason: String,
    },
    /// A field's source could not be read.
    Source {
        connection: String,
        field: String,
        source: String,
        error: LookupError,
    },
    /// The URL template could not be rendered.
    Template {
        connection: String,
        why: String,
    },
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::InvalidReference(e) => write!(f, "{e}"),
            ResolveError::UnknownConnection(key) => write!(f, "unknown connection `{key}`"),
            ResolveError::Denied {
                subject,
                reference,
                reason,
            } => {
                write!(f, "access denied to `{subject}`: `read` permission required on `{reference}` ({reason})")
            }
            ResolveError::Source {
                connection,
                field,
                source,
                error,
            } => {
                write!(
                    f,
                    "connection `{connection}`: field `{field}`: {source} {error}"
                )
            }
            ResolveError::Template { connection, why } => {
                write!(f, "connection `{connection}`: URL template: {why}")
            }
        }
    }
}

impl std::error::Error for ResolveError {}

/// Go's `url.QueryEscape`: everything but `A-Za-z0-9-_.~` is escaped, space becomes `+`.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn query_escape(value: &str) -> String {
    utf8_percent_encode(value, QUERY)
        .to_string()
        .replace("%20", "+")
}

fn describe(source: &FieldSource, namespace: &str) -> (SourceKind, String, String, String) {
    let (kind, name, key) = match source {
        FieldSource::SecretKeyRef { name, key } => (SourceKind::Secret, name, key),
        FieldSource::ConfigMapKeyRef { name, key } => (SourceKind::ConfigMap, name, key),
        FieldSource::HelmRef { name, key } => (SourceKind::Helm, name, key),
        FieldSource::Value(_) => (SourceKind::Secret, &String::new(), &String::new()),
    };
    (
        kind,
        name.clone(),
        key.clone(),
        format!("{kind} `{namespace}/{name}` key `{key}`"),
    )
}

fn fill(
    source: &FieldSource,
    c: &ConnectionData,
    field: &str,
    secrets: &dyn SecretSource,
) -> Result<SecretValue, ResolveError> {
    if let FieldSource::Value(v) = source {
        return Ok(SecretValue::new(v.clone()));
    }
    let (kind, name, key, described) = describe(source, &c.namespace);
    secrets
        .lookup(kind, &c.namespace, &name, &key)
        .map_err(|error| ResolveError::Source {
            connection: format!("{}/{}", c.namespace, c.name),
            field: field.to_string(),
            source: described,
            error,
        })
}

impl Tables {
    /// Resolves `reference` for `subject`: `read` on the connection is required first.
    /// A reference without a namespace uses `default_namespace`.
    pub fn resolve_connection(
        &self,
        reference: &str,
        subject: &str,
        default_namespace: &str,
        secrets: &dyn SecretSource,
    ) -> Result<ResolvedConnection, ResolveError> {
        let parsed = ConnectionRef::parse(reference).map_err(ResolveError::InvalidReference)?;
        let key = parsed.key(default_namespace);
        let request = Request {
            subject: subject.to_string(),
            action: "read".into(),
            objects: Some(RequestObjects {
                connection: Some(ObjectRef::Key(key.clone())),
                ..RequestObjects::default()
            }),
            global: None,
        };
        let decision = self.decide(&request, false);
        let definition = self.connection(&key);
        if !decision.allowed {
            // An unknown connection is denied like any other: a subject learns nothing
            // about which connections exist.
            return Err(ResolveError::Denied {
                subject: subject.into(),
                reference: reference.into(),
                reason: decision.reason.to_string(),
            });
        }
        let c = definition.ok_or_else(|| ResolveError::UnknownConnection(key.clone()))?;
        hydrate(c, secrets)
    }
}

/// Fills and renders one connection definition (no authorization: callers check first).
pub fn hydrate(
    c: &ConnectionData,
    secrets: &dyn SecretSource,
) -> Result<ResolvedConnection, ResolveError> {
    let optional =
        |source: &Option<FieldSource>, field: &str| -> Result<Option<SecretValue>, ResolveError> {
            source
                .as_ref()
                .map(|s| fill(s, c, field, secrets).map(|v| v.map(|x| x.trim().to_string())))
                .transpose()
        };
    let username = optional(&c.username, "username")?;
    let password = optional(&c.password, "password")?;
    let certificate = optional(&c.certificate, "certificate")?;
    let mut properties = BTreeMap::new();
    for (name, source) in &c.properties {
        properties.insert(
            name.clone(),
            fill(source, c, &format!("properties.{name}"), secrets)?,
        );
    }
    let mut literal_fields = std::collections::BTreeSet::new();
    let fields = [
        ("username", &c.username),
        ("password", &c.password),
        ("certificate", &c.certificate),
        ("url", &c.url),
    ];
    for (field, source) in fields {
        if matches!(source, Some(FieldSource::Value(_))) {
            literal_fields.insert(field.to_string());
        }
    }
    for (name, source) in &c.properties {
        if matches!(source, FieldSource::Value(_)) {
            literal_fields.insert(format!("properties.{name}"));
        }
    }
    let (url, redacted_url) = match &c.url {
        None => (SecretValue::default(), String::new()),
        Some(source) => {
            let text = fill(source, c, "url", secrets)?;
            let url = render(c, text.expose().trim(), &username, &password, &properties)?;
            let mask = |v: &Option<SecretValue>, field: &str| {
                v.as_ref().map(|v| {
                    if literal_fields.contains(field) {
                        v.clone()
                    } else {
                        SecretValue::new(super::MASK)
                    }
                })
            };
            let masked_properties = properties
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        if literal_fields.contains(&format!("properties.{k}")) {
                            v.clone()
                        } else {
                            SecretValue::new(super::MASK)
                        },
                    )
                })
                .collect();
            let redacted = if literal_fields.contains("url") {
                render(
                    c,
                    text.expose().trim(),
                    &mask(&username, "username"),
                    &mask(&password, "password"),
                    &masked_properties,
                )?
                .expose()
                .replace("%2A", "*")
            } else {
                super::MASK.to_string()
            };
            (url, redacted)
        }
    };

    Ok(ResolvedConnection {
        namespace: c.namespace.clone(),
        name: c.name.clone(),
        connection_type: c.connection_type.clone(),
        url,
        username,
        password,
        certificate,
        properties,
        insecure_tls: c.insecure_tls,
        redacted_url,
        literal_fields,
    })
}

fn render(
    c: &ConnectionData,
    template: &str,
    username: &Option<SecretValue>,
    password: &Option<SecretValue>,
    properties: &BTreeMap<String, SecretValue>,
) -> Result<SecretValue, ResolveError> {
    let connection = format!("{}/{}", c.namespace, c.name);
    let template = UrlTemplate::parse(template).map_err(|e| ResolveError::Template {
        connection: connection.clone(),
        why: e.to_string(),
    })?;
    let whole = matches!(template.parts(), [TemplatePart::Variable(_)]);
    let missing = |what: &str| ResolveError::Template {
        connection: connection.clone(),
        why: format!("`$({what})` has no value"),
    };
    let rendered = template.render(|variable| -> Result<String, ResolveError> {
        let secret = |v: &Option<SecretValue>, what: &str| {
            let value = v.as_ref().ok_or_else(|| missing(what))?;
            Ok(if whole {
                value.expose().to_string()
            } else {
                query_escape(value.expose())
            })
        };
        match variable {
            TemplateVariable::Username => secret(username, "username"),
            TemplateVariable::Password => secret(password, "password"),
            TemplateVariable::Name => Ok(c.name.clone()),
            TemplateVariable::Namespace => Ok(c.namespace.clone()),
            TemplateVariable::Type => Ok(c.connection_type.clone()),
            TemplateVariable::Property(key) => properties
                .get(key)
                .map(|v| v.expose().to_string())
                .ok_or_else(|| missing(&format!("properties.{key}"))),
        }
    })?;
    Ok(SecretValue::new(rendered.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_escaping_matches_go() {
        assert_eq!(query_escape("p@ss w/rd:&?"), "p%40ss+w%2Frd%3A%26%3F");
        assert_eq!(query_escape("a-b_c.d~e"), "a-b_c.d~e");
    }
}
