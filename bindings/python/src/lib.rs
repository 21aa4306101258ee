//! The Python module `rampart` (its native part, `rampart._rampart`): the runtime
//! in-process, with the same answers and refusals as Rust, the C ABI and Go, because all
//! of them go through `rampart-bindings` and the runtime's JSON model.
//!
//! - `load(path, public_key=None)` / `load_bytes(data, public_key=None)` -> `Tables`
//!   (verified when a public key is given; the file is read and validated without the
//!   GIL);
//! - `Tables.is_authorized(subject, action, playbook=..., config=..., component=...,
//!   connection=..., global_=...)` -> `Response` (`allowed` is a bool, and so is the
//!   response itself); `explain` the same with the deciding permissions;
//! - `check(request)` / `check_batch(requests)` for requests in the JSON model (the batch
//!   decides without the GIL);
//! - `principal`, `action`, `object`, `global_object` -> int ids and `check_ids`;
//! - `list`, `who_can` (-> `WhoCan`: `subjects`, and `conditional` for those allowed only
//!   together with a second object), `sql_filter`, `sql_filter_with`, `resolve_connection`;
//! - errors: `rampart.Error` with `code` and `message`, and its subclasses `LoadError`,
//!   `RequestError`, `ResolveError`, `ArgumentError`, `InternalError`.
//!
//! `Tables` is immutable: any number of threads may use one at once.

mod convert;
mod errors;
mod response;
mod tables;
mod who_can;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _rampart(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<errors::Error>())?;
    m.add("LoadError", py.get_type::<errors::LoadError>())?;
    m.add("RequestError", py.get_type::<errors::RequestError>())?;
    m.add("ResolveError", py.get_type::<errors::ResolveError>())?;
    m.add("ArgumentError", py.get_type::<errors::ArgumentError>())?;
    m.add("InternalError", py.get_type::<errors::InternalError>())?;
    m.add_class::<tables::Tables>()?;
    m.add_class::<response::Response>()?;
    m.add_class::<who_can::WhoCan>()?;
    m.add_function(wrap_pyfunction!(tables::load, m)?)?;
    m.add_function(wrap_pyfunction!(tables::load_bytes, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("FORMAT_VERSION", rampart_runtime::FORMAT_VERSION)?;
    Ok(())
}
