//! `Response`: a decision. `allowed` is a bool and so is the response (`if
//! tables.is_authorized(...)` means "if allowed"); `decision` is `allow` or `deny`,
//! `reason` the stable reason code; an explained response also carries the deciding
//! `permissions` and, for a denial without any matching allow rule, the nearest
//! `candidates`.

use pyo3::prelude::*;
use serde_json::Value;

use crate::convert::to_py;

/// A decision.
#[pyclass(frozen, module = "rampart")]
pub struct Response {
    /// True when allowed.
    #[pyo3(get)]
    allowed: bool,
    /// `allow` or `deny`.
    #[pyo3(get)]
    decision: &'static str,
    /// `allowed`, `explicit_deny` or `no_allow_rule`.
    #[pyo3(get)]
    reason: &'static str,
    /// With an explanation: `{permission, source, effect, via}` per deciding permission.
    #[pyo3(get)]
    permissions: Option<Py<PyAny>>,
    /// With an explanation: the nearest allow rules that did not match.
    #[pyo3(get)]
    candidates: Option<Py<PyAny>>,
}

impl Response {
    /// From a runtime response (no explanation).
    pub fn of(response: &rampart_runtime::Response) -> Response {
        Response {
            allowed: response.is_allowed(),
            decision: response.effect().word(),
            reason: response.reason().code(),
            permissions: None,
            candidates: None,
        }
    }

    /// From the JSON answer of the runtime's model.
    pub fn from_json(py: Python<'_>, answer: &Value) -> PyResult<Response> {
        let word = |key: &str, words: &[&'static str]| {
            let found = answer.get(key).and_then(Value::as_str);
            words.iter().copied().find(|w| Some(*w) == found)
        };
        let allowed = answer.get("allowed") == Some(&Value::Bool(true));
        let optional = |key: &str| -> PyResult<Option<Py<PyAny>>> {
            answer
                .get(key)
                .map(|v| to_py(py, v).map(Bound::unbind))
                .transpose()
        };
        Ok(Response {
            allowed,
            decision: if allowed { "allow" } else { "deny" },
            reason: word("reason", &["allowed", "explicit_deny", "no_allow_rule"])
                .unwrap_or("no_allow_rule"),
            permissions: optional("permissions")?,
            candidates: optional("candidates")?,
        })
    }
}

#[pymethods]
impl Response {
    fn __bool__(&self) -> bool {
        self.allowed
    }

    fn __repr__(&self) -> String {
        format!(
            "Response(allowed={}, decision='{}', reason='{}')",
            if self.allowed { "True" } else { "False" },
            self.decision,
            self.reason
        )
    }

    /// The response as the dict every face answers (`{allowed, decision, reason}`, and
    /// `permissions` and `candidates` when explained).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let dict = pyo3::types::PyDict::new(py);
        dict.set_item("allowed", self.allowed)?;
        dict.set_item("decision", self.decision)?;
        dict.set_item("reason", self.reason)?;
        if let Some(p) = &self.permissions {
            dict.set_item("permissions", p.bind(py))?;
        }
        if let Some(c) = &self.candidates {
            dict.set_item("candidates", c.bind(py))?;
        }
        Ok(dict)
    }
}
