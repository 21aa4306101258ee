//! Secret sources are confined: every name a Connection gives a source (its namespace, a
//! Secret, ConfigMap or service account name, a Helm release name, a key) follows the
//! Kubernetes rules when the document is compiled, and the directory-backed sources read
//! nothing outside their directory at read time — whatever the tables say, symlinks
//! included.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use rampart_compiler::connections::lower::lower;
use rampart_compiler::documents;
use rampart_compiler::secrets::{HelmValuesDirectory, ManifestDirectory};
use rampart_runtime::connection::{LookupError, SecretSource, SourceKind};

/// Lowers one Connection document (whole YAML); the diagnostics rendered, or the stored
/// namespace.
fn lower_document(yaml: &str) -> Result<String, String> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("c.yaml");
    std::fs::write(&path, yaml).expect("write");
    let (docs, found) = documents::load(&[path], None);
    if !found.is_empty() {
        return Err(found.iter().map(|d| d.render()).collect());
    }
    lower(&docs.connections[0])
        .map(|c| c.namespace)
        .map_err(|d| d.iter().map(|x| x.render()).collect())
}

fn connection(namespace: &str, password: &str) -> String {
    format!(
        "apiVersion: mission-control.flanksource.com/v1
kind: Connection
metadata:
  name: c
  namespace: {namespace}
spec:
  type: postgres
  url: {{value: 'postgres://u:$(password)@db/x'}}
  password: {{valueFrom: {password}}}
"
    )
}

#[test]
fn names_a_source_would_turn_into_paths_are_refused_when_compiled() {
    let refused = [
        (
            connection(
                "default",
                "{helmRef: {name: ../../outside/stolen, key: password}}",
            ),
            "not a valid Helm release name",
            "spec.password.valueFrom.helmRef.name",
        ),
        (
            connection("default", "{helmRef: {name: /etc/passwd, key: password}}"),
            "not a valid Helm release name",
            "spec.password.valueFrom.helmRef.name",
        ),
        (
            connection(
                "'../other'",
                "{helmRef: {name: mission-control, key: password}}",
            ),
            "not a valid namespace",
            "metadata.namespace",
        ),
        (
            connection("/etc", "{secretKeyRef: {name: creds, key: password}}"),
            "not a valid namespace",
            "metadata.namespace",
        ),
        (
            connection("default", "{secretKeyRef: {name: ../creds, key: password}}"),
            "not a valid Kubernetes object name",
            "spec.password.valueFrom.secretKeyRef.name",
        ),
        (
            connection(
                "default",
                "{configMapKeyRef: {name: Settings, key: password}}",
            ),
            "not a valid Kubernetes object name",
            "spec.password.valueFrom.configMapKeyRef.name",
        ),
        (
            connection("default", "{secretKeyRef: {name: creds, key: ../password}}"),
            "not a valid Secret or ConfigMap key",
            "spec.password.valueFrom.secretKeyRef.key",
        ),
        (
            connection("default", "{serviceAccount: ../../token}"),
            "not a valid Kubernetes object name",
            "spec.password.valueFrom.serviceAccount",
        ),
    ];
    for (yaml, message, field) in refused {
        let rendered = lower_document(&yaml).expect_err(&yaml);
        assert!(rendered.contains(message), "{yaml}\n--- got\n{rendered}");
        assert!(rendered.contains(field), "{yaml}\n--- got\n{rendered}");
        assert!(rendered.contains("= help: "), "{rendered}");
    }
    // Valid names of every kind pass; a Helm key is a dotted path, not a name.
    for ok in [
        connection(
            "default",
            "{helmRef: {name: mission-control, key: database.password}}",
        ),
        connection(
            "kube-system",
            "{secretKeyRef: {name: pg.creds, key: POSTGRES_PASSWORD}}",
        ),
        connection("ns-1", "{serviceAccount: reader}"),
    ] {
        assert!(lower_document(&ok).is_ok(), "{ok}");
    }
}

