//! `rampart connections --used-by PATHS... [--catalog FILE] [--format json]`: which
//! documents use which connections (every `connection://` string in any document).

use std::collections::BTreeMap;
use std::process::ExitCode;

use rampart_runtime::text::Shown;

use crate::args::Inputs;
use crate::outcome::{report, Outcome};
use crate::output::{Format, Output};

/// Arguments of `connections`.
#[derive(clap::Args)]
pub struct Args {
    /// List connection -> documents that reference it.
    #[arg(long, required = true)]
    used_by: bool,
    #[command(flatten)]
    inputs: Inputs,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    let validated = match rampart_compiler::compile::validate_with(
        &args.inputs.paths,
        args.inputs.catalog.as_deref(),
        args.inputs.options(),
        &|_| {},
    ) {
        Ok(validated) => validated,
        Err(diagnostics) => {
            report(&diagnostics, args.format);
            return Ok(ExitCode::from(1));
        }
    };
    let _ = args.used_by;
    let mut uses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for u in &validated.documents.uses {
        if let Ok(r) = &u.reference {
            uses.entry(format!("connection://{}", r.key(&u.namespace)))
                .or_default()
                .push(format!("{} ({})", u.document, u.location.display()));
        }
    }
    let mut out = Output::new();
    match args.format {
        Format::Json => out.line(serde_json::json!(uses))?,
        Format::Text => {
            if uses.is_empty() {
                out.line("none: no document uses a `connection://` reference")?;
            }
            for (connection, users) in &uses {
                out.line(Shown(connection))?;
                for user in users {
                    out.line(format!("  {}", Shown(user)))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
