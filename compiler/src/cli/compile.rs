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
            println!(
                "compiled {} documents from {} files ({} permissions): {} principals, {} playbooks, {} configs, {} components, {} connections, {} rules, {} entries; {} bytes written to {} in {:.3}s",
                s.documents, s.files, s.permissions, s.principals, s.objects[0], s.objects[1], s.objects[2], s.objects[3], s.rules, s.entries, size,
                args.output.display(), s.elapsed.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
