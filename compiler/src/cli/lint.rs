//! `rampart lint PATHS... --catalog FILE [--deny-warnings]`.

use std::process::ExitCode;

use super::{report, Inputs};

/// Arguments of `lint`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// Exit 1 when there is any finding.
    #[arg(long)]
    deny_warnings: bool,
}

pub fn run(args: Args) -> ExitCode {
    let compiled = match crate::compile::compile(&args.inputs.paths, args.inputs.catalog.as_deref())
    {
        Ok(c) => c,
        Err(diagnostics) => {
            report(&diagnostics);
            return ExitCode::from(1);
        }
    };
    let findings = crate::lint::lint(&compiled.documents, &compiled.data);
    for f in &findings {
        println!("warning: {}: {}", f.source, f.message);
    }
    println!(
        "{} finding{}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" }
    );
    if args.deny_warnings && !findings.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