/// A Helm values directory beside a directory it must never read.
struct HelmWorld {
    _dir: tempfile::TempDir,
    values: PathBuf,
    outside: PathBuf,
}

fn helm_world() -> HelmWorld {
    let dir = tempfile::tempdir().expect("temporary directory");
    let values = dir.path().join("helm");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(values.join("default")).expect("mkdir");
    std::fs::create_dir_all(outside.join("default")).expect("mkdir");
    std::fs::write(
        values.join("default/mission-control.yaml"),
        "database: {password: inside}\n",
    )
    .expect("write");
    std::fs::write(outside.join("stolen.yaml"), "password: outside-secret\n").expect("write");
    std::fs::write(
        outside.join("default/stolen.yaml"),
        "password: outside-secret\n",
    )
    .expect("write");
    HelmWorld {
        _dir: dir,
        values,
        outside,
    }
}

fn helm_lookup(
    dir: &Path,
    namespace: &str,
    release: &str,
    key: &str,
) -> Result<String, LookupError> {
    HelmValuesDirectory::new(dir)
        .expect("a directory")
        .lookup(SourceKind::Helm, namespace, release, key)
        .map(|v| v.expose().to_string())
}

#[test]
fn helm_lookups_never_read_outside_their_directory() {
    let world = helm_world();
    assert_eq!(
        helm_lookup(
            &world.values,
            "default",
            "mission-control",
            "database.password"
        ),
        Ok("inside".into())
    );
    let absolute = world.outside.join("stolen").display().to_string();
    // Names from tables compiled elsewhere: the source checks them again.
    for (namespace, release) in [
        ("default", "../outside/stolen"),
        ("default", "../../outside/stolen"),
        ("..", "outside/stolen"),
        ("../outside", "stolen"),
        ("default", absolute.as_str()),
        (absolute.as_str(), "x"),
        ("default", "stolen/.."),
        ("Default", "mission-control"),
    ] {
        let got = helm_lookup(&world.values, namespace, release, "password");
        assert!(
            matches!(&got, Err(LookupError::Failed(why)) if why.contains("not a valid")),
            "{namespace} {release}: {got:?}"
        );
    }
    assert_eq!(
        helm_lookup(&world.values, "default", "other-release", "x"),
        Err(LookupError::NotFound)
    );
    // A values file at the top belongs to the `default` namespace: a connection of
    // another namespace never reads it (Mission Control reads its own namespace's release).
    std::fs::write(world.values.join("platform.yaml"), "db: {password: top}\n").expect("write");
    assert_eq!(
        helm_lookup(&world.values, "default", "platform", "db.password"),
        Ok("top".into())
    );
    assert_eq!(
        helm_lookup(&world.values, "evil", "platform", "db.password"),
        Err(LookupError::NotFound)
    );
}

#[cfg(unix)]
#[test]
fn helm_values_reached_through_a_symlink_that_leaves_the_directory_are_refused() {
    use std::os::unix::fs::symlink;
    let world = helm_world();
    // A release file that is a link to a file outside.
    symlink(
        world.outside.join("stolen.yaml"),
        world.values.join("default/linked.yaml"),
    )
    .expect("symlink");
    // A namespace directory that is a link to a directory outside.
    symlink(world.outside.join("default"), world.values.join("evil")).expect("symlink");
    // A link that stays inside is fine.
    symlink(
        world.values.join("default/mission-control.yaml"),
        world.values.join("default/alias.yaml"),
    )
    .expect("symlink");
    for (namespace, release) in [("default", "linked"), ("evil", "stolen")] {
        let got = helm_lookup(&world.values, namespace, release, "password");
        assert!(
            matches!(&got, Err(LookupError::Failed(why)) if why.contains("outside the Helm values directory")),
            "{namespace}/{release}: {got:?}"
        );
    }
    assert_eq!(
        helm_lookup(&world.values, "default", "alias", "database.password"),
        Ok("inside".into())
    );
    // The values directory itself may be a link (a mounted volume often is).
    let linked_root = world.outside.parent().unwrap().join("helm-link");
    symlink(&world.values, &linked_root).expect("symlink");
    assert_eq!(
        helm_lookup(
            &linked_root,
            "default",
            "mission-control",
            "database.password"
        ),
        Ok("inside".into())
    );
}

