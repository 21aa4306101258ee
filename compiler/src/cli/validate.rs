//! `rampart validate PATHS... [--catalog FILE]`.

use std::process::ExitCode;

use super::{report, Inputs};

/// Arguments of `validate`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
}

pub fn run(args: Args) -> ExitCode {
    match crate::compile::check(&args.inputs.paths, args.inputs.catalog.as_deref()) {
        Ok((documents, world, model)) => {
            println!(
                "valid: {} files, {} documents ({} permissions, {} groups, {} connections), {} principals, {} rules",
                documents.files,
                documents.documents,
                documents.permissions.len(),
                documents.groups.len(),
                world.connections.len(),
                model.units.principals.len(),
                model.rules.len()
            );
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            report(&diagnostics);
            ExitCode::from(1)
        }
    }
}
