//! Connections: every typed section of the upstream CRD read with exactly its field shapes
//! and mapped as the reference says; the source document's three examples resolve from
//! the fixture secrets; templating, references and ids behave as upstream; a subject
//! without `read` gets one refusal whether or not the connection exists; and no secret
//! value ever leaks into a table file, an error, `Debug`, or any command's output.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use std::path::{Path, PathBuf};

use rampart_compiler::connections::lower::lower;
use rampart_compiler::connections::stored::connection_data;
use rampart_compiler::documents;
use rampart_compiler::secrets::{HelmValuesDirectory, ManifestDirectory};
use rampart_runtime::connection::{
    EnvironmentSource, LookupError, MemorySource, SecretSource, SourceChain, SourceKind,
};
use rampart_runtime::schema::{ConnectionData, FieldSource};
use support::{run, stderr, stdout};

const SECRET_VALUES: [&str; 6] = [
    "payments_app",
    "pg-S3cret!",
    "os p@ss/word",
    "r3ader",
    "helm-db-pass",
    "hunter2",
];

fn secrets() -> SourceChain {
    SourceChain::new()
        .with(ManifestDirectory::load(Path::new("../fixtures/secrets")).expect("secrets"))
        .with(HelmValuesDirectory::new(Path::new("../fixtures/helm-values")).expect("helm values"))
}

/// Lowers one Connection whose `spec` is `spec` (YAML, indented under `spec:`).
fn lower_spec(spec: &str) -> Result<ConnectionData, Vec<String>> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("c.yaml");
    let indented: String = spec.lines().map(|l| format!("  {l}\n")).collect();
    std::fs::write(&path, format!("apiVersion: mission-control.flanksource.com/v1\nkind: Connection\nmetadata:\n  name: c\n  namespace: ns\nspec:\n{indented}")).expect("write");
    let (docs, found) = documents::load(&[path], None);
    if !found.is_empty() {
        return Err(found.iter().map(|d| d.to_string()).collect());
    }
    lower(&docs.connections[0])
        .map(|c| connection_data(&c))
        .map_err(|d| d.iter().map(|x| x.to_string()).collect())
}

fn show(source: &Option<FieldSource>) -> Option<String> {
    source.as_ref().map(|s| match s {
        FieldSource::Value(v) => format!("v:{v}"),
        FieldSource::SecretKeyRef { name, key } => format!("s:{name}/{key}"),
        FieldSource::ConfigMapKeyRef { name, key } => format!("c:{name}/{key}"),
        FieldSource::HelmRef { name, key } => format!("h:{name}/{key}"),
        FieldSource::ServiceAccount { name } => format!("sa:{name}"),
    })
}

/// `{valueFrom: {secretKeyRef: {name: creds, key: KEY}}}`
fn s(key: &str) -> String {
    format!("{{valueFrom: {{secretKeyRef: {{name: creds, key: {key}}}}}}}")
}

/// A section case: spec YAML, then the stored type, url, username, password,
/// certificate and properties (the property `insecure_tls` only where upstream writes it).
struct Case {
    spec: String,
    stored: &'static str,
    url: Option<&'static str>,
    username: Option<&'static str>,
    password: Option<&'static str>,
    certificate: Option<&'static str>,
    properties: &'static [(&'static str, &'static str)],
}

