//! The stored model: a lowered connection as the table file holds it
//! ([`ConnectionData`]). This is the only place the conversion happens, called where the
//! tables are written.
//!
//! HTTP headers are stored as upstream stores them: the property `headers` holds the JSON
//! encoding of the list of EnvVars, exactly as Go's `encoding/json` writes it (keys in
//! struct order, empty ones omitted, `<`, `>`, `&`, U+2028 and U+2029 escaped), so a row
//! read from Mission Control's database and a document compiled here agree byte for byte.

use rampart_runtime::schema::{ConnectionData, FieldSource};

use super::model::{Header, LoweredConnection};

/// The table's record of a lowered connection.
pub fn connection_data(c: &LoweredConnection) -> ConnectionData {
    let mut properties: Vec<(String, FieldSource)> = c
        .properties
        .iter()
        .filter(|(k, _)| k.as_str() != "headers" || c.headers.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !c.headers.is_empty() {
        properties.push((
            "headers".to_string(),
            FieldSource::Value(headers_json(&c.headers)),
        ));
        properties.sort_by(|a, b| a.0.cmp(&b.0));
    }
    ConnectionData {
        namespace: c.namespace.clone(),
        name: c.name.clone(),
        uid: c.uid.clone(),
        connection_type: c.connection_type.clone(),
        url: c.url.clone(),
        username: c.username.clone(),
        password: c.password.clone(),
        certificate: c.certificate.clone(),
        properties,
        insecure_tls: c.insecure_tls,
        source: c.location.display(),
    }
}

/// Upstream's JSON of a header list: `[{"name":..,"value":..}]`, or with
/// `"valueFrom":{"secretKeyRef":{"name":..,"key":..}}` for a source.
pub fn headers_json(headers: &[Header]) -> String {
    let mut out = String::from("[");
    for (i, h) in headers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        let mut fields = Vec::new();
        if !h.name.is_empty() {
            fields.push(format!("\"name\":{}", go_string(&h.name)));
        }
        match &h.source {
            FieldSource::Value(v) if v.is_empty() => {}
            FieldSource::Value(v) => fields.push(format!("\"value\":{}", go_string(v))),
            source => fields.push(format!("\"valueFrom\":{}", value_from(source))),
        }
        out.push_str(&fields.join(","));
        out.push('}');
    }
    out.push(']');
    out
}

/// An `EnvVarSource` with its one reference.
fn value_from(source: &FieldSource) -> String {
    let key_ref = |name: &str, key: &str| {
        let name = if name.is_empty() {
            String::new()
        } else {
            format!("\"name\":{},", go_string(name))
        };
        format!("{{{name}\"key\":{}}}", go_string(key))
    };
    match source {
        FieldSource::ServiceAccount { name } => {
            format!("{{\"serviceAccount\":{}}}", go_string(name))
        }
        FieldSource::HelmRef { name, key } => format!("{{\"helmRef\":{}}}", key_ref(name, key)),
        FieldSource::ConfigMapKeyRef { name, key } => {
            format!("{{\"configMapKeyRef\":{}}}", key_ref(name, key))
        }
        FieldSource::SecretKeyRef { name, key } => {
            format!("{{\"secretKeyRef\":{}}}", key_ref(name, key))
        }
        FieldSource::Value(_) => "{}".to_string(),
    }
}

/// A JSON string as Go's `encoding/json` writes it (HTML-safe escaping).
fn go_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_written_as_go_writes_upstreams_envvar_list() {
        let headers = [
            Header {
                name: "Accept".into(),
                source: FieldSource::Value("application/json".into()),
            },
            Header {
                name: "Authorization".into(),
                source: FieldSource::SecretKeyRef {
                    name: "api".into(),
                    key: "token".into(),
                },
            },
            Header {
                name: "X-Html".into(),
                source: FieldSource::Value("<a&b>\"\u{2028}\u{1}".into()),
            },
            Header {
                name: "X-Empty".into(),
                source: FieldSource::Value(String::new()),
            },
            Header {
                name: "X-Sa".into(),
                source: FieldSource::ServiceAccount { name: "sa".into() },
            },
        ];
        assert_eq!(
            headers_json(&headers),
            r#"[{"name":"Accept","value":"application/json"},{"name":"Authorization","valueFrom":{"secretKeyRef":{"name":"api","key":"token"}}},{"name":"X-Html","value":"\u003ca\u0026b\u003e\"\u2028\u0001"},{"name":"X-Empty"},{"name":"X-Sa","valueFrom":{"serviceAccount":"sa"}}]"#
        );
    }
}
