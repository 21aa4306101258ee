//! `rampart validate PATHS... [--catalog FILE] [--format text|json]`.

use std::process::ExitCode;

use crate::args::Inputs;
use crate::outcome::{report, Outcome};
use crate::output::{counted, Format, Output};

/// Arguments of `validate`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    match rampart_compiler::compile::validate_with(
        &args.inputs.paths,
        args.inputs.catalog.as_deref(),
        args.inputs.options(),
        &|_| {},
    ) {
        Ok(validated) => {
            for w in &validated.warnings {
                eprint!("{}", w.render());
            }
            let d = &validated.documents;
            let mut out = Output::new();
            let skipped: Vec<String> = d.skipped.iter().map(|(k, n)| format!("{n} {k}")).collect();
            match args.format {
                Format::Json => out.line(serde_json::json!({
                    "valid": true,
                    "files": d.files,
                    "documents": d.documents,
                    "permissions": d.permissions.len(),
                    "groups": d.groups.len(),
                    "connections": validated.connections.len(),
                    "tests": d.tests.len(),
                    "principals": validated.model.units.principals.len(),
                    "rules": validated.model.rules.len(),
                    "skipped": d.skipped,
                }))?,
                Format::Text => {
                    out.line(format!(
                        "valid: {}, {} ({}, {}, {}, {}), {}, {}",
                        counted(d.files, "file"),
                        counted(d.documents, "document"),
                        counted(d.permissions.len(), "permission"),
                        counted(d.groups.len(), "group"),
                        counted(validated.connections.len(), "connection"),
                        counted(d.tests.len(), "test"),
                        counted(validated.model.units.principals.len(), "principal"),
                        counted(validated.model.rules.len(), "rule")
                    ))?;
                    if args.inputs.catalog.is_none() {
                        out.line(
                            "(no catalog: names were not looked up; pass --catalog to check them)",
                        )?;
                    }
                    if !skipped.is_empty() {
                        out.line(format!(
                            "skipped (other API groups): {}",
                            skipped.join(", ")
                        ))?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(diagnostics) => {
            report(&diagnostics, args.format);
            Ok(ExitCode::from(1))
        }
    }
}
