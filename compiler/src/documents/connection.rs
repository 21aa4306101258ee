//! `kind: Connection`: the generic fields and every typed section of the connections
//! document, and their mapping onto the stored model (url, username, password,
//! certificate, properties) as the reference's section 12.2 describes.
//!
//! Credentials are kept as *sources* (`value`, `secretKeyRef`, `configMapKeyRef`,
//! `helmRef`); the tables store sources only. A literal `value` in a secret field
//! (password, certificate, tokens, keys) is refused: it would put a secret in the table.

use std::collections::BTreeMap;

use rampart_runtime::data::{ConnectionData, FieldSource};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::policy::Metadata;

/// `kind: Connection`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionDocument {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: Spanned<ConnectionSpec>,
    #[serde(default)]
    pub status: Option<IgnoredAny>,
}

/// A field value and where it comes from (Kubernetes `EnvVar` shape).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvVar {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub value_from: Option<ValueFrom>,
}

/// `valueFrom`: exactly one source.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ValueFrom {
    #[serde(default)]
    pub secret_key_ref: Option<KeyRef>,
    #[serde(default)]
    pub config_map_key_ref: Option<KeyRef>,
    #[serde(default)]
    pub helm_ref: Option<KeyRef>,
}

/// `{name, key}` of a Secret, ConfigMap or Helm release.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRef {
    pub name: String,
    pub key: String,
}

