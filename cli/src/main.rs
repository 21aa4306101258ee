//! The `rampart` command line: one module per subcommand over the compiler, the runtime
//! and the sidecar, and the preamble they share (loading tables, reading inputs, naming
//! objects, choosing a format, writing output).
//! Exit codes follow `kubectl auth can-i`: 0 allowed (or success), 1 denied (or problems
//! found, tests failed), 2 error (the message starts with `error:`).

mod access;
mod catalog;
mod check;
mod compile;
mod completions;
mod connections;
mod database;
mod diff;
mod export;
mod filter;
mod inspect;
mod keygen;
mod lint;
mod list;
mod output;
mod resolve;
mod schema;
mod serve;
mod serve_lookup;
mod serve_source;
mod test;
mod validate;
mod who_can;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use rampart_runtime::{Category, IdTarget, ObjectIds, PublicKey, Tables};

use output::Stop;
use rampart_compiler::diagnostic::Diagnostic;

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
        Command::Completions(args) => completions::run(args),
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

/// Output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// One JSON document (or JSON lines where the output is a stream).
    Json,
}

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

/// Shared `PATHS... [--catalog FILE]` arguments.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct Inputs {
    /// Document files or directories (read recursively, in sorted order); `-` reads
    /// standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The catalog (YAML or JSON). `compile`, `test` and `lint` need it (tables without
    /// one could answer nothing); `validate` and `connections` run without it.
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// Let deny selectors match nothing in the catalog (denies written for objects it
    /// does not hold yet). Without it such a deny is an error: it protects nothing. One
    /// document says the same with the annotation
    /// `rampart.flanksource.com/allow-empty-selectors: "true"`.
    #[arg(long)]
    pub allow_empty_selectors: bool,
}

impl Inputs {
    /// What the check accepts beyond the default.
    pub fn options(&self) -> rampart_compiler::compile::Options {
        rampart_compiler::compile::Options {
            allow_empty_selectors: self.allow_empty_selectors,
        }
    }
}

/// Shared `-t TABLES [--verify PUBKEY]` arguments.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct TablesArgs {
    /// The table file.
    #[arg(short, long = "tables", value_name = "TABLES")]
    pub tables: PathBuf,
    /// Refuse tables not signed with this public key (a file `rampart keygen` wrote).
    #[arg(long, value_name = "PUBKEY")]
    pub verify: Option<PathBuf>,
}

/// `-t TABLES --as SUBJECT`: a question about one subject.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct SubjectArgs {
    #[command(flatten)]
    pub tables: TablesArgs,
    /// The subject: a person (email, id or unique name), `playbook:NS/NAME` or
    /// `notification:NS/NAME`.
    #[arg(long = "as", value_name = "SUBJECT")]
    pub subject: String,
}

impl SubjectArgs {
    /// The tables and the subject resolved in them.
    pub fn resolve(&self) -> Result<(Tables, rampart_runtime::PrincipalId), Failure> {
        let tables = self.tables.load()?;
        let principal = tables.principal(&self.subject)?;
        Ok((tables, principal))
    }
}

/// `-t TABLES --as SUBJECT --action ACTION --category CATEGORY`: what `list` and
/// `filter` ask about.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct ListingArgs {
    #[command(flatten)]
    pub subject: SubjectArgs,
    /// The action.
    #[arg(long)]
    pub action: String,
    /// `playbooks`, `configs`, `components` or `connections`.
    #[arg(long, value_parser = parse_category)]
    pub category: Category,
}

/// What [`ListingArgs`] resolve to.
pub(crate) struct Listed {
    pub tables: Tables,
    pub principal: rampart_runtime::PrincipalId,
    pub action: rampart_runtime::ActionId,
}

impl ListingArgs {
    /// The tables, the subject and the action resolved in them.
    pub fn resolve(&self) -> Result<Listed, Failure> {
        let (tables, principal) = self.subject.resolve()?;
        let action = tables.action(&self.action)?;
        Ok(Listed {
            tables,
            principal,
            action,
        })
    }
}

/// A category by its singular or plural name.
pub(crate) fn parse_category(text: &str) -> Result<Category, String> {
    Category::from_name(text).ok_or_else(|| {
        format!("`{text}` is not a category: playbooks, configs, components or connections")
    })
}

impl TablesArgs {
    /// Loads (and verifies) the tables.
    pub fn load(&self) -> Result<Tables, Failure> {
        load_tables(&self.tables, self.verify.as_deref())
    }
}

/// Reads a public key file.
pub(crate) fn public_key(path: &Path) -> Result<PublicKey, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Error(format!("cannot read `{}`: {e}", path.display())))?;
    PublicKey::parse(&text).map_err(|_| {
        Failure::Error(format!(
            "`{}` is not a public key written by `rampart keygen`",
            path.display()
        ))
    })
}

/// Loads tables, verified with the key at `verify` when given.
pub(crate) fn load_tables(path: &Path, verify: Option<&Path>) -> Result<Tables, Failure> {
    let loaded = match verify {
        Some(key) => Tables::load_verified(path, &public_key(key)?),
        None => Tables::load(path),
    };
    loaded.map_err(|e| Failure::Error(format!("`{}`: {e}", path.display())))
}

/// The objects (or global object) of a request, as flags.
#[derive(clap::Args, Clone, Debug, Default)]
pub(crate) struct TargetArgs {
    /// A playbook as `NS/NAME` or id.
    #[arg(long)]
    pub playbook: Option<String>,
    /// A config id.
    #[arg(long)]
    pub config: Option<String>,
    /// A component id.
    #[arg(long)]
    pub component: Option<String>,
    /// A connection as `NS/NAME` or id.
    #[arg(long)]
    pub connection: Option<String>,
    /// A global object such as `catalog` or `mcp`.
    #[arg(long, conflicts_with_all = ["playbook", "config", "component", "connection"])]
    pub global: Option<String>,
}

impl TargetArgs {
    /// The objects named, by category.
    pub fn objects(&self) -> Vec<(Category, &str)> {
        [
            (Category::Playbook, &self.playbook),
            (Category::Config, &self.config),
            (Category::Component, &self.component),
            (Category::Connection, &self.connection),
        ]
        .into_iter()
        .filter_map(|(c, o)| o.as_deref().map(|o| (c, o)))
        .collect()
    }

    /// The runtime's target: objects, a global object, or nothing.
    pub fn target(&self) -> rampart_runtime::Target<'_> {
        use rampart_runtime::{Objects, Target};
        if let Some(g) = &self.global {
            return Target::Global(g);
        }
        let objects = self.objects();
        if objects.is_empty() {
            return Target::Unscoped;
        }
        Target::Objects(objects.into_iter().fold(Objects::new(), |o, (c, key)| {
            o.with(c, rampart_runtime::ObjectRef::Key(key))
        }))
    }

    /// The target as resolved ids.
    pub fn ids(&self, tables: &Tables) -> Result<IdTarget, Failure> {
        if let Some(g) = &self.global {
            return Ok(IdTarget::Global(tables.global(g)?));
        }
        let mut ids: Option<ObjectIds> = None;
        for (c, key) in self.objects() {
            let id = tables.object(c, key)?;
            ids = Some(match ids {
                None => ObjectIds::one(id),
                Some(ids) => ids.and(id)?,
            });
        }
        Ok(ids.map(IdTarget::Objects).unwrap_or(IdTarget::Unscoped))
    }
}

/// A number shown with at most `digits` decimals (`0.26`, not `0.26036899999999996`).
pub(crate) fn rounded(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}
