//! The Rampart compiler: Mission Control style `Permission`, `PermissionGroup`, `Scope` and
//! `Connection` documents plus a catalog -> decision tables for `rampart-runtime`.
//!
//! The pipeline follows the module names: [`documents`] and [`catalog`] parse, [`world`]
//! numbers objects, [`resolve`] binds names to ids and builds the [`membership`] graph,
//! [`expand`] evaluates selectors ([`index`]) into object classes and sets, [`tabulate`]
//! builds the tables, [`emit`] writes them atomically; [`compile`] runs the phases;
//! [`regroup`] applies later membership changes to compiled tables. Every phase reports [`diagnostic::Diagnostic`]s instead of stopping at the first problem.
//!
//! ```
//! use std::path::PathBuf;
//! use rampart_compiler::{compile::compile, emit::encode};
//! use rampart_runtime::{Objects, Request, Tables, Target};
//!
//! let compiled = compile(
//!     &[PathBuf::from("../fixtures/policy")],
//!     Some(PathBuf::from("../fixtures/catalog.yaml").as_path()),
//!     &|_phase| {},
//! )
//! .map_err(|problems| format!("{} problems", problems.len()))?;
//! let tables = Tables::from_bytes(&encode(&compiled.data, None)?)?;
//! let request = Request::new(
//!     "john@doe.com",
//!     "playbook:run",
//!     Target::Objects(Objects::new().playbook("mc/echo-config").config("c-mc-pod")),
//! );
//! assert!(tables.is_authorized(&request)?.is_allowed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Diagnostics are the error type of every phase and are large by design (message, location,
// field, help); they are built on the cold path only, so their size is not worth boxing.
#![allow(clippy::result_large_err)]
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod catalog;
pub mod catalog_shape;
pub mod compile;
pub mod component_tags;
pub mod connections;
pub mod diagnostic;
pub mod documents;
pub mod emit;
pub mod empty_selectors;
pub mod expand;
pub mod field_path;
pub mod index;
pub mod json_path;
pub mod lint;
pub mod located;
pub mod membership;
pub mod metadata;
pub mod oracle;
pub mod regroup;
pub mod resolve;
pub mod roles;
pub mod schema;
pub mod scopes;
pub mod secrets;
pub mod selector;
pub mod source;
pub mod split_selectors;
pub mod tabulate;
pub mod testing;
pub mod world;
pub mod yaml;
