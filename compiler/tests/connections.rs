//! Connections: the source document's three examples resolve from the fixture secrets;
//! a subject without `read` is refused; every typed section maps as the reference says;
//! no secret value leaks into a table file, an error message or CLI output.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use rampart_compiler::compile::compile;
use rampart_compiler::documents::connection::{map_connection, ConnectionSpec};
use rampart_compiler::secrets::{HelmValuesDirectory, ManifestDirectory};
use rampart_runtime::connection::{
    EnvironmentSource, LookupError, MemorySource, ResolveError, SecretSource, SourceChain,
    SourceKind,
};
use rampart_runtime::data::FieldSource;
use rampart_runtime::{format, Tables};

const SECRET_VALUES: [&str; 5] = [
    "payments_app",
    "pg-S3cret!",
    "os p@ss/word",
    "r3ader",
    "helm-db-pass",
];

fn tables() -> (Tables, Vec<u8>) {
    let compiled = compile(
        &[PathBuf::from("../fixtures/policy")],
        Some(&PathBuf::from("../fixtures/catalog.yaml")),
    )
    .expect("fixtures compile");
    let bytes = format::encode(&compiled.data, "test").expect("encode");
    (Tables::from_bytes(&bytes).expect("load"), bytes)
}

fn secrets() -> SourceChain {
    SourceChain::new()
        .with(ManifestDirectory::load(Path::new("../fixtures/secrets")).expect("secrets"))
        .with(HelmValuesDirectory::new(Path::new("../fixtures/helm-values")).expect("helm values"))
}

#[test]
fn the_three_examples_resolve_to_the_expected_urls() {
    let (t, _) = tables();
    let s = secrets();
    let url = |reference: &str| {
        t.resolve_connection(reference, "jane.doe@example.com", "default", &s)
            .map(|c| c.url.expose().to_string())
    };
    assert_eq!(
        url("connection://default/payments-database"),
        Ok("postgres://payments_app:pg-S3cret%21@postgres.example.com/payments".into())
    );
    assert_eq!(
        url("connection://opensearch-global"),
        Ok("https://search-admin:os+p%40ss%2Fword@opensearch.example.com:9200".into())
    );
    assert_eq!(
        url("connection://default/opensearch-from-url"),
        Ok("https://reader:r3ader@opensearch-internal.example.com:9200".into())
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
        c.username.as_ref().map(|u| u.expose()),
        Some("payments_app")
    );
    assert_eq!(
        c.properties.get("host").map(|h| h.expose()),
        Some("postgres.example.com")
    );
    assert_eq!(
        c.redacted_url,
        "postgres://********:********@postgres.example.com/payments"
    );
}

#[test]
fn a_subject_without_read_is_refused() {
    let (t, _) = tables();
    let s = secrets();
    for subject in [
        "john@doe.com",
        "playbook:mc/loki-logs",
        "nobody@example.com",
    ] {
        match t.resolve_connection(
            "connection://default/payments-database",
            subject,
            "default",
            &s,
        ) {
            Err(ResolveError::Denied {
                subject: who,
                reference,
                ..
            }) => {
                assert_eq!(who, subject);
                assert_eq!(reference, "connection://default/payments-database");
            }
            other => panic!("{subject}: {other:?}"),
        }
    }
    assert!(matches!(
        t.resolve_connection("connection://a/b/c", "jane.doe@example.com", "default", &s),
        Err(ResolveError::InvalidReference(_))
    ));
}

#[test]
fn service_subjects_read_only_what_they_are_granted() {
    let (t, _) = tables();
    let read = |subject: &str, key: &str| {
        let request: rampart_runtime::Request = serde_json::from_str(&format!(
            r#"{{"subject": "{subject}", "action": "read", "objects": {{"connection": "{key}"}}}}"#
        ))
        .expect("request");
        t.decide(&request, false).allowed
    };
    assert!(read("playbook:mc/loki-logs", "mc/loki-bucket"));
    assert!(read("playbook:mc/loki-logs", "default/archive-bucket"));
    assert!(!read("playbook:mc/loki-logs", "mc/alerts-slack"));
    assert!(!read("playbook:mc/loki-logs", "default/opensearch-global"));
}

