//! `rampart check -t TABLES --as SUBJECT --action ACTION [objects] [--explain]` and
//! `rampart check -t TABLES --batch FILE` (`-` for stdin): one JSON request per line in,
//! exactly one JSON line out per line in, in order. Exit 0 allowed, 1 denied, 2 error;
//! for a batch, 0 when every line was decided and 2 when any line was an error.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use rampart_runtime::{Request, Tables};

use crate::args::{TablesArgs, TargetArgs};
use crate::outcome::{Failure, Outcome};
use crate::output::{Format, Output};
use rampart_runtime::json::batch::{decide_line, error_line};
use rampart_runtime::json::response::{response_json, response_text};
use rampart_runtime::json::strict::Problems;

/// The longest batch line read (longer lines are errors).
const LINE_LIMIT: usize = 1 << 20;

/// Arguments of `check`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    tables: TablesArgs,
    /// The subject: `email|id|name`, `playbook:NS/NAME` or `notification:NS/NAME`.
    #[arg(long = "as", required_unless_present = "batch")]
    subject: Option<String>,
    /// The action, such as `read` or `playbook:run`.
    #[arg(long, required_unless_present = "batch")]
    action: Option<String>,
    #[command(flatten)]
    target: TargetArgs,
    /// Say which permissions decided (and, for a denial, the nearest allow rules).
    #[arg(long)]
    explain: bool,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// JSON lines of requests (`-` for stdin); one JSON line out per line in.
    #[arg(long, conflicts_with_all = ["subject", "action"])]
    batch: Option<PathBuf>,
}

pub fn run(args: Args) -> Outcome {
    let tables = args.tables.load()?;
    if let Some(batch) = &args.batch {
        return run_batch(&tables, batch, args.explain);
    }
    let subject = args.subject.as_deref().unwrap_or_default();
    let action = args.action.as_deref().unwrap_or_default();
    let request = Request::new(subject, action, args.target.target());
    let response = if args.explain {
        tables.explain(&request)
    } else {
        tables.is_authorized(&request)
    }?;
    let mut out = Output::new();
    match args.format {
        Format::Json => out.line(response_json(&response))?,
        Format::Text => {
            for line in response_text(&response) {
                out.line(line)?;
            }
        }
    }
    Ok(if response.is_allowed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Reads one line of at most [`LINE_LIMIT`] bytes (without its newline); `None` at the end.
fn next_line(reader: &mut dyn BufRead) -> std::io::Result<Option<Result<String, String>>> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            if line.is_empty() && !too_long {
                return Ok(None);
            }
            break;
        }
        let (chunk, done) = match buffer.iter().position(|b| *b == b'\n') {
            Some(i) => (buffer.get(..i).unwrap_or(&[]), Some(i + 1)),
            None => (buffer, None),
        };
        if line.len() + chunk.len() > LINE_LIMIT {
            too_long = true;
        } else {
            line.extend_from_slice(chunk);
        }
        let consumed = done.unwrap_or(buffer.len());
        reader.consume(consumed);
        if done.is_some() {
            break;
        }
    }
    if too_long {
        return Ok(Some(Err(format!(
            "the line is longer than {LINE_LIMIT} bytes"
        ))));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(
        String::from_utf8(line).map_err(|_| "the line is not UTF-8".to_string()),
    ))
}

fn run_batch(tables: &Tables, path: &PathBuf, explain: bool) -> Outcome {
    let mut reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| Failure::Error(format!("cannot read `{}`: {e}", path.display())))?;
        Box::new(std::io::BufReader::new(file))
    };
    let mut out = Output::new();
    let mut errors = 0usize;
    let mut n = 0usize;
    loop {
        let line = next_line(reader.as_mut())
            .map_err(|e| Failure::Error(format!("cannot read line {}: {e}", n + 1)))?;
        let Some(line) = line else { break };
        n += 1;
        let json = match line
            .map_err(|error| Problems::one(error, None))
            .and_then(|l| decide_line(tables, &l, explain))
        {
            Ok(json) => json,
            Err(problems) => {
                errors += 1;
                error_line(n, &problems)
            }
        };
        out.line(json)?;
    }
    out.flush()?;
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