fn cases() -> Vec<Case> {
    let c = |spec: String, stored, url, username, password, certificate, properties| Case {
        spec,
        stored,
        url,
        username,
        password,
        certificate,
        properties,
    };
    vec![
        c(format!("aws:\n  region: eu-west-1\n  profile: default\n  assumeRole: arn:aws:iam::1:role/r\n  insecureTLS: true\n  accessKey: {}\n  secretKey: {}\n  sessionToken: {}", s("AK"), s("SK"), s("ST")),
          "aws", None, Some("s:creds/AK"), Some("s:creds/SK"), None,
          &[("assumeRole", "v:arn:aws:iam::1:role/r"), ("profile", "v:default"), ("region", "v:eu-west-1"), ("sessionToken", "s:creds/ST")]),
        c(format!("awskms:\n  keyID: alias/app\n  region: us-east-1\n  accessKey: {}\n  secretKey: {}", s("AK"), s("SK")),
          "aws_kms", None, Some("s:creds/AK"), Some("s:creds/SK"), None, &[("keyID", "v:alias/app"), ("region", "v:us-east-1")]),
        c(format!("s3:\n  bucket: logs\n  usePathStyle: true\n  url: {{value: 'https://minio:9000'}}\n  accessKey: {}\n  secretKey: {}", s("AK"), s("SK")),
          "s3", Some("v:https://minio:9000"), Some("s:creds/AK"), Some("s:creds/SK"), None, &[("bucket", "v:logs"), ("usePathStyle", "v:true")]),
        c(format!("azure:\n  clientID: {{value: app-id}}\n  clientSecret: {}\n  tenantID: {{value: tenant-1}}", s("SECRET")),
          "azure", None, Some("v:app-id"), Some("s:creds/SECRET"), None, &[("tenant", "v:tenant-1")]),
        c(format!("azureKeyVault:\n  clientID: {{value: app-id}}\n  clientSecret: {}\n  tenantID: {{value: t}}\n  keyID: https://vault/keys/k", s("SECRET")),
          "azure_key_vault", None, Some("v:app-id"), Some("s:creds/SECRET"), None, &[("keyID", "v:https://vault/keys/k"), ("tenant", "v:t")]),
        c(format!("azureDevops:\n  url: https://dev.azure.com\n  organization: acme\n  personalAccessToken: {}", s("PAT")),
          "azure_devops", Some("v:https://dev.azure.com"), Some("v:acme"), Some("s:creds/PAT"), None, &[]),
        c(format!("gcp:\n  endpoint: {{value: 'https://gcp'}}\n  certificate: {}\n  project: p1", s("JSON")),
          "google_cloud", Some("v:https://gcp"), None, None, Some("s:creds/JSON"), &[("project", "v:p1")]),
        c(format!("gcpkms:\n  certificate: {}\n  keyID: projects/p/keys/k", s("JSON")),
          "gcp_kms", None, None, None, Some("s:creds/JSON"), &[("keyID", "v:projects/p/keys/k")]),
        c(format!("gcs:\n  certificate: {}\n  bucket: artifacts\n  project: p1", s("JSON")),
          "gcs", None, None, None, Some("s:creds/JSON"), &[("bucket", "v:artifacts"), ("project", "v:p1")]),
        c(format!("anthropic:\n  model: claude-x\n  apiKey: {}", s("KEY")), "anthropic", None, None, Some("s:creds/KEY"), None, &[("model", "v:claude-x")]),
        c("ollama:\n  url: {value: 'http://ollama:11434'}\n  model: llama3".to_string(), "ollama", Some("v:http://ollama:11434"), None, None, None, &[("model", "v:llama3")]),
        c(format!("openai:\n  model: gpt-4o\n  apiKey: {}", s("KEY")), "openai", None, None, Some("s:creds/KEY"), None, &[("model", "v:gpt-4o")]),
        c(format!("gemini:\n  model: gemini-2\n  apiKey: {}", s("KEY")), "gemini", None, None, Some("s:creds/KEY"), None, &[("model", "v:gemini-2")]),
        c(format!("elasticsearch:\n  url: https://es:9200\n  username: {{value: elastic}}\n  password: {}\n  insecureTLS: true", s("PW")),
          "elasticsearch", Some("v:https://es:9200"), Some("v:elastic"), Some("s:creds/PW"), None, &[]),
        c(format!("facet:\n  url: https://facet\n  token: {}\n  timestampUrl: https://ts", s("T")), "facet", Some("v:https://facet"), None, Some("s:creds/T"), None, &[("timestampUrl", "v:https://ts")]),
        c("folder:\n  path: /data".to_string(), "folder", None, None, None, None, &[("path", "v:/data")]),
        c(format!("git:\n  url: https://github.com/acme/repo.git\n  ref: main\n  username: {{value: bot}}\n  password: {}", s("PW")),
          "git", Some("v:https://github.com/acme/repo.git"), Some("v:bot"), Some("s:creds/PW"), None, &[("ref", "v:main")]),
        c(format!("github:\n  url: https://api.github.com\n  personalAccessToken: {}", s("PAT")), "github", Some("v:https://api.github.com"), None, Some("s:creds/PAT"), None, &[]),
        c(format!("gitlab:\n  personalAccessToken: {}", s("PAT")), "gitlab", None, None, Some("s:creds/PAT"), None, &[]),
        c(
            format!(
                "http:\n  url: https://api.example.com\n  insecureTLS: true\n  username: {{value: u}}\n  password: {}\n  bearer: {}\n  headers:\n    - name: X-Team\n      value: payments\n    - name: Authorization\n      valueFrom: {{secretKeyRef: {{name: creds, key: AUTH}}}}\n  oauth:\n    clientID: {{value: cid}}\n    clientSecret: {}\n    tokenURL: https://idp/token\n    scope: [read, write]\n  tls:\n    ca: {{valueFrom: {{configMapKeyRef: {{name: ca, key: ca.crt}}}}}}\n    key: {}",
                s("PW"), s("BEARER"), s("CS"), s("TLSKEY")
            ),
            "http", Some("v:https://api.example.com"), Some("v:u"), Some("s:creds/PW"), None,
            &[("bearer", "s:creds/BEARER"), ("ca", "c:ca/ca.crt"), ("clientID", "v:cid"), ("clientSecret", "s:creds/CS"), ("headers", r#"v:[{"name":"X-Team","value":"payments"},{"name":"Authorization","valueFrom":{"secretKeyRef":{"name":"creds","key":"AUTH"}}}]"#), ("insecure_tls", "v:true"), ("key", "s:creds/TLSKEY"), ("scopes", "v:read,write"), ("tokenURL", "v:https://idp/token")],
        ),
        c(format!("kubernetes:\n  certificate: {}", s("KUBECONFIG")), "kubernetes", None, None, None, Some("s:creds/KUBECONFIG"), &[]),
        c(format!("loki:\n  url: http://loki:3100\n  username: {{value: u}}\n  password: {}", s("PW")), "loki", Some("v:http://loki:3100"), Some("v:u"), Some("s:creds/PW"), None, &[]),
        c(format!("mssql:\n  host: {{value: sql}}\n  database: {{value: app}}\n  username: {{value: sa}}\n  password: {}\n  trustServerCertificate: true", s("PW")),
          "sql_server", Some("v:sqlserver://$(username):$(password)@$(properties.host)?database=$(properties.database)&TrustServerCertificate=$(properties.trust_server_certificate)"),
          Some("v:sa"), Some("s:creds/PW"), None, &[("database", "v:app"), ("host", "v:sql"), ("trust_server_certificate", "v:true")]),
        c(format!("mongo:\n  host: {{value: mongo}}\n  database: {{value: app}}\n  username: {{value: u}}\n  password: {}\n  replicaSet: rs0\n  insecureTLS: true", s("PW")),
          "mongo", Some("v:mongodb://$(username):$(password)@$(properties.host)/?$(properties.database)&replicaSet=rs0&tls=true"),
          Some("v:u"), Some("s:creds/PW"), None, &[("database", "v:app"), ("host", "v:mongo"), ("insecure_tls", "v:true"), ("replica_set", "v:rs0")]),
        c(format!("mysql:\n  host: {{value: my}}\n  database: {{value: app}}\n  username: {{value: u}}\n  password: {}\n  insecureTLS: true", s("PW")),
          "mysql", Some("v:mysql://$(username):$(password)@$(properties.host)/$(properties.database)?sslMode=disabled"),
          Some("v:u"), Some("s:creds/PW"), None, &[("database", "v:app"), ("host", "v:my"), ("insecure_tls", "v:true")]),
        c(format!("opensearch:\n  urls: ['https://a:9200', 'https://b:9200']\n  index: logs\n  username: {{value: u}}\n  password: {}\n  insecureSkipVerify: true", s("PW")),
          "opensearch", Some("v:https://a:9200"), Some("v:u"), Some("s:creds/PW"), None, &[("index", "v:logs"), ("insecure_tls", "v:true"), ("urls", "v:https://a:9200,https://b:9200")]),
        c(format!("postgres:\n  host: {{value: db}}\n  database: {{value: app}}\n  username: {}\n  password: {}", s("U"), s("P")),
          "postgres", Some("v:postgres://$(username):$(password)@$(properties.host)/$(properties.database)"),
          Some("s:creds/U"), Some("s:creds/P"), None, &[("database", "v:app"), ("host", "v:db"), ("insecure_tls", "v:false")]),
        c(format!("prometheus:\n  url: {{value: 'http://prom:9090'}}\n  bearer: {}", s("B")), "prometheus", Some("v:http://prom:9090"), None, None, None, &[("bearer", "s:creds/B")]),
        c(format!("redis:\n  url: redis://cache:6379\n  password: {}", s("PW")), "redis", Some("v:redis://cache:6379"), None, Some("s:creds/PW"), None, &[]),
        c(format!("sftp:\n  host: {{value: files.example.com}}\n  port: 22\n  username: {{value: u}}\n  password: {}\n  path: /upload", s("PW")),
          "sftp", Some("v:files.example.com"), Some("v:u"), Some("s:creds/PW"), None, &[("path", "v:/upload"), ("port", "v:22")]),
        c(format!("smb:\n  server: {{value: fs.example.com}}\n  port: {{value: '445'}}\n  username: {{value: u}}\n  password: {}\n  share: docs", s("PW")),
          "smb", Some("v:fs.example.com"), Some("v:u"), Some("s:creds/PW"), None, &[("port", "v:445"), ("share", "v:docs")]),
        c(format!("ntfy:\n  host: ntfy.sh\n  topic: alerts\n  username: {{value: u}}\n  password: {}", s("PW")),
          "ntfy", Some("v:ntfy://$(username):$(password)@ntfy.sh/alerts"), Some("v:u"), Some("s:creds/PW"), None, &[("topic", "v:alerts")]),
        c(format!("pushbullet:\n  token: {}\n  targets: [a, b]", s("T")), "pushbullet", Some("v:pushbullet://$(password)/a,b"), None, Some("s:creds/T"), None, &[("targets", "v:a,b")]),
        c(format!("pushover:\n  user: u1\n  token: {}", s("T")), "pushover", Some("v:pushover://:$(password)@$(username)"), Some("v:u1"), Some("s:creds/T"), None, &[]),
        c(
            format!("smtp:\n  host: mail.example.com\n  port: 587\n  username: {{value: bot}}\n  password: {}\n  fromAddress: a@example.com\n  fromName: Alerts\n  toAddresses: [b@example.com]\n  subject: hi", s("P")),
            "email", Some("v:smtp://$(username):$(password)@mail.example.com:587/?UseStartTLS=false&Encryption=Auto&Auth=plain&from=a@example.com&to=b@example.com"),
            Some("v:bot"), Some("s:creds/P"), None,
            &[("auth", "v:plain"), ("from", "v:a@example.com"), ("fromname", "v:Alerts"), ("port", "v:587"), ("subject", "v:hi"), ("to", "v:b@example.com")],
        ),
        c(format!("slack:\n  channel: alerts\n  token: {}\n  botName: rampart\n  icon: ':robot:'\n  color: good", s("TOKEN")),
          "slack", Some("v:slack://$(password)@$(username)"), Some("v:alerts"), Some("s:creds/TOKEN"), None, &[("BotName", "v:rampart"), ("Color", "v:good"), ("Icon", "v::robot:")]),
        c(format!("telegram:\n  chats: {{value: '42'}}\n  token: {}", s("TOKEN")), "telegram", Some("v:telegram://$(password)@telegram/?Chats=$(username)"), Some("v:42"), Some("s:creds/TOKEN"), None, &[]),
    ]
}

#[test]
fn every_typed_section_reads_its_upstream_shapes_and_maps_as_the_reference_says() {
    let all = cases();
    for case in &all {
        let data =
            lower_spec(&case.spec).unwrap_or_else(|e| panic!("{}\n{}", case.spec, e.join("\n")));
        assert_eq!(data.connection_type, case.stored, "{}", case.spec);
        assert_eq!(show(&data.url).as_deref(), case.url, "{}", case.spec);
        assert_eq!(
            show(&data.username).as_deref(),
            case.username,
            "{}",
            case.spec
        );
        assert_eq!(
            show(&data.password).as_deref(),
            case.password,
            "{}",
            case.spec
        );
        assert_eq!(
            show(&data.certificate).as_deref(),
            case.certificate,
            "{}",
            case.spec
        );
        let props: Vec<(String, String)> = data
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), show(&Some(v.clone())).unwrap_or_default()))
            .collect();
        let expected: Vec<(String, String)> = case
            .properties
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(props, expected, "{}", case.spec);
    }
    let sections: std::collections::BTreeSet<&str> = all
        .iter()
        .map(|c| c.spec.split(':').next().unwrap_or(""))
        .collect();
    let table: std::collections::BTreeSet<&str> = rampart_compiler::connections::fields::SECTIONS
        .iter()
        .map(|s| s.key)
        .filter(|k| *k != "discord")
        .collect();
    assert_eq!(
        sections, table,
        "one case per section (discord: see the literal-credential test)"
    );
}

