//! `rampart access -t TABLES --as SUBJECT [--list] [--format json]`: what a subject may
//! do, action by action: global objects, and per category the known objects a
//! single-object request is allowed on.

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_runtime::Category;

/// Arguments of `access`.
#[derive(clap::Args)]
pub struct Args {
    /// The table file.
    #[arg(short, long)]
    tables: PathBuf,
    /// The subject.
    #[arg(long = "as")]
    subject: String,
    /// List the objects, not only count them.
    #[arg(long)]
    list: bool,
    /// `text` or `json`.
    #[arg(long, default_value = "text")]
    format: String,
}

pub fn run(args: Args) -> ExitCode {
    let tables = match super::load_tables(&args.tables) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let Some(principal) = tables.principal(&args.subject) else {
        eprintln!("error: unknown subject `{}`", args.subject);
        return ExitCode::from(1);
    };
    let mut report = serde_json::Map::new();
    for (action, access) in tables.access(principal) {
        let mut entry = serde_json::Map::new();
        entry.insert("globals".into(), serde_json::json!(access.globals));
        if !access.pairs.is_empty() {
            entry.insert("pairs".into(), serde_json::json!(access.pairs));
        }

        for c in Category::ALL {
            let objects = c.of(&access.objects);
            if objects.is_empty() {
                continue;
            }
            let value = if args.list {
                serde_json::json!(objects
                    .iter()
                    .filter_map(|o| tables.object_key(c, o))
                    .collect::<Vec<_>>())
            } else {
                serde_json::json!(objects.len())
            };
            entry.insert(format!("{}s", c.name()), value);
            if *c.of(&access.every_object) {
                entry.insert(format!("every_{}", c.name()), serde_json::json!(true));
            }
        }
        report.insert(action, serde_json::Value::Object(entry));
    }
    if args.format == "json" {
        println!("{}", serde_json::Value::Object(report));
    } else {
        for (action, entry) in report {
            println!("{action}: {entry}");
        }
    }
    ExitCode::SUCCESS
}
