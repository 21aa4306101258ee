//! `rampart check -t TABLES --as SUBJECT --action ACTION [objects] [--explain]` and
//! `rampart check -t TABLES --batch FILE` (`-` for stdin), one JSON request per line.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use rampart_runtime::{Request, Tables};

/// Arguments of `check`.
#[derive(clap::Args)]
pub struct Args {
    /// The table file.
    #[arg(short, long)]
    tables: PathBuf,
    /// The subject: `email|id|name`, `playbook:NS/NAME` or `notification:NS/NAME`.
    #[arg(long = "as", required_unless_present = "batch")]
    subject: Option<String>,
    /// The action, such as `read` or `playbook:run`.
    #[arg(long, required_unless_present = "batch")]
    action: Option<String>,
    #[command(flatten)]
    target: super::TargetArgs,
    /// List the permissions that decided.
    #[arg(long)]
    explain: bool,
    /// Print the decision as JSON.
    #[arg(long, default_value = "text")]
    format: String,
    /// JSON lines of requests (`-` for stdin); one JSON decision per output line.
    #[arg(long, conflicts_with_all = ["subject", "action"])]
    batch: Option<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let tables = match super::load_tables(&args.tables) {
        Ok(t) => t,
        Err(code) => return code,
    };
    if let Some(batch) = &args.batch {
        return run_batch(&tables, batch, args.explain);
    }
    let request = Request {
        subject: args.subject.clone().unwrap_or_default(),
        action: args.action.clone().unwrap_or_default(),
        objects: args.target.objects(),
        global: args.target.global.clone(),
    };
    let decision = tables.decide(&request, args.explain);
    if args.format == "json" {
        println!("{}", decision.to_json());
    } else {
        println!(
            "{}",
            if decision.allowed {
                "allowed"
            } else {
                "denied"
            }
        );
        println!("reason: {}", decision.reason);
        for p in &decision.permissions {
            println!("  {} {} ({})", p.effect, p.name, p.source);
        }
    }
    if decision.allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn run_batch(tables: &Tables, path: &PathBuf, explain: bool) -> ExitCode {
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(f) => Box::new(std::io::BufReader::new(f)),
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (n, line) in reader.lines().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot read line {}: {e}", n + 1);
                return ExitCode::from(2);
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let json = match serde_json::from_str::<Request>(&line) {
            Ok(request) => tables.decide(&request, explain).to_json(),
            Err(e) => {
                serde_json::json!({"allowed": false, "reason": format!("invalid request on line {}: {e}", n + 1), "permissions": []})
            }
        };
        if writeln!(out, "{json}").is_err() {
            return ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