const SECRET: &str = "apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: default}
stringData: {password: from-outside}
";

#[cfg(unix)]
#[test]
fn manifest_directories_refuse_links_that_leave_them_and_survive_loops() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("temporary directory");
    let secrets = dir.path().join("secrets");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&secrets).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(outside.join("creds.yaml"), SECRET).expect("write");
    std::fs::write(
        secrets.join("own.yaml"),
        SECRET
            .replace("creds", "own")
            .replace("from-outside", "inside"),
    )
    .expect("write");
    // A loop (a link to the directory itself) ends.
    symlink(&secrets, secrets.join("loop")).expect("symlink");
    let loaded = ManifestDirectory::load(&secrets).expect("a loop is not an error");
    assert_eq!(
        loaded
            .lookup(SourceKind::Secret, "default", "own", "password")
            .map(|v| v.expose().to_string()),
        Ok("inside".into())
    );
    // A file link and a directory link that leave the directory are refused, by path.
    for (link, target) in [
        (secrets.join("creds.yaml"), outside.join("creds.yaml")),
        (secrets.join("elsewhere"), outside.clone()),
    ] {
        symlink(&target, &link).expect("symlink");
        let error = ManifestDirectory::load(&secrets).expect_err("a link outside");
        assert!(
            error.contains("leads outside the secrets directory"),
            "{error}"
        );
        assert!(!error.contains("from-outside"), "{error}");
        std::fs::remove_file(&link).expect("unlink");
    }
}

/// A Connection whose `spec` is `spec` (YAML, indented under `spec:`).
fn with_spec(spec: &str) -> String {
    let indented: String = spec.lines().map(|l| format!("  {l}\n")).collect();
    format!("apiVersion: mission-control.flanksource.com/v1\nkind: Connection\nmetadata:\n  name: c\n  namespace: default\nspec:\n{indented}")
}

#[test]
fn credentials_written_into_urls_connection_strings_and_webhooks_are_refused() {
    let refused = [
        ("type: http\nurl: {value: 'https://api.example.com/v1?password=hunter2'}", "spec.url", "the `password` parameter"),
        ("type: http\nurl: {value: 'https://api.example.com/v1?a=1&pass%77ord=hunter2'}", "spec.url", "the `pass%77ord` parameter"),
        ("type: http\nurl: {value: 'https://x/v1?access_token=hunter2'}", "spec.url", "the `access_token` parameter"),
        ("type: http\nurl: {value: 'https://api.example.com/v1?api_key=hunter2'}", "spec.url", "the `api_key` parameter"),
        ("type: http\nurl: {value: 'https://acct.blob.core.windows.net/c?sv=2022&sig=hunter2'}", "spec.url", "the `sig` parameter"),
        ("type: sql_server\nurl: {value: 'Server=db;Database=x;User Id=sa;Password=hunter2;'}", "spec.url", "the `Password` parameter"),
        ("type: postgres\nproperties: {dsn: 'host=db dbname=x password=hunter2'}", "spec.properties.dsn", "the `password` parameter"),
        ("http:\n  url: https://hooks.slack.com/services/T000/B000/hunter2", "spec.http.url", "webhook URL"),
        ("http:\n  url: https://discord.com/api/webhooks/123/hunter2", "spec.http.url", "webhook URL"),
        ("http:\n  url: https://acme.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/hunter2", "spec.http.url", "webhook URL"),
        ("type: slack\nurl: {value: 'slack://xoxb-hunter2@alerts'}", "spec.url", "`slack://`"),
        ("http:\n  url: https://x\n  headers: [{name: X-Custom, value: 'Bearer hunter2hunter2'}]", "spec.http.headers[X-Custom]", "`Authorization` value"),
        ("git:\n  url: https://github.com/acme/repo.git\n  ref: main\n  username: {value: ghp_abcdefghijklmnopqrstuvwxyz0123456789}", "spec.git.username", "`ghp_`"),
        ("http:\n  url: https://x\n  oauth: {tokenURL: 'https://idp/token?client_secret=hunter2'}", "spec.http.oauth.tokenURL", "the `client_secret` parameter"),
        ("smtp:\n  host: 'bob:hunter2@mail'\n  fromAddress: a@b\n  fromName: A", "spec", "userinfo"),
    ];
    for (spec, field, what) in refused {
        let yaml = with_spec(spec);
        let rendered = lower_document(&yaml).expect_err(spec);
        assert!(rendered.contains(field), "{spec}\n--- got\n{rendered}");
        assert!(rendered.contains(what), "{spec}\n--- got\n{rendered}");
        assert!(rendered.contains("literal credential"), "{rendered}");
        assert!(rendered.contains("valueFrom"), "{rendered}");
        // The value never appears: not in the message, not in the snippet.
        assert!(!rendered.contains("hunter2"), "{spec}\n--- got\n{rendered}");
    }
}

