//! Lowering Connection documents to the stored model ([`LoweredConnection`]): each typed
//! section mapped to url, username, password, certificate and properties as upstream maps
//! it (reference section 12.2), the generic properties merged under the typed ones.
//! `insecure_tls` is stored where upstream stores it: the property (`"true"`/`"false"`)
//! for http, postgres, mysql, mongo and opensearch, the column for http, aws, awskms, s3
//! and elasticsearch, from the section's own flag only (`http.tls.insecureSkipVerify` is
//! read but, as upstream, not stored); the deprecated generic `spec.insecure_tls` sets the
//! column (upstream drops it; Rampart keeps it, DESIGN section 9). HTTP headers stay a
//! typed list ([`super::model::Header`]) until the table stores them in upstream's JSON.
//!
//! Secrets stay out of the tables: a literal `value` in a field that holds a credential,
//! a literal header or property whose name says it is a secret, and a credential written
//! into any literal text the tables store (a URL's userinfo or query, a connection
//! string's `Password=`, a webhook path, found by the runtime's one detector,
//! `credentials::find`) are all refused. Templates (the URL and every property value)
//! are parsed here, so an unknown variable, or `properties.x` for a property the connection
//! does not define, is reported by `validate` and `compile` at the field's location.
//! Every name a source is given (the namespace, Secret, ConfigMap, service account and
//! Helm release names, Secret and ConfigMap keys) must follow its Kubernetes rule
//! ([`NameRule`]), so that no `../` or absolute path reaches a source.
//!
//! Where upstream has a visible bug this lowering does what was meant: `slack.icon` sets
//! `Icon` (upstream sets it from `color`), and MySQL's `insecureTLS` suffix gets its `?`
//! separator.

use std::collections::BTreeMap;

use rampart_grammar::{TemplateVariable, UrlTemplate};
use rampart_runtime::connection::credentials::{self, is_secret_name};
use rampart_runtime::connection::kubernetes_names::{NameError, NameRule};
use rampart_runtime::schema::FieldSource;

use super::document::{Connection, EnvValue, FieldValue, ReadField, SpecFields};
use super::fields::Slot;
use super::model::{Header, LoweredConnection};
use crate::diagnostic::Diagnostic;
use crate::located::Located;
use crate::metadata::namespace_of;
use crate::source::Location;

struct Lowering {
    data: LoweredConnection,
    properties: BTreeMap<String, (FieldSource, Option<Location>)>,
    /// Field paths of properties, where a document field set them.
    property_paths: BTreeMap<String, String>,
    url_at: Option<Location>,
    /// The field path of the URL (`spec.url`, `spec.http.url`).
    url_path: String,
    /// The field path and location of a username a field set.
    username_field: Option<(String, Location)>,
    /// Where `spec` is: the location of values no field wrote (section templates).
    spec_at: Location,
    /// The field path and location of each header of `data.headers`.
    header_fields: Vec<(String, Location)>,
    insecure_tls: bool,
    diagnostics: Vec<Diagnostic>,
}

fn refuse_literal_secret(path: &str, at: &Location) -> Diagnostic {
    Diagnostic::at(at.clone(), format!("`{path}` holds a credential: its value comes from `valueFrom`, never a literal `value` (it would be stored in the tables)"))
        .field(path)
        .masked(true)
        .help("use `valueFrom: {secretKeyRef: {name: ..., key: ...}}` (or configMapKeyRef, helmRef)")
}

/// A literal value that carries a credential where the connection's URL, a property or
/// a header is text: a URL's userinfo or query, a connection string's keyword, a webhook
/// path, an `Authorization` value ([`credentials::find`], the one detector).
fn refuse_literal_credential(path: &str, what: &str, at: &Location) -> Diagnostic {
    Diagnostic::at(
        at.clone(),
        format!("`{path}` carries a literal credential ({what}); it would be stored in the tables"),
    )
    .field(path)
    .masked(true)
    .help("write `$(password)` where the credential goes and give `password: {valueFrom: {secretKeyRef: {name: ..., key: ...}}}`; a URL that is itself a secret (a webhook) goes whole into the secret: `url: $(password)`")
}

