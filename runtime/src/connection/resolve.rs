//! Authorized resolution of connection references: parse the reference, require `read` on
//! the connection for the subject through the decision tables, then fill every field from
//! its source and render the templates.
//!
//! A subject that may not read a connection gets the same refusal whether or not the
//! connection exists, so refusals tell nothing about which connections there are. No
//! error carries a value: errors name the connection, the field and the source.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rampart_grammar::{ConnectionRef, UrlTemplate};

use super::definitions::Connections;
use super::secret::{SecretValue, MASK};
use super::source::{LookupError, SecretSource, SourceKind};
use super::template::{render, Variables};
use crate::category::Category;
use crate::error::RequestError;
use crate::ids::ObjectId;
use crate::parts::Parts;
use crate::request::{IdTarget, ObjectIds};
use crate::schema::{ConnectionData, FieldSource};
use crate::text::Shown;

/// A connection with every field filled in. Values are [`SecretValue`]s: printing the
/// connection shows masks, never credentials.
#[derive(Clone, Debug)]
pub struct ResolvedConnection {
    /// The connection's namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its stored type (`postgres`, `aws`, ...).
    pub connection_type: String,
    /// The rendered URL.
    pub url: SecretValue,
    /// The username.
    pub username: Option<SecretValue>,
    /// The password.
    pub password: Option<SecretValue>,
    /// The certificate.
    pub certificate: Option<SecretValue>,
    /// Rendered properties. An `http` connection's `headers` is the JSON list of its
    /// headers, `[{"name": ..., "value": ...}]`, every value filled from its source (not
    /// templated, as upstream).
    pub properties: BTreeMap<String, SecretValue>,
    /// Whether TLS verification is skipped (upstream's column `insecure_tls`).
    pub insecure_tls: bool,
    /// The URL rendered with every secret replaced by a mask: safe to show.
    pub redacted_url: String,
    /// Fields (`username`, `properties.host`, ...) whose value was a literal in the
    /// document, not a secret: safe to show.
    pub literal_fields: BTreeSet<String>,
}

impl ResolvedConnection {
    /// Whether a field's value may be shown without `show_secrets`.
    pub fn is_literal(&self, field: &str) -> bool {
        self.literal_fields.contains(field)
    }

    /// A field's value as it may be shown: the value with `show_secrets`; for literals,
    /// the value with any credential written into it masked (tables compiled elsewhere
    /// may hold one); else the mask.
    pub fn shown(&self, field: &str, value: &SecretValue, show_secrets: bool) -> String {
        if show_secrets {
            value.expose().to_string()
        } else if self.is_literal(field) {
            super::credentials::mask(value.expose())
        } else {
            MASK.to_string()
        }
    }

    /// The URL as it may be shown.
    pub fn shown_url(&self, show_secrets: bool) -> String {
        if show_secrets {
            self.url.expose().to_string()
        } else {
            self.redacted_url.clone()
        }
    }
}

/// What kind of [`ResolveError`] it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolveErrorKind {
    /// The reference does not parse.
    InvalidReference,
    /// The subject is unknown, or may not read the connection (or it does not exist).
    Denied,
    /// A field's source could not be read.
    Source,
    /// A template from a secret does not parse.
    Template,
    /// The connection is known to the catalog but has no definition.
    NoDefinition,
    /// An `http` connection's stored `headers` is not a list of headers.
    InvalidHeaders,
}

/// Why a reference could not be resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveError {
    kind: ResolveErrorKind,
    message: String,
}

