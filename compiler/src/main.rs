//! The `rampart` command line: see `rampart --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    rampart_compiler::cli::run()
}