#[test]
fn ordinary_connections_carry_no_credential() {
    for spec in [
        "type: http\nurl: {value: 'https://api.example.com/v1?limit=10&orgId=1'}",
        "type: http\nurl: {value: 'https://$(username):$(password)@api.example.com'}",
        "type: http\nurl: {value: 'https://api.example.com/v1?token=$(password)'}",
        "type: sql_server\nurl: {value: 'Server=db;Database=x;User Id=$(username);Password=$(password);'}",
        "type: postgres\nproperties: {dsn: 'host=db dbname=x sslmode=require'}",
        "http:\n  url: https://hooks.example.com/webhooks/incoming",
        "http:\n  url: $(password)\n  password: {valueFrom: {secretKeyRef: {name: slack, key: webhook}}}",
        "http:\n  url: https://x\n  oauth: {tokenURL: 'https://login.microsoftonline.com/t/oauth2/v2.0/token', scope: [openid]}",
        "http:\n  url: https://x\n  headers: [{name: X-Team, value: payments}, {name: Accept, value: 'application/json'}]",
        "git:\n  url: https://github.com/acme/repo.git\n  ref: main\n  username: {value: bot}",
        "mongo:\n  host: {value: mongo}\n  database: {value: app}\n  replicaSet: rs0\n  insecureTLS: true",
        "mssql:\n  host: {value: sql}\n  database: {value: app}\n  trustServerCertificate: true",
        "smtp:\n  host: mail.example.com\n  port: 587\n  fromAddress: a@example.com\n  fromName: Alerts\n  toAddresses: [b@example.com]\n  subject: 'Basic health check failed'",
        "opensearch:\n  urls: ['https://a:9200', 'https://b:9200']\n  index: logs-*",
        "prometheus:\n  url: {value: 'http://prom:9090/api/v1/query?query=up'}",
        "loki:\n  url: 'http://loki:3100/loki/api/v1/query_range?direction=backward'",
    ] {
        let yaml = with_spec(spec);
        assert!(lower_document(&yaml).is_ok(), "{spec}: {:?}", lower_document(&yaml));
    }
}

