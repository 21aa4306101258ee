//! `rampart diff OLD NEW [--format json]`: access gained and lost between two table files,
//! per subject and action: global objects, and known objects by key (so tables compiled
//! from different catalogs compare by name). The cost grows with subjects x objects: it
//! is an audit tool for reviewing a policy change, not something to run per request.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

use rampart_runtime::{Category, Tables};

/// Arguments of `diff`.
#[derive(clap::Args)]
pub struct Args {
    /// The tables before the change.
    old: PathBuf,
    /// The tables after the change.
    new: PathBuf,
    /// `text` or `json`.
    #[arg(long, default_value = "text")]
    format: String,
}

/// Everything a subject may do, by name: action -> set of `global:x` / `category:key`.
fn grants(tables: &Tables, subject: &str) -> BTreeMap<String, BTreeSet<String>> {
    let Some(principal) = tables.principal(subject) else {
        return BTreeMap::new();
    };
    tables
        .access(principal)
        .into_iter()
        .map(|(action, access)| {
            let mut set: BTreeSet<String> = access
                .globals
                .iter()
                .map(|g| format!("global:{g}"))
                .collect();
            for c in Category::ALL {
                set.extend(
                    c.of(&access.objects)
                        .iter()
                        .filter_map(|o| tables.object_key(c, o))
                        .map(|k| format!("{c}:{k}")),
                );
            }
            set.extend(access.pairs.iter().map(|p| format!("pair:{p}")));
            (action, set)
        })
        .collect()
}

fn subjects(tables: &Tables) -> BTreeSet<String> {
    (0..tables.data().principals.len() as u32)
        .filter_map(|p| tables.principal_name(rampart_runtime::PrincipalId(p)))
        .collect()
}

pub fn run(args: Args) -> ExitCode {
    let (old, new) = match (super::load_tables(&args.old), super::load_tables(&args.new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let mut changes = Vec::new();
    for subject in subjects(&old).union(&subjects(&new)) {
        let (before, after) = (grants(&old, subject), grants(&new, subject));
        let actions: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        for action in actions {
            let empty = BTreeSet::new();
            let (b, a) = (
                before.get(action).unwrap_or(&empty),
                after.get(action).unwrap_or(&empty),
            );
            let gained: Vec<&String> = a.difference(b).collect();
            let lost: Vec<&String> = b.difference(a).collect();
            if !gained.is_empty() || !lost.is_empty() {
                changes.push(serde_json::json!({"subject": subject, "action": action, "gained": gained, "lost": lost}));
            }
        }
    }
    if args.format == "json" {
        println!("{}", serde_json::Value::Array(changes));
    } else {
        for c in &changes {
            println!(
                "{} {}: gained {} lost {}",
                c["subject"].as_str().unwrap_or_default(),
                c["action"].as_str().unwrap_or_default(),
                c["gained"],
                c["lost"]
            );
        }
        println!(
            "{} change{}",
            changes.len(),
            if changes.len() == 1 { "" } else { "s" }
        );
    }
    ExitCode::SUCCESS
}
