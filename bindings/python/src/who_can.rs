//! `WhoCan`: who may do an action on a target. `subjects` are the subjects allowed on the
//! target as asked; `conditional` (asked about one object) the subjects allowed there
//! only together with an object of another category (`playbook:run` granted on a
//! playbook with configs), each a dict `{subject, with, allow_all, allow, deny_all,
//! deny}` saying what that object must be. It is deliberately not a list: `name in
//! tables.who_can(...)`, iterating it, `len()` and truth raise `TypeError`, so that code
//! written for a plain list of names cannot quietly miss the conditional subjects.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use serde_json::Value;

use crate::convert::to_py;

/// Who may do an action on a target.
#[pyclass(frozen, module = "rampart")]
pub struct WhoCan {
    /// The names of the subjects allowed on the target as asked.
    #[pyo3(get)]
    subjects: Py<PyAny>,
    /// The subjects allowed only together with an object of another category, with the
    /// condition it must meet: `{subject, with, allow_all, allow, deny_all, deny}`.
    #[pyo3(get)]
    conditional: Py<PyAny>,
}

impl WhoCan {
    /// From the `{subjects, conditional}` answer every face gives.
    pub fn from_json(py: Python<'_>, answer: &Value) -> PyResult<WhoCan> {
        let member = |key: &str| -> PyResult<Py<PyAny>> {
            let value = answer
                .get(key)
                .ok_or_else(|| PyTypeError::new_err(format!("a who-can answer without `{key}`")))?;
            Ok(to_py(py, value)?.unbind())
        };
        Ok(WhoCan {
            subjects: member("subjects")?,
            conditional: member("conditional")?,
        })
    }
}

/// The refusal of list-like uses.
fn not_a_list(what: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "WhoCan does not support {what}: read `.subjects` (allowed as asked) and `.conditional` (allowed only together with a second object)"
    ))
}

#[pymethods]
impl WhoCan {
    fn __contains__(&self, _item: &Bound<'_, PyAny>) -> PyResult<bool> {
        Err(not_a_list("`in`"))
    }

    fn __iter__(&self) -> PyResult<Py<PyAny>> {
        Err(not_a_list("iteration"))
    }

    fn __len__(&self) -> PyResult<usize> {
        Err(not_a_list("len()"))
    }

    fn __bool__(&self) -> PyResult<bool> {
        Err(not_a_list("truth"))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "WhoCan(subjects={}, conditional={})",
            self.subjects.bind(py).repr()?,
            self.conditional.bind(py).repr()?
        ))
    }

    /// The answer as the dict every face answers: `{subjects, conditional}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let dict = pyo3::types::PyDict::new(py);
        dict.set_item("subjects", self.subjects.bind(py))?;
        dict.set_item("conditional", self.conditional.bind(py))?;
        Ok(dict)
    }
}
