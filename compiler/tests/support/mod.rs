//! Helpers shared by the integration tests: compiling inputs into loaded tables and
//! one-line request cases:
//!
//! ```text
//! SUBJECT ACTION [playbook=KEY] [config=KEY] [component=KEY] [connection=KEY] [global=NAME] => allow|deny|error CODE
//! ```
//!
//! A token in double quotes may hold spaces (`"John Doe"`).

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use rampart_compiler::compile::compile;
use rampart_compiler::emit::encode;
use rampart_runtime::{Category, Objects, Request, Tables, Target};

/// Compiles documents and a catalog (paths relative to the compiler crate) into tables,
/// through the file format.
pub fn compile_paths(paths: &[&str], catalog: &str) -> Tables {
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let compiled = compile(&paths, Some(Path::new(catalog)), &|_| {}).unwrap_or_else(|d| {
        let text: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        panic!("inputs do not compile:\n{}", text.join("\n"))
    });
    Tables::from_bytes(&encode(&compiled.data, None).expect("encode")).expect("tables load")
}

/// The source documents' fixtures, compiled.
pub fn fixture_tables() -> Tables {
    compile_paths(&["../fixtures/policy"], "../fixtures/catalog.yaml")
}

/// Splits a case on spaces; `"..."` keeps spaces.
pub fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Checks one case; panics naming it when the answer differs.
pub fn check(tables: &Tables, case: &str) {
    if case.starts_with('#') {
        return;
    }
    let (request, expected) = case
        .split_once("=>")
        .unwrap_or_else(|| panic!("case without `=>`: {case}"));
    let tokens = split(request);
    let (subject, action) = (&tokens[0], &tokens[1]);
    let mut objects = Objects::new();
    let mut global = None;
    for t in &tokens[2..] {
        let (k, v) = t
            .split_once('=')
            .unwrap_or_else(|| panic!("bad token `{t}` in {case}"));
        match k {
            "global" => global = Some(v),
            category => {
                objects = objects.with(
                    Category::from_name(category).expect("a category"),
                    rampart_runtime::ObjectRef::Key(v),
                )
            }
        }
    }
    let target = match global {
        Some(g) => Target::Global(g),
        None if objects.is_empty() => Target::Unscoped,
        None => Target::Objects(objects),
    };
    let request = Request::new(subject, action, target);
    let got = match tables.is_authorized(&request) {
        Ok(r) => r.effect().word().to_string(),
        Err(e) => format!("error {}", e.code()),
    };
    assert_eq!(got, expected.trim(), "case: {case}");
}
