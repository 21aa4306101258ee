//! A C program (`tests/c/vectors.c`), compiled against `include/rampart.h` and
//! `librampart.a` with the system's C compiler, answers the shared test vectors by JSON,
//! by names and by ids, and checks from four threads at once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use rampart_bindings::parts::category;
use serde_json::Value;
use support::*;

/// Where cargo put `librampart.a` while building this test (`target/<profile>/deps`:
/// `cargo test` builds the library's every crate type there, and only `cargo build`
/// copies them up to `target/<profile>`).
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().to_path_buf()
}

/// A field as the C program reads it: tabs and newlines cannot occur.
fn plain(text: &str) -> Option<String> {
    (!text.contains(['\t', '\n', '\r', '\x1f', '\0'])).then(|| text.to_string())
}

/// `EXPECT CODE MESSAGE`: the compact JSON answer, or `-` and the error.
fn outcome_fields(vector: &Value) -> Vec<String> {
    match vector.get("error") {
        Some(e) => vec![
            "-".into(),
            e["code"].as_str().unwrap().into(),
            plain(e["message"].as_str().unwrap()).expect("messages escape control characters"),
        ],
        None => vec![vector["expect"].to_string(), String::new(), String::new()],
    }
}

/// `MASK` and five fields of a target.
fn target_fields(target: Option<&Value>) -> Vec<String> {
    let names = ["playbook", "config", "component", "connection", "global"];
    let get = |k: &str| target.and_then(|t| t.get(k)).and_then(Value::as_str);
    let mask: String = names
        .iter()
        .map(|k| if get(k).is_some() { '1' } else { '0' })
        .collect();
    let mut fields = vec![mask];
    fields.extend(
        names
            .iter()
            .map(|k| plain(get(k).unwrap_or_default()).unwrap()),
    );
    fields
}