/// Every name a source gives, with the rule it follows and its field path under
/// `valueFrom`: the object's name and, for Secrets and ConfigMaps, the key (a Helm key is
/// a dotted path into the values, not a name).
fn source_names(source: &FieldSource) -> Vec<(&str, NameRule, &'static str)> {
    match source {
        FieldSource::SecretKeyRef { name, key } => vec![
            (name.as_str(), NameRule::ObjectName, "secretKeyRef.name"),
            (key.as_str(), NameRule::DataKey, "secretKeyRef.key"),
        ],
        FieldSource::ConfigMapKeyRef { name, key } => vec![
            (name.as_str(), NameRule::ObjectName, "configMapKeyRef.name"),
            (key.as_str(), NameRule::DataKey, "configMapKeyRef.key"),
        ],
        FieldSource::HelmRef { name, .. } => {
            vec![(name.as_str(), NameRule::HelmRelease, "helmRef.name")]
        }
        FieldSource::ServiceAccount { name } => {
            vec![(name.as_str(), NameRule::ObjectName, "serviceAccount")]
        }
        FieldSource::Value(_) => Vec::new(),
    }
}

/// A name that breaks its Kubernetes rule: sources look names up as they are, and a
/// directory-backed source would otherwise turn `../` into a path. Like every diagnostic
/// about a Connection, it names the field, not the value.
fn invalid_name(path: &str, error: NameError, at: &Location) -> Diagnostic {
    Diagnostic::at(at.clone(), format!("`{path}` is {error}"))
        .field(path)
        .masked(true)
        .help(error.help())
}

impl Lowering {
    fn env(&mut self, read: &ReadField, env: &EnvValue) -> Option<FieldSource> {
        if read.field.secret && env.literal.is_some() {
            self.diagnostics
                .push(refuse_literal_secret(&read.path, &env.at));
            return None;
        }
        self.source(&read.path, env)
    }

    /// The stored source of an EnvVar whose names follow their rules.
    fn source(&mut self, path: &str, env: &EnvValue) -> Option<FieldSource> {
        let source = env.field_source();
        let before = self.diagnostics.len();
        for (name, rule, field) in source_names(&source) {
            if let Err(e) = rule.check(name) {
                let path = format!("{path}.valueFrom.{field}");
                self.diagnostics.push(invalid_name(&path, e, &env.at));
            }
        }
        (self.diagnostics.len() == before).then_some(source)
    }

    fn property(&mut self, name: &str, source: FieldSource, at: Option<Location>) {
        self.properties.insert(name.to_string(), (source, at));
    }

    /// Applies one read field by its slot.
    fn apply(&mut self, read: &ReadField) {
        let literal = |v: String| FieldSource::Value(v);
        match (&read.field.slot, &read.value) {
            // Read by `lower`: where it goes depends on the section.
            (Slot::InsecureTls, _) => {}
            (Slot::Template, FieldValue::Nested(fields)) => {
                for nested in &fields.fields {
                    self.apply(nested);
                }
            }
            (Slot::Template, _) => {}
            (slot, value) => {
                let source = match value {
                    FieldValue::Str(s) => {
                        if read.field.secret {
                            self.diagnostics.push(
                                Diagnostic::at(read.at.clone(), format!("`{}` is a literal credential, which Rampart does not store in tables", read.path))
                                    .field(&read.path)
                                    .masked(true)
                                    .help("upstream takes this credential as a plain string; give the connection `type`, `url` and `password: {valueFrom: ...}` instead"),
                            );
                            return;
                        }
                        literal(s.clone())
                    }
                    FieldValue::Bool(b) => literal(b.to_string()),
                    FieldValue::Int(i) => literal(i.to_string()),
                    FieldValue::Env(env) => match self.env(read, env) {
                        Some(s) => s,
                        None => return,
                    },
                    FieldValue::StrList(list) => literal(list.join(",")),
                    FieldValue::StrMap(map) => {
                        for (k, v) in map {
                            if is_secret_name(k) && !v.is_empty() {
                                self.diagnostics.push(refuse_secret_named(
                                    &format!("{}.{k}", read.path),
                                    &read.at,
                                ));
                                return;
                            }
                        }
                        literal(serde_json::to_string(map).unwrap_or_default())
                    }
                    FieldValue::EnvList(headers) => {
                        for (name, env) in headers {
                            if env.literal.is_some() && is_secret_name(name) {
                                self.diagnostics.push(refuse_secret_named(
                                    &format!("{}[{name}]", read.path),
                                    &env.at,
                                ));
                                continue;
                            }
                            let path = format!("{}[{name}]", read.path);
                            if let Some(source) = self.source(&path, env) {
                                self.data.headers.push(Header {
                                    name: name.clone(),
                                    source,
                                });
                                self.header_fields.push((path, env.at.clone()));
                            }
                        }
                        return;
                    }
                    FieldValue::Nested(_) => return,
                };
                match slot {
                    Slot::Url => {
                        self.data.url = Some(source);
                        self.url_at = Some(read.at.clone());
                        self.url_path = read.path.clone();
                    }
                    Slot::Username => {
                        self.data.username = Some(source);
                        self.username_field = Some((read.path.clone(), read.at.clone()));
                    }
                    Slot::Password => self.data.password = Some(source),
                    Slot::Certificate => self.data.certificate = Some(source),
                    Slot::Property(name) => {
                        self.property_paths
                            .insert(name.to_string(), read.path.clone());
                        self.property(name, source, Some(read.at.clone()))
                    }
                    Slot::InsecureTls | Slot::Template => {}
                }
            }
        }
    }

