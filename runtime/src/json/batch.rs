//! One JSON line of `rampart check --batch` decided: the same reading and the same
//! answer wherever a line is decided (the command line, the sidecar's differential
//! fuzz target, tests).

use serde_json::{json, Value};

use super::request::JsonRequest;
use super::response::response_json;
use super::strict::Problems;
use crate::tables::Tables;

/// Decides one line: the answer as `--batch` prints it, or why the line is not a request
/// (malformed, an unknown member or name, a blank line).
pub fn decide_line(tables: &Tables, line: &str, explain: bool) -> Result<Value, Problems> {
    if line.trim().is_empty() {
        return Err(Problems::one(
            "a blank line is not a request",
            Some("write one JSON request per line".into()),
        ));
    }
    let request = JsonRequest::parse(line)?;
    let request = request.to_request()?;
    let response = if explain {
        tables.explain(&request)
    } else {
        tables.is_authorized(&request)
    }
    .map_err(|e| Problems::one(e.to_string(), e.help().map(str::to_string)))?;
    Ok(response_json(&response))
}

/// The line `--batch` prints for a line that is not a request: `{line, error, help?}`.
pub fn error_line(line: usize, problems: &Problems) -> Value {
    let mut out = json!({"line": line, "error": problems.message()});
    if let (Some(help), Some(map)) = (problems.help(), out.as_object_mut()) {
        map.insert("help".into(), Value::String(help));
    }
    out
}
