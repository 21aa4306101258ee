//! The `rampart` command line: see `rampart --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    // An interrupted compile (Ctrl-C, SIGTERM) removes the temporary file it was writing;
    // the output file is untouched, as on any other failure.
    let _ = ctrlc::set_handler(|| {
        rampart_compiler::emit::remove_in_flight();
        std::process::exit(130);
    });
    rampart_compiler::cli::run()
}
