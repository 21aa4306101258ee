//! Every command the documentation shows is run (issue 26): each ```` ```sh ```` block of
//! `README.md` and `docs/*.md` runs under `bash -e -o pipefail` with the built `rampart`
//! first on `PATH`, in a fresh temporary directory that is also `$HOME`, and must exit 0.
//!
//! The directory holds what the documents assume a reader has:
//! - `fixtures/`, the repository's fixtures (a symbolic link);
//! - `policy/` (the fixtures' policies and their `PermissionTest` suites) and
//!   `catalog.yaml`, for the commands written against a user's own project;
//! - `tables.rampart`, `old.rampart` and `new.rampart`, compiled from them.
//!
//! `cargo run --release -p rampart-cli [--no-default-features] --` runs as the built
//! `rampart` (the build is what the test itself stands on). A block that cannot run here
//! says so with a line `# docs-test: skip (why)`; one that must fail with
//! `# docs-test: fails (why)`. A marker without its reason is itself a failure, and
//! skipped blocks are kept few.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How many blocks may be skipped at most (servers, databases, builds, installs).
const MOST_SKIPPED: usize = 13;

/// What a block's marker asks for.
#[derive(Debug, PartialEq)]
enum Expect {
    Success,
    Failure,
    Skip,
}

struct Block {
    /// `file:line` of the opening fence.
    place: String,
    text: String,
    expect: Expect,
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn documents() -> Vec<PathBuf> {
    let root = repository();
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    docs.insert(0, root.join("README.md"));
    docs
}

/// The marker of a block: `Ok(None)` without one, an error for a marker without a reason
/// or of an unknown kind.
fn marker(text: &str) -> Result<Option<Expect>, String> {
    let mut found = None;
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("# docs-test:") else {
            continue;
        };
        let rest = rest.trim();
        let (kind, reason) = rest.split_once('(').unwrap_or((rest, ""));
        let reason = reason.trim_end().trim_end_matches(')').trim();
        if reason.is_empty() {
            return Err(format!(
                "`{}` has no reason: write `# docs-test: skip (why)` or `# docs-test: fails (why)`",
                line.trim()
            ));
        }
        found = Some(match kind.trim() {
            "skip" => Expect::Skip,
            "fails" => Expect::Failure,
            other => {
                return Err(format!(
                    "unknown docs-test marker `{other}`: `skip (why)` or `fails (why)`"
                ))
            }
        });
    }
    Ok(found)
}

/// The ```` ```sh ```` blocks of a Markdown text, with their line numbers.
fn sh_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim_start();
        match &mut open {
            None if fence.starts_with("```sh") => open = Some((i + 1, String::new())),
            Some(_) if fence.starts_with("```") => blocks.extend(open.take()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    blocks
}

fn blocks() -> (Vec<Block>, Vec<String>) {
    let root = repository();
    let mut blocks = Vec::new();
    let mut problems = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("read a document");
        let name = doc
            .strip_prefix(&root)
            .unwrap_or(&doc)
            .display()
            .to_string();
        for (line, body) in sh_blocks(&text) {
            let place = format!("{name}:{line}");
            match marker(&body) {
                Ok(expect) => blocks.push(Block {
                    place,
                    text: body,
                    expect: expect.unwrap_or(Expect::Success),
                }),
                Err(e) => problems.push(format!("{place}: {e}")),
            }
        }
    }
    (blocks, problems)
}

fn link(from: &Path, to: &Path) {
    std::os::unix::fs::symlink(from, to).expect("symbolic link");
}