/// The vectors as lines for the C program.
fn lines(v: &Value) -> (String, usize) {
    let mut out = Vec::new();
    let mut by_parts = 0;
    for c in v["checks"].as_array().unwrap() {
        let flags = if c.get("explain").is_some() { "1" } else { "0" };
        let request = request_text(c);
        let Some(request) = plain(&request) else {
            continue;
        };
        let mut f = vec!["check".to_string(), flags.into(), request];
        f.extend(outcome_fields(c));
        let parts = parts(c).filter(|p| {
            c.get("explain").is_none()
                && [&p.0, &p.1].iter().all(|s| plain(s).is_some())
                && p.2
                    .iter()
                    .chain([&p.3])
                    .flatten()
                    .all(|s| plain(s).is_some())
        });
        match parts {
            Some((subject, action, keys, global)) => {
                by_parts += 1;
                let present = |o: &Option<String>| if o.is_some() { '1' } else { '0' };
                let mask: String = ['1', '1']
                    .into_iter()
                    .chain(keys.iter().map(present))
                    .chain([present(&global)])
                    .collect();
                f.extend(["1".into(), mask, subject, action]);
                f.extend(
                    keys.iter()
                        .chain([&global])
                        .map(|k| k.clone().unwrap_or_default()),
                );
            }
            None => f.extend(
                std::iter::repeat_n(String::new(), 9)
                    .enumerate()
                    .map(|(i, s)| if i == 0 { "0".into() } else { s }),
            ),
        }
        let (allowed, reason) = match c.get("expect") {
            Some(e) => (
                if e["allowed"] == true { "1" } else { "0" },
                match e["reason"].as_str() {
                    Some("allowed") => "1",
                    Some("explicit_deny") => "2",
                    _ => "3",
                },
            ),
            None => ("0", "3"),
        };
        f.extend([
            allowed.into(),
            reason.into(),
            plain(c["name"].as_str().unwrap()).unwrap(),
        ]);
        out.push(f.join("\t"));
    }
    for l in v["lists"].as_array().unwrap() {
        let mut f = vec![
            "list".to_string(),
            l["subject"].as_str().unwrap().into(),
            l["action"].as_str().unwrap().into(),
            category(l["category"].as_str().unwrap())
                .unwrap()
                .index()
                .to_string(),
            if l.get("with").is_some() { "1" } else { "0" }.into(),
        ];
        f.extend(target_fields(l.get("with")));
        f.extend(outcome_fields(l));
        f.push(l["name"].as_str().unwrap().into());
        out.push(f.join("\t"));
    }
    for w in v["who_can"].as_array().unwrap() {
        let mut f = vec!["who_can".to_string(), w["action"].as_str().unwrap().into()];
        f.extend(target_fields(w.get("target")));
        f.extend(outcome_fields(w));
        f.push(w["name"].as_str().unwrap().into());
        out.push(f.join("\t"));
    }
    for s in v["sql_filters"].as_array().unwrap() {
        let o = filter_options(s);
        let mut f = vec![
            "filter".to_string(),
            s["subject"].as_str().unwrap().into(),
            s["action"].as_str().unwrap().into(),
            category(s["category"].as_str().unwrap())
                .unwrap()
                .index()
                .to_string(),
            o.columns.join("\x1f"),
            o.columns.len().to_string(),
            if o.id_type.is_some() { "1" } else { "0" }.into(),
            o.id_type.unwrap_or_default().into(),
            o.first_param.unwrap_or(1).to_string(),
            if o.ids { "1" } else { "0" }.into(),
            if s.get("with").is_some() { "1" } else { "0" }.into(),
        ];
        f.extend(target_fields(s.get("with")));
        f.extend(outcome_fields(s));
        f.push(s["name"].as_str().unwrap().into());
        out.push(f.join("\t"));
    }
    for r in v["connections"].as_array().unwrap() {
        let namespace = r.get("namespace").and_then(Value::as_str);
        let mut f = vec![
            "resolve".to_string(),
            r["reference"].as_str().unwrap().into(),
            r["subject"].as_str().unwrap().into(),
            if namespace.is_some() { "1" } else { "0" }.into(),
            namespace.unwrap_or_default().into(),
            secrets_text(r),
            if r.get("show_secrets") == Some(&Value::Bool(true)) {
                "2"
            } else {
                "0"
            }
            .into(),
        ];
        f.extend(outcome_fields(r));
        f.push(r["name"].as_str().unwrap().into());
        out.push(f.join("\t"));
    }
    for l in v["loads"].as_array().unwrap() {
        let key = l.get("public_key").and_then(Value::as_str);
        let mut f = vec![
            "load".to_string(),
            root()
                .join(l["file"].as_str().unwrap())
                .to_str()
                .unwrap()
                .into(),
            if key.is_some() { "1" } else { "0" }.into(),
            key.unwrap_or_default().into(),
        ];
        match l.get("error") {
            Some(_) => f.extend(outcome_fields(l)),
            None => f.extend([
                l["expect"]["revision"].as_str().unwrap().into(),
                String::new(),
                String::new(),
            ]),
        }
        f.push(l["name"].as_str().unwrap().into());
        out.push(f.join("\t"));
    }
    (out.join("\n") + "\n", by_parts)
}

#[test]
fn a_c_program_answers_the_vectors() {
    let v = vectors();
    let dir = tempfile::tempdir().unwrap();
    let (text, by_parts) = lines(&v);
    assert!(
        by_parts > 20,
        "most checks go by names and ids too ({by_parts})"
    );
    let lines_path = dir.path().join("vectors.tsv");
    std::fs::write(&lines_path, &text).unwrap();
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let program = dir.path().join("vectors");
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let built = Command::new(&compiler)
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I"])
        .arg(crate_dir.join("include"))
        .arg(crate_dir.join("tests/c/vectors.c"))
        .arg(library_dir().join("librampart.a"))
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&program)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `{compiler}`: {e}"));
    assert!(
        built.status.success(),
        "the C program does not build:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let ran = Command::new(&program)
        .arg(root().join(v["tables"].as_str().unwrap()))
        .arg(&lines_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert!(
        ran.status.success(),
        "the C program failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let vectors_count = text.lines().count();
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    let passed: usize = stdout.split_whitespace().next().unwrap().parse().unwrap();
    assert!(
        passed >= vectors_count + by_parts,
        "{passed} passed for {vectors_count} vectors"
    );
}
