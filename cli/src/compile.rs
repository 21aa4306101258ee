//! `rampart compile PATHS... --catalog FILE -o TABLES [--sign KEY]`: a progress bar with
//! the phase names on compiles that run more than two seconds on a terminal.
//!
//! `rampart compile [PATHS...] --postgres URL -o TABLES`: the catalog and the policy rows
//! (`permissions`, `permission_groups`) from Mission Control's database, beside the
//! documents of PATHS ([`rampart_mission_control::world_read`]); rows left out are
//! warned about and counted (an expired deny is kept in force, and warned), and an allow
//! with an `until` ahead is named, since the tables keep granting it until they are
//! compiled again. That needs the `postgres` feature (a default one); without it
//! `--postgres` is refused.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::outcome::{report, Failure, Outcome};
use crate::output::{counted, rounded, Format, Output};

/// Arguments of `compile`.
#[derive(clap::Args)]
pub struct Args {
    /// Document files or directories (read recursively, in sorted order); `-` reads
    /// standard input. Optional with `--postgres`.
    #[arg(required_unless_present = "postgres")]
    paths: Vec<PathBuf>,
    /// The catalog (YAML or JSON).
    #[arg(long, conflicts_with = "postgres")]
    catalog: Option<PathBuf>,
    /// Read the catalog and the permission rows from Mission Control's database:
    /// `postgresql://USER@HOST:PORT/DATABASE` (a password is read from `PGPASSWORD` when
    /// the URL has none; `rampart catalog grants` prints the role to create).
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// The schema holding Mission Control's tables (with `--postgres`).
    #[arg(long, default_value = "public", requires = "postgres")]
    schema: String,
    /// Let deny selectors match nothing in the catalog (denies written for objects it
    /// does not hold yet). Without it such a deny is an error: it protects nothing. One
    /// document says the same with the annotation
    /// `rampart.flanksource.com/allow-empty-selectors: "true"`.
    #[arg(long)]
    allow_empty_selectors: bool,
    /// Where to write the tables (replaced atomically; untouched on failure; missing
    /// directories on the way are made).
    #[arg(short, long)]
    output: PathBuf,
    /// Sign the tables with this private key (a file `rampart keygen` wrote).
    #[arg(long, value_name = "KEY")]
    sign: Option<PathBuf>,
    /// `text` or `json` (the summary).
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// A progress bar that appears only when the command is still running after `delay`
/// and standard error is a terminal.
pub(crate) fn progress_bar(delay: Duration) -> Arc<ProgressBar> {
    let bar = Arc::new(ProgressBar::with_draw_target(
        None,
        ProgressDrawTarget::hidden(),
    ));
    if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
        bar.set_style(style);
    }
    if std::io::stderr().is_terminal() {
        let delayed = Arc::clone(&bar);
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            if !delayed.is_finished() {
                delayed.set_draw_target(ProgressDrawTarget::stderr());
                delayed.enable_steady_tick(Duration::from_millis(120));
            }
        });
    }
    bar
}

/// The signing key in a file `rampart keygen` wrote.
fn signing_key(path: &std::path::Path) -> Result<ed25519_dalek::SigningKey, Failure> {
    use base64::Engine;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Error(format!("cannot read `{}`: {e}", path.display())))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            Failure::Error(format!(
                "`{}` is not a private key written by `rampart keygen`",
                path.display()
            ))
        })?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&bytes))
}

