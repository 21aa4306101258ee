//! Mission Control's JSON columns as the catalog's maps: `tags` and `labels` are JSON
//! objects of strings; `properties` is a JSON **array** of `{name, text, value, ...}`
//! objects, read as upstream's matcher reads it (the first element of a name wins; its
//! `text` when not empty, else its `value` as a number, else nothing).
//!
//! Values upstream's own types could not hold (a tag whose value is an object, a
//! `properties` that is not an array) are refused with a message, never dropped
//! quietly: the caller leaves the row out and counts it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// A `tags` or `labels` column (NULL is empty). Numbers and booleans read as their
/// JSON text; a `null` value is present and empty, as Mission Control's
/// `map[string]string` reads it (so a deny on the key's existence sees it).
pub fn string_map(column: &str, text: Option<&str>) -> Result<BTreeMap<String, String>, String> {
    let Some(text) = text else {
        return Ok(BTreeMap::new());
    };
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("`{column}` is not JSON: {e}"))?;
    let object = match value {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Object(object) => object,
        other => {
            return Err(format!(
                "`{column}` is a JSON {}, not an object of strings",
                kind(&other)
            ))
        }
    };
    let mut out = BTreeMap::new();
    for (key, value) in object {
        let text = match value {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            // As Mission Control reads it into a `map[string]string`: present, empty.
            Value::Null => String::new(),
            other => {
                return Err(format!(
                    "`{column}.{key}` is a JSON {}, not a string",
                    kind(&other)
                ))
            }
        };
        out.insert(key, text);
    }
    Ok(out)
}

/// A `properties` column (NULL is empty): name -> text, else value.
pub fn properties(text: Option<&str>) -> Result<BTreeMap<String, String>, String> {
    let Some(text) = text else {
        return Ok(BTreeMap::new());
    };
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("`properties` is not JSON: {e}"))?;
    let items = match value {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Array(items) => items,
        other => {
            return Err(format!(
                "`properties` is a JSON {}, not an array of properties",
                kind(&other)
            ))
        }
    };
    let mut out = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(property) = item else {
            return Err(format!("`properties[{i}]` is not an object"));
        };
        let name = match property.get("name") {
            Some(Value::String(name)) if !name.is_empty() => name.clone(),
            Some(Value::String(_)) | None | Some(Value::Null) => continue,
            Some(other) => {
                return Err(format!(
                    "`properties[{i}].name` is a JSON {}, not a string",
                    kind(other)
                ))
            }
        };
        if !seen.insert(name.clone()) {
            continue;
        }
        let text = match property.get("text") {
            Some(Value::String(t)) if !t.is_empty() => Some(t.clone()),
            Some(Value::String(_)) | Some(Value::Null) | None => None,
            Some(other) => {
                return Err(format!(
                    "`properties[{i}].text` is a JSON {}, not a string",
                    kind(other)
                ))
            }
        };
        let value = match property.get("value") {
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Null) | None => None,
            Some(other) => {
                return Err(format!(
                    "`properties[{i}].value` is a JSON {}, not a number",
                    kind(other)
                ))
            }
        };
        if let Some(v) = text.or(value) {
            out.insert(name, v);
        }
    }
    Ok(out)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_take_the_first_element_of_a_name_text_before_value() {
        let map = properties(Some(
            r#"[{"name":"region","text":"eu-west-1"},{"name":"replicas","value":3,"unit":"count"},
                {"name":"region","text":"us-east-1"},{"name":"empty","text":""},{"name":"empty","text":"later"},
                {"name":"both","text":"t","value":1},{"text":"nameless"}]"#,
        ))
        .expect("properties");
        assert_eq!(map.get("region").map(String::as_str), Some("eu-west-1"));
        assert_eq!(map.get("replicas").map(String::as_str), Some("3"));
        assert_eq!(map.get("both").map(String::as_str), Some("t"));
        // The first `empty` has neither text nor value: upstream reads nothing, not the later one.
        assert_eq!(map.get("empty"), None);
        assert_eq!(map.len(), 3);
    }

    #[test]
    fn shapes_upstream_could_not_hold_are_refused() {
        assert!(properties(Some(r#"{"region":"eu"}"#)).is_err());
        assert!(properties(Some(r#"[1]"#)).is_err());
        assert!(string_map("tags", Some(r#"{"env":{"nested":1}}"#)).is_err());
        assert!(string_map("tags", Some(r#"["env"]"#)).is_err());
        let tags = string_map(
            "tags",
            Some(r#"{"env":"prod","n":3,"b":true,"empty":null}"#),
        )
        .expect("tags");
        assert_eq!(tags.len(), 4);
        assert_eq!(tags.get("n").map(String::as_str), Some("3"));
        assert_eq!(tags.get("empty").map(String::as_str), Some(""));
    }
}
