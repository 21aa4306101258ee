//! `rampart resolve REFERENCE --as SUBJECT -t TABLES [--secrets DIR] [--helm-values DIR]
//! [--env] [--namespace NS] [--show-secrets] [--format json]`: authorized connection
//! resolution. Secrets are masked unless `--show-secrets` is given. A subject that may not
//! read the connection gets the same refusal whether or not it exists (exit 1); every
//! other failure is an error (exit 2), and a secret that no source was named for says
//! which source flags exist.

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_runtime::connection::{EnvironmentSource, ResolveErrorKind, SourceChain};
use rampart_runtime::json_answers::connection_json;
use rampart_runtime::text::Shown;
use serde_json::Value;

use crate::args::TablesArgs;
use crate::outcome::{Failure, Outcome};
use crate::output::{Format, Output};
use rampart_compiler::secrets::{HelmValuesDirectory, ManifestDirectory};

/// The help of a secret that could not be read because no source was named.
const NO_SOURCES: &str = "no secret source was given: name where secrets are read with `--secrets DIR` (Kubernetes Secret and ConfigMap manifests), `--helm-values DIR` (Helm values per release) or `--env` (the process environment, `RAMPART_SECRET_<NAMESPACE>__<NAME>__<KEY>`)";

/// Arguments of `resolve`.
#[derive(clap::Args)]
pub struct Args {
    /// `connection://[namespace/]name`, `connection://type/namespace/name`, or an id.
    reference: String,
    /// The subject that needs the connection.
    #[arg(long = "as")]
    subject: String,
    #[command(flatten)]
    tables: TablesArgs,
    /// A directory of Kubernetes Secret and ConfigMap manifests.
    #[arg(long)]
    secrets: Option<PathBuf>,
    /// A directory of Helm values files per release.
    #[arg(long)]
    helm_values: Option<PathBuf>,
    /// Also look secrets up in the process environment
    /// (`RAMPART_SECRET_<NAMESPACE>__<NAME>__<KEY>`).
    #[arg(long)]
    env: bool,
    /// The namespace of a reference that names none.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// Print secret values instead of masks.
    #[arg(long)]
    show_secrets: bool,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    let tables = args.tables.load()?;
    let sources = args.secrets.is_some() || args.helm_values.is_some() || args.env;
    let mut chain = SourceChain::new();
    if let Some(dir) = &args.secrets {
        chain = chain.with(ManifestDirectory::load(dir).map_err(Failure::Error)?);
    }
    if let Some(dir) = &args.helm_values {
        chain = chain.with(HelmValuesDirectory::new(dir).map_err(Failure::Error)?);
    }
    if args.env {
        chain = chain.with(EnvironmentSource);
    }
    let resolved =
        match tables.resolve_connection(&args.reference, &args.subject, &args.namespace, &chain) {
            Ok(r) => r,
            // Only a refusal is the denied code (1); anything else is an error (2).
            Err(e) if e.kind() == ResolveErrorKind::Denied => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(1));
            }
            Err(e) if e.kind() == ResolveErrorKind::Source && !sources => {
                return Err(Failure::Helped(e.to_string(), NO_SOURCES.to_string()));
            }
            Err(e) => return Err(Failure::Error(e.to_string())),
        };
    let json = connection_json(&resolved, args.show_secrets);
    let mut out = Output::new();
    match args.format {
        Format::Json => out.line(json)?,
        Format::Text => {
            if let Some(map) = json.as_object() {
                for (k, v) in map {
                    match v {
                        Value::String(s) => out.line(format!("{k:12} {}", Shown(s)))?,
                        Value::Bool(b) => out.line(format!("{k:12} {b}"))?,
                        Value::Object(props) => {
                            out.line(format!("{k}:"))?;
                            for (pk, pv) in props {
                                out.line(format!(
                                    "  {:10} {}",
                                    Shown(pk),
                                    Shown(pv.as_str().unwrap_or_default())
                                ))?;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
