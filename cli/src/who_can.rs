//! `rampart who-can -t TABLES --action ACTION [objects | --global OBJECT]`: every subject
//! allowed the action there, and, asked about one object, the subjects allowed only
//! together with an object of another category (their grants name both, as
//! `playbook:run` on a playbook with configs does), each with the condition that object
//! must meet — listed, never silently left out.

use std::process::ExitCode;

use rampart_runtime::json_answers::{principal_names, who_can_json};
use rampart_runtime::text::Shown;

use crate::args::{TablesArgs, TargetArgs};
use crate::outcome::Outcome;
use crate::output::{Format, Output};

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
    /// `text` (one subject per line, then a `#` line per conditional subject) or
    /// `json` (`{subjects, conditional: [{subject, with, allow_all, allow, deny_all,
    /// deny}]}`).
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    let tables = args.tables.load()?;
    let action = tables.action(&args.action)?;
    let target = args.target.ids(&tables)?;
    let subjects = tables.who_can(action, &target)?;
    // One object alone: also who may act on it only together with a second object.
    let conditional = tables.who_can_conditional(action, &target)?;
    let mut out = Output::new();
    match args.format {
        Format::Json => out.line(who_can_json(&tables, &subjects, &conditional))?,
        Format::Text => {
            for name in principal_names(&tables, &subjects) {
                out.line(Shown(&name))?;
            }
            for c in &conditional {
                let Some(name) = tables.principal_name(c.principal) else {
                    continue;
                };
                out.line(format!(
                    "# {} only together with {}",
                    Shown(&name),
                    Shown(&c.condition_text())
                ))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
