//! Between Python values and JSON values: requests given as dicts become the JSON text
//! the runtime's model reads (so that their refusals are the ones every face gives), and
//! JSON answers become dicts and lists.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;
use rampart_bindings::codes::BindingError;
use serde_json::{Map, Number, Value};

/// How deep a request may nest (attribute objects are two levels; this is generous).
const MAX_DEPTH: usize = 32;

/// A Python value as JSON: dicts with string keys, lists and tuples, strings, ints,
/// floats, booleans and None.
pub fn to_json(value: &Bound<'_, PyAny>, depth: usize) -> Result<Value, BindingError> {
    if depth > MAX_DEPTH {
        return Err(BindingError::malformed(format!(
            "nested deeper than {MAX_DEPTH} levels"
        )));
    }
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return s
            .to_str()
            .map(|s| Value::String(s.to_string()))
            .map_err(|_| BindingError::malformed("a string that is not valid Unicode"));
    }
    if let Ok(i) = value.cast::<PyInt>() {
        if let Ok(n) = i.extract::<i64>() {
            return Ok(Value::Number(n.into()));
        }
        if let Ok(n) = i.extract::<u64>() {
            return Ok(Value::Number(n.into()));
        }
        return Err(BindingError::malformed("an integer out of range"));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| BindingError::malformed("a float that is not finite"));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .ok()
                .and_then(|k| k.to_str().ok().map(str::to_string))
                .ok_or_else(|| BindingError::malformed("a dict key that is not a string"))?;
            map.insert(key, to_json(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = value.cast::<PyList>() {
        return l.iter().map(|v| to_json(&v, depth + 1)).collect();
    }
    if let Ok(t) = value.cast::<PyTuple>() {
        return t.iter().map(|v| to_json(&v, depth + 1)).collect();
    }
    let kind = value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    Err(BindingError::malformed(format!(
        "a value of type `{kind}` (requests hold dicts, lists, strings, numbers, booleans and None)"
    )))
}

/// A JSON value as a Python value.
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_bound_py_any(py)?,
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.into_bound_py_any(py)?,
            (_, Some(u), _) => u.into_bound_py_any(py)?,
            (_, _, f) => f.unwrap_or(f64::NAN).into_bound_py_any(py)?,
        },
        Value::String(s) => s.into_bound_py_any(py)?,
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A request as the JSON text the runtime's model reads: a `str` as it is, a mapping
/// serialised (compactly, keys sorted).
pub fn request_text(request: &Bound<'_, PyAny>) -> Result<String, BindingError> {
    if let Ok(s) = request.cast::<PyString>() {
        return s
            .to_str()
            .map(str::to_string)
            .map_err(|_| BindingError::malformed("a string that is not valid Unicode"));
    }
    Ok(to_json(request, 0)?.to_string())
}
