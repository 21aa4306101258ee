//! `rampart catalog pull --postgres URL [-o FILE]`: the catalog from a Mission Control
//! database (read-only, one snapshot, only the columns `catalog grants` lists), written
//! as the JSON `compile --catalog` reads, streamed entry by entry, with a progress bar on
//! a terminal and a summary of what was read and what was left out (and why).
//!
//! `rampart catalog grants [--role NAME] [--schema SCHEMA]`: the least-privilege role
//! that can read it.
//!
//! Both need the `postgres` feature (a default one); without it they refuse to run.

#![cfg_attr(not(feature = "postgres"), allow(dead_code, unused_imports))]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[cfg(feature = "postgres")]
use rampart_mission_control::catalog_read::{CatalogSummary, Progress, ReadOptions};
#[cfg(feature = "postgres")]
use rampart_mission_control::error::SourceError;
#[cfg(feature = "postgres")]
use rampart_mission_control::pull::{pull, JsonSink};
#[cfg(feature = "postgres")]
use rampart_mission_control::session::Database;

#[cfg(feature = "postgres")]
use crate::database::{database_failure, progress_message};
use crate::outcome::{Failure, Outcome};
use crate::output::{rounded, Format, Output};

/// `rampart catalog ...`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Read the catalog from a Mission Control database and write it as JSON.
    Pull(PullArgs),
    /// Print the SQL that creates a least-privilege role for `pull` and
    /// `compile --postgres`.
    Grants(GrantsArgs),
}

/// Where Mission Control's database is (shared with `compile` and `serve`).
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct PostgresArgs {
    /// Mission Control's database: `postgresql://USER@HOST:PORT/DATABASE` (a password is
    /// read from `PGPASSWORD` when the URL has none).
    #[arg(long, value_name = "URL")]
    pub postgres: String,
    /// The schema holding Mission Control's tables.
    #[arg(long, default_value = "public")]
    pub schema: String,
}

#[cfg(feature = "postgres")]
impl PostgresArgs {
    /// The database.
    pub fn database(&self) -> Database {
        Database::new(self.postgres.clone(), self.schema.clone())
    }
}

#[derive(clap::Args)]
struct PullArgs {
    #[command(flatten)]
    postgres: PostgresArgs,
    /// Where to write the catalog (replaced atomically; untouched on failure); standard
    /// output when absent.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// `text` or `json` (the summary: on standard output with `-o`, else on standard
    /// error).
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(clap::Args)]
struct GrantsArgs {
    /// The role to create.
    #[arg(long, default_value = "rampart_reader")]
    role: String,
    /// The schema holding Mission Control's tables.
    #[arg(long, default_value = "public")]
    schema: String,
}

#[cfg(feature = "postgres")]
pub fn run(args: Args) -> Outcome {
    match args.command {
        Command::Pull(args) => run_pull(args),
        Command::Grants(args) => run_grants(args),
    }
}

#[cfg(not(feature = "postgres"))]
pub fn run(_args: Args) -> Outcome {
    Err(crate::features::not_built("`rampart catalog`", "postgres"))
}

#[cfg(feature = "postgres")]
fn run_grants(args: GrantsArgs) -> Outcome {
    for (what, value) in [("role", &args.role), ("schema", &args.schema)] {
        if value.is_empty() || rampart_runtime::text::has_control_characters(value) {
            return Err(Failure::Error(format!(
                "the {what} name `{}` is empty or holds a control character",
                rampart_runtime::text::Shown(value)
            )));
        }
    }
    let mut out = Output::new();
    out.writer()
        .write_all(rampart_mission_control::grants::role_sql(&args.role, &args.schema).as_bytes())
        .map_err(crate::output::Stop::from)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "postgres")]
fn run_pull(args: PullArgs) -> Outcome {
    let started = Instant::now();
    let database = args.postgres.database();
    let mut connection = match database.connect() {
        Ok(c) => c,
        Err(e) => return Ok(database_failure(&e)),
    };
    let bar = crate::compile::progress_bar(Duration::from_secs(1));
    let shown = Arc::clone(&bar);
    let progress = move |p: Progress| shown.set_message(progress_message(p));
    let result = match &args.output {
        Some(path) => {
            let mut summary = None;
            let written = rampart_compiler::emit::write_atomically_with(path, |file| {
                let mut sink = JsonSink::new(std::io::BufWriter::with_capacity(1 << 20, file));
                match pull(
                    &mut connection,
                    &mut sink,
                    &progress,
                    ReadOptions::default(),
                ) {
                    Ok(s) => {
                        summary = Some(Ok(s));
                        Ok(())
                    }
                    Err(e) => {
                        summary = Some(Err(e));
                        Err(std::io::Error::other("the read failed"))
                    }
                }
            });
            match (summary, written) {
                (Some(Ok(s)), Ok(())) => Ok(s),
                (Some(Err(e)), _) => Err(e),
                (_, Err(e)) => Err(SourceError::Write(e.to_string())),
                (None, Ok(())) => Err(SourceError::Write("nothing was read".into())),
            }
        }
        None => {
            let stdout = std::io::stdout();
            let mut sink = JsonSink::new(std::io::BufWriter::with_capacity(1 << 20, stdout.lock()));
            pull(
                &mut connection,
                &mut sink,
                &progress,
                ReadOptions::default(),
            )
        }
    };
    bar.finish_and_clear();
    let summary = match result {
        Ok(s) => s,
        Err(SourceError::Write(e)) if e.contains("Broken pipe") => return Ok(ExitCode::SUCCESS),
        Err(e) => {
            if args.output.is_some() {
                eprintln!("nothing written");
            }
            return Ok(database_failure(&e));
        }
    };
    let seconds = rounded(started.elapsed().as_secs_f64(), 3);
    report_summary(
        &summary,
        args.format,
        args.output.is_some(),
        seconds,
        args.output.as_ref(),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a read's summary: on standard output when the data went to a file, else on
/// standard error; warnings (rows left out) always on standard error.
#[cfg(feature = "postgres")]
pub(crate) fn report_summary(
    summary: &CatalogSummary,
    format: Format,
    to_stdout: bool,
    seconds: f64,
    output: Option<&PathBuf>,
) -> Result<(), Failure> {
    for w in &summary.warnings {
        eprint!("{}", w.render());
    }
    if summary.warning_count > summary.warnings.len() as u64 {
        eprintln!(
            "… and {} more rows left out",
            summary.warning_count - summary.warnings.len() as u64
        );
    }
    let text = match format {
        Format::Json => serde_json::json!({
            "output": output.map(|p| p.display().to_string()),
            "counts": summary.counts,
            "skipped": summary.skipped,
            "rows_left_out": summary.warning_count,
            "seconds": seconds,
        })
        .to_string(),
        Format::Text => {
            let counts: Vec<String> = summary
                .counts
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            let mut text = format!("read {} in {seconds}s", counts.join(", "));
            if let Some(path) = output {
                text.push_str(&format!("; written to {}", path.display()));
            }
            if summary.warning_count > 0 {
                text.push_str(&format!(
                    "\n{} rows left out: their JSON is not what Mission Control stores (see the warnings)",
                    summary.warning_count
                ));
            }
            if !summary.skipped.is_empty() {
                text.push_str("\nleft out as Mission Control leaves them out:");
                for (reason, n) in &summary.skipped {
                    text.push_str(&format!("\n  {n} {reason}"));
                }
            }
            text
        }
    };
    if to_stdout {
        let mut out = Output::new();
        out.line(text)?;
    } else {
        let _ = writeln!(std::io::stderr(), "{text}");
    }
    Ok(())
}
