//! `rampart who-can -t TABLES --action ACTION [objects | --global OBJECT]`: every subject
//! allowed the action there.

use std::process::ExitCode;

use crate::output::Output;
use crate::{Format, Outcome, TablesArgs, TargetArgs};

/// Arguments of `who-can`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    tables: TablesArgs,
    /// The action.
    #[arg(long)]
    action: String,
    #[command(flatten)]
    target: TargetArgs,
    /// `text` (one subject per line) or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    let tables = args.tables.load()?;
    let action = tables.action(&args.action)?;
    let target = args.target.ids(&tables)?;
    let names: Vec<String> = tables
        .who_can(action, &target)?
        .into_iter()
        .filter_map(|p| tables.principal_name(p))
        .collect();
    let mut out = Output::new();
    match args.format {
        Format::Json => out.line(serde_json::json!(names))?,
        Format::Text => {
            for name in names {
                out.line(rampart_runtime::text::Shown(&name))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