impl ResolveError {
    fn new(kind: ResolveErrorKind, message: String) -> ResolveError {
        ResolveError { kind, message }
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> ResolveErrorKind {
        self.kind
    }

    /// A stable machine-readable code (`invalid_reference`, `denied`, ...).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl ResolveErrorKind {
    /// A stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            ResolveErrorKind::InvalidReference => "invalid_reference",
            ResolveErrorKind::Denied => "denied",
            ResolveErrorKind::Source => "source",
            ResolveErrorKind::Template => "template",
            ResolveErrorKind::NoDefinition => "no_definition",
            ResolveErrorKind::InvalidHeaders => "invalid_headers",
        }
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ResolveError {}

fn describe(source: &FieldSource, namespace: &str) -> Option<(SourceKind, String, String, String)> {
    let (kind, name, key) = match source {
        FieldSource::SecretKeyRef { name, key } => (SourceKind::Secret, name.clone(), key.clone()),
        FieldSource::ConfigMapKeyRef { name, key } => {
            (SourceKind::ConfigMap, name.clone(), key.clone())
        }
        FieldSource::HelmRef { name, key } => (SourceKind::Helm, name.clone(), key.clone()),
        FieldSource::ServiceAccount { name } => (
            SourceKind::ServiceAccount,
            name.clone(),
            "token".to_string(),
        ),
        FieldSource::Value(_) => return None,
    };
    let described = format!(
        "{kind} `{}/{}` key `{}`",
        Shown(namespace),
        Shown(&name),
        Shown(&key)
    );
    Some((kind, name, key, described))
}

fn fill(
    source: &FieldSource,
    c: &ConnectionData,
    field: &str,
    secrets: &dyn SecretSource,
) -> Result<SecretValue, ResolveError> {
    let Some((kind, name, key, described)) = describe(source, &c.namespace) else {
        return Ok(match source {
            FieldSource::Value(v) => SecretValue::new(v.clone()),
            _ => SecretValue::default(),
        });
    };
    secrets
        .lookup(kind, &c.namespace, &name, &key)
        .map_err(|error: LookupError| {
            ResolveError::new(
                ResolveErrorKind::Source,
                format!(
                    "connection `{}/{}`: field `{field}`: {described} {error}",
                    Shown(&c.namespace),
                    Shown(&c.name)
                ),
            )
        })
}

/// Resolves `reference` for `subject` ([`crate::Tables::resolve_connection`]): `read` on the
/// connection is required first.
pub(crate) fn resolve_connection(
    tables: &Parts,
    connections: &Connections,
    reference: &str,
    subject: &str,
    context_namespace: &str,
    secrets: &dyn SecretSource,
) -> Result<ResolvedConnection, ResolveError> {
    let parsed = ConnectionRef::parse(reference)
        .map_err(|e| ResolveError::new(ResolveErrorKind::InvalidReference, e.to_string()))?;
    let refused = || {
        ResolveError::new(
            ResolveErrorKind::Denied,
            format!(
                "access denied to `{}`: `read` permission required on `{}`",
                Shown(subject),
                Shown(reference)
            ),
        )
    };
    let object =
        connection_object(tables, connections, &parsed, context_namespace).ok_or_else(refused)?;
    let principal = tables.principal(subject).map_err(|_| refused())?;
    let read = tables.action("read").map_err(|_| refused())?;
    let allowed = tables
        .check_ids(principal, read, &IdTarget::Objects(ObjectIds::one(object)))
        .map(|r| r.is_allowed())
        .unwrap_or(false);
    if !allowed {
        return Err(refused());
    }
    let key = tables.object_key(object).unwrap_or_default().to_string();
    let definition = connections.get(&key).ok_or_else(|| {
        ResolveError::new(
            ResolveErrorKind::NoDefinition,
            format!(
                "connection `{}` is in the catalog but has no Connection document",
                Shown(&key)
            ),
        )
    })?;
    hydrate(definition, secrets)
}

/// The connection a reference names, without authorization
/// ([`crate::Tables::connection_reference`]): a reference that does not parse is an invalid
/// request, one that names no connection an unknown object.
pub(crate) fn connection_reference(
    tables: &Parts,
    connections: &Connections,
    reference: &str,
    context_namespace: &str,
) -> Result<ObjectId, RequestError> {
    let parsed =
        ConnectionRef::parse(reference).map_err(|e| RequestError::invalid(e.to_string()))?;
    connection_object(tables, connections, &parsed, context_namespace).ok_or_else(|| {
        let several = legacy_matches(connections, &parsed);
        if several.len() > 1 {
            return RequestError::invalid(format!(
                "`{}` is ambiguous: the legacy `connection://<type>/<name>` form names {}; write `connection://<namespace>/<name>` for the one meant",
                Shown(reference),
                several
                    .iter()
                    .map(|c| format!("`{}/{}`", Shown(&c.namespace), Shown(&c.name)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let key = match &parsed {
            ConnectionRef::Id(id) => id.clone(),
            ConnectionRef::Named { .. } => parsed.key(context_namespace),
        };
        // No did-you-mean: a reference names nothing it may not learn of.
        RequestError::unknown_object(Category::Connection, &key, None)
    })
}

/// The connection a reference names: `namespace/name`, then the legacy `type/name`
/// fallback, or a bare id.
fn connection_object(
    tables: &Parts,
    connections: &Connections,
    reference: &ConnectionRef,
    context_namespace: &str,
) -> Option<ObjectId> {
    match reference {
        ConnectionRef::Id(id) => tables.object(Category::Connection, id).ok(),
        ConnectionRef::Named { .. } => {
            let key = reference.key(context_namespace);
            tables.object(Category::Connection, &key).ok().or_else(|| {
                let [only] = legacy_matches(connections, reference)[..] else {
                    return None;
                };
                tables
                    .object(
                        Category::Connection,
                        &format!("{}/{}", only.namespace, only.name),
                    )
                    .ok()
            })
        }
    }
}

/// The connections a legacy `connection://<type>/<name>` reference matches (none for
/// any other form): a reference names one only when exactly one matches.
fn legacy_matches<'c>(
    connections: &'c Connections,
    reference: &ConnectionRef,
) -> Vec<&'c ConnectionData> {
    let Some((kind, name)) = reference.legacy() else {
        return Vec::new();
    };
    connections
        .iter()
        .filter(|c| c.name == name && c.connection_type == kind)
        .collect()
}

/// Fills and renders one connection definition (no authorization: callers check first):
/// the credentials and properties filled from their sources, the fields safe to show
/// noted, the property templates rendered, then the URL rendered and redacted.
fn hydrate(
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
    let (raw_properties, headers) = filled_properties(c, secrets)?;
    let mut literal_fields = literal_fields(c);
    let vars = Variables {
        name: &c.name,
        namespace: &c.namespace,
        connection_type: &c.connection_type,
        username: username.as_ref(),
        password: password.as_ref(),
        properties: &raw_properties,
    };
    let mut properties = BTreeMap::new();
    for (name, value) in &raw_properties {
        let template = UrlTemplate::parse(value.expose())
            .map_err(|_| template_error(c, &format!("properties.{name}")))?;
        properties.insert(name.clone(), render(&template, &vars));
    }
    if let Some((value, literal)) = headers {
        if literal {
            literal_fields.insert("properties.headers".to_string());
        }
        properties.insert("headers".to_string(), value);
    }
    let (url, redacted_url) = match &c.url {
        None => (SecretValue::default(), String::new()),
        Some(source) => {
            let text = fill(source, c, "url", secrets)?;
            let template =
                UrlTemplate::parse(text.expose().trim()).map_err(|_| template_error(c, "url"))?;
            let url = render(&template, &vars);
            let redacted = if literal_fields.contains("url") {
                redacted_url(&template, &vars, &literal_fields)
            } else {
                MASK.to_string()
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

/// A connection's properties filled from their sources, not yet rendered; an `http`
/// connection's headers apart (filled, and whether every value was a literal).
type FilledProperties = (BTreeMap<String, SecretValue>, Option<(SecretValue, bool)>);

/// Fills every property of `c` from its source, in name order.
fn filled_properties(
    c: &ConnectionData,
    secrets: &dyn SecretSource,
) -> Result<FilledProperties, ResolveError> {
    let mut raw_properties = BTreeMap::new();
    let mut headers = None;
    for (name, source) in &c.properties {
        if holds_headers(c, name) {
            headers = Some(resolve_headers(c, source, secrets)?);
            continue;
        }
        raw_properties.insert(
            name.clone(),
            fill(source, c, &format!("properties.{name}"), secrets)?,
        );
    }
    Ok((raw_properties, headers))
}

/// The fields of `c` written as literals in the document (safe to show): credentials and
/// the URL given as values, and literal properties whose template inserts nothing that
/// came from a secret. Headers are judged where they are filled.
fn literal_fields(c: &ConnectionData) -> BTreeSet<String> {
    let mut literal_fields = BTreeSet::new();
    for (field, source) in [
        ("username", &c.username),
        ("password", &c.password),
        ("certificate", &c.certificate),
        ("url", &c.url),
    ] {
        if matches!(source, Some(FieldSource::Value(_))) {
            literal_fields.insert(field.to_string());
        }
    }
    let plain = |text: &str| {
        UrlTemplate::parse(text).is_ok_and(|t| {
            t.variables().all(|(v, _)| {
                matches!(
                    v,
                    rampart_grammar::TemplateVariable::Name
                        | rampart_grammar::TemplateVariable::Namespace
                        | rampart_grammar::TemplateVariable::Type
                )
            })
        })
    };
    for (name, source) in &c.properties {
        if !holds_headers(c, name) && matches!(source, FieldSource::Value(v) if plain(v)) {
            literal_fields.insert(format!("properties.{name}"));
        }
    }
    literal_fields
}

/// A field's value from its source is no valid template.
fn template_error(c: &ConnectionData, field: &str) -> ResolveError {
    ResolveError::new(
        ResolveErrorKind::Template,
        format!(
            "connection `{}/{}`: field `{field}`: the value from its source is not a valid template",
            Shown(&c.namespace),
            Shown(&c.name)
        ),
    )
}

/// A literal URL rendered with every value that is not itself a literal masked, and any
/// credential written into the URL itself masked too: safe to show.
fn redacted_url(
    template: &UrlTemplate,
    vars: &Variables<'_>,
    literal_fields: &BTreeSet<String>,
) -> String {
    let mask = |v: Option<&SecretValue>, field: &str| {
        v.map(|v| {
            if literal_fields.contains(field) {
                v.clone()
            } else {
                SecretValue::new(MASK)
            }
        })
    };
    let masked_properties: BTreeMap<String, SecretValue> = vars
        .properties
        .iter()
        .map(|(k, v)| {
            let shown = if literal_fields.contains(&format!("properties.{k}")) {
                v.clone()
            } else {
                SecretValue::new(MASK)
            };
            (k.clone(), shown)
        })
        .collect();
    let (mu, mp) = (
        mask(vars.username, "username"),
        mask(vars.password, "password"),
    );
    let masked = Variables {
        username: mu.as_ref(),
        password: mp.as_ref(),
        properties: &masked_properties,
        ..*vars
    };
    super::credentials::mask(&render(template, &masked).expose().replace("%2A", "*"))
}

/// Whether property `name` of `c` is an `http` connection's header list.
fn holds_headers(c: &ConnectionData, name: &str) -> bool {
    c.connection_type == "http" && name == "headers"
}

/// An `http` connection's headers with every value filled from its source, as a JSON
/// list, and whether every value was a literal (so safe to show).
fn resolve_headers(
    c: &ConnectionData,
    source: &FieldSource,
    secrets: &dyn SecretSource,
) -> Result<(SecretValue, bool), ResolveError> {
    let text = fill(source, c, "properties.headers", secrets)?;
    let parsed = super::headers::parse(text.expose()).map_err(|why| {
        ResolveError::new(
            ResolveErrorKind::InvalidHeaders,
            format!(
                "connection `{}/{}`: field `properties.headers`: {why}",
                Shown(&c.namespace),
                Shown(&c.name)
            ),
        )
    })?;
    let mut literal = matches!(source, FieldSource::Value(_));
    let mut list = Vec::with_capacity(parsed.len());
    for (name, header_source) in &parsed {
        literal &= matches!(header_source, FieldSource::Value(_));
        let value = fill(
            header_source,
            c,
            &format!("properties.headers[{name}]"),
            secrets,
        )?;
        list.push(serde_json::json!({"name": name, "value": value.expose()}));
    }
    let json = serde_json::Value::Array(list).to_string();
    Ok((SecretValue::new(json), literal))
}