#[test]
fn missing_sources_name_connection_field_and_source_never_a_value() {
    let (t, _) = tables();
    let mut memory = MemorySource::new();
    memory.insert(
        SourceKind::Secret,
        "default",
        "postgres-credentials",
        "POSTGRES_USER",
        "payments_app",
    );
    let error = t
        .resolve_connection(
            "connection://default/payments-database",
            "jane.doe@example.com",
            "default",
            &memory,
        )
        .expect_err("password is missing");
    let text = error.to_string();
    assert!(
        text.contains("default/payments-database")
            && text.contains("password")
            && text.contains("postgres-credentials")
            && text.contains("POSTGRES_PASSWORD"),
        "{text}"
    );
    for secret in SECRET_VALUES {
        assert!(!text.contains(secret));
    }
    let error = t
        .resolve_connection(
            "connection://opensearch-global",
            "jane.doe@example.com",
            "default",
            &MemorySource::new(),
        )
        .expect_err("nothing there");
    assert!(
        matches!(
            error,
            ResolveError::Source {
                error: LookupError::NotFound,
                ..
            }
        ),
        "{error:?}"
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
        helm.lookup(
            SourceKind::Helm,
            "default",
            "mission-control",
            "database.user"
        ),
        Err(LookupError::MissingKey)
    );
    assert_eq!(
        helm.lookup(SourceKind::Helm, "default", "other-release", "x"),
        Err(LookupError::NotFound)
    );
    std::env::set_var("RAMPART_TEST_CREDS_TOKEN", "from-env");
    assert_eq!(
        EnvironmentSource
            .lookup(SourceKind::Secret, "any", "rampart-test-creds", "token")
            .map(|v| v.expose().to_string()),
        Ok("from-env".into())
    );
}

#[test]
fn no_secret_value_in_the_table_file() {
    let (_, bytes) = tables();
    let haystack = String::from_utf8_lossy(&bytes);
    for secret in SECRET_VALUES {
        assert!(
            !haystack.contains(secret),
            "{secret} found in the table file"
        );
    }
    assert!(
        haystack.contains("postgres-credentials"),
        "the reference itself is stored"
    );
}