#[test]
fn a_credential_in_a_literal_of_tables_compiled_elsewhere_is_masked_when_shown() {
    use rampart_runtime::schema::FieldSource;
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(
        dir.path().join("c.yaml"),
        with_spec("type: http\nurl: {value: 'https://api.example.com/v1?limit=1'}\nproperties: {dsn: 'host=db'}")
            + "---\napiVersion: mission-control.flanksource.com/v1\nkind: Permission\nmetadata: {name: read, namespace: default}\nspec:\n  subject: {person: admin@example.com}\n  actions: [read]\n  object: {connections: [{name: \"*\"}]}\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("catalog.yaml"),
        "people: [{id: p-admin, email: admin@example.com}]\nconnections: [{id: cn-c, namespace: default, name: c, type: http}]\n",
    )
    .expect("write");
    let mut compiled = rampart_compiler::compile::compile(
        &[dir.path().join("c.yaml")],
        Some(&dir.path().join("catalog.yaml")),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("{}", d.iter().map(|d| d.render()).collect::<String>()));
    // What an older compiler, or a hand-made table, could store.
    let connection = &mut compiled.data.connections[0];
    connection.url = Some(FieldSource::Value(
        "https://bob:hunter2@api.example.com/v1?api_key=hunter3".into(),
    ));
    for (name, source) in &mut connection.properties {
        if name == "dsn" {
            *source = FieldSource::Value("Server=db;Password=hunter4;".into());
        }
    }
    let tables = rampart_runtime::Tables::from_data(compiled.data).expect("tables");
    let resolved = tables
        .resolve_connection(
            "connection://default/c",
            "admin@example.com",
            "default",
            &rampart_runtime::connection::MemorySource::new(),
        )
        .expect("resolves");
    let url = resolved.shown_url(false);
    let dsn = resolved.shown("properties.dsn", &resolved.properties["dsn"], false);
    for secret in ["hunter2", "hunter3", "hunter4"] {
        assert!(
            !url.contains(secret) && !dsn.contains(secret),
            "{url} {dsn}"
        );
    }
    assert!(
        url.starts_with("https://bob:********@api.example.com"),
        "{url}"
    );
    assert_eq!(dsn, "Server=db;Password=********;");
    assert!(resolved.shown_url(true).contains("hunter2"));
}

/// Issue 20 (round 6), F3: a UTF-8 byte order mark in a Helm values file or a Secret
/// manifest is refused by name wherever it is (the file's start, after a leading `---`
/// or a comment, a later document's start, inside a value), and the refusal quotes no
/// value. Helm values had the check at the file's start but no test.
#[test]
fn a_byte_order_mark_in_helm_values_or_a_manifest_is_refused_wherever_it_is() {
    let bom = "\u{feff}";
    let values = "database: {password: helm-s3cret}\n";
    for (place, text) in [
        ("at the file's start", format!("{bom}{values}")),
        ("after a leading `---`", format!("---\n{bom}{values}")),
        ("after a comment line", format!("# values\n{bom}{values}")),
        (
            "inside a value",
            values.replace("helm-", &format!("helm-{bom}")),
        ),
    ] {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::create_dir_all(dir.path().join("default")).expect("mkdir");
        std::fs::write(dir.path().join("default/mission-control.yaml"), &text).expect("write");
        let got = helm_lookup(
            dir.path(),
            "default",
            "mission-control",
            "database.password",
        );
        assert!(
            matches!(&got, Err(LookupError::Failed(why)) if why.contains("byte order mark") && !why.contains("s3cret")),
            "Helm values with a BOM {place}: {got:?}"
        );
    }

    let secret = |name: &str| {
        format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: {name}, namespace: default}}\nstringData: {{password: man-s3cret}}\n")
    };
    for (place, text) in [
        ("at the file's start", format!("{bom}{}", secret("a"))),
        (
            "after a leading `---`",
            format!("---\n{bom}{}", secret("a")),
        ),
        ("after a comment line", format!("# s\n{bom}{}", secret("a"))),
        (
            "at a later document's start",
            format!("{}---\n{bom}{}", secret("a"), secret("b")),
        ),
        (
            "inside a value",
            secret("a").replace("man-", &format!("man-{bom}")),
        ),
    ] {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("s.yaml"), &text).expect("write");
        let got = ManifestDirectory::load(dir.path()).map(|_| ());
        assert!(
            matches!(&got, Err(why) if why.contains("byte order mark") && !why.contains("s3cret")),
            "a Secret manifest with a BOM {place}: {got:?}"
        );
    }
}
