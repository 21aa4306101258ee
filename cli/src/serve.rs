//! `rampart serve -t TABLES [--listen ADDR | --unix PATH]`: the HTTP sidecar
//! (`rampart-serve`), configured from flags. `rampart serve --postgres URL` compiles its
//! tables from Mission Control's database instead, and keeps them current
//! ([`crate::serve_source`]).
//!
//! The sidecar needs the `serve` feature, and `--postgres` the `postgres` feature too
//! (both default ones); without them the command refuses to run.

#![cfg_attr(
    not(all(feature = "serve", feature = "postgres")),
    allow(dead_code, unused_imports)
)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::args::public_key;
use crate::outcome::{Failure, Outcome};

/// Arguments of `serve`.
#[derive(clap::Args)]
pub struct Args {
    /// The table file (watched: a new file is swapped in when it loads and verifies).
    #[arg(
        short = 't',
        long = "tables",
        required_unless_present = "postgres",
        conflicts_with = "postgres"
    )]
    tables: Option<PathBuf>,
    /// Refuse tables not signed with this public key (`rampart keygen`).
    #[arg(long, conflicts_with = "postgres")]
    verify: Option<PathBuf>,
    /// Compile the tables from Mission Control's database (`postgresql://USER@HOST/DB`;
    /// a password from `PGPASSWORD`) and keep them current: `LISTEN table_activity`,
    /// and a poll of the tables Mission Control does not announce.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// The schema holding Mission Control's tables (with `--postgres`).
    #[arg(long, default_value = "public", requires = "postgres")]
    schema: String,
    /// Seconds between polls of the database (with `--postgres`).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 5.0,
        requires = "postgres"
    )]
    poll_interval: f64,
    /// Seconds after which data that could not be refreshed makes `/ready` fail (with
    /// `--postgres`; Mission Control itself accepts 5 minutes).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300.0,
        requires = "postgres"
    )]
    max_data_age: f64,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8181", conflicts_with = "unix")]
    listen: String,
    /// Listen on a Unix socket instead.
    #[arg(long)]
    unix: Option<PathBuf>,
    /// A file holding the bearer token every API request must present.
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Log one JSON line per decision to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    decision_log: Option<String>,
    /// The share of decisions logged, above 0 and at most 1 (0.1: one in ten, drawn at
    /// random; what was left out is counted in `rampart_decision_log_sampled_out_total`).
    #[arg(
        long,
        value_name = "RATE",
        default_value_t = 1.0,
        requires = "decision_log"
    )]
    decision_log_sample: f64,
    /// When the decision log's queue is full: `block` (decisions wait; no line is lost)
    /// or `drop` (answers never wait; dropped lines are counted in
    /// `rampart_decision_log_dropped_total`).
    #[arg(
        long,
        value_name = "POLICY",
        default_value = "block",
        requires = "decision_log"
    )]
    decision_log_overflow: String,
    /// Lines the decision log's queue holds before the overflow policy applies.
    #[arg(long, value_name = "LINES", default_value_t = 65_536, value_parser = clap::value_parser!(u64).range(1..=16_777_216), requires = "decision_log")]
    decision_log_queue: u64,
    /// The largest request body accepted.
    #[arg(long, default_value_t = 1 << 20)]
    max_body_bytes: usize,
    /// Seconds a client has to send a request's head, from its connection's start or
    /// from the previous answer (so also how long an idle kept-alive connection stays).
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a client has to send a request's body, from the end of its head.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout: u64,
    /// Seconds a client may take none of an answer's bytes before its connection is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    write_timeout: u64,
    /// The most evaluations (or subjects) in one batch.
    #[arg(long, default_value_t = 10_000)]
    max_batch: usize,
    /// At most this many requests answered at once.
    #[arg(long, default_value_t = 256)]
    max_concurrent: usize,
    /// The base URL the discovery document advertises (default: from the Host header).
    #[arg(long)]
    public_url: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

/// Refuses: this build has no sidecar.
#[cfg(not(feature = "serve"))]
pub fn run(_args: Args) -> Outcome {
    Err(crate::features::not_built("`rampart serve`", "serve"))
}