/// `rampart compile`: reads the documents and the catalog (from files or the database),
/// compiles them, writes the tables and prints the summary.
pub fn run(args: Args) -> Outcome {
    remove_in_flight_on_interrupt();
    let key = args.sign.as_deref().map(signing_key).transpose()?;
    let bar = progress_bar(Duration::from_secs(2));
    let shown = Arc::clone(&bar);
    let phases = move |phase: rampart_compiler::compile::Phase| {
        shown.set_message(phase.name());
    };
    let (compiled, database_read) = match &args.postgres {
        None => (
            rampart_compiler::compile::compile_with(
                &args.paths,
                args.catalog.as_deref(),
                rampart_compiler::compile::Options {
                    allow_empty_selectors: args.allow_empty_selectors,
                },
                &phases,
            ),
            None,
        ),
        Some(url) => match compile_from_database(&args, url, &bar, &phases) {
            Ok((compiled, read)) => (compiled, Some(read)),
            Err(end) => return end,
        },
    };
    bar.set_message("write");
    let compiled = match compiled {
        Ok(c) => c,
        Err(diagnostics) => {
            bar.finish_and_clear();
            report(&diagnostics, args.format);
            eprintln!("nothing written");
            return Ok(ExitCode::from(1));
        }
    };
    bar.suspend(|| {
        for w in &compiled.warnings {
            eprint!("{}", w.render());
        }
    });
    let size = write_output(&compiled, &args.output, key.as_ref(), &bar)?;
    let mut out = Output::new();
    let signed = key.is_some();
    match args.format {
        Format::Json => out.line(json_summary(
            &args.output,
            &compiled.stats,
            size,
            signed,
            database_read.as_ref().map(database_json),
        ))?,
        Format::Text => text_summary(&args.output, &compiled.stats, size, signed, &mut out)?,
    }
    if let (Some(read), Format::Text) = (&database_read, args.format) {
        database_report(read, &mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What `compile --postgres` read besides the compiled tables: the counts and rows left
/// out, and the findings of the policy rows.
#[cfg(feature = "postgres")]
type DatabaseRead = (
    rampart_mission_control::catalog_read::CatalogSummary,
    rampart_mission_control::policy_read::PolicyFindings,
);

/// Nothing is ever read from a database in a build without the `postgres` feature.
#[cfg(not(feature = "postgres"))]
type DatabaseRead = std::convert::Infallible;

/// What [`compile_from_database`] gives: the compile and what was read, or how the
/// command ends.
type FromDatabase = Result<
    (
        Result<rampart_compiler::compile::Compiled, Vec<rampart_compiler::diagnostic::Diagnostic>>,
        DatabaseRead,
    ),
    Outcome,
>;

/// An interrupted compile (Ctrl-C, SIGTERM, SIGHUP) removes the temporary file it was
/// writing; the output file is untouched, as on any other failure. Installed by `compile`
/// only: `rampart serve` handles those signals itself (graceful stop, reload).
fn remove_in_flight_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        rampart_compiler::emit::remove_in_flight();
        std::process::exit(130);
    });
}

/// Reads the catalog and the policy rows from Mission Control's database (beside the
/// documents of `args.paths`), prints the warnings about rows and compiles them. A failed
/// read is reported and becomes the exit code (`Err`).
#[cfg(feature = "postgres")]
fn compile_from_database(
    args: &Args,
    url: &str,
    bar: &Arc<ProgressBar>,
    phases: &dyn Fn(rampart_compiler::compile::Phase),
) -> FromDatabase {
    let database =
        rampart_mission_control::session::Database::new(url.to_string(), args.schema.clone());
    let shown = Arc::clone(bar);
    let read = database.connect().and_then(|mut connection| {
        rampart_mission_control::world_read::read_world(&mut connection, &args.paths, &move |p| {
            shown.set_message(crate::database::progress_message(p))
        })
    });
    let world = match read {
        Ok(w) => w,
        Err(e) => {
            bar.finish_and_clear();
            eprintln!("nothing written");
            return Err(Ok(crate::database::database_failure(&e)));
        }
    };
    for w in &world.summary.warnings {
        eprint!("{}", w.render());
    }
    let compiled = rampart_compiler::compile::compile_loaded(world.loaded, phases);
    Ok((compiled, (world.summary, world.findings)))
}

/// Refuses `--postgres` in a build without the `postgres` feature.
#[cfg(not(feature = "postgres"))]
fn compile_from_database(
    _args: &Args,
    _url: &str,
    bar: &Arc<ProgressBar>,
    _phases: &dyn Fn(rampart_compiler::compile::Phase),
) -> FromDatabase {
    bar.finish_and_clear();
    Err(Err(crate::features::not_built(
        "`rampart compile --postgres`",
        "postgres",
    )))
}

/// Writes the tables to `output` (signed with `key` if given) and returns their size in
/// bytes; clears the progress bar whatever happens.
fn write_output(
    compiled: &rampart_compiler::compile::Compiled,
    output: &std::path::Path,
    key: Option<&ed25519_dalek::SigningKey>,
    bar: &ProgressBar,
) -> Result<usize, Failure> {
    // A missing directory on the way to the output is made, as `mkdir -p` would: the
    // README's `-o target/fixtures.rampart` works before any build made `target/` (with
    // `CARGO_TARGET_DIR` set elsewhere, none ever does).
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(parent) {
            bar.finish_and_clear();
            return Err(Failure::Error(format!(
                "cannot make the directory `{}` for the tables: {e}",
                parent.display()
            )));
        }
    }
    let written = rampart_compiler::emit::write_tables(&compiled.data, output, key);
    bar.finish_and_clear();
    written.map_err(|e| Failure::Error(e.to_string()))
}

