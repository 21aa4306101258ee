//! How a command ends: its exit code, or a [`Failure`] that `main` prints after
//! `error:` (exit 2), and the report of a run's diagnostics.

use std::process::ExitCode;

use rampart_compiler::diagnostic::Diagnostic;

use crate::output::{Format, Stop};

/// How a command ends early.
#[derive(Debug)]
pub enum Failure {
    /// Output stopped (closed pipe, or a write error).
    Stopped(Stop),
    /// An error to print after `error:`; exit 2.
    Error(String),
    /// An error and a help line saying what to write instead; exit 2.
    Helped(String, String),
}

impl From<Stop> for Failure {
    fn from(s: Stop) -> Failure {
        Failure::Stopped(s)
    }
}

impl From<rampart_runtime::RequestError> for Failure {
    /// The message, and the did-you-mean of an unknown name as its help line.
    fn from(e: rampart_runtime::RequestError) -> Failure {
        match e.help() {
            Some(help) => Failure::Helped(e.to_string(), help.to_string()),
            None => Failure::Error(e.to_string()),
        }
    }
}

/// What a command returns.
pub type Outcome = Result<ExitCode, Failure>;

/// Prints every diagnostic (the first hundred in full) and a count to stderr.
pub(crate) fn report(diagnostics: &[Diagnostic], format: Format) {
    match format {
        Format::Text => eprint!("{}", rampart_compiler::diagnostic::render_all(diagnostics)),
        Format::Json => {
            let list: Vec<serde_json::Value> =
                diagnostics.iter().map(Diagnostic::to_json).collect();
            println!(
                "{}",
                serde_json::json!({"valid": false, "problems": list.len(), "diagnostics": list})
            );
        }
    }
}
