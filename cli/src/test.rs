//! `rampart test PATHS... --catalog FILE [--secrets DIR] [--junit FILE]
//! [--format text|json] [--min-coverage PERCENT]`: compiles the documents and runs every
//! `kind: PermissionTest` among them. One line per failing case (the request, what was
//! expected, what came, and why), then `N passed, M failed` and the coverage. Exit 0 only
//! when every case passes and the coverage is at least `--min-coverage`; 1 otherwise; 2
//! when the inputs do not compile.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use rampart_runtime::text::Shown;
use serde_json::json;

use crate::args::Inputs;
use crate::outcome::{report, Failure, Outcome};
use crate::output::{Format, Output};
use rampart_compiler::testing::{TestRun, Verdict};

/// Arguments of `test`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// A directory of Secret and ConfigMap manifests, so that `resolve` cases resolve
    /// values too (without it they assert authorization only).
    #[arg(long)]
    secrets: Option<PathBuf>,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Fail when fewer than this share of the permissions decided some case.
    #[arg(long, value_name = "PERCENT")]
    min_coverage: Option<f64>,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "&#x{:x};", u32::from(c).max(0x20));
            }
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML of a run: one `testsuite` per PermissionTest document.
pub fn junit(run: &TestRun) -> String {
    let mut suites: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, r) in run.results.iter().enumerate() {
        match suites.iter_mut().find(|(s, _)| *s == r.suite) {
            Some((_, cases)) => cases.push(i),
            None => suites.push((&r.suite, vec![i])),
        }
    }
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rampart\" tests=\"{}\" failures=\"{}\">\n",
        run.results.len(),
        run.failed()
    );
    for (suite, cases) in suites {
        let failures = cases
            .iter()
            .filter(|i| {
                run.results
                    .get(**i)
                    .is_some_and(|r| r.verdict != Verdict::Passed)
            })
            .count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
            escape_xml(suite),
            cases.len()
        );
        for r in cases.iter().filter_map(|i| run.results.get(*i)) {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"",
                escape_xml(&r.case),
                escape_xml(&r.suite),
                escape_xml(&r.location)
            );
            match &r.verdict {
                Verdict::Passed => out.push_str("/>\n"),
                Verdict::Failed {
                    expected,
                    got,
                    explanation,
                } => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"expected {}, got {}\">{}\n{}</failure>\n    </testcase>",
                        escape_xml(expected),
                        escape_xml(got),
                        escape_xml(&r.request),
                        escape_xml(&explanation.join("\n"))
                    );
                }
                Verdict::Error(e) => {
                    let _ = writeln!(
                        out,
                        ">\n      <error message=\"{}\">{}</error>\n    </testcase>",
                        escape_xml(e),
                        escape_xml(&r.request)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn summary(run: &TestRun) -> String {
    format!("{} passed, {} failed", run.passed(), run.failed())
}

pub fn run(args: Args) -> Outcome {
    let compiled = match rampart_compiler::compile::compile_with(
        &args.inputs.paths,
        args.inputs.catalog.as_deref(),
        args.inputs.options(),
        &|_| {},
    ) {
        Ok(c) => c,
        Err(diagnostics) => {
            report(&diagnostics, args.format);
            return Ok(ExitCode::from(2));
        }
    };
    if compiled.documents.tests.is_empty() {
        return Err(Failure::Error(
            "no `kind: PermissionTest` document among the inputs".into(),
        ));
    }
    let secrets = args
        .secrets
        .as_deref()
        .map(rampart_compiler::secrets::ManifestDirectory::load)
        .transpose()
        .map_err(Failure::Error)?;
    let bytes = rampart_compiler::emit::encode(&compiled.data, None)
        .map_err(|e| Failure::Error(e.to_string()))?;
    let tables = rampart_runtime::Tables::from_bytes(&bytes)
        .map_err(|e| Failure::Error(format!("the compiled tables do not load: {e}")))?;
    let permissions = compiled
        .model
        .permissions
        .iter()
        .filter(|p| p.location.is_some())
        .map(|p| p.name.clone())
        .collect();
    let run = rampart_compiler::testing::run(
        &tables,
        &compiled.documents.tests,
        permissions,
        secrets
            .as_ref()
            .map(|s| s as &dyn rampart_runtime::connection::SecretSource),
    );
    if let Some(path) = &args.junit {
        std::fs::write(path, junit(&run))
            .map_err(|e| Failure::Error(format!("cannot write `{}`: {e}", path.display())))?;
    }
    let coverage = run.coverage.percent();
    let covered = args.min_coverage.is_none_or(|min| coverage + 1e-9 >= min);
    let mut out = Output::new();
    match args.format {
        Format::Json => out.line(json_report(&run, args.min_coverage))?,
        Format::Text => text_report(&mut out, &run, args.min_coverage, covered)?,
    }
    Ok(if run.failed() == 0 && covered {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The run as one JSON document.
fn json_report(run: &TestRun, min_coverage: Option<f64>) -> serde_json::Value {
    let coverage = run.coverage.percent();
    json!({
        "passed": run.passed(),
        "failed": run.failed(),
        "cases": run.results.iter().map(|r| {
            let mut case = json!({"suite": r.suite, "case": r.case, "location": r.location, "request": r.request});
            if let Some(map) = case.as_object_mut() {
                match &r.verdict {
                    Verdict::Passed => { map.insert("status".into(), "passed".into()); }
                    Verdict::Failed { expected, got, explanation } => {
                        map.insert("status".into(), "failed".into());
                        map.insert("expected".into(), expected.clone().into());
                        map.insert("got".into(), got.clone().into());
                        map.insert("explanation".into(), explanation.clone().into());
                    }
                    Verdict::Error(e) => {
                        map.insert("status".into(), "error".into());
                        map.insert("error".into(), e.clone().into());
                    }
                }
            }
            case
        }).collect::<Vec<_>>(),
        "coverage": {
            "percent": (coverage * 10.0).round() / 10.0,
            "permissions": run.coverage.permissions.len(),
            "not_exercised": run.coverage.missed(),
            "minimum": min_coverage,
        },
    })
}

/// The run for people: a line per failing case, the summary, the coverage.
fn text_report(
    out: &mut Output,
    run: &TestRun,
    min_coverage: Option<f64>,
    covered: bool,
) -> Result<(), crate::output::Stop> {
    let coverage = run.coverage.percent();
    for r in &run.results {
        match &r.verdict {
            Verdict::Passed => {}
            Verdict::Failed {
                expected,
                got,
                explanation,
            } => {
                out.line(format!(
                    "FAIL {} / {} ({}): {}: expected {}, got {}",
                    Shown(&r.suite),
                    Shown(&r.case),
                    r.location,
                    Shown(&r.request),
                    Shown(expected),
                    Shown(got)
                ))?;
                for line in explanation {
                    out.line(format!("    {}", Shown(line)))?;
                }
            }
            Verdict::Error(e) => out.line(format!(
                "ERROR {} / {} ({}): {}{}",
                Shown(&r.suite),
                Shown(&r.case),
                r.location,
                if r.request.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", Shown(&r.request))
                },
                Shown(e)
            ))?,
        }
    }
    out.line(summary(run))?;
    let missed = run.coverage.missed();
    out.line(format!(
        "coverage: {:.1}% of {} permissions decided a case{}{}",
        coverage,
        run.coverage.permissions.len(),
        if missed.is_empty() {
            String::new()
        } else {
            format!("; not exercised: {}", missed.join(", "))
        },
        match min_coverage {
            Some(min) if !covered => format!(" (below the minimum {min}%)"),
            _ => String::new(),
        }
    ))?;
    Ok(())
}
