//! What the commands that read Mission Control's database share: how a database error
//! is printed (with its help line; exit 2) and how a read's progress is shown.

use std::process::ExitCode;

use rampart_mission_control::catalog_read::Progress;
use rampart_mission_control::error::SourceError;

/// Prints a database error with its help line; exit 2.
pub(crate) fn database_failure(error: &SourceError) -> ExitCode {
    let message = error.to_string();
    let mut lines = message.lines();
    eprintln!(
        "error: {}",
        rampart_compiler::diagnostic::escape_controls(lines.next().unwrap_or(""))
    );
    for line in lines {
        eprintln!("{}", rampart_compiler::diagnostic::escape_controls(line));
    }
    if let Some(help) = error.help() {
        for (i, line) in help.lines().enumerate() {
            let lead = if i == 0 { "  = help: " } else { "  " };
            eprintln!(
                "{lead}{}",
                rampart_compiler::diagnostic::escape_controls(line)
            );
        }
    }
    ExitCode::from(2)
}

/// The progress message of a read.
pub(crate) fn progress_message(p: Progress) -> String {
    if p.estimate > 0 {
        format!("{}: {} of about {}", p.list.name(), p.rows, p.estimate)
    } else {
        format!("{}: {}", p.list.name(), p.rows)
    }
}
