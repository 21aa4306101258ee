//! `rampart serve -t TABLES [--listen ADDR | --unix PATH]`: the HTTP sidecar
//! (`rampart-serve`), configured from flags.

use std::path::PathBuf;
use std::process::ExitCode;

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
        max_batch: args.max_batch,
        max_concurrent: args.max_concurrent,
        public_url: args.public_url,
        threads: args.threads,
    })
    .map_err(|e| Failure::Error(e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}
