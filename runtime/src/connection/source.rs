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

/// The process environment: key `K` of the Secret or ConfigMap `N` in namespace `S` is
/// the variable `RAMPART_SECRET_<S>__<N>__<K>`: the namespace and name upper-cased with
/// `-` turned into `_`, the key as it is (`default` / `postgres-credentials` /
/// `POSTGRES_PASSWORD` -> `RAMPART_SECRET_DEFAULT__POSTGRES_CREDENTIALS__POSTGRES_PASSWORD`).
/// Helm values and service accounts are not served.
///
/// No two (namespace, name, key) triples name one variable ([`EnvironmentSource::variable`]):
/// a namespace or name must be lowercase letters and digits joined by single `-` (so it
/// maps one-to-one, never holds `__` and never ends in `_`: the first two `__` are the
/// separators), and a key letters, digits and `_` (kept as it is). A lookup of any other
/// part (a key `tls.crt` or `api-key`, a name `db.creds`, a namespace `a--b`) is an error
/// naming it, never a read of a variable another triple also maps to.
#[derive(Clone, Copy, Debug, Default)]
pub struct EnvironmentSource;

/// The prefix of every variable [`EnvironmentSource`] reads.
pub const ENVIRONMENT_PREFIX: &str = "RAMPART_SECRET_";

impl EnvironmentSource {
    /// The variable a lookup of `key` of `name` in `namespace` reads, or which part (and
    /// its value) no variable names unambiguously.
    pub fn variable<'p>(
        namespace: &'p str,
        name: &'p str,
        key: &'p str,
    ) -> Result<String, (&'static str, &'p str)> {
        let mut variable = String::from(ENVIRONMENT_PREFIX);
        for (part, value) in [("namespace", namespace), ("name", name)] {
            let dashed_runs = value.split('-').all(|run| {
                !run.is_empty()
                    && run
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
            if !dashed_runs {
                return Err((part, value));
            }
            variable.extend(value.chars().map(|c| match c {
                '-' => '_',
                c => c.to_ascii_uppercase(),
            }));
            variable.push_str("__");
        }
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(("key", key));
        }
        variable.push_str(key);
        Ok(variable)
    }
}

impl SecretSource for EnvironmentSource {
    fn lookup(
        &self,
        kind: SourceKind,
        namespace: &str,
        name: &str,
        key: &str,
    ) -> Result<SecretValue, LookupError> {
        if matches!(kind, SourceKind::Helm | SourceKind::ServiceAccount) {
            return Err(LookupError::Unsupported);
        }
        let variable = EnvironmentSource::variable(namespace, name, key).map_err(|(part, value)| {
            LookupError::Failed(format!(
                "the environment cannot name the {part} `{}` unambiguously (in {ENVIRONMENT_PREFIX}<NAMESPACE>__<NAME>__<KEY> a namespace and name are lowercase letters and digits joined by single `-`, a key letters, digits and `_`); give this {kind} with `--secrets`",
                crate::text::Shown(value)
            ))
        })?;
        std::env::var(variable)
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
