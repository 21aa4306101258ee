//! Command-line entry points, one module per subcommand. Exit codes follow
//! `kubectl auth can-i`: 0 allowed (or success), 1 denied (or invalid input), 2 error.

mod access;
mod check;
mod compile;
mod connections;
mod diff;
mod inspect;
mod lint;
mod resolve;
mod schema;
mod validate;
mod who_can;

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
    /// Every subject allowed an action on some objects (or a global object).
    WhoCan(who_can::Args),
    /// What a subject may do, action by action.
    Access(access::Args),
    /// Unused groups, selectors that match nothing, allow rules a deny always overrides.
    Lint(lint::Args),
    /// Access gained and lost between two table files.
    Diff(diff::Args),
    /// JSON Schemas (draft-07) of the input formats, for editors.
    Schema(schema::Args),
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
        Command::WhoCan(args) => who_can::run(args),
        Command::Access(args) => access::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Schema(args) => schema::run(args),
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

/// The objects (or global object) of a request, as flags.
#[derive(clap::Args, Clone, Debug, Default)]
pub(crate) struct TargetArgs {
    /// A playbook as `NS/NAME` or id.
    #[arg(long)]
    playbook: Option<String>,
    /// A config id.
    #[arg(long)]
    config: Option<String>,
    /// A component id.
    #[arg(long)]
    component: Option<String>,
    /// A connection as `NS/NAME` or id.
    #[arg(long)]
    connection: Option<String>,
    /// A global object such as `catalog` or `mcp`.
    #[arg(long)]
    pub(crate) global: Option<String>,
}

impl TargetArgs {
    /// The request objects, or `None` when no object flag was given.
    pub(crate) fn objects(&self) -> Option<rampart_runtime::RequestObjects> {
        use rampart_runtime::ObjectRef;
        let objects = rampart_runtime::RequestObjects {
            playbook: self.playbook.clone().map(ObjectRef::Key),
            config: self.config.clone().map(ObjectRef::Key),
            component: self.component.clone().map(ObjectRef::Key),
            connection: self.connection.clone().map(ObjectRef::Key),
        };
        (objects != rampart_runtime::RequestObjects::default()).then_some(objects)
    }
}
