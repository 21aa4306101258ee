//! `rampart inspect -t TABLES [--format json]`: table statistics.

use std::process::ExitCode;

use crate::args::TablesArgs;
use crate::outcome::Outcome;
use crate::output::{rounded, Format, Output};

/// Arguments of `inspect`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    tables: TablesArgs,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    let size = std::fs::metadata(&args.tables.tables)
        .map(|m| m.len())
        .unwrap_or(0);
    let started = std::time::Instant::now();
    let tables = args.tables.load()?;
    let load_ms = rounded(started.elapsed().as_secs_f64() * 1000.0, 2);
    let s = tables.statistics();
    let names = ["playbooks", "configs", "components", "connections"];
    let per = |v: [usize; 4]| {
        names
            .iter()
            .zip(v)
            .map(|(n, v)| (n.to_string(), v))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let stats = serde_json::json!({
        "file_bytes": size,
        "compiler": tables.compiler_version(),
        "revision": tables.revision(),
        "signed": tables.is_signed(),
        "load_ms": load_ms,
        "permissions": s.permissions,
        "principals": s.principals,
        "principal_classes": s.principal_classes,
        "actions": s.actions,
        "objects": per(s.objects),
        "object_classes": per(s.object_classes),
        "rules": s.rules,
        "entries": s.entries,
        "rows": s.rows,
        "pair_tables": s.pair_tables,
        "pair_exceptions": s.pair_exceptions,
        "blocks": s.blocks,
        "block_list_entries": s.block_list_entries,
        "selectors": s.selectors,
        "connection_definitions": s.connections,
        "index_bytes": s.index_bytes,
    });
    let mut out = Output::new();
    match args.format {
        Format::Json => out.line(stats)?,
        Format::Text => {
            if let Some(map) = stats.as_object() {
                for (k, v) in map {
                    out.line(format!("{k:24} {v}"))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
