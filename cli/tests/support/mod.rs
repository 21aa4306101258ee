//! Helpers of the end-to-end tests: the compiler tests' helpers (compiling inputs into
//! loaded tables, one-line request cases) and running the `rampart` binary.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output};

#[path = "../../../compiler/tests/support/mod.rs"]
mod library;

#[allow(unused_imports)]
pub use library::*;

pub mod sidecar;

/// The `rampart` binary.
pub fn rampart() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
}

/// Runs `rampart` with arguments.
pub fn run(args: &[&str]) -> Output {
    rampart().args(args).output().expect("rampart runs")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a run was refused as a usage or input error: exit 2, `message` on stderr.
pub fn assert_refused(o: &Output, message: &str) {
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(o), stderr(o));
    assert!(stderr(o).contains(message), "{}", stderr(o));
}
