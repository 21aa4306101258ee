//! `rampart serve -t TABLES [--listen ADDR | --unix PATH]`: the HTTP sidecar
//! (`rampart-serve`), configured from flags.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::{public_key, Failure, Outcome};

/// Arguments of `serve`.
#[derive(clap::Args)]
pub struct Args {
    /// The table file (watched: a new file is swapped in when it loads and verifies).
    #[arg(short = 't', long = "tables")]
    tables: PathBuf,
    /// Refuse tables not signed with this public key (`rampart keygen`).
    #[arg(long)]
    verify: Option<PathBuf>,
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

/// Runs the sidecar until `SIGTERM` or `SIGINT`.
pub fn run(args: Args) -> Outcome {
    let verify = args.verify.as_deref().map(public_key).transpose()?;
    let listen = match args.unix {
        Some(path) => rampart_serve::Listen::Unix(path),
        None => rampart_serve::Listen::Tcp(args.listen),
    };
    rampart_serve::run(rampart_serve::Config {
        tables: args.tables,
        verify,
        listen,
        token_file: args.token_file,
        decision_log: args.decision_log,
        max_body_bytes: args.max_body_bytes,
        header_timeout: Duration::from_secs(args.header_timeout),
        body_timeout: Duration::from_secs(args.body_timeout),
        write_timeout: Duration::from_secs(args.write_timeout),
        max_batch: args.max_batch,
        max_concurrent: args.max_concurrent,
        public_url: args.public_url,
        threads: args.threads,
    })
    .map_err(|e| Failure::Error(e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}