/// Runs the sidecar until `SIGTERM` or `SIGINT`.
#[cfg(feature = "serve")]
pub fn run(args: Args) -> Outcome {
    let verify = args.verify.as_deref().map(public_key).transpose()?;
    let listen = match args.unix {
        Some(path) => rampart_serve::Listen::Unix(path),
        None => rampart_serve::Listen::Tcp(args.listen),
    };
    let database = args.postgres.clone().map(|url| DatabaseArgs {
        url,
        schema: args.schema.clone(),
        poll_interval: args.poll_interval,
        max_data_age: args.max_data_age,
    });
    let config = rampart_serve::Config {
        tables: args.tables.clone().unwrap_or_default(),
        verify,
        listen,
        token_file: args.token_file,
        decision_log: decision_log(
            args.decision_log,
            args.decision_log_sample,
            &args.decision_log_overflow,
            args.decision_log_queue,
        )?,
        max_body_bytes: args.max_body_bytes,
        header_timeout: Duration::from_secs(args.header_timeout),
        body_timeout: Duration::from_secs(args.body_timeout),
        write_timeout: Duration::from_secs(args.write_timeout),
        max_batch: args.max_batch,
        max_concurrent: args.max_concurrent,
        public_url: args.public_url,
        threads: args.threads,
    };
    match database {
        None => rampart_serve::run(config).map_err(|e| Failure::Error(e.to_string()))?,
        Some(database) => run_from_database(config, database)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `--postgres` and the flags that go with it.
struct DatabaseArgs {
    url: String,
    schema: String,
    poll_interval: f64,
    max_data_age: f64,
}

/// Runs the sidecar over tables compiled from Mission Control's database.
#[cfg(all(feature = "serve", feature = "postgres"))]
fn run_from_database(config: rampart_serve::Config, args: DatabaseArgs) -> Result<(), Failure> {
    let seconds = |s: f64, flag: &str| {
        if s.is_finite() && (0.05..=86_400.0).contains(&s) {
            Ok(Duration::from_secs_f64(s))
        } else {
            Err(Failure::Error(format!(
                "`--{flag}` must be between 0.05 and 86400 seconds, not `{s}`"
            )))
        }
    };
    let refresh = rampart_serve::Refresh {
        interval: seconds(args.poll_interval, "poll-interval")?,
        max_age: seconds(args.max_data_age, "max-data-age")?,
    };
    let database = rampart_mission_control::session::Database::new(args.url, args.schema);
    rampart_serve::run_from_source(
        config,
        Box::new(crate::serve_source::DatabaseSource::new(database.clone())),
        refresh,
        Some(Box::new(crate::serve_lookup::DatabaseLookup::new(database))),
    )
    .map_err(|e| Failure::Error(e.to_string()))
}

/// Refuses: this build has the sidecar but not the database source.
#[cfg(all(feature = "serve", not(feature = "postgres")))]
fn run_from_database(_config: rampart_serve::Config, _args: DatabaseArgs) -> Result<(), Failure> {
    Err(crate::features::not_built(
        "`rampart serve --postgres`",
        "postgres",
    ))
}

/// The decision log's options from `--decision-log*`, or every problem with them at once.
#[cfg(feature = "serve")]
fn decision_log(
    target: Option<String>,
    sample: f64,
    overflow: &str,
    queue: u64,
) -> Result<Option<rampart_serve::decision_log::Options>, Failure> {
    let Some(target) = target else {
        return Ok(None);
    };
    let mut options = rampart_serve::decision_log::Options::new(target);
    options.capacity = usize::try_from(queue).unwrap_or(usize::MAX);
    let overflow = rampart_serve::decision_log::Overflow::parse(overflow);
    let sampled = options.with_sample(sample);
    match (sampled, overflow) {
        (Ok(mut options), Ok(overflow)) => {
            options.overflow = overflow;
            Ok(Some(options))
        }
        (sampled, overflow) => {
            let problems: Vec<String> = [
                sampled
                    .err()
                    .map(|e| format!("`--decision-log-sample`: {e}")),
                overflow
                    .err()
                    .map(|e| format!("`--decision-log-overflow`: {e}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            Err(Failure::Error(problems.join("\n")))
        }
    }
}
