//! `rampart access -t TABLES --as SUBJECT [--list] [--format json]`: what a subject may
//! do, action by action: global objects, the known objects of each category (counted, or
//! by name with `--list`), the pairs of categories it may act on only together (with the
//! `rampart list` command that lists them; JSON keeps every pair), and whether a request
//! naming nothing is allowed.

use std::process::ExitCode;

use rampart_runtime::text::Shown;
use rampart_runtime::{Category, ObjectId, Tables};

use crate::args::SubjectArgs;
use crate::outcome::Outcome;
use crate::output::{Format, Output};

/// Arguments of `access`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    subject: SubjectArgs,
    /// List the objects by name, not only count them.
    #[arg(long)]
    list: bool,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// The keys of objects given by index.
pub(crate) fn keys(
    tables: &Tables,
    category: Category,
    objects: &roaring::RoaringBitmap,
) -> Vec<String> {
    objects
        .iter()
        .filter_map(|i| tables.object_at(category, i))
        .filter_map(|o: ObjectId| tables.object_key(o).map(str::to_string))
        .collect()
}

pub fn run(args: Args) -> Outcome {
    let (tables, principal) = args.subject.resolve()?;
    let access = tables.access(principal)?;
    let mut out = Output::new();
    let mut report = serde_json::Map::new();
    for a in &access {
        let name = tables.action_name(a.action).unwrap_or_default().to_string();
        let mut entry = serde_json::Map::new();
        entry.insert("globals".into(), serde_json::json!(a.globals));
        for c in Category::ALL {
            let objects = c.of(&a.objects);
            if objects.is_empty() {
                continue;
            }
            let value = if args.list {
                serde_json::json!(keys(&tables, c, objects))
            } else {
                serde_json::json!(objects.len())
            };
            entry.insert(c.plural().into(), value);
        }
        if !a.pairs.is_empty() {
            entry.insert(
                "pairs".into(),
                serde_json::json!(a.pairs.iter().map(|p| p.to_string()).collect::<Vec<_>>()),
            );
        }
        if a.unscoped {
            entry.insert("unscoped".into(), serde_json::json!(true));
        }
        match args.format {
            Format::Json => {}
            Format::Text => {
                out.line(format!("{name}:"))?;
                if !a.globals.is_empty() {
                    out.line(format!("  global objects: {}", a.globals.join(", ")))?;
                }
                for c in Category::ALL {
                    let objects = c.of(&a.objects);
                    if objects.is_empty() {
                        continue;
                    }
                    if args.list {
                        out.line(format!("  {}:", c.plural()))?;
                        for key in keys(&tables, c, objects) {
                            out.line(format!("    {}", Shown(&key)))?;
                        }
                    } else {
                        out.line(format!("  {}: {}", c.plural(), objects.len()))?;
                    }
                }
                // Only the pairs the one-object lines above do not already cover: a
                // subject allowed every config and every playbook is not told that it
                // may also name one of each.
                for p in &a.joint {
                    out.line(format!(
                        "  {} together with a {}: `rampart list -t {} --as {} --action {name} --category {} --{} {}` lists them",
                        p.second().plural(),
                        p.first(),
                        args.subject.tables.tables.display(),
                        args.subject.subject,
                        p.second().plural(),
                        p.first(),
                        match p.first() {
                            Category::Playbook | Category::Connection => "NS/NAME",
                            Category::Config | Category::Component => "ID",
                        }
                    ))?;
                }
                if a.unscoped {
                    out.line("  requests naming no object")?;
                }
            }
        }
        report.insert(name, serde_json::Value::Object(entry));
    }
    if args.format == Format::Json {
        out.line(serde_json::Value::Object(report))?;
    }
    Ok(ExitCode::SUCCESS)
}