/// Each spec is refused with a diagnostic holding its message, and no secret value.
fn assert_each_refused(cases: &[(&str, &str)]) {
    for (spec, message) in cases {
        let errors = lower_spec(spec).expect_err(spec).join("\n");
        assert!(errors.contains(message), "{spec}\n--- got\n{errors}");
        for secret in SECRET_VALUES {
            assert!(!errors.contains(secret), "{errors}");
        }
    }
}

#[test]
fn fields_take_exactly_their_upstream_shape() {
    let refused = [
        ("http:\n  url: {value: 'https://x'}", "`spec.http.url` is a string, not a mapping"),
        ("git:\n  url: {value: 'https://x'}\n  ref: main", "`spec.git.url` is a string, not a mapping"),
        ("azure:\n  clientID: {value: a}\n  tenantID: t1", "`spec.azure.tenantID` is an EnvVar mapping"),
        ("sftp:\n  host: files\n  username: {value: u}\n  password: {valueFrom: {secretKeyRef: {name: a, key: b}}}\n  path: /", "`spec.sftp.host` is an EnvVar mapping"),
        ("slack:\n  channel: {value: alerts}", "`spec.slack.channel` is a string, not a mapping"),
        ("git:\n  url: https://x", "`spec.git.ref` is required"),
        ("postgres:\n  insecureTLS: yes", "`spec.postgres.insecureTLS` is a boolean"),
        ("postgres:\n  hots: {value: db}", "unknown field `hots`"),
        ("http:\n  url: https://x\n  headers: {X-A: b}", "`spec.http.headers` is a list of EnvVars"),
        ("postgres: {}\nmysql: {}", "at most one typed section"),
        ("url: {value: x}", "needs a `type` or a typed section"),
    ];
    assert_each_refused(&refused);
    let typo = lower_spec("postgres:\n  hots: {value: db}")
        .expect_err("typo")
        .join("\n");
    let _ = typo;
}

