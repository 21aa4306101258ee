//! HTTP headers as upstream stores them: the property `headers` of an `http` connection
//! holds the JSON list of its EnvVars, `[{"name": ..., "value": ...}]` or with
//! `"valueFrom": {"secretKeyRef": {"name": ..., "key": ...}}` (or `configMapKeyRef`,
//! `helmRef`, `serviceAccount`). Read strictly: an unknown key, a header with both a value
//! and a source, or a source naming no reference or several, is an error, never a header
//! silently dropped or guessed.

use serde::Deserialize;

use crate::schema::FieldSource;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredHeader {
    #[serde(default)]
    name: String,
    #[serde(default)]
    value: String,
    #[serde(rename = "valueFrom")]
    value_from: Option<StoredSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StoredSource {
    service_account: Option<String>,
    helm_ref: Option<KeyRef>,
    config_map_key_ref: Option<KeyRef>,
    secret_key_ref: Option<KeyRef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyRef {
    #[serde(default)]
    name: String,
    key: String,
}

/// Reads a stored header list: each header's name and where its value comes from.
pub(crate) fn parse(text: &str) -> Result<Vec<(String, FieldSource)>, String> {
    // serde_json's message may quote the text, which may hold values: say only where.
    let stored: Vec<StoredHeader> = serde_json::from_str(text).map_err(|e| {
        format!(
            "not a JSON list of headers (`[{{\"name\": ..., \"value\": ...}}]`): wrong at line {} column {}",
            e.line(),
            e.column()
        )
    })?;
    let mut out = Vec::with_capacity(stored.len());
    for (i, h) in stored.into_iter().enumerate() {
        let source = match h.value_from {
            None => FieldSource::Value(h.value),
            Some(_) if !h.value.is_empty() => {
                return Err(format!("header {i} has both `value` and `valueFrom`"))
            }
            Some(from) => {
                let mut sources = Vec::new();
                if let Some(name) = from.service_account {
                    sources.push(FieldSource::ServiceAccount { name });
                }
                if let Some(r) = from.helm_ref {
                    sources.push(FieldSource::HelmRef {
                        name: r.name,
                        key: r.key,
                    });
                }
                if let Some(r) = from.config_map_key_ref {
                    sources.push(FieldSource::ConfigMapKeyRef {
                        name: r.name,
                        key: r.key,
                    });
                }
                if let Some(r) = from.secret_key_ref {
                    sources.push(FieldSource::SecretKeyRef {
                        name: r.name,
                        key: r.key,
                    });
                }
                match <[FieldSource; 1]>::try_from(sources) {
                    Ok([one]) => one,
                    Err(_) => {
                        return Err(format!(
                            "header {i}: `valueFrom` needs exactly one of `secretKeyRef`, `configMapKeyRef`, `helmRef`, `serviceAccount`"
                        ))
                    }
                }
            }
        };
        out.push((h.name, source));
    }
    Ok(out)
}

/// Each header of a stored header list: its name, and its literal value (`None` when it
/// comes from a source); or why the text is not a header list.
pub fn header_literals(text: &str) -> Result<Vec<(String, Option<String>)>, String> {
    Ok(parse(text)?
        .into_iter()
        .map(|(name, source)| match source {
            FieldSource::Value(v) => (name, Some(v)),
            _ => (name, None),
        })
        .collect())
}
