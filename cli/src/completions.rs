//! `rampart completions bash|zsh|fish|elvish|powershell`: shell completions on stdout.

use std::process::ExitCode;

use crate::outcome::Outcome;

/// Arguments of `completions`.
#[derive(clap::Args)]
pub struct Args {
    /// The shell.
    shell: clap_complete::Shell,
}

/// Writes the completions of `command` (the whole `rampart` command line, from `main`).
pub fn run(args: Args, mut cmd: clap::Command) -> Outcome {
    clap_complete::generate(args.shell, &mut cmd, "rampart", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