#[test]
fn literal_credentials_are_refused_everywhere_a_table_would_store_them() {
    let refused = [
        (
            "type: postgres\npassword: {value: hunter2}",
            "spec.password",
        ),
        (
            "postgres:\n  password: {value: hunter2}",
            "spec.postgres.password",
        ),
        ("aws:\n  secretKey: {value: hunter2}", "spec.aws.secretKey"),
        (
            "http:\n  url: https://x\n  bearer: {value: hunter2}",
            "spec.http.bearer",
        ),
        (
            "http:\n  url: https://x\n  tls: {key: {value: hunter2}}",
            "spec.http.tls.key",
        ),
        (
            "http:\n  url: https://x\n  oauth: {clientSecret: {value: hunter2}}",
            "spec.http.oauth.clientSecret",
        ),
        (
            "http:\n  url: https://x\n  headers: [{name: Authorization, value: 'Bearer hunter2'}]",
            "spec.http.headers[Authorization]",
        ),
        (
            "type: http\nurl: {value: 'https://bob:hunter2@api.example.com'}",
            "spec.url",
        ),
        (
            "type: http\nproperties: {apiToken: hunter2}",
            "spec.properties.apiToken",
        ),
        (
            "smtp:\n  host: m\n  fromAddress: a@b\n  fromName: A\n  headers: {X-Api-Key: hunter2}",
            "spec.smtp.headers.X-Api-Key",
        ),
        (
            "discord:\n  webhookID: '123'\n  token: hunter2",
            "spec.discord.token",
        ),
        (
            "kubernetes:\n  certificate: {value: hunter2}",
            "spec.kubernetes.certificate",
        ),
    ];
    for (spec, field) in refused {
        let errors = lower_spec(spec).expect_err(spec).join("\n");
        assert!(errors.contains(field), "{spec}\n--- got\n{errors}");
    }
    for allowed in [
        "type: http\nurl: {value: 'https://$(username):$(password)@api.example.com'}",
        "type: http\nurl: {value: 'https://bob@api.example.com'}",
        "http:\n  url: https://x\n  headers: [{name: X-Team, value: payments}]",
    ] {
        assert!(lower_spec(allowed).is_ok(), "{allowed}");
    }
}

#[test]
fn templates_are_checked_when_the_document_is_read() {
    let unknown = lower_spec("type: postgres\nurl: {value: 'postgres://$(foo)@db'}")
        .expect_err("unknown variable")
        .join("\n");
    assert!(unknown.contains("invalid URL template"), "{unknown}");
    let missing =
        lower_spec("type: postgres\nurl: {value: 'postgres://db/$(properties.database)'}")
            .expect_err("undefined property")
            .join("\n");
    assert!(
        missing.contains("`$(properties.database)`, a property this connection does not define"),
        "{missing}"
    );
    assert!(
        lower_spec("type: postgres\nurl: {value: 'postgres://{{.username}}@{{.domain}}/x'}")
            .is_ok()
    );
}