/// The summary of a compile as JSON, with what was read from the database if anything.
fn json_summary(
    output: &std::path::Path,
    s: &rampart_compiler::compile::Stats,
    size: usize,
    signed: bool,
    database: Option<serde_json::Value>,
) -> serde_json::Value {
    let seconds = rounded(s.elapsed.as_secs_f64(), 3);
    let peak = peak_memory_mib();
    let mut value = serde_json::json!({
    "output": output.display().to_string(),
    "bytes": size,
    "signed": signed,
    "files": s.files,
    "documents": s.documents,
    "permissions": s.permissions,
    "principals": s.principals,
    "objects": {"playbooks": s.objects[0], "configs": s.objects[1], "components": s.objects[2], "connections": s.objects[3]},
    "rules": s.rules,
    "rows": s.rows,
    "skipped": s.skipped.iter().map(|(k, n)| (k.clone(), *n)).collect::<std::collections::BTreeMap<_, _>>(),
    "seconds": seconds,
    "peak_memory_mib": peak,
    });
    if let Some(database) = database {
        if let Some(object) = value.as_object_mut() {
            object.insert("database".to_string(), database);
        }
    }
    value
}

/// What was read from the database, for the JSON summary.
#[cfg(feature = "postgres")]
fn database_json((summary, findings): &DatabaseRead) -> serde_json::Value {
    serde_json::json!({
        "counts": summary.counts,
        "skipped": summary.skipped,
        "rows_warned": summary.warning_count,
        "earliest_until": findings.earliest_until,
    })
}

#[cfg(not(feature = "postgres"))]
fn database_json(read: &DatabaseRead) -> serde_json::Value {
    match *read {}
}

/// The summary of a compile as lines of text: what was compiled and written, the
/// documents of other API groups skipped, and the peak memory.
fn text_summary(
    output: &std::path::Path,
    s: &rampart_compiler::compile::Stats,
    size: usize,
    signed: bool,
    out: &mut Output,
) -> Result<(), Failure> {
    let seconds = rounded(s.elapsed.as_secs_f64(), 3);
    let peak = peak_memory_mib();
    out.line(format!(
        "compiled {} from {} ({}): {}, {}, {}, {}, {}, {}, {}; {}{} written to {} in {seconds}s",
        counted(s.documents, "document"),
        counted(s.files, "file"),
        counted(s.permissions, "permission"),
        counted(s.principals, "principal"),
        counted(s.objects[0], "playbook"),
        counted(s.objects[1], "config"),
        counted(s.objects[2], "component"),
        counted(s.objects[3], "connection"),
        counted(s.rules, "rule"),
        counted(s.rows, "row"),
        counted(size, "byte"),
        if signed { " (signed)" } else { "" },
        output.display()
    ))?;
    if !s.skipped.is_empty() {
        let list: Vec<String> = s.skipped.iter().map(|(k, n)| format!("{n} {k}")).collect();
        out.line(format!("skipped (other API groups): {}", list.join(", ")))?;
    }
    if let Some(peak) = peak {
        out.line(format!("peak memory {peak} MiB"))?;
    }
    Ok(())
}

#[cfg(not(feature = "postgres"))]
fn database_report(read: &DatabaseRead, _out: &mut Output) -> Result<(), Failure> {
    match *read {}
}

/// What `compile --postgres` read from the database, and what it left out.
#[cfg(feature = "postgres")]
fn database_report((summary, findings): &DatabaseRead, out: &mut Output) -> Result<(), Failure> {
    {
        {
            let counts: Vec<String> = summary
                .counts
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            out.line(format!("read from the database: {}", counts.join(", ")))?;
            if !summary.skipped.is_empty() {
                out.line("left out:")?;
                for (reason, n) in &summary.skipped {
                    out.line(format!("  {n} {reason}"))?;
                }
            }
            if let Some(until) = &findings.earliest_until {
                out.line(format!(
                    "a permission row expires at {until} (`until`): these tables keep granting it until compiled again"
                ))?;
            }
        }
    }
    Ok(())
}

/// The process's peak resident memory, where the system reports it (Linux `VmHWM`).
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