#[test]
fn debug_output_of_a_resolved_connection_is_masked() {
    let (t, _) = tables();
    let c = t
        .resolve_connection(
            "connection://default/payments-database",
            "jane.doe@example.com",
            "default",
            &secrets(),
        )
        .expect("resolves");
    let debug = format!("{c:?} {:?} {}", c.password, c.url);
    for secret in SECRET_VALUES {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
}

#[test]
fn cli_masks_secrets_unless_asked() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let t = dir.path().join("t.rampart");
    let rampart = env!("CARGO_BIN_EXE_rampart");
    let status = Command::new(rampart)
        .args([
            "compile",
            "../fixtures/policy",
            "--catalog",
            "../fixtures/catalog.yaml",
            "-o",
        ])
        .arg(&t)
        .status()
        .expect("compile");
    assert!(status.success());
    let run = |extra: &[&str]| {
        let out = Command::new(rampart)
            .args([
                "resolve",
                "connection://default/payments-database",
                "--as",
                "jane.doe@example.com",
                "--secrets",
                "../fixtures/secrets",
                "-t",
            ])
            .arg(&t)
            .args(extra)
            .output()
            .expect("resolve");
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    for extra in [&[][..], &["--format", "json"][..]] {
        let (code, text) = run(extra);
        assert_eq!(code, Some(0), "{text}");
        for secret in SECRET_VALUES {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    let (_, shown) = run(&["--show-secrets"]);
    assert!(shown.contains("pg-S3cret!"), "{shown}");
}

/// `(spec YAML, type, url, username, password, certificate, properties)`; sources as
/// `v:<literal>` or `s:<secret>/<key>`.
type MappingCase = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    &'static [(&'static str, &'static str)],
);

fn show(source: &Option<FieldSource>) -> Option<String> {
    source.as_ref().map(|s| match s {
        FieldSource::Value(v) => format!("v:{v}"),
        FieldSource::SecretKeyRef { name, key } => format!("s:{name}/{key}"),
        FieldSource::ConfigMapKeyRef { name, key } => format!("c:{name}/{key}"),
        FieldSource::HelmRef { name, key } => format!("h:{name}/{key}"),
    })
}

#[test]
fn every_typed_section_maps_as_the_reference_says() {
    let s = |k: &str| format!("{{valueFrom: {{secretKeyRef: {{name: creds, key: {k}}}}}}}");
    let cases: Vec<(String, MappingCase)> = vec![
        (format!("aws: {{accessKey: {}, secretKey: {}, region: eu-west-1}}", s("AK"), s("SK")), ("", "aws", None, Some("s:creds/AK"), Some("s:creds/SK"), None, &[("region", "v:eu-west-1")])),
        (format!("azure: {{clientID: {}, clientSecret: {}, tenantID: t1}}", s("ID"), s("SECRET")), ("", "azure", None, Some("s:creds/ID"), Some("s:creds/SECRET"), None, &[("tenant", "v:t1")])),
        (format!("gcp: {{certificate: {}, project: p1}}", s("JSON")), ("", "google_cloud", None, None, None, Some("s:creds/JSON"), &[("project", "v:p1")])),
        (format!("kubernetes: {{certificate: {}}}", s("KUBECONFIG")), ("", "kubernetes", None, None, None, Some("s:creds/KUBECONFIG"), &[])),
        (format!("git: {{url: {{value: 'https://git.example.com/r.git'}}, username: {{value: bot}}, password: {}, ref: main}}", s("PW")), ("", "git", Some("v:https://git.example.com/r.git"), Some("v:bot"), Some("s:creds/PW"), None, &[("ref", "v:main")])),
        (format!("github: {{personalAccessToken: {}}}", s("PAT")), ("", "github", None, None, Some("s:creds/PAT"), None, &[])),
        (format!("gitlab: {{url: {{value: 'https://gitlab.example.com'}}, personalAccessToken: {}}}", s("PAT")), ("", "gitlab", Some("v:https://gitlab.example.com"), None, Some("s:creds/PAT"), None, &[])),
        (format!("azureDevops: {{organization: {{value: acme}}, personalAccessToken: {}}}", s("PAT")), ("", "azure_devops", None, Some("v:acme"), Some("s:creds/PAT"), None, &[])),
        (format!("postgres: {{host: {{value: db}}, database: {{value: app}}, username: {}, password: {}, insecureTLS: true}}", s("U"), s("P")), ("", "postgres", Some("v:postgres://$(username):$(password)@$(properties.host)/$(properties.database)?sslmode=disable"), Some("s:creds/U"), Some("s:creds/P"), None, &[("database", "v:app"), ("host", "v:db"), ("insecure_tls", "v:true")])),
        (format!("opensearch: {{urls: ['https://a:9200', 'https://b:9200'], username: {}, password: {}, index: logs}}", s("U"), s("P")), ("", "opensearch", Some("v:https://a:9200"), Some("s:creds/U"), Some("s:creds/P"), None, &[("index", "v:logs"), ("urls", "v:https://a:9200,https://b:9200")])),
        (format!("sftp: {{host: files.example.com, port: 22, username: {}, password: {}, path: /upload}}", s("U"), s("P")), ("", "sftp", Some("v:files.example.com"), Some("s:creds/U"), Some("s:creds/P"), None, &[("path", "v:/upload"), ("port", "v:22")])),
        (format!("smb: {{server: fs.example.com, port: 445, username: {}, password: {}, share: docs}}", s("U"), s("P")), ("", "smb", Some("v:fs.example.com"), Some("s:creds/U"), Some("s:creds/P"), None, &[("port", "v:445"), ("share", "v:docs")])),
        (format!("openai: {{apiKey: {}, model: gpt-4o}}", s("KEY")), ("", "openai", None, None, Some("s:creds/KEY"), None, &[("model", "v:gpt-4o")])),
        (format!("anthropic: {{apiKey: {}, model: claude}}", s("KEY")), ("", "anthropic", None, None, Some("s:creds/KEY"), None, &[("model", "v:claude")])),
        ("ollama: {url: {value: 'http://ollama:11434'}, model: llama3}".to_string(), ("", "ollama", Some("v:http://ollama:11434"), None, None, None, &[("model", "v:llama3")])),
        (format!("slack: {{channel: {{value: alerts}}, token: {}, botName: rampart}}", s("TOKEN")), ("", "slack", Some("v:slack://$(password)@$(username)"), Some("v:alerts"), Some("s:creds/TOKEN"), None, &[("BotName", "v:rampart")])),
        (format!("discord: {{webhookID: {{value: '123'}}, token: {}}}", s("TOKEN")), ("", "discord", Some("v:discord://$(password)@$(username)"), Some("v:123"), Some("s:creds/TOKEN"), None, &[])),
        (format!("telegram: {{chats: {{value: '42'}}, token: {}}}", s("TOKEN")), ("", "telegram", Some("v:telegram://$(password)@telegram/?Chats=$(username)"), Some("v:42"), Some("s:creds/TOKEN"), None, &[])),
        (
            format!("smtp: {{host: mail.example.com, username: {{value: bot}}, password: {}, fromAddress: a@example.com, fromName: A, toAddresses: [b@example.com]}}", s("P")),
            ("", "email", Some("v:smtp://$(username):$(password)@mail.example.com:25/?UseStartTLS=false&Encryption=Auto&Auth=plain&from=a@example.com&to=b@example.com"), Some("v:bot"), Some("s:creds/P"), None, &[("auth", "v:plain"), ("from", "v:a@example.com"), ("fromname", "v:A"), ("port", "v:25"), ("to", "v:b@example.com")]),
        ),
        (format!("ntfy: {{host: ntfy.sh, topic: alerts, username: {{value: u}}, password: {}}}", s("P")), ("", "ntfy", Some("v:ntfy://$(username):$(password)@ntfy.sh/alerts"), Some("v:u"), Some("s:creds/P"), None, &[("topic", "v:alerts")])),
        (format!("pushbullet: {{token: {}, targets: [a, b]}}", s("T")), ("", "pushbullet", Some("v:pushbullet://$(password)/a,b"), None, Some("s:creds/T"), None, &[("targets", "v:a,b")])),
        (format!("pushover: {{user: {{value: u1}}, token: {}}}", s("T")), ("", "pushover", Some("v:pushover://:$(password)@$(username)"), Some("v:u1"), Some("s:creds/T"), None, &[])),
        (format!("http: {{url: {{value: 'https://api.example.com'}}, username: {{value: u}}, password: {}, bearer: {}}}", s("P"), s("B")), ("", "http", Some("v:https://api.example.com"), Some("v:u"), Some("s:creds/P"), None, &[("bearer", "s:creds/B")])),
    ];
    for (yaml, (_, kind, url, username, password, certificate, properties)) in &cases {
        let spec: ConnectionSpec =
            serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"));
        let data = map_connection("ns", "name", &spec, String::new())
            .unwrap_or_else(|e| panic!("{yaml}: {e:?}"));
        assert_eq!(data.connection_type, *kind, "{yaml}");
        assert_eq!(show(&data.url).as_deref(), *url, "{yaml}");
        assert_eq!(show(&data.username).as_deref(), *username, "{yaml}");
        assert_eq!(show(&data.password).as_deref(), *password, "{yaml}");
        assert_eq!(show(&data.certificate).as_deref(), *certificate, "{yaml}");
        let props: Vec<(String, String)> = data
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), show(&Some(v.clone())).unwrap_or_default()))
            .collect();
        let expected: Vec<(String, String)> = properties
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(props, expected, "{yaml}");
    }
    assert_eq!(
        cases.len(),
        23,
        "one case per connection type of the source document"
    );
}

#[test]
fn literal_secrets_and_conflicting_sections_are_refused() {
    let refuse = |yaml: &str| {
        let spec: ConnectionSpec = serde_saphyr::from_str(yaml).expect("parses");
        map_connection("ns", "n", &spec, String::new()).is_err()
    };
    assert!(refuse("type: postgres\npassword: {value: hunter2}"));
    assert!(refuse("postgres: {password: {value: hunter2}}"));
    assert!(refuse("slack: {token: {valueFrom: {secretKeyRef: {name: a, key: b}}}}\ndiscord: {token: {valueFrom: {secretKeyRef: {name: a, key: b}}}}"));
    assert!(refuse("url: {value: x}"));
    assert!(!refuse("type: http\nurl: {value: 'https://x'}"));
}
