//! `rampart-workload gen --size small|default|large --out DIR [--seed N]` writes a
//! deterministic workload; `rampart-workload compare EXPECTED DECISIONS` checks the JSON
//! lines of `rampart check --batch` against the generator's reference decisions.

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_benches::workload::{Size, Workload};

fn usage() -> ExitCode {
    eprintln!("usage: rampart-workload gen --size small|default|large|tiny --out DIR [--seed N]\n       rampart-workload compare EXPECTED.jsonl DECISIONS.jsonl");
    ExitCode::from(2)
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn allowed(line: &str) -> Option<bool> {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()?
        .get("allowed")?
        .as_bool()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen") => {
            let (Some(size), Some(out)) = (
                flag(&args, "--size").and_then(|s| Size::named(&s)),
                flag(&args, "--out"),
            ) else {
                return usage();
            };
            let seed = flag(&args, "--seed")
                .and_then(|s| s.parse().ok())
                .unwrap_or(7);
            let started = std::time::Instant::now();
            let workload = Workload::generate(size, seed);
            match workload.write(&PathBuf::from(&out), seed) {
                Ok(()) => {
                    println!(
                        "workload written to {out} in {:.2}s",
                        started.elapsed().as_secs_f64()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Some("compare") => {
            let (Some(expected), Some(actual)) = (args.get(1), args.get(2)) else {
                return usage();
            };
            let read = |p: &String| {
                std::fs::read_to_string(p).map(|t| t.lines().map(allowed).collect::<Vec<_>>())
            };
            let (Ok(expected), Ok(actual)) = (read(expected), read(actual)) else {
                eprintln!("error: cannot read the inputs");
                return ExitCode::from(2);
            };
            if expected.len() != actual.len() {
                eprintln!(
                    "error: {} expected decisions, {} answered",
                    expected.len(),
                    actual.len()
                );
                return ExitCode::from(1);
            }
            let mismatches: Vec<usize> = expected
                .iter()
                .zip(&actual)
                .enumerate()
                .filter(|(_, (e, a))| e != a || e.is_none())
                .map(|(i, _)| i + 1)
                .collect();
            let allowed = expected.iter().filter(|e| **e == Some(true)).count();
            println!(
                "{} decisions compared ({allowed} allowed), {} mismatches",
                expected.len(),
                mismatches.len()
            );
            println!(
                "compare: {} passed, {} failed",
                expected.len() - mismatches.len(),
                mismatches.len()
            );

            if mismatches.is_empty() {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "first mismatching lines: {:?}",
                    &mismatches[..mismatches.len().min(10)]
                );
                ExitCode::from(1)
            }
        }
        _ => usage(),
    }
}
