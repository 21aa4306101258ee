//! `rampart completions bash|zsh|fish|elvish|powershell`: shell completions on stdout.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::{Cli, Outcome};

/// Arguments of `completions`.
#[derive(clap::Args)]
pub struct Args {
    /// The shell.
    shell: clap_complete::Shell,
}

/// The clap command, for completions and documentation.
pub fn command() -> clap::Command {
    Cli::command()
}

pub fn run(args: Args) -> Outcome {
    let mut cmd = command();
    clap_complete::generate(args.shell, &mut cmd, "rampart", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
