//! Command-line entry points, one module per subcommand. Exit codes follow
//! `kubectl auth can-i`: 0 allowed (or success), 1 denied (or invalid input), 2 error.

mod check;
mod compile;
mod connections;
mod inspect;
mod resolve;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diagnostic::Diagnostic;

/// Rampart: compile Mission Control style permissions into constant-time decision tables.
#[derive(Parser)]
#[command(name = "rampart", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load documents and catalog, parse every embedded string, report every problem.
    Validate(validate::Args),
    /// Compile documents and a catalog into a table file.
    Compile(compile::Args),
    /// Check a request (or a batch of JSON lines) against a table file.
    Check(check::Args),
    /// Print table statistics.
    Inspect(inspect::Args),
    /// Resolve a `connection://` reference for a subject that may read it.
    Resolve(resolve::Args),
    /// List which documents use which connections.
    Connections(connections::Args),
}

/// Runs the command line.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Compile(args) => compile::run(args),
        Command::Check(args) => check::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Resolve(args) => resolve::run(args),
        Command::Connections(args) => connections::run(args),
    }
}

/// Prints every diagnostic and a count to stderr.
pub(crate) fn report(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{}", d.render());
    }
    eprintln!(
        "{} problem{} found",
        diagnostics.len(),
        if diagnostics.len() == 1 { "" } else { "s" }
    );
}

/// Shared `PATHS... [--catalog FILE]` arguments.
#[derive(clap::Args)]
pub(crate) struct Inputs {
    /// Document files or directories (read recursively, in sorted order).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The catalog (YAML or JSON).
    #[arg(long)]
    catalog: Option<PathBuf>,
}

/// Loads a table file, or prints why not and gives exit code 2.
pub(crate) fn load_tables(path: &std::path::Path) -> Result<rampart_runtime::Tables, ExitCode> {
    rampart_runtime::Tables::load(path).map_err(|e| {
        eprintln!("error: `{}`: {e}", path.display());
        ExitCode::from(2)
    })
}