fn compile_fixtures(dir: &Path) -> PathBuf {
    let out = dir.join("t.rampart");
    let o = run(&[
        "compile",
        "../fixtures/policy",
        "--catalog",
        "../fixtures/catalog.yaml",
        "-o",
        &out.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    out
}

#[test]
fn the_source_documents_examples_resolve() {
    let t = support::fixture_tables();
    let s = secrets();
    let url = |reference: &str| {
        t.resolve_connection(reference, "jane.doe@example.com", "default", &s)
            .map(|c| c.url.expose().to_string())
    };
    assert_eq!(
        url("connection://default/payments-database")
            .ok()
            .as_deref(),
        Some("postgres://payments_app:pg-S3cret%21@postgres.example.com/payments")
    );
    assert_eq!(
        url("connection://opensearch-global").ok().as_deref(),
        Some("https://search-admin:os+p%40ss%2Fword@opensearch.example.com:9200")
    );
    assert_eq!(
        url("connection://default/opensearch-from-url")
            .ok()
            .as_deref(),
        Some("https://reader:r3ader@opensearch-internal.example.com:9200")
    );
    let c = t
        .resolve_connection(
            "connection://default/payments-database",
            "jane.doe@example.com",
            "default",
            &s,
        )
        .expect("resolves");
    assert_eq!(
        c.redacted_url,
        "postgres://********:********@postgres.example.com/payments"
    );
    assert_eq!(
        c.properties.get("insecure_tls").map(|v| v.expose()),
        Some("false")
    );
}

#[test]
fn references_take_every_form_upstream_takes() {
    let t = support::fixture_tables();
    let s = secrets();
    for reference in [
        "connection://default/payments-database",
        "connection://  default / payments-database ",
        "connection:///payments-database",
        "connection://payments-database",
        "connection://postgres/default/payments-database",
        "connection://postgres/payments-database",
    ] {
        let resolved = t.resolve_connection(reference, "jane.doe@example.com", "default", &s);
        assert!(resolved.is_ok(), "{reference}: {:?}", resolved.err());
    }
}

#[test]
fn a_refusal_is_the_same_whether_or_not_the_connection_exists() {
    let t = support::fixture_tables();
    let s = secrets();
    let refusal = |reference: &str, subject: &str| {
        t.resolve_connection(reference, subject, "default", &s)
            .expect_err("refused")
            .to_string()
    };
    let existing = refusal("connection://default/payments-database", "john@doe.com");
    let missing = refusal("connection://default/no-such-thing", "john@doe.com");
    assert_eq!(
        existing.replace("payments-database", "X"),
        missing.replace("no-such-thing", "X")
    );
    assert!(
        existing.contains("access denied to `john@doe.com`"),
        "{existing}"
    );
    let unknown_subject = refusal(
        "connection://default/payments-database",
        "nobody@example.com",
    );
    assert!(
        unknown_subject.contains("access denied"),
        "{unknown_subject}"
    );
}

#[test]
fn missing_sources_name_connection_field_and_source_never_a_value() {
    let t = support::fixture_tables();
    let mut memory = MemorySource::new();
    memory.insert(
        SourceKind::Secret,
        "default",
        "postgres-credentials",
        "POSTGRES_USER",
        "payments_app",
    );
    let text = t
        .resolve_connection(
            "connection://default/payments-database",
            "jane.doe@example.com",
            "default",
            &memory,
        )
        .expect_err("password is missing")
        .to_string();
    assert!(
        text.contains("default/payments-database")
            && text.contains("password")
            && text.contains("POSTGRES_PASSWORD"),
        "{text}"
    );
    for secret in SECRET_VALUES {
        assert!(!text.contains(secret));
    }
}

#[test]
fn a_url_template_from_a_secret_that_does_not_parse_shows_none_of_it() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let doc = dir.path().join("url-from-secret.yaml");
    std::fs::write(
        &doc,
        "apiVersion: mission-control.flanksource.com/v1\nkind: Connection\nmetadata: {name: from-secret, namespace: default}\nspec:\n  type: http\n  url: {valueFrom: {secretKeyRef: {name: api, key: URL}}}\n",
    )
    .expect("write");
    let t = support::compile_paths(
        &["../fixtures/policy", &doc.display().to_string()],
        "../fixtures/catalog.yaml",
    );
    let mut memory = MemorySource::new();
    memory.insert(
        SourceKind::Secret,
        "default",
        "api",
        "URL",
        "https://x:hunter2@$(bogus)/",
    );
    let text = t
        .resolve_connection(
            "connection://default/from-secret",
            "jane.doe@example.com",
            "default",
            &memory,
        )
        .expect_err("not a template")
        .to_string();
    assert!(text.contains("not a valid template"), "{text}");
    assert!(
        !text.contains("hunter2") && !text.contains("bogus"),
        "{text}"
    );
}

#[test]
fn sources_of_every_kind() {
    let manifests = ManifestDirectory::load(Path::new("../fixtures/secrets")).expect("secrets");
    assert_eq!(
        manifests
            .lookup(
                SourceKind::ConfigMap,
                "default",
                "opensearch-settings",
                "index"
            )
            .map(|v| v.expose().to_string()),
        Ok("logs-*".into())
    );
    assert_eq!(
        manifests.lookup(
            SourceKind::Secret,
            "other",
            "postgres-credentials",
            "POSTGRES_USER"
        ),
        Err(LookupError::NotFound)
    );
    assert_eq!(
        manifests.lookup(
            SourceKind::Secret,
            "default",
            "postgres-credentials",
            "NOPE"
        ),
        Err(LookupError::MissingKey)
    );
    let helm = HelmValuesDirectory::new(Path::new("../fixtures/helm-values")).expect("helm");
    assert_eq!(
        helm.lookup(
            SourceKind::Helm,
            "default",
            "mission-control",
            "database.password"
        )
        .map(|v| v.expose().to_string()),
        Ok("helm-db-pass".into())
    );
    assert_eq!(
        helm.lookup(SourceKind::Helm, "default", "other-release", "x"),
        Err(LookupError::NotFound)
    );
    std::env::set_var("RAMPART_SECRET_ANY__RAMPART_TEST_CREDS__token", "from-env");
    assert_eq!(
        EnvironmentSource
            .lookup(SourceKind::Secret, "any", "rampart-test-creds", "token")
            .map(|v| v.expose().to_string()),
        Ok("from-env".into())
    );
}

#[test]
fn kubectl_list_output_reads_as_its_items_and_uids_are_connection_ids() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let tables = dir.path().join("t.rampart").display().to_string();
    let input = std::fs::read("../fixtures/kubectl/get-all.yaml").expect("fixture");
    let mut child = support::rampart()
        .args([
            "compile",
            "-",
            "../fixtures/policy/allow-check-notification-playbook-run.yaml",
            "--catalog",
            "../fixtures/catalog.yaml",
            "-o",
            &tables,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("(2 permissions)"), "{}", stdout(&out));
    let check = |args: &[&str]| run(&[&["check", "-t", &tables][..], args].concat());
    let by_uid = check(&[
        "--as",
        "admin@example.com",
        "--action",
        "read",
        "--connection",
        "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    ]);
    assert_eq!(
        by_uid.status.code(),
        Some(0),
        "{}{}",
        stdout(&by_uid),
        stderr(&by_uid)
    );
    let run_pb = check(&[
        "--as",
        "john@doe.com",
        "--action",
        "playbook:run",
        "--playbook",
        "mc/echo-config",
        "--config",
        "c-mc-pod",
    ]);
    assert_eq!(run_pb.status.code(), Some(0), "{}", stderr(&run_pb));
    let t = rampart_runtime::Tables::load(&tables).expect("loads");
    let resolved = t.resolve_connection(
        "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "admin@example.com",
        "default",
        &secrets(),
    );
    assert_eq!(
        resolved.map(|c| c.name).ok().as_deref(),
        Some("payments-database")
    );
}

#[test]
fn secrets_never_leak_into_tables_outputs_errors_or_debug() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let t = compile_fixtures(dir.path());
    let bytes = String::from_utf8_lossy(&std::fs::read(&t).expect("tables")).into_owned();
    let tables = t.display().to_string();
    let mut everything = bytes.clone();
    let commands: Vec<Vec<&str>> = vec![
        vec![
            "validate",
            "../fixtures/policy",
            "../fixtures/invalid/literal-secret.yaml",
            "--catalog",
            "../fixtures/catalog.yaml",
        ],
        vec![
            "validate",
            "../fixtures/invalid/literal-secret.yaml",
            "--catalog",
            "../fixtures/catalog.yaml",
            "--format",
            "json",
        ],
        vec![
            "compile",
            "../fixtures/invalid/literal-secret.yaml",
            "--catalog",
            "../fixtures/catalog.yaml",
            "-o",
            "/dev/null",
        ],
        vec![
            "resolve",
            "connection://default/payments-database",
            "--as",
            "jane.doe@example.com",
            "--secrets",
            "../fixtures/secrets",
            "-t",
            &tables,
        ],
        vec![
            "resolve",
            "connection://default/payments-database",
            "--as",
            "jane.doe@example.com",
            "--secrets",
            "../fixtures/secrets",
            "-t",
            &tables,
            "--format",
            "json",
        ],
        vec![
            "resolve",
            "connection://default/opensearch-from-url",
            "--as",
            "jane.doe@example.com",
            "--secrets",
            "../fixtures/secrets",
            "-t",
            &tables,
        ],
        vec![
            "resolve",
            "connection://default/payments-database",
            "--as",
            "john@doe.com",
            "--secrets",
            "../fixtures/secrets",
            "-t",
            &tables,
        ],
        vec!["inspect", "-t", &tables, "--format", "json"],
        vec![
            "connections",
            "--used-by",
            "../fixtures/policy",
            "--catalog",
            "../fixtures/catalog.yaml",
        ],
    ];
    for args in &commands {
        let out = run(args);
        everything.push_str(&stdout(&out));
        everything.push_str(&stderr(&out));
    }
    let loaded = rampart_runtime::Tables::load(&t).expect("loads");
    let c = loaded
        .resolve_connection(
            "connection://default/payments-database",
            "jane.doe@example.com",
            "default",
            &secrets(),
        )
        .expect("resolves");
    everything.push_str(&format!("{c:?} {:?} {} {loaded:?}", c.password, c.url));
    for secret in SECRET_VALUES {
        assert!(!everything.contains(secret), "`{secret}` leaked");
    }
    assert!(
        bytes.contains("postgres-credentials"),
        "the reference itself is stored"
    );
    let shown = run(&[
        "resolve",
        "connection://default/payments-database",
        "--as",
        "jane.doe@example.com",
        "--secrets",
        "../fixtures/secrets",
        "-t",
        &tables,
        "--show-secrets",
    ]);
    assert!(
        stdout(&shown).contains("pg-S3cret!"),
        "--show-secrets shows them"
    );
}

/// Issue 20 (round 5), item 3: `--env` reads only `RAMPART_SECRET_<NS>__<NAME>__<KEY>`,
/// and no two (namespace, name, key) triples read one variable. Before, the variable was
/// `<NAME>_<KEY>`: any namespace's `db-creds`/`TOKEN` and `db`/`CREDS_TOKEN` (and
/// `db.creds`/`TOKEN`) all read `DB_CREDS_TOKEN`.
#[test]
fn the_environment_source_names_one_variable_per_namespace_name_and_key() {
    // The collision that was possible: one variable, three objects in two namespaces.
    let variable = |ns, name, key| EnvironmentSource::variable(ns, name, key);
    let a = variable("team-a", "db-creds", "TOKEN").expect("representable");
    let b = variable("team-a", "db", "CREDS_TOKEN").expect("representable");
    let c = variable("team-b", "db-creds", "TOKEN").expect("representable");
    assert_eq!(a, "RAMPART_SECRET_TEAM_A__DB_CREDS__TOKEN");
    assert_eq!(b, "RAMPART_SECRET_TEAM_A__DB__CREDS_TOKEN");
    assert_eq!(c, "RAMPART_SECRET_TEAM_B__DB_CREDS__TOKEN");
    std::env::set_var("DB_CREDS_TOKEN", "the-old-variable");
    std::env::set_var(&a, "team-a-db-creds");
    let look = |ns, name, key| {
        EnvironmentSource
            .lookup(SourceKind::Secret, ns, name, key)
            .map(|v| v.expose().to_string())
    };
    assert_eq!(
        look("team-a", "db-creds", "TOKEN"),
        Ok("team-a-db-creds".into())
    );
    assert_eq!(
        look("team-a", "db", "CREDS_TOKEN"),
        Err(LookupError::NotFound)
    );
    assert_eq!(
        look("team-b", "db-creds", "TOKEN"),
        Err(LookupError::NotFound)
    );
    // Parts no variable names one-to-one are an error naming the part, not a lookup.
    for (ns, name, key, part) in [
        ("team-a", "db.creds", "TOKEN", "name"),
        ("team-a", "db--creds", "TOKEN", "name"),
        ("team--a", "db", "TOKEN", "namespace"),
        ("Team-A", "db", "TOKEN", "namespace"),
        ("team-a", "db", "tls.crt", "key"),
        ("team-a", "db", "api-key", "key"),
        ("team-a", "db", "", "key"),
    ] {
        match look(ns, name, key) {
            Err(LookupError::Failed(why)) => assert!(
                why.contains(&format!(
                    "the {part} `{}`",
                    if part == "key" {
                        key
                    } else if part == "name" {
                        name
                    } else {
                        ns
                    }
                )),
                "{why}"
            ),
            other => panic!("{ns}/{name}/{key}: {other:?}"),
        }
    }
    // Exhaustively over short parts: distinct triples, distinct variables.
    let alphabet = ['a', '1', '-', '_', '.', 'A'];
    let mut parts = vec![String::new()];
    for _ in 0..3 {
        let longer: Vec<String> = parts
            .iter()
            .flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}")))
            .collect();
        parts.extend(longer);
    }
    parts.sort();
    parts.dedup();
    let mut seen = std::collections::HashMap::new();
    for x in &parts {
        for y in &parts {
            for (ns, name, key) in [
                ("ns", x.as_str(), y.as_str()),
                (x.as_str(), y.as_str(), "k"),
            ] {
                if let Ok(v) = variable(ns, name, key) {
                    if let Some(other) = seen.insert(
                        v.clone(),
                        (ns.to_string(), name.to_string(), key.to_string()),
                    ) {
                        assert_eq!(
                            other,
                            (ns.to_string(), name.to_string(), key.to_string()),
                            "{v}"
                        );
                    }
                }
            }
        }
    }
    // Through the command line: `resolve --env` reads the fixture's connection from
    // `RAMPART_SECRET_DEFAULT__POSTGRES_CREDENTIALS__POSTGRES_*`, never `POSTGRES_CREDENTIALS_*`.
    let dir = tempfile::tempdir().expect("temporary directory");
    let t = compile_fixtures(dir.path());
    let tables = t.display().to_string();
    let resolve = |vars: &[(&str, &str)]| {
        let mut command = support::rampart();
        command.args([
            "resolve",
            "connection://default/payments-database",
            "--as",
            "jane.doe@example.com",
            "-t",
            &tables,
            "--env",
            "--show-secrets",
        ]);
        for (k, v) in vars {
            command.env(k, v);
        }
        command.output().expect("run")
    };
    let old = resolve(&[
        ("POSTGRES_CREDENTIALS_POSTGRES_USER", "old-user"),
        ("POSTGRES_CREDENTIALS_POSTGRES_PASSWORD", "old-pass"),
    ]);
    assert_eq!(old.status.code(), Some(2), "{}", stderr(&old));
    assert!(!stdout(&old).contains("old-pass"), "{}", stdout(&old));
    let new = resolve(&[
        (
            "RAMPART_SECRET_DEFAULT__POSTGRES_CREDENTIALS__POSTGRES_USER",
            "env-user",
        ),
        (
            "RAMPART_SECRET_DEFAULT__POSTGRES_CREDENTIALS__POSTGRES_PASSWORD",
            "env-pass",
        ),
    ]);
    assert_eq!(new.status.code(), Some(0), "{}", stderr(&new));
    assert!(stdout(&new).contains("env-pass"), "{}", stdout(&new));
}

/// A secret no source was named for is an error (2), not a denial (1), and says which
/// source flags exist; a subject that may not read the connection is still denied (1).
#[test]
fn resolve_without_a_secret_source_names_the_source_flags() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let t = compile_fixtures(dir.path());
    let tables = t.display().to_string();
    let without = run(&[
        "resolve",
        "connection://default/payments-database",
        "--as",
        "jane.doe@example.com",
        "-t",
        &tables,
    ]);
    assert_eq!(without.status.code(), Some(2), "{}", stderr(&without));
    for flag in ["--secrets DIR", "--helm-values DIR", "--env"] {
        assert!(stderr(&without).contains(flag), "{}", stderr(&without));
    }
    assert!(stdout(&without).is_empty());
    let denied = run(&[
        "resolve",
        "connection://default/payments-database",
        "--as",
        "john@doe.com",
        "-t",
        &tables,
    ]);
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
}

