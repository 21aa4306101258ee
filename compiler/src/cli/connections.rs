//! `rampart connections --used-by PATHS... [--catalog FILE] [--format json]`: which
//! documents use which connections (every `connection://` string in any document).

use std::collections::BTreeMap;
use std::process::ExitCode;

use super::{report, Inputs};

/// Arguments of `connections`.
#[derive(clap::Args)]
pub struct Args {
    /// List connection -> documents that reference it.
    #[arg(long, required = true)]
    used_by: bool,
    #[command(flatten)]
    inputs: Inputs,
    /// `text` or `json`.
    #[arg(long, default_value = "text")]
    format: String,
}

pub fn run(args: Args) -> ExitCode {
    let (documents, _world, _model) =
        match crate::compile::check(&args.inputs.paths, args.inputs.catalog.as_deref()) {
            Ok(checked) => checked,
            Err(diagnostics) => {
                report(&diagnostics);
                return ExitCode::from(1);
            }
        };
    let _ = args.used_by;
    let mut uses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for u in &documents.uses {
        if let Ok(r) = &u.reference {
            uses.entry(format!("connection://{}", r.key(&u.namespace)))
                .or_default()
                .push(format!("{} ({})", u.document, u.location.display()));
        }
    }
    if args.format == "json" {
        println!("{}", serde_json::to_string(&uses).unwrap_or_default());
    } else {
        for (connection, users) in &uses {
            println!("{connection}");
            for user in users {
                println!("  {user}");
            }
        }
    }
    ExitCode::SUCCESS
}
