//! `rampart inspect -t TABLES [--format json]`: table statistics.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `inspect`.
#[derive(clap::Args)]
pub struct Args {
    /// The table file.
    #[arg(short, long)]
    tables: PathBuf,
    /// `text` or `json`.
    #[arg(long, default_value = "text")]
    format: String,
}

pub fn run(args: Args) -> ExitCode {
    let size = std::fs::metadata(&args.tables)
        .map(|m| m.len())
        .unwrap_or(0);
    let started = std::time::Instant::now();
    let tables = match super::load_tables(&args.tables) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    let d = tables.data();
    let bitmap_bytes: usize = d.bitmaps.iter().map(|b| b.serialized_size()).sum();
    let stats = serde_json::json!({
        "file_bytes": size,
        "compiler": tables.compiler_version(),
        "load_ms": load_ms,
        "permissions": d.permissions.len(),
        "units": d.units.len(),
        "classes": d.classes.len(),
        "principals": d.principals.len(),
        "actions": d.actions.len(),
        "objects": { "playbooks": d.objects[0].len(), "configs": d.objects[1].len(), "components": d.objects[2].len(), "connections": d.objects[3].len() },
        "rules": d.rules.len(),
        "entries": d.entries.len(),
        "bitmaps": d.bitmaps.len(),
        "bitmap_bytes": bitmap_bytes,
        "selectors": d.selectors.len(),
        "predicates": d.predicates.len(),
        "connection_definitions": d.connections.len(),
    });
    if args.format == "json" {
        println!("{stats}");
    } else if let Some(map) = stats.as_object() {
        for (k, v) in map {
            println!("{k:24} {v}");
        }
    }
    ExitCode::SUCCESS
}
