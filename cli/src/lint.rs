//! `rampart lint PATHS... --catalog FILE [--deny-warnings] [--format text|json]`.

use std::process::ExitCode;

use crate::args::Inputs;
use crate::outcome::{report, Outcome};
use crate::output::{counted, Format, Output};

/// Arguments of `lint`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// Exit 1 when there is any finding.
    #[arg(long)]
    deny_warnings: bool,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    // Without a catalog every selector matches nothing and no service subject exists:
    // the findings would be noise, or silently absent.
    if args.inputs.catalog.is_none() {
        return Err(crate::outcome::Failure::Error(
            "`lint` needs `--catalog FILE`: its findings are about the documents against the catalog (what selectors match, who is covered); `rampart validate` checks documents without one".into(),
        ));
    }
    let validated = match rampart_compiler::compile::validate_with(
        &args.inputs.paths,
        args.inputs.catalog.as_deref(),
        args.inputs.options(),
        &|_| {},
    ) {
        Ok(c) => c,
        Err(diagnostics) => {
            report(&diagnostics, args.format);
            return Ok(ExitCode::from(1));
        }
    };
    let expanded = rampart_compiler::expand::expand(&validated.world, &validated.model);
    // The warnings of validation (documents being deleted, ...) come first.
    let mut findings = validated.warnings.clone();
    findings.extend(rampart_compiler::lint::lint(
        &validated.world,
        &validated.documents,
        &validated.model,
        &expanded,
    ));
    let mut out = Output::new();
    match args.format {
        Format::Json => out.line(serde_json::json!({
            "findings": findings.len(),
            "diagnostics": findings.iter().map(rampart_compiler::diagnostic::Diagnostic::to_json).collect::<Vec<_>>(),
        }))?,
        Format::Text => {
            if findings.is_empty() {
                out.line(counted(0, "finding"))?;
            } else {
                out.line(rampart_compiler::diagnostic::render_all(&findings).trim_end())?;
            }
        }
    }
    Ok(if args.deny_warnings && !findings.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
