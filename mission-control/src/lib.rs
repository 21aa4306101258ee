//! Mission Control's PostgreSQL database as a source for Rampart: the catalog (people,
//! teams, memberships, roles, agents, playbooks, notifications, configs, components,
//! connections) and the policy rows (permissions, permission groups, scopes), read
//! read-only from one consistent snapshot, with only the columns Rampart needs.
//!
//! Which part do I want:
//! - [`shape`]: the tables and columns read (and so the grants `rampart catalog grants`
//!   prints); [`preflight`] checks them before any row is read and refuses a database
//!   that hides rows (row-level security) or lacks a table, never producing a partial
//!   world.
//! - [`session`]: connecting, the read-only snapshot, the statement log.
//! - [`catalog_read`]: the catalog, streamed list by list into a [`catalog_read::CatalogSink`];
//!   [`pull`] writes it as the catalog JSON `rampart compile --catalog` reads.
//! - [`world_read`]: the catalog and the policy rows as the compiler's input
//!   (`compile --postgres`, `serve --postgres`); [`watch`] waits for changes;
//!   [`lookup`] fetches one object by id when a request names one the tables do not
//!   know yet (resolve-on-miss); [`memberships`] applies membership changes to
//!   compiled tables without compiling again, when it can prove that gives the same;
//!   [`parsed_rows`] keeps parsed permission rows between reads of the policy rows;
//!   [`catalog_digest`] proves a catalog read before is still the database's.
//!
//! Nothing here writes to the database, and nothing selects a credential or a scraped
//! document: the shape has no such column, and the tests read the statement log to prove
//! it.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
// Diagnostics are large by design (see rampart-compiler); they are built on cold paths.
#![allow(clippy::result_large_err)]

pub mod casbin_graph;
pub mod catalog_digest;
pub mod catalog_read;
pub mod error;
pub mod grants;
pub mod identifier;
pub mod lookup;
pub mod memberships;
pub mod parsed_rows;
pub mod policy_read;
pub mod preflight;
pub mod pull;
pub mod session;
pub mod shape;
pub mod values;
pub mod watch;
pub mod world_read;