    fn template(&mut self, kind: &str, url: String) {
        self.data.connection_type = kind.to_string();
        if self.data.url.is_none() {
            self.data.url = Some(FieldSource::Value(url));
        }
    }

    /// URLs that sections build from their fields when no `url` is given.
    fn section_urls(&mut self, key: &str, s: &SpecFields) {
        let text = |name: &str| s.string(name).unwrap_or_default().to_string();
        let insecure = self.insecure_tls;
        match key {
            "postgres" => {
                let suffix = if insecure { "?sslmode=disable" } else { "" };
                self.template("postgres", format!("postgres://$(username):$(password)@$(properties.host)/$(properties.database){suffix}"));
            }
            "mysql" => {
                let suffix = if insecure { "?sslMode=disabled" } else { "" };
                self.template("mysql", format!("mysql://$(username):$(password)@$(properties.host)/$(properties.database){suffix}"));
            }
            "mssql" => {
                let trust = if s.get("trustServerCertificate").is_some() {
                    "&TrustServerCertificate=$(properties.trust_server_certificate)"
                } else {
                    ""
                };
                self.template("sql_server", format!("sqlserver://$(username):$(password)@$(properties.host)?database=$(properties.database){trust}"));
            }
            "mongo" => {
                let mut query = Vec::new();
                if let Some(rs) = s.string("replicaSet") {
                    query.push(format!("replicaSet={}", rampart_runtime::text::shown(rs)));
                }
                if insecure {
                    query.push("tls=true".to_string());
                }
                let extra = if query.is_empty() {
                    String::new()
                } else {
                    format!("&{}", query.join("&"))
                };
                self.template("mongo", format!("mongodb://$(username):$(password)@$(properties.host)/?$(properties.database){extra}"));
            }
            "opensearch" => {
                if let Some(first) = s.list("urls").and_then(|u| u.first()) {
                    if self.data.url.is_none() {
                        self.data.url = Some(FieldSource::Value(first.clone()));
                    }
                }
            }
            "sftp" => {
                let port = s.int("port").unwrap_or(0);
                self.property("port", FieldSource::Value(port.to_string()), None);
            }
            "discord" => self.template("discord", "discord://$(password)@$(username)".into()),
            "telegram" => self.template(
                "telegram",
                "telegram://$(password)@telegram/?Chats=$(username)".into(),
            ),
            "slack" => self.template("slack", "slack://$(password)@$(username)".into()),
            "pushover" => self.template("pushover", "pushover://:$(password)@$(username)".into()),
            "pushbullet" => {
                let targets = s.list("targets").unwrap_or(&[]).join(",");
                self.template("pushbullet", format!("pushbullet://$(password)/{targets}"));
            }
            "ntfy" => {
                let (host, topic) = (text("host"), text("topic"));
                self.template(
                    "ntfy",
                    format!("ntfy://$(username):$(password)@{host}/{topic}"),
                );
            }
            "smtp" => {
                let host = text("host");
                let port = s.int("port").unwrap_or(25);
                let encryption = s.string("encryption").unwrap_or("Auto").to_string();
                let auth = s.string("auth").unwrap_or("plain").to_string();
                let from = s
                    .string("fromAddress")
                    .unwrap_or("no-reply@example.com")
                    .to_string();
                let to = s
                    .list("toAddresses")
                    .filter(|t| !t.is_empty())
                    .map(|t| t.join(","))
                    .unwrap_or_else(|| "no-reply@example.com".into());
                self.property("port", FieldSource::Value(port.to_string()), None);
                self.property("auth", FieldSource::Value(auth.clone()), None);
                self.property("from", FieldSource::Value(from.clone()), None);
                self.property("to", FieldSource::Value(to.clone()), None);
                self.template(
                    "email",
                    format!("smtp://$(username):$(password)@{host}:{port}/?UseStartTLS={insecure}&Encryption={encryption}&Auth={auth}&from={from}&to={to}"),
                );
            }
            _ => {}
        }
    }

