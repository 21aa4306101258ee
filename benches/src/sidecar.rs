//! `rampart serve` as a child process for the freshness benchmark: started on a free
//! port, asked over plain HTTP/1.1 (one connection per request, no client library), and
//! stopped when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running sidecar.
pub struct Sidecar {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
}

impl Sidecar {
    /// Starts `rampart` (the binary at `binary`) with `args` (which must not name
    /// `--listen`) and waits until it listens; its log goes on to this process's stderr.
    pub fn start(binary: &str, args: &[String]) -> Result<Sidecar, String> {
        let mut child = Command::new(binary)
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `{binary}`: {e}"))?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let mut lines = BufReader::new(stderr).lines();
        let address = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    eprintln!("{line}");
                    if let Some(rest) = line.split("listening on ").nth(1) {
                        let url = rest.split(' ').next().unwrap_or("");
                        break url.trim_start_matches("http://").to_string();
                    }
                }
                _ => {
                    let _ = child.wait();
                    return Err("rampart serve stopped before listening".into());
                }
            }
        };
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                eprintln!("{line}");
            }
        });
        Ok(Sidecar { child, address })
    }

    /// One request: the status and the JSON body (`null` when it is not JSON).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let mut stream = TcpStream::connect(&self.address).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(|e| e.to_string())?;
        let body = body.map(Value::to_string).unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .map_err(|e| e.to_string())?;
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&response);
        let (head, rest) = text.split_once("\r\n\r\n").ok_or("no HTTP head")?;
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or("no HTTP status")?;
        Ok((status, serde_json::from_str(rest).unwrap_or(Value::Null)))
    }

    /// Waits until `/ready` answers 200, at most `timeout`.
    pub fn wait_ready(&self, timeout: Duration) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if matches!(self.request("GET", "/ready", None), Ok((200, _))) {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err("the sidecar never became ready".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
