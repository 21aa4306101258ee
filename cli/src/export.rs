//! `rampart export access -t TABLES [--format csv|jsonl] [--category C]... [--action A]...`:
//! every (subject, action,
//! category, object) a one-object request is allowed on, ready for PostgreSQL `COPY`
//! (`COPY access FROM STDIN WITH (FORMAT csv, HEADER true)`; the CSV starts with the
//! header `subject,action,category,object`). Computed once per principal class and
//! written for each principal of the class.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use rampart_runtime::Category;

use crate::args::TablesArgs;
use crate::outcome::{Failure, Outcome};
use crate::output::Output;

/// Arguments of `export`.
#[derive(clap::Args)]
pub struct Args {
    /// What to export: `access`.
    what: String,
    #[command(flatten)]
    tables: TablesArgs,
    /// `csv` (with the header `subject,action,category,object`) or `jsonl`.
    #[arg(long, value_enum, default_value_t)]
    format: ExportFormat,
    /// Only these categories (repeatable; default all four).
    #[arg(long, value_parser = crate::args::parse_category)]
    category: Vec<Category>,
    /// Only these actions (repeatable; default every action).
    #[arg(long)]
    action: Vec<String>,
}

/// Export formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// `subject,action,category,object`, quoted as CSV needs.
    #[default]
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// The CSV's first line: the column names, for tools and `COPY ... HEADER true`.
const CSV_HEADER: &str = "subject,action,category,object";

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv(field: &str) -> std::borrow::Cow<'_, str> {
    if field.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", field.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(field)
    }
}

pub fn run(args: Args) -> Outcome {
    if args.what != "access" {
        return Err(Failure::Error(format!(
            "unknown export `{}`: `access`",
            args.what
        )));
    }
    let tables = args.tables.load()?;
    // Each object's key rendered once, as the end of a row in the output format: rows
    // are then two writes of ready bytes (the per-subject prefix and the key), which
    // keeps the export at memory speed.
    let keys: Vec<Vec<String>> = Category::ALL
        .iter()
        .map(|c| {
            tables
                .objects(*c)
                .map(|o| {
                    let key = tables.object_key(o).unwrap_or_default();
                    match args.format {
                        ExportFormat::Csv => format!("{}\n", csv(key)),
                        ExportFormat::Jsonl => format!("{}}}\n", serde_json::Value::from(key)),
                    }
                })
                .collect()
        })
        .collect();
    let mut wanted = Vec::new();
    for name in &args.action {
        wanted.push(tables.action(name)?);
    }
    let actions: Vec<_> = tables
        .actions()
        .filter(|(a, _)| wanted.is_empty() || wanted.contains(a))
        .map(|(a, n)| (a, n.to_string()))
        .collect();
    let categories: Vec<Category> = if args.category.is_empty() {
        Category::ALL.to_vec()
    } else {
        Category::ALL
            .into_iter()
            .filter(|c| args.category.contains(c))
            .collect()
    };
    let mut by_class: HashMap<u32, Vec<(usize, Category, roaring::RoaringBitmap)>> = HashMap::new();
    let mut out = Output::new();
    if args.format == ExportFormat::Csv {
        out.line(CSV_HEADER)?;
    }
    for principal in tables.principals() {
        let Some(class) = tables.principal_class(principal) else {
            continue;
        };
        let subject = tables.principal_name(principal).unwrap_or_default();
        if let std::collections::hash_map::Entry::Vacant(slot) = by_class.entry(class) {
            let mut grants = Vec::new();
            for (i, (action, _)) in actions.iter().enumerate() {
                for &c in &categories {
                    let listing = tables.list(principal, *action, c)?;
                    if !listing.is_empty() {
                        grants.push((i, c, listing.bitmap().clone()));
                    }
                }
            }
            slot.insert(grants);
        }
        let Some(grants) = by_class.get(&class) else {
            continue;
        };
        let w = out.writer();
        for (a, c, objects) in grants {
            let action = actions.get(*a).map(|(_, n)| n.as_str()).unwrap_or_default();
            let category = c.name();
            let prefix = match args.format {
                ExportFormat::Csv => format!("{},{},{category},", csv(&subject), csv(action)),
                ExportFormat::Jsonl => format!(
                    "{{\"subject\":{},\"action\":{},\"category\":\"{category}\",\"object\":",
                    serde_json::Value::from(subject.as_str()),
                    serde_json::Value::from(action)
                ),
            };
            let Some(names) = keys.get(c.index()) else {
                continue;
            };
            for o in objects {
                let Some(key) = names.get(o as usize) else {
                    continue;
                };
                w.write_all(prefix.as_bytes())
                    .and_then(|()| w.write_all(key.as_bytes()))
                    .map_err(crate::output::Stop::from)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
