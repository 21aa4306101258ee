//! Standard output for commands: buffered, and quiet when the reader goes away (`rampart
//! who-can ... | head` ends the command instead of panicking on a closed pipe).

use std::io::{self, BufWriter, Stdout, Write};

use clap::ValueEnum;

/// Why a command stopped writing.
#[derive(Debug)]
pub enum Stop {
    /// The reader closed the pipe: exit quietly.
    Closed,
    /// Another write error.
    Failed(io::Error),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Stop {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Stop::Closed
        } else {
            Stop::Failed(e)
        }
    }
}

/// Buffered standard output.
pub struct Output {
    out: BufWriter<Stdout>,
}

impl Default for Output {
    fn default() -> Self {
        Output::new()
    }
}

impl Output {
    /// Standard output.
    pub fn new() -> Output {
        Output {
            out: BufWriter::new(io::stdout()),
        }
    }

    /// Writes one line.
    pub fn line(&mut self, text: impl std::fmt::Display) -> Result<(), Stop> {
        writeln!(self.out, "{text}")?;
        Ok(())
    }

    /// Flushes.
    pub fn flush(&mut self) -> Result<(), Stop> {
        self.out.flush()?;
        Ok(())
    }

    /// The writer, for `serde_json::to_writer` and friends.
    pub fn writer(&mut self) -> &mut impl Write {
        &mut self.out
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

/// `n` and a noun in its number: `1 file`, `2 files`, `0 files` (every noun the command
/// line counts takes a plain `s`).
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// One JSON document (or JSON lines where the output is a stream).
    Json,
}

/// A number shown with at most `digits` decimals (`0.26`, not `0.26036899999999996`).
pub(crate) fn rounded(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}