/// A typed section: every field optional, camelCase names unless renamed with `as`.
macro_rules! section {
    ($(#[$doc:meta])* $name:ident { $($field:ident $(as $rename:literal)? : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        pub struct $name {
            $(#[serde(default $(, rename = $rename)?)] pub $field: Option<$ty>,)*
        }
    };
}

section!(
    /// `spec.aws`
    Aws { url: EnvVar, access_key: EnvVar, secret_key: EnvVar, session_token: EnvVar, region: String, profile: String, assume_role: String, endpoint: String, insecure_tls as "insecureTLS": bool }
);
section!(
    /// `spec.azure`
    Azure { client_id as "clientID": EnvVar, client_secret: EnvVar, tenant_id as "tenantID": String }
);
section!(
    /// `spec.gcp`
    Gcp { endpoint: EnvVar, certificate: EnvVar, project: String }
);
section!(
    /// `spec.kubernetes`: the kubeconfig is the certificate.
    Kubernetes { certificate: EnvVar }
);
section!(
    /// `spec.git`
    Git { url: EnvVar, username: EnvVar, password: EnvVar, certificate: EnvVar, r#ref: String }
);
section!(
    /// `spec.github` and `spec.gitlab`
    TokenService { url: EnvVar, personal_access_token: EnvVar }
);
section!(
    /// `spec.azureDevops`
    AzureDevops { url: EnvVar, organization: EnvVar, personal_access_token: EnvVar }
);
section!(
    /// `spec.postgres`
    Postgres { url: EnvVar, host: EnvVar, database: EnvVar, username: EnvVar, password: EnvVar, insecure_tls as "insecureTLS": bool }
);
section!(
    /// `spec.opensearch`
    OpenSearch { urls: Vec<String>, username: EnvVar, password: EnvVar, index: String, insecure_skip_verify: bool }
);
section!(
    /// `spec.sftp`
    Sftp { host: String, port: u16, username: EnvVar, password: EnvVar, path: String }
);
section!(
    /// `spec.smb`
    Smb { server: String, port: u16, username: EnvVar, password: EnvVar, share: String, domain: String }
);
section!(
    /// `spec.openai`, `spec.anthropic` and `spec.ollama`
    AiProvider { url: EnvVar, api_key: EnvVar, model: String }
);
section!(
    /// `spec.slack`
    Slack { channel: EnvVar, token: EnvVar, bot_name: String, color: String, icon: String, thread_ts as "threadTS": String, title: String }
);
section!(
    /// `spec.discord`
    Discord { webhook_id as "webhookID": EnvVar, token: EnvVar }
);
section!(
    /// `spec.telegram`
    Telegram { token: EnvVar, chats: EnvVar }
);
section!(
    /// `spec.smtp`
    Smtp {
        host: String, port: u16, username: EnvVar, password: EnvVar, insecure_tls as "insecureTLS": bool, encryption: String,
        auth: String, from_address: String, from_name: String, to_addresses: Vec<String>, subject: String,
        headers: BTreeMap<String, String>,
    }
);
section!(
    /// `spec.ntfy`
    Ntfy { host: String, topic: String, username: EnvVar, password: EnvVar }
);
section!(
    /// `spec.pushbullet`
    Pushbullet { token: EnvVar, targets: Vec<String> }
);
section!(
    /// `spec.pushover`
    Pushover { token: EnvVar, user: EnvVar }
);
section!(
    /// `spec.http`
    Http { url: EnvVar, username: EnvVar, password: EnvVar, bearer: EnvVar, insecure_tls as "insecureTLS": bool, headers: BTreeMap<String, String> }
);

/// `Connection.spec`: generic fields plus at most one typed section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConnectionSpec {
    #[serde(default)]
    pub url: Option<EnvVar>,
    #[serde(default)]
    pub port: Option<EnvVar>,
    #[serde(default, rename = "type")]
    pub connection_type: Option<String>,
    #[serde(default)]
    pub username: Option<EnvVar>,
    #[serde(default)]
    pub password: Option<EnvVar>,
    #[serde(default)]
    pub certificate: Option<EnvVar>,
    #[serde(default)]
    pub properties: Option<BTreeMap<String, String>>,
    #[serde(default, rename = "insecure_tls")]
    pub insecure_tls: Option<bool>,
    #[serde(default)]
    pub aws: Option<Aws>,
    #[serde(default)]
    pub azure: Option<Azure>,
    #[serde(default)]
    pub gcp: Option<Gcp>,
    #[serde(default)]
    pub kubernetes: Option<Kubernetes>,
    #[serde(default)]
    pub git: Option<Git>,
    #[serde(default)]
    pub github: Option<TokenService>,
    #[serde(default)]
    pub gitlab: Option<TokenService>,
    #[serde(default)]
    pub azure_devops: Option<AzureDevops>,
    #[serde(default)]
    pub postgres: Option<Postgres>,
    #[serde(default)]
    pub opensearch: Option<OpenSearch>,
    #[serde(default)]
    pub sftp: Option<Sftp>,
    #[serde(default)]
    pub smb: Option<Smb>,
    #[serde(default)]
    pub openai: Option<AiProvider>,
    #[serde(default)]
    pub anthropic: Option<AiProvider>,
    #[serde(default)]
    pub ollama: Option<AiProvider>,
    #[serde(default)]
    pub slack: Option<Slack>,
    #[serde(default)]
    pub discord: Option<Discord>,
    #[serde(default)]
    pub telegram: Option<Telegram>,
    #[serde(default)]
    pub smtp: Option<Smtp>,
    #[serde(default)]
    pub ntfy: Option<Ntfy>,
    #[serde(default)]
    pub pushbullet: Option<Pushbullet>,
    #[serde(default)]
    pub pushover: Option<Pushover>,
    #[serde(default)]
    pub http: Option<Http>,
}

/// A problem mapping a connection: the field (dotted, under `spec`) and what is wrong.
pub type MappingError = (String, String);

/// Builds stored fields, refusing literal secrets.
struct Mapper {
    data: ConnectionData,
    properties: BTreeMap<String, FieldSource>,
    errors: Vec<MappingError>,
}

impl Mapper {
    fn source(&mut self, field: &str, env: &EnvVar, secret: bool) -> Option<FieldSource> {
        let from = env.value_from.as_ref();
        let refs = from.map(|f| {
            [
                f.secret_key_ref.is_some(),
                f.config_map_key_ref.is_some(),
                f.helm_ref.is_some(),
            ]
        });
        let sources = usize::from(env.value.is_some())
            + refs.map(|r| r.iter().filter(|x| **x).count()).unwrap_or(0);
        if sources != 1 {
            self.errors.push((field.to_string(), "exactly one of `value`, `valueFrom.secretKeyRef`, `valueFrom.configMapKeyRef` or `valueFrom.helmRef` is needed".into()));
            return None;
        }
        if let Some(value) = &env.value {
            if secret {
                self.errors.push((field.to_string(), "a secret field takes its value from `valueFrom`, never a literal `value` (it would be stored in the tables)".into()));
                return None;
            }
            return Some(FieldSource::Value(value.clone()));
        }
        let from = from?;
        let key = |k: &KeyRef| (k.name.clone(), k.key.clone());
        if let Some((name, key)) = from.secret_key_ref.as_ref().map(key) {
            return Some(FieldSource::SecretKeyRef { name, key });
        }
        if let Some((name, key)) = from.config_map_key_ref.as_ref().map(key) {
            return Some(FieldSource::ConfigMapKeyRef { name, key });
        }
        from.helm_ref
            .as_ref()
            .map(key)
            .map(|(name, key)| FieldSource::HelmRef { name, key })
    }

    fn url(&mut self, field: &str, env: &Option<EnvVar>) {
        if let Some(env) = env {
            self.data.url = self.source(field, env, false);
        }
    }
    fn username(&mut self, field: &str, env: &Option<EnvVar>) {
        if let Some(env) = env {
            self.data.username = self.source(field, env, false);
        }
    }
    fn password(&mut self, field: &str, env: &Option<EnvVar>) {
        if let Some(env) = env {
            self.data.password = self.source(field, env, true);
        }
    }
    fn certificate(&mut self, field: &str, env: &Option<EnvVar>) {
        if let Some(env) = env {
            self.data.certificate = self.source(field, env, true);
        }
    }
    fn property(&mut self, name: &str, value: Option<String>) {
        if let Some(value) = value {
            self.properties
                .insert(name.to_string(), FieldSource::Value(value));
        }
    }
    fn secret_property(&mut self, name: &str, field: &str, env: &Option<EnvVar>) {
        if let Some(source) = env.as_ref().and_then(|e| self.source(field, e, true)) {
            self.properties.insert(name.to_string(), source);
        }
    }
    fn source_property(&mut self, name: &str, field: &str, env: &Option<EnvVar>) {
        if let Some(source) = env.as_ref().and_then(|e| self.source(field, e, false)) {
            self.properties.insert(name.to_string(), source);
        }
    }
    fn template(&mut self, kind: &str, template: String) {
        self.data.connection_type = kind.to_string();
        self.data.url = Some(FieldSource::Value(template));
    }
}

/// Maps a parsed spec to the stored model, or lists what is wrong with it.
pub fn map_connection(
    namespace: &str,
    name: &str,
    spec: &ConnectionSpec,
    source: String,
) -> Result<ConnectionData, Vec<MappingError>> {
    let data = ConnectionData {
        namespace: namespace.into(),
        name: name.into(),
        source,
        ..ConnectionData::default()
    };
    let mut m = Mapper {
        data,
        properties: BTreeMap::new(),
        errors: Vec::new(),
    };
    m.data.connection_type = spec.connection_type.clone().unwrap_or_default();
    m.url("spec.url", &spec.url);
    m.username("spec.username", &spec.username);
    m.password("spec.password", &spec.password);
    m.certificate("spec.certificate", &spec.certificate);
    m.source_property("port", "spec.port", &spec.port);
    m.data.insecure_tls = spec.insecure_tls.unwrap_or(false);
    let typed = map_typed_sections(&mut m, spec);
    if typed > 1 {
        m.errors.push((
            "spec".into(),
            "at most one typed section (postgres, aws, slack, ...) per connection".into(),
        ));
    }
    if m.data.connection_type.is_empty() {
        m.errors.push((
            "spec.type".into(),
            "a connection needs a `type` or a typed section".into(),
        ));
    }
    // Generic properties merge under the typed ones: typed keys win.
    for (k, v) in spec.properties.iter().flatten() {
        m.properties
            .entry(k.clone())
            .or_insert_with(|| FieldSource::Value(v.clone()));
    }
    if m.data.insecure_tls {
        m.properties
            .entry("insecure_tls".into())
            .or_insert_with(|| FieldSource::Value("true".into()));
    }
    if !m.errors.is_empty() {
        return Err(m.errors);
    }
    m.data.properties = m.properties.into_iter().collect();
    Ok(m.data)
}

fn map_typed_sections(m: &mut Mapper, spec: &ConnectionSpec) -> usize {
    let mut count = 0;
    if let Some(s) = &spec.aws {
        count += 1;
        m.data.connection_type = "aws".into();
        m.url("spec.aws.url", &s.url);
        m.username("spec.aws.accessKey", &s.access_key);
        m.password("spec.aws.secretKey", &s.secret_key);
        m.secret_property("sessionToken", "spec.aws.sessionToken", &s.session_token);
        m.property("region", s.region.clone());
        m.property("profile", s.profile.clone());
        m.property("assumeRole", s.assume_role.clone());
        m.property("endpoint", s.endpoint.clone());
        m.data.insecure_tls |= s.insecure_tls.unwrap_or(false);
    }
    if let Some(s) = &spec.azure {
        count += 1;
        m.data.connection_type = "azure".into();
        m.username("spec.azure.clientID", &s.client_id);
        m.password("spec.azure.clientSecret", &s.client_secret);
        m.property("tenant", s.tenant_id.clone());
    }
    if let Some(s) = &spec.gcp {
        count += 1;
        m.data.connection_type = "google_cloud".into();
        m.url("spec.gcp.endpoint", &s.endpoint);
        m.certificate("spec.gcp.certificate", &s.certificate);
        m.property("project", s.project.clone());
    }
    if let Some(s) = &spec.kubernetes {
        count += 1;
        m.data.connection_type = "kubernetes".into();
        m.certificate("spec.kubernetes.certificate", &s.certificate);
    }
    if let Some(s) = &spec.git {
        count += 1;
        m.data.connection_type = "git".into();
        m.url("spec.git.url", &s.url);
        m.username("spec.git.username", &s.username);
        m.password("spec.git.password", &s.password);
        m.certificate("spec.git.certificate", &s.certificate);
        m.property("ref", s.r#ref.clone());
    }
    for (kind, section) in [("github", &spec.github), ("gitlab", &spec.gitlab)] {
        if let Some(s) = section {
            count += 1;
            m.data.connection_type = kind.into();
            m.url(&format!("spec.{kind}.url"), &s.url);
            m.password(
                &format!("spec.{kind}.personalAccessToken"),
                &s.personal_access_token,
            );
        }
    }
    if let Some(s) = &spec.azure_devops {
        count += 1;
        m.data.connection_type = "azure_devops".into();
        m.url("spec.azureDevops.url", &s.url);
        m.username("spec.azureDevops.organization", &s.organization);
        m.password(
            "spec.azureDevops.personalAccessToken",
            &s.personal_access_token,
        );
    }
    if let Some(s) = &spec.postgres {
        count += 1;
        m.data.connection_type = "postgres".into();
        m.username("spec.postgres.username", &s.username);
        m.password("spec.postgres.password", &s.password);
        m.source_property("host", "spec.postgres.host", &s.host);
        m.source_property("database", "spec.postgres.database", &s.database);
        let insecure = s.insecure_tls.unwrap_or(false);
        if insecure {
            m.property("insecure_tls", Some("true".into()));
        }
        match &s.url {
            Some(_) => m.url("spec.postgres.url", &s.url),
            None => {
                let suffix = if insecure { "?sslmode=disable" } else { "" };
                m.template("postgres", format!("postgres://$(username):$(password)@$(properties.host)/$(properties.database){suffix}"));
            }
        }
    }
    if let Some(s) = &spec.opensearch {
        count += 1;
        m.data.connection_type = "opensearch".into();
        let urls = s.urls.clone().unwrap_or_default();
        if let Some(first) = urls.first() {
            m.data.url = Some(FieldSource::Value(first.clone()));
            m.property("urls", Some(urls.join(",")));
        }
        m.username("spec.opensearch.username", &s.username);
        m.password("spec.opensearch.password", &s.password);
        m.property("index", s.index.clone());
        if s.insecure_skip_verify.unwrap_or(false) {
            m.property("insecure_tls", Some("true".into()));
        }
    }
    if let Some(s) = &spec.sftp {
        count += 1;
        m.data.connection_type = "sftp".into();
        m.data.url = s.host.clone().map(FieldSource::Value);
        m.username("spec.sftp.username", &s.username);
        m.password("spec.sftp.password", &s.password);
        m.property("path", s.path.clone());
        m.property("port", Some(s.port.unwrap_or(0).to_string()));
    }
    if let Some(s) = &spec.smb {
        count += 1;
        m.data.connection_type = "smb".into();
        m.data.url = s.server.clone().map(FieldSource::Value);
        m.username("spec.smb.username", &s.username);
        m.password("spec.smb.password", &s.password);
        m.property("port", s.port.map(|p| p.to_string()));
        m.property("share", s.share.clone());
        m.property("domain", s.domain.clone());
    }
    for (kind, section) in [
        ("openai", &spec.openai),
        ("anthropic", &spec.anthropic),
        ("ollama", &spec.ollama),
    ] {
        if let Some(s) = section {
            count += 1;
            m.data.connection_type = kind.into();
            m.url(&format!("spec.{kind}.url"), &s.url);
            m.password(&format!("spec.{kind}.apiKey"), &s.api_key);
            m.property("model", s.model.clone());
        }
    }
    if let Some(s) = &spec.slack {
        count += 1;
        m.username("spec.slack.channel", &s.channel);
        m.password("spec.slack.token", &s.token);
        m.property("BotName", s.bot_name.clone());
        m.property("Color", s.color.clone());
        m.property("Icon", s.icon.clone());
        m.property("ThreadTS", s.thread_ts.clone());
        m.property("Title", s.title.clone());
        m.template("slack", "slack://$(password)@$(username)".into());
    }
    if let Some(s) = &spec.discord {
        count += 1;
        m.username("spec.discord.webhookID", &s.webhook_id);
        m.password("spec.discord.token", &s.token);
        m.template("discord", "discord://$(password)@$(username)".into());
    }
    if let Some(s) = &spec.telegram {
        count += 1;
        m.username("spec.telegram.chats", &s.chats);
        m.password("spec.telegram.token", &s.token);
        m.template(
            "telegram",
            "telegram://$(password)@telegram/?Chats=$(username)".into(),
        );
    }
    if let Some(s) = &spec.smtp {
        count += 1;
        m.username("spec.smtp.username", &s.username);
        m.password("spec.smtp.password", &s.password);
        let host = s.host.clone().unwrap_or_default();
        let port = s.port.unwrap_or(25);
        let encryption = s.encryption.clone().unwrap_or_else(|| "Auto".into());
        let auth = s.auth.clone().unwrap_or_else(|| "plain".into());
        let from = s
            .from_address
            .clone()
            .unwrap_or_else(|| "no-reply@example.com".into());
        let to = s
            .to_addresses
            .clone()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| vec!["no-reply@example.com".into()]);
        let start_tls = s.insecure_tls.unwrap_or(false);
        m.property("port", Some(port.to_string()));
        m.property("subject", s.subject.clone());
        m.property("auth", Some(auth.clone()));
        m.property("from", Some(from.clone()));
        m.property("to", Some(to.join(",")));
        m.property("fromname", s.from_name.clone());
        if let Some(headers) = &s.headers {
            m.property("headers", serde_json::to_string(headers).ok());
        }
        m.template(
            "email",
            format!("smtp://$(username):$(password)@{host}:{port}/?UseStartTLS={start_tls}&Encryption={encryption}&Auth={auth}&from={from}&to={}", to.join(",")),
        );
    }
    if let Some(s) = &spec.ntfy {
        count += 1;
        m.username("spec.ntfy.username", &s.username);
        m.password("spec.ntfy.password", &s.password);
        m.property("topic", s.topic.clone());
        let (host, topic) = (
            s.host.clone().unwrap_or_default(),
            s.topic.clone().unwrap_or_default(),
        );
        m.template(
            "ntfy",
            format!("ntfy://$(username):$(password)@{host}/{topic}"),
        );
    }
    if let Some(s) = &spec.pushbullet {
        count += 1;
        m.password("spec.pushbullet.token", &s.token);
        let targets = s.targets.clone().unwrap_or_default().join(",");
        m.property("targets", Some(targets.clone()));
        m.template("pushbullet", format!("pushbullet://$(password)/{targets}"));
    }
    if let Some(s) = &spec.pushover {
        count += 1;
        m.username("spec.pushover.user", &s.user);
        m.password("spec.pushover.token", &s.token);
        m.template("pushover", "pushover://:$(password)@$(username)".into());
    }
    if let Some(s) = &spec.http {
        count += 1;
        m.data.connection_type = "http".into();
        m.url("spec.http.url", &s.url);
        m.username("spec.http.username", &s.username);
        m.password("spec.http.password", &s.password);
        m.secret_property("bearer", "spec.http.bearer", &s.bearer);
        if s.insecure_tls.unwrap_or(false) {
            m.property("insecure_tls", Some("true".into()));
        }
        if let Some(headers) = &s.headers {
            m.property("headers", serde_json::to_string(headers).ok());
        }
    }
    count
}