    /// An `http` connection's generic `properties.headers` (when its section writes
    /// none) is read upstream as the JSON list of its headers: it must be one, a header
    /// named like a secret may not hold a literal value there either, and every literal
    /// value goes through the credential detector.
    fn generic_headers(&mut self) -> Vec<(String, String, Option<Location>)> {
        if !self.data.headers.is_empty() {
            return Vec::new();
        }
        let Some((FieldSource::Value(text), at)) = self.properties.get("headers") else {
            return Vec::new();
        };
        let at = at.clone();
        let at_or_spec = at.clone().unwrap_or_else(|| self.spec_at.clone());
        match rampart_runtime::connection::headers::header_literals(text) {
            Err(why) => {
                self.diagnostics.push(
                    Diagnostic::at(
                        at_or_spec,
                        format!("`spec.properties.headers` of an http connection is {why}"),
                    )
                    .field("spec.properties.headers")
                    .masked(true)
                    .help("write the headers under `http.headers` (a list of `{name, value}` or `{name, valueFrom}`)"),
                );
                Vec::new()
            }
            Ok(headers) => {
                let mut literals = Vec::new();
                for (name, value) in headers {
                    let path = format!("spec.properties.headers[{name}]");
                    match value {
                        Some(v) if is_secret_name(&name) && !v.is_empty() => {
                            self.diagnostics
                                .push(refuse_secret_named(&path, &at_or_spec));
                        }
                        Some(v) => literals.push((path, v, at.clone())),
                        None => {}
                    }
                }
                literals
            }
        }
    }

    /// Parses the URL and every literal property as a template; reports unknown
    /// variables and references to properties the connection does not define. An `http`
    /// connection's `headers` is a header list, not a template (upstream fills each value
    /// from its source and renders none).
    fn check_templates(&mut self) {
        let http = self.data.connection_type == "http";
        let defined: std::collections::BTreeSet<String> = self
            .properties
            .keys()
            .filter(|k| !(http && k.as_str() == "headers"))
            .cloned()
            .collect();
        let check = |text: &str,
                     path: &str,
                     at: Option<&Location>,
                     diagnostics: &mut Vec<Diagnostic>| {
            let at = at.cloned();
            match UrlTemplate::parse(text) {
                Err(e) => {
                    if let Some(at) = at {
                        diagnostics
                            .push(Diagnostic::at(at, e.to_string()).field(path).masked(true));
                    }
                }
                Ok(t) => {
                    for (v, _) in t.variables() {
                        if let TemplateVariable::Property(k) = v {
                            if !defined.contains(k) {
                                if let Some(at) = &at {
                                    diagnostics.push(
                                        Diagnostic::at(at.clone(), format!("`{path}` uses `$(properties.{k})`, a property this connection does not define"))
                                            .field(path)
                                            .help(format!("defined properties: {}", defined.iter().cloned().collect::<Vec<_>>().join(", "))),
                                    );
                                }
                            }
                        }
                    }
                }
            }
        };
        let mut found = Vec::new();
        if let Some(FieldSource::Value(url)) = &self.data.url {
            check(url, &self.url_path, self.url_at.as_ref(), &mut found);
        }
        for (name, (source, at)) in &self.properties {
            if http && name == "headers" {
                continue;
            }
            if let FieldSource::Value(text) = source {
                check(
                    text,
                    &format!("spec.properties.{name}"),
                    at.as_ref(),
                    &mut found,
                );
            }
        }
        self.diagnostics.extend(found);
        self.check_literal_credentials();
    }

    /// Every literal text the tables would store (the URL, the username, every property
    /// and header) through the one credential detector: a credential written into text is
    /// refused like a literal in a credential field.
    fn check_literal_credentials(&mut self) {
        let generic_headers = if self.data.connection_type == "http" {
            self.generic_headers()
        } else {
            Vec::new()
        };
        let mut texts: Vec<(String, &str, Option<&Location>)> = Vec::new();
        for (path, value, at) in &generic_headers {
            texts.push((path.clone(), value, at.as_ref()));
        }
        for (header, (path, at)) in self.data.headers.iter().zip(&self.header_fields) {
            if let FieldSource::Value(value) = &header.source {
                texts.push((path.clone(), value, Some(at)));
            }
        }
        if let Some(FieldSource::Value(url)) = &self.data.url {
            texts.push((self.url_path.clone(), url, self.url_at.as_ref()));
        }
        if let (Some(FieldSource::Value(username)), Some((path, at))) =
            (&self.data.username, &self.username_field)
        {
            texts.push((path.clone(), username, Some(at)));
        }
        let http = self.data.connection_type == "http";
        for (name, (source, at)) in &self.properties {
            if http && name == "headers" {
                // Read header by header above.
                continue;
            }
            if let FieldSource::Value(text) = source {
                let path = self
                    .property_paths
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| format!("spec.properties.{name}"));
                texts.push((path, text, at.as_ref()));
            }
        }
        let mut found = Vec::new();
        for (path, text, at) in texts {
            let mut seen = std::collections::BTreeSet::new();
            for credential in credentials::find(text) {
                if seen.insert(credential.what.clone()) {
                    found.push(refuse_literal_credential(
                        &path,
                        &credential.what,
                        at.unwrap_or(&self.spec_at),
                    ));
                }
            }
        }
        self.diagnostics.extend(found);
    }
}

