//! The Rampart compiler: Mission Control style `Permission`, `PermissionGroup` and
//! `Connection` documents plus a catalog -> decision tables for `rampart-runtime`.
//!
//! The pipeline follows the module names: [`documents`] and [`catalog`] parse,
//! [`world`] numbers objects, [`resolve`] binds names to ids and builds the
//! [`membership`] graph, [`index`] evaluates selectors, [`tabulate`] builds the tables,
//! [`compile`] runs it all and writes the file atomically. Every stage reports
//! [`diagnostic::Diagnostic`]s instead of stopping at the first problem.

pub mod catalog;
pub mod cli;
pub mod compile;
pub mod diagnostic;
pub mod documents;
pub mod index;
pub mod lint;
pub mod membership;
pub mod resolve;
pub mod roles;
pub mod secrets;

pub mod source;
pub mod tabulate;
pub mod world;
