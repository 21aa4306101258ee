//! The `rampart` command line: one module per subcommand over the compiler, the runtime
//! and the sidecar; what they share lives in `args` (loading tables, reading inputs,
//! naming objects), `outcome` (how a command ends) and `output` (formats, writing).
//! Exit codes follow `kubectl auth can-i`: 0 allowed (or success), 1 denied (or problems
//! found, tests failed), 2 error (the message starts with `error:`).

mod access;
mod args;
mod catalog;
mod check;
mod compile;
mod completions;
mod connections;
#[cfg(feature = "postgres")]
mod database;
mod diff;
mod export;
#[cfg(not(all(feature = "serve", feature = "postgres")))]
mod features;
mod filter;
mod inspect;
mod keygen;
mod lint;
mod list;
mod outcome;
mod output;
mod resolve;
mod schema;
mod serve;
#[cfg(all(feature = "serve", feature = "postgres"))]
mod serve_lookup;
#[cfg(all(feature = "serve", feature = "postgres"))]
mod serve_source;
mod test;
mod validate;
mod who_can;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use outcome::Failure;
use output::Stop;

/// Rampart: compile Mission Control style permissions into constant-time decision tables.
#[derive(Parser)]
#[command(name = "rampart", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load documents and catalog, parse every embedded string, report every problem.
    Validate(validate::Args),
    /// Compile documents and a catalog into a table file.
    Compile(compile::Args),
    /// The catalog from a Mission Control database (`pull`), and the role that may read
    /// it (`grants`).
    Catalog(catalog::Args),
    /// Decide a request (or a batch of JSON lines) against a table file.
    Check(check::Args),
    /// Print table statistics.
    Inspect(inspect::Args),
    /// Every subject allowed an action on some objects (or a global object).
    WhoCan(who_can::Args),
    /// What a subject may do, action by action.
    Access(access::Args),
    /// The objects of a category a subject may act on.
    List(list::Args),
    /// A SQL `WHERE` predicate for the rows of a catalog table a subject may act on.
    Filter(filter::Args),
    /// Bulk exports (`export access`: every subject, action, category and object allowed).
    Export(export::Args),
    /// Compile and run the `kind: PermissionTest` suites among the documents.
    Test(test::Args),
    /// Unused groups, selectors that match nothing, allow rules a deny always overrides.
    Lint(lint::Args),
    /// Access gained and lost between two table files.
    Diff(diff::Args),
    /// JSON Schemas (draft-07) of the input formats, for editors.
    Schema(schema::Args),
    /// Resolve a `connection://` reference for a subject that may read it.
    Resolve(resolve::Args),
    /// Which documents use which connections.
    Connections(connections::Args),
    /// Serve decisions over HTTP (AuthZEN and Mission Control endpoints), reloading the
    /// tables when they change.
    Serve(serve::Args),
    /// Make an Ed25519 key pair for signing tables (`compile --sign`, `--verify`).
    Keygen(keygen::Args),
    /// Shell completions.
    Completions(completions::Args),
}

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let version: &'static str = Box::leak(
        format!(
            "{} (table format {})",
            env!("CARGO_PKG_VERSION"),
            rampart_runtime::FORMAT_VERSION
        )
        .into_boxed_str(),
    );
    let matches = Cli::command().version(version).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Compile(args) => compile::run(args),
        Command::Catalog(args) => catalog::run(args),
        Command::Check(args) => check::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::WhoCan(args) => who_can::run(args),
        Command::Access(args) => access::run(args),
        Command::List(args) => list::run(args),
        Command::Export(args) => export::run(args),
        Command::Filter(args) => filter::run(args),
        Command::Test(args) => test::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Resolve(args) => resolve::run(args),
        Command::Connections(args) => connections::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Completions(args) => completions::run(args, Cli::command()),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Stopped(Stop::Closed)) => ExitCode::SUCCESS,
        Err(Failure::Stopped(Stop::Failed(e))) => {
            eprintln!("error: cannot write the output: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Error(message)) => {
            eprintln!(
                "error: {}",
                rampart_compiler::diagnostic::escape_controls(&message)
            );
            ExitCode::from(2)
        }
        Err(Failure::Helped(message, help)) => {
            eprintln!(
                "error: {}\n  = help: {}",
                rampart_compiler::diagnostic::escape_controls(&message),
                rampart_compiler::diagnostic::escape_controls(&help)
            );
            ExitCode::from(2)
        }
    }
}