fn refuse_secret_named(path: &str, at: &Location) -> Diagnostic {
    Diagnostic::at(at.clone(), format!("`{path}` is named like a secret and holds a literal value (it would be stored in the tables)"))
        .field(path)
        .masked(true)
        .help("give it from `valueFrom`, or move the credential to the section's credential field")
}

/// Lowers one Connection document.
pub fn lower(doc: &Located<Connection>) -> Result<LoweredConnection, Vec<Diagnostic>> {
    let spec = &doc.value.spec;
    let namespace_error = doc.value.metadata.namespace.as_ref().and_then(|n| {
        NameRule::Namespace
            .check(&n.value)
            .err()
            .map(|e| invalid_name("metadata.namespace", e, &doc.at(n)))
    });
    let mut l = Lowering {
        data: LoweredConnection {
            namespace: namespace_of(&doc.value.metadata),
            name: doc.value.metadata.name.value.clone(),
            uid: doc.value.uid.clone(),
            connection_type: String::new(),
            url: None,
            username: None,
            password: None,
            certificate: None,
            properties: BTreeMap::new(),
            headers: Vec::new(),
            insecure_tls: spec.generic.flag("insecure_tls"),
            location: doc.at(&doc.value.metadata.name),
        },
        properties: BTreeMap::new(),
        property_paths: BTreeMap::new(),
        url_at: None,
        url_path: "spec.url".into(),
        username_field: None,
        spec_at: doc.value.spec_at.clone(),
        header_fields: Vec::new(),
        insecure_tls: false,
        diagnostics: namespace_error.into_iter().collect(),
    };
    for read in &spec.generic.fields {
        l.apply(read);
    }
    // Generic properties: plain strings, so a secret-named one is refused.
    let mut generic_properties = Vec::new();
    if let Some(read) = spec.generic.get("properties") {
        if let FieldValue::StrMap(map) = &read.value {
            for (k, v) in map {
                if is_secret_name(k) && !v.is_empty() {
                    l.diagnostics.push(refuse_secret_named(
                        &format!("spec.properties.{k}"),
                        &read.at,
                    ));
                } else {
                    l.property_paths
                        .entry(k.clone())
                        .or_insert_with(|| format!("spec.properties.{k}"));
                    generic_properties.push((k.clone(), v.clone(), read.at.clone()));
                }
            }
        }
    }
    l.data.connection_type = spec.generic.string("type").unwrap_or_default().to_string();
    if let Some((section, fields)) = &spec.section {
        l.data.connection_type = section.stored_type.to_string();
        for read in &fields.fields {
            l.apply(read);
        }
        // The section's own flag, stored where upstream stores it.
        l.insecure_tls = fields.fields.iter().any(|f| {
            f.field.slot == Slot::InsecureTls && matches!(f.value, FieldValue::Bool(true))
        });
        if section.insecure_tls.property {
            l.property(
                "insecure_tls",
                FieldSource::Value(l.insecure_tls.to_string()),
                None,
            );
        }
        l.data.insecure_tls |= section.insecure_tls.column && l.insecure_tls;
        l.section_urls(section.key, fields);
    }
    if l.data.connection_type.is_empty() {
        l.diagnostics.push(
            Diagnostic::at(
                doc.value.spec_at.clone(),
                "a connection needs a `type` or a typed section (postgres, aws, http, ...)",
            )
            .field("spec.type"),
        );
    }
    // Generic properties merge under the typed ones: typed keys win.
    for (k, v, at) in generic_properties {
        l.properties
            .entry(k)
            .or_insert((FieldSource::Value(v), Some(at)));
    }
    l.check_templates();
    if !l.diagnostics.is_empty() {
        return Err(l.diagnostics);
    }
    l.data.properties = l.properties.into_iter().map(|(k, (v, _))| (k, v)).collect();
    Ok(l.data)
}