/// Compiles Connection documents (YAML) beside the fixture catalog, through the file
/// format; jane.doe@example.com is an editor and may read every connection.
fn compile_connections(yaml: &str) -> rampart_runtime::Tables {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("connections.yaml");
    std::fs::write(&path, yaml).expect("write");
    let path = path.display().to_string();
    support::compile_paths(&[path.as_str()], "../fixtures/catalog.yaml")
}

fn connection_yaml(name: &str, uid: Option<&str>, spec: &str) -> String {
    let uid = uid.map(|u| format!("\n  uid: '{u}'")).unwrap_or_default();
    let indented: String = spec.lines().map(|l| format!("  {l}\n")).collect();
    format!("---\napiVersion: mission-control.flanksource.com/v1\nkind: Connection\nmetadata:\n  name: {name}\n  namespace: default{uid}\nspec:\n{indented}")
}

#[test]
fn insecure_tls_is_stored_where_upstream_stores_it_and_nowhere_else() {
    // (spec, the property `insecure_tls`, the column)
    let cases: &[(&str, Option<&str>, bool)] = &[
        ("folder:\n  path: /data", None, false),
        ("postgres:\n  host: {value: db}", Some("v:false"), false),
        (
            "postgres:\n  host: {value: db}\n  insecureTLS: true",
            Some("v:true"),
            false,
        ),
        (
            "http:\n  url: https://x\n  insecureTLS: true",
            Some("v:true"),
            true,
        ),
        ("http:\n  url: https://x", Some("v:false"), false),
        // Upstream stores nothing of `http.tls` but the CA, the certificate and the key.
        (
            "http:\n  url: https://x\n  tls:\n    insecureSkipVerify: true",
            Some("v:false"),
            false,
        ),
        (
            "opensearch:\n  urls: [https://a]\n  insecureSkipVerify: true",
            Some("v:true"),
            false,
        ),
        ("mongo:\n  host: {value: m}", Some("v:false"), false),
        (
            "mysql:\n  host: {value: m}\n  insecureTLS: true",
            Some("v:true"),
            false,
        ),
        ("aws:\n  region: eu-west-1\n  insecureTLS: true", None, true),
        ("s3:\n  bucket: b\n  insecureTLS: true", None, true),
        (
            "elasticsearch:\n  url: https://es\n  insecureTLS: true",
            None,
            true,
        ),
        (
            "smtp:\n  host: mail\n  fromAddress: a@b\n  fromName: A\n  insecureTLS: true",
            None,
            false,
        ),
        // The deprecated generic field: the column (Rampart keeps it; DESIGN section 9).
        (
            "type: postgres\nurl: {value: 'postgres://db/app'}\ninsecure_tls: true",
            None,
            true,
        ),
        // A generic property survives where no section writes the property ...
        (
            "folder:\n  path: /d\nproperties: {insecure_tls: 'yes'}",
            Some("v:yes"),
            false,
        ),
        // ... and the section's value wins where one does.
        (
            "postgres:\n  host: {value: db}\nproperties: {insecure_tls: 'yes'}",
            Some("v:false"),
            false,
        ),
    ];
    for (spec, property, column) in cases {
        let data = lower_spec(spec).unwrap_or_else(|e| panic!("{spec}\n{}", e.join("\n")));
        let got = data
            .properties
            .iter()
            .find(|(k, _)| k == "insecure_tls")
            .map(|(_, v)| show(&Some(v.clone())).unwrap_or_default());
        assert_eq!(got.as_deref(), *property, "property of\n{spec}");
        assert_eq!(data.insecure_tls, *column, "column of\n{spec}");
    }
    // The generic flag does not change what a section builds (upstream reads only the
    // section's own flag): no `sslmode=disable` here.
    let data = lower_spec("insecure_tls: true\npostgres:\n  host: {value: db}").expect("lowers");
    assert_eq!(
        show(&data.url).as_deref(),
        Some("v:postgres://$(username):$(password)@$(properties.host)/$(properties.database)")
    );
    let t = compile_connections(&connection_yaml(
        "s3",
        None,
        "s3:\n  bucket: b\n  insecureTLS: true",
    ));
    let resolved = t
        .resolve_connection(
            "connection://default/s3",
            "jane.doe@example.com",
            "default",
            &MemorySource::new(),
        )
        .expect("resolves");
    assert!(resolved.insecure_tls);
    assert!(!resolved.properties.contains_key("insecure_tls"));
}

