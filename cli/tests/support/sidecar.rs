//! The sidecar harness of the end-to-end tests: `rampart serve` started on a free port,
//! its stderr collected, requests sent with a blocking client, and tables compiled from
//! text.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rampart_compiler::compile::compile;
use rampart_compiler::emit::encode;
use serde_json::Value;

/// A running sidecar; killed when dropped.
pub struct Sidecar {
    pub child: Child,
    pub base: String,
    pub log: Arc<Mutex<String>>,
}

impl Sidecar {
    pub fn start(tables: &Path, extra: &[&str]) -> Sidecar {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(["serve", "-t"])
            .arg(tables)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rampart serve");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let first = lines.next().expect("a line").expect("text");
        let base = first
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_string();
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        Sidecar { child, base, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn post(&self, path: &str, body: &Value) -> (u16, Value, String) {
        let response = client()
            .post(self.url(path))
            .json(body)
            .send()
            .expect("request");
        let status = response.status().as_u16();
        let revision = header(&response);
        (status, response.json().expect("a JSON body"), revision)
    }

    /// Posts raw text as a JSON body: the status and the JSON answer.
    pub fn post_text(&self, path: &str, body: &str) -> (u16, Value) {
        let response = client()
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().expect("a JSON body"))
    }

    /// A GET: the status and the JSON answer.
    pub fn get(&self, path: &str) -> (u16, Value) {
        let response = client().get(self.url(path)).send().expect("request");
        let status = response.status().as_u16();
        (status, response.json().expect("a JSON body"))
    }

    /// The Prometheus text of `/metrics`.
    pub fn metrics(&self) -> String {
        client()
            .get(self.url("/metrics"))
            .send()
            .expect("request")
            .text()
            .expect("text")
    }

    /// The host and port.
    pub fn address(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    pub fn wait_for_log(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.log.lock().unwrap().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("no `{needle}` in the log:\n{}", self.log.lock().unwrap());
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

pub fn header(response: &reqwest::blocking::Response) -> String {
    response
        .headers()
        .get("x-rampart-revision")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Compiles policy text and catalog text into table bytes.
pub fn table_bytes(policy: &str, catalog: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("policy.yaml"), policy).expect("write");
    std::fs::write(dir.path().join("catalog.yaml"), catalog).expect("write");
    let compiled = compile(
        &[dir.path().join("policy.yaml")],
        Some(&dir.path().join("catalog.yaml")),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    encode(&compiled.data, None).expect("encode")
}

/// Table bytes that `compile` would refuse to write because they name no principal (as
/// an older compiler or a hand-made file could): the phases after checking, run directly.
pub fn principal_less_table_bytes(policy: &str, catalog: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("policy.yaml"), policy).expect("write");
    std::fs::write(dir.path().join("catalog.yaml"), catalog).expect("write");
    let validated = rampart_compiler::compile::validate(
        &[dir.path().join("policy.yaml")],
        Some(&dir.path().join("catalog.yaml")),
        &|_| {},
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    let expanded = rampart_compiler::expand::expand(&validated.world, &validated.model);
    let data = rampart_compiler::tabulate::tabulate(
        &validated.world,
        &validated.model,
        expanded,
        &validated.connections,
    );
    assert!(data.principals.is_empty());
    encode(&data, None).expect("encode")
}

pub fn revision_of(bytes: &[u8]) -> String {
    rampart_runtime::Tables::from_bytes(bytes)
        .expect("load")
        .revision()
        .to_string()
}

/// Writes `bytes` to `path` atomically (temp file + rename), as `rampart compile` does.
pub fn replace(path: &Path, bytes: &[u8]) {
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, bytes).expect("write");
    std::fs::rename(&temp, path).expect("rename");
}

pub fn fixture_tables(dir: &Path) -> PathBuf {
    let out = dir.join("fixtures.rampart");
    let o = super::run(&[
        "compile",
        "../fixtures/policy",
        "--catalog",
        "../fixtures/catalog.yaml",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", super::stderr(&o));
    out
}
