//! What the language bindings of the runtime share, so that the C ABI (and Go through
//! it) and the Python module give the same answers and the same refusals: one table of
//! error codes ([`codes`]), requests built from their parts ([`parts`]), and credentials
//! for connection resolution from JSON ([`secrets`]). Every request that arrives as JSON
//! is read with the runtime's own model (`rampart_runtime::json`), as `rampart check
//! --batch` and the sidecar read it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod codes;
pub mod parts;
pub mod queries;
pub mod secrets;
