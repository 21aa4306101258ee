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

use rampart_compiler::documents;
use rampart_compiler::connections::lower::lower;
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