#[test]
fn http_headers_are_stored_as_upstreams_json_list_and_resolve_each_value() {
    let t = compile_connections(&connection_yaml(
        "api",
        None,
        "http:\n  url: https://api\n  headers:\n    - name: Accept\n      value: application/json\n    - name: Authorization\n      valueFrom: {secretKeyRef: {name: api, key: token}}",
    ));
    let data = t.to_data();
    let stored = data
        .connections
        .iter()
        .find(|c| c.name == "api")
        .and_then(|c| c.properties.iter().find(|(k, _)| k == "headers"))
        .map(|(_, v)| show(&Some(v.clone())).unwrap_or_default());
    assert_eq!(
        stored.as_deref(),
        Some(
            r#"v:[{"name":"Accept","value":"application/json"},{"name":"Authorization","valueFrom":{"secretKeyRef":{"name":"api","key":"token"}}}]"#
        )
    );
    let mut memory = MemorySource::new();
    memory.insert(
        SourceKind::Secret,
        "default",
        "api",
        "token",
        "Bearer hunter2",
    );
    let resolved = t
        .resolve_connection(
            "connection://default/api",
            "jane.doe@example.com",
            "default",
            &memory,
        )
        .expect("resolves");
    let headers = resolved.properties.get("headers").expect("headers");
    assert_eq!(
        headers.expose(),
        r#"[{"name":"Accept","value":"application/json"},{"name":"Authorization","value":"Bearer hunter2"}]"#
    );
    assert!(
        !resolved.is_literal("properties.headers"),
        "a header from a secret is masked"
    );
    let missing = t
        .resolve_connection(
            "connection://default/api",
            "jane.doe@example.com",
            "default",
            &MemorySource::new(),
        )
        .expect_err("the secret is missing")
        .to_string();
    assert!(
        missing.contains("properties.headers[Authorization]"),
        "{missing}"
    );
}

