//! `rampart who-can -t TABLES --action ACTION [objects | --global OBJECT]`: every subject
//! allowed the action on those objects.

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_runtime::{Category, ObjectIds, ObjectRef};

/// Arguments of `who-can`.
#[derive(clap::Args)]
pub struct Args {
    /// The table file.
    #[arg(short, long)]
    tables: PathBuf,
    /// The action.
    #[arg(long)]
    action: String,
    #[command(flatten)]
    target: super::TargetArgs,
    /// `text` (one subject per line) or `json`.
    #[arg(long, default_value = "text")]
    format: String,
}

pub fn run(args: Args) -> ExitCode {
    let tables = match super::load_tables(&args.tables) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let Some(action) = tables.action(&args.action) else {
        eprintln!("error: unknown action `{}`", args.action);
        return ExitCode::from(1);
    };
    let principals = match (&args.target.global, args.target.objects()) {
        (Some(g), None) => match tables.global(g) {
            Some(g) => tables.who_can_global(action, g),
            None => {
                eprintln!("error: unknown global object `{g}`");
                return ExitCode::from(1);
            }
        },
        (None, Some(objects)) => {
            let mut ids = ObjectIds::default();
            let named = [
                (Category::Playbook, &objects.playbook),
                (Category::Config, &objects.config),
                (Category::Component, &objects.component),
                (Category::Connection, &objects.connection),
            ];
            for (category, object) in named {
                if let Some(ObjectRef::Key(key)) = object {
                    match tables.object(category, key) {
                        Some(id) => ids.set(category, id),
                        None => {
                            eprintln!("error: unknown {category} `{key}`");
                            return ExitCode::from(1);
                        }
                    }
                }
            }
            tables.who_can(action, &ids)
        }
        _ => {
            eprintln!("error: name objects (--playbook, --config, --component, --connection) or one --global object");
            return ExitCode::from(2);
        }
    };
    let names: Vec<String> = principals
        .into_iter()
        .filter_map(|p| tables.principal_name(p))
        .collect();
    if args.format == "json" {
        println!("{}", serde_json::to_string(&names).unwrap_or_default());
    } else {
        for name in names {
            println!("{name}");
        }
    }
    ExitCode::SUCCESS
}
