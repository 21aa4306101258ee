//! The exception hierarchy: `rampart.Error` (with `code`, the stable code every face
//! reports, and `message`) and one subclass per family of codes.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use rampart_bindings::codes::{family, BindingError, Family};

pyo3::create_exception!(
    rampart,
    Error,
    PyException,
    "Every error of rampart: `code` is the stable code (`unknown_object`, ...), `message` the text."
);
pyo3::create_exception!(
    rampart,
    LoadError,
    Error,
    "The tables could not be loaded (`io`, `not_a_table`, `bad_signature`, ...)."
);
pyo3::create_exception!(
    rampart,
    RequestError,
    Error,
    "A request could not be decided (`unknown_subject`, `unknown_object`, `malformed_request`, ...): never a denial."
);
pyo3::create_exception!(
    rampart,
    ResolveError,
    Error,
    "A connection reference could not be resolved (`denied`, `invalid_reference`, `source`, ...)."
);
pyo3::create_exception!(
    rampart,
    ArgumentError,
    Error,
    "An argument rampart cannot take (`invalid_argument`)."
);
pyo3::create_exception!(
    rampart,
    InternalError,
    Error,
    "A bug in rampart (`internal`)."
);

/// The Python exception for a binding error, `code` and `message` set.
pub fn to_py(py: Python<'_>, error: &BindingError) -> PyErr {
    let message = error.message().to_string();
    let err = match family(error.code()) {
        Family::Load => LoadError::new_err(message.clone()),
        Family::Request => RequestError::new_err(message.clone()),
        Family::Resolve => ResolveError::new_err(message.clone()),
        Family::Argument => ArgumentError::new_err(message.clone()),
        Family::Internal => InternalError::new_err(message.clone()),
    };
    let value = err.value(py);
    // Setting attributes on a fresh exception instance cannot fail but for memory.
    let _ = value.setattr("code", error.code());
    let _ = value.setattr("message", message);
    err
}

/// Converts binding results.
pub trait IntoPy<T> {
    /// The result with its error as a Python exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T, E: Into<BindingError>> IntoPy<T> for Result<T, E> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, &e.into()))
    }
}