#[test]
fn an_http_connections_generic_headers_property_is_read_as_upstream_reads_it() {
    let refused = [
        ("http:\n  url: https://x\nproperties: {headers: 'X-A: b'}", "is not a JSON list of headers"),
        ("http:\n  url: https://x\nproperties: {headers: '[{\"name\": \"Authorization\", \"value\": \"hunter2\"}]'}", "`spec.properties.headers[Authorization]` is named like a secret"),
        ("http:\n  url: https://x\nproperties: {headers: '[{\"name\": \"X-Custom\", \"value\": \"Bearer hunter2hunter2\"}]'}", "`spec.properties.headers[X-Custom]` carries a literal credential"),
        ("type: http\nurl: {value: 'https://x'}\nproperties: {headers: '[{\"name\": \"X\", \"nope\": 1}]'}", "is not a JSON list of headers"),
    ];
    assert_each_refused(&refused);
    let ok = lower_spec("http:\n  url: https://x\nproperties: {headers: '[{\"name\": \"X-Team\", \"value\": \"a\"}]'}");
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn a_connection_uid_must_be_a_uuid_and_is_stored_in_its_canonical_form() {
    let errors = lower_spec_with_uid("not-a-uuid")
        .expect_err("refused")
        .join("\n");
    assert!(
        errors.contains("`metadata.uid` of a Connection is its id and must be a uuid"),
        "{errors}"
    );
    let data = lower_spec_with_uid("{9C0D1E2F-3A4B-5C6D-7E8F-9A0B1C2D3E4F}").expect("a uuid");
    assert_eq!(
        data.uid.as_deref(),
        Some("9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3e4f")
    );
}

fn lower_spec_with_uid(uid: &str) -> Result<ConnectionData, Vec<String>> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("c.yaml");
    std::fs::write(
        &path,
        connection_yaml("c", Some(uid), "folder:\n  path: /d"),
    )
    .expect("write");
    let (docs, found) = documents::load(&[path], None);
    if !found.is_empty() {
        return Err(found.iter().map(|d| d.to_string()).collect());
    }
    lower(&docs.connections[0])
        .map(|c| connection_data(&c))
        .map_err(|d| d.iter().map(|x| x.to_string()).collect())
}

#[test]
fn a_malformed_reference_is_malformed_before_any_question_of_access() {
    let t = compile_connections(&connection_yaml(
        "api",
        Some("9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3e4f"),
        "http:\n  url: https://api",
    ));
    let s = MemorySource::new();
    // A bare word is neither `connection://...` nor a uuid: malformed for everyone, and
    // whether or not a connection of that name exists.
    for reference in [
        "api",
        "default/api",
        "no-such-thing",
        "connection://default/",
    ] {
        for subject in ["jane.doe@example.com", "john@doe.com", "nobody@example.com"] {
            let e = t
                .resolve_connection(reference, subject, "default", &s)
                .expect_err("malformed");
            assert_eq!(
                e.kind(),
                rampart_runtime::connection::ResolveErrorKind::InvalidReference,
                "{reference} as {subject}: {e}"
            );
        }
    }
    // A uuid in any form upstream accepts names the connection by its id.
    for reference in [
        "9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3e4f",
        "9C0D1E2F-3A4B-5C6D-7E8F-9A0B1C2D3E4F",
        "{9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3e4f}",
        "9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f",
    ] {
        let r = t.resolve_connection(reference, "jane.doe@example.com", "default", &s);
        assert!(r.is_ok(), "{reference}: {:?}", r.err());
    }
}
