//! `rampart-workload gen --size small|default|large --out DIR [--seed N]` writes a
//! deterministic workload; `rampart-workload compare EXPECTED DECISIONS` checks the JSON
//! lines of `rampart check --batch` against the generator's reference decisions;
//! `rampart-workload stream --size S --by ids|strings --shape one|two --passes N` runs the
//! bench stream of 20,000 distinct requests N times over the cached bench tables, for
//! instruction and cache-miss counts under `valgrind --tool=cachegrind` (run it with N = 0
//! and N = 1; the difference divided by 20,000 is the cost of one check); with `--time`
//! it prints the best pass's time per check instead, and with `--export FILE` it writes
//! the stream for the bindings' bench programs (C, Go, Python) and names its tables;
//! `rampart-workload mission-control ...` writes a workload into Mission Control's tables;
//! `rampart-workload freshness --size S --postgres URL --schema NAME [--rampart BIN]
//! [--repeat N] [--poll-interval S] [--reuse]` writes it (unless `--reuse`), starts
//! `rampart serve --postgres` over it and times how long each change of
//! `rampart_benches::freshness` takes to show in a decision.

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_benches::fixture::{Fixture, Named, Resolved, STREAM};
use rampart_benches::workload::{Size, Workload};

fn usage() -> ExitCode {
    eprintln!("usage: rampart-workload gen --size small|default|large|tiny --out DIR [--seed N]\n       rampart-workload compare EXPECTED.jsonl DECISIONS.jsonl\n       rampart-workload stream --size SIZE --by ids|strings --shape one|two --passes N [--time | --export FILE]\n       rampart-workload mission-control --size SIZE --postgres URL --schema NAME [--seed N] [--world-only]\n       rampart-workload freshness --size SIZE --postgres URL --schema NAME [--rampart BIN] [--repeat N] [--poll-interval S] [--reuse]");
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
        Some("mission-control") => {
            let (Some(size), Some(url), Some(schema)) = (
                flag(&args, "--size").and_then(|s| Size::named(&s)),
                flag(&args, "--postgres"),
                flag(&args, "--schema"),
            ) else {
                return usage();
            };
            let seed = flag(&args, "--seed")
                .and_then(|s| s.parse().ok())
                .unwrap_or(7);
            let started = std::time::Instant::now();
            let workload = Workload::generate(size, seed);
            let written = (|| -> Result<(), rampart_benches::mission_control::Failure> {
                let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
                rampart_benches::mission_control::create_schema(&mut client, &schema)?;
                let policies = !args.iter().any(|a| a == "--world-only");
                rampart_benches::mission_control::write_workload(&mut client, &workload, policies)?;
                client.batch_execute("ANALYZE")?;
                Ok(())
            })();
            match written {
                Ok(()) => {
                    println!(
                        "{} written to schema {schema} in {:.2}s",
                        rampart_benches::mission_control::describe(&workload),
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
        Some("freshness") => match freshness(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
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
        Some("stream") => {
            let (Some(size), Some(by), Some(shape), Some(passes)) = (
                flag(&args, "--size"),
                flag(&args, "--by"),
                flag(&args, "--shape"),
                flag(&args, "--passes").and_then(|p| p.parse::<usize>().ok()),
            ) else {
                return usage();
            };
            if Size::named(&size).is_none()
                || !["ids", "strings"].contains(&by.as_str())
                || !["one", "two"].contains(&shape.as_str())
            {
                return usage();
            }
            let fixture = Fixture::load(&size);
            let named = fixture.stream(shape == "two", 11);
            let resolved: Vec<_> = named.iter().filter_map(|n| fixture.resolve(n)).collect();
            if let Some(path) = flag(&args, "--export") {
                return export_stream(&fixture, &named, &path);
            }
            if args.iter().any(|a| a == "--time") {
                time_stream(&fixture, &named, &resolved, passes);
                return ExitCode::SUCCESS;
            }
            let mut allowed = 0usize;
            for _ in 0..passes {
                if by == "ids" {
                    for r in &resolved {
                        allowed += usize::from(
                            fixture
                                .tables
                                .check_ids(r.principal, r.action, &r.target)
                                .is_ok_and(|x| x.is_allowed()),
                        );
                    }
                } else {
                    for n in &named {
                        allowed += usize::from(n.is_allowed_by_strings(&fixture.tables));
                    }
                }
            }
            println!(
                "{} checks ({} passes of {STREAM}), {allowed} allowed",
                passes * STREAM,
                passes
            );
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}

/// `stream --export FILE`: the stream as tab-separated lines (subject, action, the
/// playbook when there is one, config) for the bindings' bench programs
/// (`bindings/c/bench/stream.c`, `bindings/go/rampart/stream_test.go`,
/// `bindings/python/bench/stream.py`), which time the same requests over the same tables;
/// prints where those tables are.
fn export_stream(fixture: &Fixture, named: &[Named], path: &str) -> ExitCode {
    let mut text = String::with_capacity(named.len() * 64);
    for n in named {
        text.push_str(&n.subject);
        text.push('\t');
        text.push_str(n.action);
        if let Some(p) = &n.playbook {
            text.push('\t');
            text.push_str(p);
        }
        text.push('\t');
        text.push_str(&n.config);
        text.push('\n');
    }
    if let Err(e) = std::fs::write(path, text) {
        eprintln!("cannot write {path}: {e}");
        return ExitCode::from(2);
    }
    println!(
        "{} requests written to {path}; tables: {}",
        named.len(),
        fixture.directory.join("tables.rampart").display()
    );
    ExitCode::SUCCESS
}

/// `stream --time`: the best of `passes` passes over the stream, per check, by ids and by
/// names, from Rust: the method the bindings' bench programs use, so that their figures
/// minus these are the cost of crossing into the runtime.
fn time_stream(fixture: &Fixture, named: &[Named], resolved: &[Resolved], passes: usize) {
    let best = |f: &dyn Fn() -> usize, count: usize| {
        let mut best = f64::INFINITY;
        let mut allowed = 0;
        for _ in 0..passes.max(1) {
            let start = std::time::Instant::now();
            allowed = std::hint::black_box(f());
            best = best.min(start.elapsed().as_nanos() as f64 / count as f64);
        }
        (best, allowed)
    };
    let (ids, allowed_ids) = best(&|| fixture.allowed_by_ids(resolved), resolved.len());
    let (names, allowed_names) = best(&|| fixture.allowed_by_strings(named), named.len());
    println!(
        "rust: {} requests, best of {} passes: by ids {ids:.1} ns, by names {names:.1} ns per check ({allowed_ids}/{allowed_names} allowed)",
        named.len(),
        passes.max(1)
    );
}

/// `rampart-workload freshness`: see the module's documentation.
fn freshness(args: &[String]) -> Result<(), rampart_benches::mission_control::Failure> {
    use rampart_benches::freshness;
    use rampart_benches::mission_control as mc;
    let (Some(size), Some(url), Some(schema)) = (
        flag(args, "--size").and_then(|s| Size::named(&s)),
        flag(args, "--postgres"),
        flag(args, "--schema"),
    ) else {
        return Err(
            "usage: rampart-workload freshness --size SIZE --postgres URL --schema NAME".into(),
        );
    };
    let binary = flag(args, "--rampart").unwrap_or_else(|| "target/release/rampart".into());
    let repeat: usize = flag(args, "--repeat")
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let poll = flag(args, "--poll-interval").unwrap_or_else(|| "5".into());
    let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
    if args.iter().any(|a| a == "--reuse") {
        client.batch_execute(&format!("SET search_path TO {schema}"))?;
        client.batch_execute(&freshness::reset())?;
    } else {
        let started = std::time::Instant::now();
        let workload = Workload::generate(size, 7);
        mc::create_schema(&mut client, &schema)?;
        mc::write_workload(&mut client, &workload, true)?;
        client.batch_execute(&freshness::setup())?;
        client.batch_execute("ANALYZE")?;
        println!(
            "{} written to schema {schema} in {:.1} s",
            mc::describe(&workload),
            started.elapsed().as_secs_f64()
        );
    }
    let started = std::time::Instant::now();
    let serve_args: Vec<String> = [
        "serve",
        "--postgres",
        &url,
        "--schema",
        &schema,
        "--poll-interval",
        &poll,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let sidecar = rampart_benches::sidecar::Sidecar::start(&binary, &serve_args)?;
    sidecar.wait_ready(std::time::Duration::from_secs(600))?;
    println!("serving after {:.1} s", started.elapsed().as_secs_f64());
    let mut ask = |request: &serde_json::Value| match sidecar.request(
        "POST",
        "/access/v1/evaluation",
        Some(request),
    ) {
        Ok((status, body)) => freshness::answer_of(status, &body),
        Err(e) => serde_json::Value::String(e),
    };
    let timeout = std::time::Duration::from_secs(600);
    let mut runs: Vec<Vec<freshness::Measured>> = Vec::new();
    for run in 0..repeat {
        let measured = freshness::run(&mut client, &mut ask, timeout)?;
        for m in &measured {
            println!(
                "run {run}: {:<26} {:>9.1} ms  ({} requests)",
                m.name,
                m.elapsed.as_secs_f64() * 1e3,
                m.requests
            );
        }
        runs.push(measured);
        client.batch_execute(&freshness::reset())?;
    }
    println!("\n| change | announced | median | max | first request right |");
    println!("| --- | --- | --- | --- | --- |");
    for (i, scenario) in freshness::scenarios().iter().enumerate() {
        let mut times: Vec<f64> = runs
            .iter()
            .filter_map(|r| r.get(i))
            .map(|m| m.elapsed.as_secs_f64() * 1e3)
            .collect();
        times.sort_by(f64::total_cmp);
        let first = runs
            .iter()
            .filter_map(|r| r.get(i))
            .filter(|m| m.requests == 1)
            .count();
        println!(
            "| {} | {} | {:.0} ms | {:.0} ms | {first} of {} |",
            scenario.name,
            if scenario.announced {
                "yes"
            } else {
                "no (polled)"
            },
            times.get(times.len() / 2).copied().unwrap_or(f64::NAN),
            times.last().copied().unwrap_or(f64::NAN),
            times.len()
        );
    }
    Ok(())
}
