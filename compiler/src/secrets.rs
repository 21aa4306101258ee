//! Secret backends that read YAML, for the command line: a directory of Kubernetes
//! `Secret` and `ConfigMap` manifests (as `kubectl get -o yaml` or `-o json` writes them:
//! base64 `data`, plain `stringData`, `kind: List` wrappers), and a directory of Helm
//! values files per release (`<release>.yaml`, or `<namespace>/<release>.yaml`) read with
//! dotted key paths such as `database.password`.
//!
//! Both read nothing outside their directory: names are checked against the Kubernetes
//! and Helm rules before they become paths, and every path is canonicalised and must stay
//! under the directory (symlinks included).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use rampart_runtime::connection::kubernetes_names::NameRule;
use rampart_runtime::connection::{
    LookupError, MemorySource, SecretSource, SecretValue, SourceKind,
};
use serde::Deserialize;

use crate::source::SourceFile;
use crate::yaml::split_documents;

#[derive(Debug, Default, Deserialize)]
struct ManifestMetadata {
    name: Option<String>,
    namespace: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Manifest {
    kind: Option<String>,
    metadata: Option<ManifestMetadata>,
    data: Option<BTreeMap<String, String>>,
    #[serde(default, rename = "stringData")]
    string_data: Option<BTreeMap<String, String>>,
    items: Option<Vec<Manifest>>,
}

/// Secrets and ConfigMaps read from a directory of manifests, held in the runtime's
/// [`MemorySource`] (the one in-memory secret store).
#[derive(Debug, Default)]
pub struct ManifestDirectory {
    objects: MemorySource,
}

/// Every manifest file under `dir` (`.yaml`, `.yml`, `.json`), in sorted order. Paths are
/// followed through symlinks and must stay under `dir`: a link that leads outside is an
/// error naming it, and a directory reached twice (a link loop) is read once.
fn files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let root =
        std::fs::canonicalize(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        if !seen.insert(d.clone()) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let is_dir = p.is_dir();
            let manifest = p
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json");
            if !is_dir && !manifest {
                continue;
            }
            let real = confined(&root, &p, "the secrets directory")?;
            if is_dir {
                stack.push(real);
            } else {
                out.push(real);
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `path` with every symlink followed, when it stays under `root` (itself canonical);
/// an error naming the path (never its content) when it leads elsewhere.
fn confined(root: &Path, path: &Path, what: &str) -> Result<PathBuf, String> {
    let real = std::fs::canonicalize(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    if real.starts_with(root) {
        Ok(real)
    } else {
        Err(format!(
            "`{}` leads outside {what} (to `{}`); Rampart reads nothing outside it",
            path.display(),
            real.display()
        ))
    }
}

impl ManifestDirectory {
    /// Reads every manifest under `dir`. Errors name the file, never a value.
    pub fn load(dir: &Path) -> Result<ManifestDirectory, String> {
        if !dir.is_dir() {
            return Err(format!("`{}` is not a directory", dir.display()));
        }
        let mut out = ManifestDirectory::default();
        for path in files(dir)? {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            crate::source::refuse_bom(&text).map_err(|e| format!("`{}`: {e}", path.display()))?;
            out.add_text(&path, text)?;
        }
        Ok(out)
    }

    /// Reads the manifests of one file's text. A manifest that does not parse is reported
    /// by position only: the parser's own message could quote a value.
    pub fn add_text(&mut self, path: &Path, text: String) -> Result<(), String> {
        let file = SourceFile::new(path, text);
        for doc in split_documents(&file) {
            let manifest: Manifest = doc.parse().map_err(|d| {
                format!(
                    "{}: not a Secret or ConfigMap manifest Rampart can read (values are not shown)",
                    d.position()
                )
            })?;
            self.add(manifest, path)?;
        }
        Ok(())
    }

    fn add(&mut self, manifest: Manifest, path: &Path) -> Result<(), String> {
        for item in manifest.items.into_iter().flatten() {
            self.add(item, path)?;
        }
        let kind = match manifest.kind.as_deref() {
            Some("Secret") => SourceKind::Secret,
            Some("ConfigMap") => SourceKind::ConfigMap,
            _ => return Ok(()),
        };
        let metadata = manifest.metadata.unwrap_or_default();
        let name = metadata
            .name
            .ok_or_else(|| format!("`{}`: a {kind} without `metadata.name`", path.display()))?;
        let namespace = metadata.namespace.unwrap_or_else(|| "default".into());
        for (key, encoded) in manifest.data.into_iter().flatten() {
            let value = if kind == SourceKind::Secret {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .map_err(|_| {
                        format!(
                            "`{}`: secret `{name}` key `{key}` is not valid base64",
                            path.display()
                        )
                    })?;
                String::from_utf8(bytes).map_err(|_| {
                    format!(
                        "`{}`: secret `{name}` key `{key}` is not UTF-8",
                        path.display()
                    )
                })?
            } else {
                encoded
            };
            self.objects.insert(kind, &namespace, &name, &key, value);
        }
        for (key, value) in manifest.string_data.into_iter().flatten() {
            self.objects.insert(kind, &namespace, &name, &key, value);
        }
        Ok(())
    }
}

impl SecretSource for ManifestDirectory {
    fn lookup(
        &self,
        kind: SourceKind,
        namespace: &str,
        name: &str,
        key: &str,
    ) -> Result<SecretValue, LookupError> {
        if kind == SourceKind::Helm {
            return Err(LookupError::Unsupported);
        }
        self.objects.lookup(kind, namespace, name, key)
    }
}

/// Helm values files, one per release. Namespaces and release names are checked against
/// the Kubernetes and Helm rules before they become paths, and every file is read through
/// its canonical path, which must stay under the directory (symlinks included), whatever
/// the tables say: tables may have been compiled elsewhere.
#[derive(Debug)]
pub struct HelmValuesDirectory {
    /// The directory, canonical.
    dir: PathBuf,
}

impl HelmValuesDirectory {
    /// Serves releases from `dir`.
    pub fn new(dir: &Path) -> Result<HelmValuesDirectory, String> {
        if !dir.is_dir() {
            return Err(format!("`{}` is not a directory", dir.display()));
        }
        let dir = std::fs::canonicalize(dir)
            .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
        Ok(HelmValuesDirectory { dir })
    }

    fn values(&self, namespace: &str, release: &str) -> Result<serde_json::Value, LookupError> {
        for (name, rule) in [
            (namespace, NameRule::Namespace),
            (release, NameRule::HelmRelease),
        ] {
            rule.check(name)
                .map_err(|e| LookupError::Failed(format!("the {rule} of the reference is {e}")))?;
        }
        // `<namespace>/<release>` first, then `<release>` at the top, which belongs to the
        // `default` namespace only: Mission Control reads a release of the connection's
        // own namespace, so a connection elsewhere never reaches a file at the top.
        let top = namespace == "default";
        let candidates = [true, false]
            .into_iter()
            .filter(move |in_namespace| *in_namespace || top)
            .flat_map(|in_namespace| {
                ["yaml", "yml", "json"].into_iter().map(move |ext| {
                    let file = format!("{release}.{ext}");
                    if in_namespace {
                        self.dir.join(namespace).join(file)
                    } else {
                        self.dir.join(file)
                    }
                })
            });
        let mut found = None;
        for candidate in candidates {
            if candidate.is_file() {
                found = Some(
                    confined(&self.dir, &candidate, "the Helm values directory")
                        .map_err(LookupError::Failed)?,
                );
                break;
            }
        }
        let path = found.ok_or(LookupError::NotFound)?;
        let text = std::fs::read_to_string(&path)
            .map_err(|e| LookupError::Failed(format!("`{}`: {e}", path.display())))?;
        crate::source::refuse_bom(&text)
            .map_err(|e| LookupError::Failed(format!("`{}`: {e}", path.display())))?;
        let file = SourceFile::new(&path, text);
        match split_documents(&file).first() {
            None => Ok(serde_json::Value::Null),
            Some(doc) => doc
                .parse::<serde_json::Value>()
                .map_err(|d| LookupError::Failed(format!("`{}`: {}", path.display(), d.message))),
        }
    }
}

/// Walks `database.password` or `hosts[0].name` through a values tree.
pub fn dotted(values: &serde_json::Value, key: &str) -> Option<String> {
    let mut node = values;
    for part in key.trim_start_matches('.').split('.') {
        let (field, indexes) = match part.split_once('[') {
            Some((f, rest)) => (f, Some(rest)),
            None => (part, None),
        };
        if !field.is_empty() {
            node = node.get(field)?;
        }
        for index in indexes.into_iter().flat_map(|r| r.split('[')) {
            node = node.get(index.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    match node {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        serde_json::Value::Bool(_) | serde_json::Value::Number(_) => Some(node.to_string()),
        other => serde_json::to_string(other).ok(),
    }
}

impl SecretSource for HelmValuesDirectory {
    fn lookup(
        &self,
        kind: SourceKind,
        namespace: &str,
        name: &str,
        key: &str,
    ) -> Result<SecretValue, LookupError> {
        if kind != SourceKind::Helm {
            return Err(LookupError::Unsupported);
        }
        let values = self.values(namespace, name)?;
        dotted(&values, key)
            .map(SecretValue::new)
            .ok_or(LookupError::MissingKey)
    }
}
