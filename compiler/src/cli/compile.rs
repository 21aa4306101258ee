//! `rampart compile PATHS... --catalog FILE -o TABLES`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{report, Inputs};

/// Arguments of `compile`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// Where to write the tables (replaced atomically; untouched on failure).
    #[arg(short, long)]
    output: PathBuf,
}

pub fn run(args: Args) -> ExitCode {
    let compiled = match crate::compile::compile(&args.inputs.paths, args.inputs.catalog.as_deref())
    {
        Ok(c) => c,
        Err(diagnostics) => {
            report(&diagnostics);
            eprintln!("nothing written");
            return ExitCode::from(1);
        }
    };
    match crate::compile::write_tables(&compiled.data, &args.output) {
        Ok(size) => {
            let s = &compiled.stats;
            let peak = peak_memory_mib()
                .map(|m| format!(", peak memory {m} MiB"))
                .unwrap_or_default();

            println!(
                "compiled {} documents from {} files ({} permissions): {} principals, {} playbooks, {} configs, {} components, {} connections, {} rules, {} entries; {} bytes written to {} in {:.3}s",
                s.documents, s.files, s.permissions, s.principals, s.objects[0], s.objects[1], s.objects[2], s.objects[3], s.rules, s.entries, size,
                args.output.display(), s.elapsed.as_secs_f64()
            );
            if !peak.is_empty() {
                println!("{}", peak.trim_start_matches(", "));
            }

            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The process's peak resident memory, where the system reports it (Linux `VmHWM`).
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
