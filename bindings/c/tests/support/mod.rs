//! The shared test vectors (`bindings/vectors/vectors.json`) as the Rust tests read them,
//! the Rust runtime's own answers to them (what every binding must match), and the C ABI
//! called from Rust.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code
)]

use std::path::{Path, PathBuf};

use rampart_bindings::codes::BindingError;
use rampart_bindings::parts::{category, NamedTarget};
use rampart_bindings::queries::{self, FilterOptions, ResolveOptions};
use rampart_runtime::json::request::JsonRequest;
use rampart_runtime::json::response::response_json;
use rampart_runtime::{Category, Tables};
use serde_json::{json, Value};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The vectors file.
pub fn vectors_path() -> PathBuf {
    root().join("bindings/vectors/vectors.json")
}

/// The vectors.
pub fn vectors() -> Value {
    serde_json::from_str(&std::fs::read_to_string(vectors_path()).unwrap()).unwrap()
}

/// The fixtures' tables the vectors are answered from.
pub fn tables(vectors: &Value) -> Tables {
    Tables::load(root().join(vectors["tables"].as_str().unwrap())).unwrap()
}

/// An answer: the JSON answer, or `{"error": {"code", "message"}}`.
pub fn outcome(result: Result<Value, BindingError>) -> Value {
    match result {
        Ok(v) => v,
        Err(e) => json!({"error": {"code": e.code(), "message": e.message()}}),
    }
}

/// What a vector expects, in the form of [`outcome`].
pub fn expected(vector: &Value) -> Value {
    match vector.get("error") {
        Some(e) => json!({"error": e}),
        None => vector["expect"].clone(),
    }
}

/// Writes `answer` as what `vector` expects.
pub fn bless(vector: &mut Value, answer: &Value) {
    let map = vector.as_object_mut().unwrap();
    map.remove("expect");
    map.remove("error");
    match answer.get("error") {
        Some(e) => map.insert("error".into(), e.clone()),
        None => map.insert("expect".into(), answer.clone()),
    };
}

/// The request text of a check vector.
pub fn request_text(vector: &Value) -> String {
    match vector.get("request_text") {
        Some(t) => t.as_str().unwrap().to_string(),
        None => vector["request"].to_string(),
    }
}

/// The Rust runtime's answer to a check vector: the request read with the runtime's JSON
/// model, decided by `Tables::is_authorized` or `Tables::explain`.
pub fn rust_check(tables: &Tables, vector: &Value) -> Value {
    let explain = vector
        .get("explain")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let text = request_text(vector);
    let result = (|| {
        let request: JsonRequest =
            serde_json::from_str(&text).map_err(|e| BindingError::malformed(e.to_string()))?;
        let request = request.to_request().map_err(|why| {
            BindingError::new("invalid_request", format!("invalid request: {why}"))
        })?;
        let response = if explain {
            tables.explain(&request)
        } else {
            tables.is_authorized(&request)
        }?;
        Ok(response_json(&response))
    })();
    outcome(result)
}

/// A request's parts, when every object is a key: (subject, action, keys by category,
/// global).
pub type Parts = (String, String, [Option<String>; 4], Option<String>);

/// The parts of a check vector, when it has them (objects by key only, well-formed).
pub fn parts(vector: &Value) -> Option<Parts> {
    let request = vector.get("request")?.as_object()?;
    if request
        .keys()
        .any(|k| !["subject", "action", "objects", "global"].contains(&k.as_str()))
    {
        return None;
    }
    let subject = request.get("subject")?.as_str()?.to_string();
    let action = request.get("action")?.as_str()?.to_string();
    let mut keys: [Option<String>; 4] = Default::default();
    if let Some(objects) = request.get("objects") {
        for (name, key) in objects.as_object()? {
            let c = Category::ALL.into_iter().find(|c| c.name() == name)?;
            keys[c.index()] = Some(key.as_str()?.to_string());
        }
    }
    let global = match request.get("global") {
        Some(g) => Some(g.as_str()?.to_string()),
        None => None,
    };
    Some((subject, action, keys, global))
}

/// A named target from a vector's `{playbook?, config?, component?, connection?,
/// global?}`.
pub fn named_target(target: Option<&Value>) -> NamedTarget<'_> {
    let mut named = NamedTarget::default();
    if let Some(map) = target.and_then(Value::as_object) {
        for (name, key) in map {
            let key = key.as_str().unwrap();
            match name.as_str() {
                "global" => named.global = Some(key),
                _ => named = named.with(category(name).unwrap(), key),
            }
        }
    }
    named
}

/// The Rust answer to a list vector.
pub fn rust_list(tables: &Tables, v: &Value) -> Value {
    outcome(queries::list(
        tables,
        v["subject"].as_str().unwrap(),
        v["action"].as_str().unwrap(),
        category(v["category"].as_str().unwrap()).unwrap(),
        &named_target(v.get("with")),
    ))
}

/// The Rust answer to a who-can vector.
pub fn rust_who_can(tables: &Tables, v: &Value) -> Value {
    outcome(queries::who_can(
        tables,
        v["action"].as_str().unwrap(),
        &named_target(v.get("target")),
    ))
}

/// The options of a SQL filter vector.
pub fn filter_options(v: &Value) -> FilterOptions<'_> {
    FilterOptions {
        columns: v
            .get("columns")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default(),
        id_type: v.get("id_type").and_then(Value::as_str),
        first_param: v
            .get("first_param")
            .and_then(Value::as_u64)
            .map(|n| n as usize),
        ids: v.get("ids").and_then(Value::as_bool).unwrap_or(false),
    }
}

/// The Rust answer to a SQL filter vector.
pub fn rust_filter(tables: &Tables, v: &Value) -> Value {
    outcome(queries::sql_filter(
        tables,
        v["subject"].as_str().unwrap(),
        v["action"].as_str().unwrap(),
        category(v["category"].as_str().unwrap()).unwrap(),
        &named_target(v.get("with")),
        &filter_options(v),
    ))
}

/// The secrets of a connection vector, as the JSON text the bindings take.
pub fn secrets_text(v: &Value) -> String {
    v.get("secrets").cloned().unwrap_or(json!([])).to_string()
}

/// The Rust answer to a connection vector.
pub fn rust_resolve(tables: &Tables, v: &Value) -> Value {
    let secrets = secrets_text(v);
    outcome(queries::resolve_connection(
        tables,
        v["reference"].as_str().unwrap(),
        v["subject"].as_str().unwrap(),
        &ResolveOptions {
            namespace: v.get("namespace").and_then(Value::as_str),
            secrets: Some(&secrets),
            environment: false,
            show_secrets: v
                .get("show_secrets")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
    ))
}

/// The Rust answer to a load vector: `{"loaded": true}` or the error.
pub fn rust_load(v: &Value) -> Value {
    let path = root().join(v["file"].as_str().unwrap());
    let result = (|| {
        let tables = match v.get("public_key").and_then(Value::as_str) {
            Some(key) => Tables::load_verified(&path, &rampart_runtime::PublicKey::parse(key)?),
            None => Tables::load(&path),
        }?;
        Ok(json!({"loaded": true, "revision": tables.revision()}))
    })();
    outcome(result)
}
