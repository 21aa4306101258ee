//! `rampart schema [KIND] [--write DIR]`: JSON Schemas (draft-07) for editors, derived from
//! the parser's own types. KIND is `permission`, `permissiongroup`, `connection`,
//! `playbook`, `notification`, `permissiontest`, `catalog`, or `all` (the default: one
//! schema for every document kind, chosen by `kind`, for editors that take one schema per
//! file). `--write DIR` writes `<kind>.schema.json` for every kind and `all.schema.json`,
//! where a `# yaml-language-server: $schema=DIR/permission.schema.json` modeline finds them.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::outcome::{Failure, Outcome};
use crate::output::Output;
use rampart_compiler::schema::{schema, KINDS};

/// Arguments of `schema`.
#[derive(clap::Args)]
pub struct Args {
    /// The kind (default `all`).
    #[arg(default_value = "all")]
    kind: String,
    /// Write every schema into this directory instead of printing one.
    #[arg(long, value_name = "DIR")]
    write: Option<PathBuf>,
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

pub fn run(args: Args) -> Outcome {
    if let Some(dir) = &args.write {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::Error(format!("cannot create `{}`: {e}", dir.display())))?;
        let mut out = Output::new();
        for kind in KINDS.iter().chain(&["all"]) {
            let path = dir.join(format!("{kind}.schema.json"));
            let text = schema(kind).map(|s| pretty(&s)).unwrap_or_default();
            rampart_compiler::emit::write_atomically(format!("{text}\n").as_bytes(), &path)
                .map_err(|e| Failure::Error(e.to_string()))?;
            out.line(format!("wrote {}", path.display()))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    match schema(&args.kind.to_ascii_lowercase()) {
        Some(s) => {
            Output::new().line(pretty(&s))?;
            Ok(ExitCode::SUCCESS)
        }
        None => Err(Failure::Error(format!(
            "unknown schema `{}`: {}, or all",
            args.kind,
            KINDS.join(", ")
        ))),
    }
}
