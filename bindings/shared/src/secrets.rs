//! Credentials for connection resolution, handed over as JSON by a caller that read them
//! from wherever it keeps them: a list of
//! `{"kind": "secret"|"configmap"|"helm"|"serviceaccount", "namespace", "name", "key", "value"}`
//! (a service account's key is `token`). Unknown members are errors; no error carries a
//! value.

use rampart_runtime::connection::{MemorySource, SourceKind};
use serde::Deserialize;

use crate::codes::BindingError;

/// One credential.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    kind: String,
    namespace: String,
    name: String,
    key: String,
    value: String,
}

/// The kind named by `word`.
fn kind(word: &str) -> Option<SourceKind> {
    match word {
        "secret" => Some(SourceKind::Secret),
        "configmap" => Some(SourceKind::ConfigMap),
        "helm" => Some(SourceKind::Helm),
        "serviceaccount" => Some(SourceKind::ServiceAccount),
        _ => None,
    }
}

/// A memory source from the JSON list.
pub fn memory_source(json: &str) -> Result<MemorySource, BindingError> {
    // The parser's message can quote the input, so it is not passed on: only where.
    let entries: Vec<Entry> = serde_json::from_str(json).map_err(|e| {
        BindingError::invalid_argument(format!(
            "the secrets are not a list of {{kind, namespace, name, key, value}} (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let mut source = MemorySource::new();
    for (i, e) in entries.iter().enumerate() {
        let kind = kind(&e.kind).ok_or_else(|| {
            BindingError::invalid_argument(format!(
                "secret {}: kind `{}` is not one of secret, configmap, helm, serviceaccount",
                i + 1,
                rampart_runtime::text::Shown(&e.kind)
            ))
        })?;
        source.insert(kind, &e.namespace, &e.name, &e.key, e.value.as_str());
    }
    Ok(source)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rampart_runtime::connection::SecretSource;

    #[test]
    fn entries_become_lookups_and_errors_never_quote_values() {
        let source = memory_source(
            r#"[{"kind": "secret", "namespace": "mc", "name": "pg", "key": "password", "value": "hunter2"}]"#,
        )
        .unwrap();
        let value = source
            .lookup(SourceKind::Secret, "mc", "pg", "password")
            .unwrap();
        assert_eq!(value.expose(), "hunter2");
        let bad = memory_source(r#"[{"kind": "secret", "namespace": "mc", "name": "pg", "key": "k", "value": "hunter2", "extra": 1}]"#).unwrap_err();
        assert!(!bad.message().contains("hunter2"), "{bad}");
        let truncated = memory_source(r#"[{"kind": "secret", "value": "hunter2"#).unwrap_err();
        assert!(!truncated.message().contains("hunter2"), "{truncated}");
        let kind = memory_source(r#"[{"kind": "vault", "namespace": "mc", "name": "pg", "key": "k", "value": "hunter2"}]"#).unwrap_err();
        assert_eq!(kind.code(), "invalid_argument");
        assert!(!kind.message().contains("hunter2"), "{kind}");
    }
}
