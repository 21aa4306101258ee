//! Secret backends that read YAML, for the command line: a directory of Kubernetes
//! `Secret` and `ConfigMap` manifests (as `kubectl get -o yaml` or `-o json` writes them:
//! base64 `data`, plain `stringData`, `kind: List` wrappers), and a directory of Helm
//! values files per release (`<release>.yaml`, or `<namespace>/<release>.yaml`) read with
//! dotted key paths such as `database.password`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
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

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

impl ManifestDirectory {
    /// Reads every manifest under `dir`. Errors name the file, never a value.
    pub fn load(dir: &Path) -> Result<ManifestDirectory, String> {
        if !dir.is_dir() {
            return Err(format!("`{}` is not a directory", dir.display()));
        }
        let mut out = ManifestDirectory::default();
        for path in files(dir) {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
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

/// Helm values files, one per release.
#[derive(Debug)]
pub struct HelmValuesDirectory {
    dir: PathBuf,
}

impl HelmValuesDirectory {
    /// Serves releases from `dir`.
    pub fn new(dir: &Path) -> Result<HelmValuesDirectory, String> {
        if !dir.is_dir() {
            return Err(format!("`{}` is not a directory", dir.display()));
        }
        Ok(HelmValuesDirectory {
            dir: dir.to_path_buf(),
        })
    }

    fn values(&self, namespace: &str, release: &str) -> Result<serde_json::Value, LookupError> {
        let candidates = ["yaml", "yml", "json"].iter().flat_map(|ext| {
            [
                self.dir.join(namespace).join(format!("{release}.{ext}")),
                self.dir.join(format!("{release}.{ext}")),
            ]
        });
        let mut found: Vec<PathBuf> = candidates.filter(|p| p.is_file()).collect();
        found.sort_by_key(|p| p.components().count() == self.dir.components().count() + 1);
        let path = found.first().ok_or(LookupError::NotFound)?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| LookupError::Failed(format!("`{}`: {e}", path.display())))?;
        let file = SourceFile::new(path, text);
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
