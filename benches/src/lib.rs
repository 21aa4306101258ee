//! The synthetic workload of DESIGN section 7 (a generator with its own reference
//! decisions) and helpers shared by the criterion benches.

pub mod cedar;
pub mod fixture;
pub mod freshness;
pub mod mission_control;
pub mod random;
pub mod sidecar;

pub mod workload;
