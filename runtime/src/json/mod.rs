//! Requests and answers as data, shared by every face that takes a request as JSON
//! (`rampart check --batch`, `rampart test`, the sidecar, the bindings). Behind the
//! `json` feature.
//!
//! - [`strict`]: reading JSON strictly (no member twice, no unknown member, every
//!   problem with its place and what to write instead);
//! - [`request`]: the one request model every face maps its syntax onto, and
//!   `check --batch`'s JSON lines;
//! - [`batch`]: deciding one JSON line, as `check --batch` does;
//! - [`response`]: answers as JSON and as text.

pub mod batch;
pub mod request;
pub mod response;
pub mod strict;
