//! `rampart resolve REFERENCE --as SUBJECT -t TABLES --secrets DIR [--helm-values DIR]
//! [--namespace NS] [--show-secrets] [--format json]`: authorized connection resolution.
//! Secrets are masked unless `--show-secrets` is given.

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_runtime::connection::{EnvironmentSource, SourceChain};

use crate::secrets::{HelmValuesDirectory, ManifestDirectory};

/// Arguments of `resolve`.
#[derive(clap::Args)]
pub struct Args {
    /// `connection://[namespace/]name`.
    reference: String,
    /// The subject that needs the connection.
    #[arg(long = "as")]
    subject: String,
    /// The table file.
    #[arg(short, long)]
    tables: PathBuf,
    /// A directory of Kubernetes Secret and ConfigMap manifests.
    #[arg(long)]
    secrets: Option<PathBuf>,
    /// A directory of Helm values files per release.
    #[arg(long)]
    helm_values: Option<PathBuf>,
    /// Also look secrets up in the process environment (`NAME_KEY`).
    #[arg(long)]
    env: bool,
    /// The namespace of a reference that names none.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// Print secret values instead of masks.
    #[arg(long)]
    show_secrets: bool,
    /// `text` or `json`.
    #[arg(long, default_value = "text")]
    format: String,
}

pub fn run(args: Args) -> ExitCode {
    let tables = match super::load_tables(&args.tables) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut chain = SourceChain::new();
    if let Some(dir) = &args.secrets {
        match ManifestDirectory::load(dir) {
            Ok(m) => chain = chain.with(m),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(dir) = &args.helm_values {
        match HelmValuesDirectory::new(dir) {
            Ok(h) => chain = chain.with(h),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if args.env {
        chain = chain.with(EnvironmentSource);
    }
    match tables.resolve_connection(&args.reference, &args.subject, &args.namespace, &chain) {
        Ok(resolved) => {
            let json = resolved.to_json(args.show_secrets);
            if args.format == "json" {
                println!("{json}");
            } else if let Some(map) = json.as_object() {
                for (k, v) in map {
                    match v {
                        serde_json::Value::String(s) => println!("{k:12} {s}"),
                        serde_json::Value::Object(props) => {
                            println!("{k}:");
                            for (pk, pv) in props {
                                println!("  {pk:10} {}", pv.as_str().unwrap_or_default());
                            }
                        }
                        serde_json::Value::Null => {}
                        other => println!("{k:12} {other}"),
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