/// The shared inputs: the policy directory and the compiled tables, made once.
fn inputs() -> tempfile::TempDir {
    let root = repository();
    let dir = tempfile::tempdir().expect("temporary directory");
    let policy = dir.path().join("policy");
    std::fs::create_dir(&policy).expect("policy/");
    for source in ["fixtures/policy", "fixtures/tests"] {
        for entry in std::fs::read_dir(root.join(source)).expect("fixtures") {
            let path = entry.expect("entry").path();
            link(&path, &policy.join(path.file_name().expect("a name")));
        }
    }
    let tables = dir.path().join("tables.rampart");
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("compile")
        .arg(&policy)
        .arg("--catalog")
        .arg(root.join("fixtures/catalog.yaml"))
        .arg("-o")
        .arg(&tables)
        .output()
        .expect("rampart runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// A fresh directory for one block, with the inputs in place.
fn workspace(inputs: &Path) -> tempfile::TempDir {
    let root = repository();
    let dir = tempfile::tempdir().expect("temporary directory");
    let d = dir.path();
    link(&root.join("fixtures"), &d.join("fixtures"));
    link(&inputs.join("policy"), &d.join("policy"));
    link(&root.join("fixtures/catalog.yaml"), &d.join("catalog.yaml"));
    for name in ["tables.rampart", "old.rampart", "new.rampart"] {
        std::fs::copy(inputs.join("tables.rampart"), d.join(name)).expect("copy tables");
    }
    dir
}

/// Runs a block; `Err` with what it printed when it timed out.
fn execute(text: &str, dir: &Path) -> Result<(Option<i32>, String), String> {
    let binary = Path::new(env!("CARGO_BIN_EXE_rampart"));
    let path = format!(
        "{}:{}",
        binary.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = text
        .replace(
            "cargo run --release -p rampart-cli --no-default-features --",
            "rampart",
        )
        .replace("cargo run --release -p rampart-cli --", "rampart");
    let log = dir.join(".docs-test.log");
    let file = std::fs::File::create(&log).expect("log");
    let mut child = Command::new("bash")
        .args(["-e", "-o", "pipefail", "-c", &script])
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", dir)
        .env_remove("CARGO_TARGET_DIR")
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log"))
        .stderr(file)
        .spawn()
        .expect("bash runs");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let printed = std::fs::read_to_string(&log).unwrap_or_default();
            return Ok((status.code(), printed));
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::fs::read_to_string(&log).unwrap_or_default());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn every_documented_command_runs() {
    let (blocks, mut problems) = blocks();
    assert!(blocks.len() >= 20, "only {} blocks found", blocks.len());
    let inputs = inputs();
    let mut skipped = Vec::new();
    for block in &blocks {
        if block.expect == Expect::Skip {
            skipped.push(block.place.clone());
            continue;
        }
        let dir = workspace(inputs.path());
        match execute(&block.text, dir.path()) {
            Err(printed) => problems.push(format!(
                "{}: did not finish in 120 s\n{printed}",
                block.place
            )),
            Ok((code, printed)) => {
                let ok = match block.expect {
                    Expect::Success => code == Some(0),
                    _ => code != Some(0),
                };
                if !ok {
                    problems.push(format!(
                        "{}: exit {code:?} ({})\n{}\n--- printed:\n{printed}",
                        block.place,
                        if block.expect == Expect::Success {
                            "expected 0"
                        } else {
                            "marked `fails`, expected non-zero"
                        },
                        block.text
                    ));
                }
            }
        }
    }
    if skipped.len() > MOST_SKIPPED {
        problems.push(format!(
            "{} blocks skipped (at most {MOST_SKIPPED}): {}",
            skipped.len(),
            skipped.join(", ")
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn a_marker_needs_a_reason_and_a_known_kind() {
    assert_eq!(marker("rampart x\n"), Ok(None));
    assert_eq!(
        marker("# docs-test: skip (needs a server)\nrampart serve\n"),
        Ok(Some(Expect::Skip))
    );
    assert_eq!(
        marker("# docs-test: fails (a denial)\n"),
        Ok(Some(Expect::Failure))
    );
    assert!(marker("# docs-test: skip\n").is_err());
    assert!(marker("# docs-test: skip ()\n").is_err());
    assert!(marker("# docs-test: ignore (why)\n").is_err());
}

#[test]
fn blocks_are_found_with_their_lines() {
    let text = "a\n```sh\nrampart x\n```\n```yaml\nk: v\n```\n  ```sh\nrampart y\n  ```\n";
    let found = sh_blocks(text);
    assert_eq!(
        found,
        vec![
            (2, "rampart x\n".to_string()),
            (8, "rampart y\n".to_string())
        ]
    );
}

/// The files of a directory, by name.
fn files(dir: &Path) -> std::collections::BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .expect("a directory")
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&path).expect("text"))
        })
        .collect()
}

#[test]
fn the_committed_schemas_are_what_the_binary_writes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("schema")
        .arg("--write")
        .arg(dir.path())
        .output()
        .expect("rampart runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = files(dir.path());
    let committed = files(&repository().join("schemas"));
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>(),
        "rewrite them: rampart schema --write schemas"
    );
    for (name, text) in &written {
        assert!(
            committed[name] == *text,
            "schemas/{name} is not what `rampart schema --write schemas` writes now: rewrite it"
        );
    }
}

#[test]
fn every_schema_modeline_names_a_committed_schema() {
    let root = repository();
    let mut seen = 0;
    let mut stack = vec![root.join("fixtures")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for (i, line) in text.lines().enumerate() {
                let Some((_, target)) = line.split_once("yaml-language-server: $schema=") else {
                    continue;
                };
                seen += 1;
                let target = dir.join(target.trim());
                let resolved = target.canonicalize().unwrap_or_else(|_| {
                    panic!(
                        "{}:{}: {} does not exist",
                        path.display(),
                        i + 1,
                        target.display()
                    )
                });
                assert!(
                    resolved.starts_with(root.join("schemas").canonicalize().expect("schemas/")),
                    "{}:{}: {} is not in schemas/",
                    path.display(),
                    i + 1,
                    resolved.display()
                );
            }
        }
    }
    assert!(seen >= 4, "only {seen} modelines found");
}
