//! `rampart who-can -t TABLES --action ACTION [objects | --global OBJECT]`: every subject
//! allowed the action there.

use std::process::ExitCode;

use rampart_runtime::json_answers::principal_names;

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
    let names = principal_names(&tables, &tables.who_can(action, &target)?);
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
