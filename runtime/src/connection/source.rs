//! Where credentials come from: the [`SecretSource`] trait, and the backends that need
//! no parser beyond JSON: the process environment, memory, and a chain of sources.
//! (Directories of Kubernetes manifests and Helm values files are YAML, so their
//! backends live with the command line, which may parse YAML.)

use std::collections::BTreeMap;
use std::fmt;

use super::secret::SecretValue;

/// The kinds of object a field can reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceKind {
    /// A key of a Kubernetes Secret.
    Secret,
    /// A key of a ConfigMap.
    ConfigMap,
    /// A dotted path into a Helm release's values.
    Helm,
    /// A service account's token (the key is `token`).
    ServiceAccount,
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceKind::Secret => "secret",
            SourceKind::ConfigMap => "configmap",
            SourceKind::Helm => "helm release",
            SourceKind::ServiceAccount => "service account",
        })
    }
}

/// Why a lookup failed. Never carries a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupError {
    /// The object (secret, configmap, release) does not exist in the namespace.
    NotFound,
    /// The object exists but has no such key.
    MissingKey,
    /// This source does not serve this kind of object.
    Unsupported,
    /// The source could not be read; the text never contains a value.
    Failed(String),
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::NotFound => f.write_str("not found"),
            LookupError::MissingKey => f.write_str("has no such key"),
            LookupError::Unsupported => f.write_str("is not served by any configured source"),
            LookupError::Failed(why) => write!(f, "cannot be read: {why}"),
        }
    }
}

/// A place credentials are looked up, in the connection's namespace.
pub trait SecretSource: Send + Sync {
    /// The value of `key` in object `name` of `kind` in `namespace`.
    fn lookup(
        &self,
        kind: SourceKind,
        namespace: &str,
        name: &str,
        key: &str,
    ) -> Result<SecretValue, LookupError>;
}

/// Values held in memory, for embedding and tests.
#[derive(Clone, Debug, Default)]
pub struct MemorySource {
    values: BTreeMap<(SourceKind, String, String), BTreeMap<String, SecretValue>>,
}

impl MemorySource {
    /// An empty source.
    pub fn new() -> MemorySource {
        MemorySource::default()
    }

    /// Adds (or replaces) one key of one object.
    pub fn insert(
        &mut self,
        kind: SourceKind,
        namespace: &str,
        name: &str,
        key: &str,
        value: impl Into<String>,
    ) -> &mut Self {
        self.values
            .entry((kind, namespace.into(), name.into()))
            .or_default()
            .insert(key.into(), SecretValue::new(value));
        self
    }
}

impl SecretSource for MemorySource {
    fn lookup(
        &self,
        kind: SourceKind,
        namespace: &str,
        name: &str,
        key: &str,
    ) -> Result<SecretValue, LookupError> {
        let object = self
            .values
            .get(&(kind, namespace.to_string(), name.to_string()))
            .ok_or(LookupError::NotFound)?;
        object.get(key).cloned().ok_or(LookupError::MissingKey)
    }
}

/// The process environment: a Secret or ConfigMap key `K` of object `N` is the variable
/// `N_K` with both upper-cased and `-`/`.` turned into `_` (`postgres-credentials` /
/// `POSTGRES_USER` -> `POSTGRES_CREDENTIALS_POSTGRES_USER`). Helm values are not served.
#[derive(Clone, Copy, Debug, Default)]
pub struct EnvironmentSource;

impl EnvironmentSource {
    /// The variable name a lookup reads.
    pub fn variable(name: &str, key: &str) -> String {
        let clean = |s: &str| {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        };
        format!("{}_{}", clean(name), clean(key))
    }
}

impl SecretSource for EnvironmentSource {
    fn lookup(
        &self,
        kind: SourceKind,
        _namespace: &str,
        name: &str,
        key: &str,
    ) -> Result<SecretValue, LookupError> {
        if matches!(kind, SourceKind::Helm | SourceKind::ServiceAccount) {
            return Err(LookupError::Unsupported);
        }
        std::env::var(EnvironmentSource::variable(name, key))
            .map(SecretValue::new)
            .map_err(|_| LookupError::NotFound)
    }
}

/// Several sources tried in order: the first that has the object answers.
#[derive(Default)]
pub struct SourceChain {
    sources: Vec<Box<dyn SecretSource>>,
}

impl SourceChain {
    /// An empty chain.
    pub fn new() -> SourceChain {
        SourceChain::default()
    }

    /// Appends a source.
    pub fn with(mut self, source: impl SecretSource + 'static) -> SourceChain {
        self.sources.push(Box::new(source));
        self
    }
}

impl SecretSource for SourceChain {
    fn lookup(
        &self,
        kind: SourceKind,
        namespace: &str,
        name: &str,
        key: &str,
    ) -> Result<SecretValue, LookupError> {
        let mut best = LookupError::Unsupported;
        for source in &self.sources {
            match source.lookup(kind, namespace, name, key) {
                Ok(v) => return Ok(v),
                Err(LookupError::Unsupported) => {}
                Err(LookupError::NotFound) if best != LookupError::MissingKey => {
                    best = LookupError::NotFound
                }
                Err(e @ (LookupError::MissingKey | LookupError::Failed(_))) => best = e,
                Err(LookupError::NotFound) => {}
            }
        }
        Err(best)
    }
}
