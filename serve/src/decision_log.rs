//! Opt-in decision logs: one JSON line per decision (`--decision-log FILE|-`), written by
//! a thread of its own so that a slow disk slows the log, not the lock-free check path.
//! Lines carry a decision id, the time, the tables' revision, the subject, action,
//! resources and effect — never a secret (decisions hold none).

use std::io::Write;
use std::sync::mpsc::{sync_channel, SyncSender};

/// Where decision lines go.
#[derive(Debug, Clone)]
pub struct DecisionLog {
    lines: SyncSender<String>,
}

impl DecisionLog {
    /// Opens `target` (`-` for stdout; a file is appended to) and starts the writer.
    pub fn open(target: &str) -> std::io::Result<DecisionLog> {
        let mut out: Box<dyn Write + Send> = if target == "-" {
            Box::new(std::io::stdout())
        } else {
            Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(target)?,
            )
        };
        // A bounded queue: when the writer falls behind, answering waits rather than
        // dropping audit lines.
        let (lines, rx) = sync_channel::<String>(65_536);
        std::thread::Builder::new()
            .name("decision-log".into())
            .spawn(move || {
                let mut buffered = std::io::BufWriter::new(&mut out);
                while let Ok(line) = rx.recv() {
                    let _ = writeln!(buffered, "{line}");
                    while let Ok(more) = rx.try_recv() {
                        let _ = writeln!(buffered, "{more}");
                    }
                    let _ = buffered.flush();
                }
            })?;
        Ok(DecisionLog { lines })
    }

    /// Logs one decision.
    pub fn record(&self, mut entry: serde_json::Value) {
        if let Some(map) = entry.as_object_mut() {
            map.insert("decision_id".into(), decision_id().into());
            map.insert("time".into(), now_rfc3339().into());
        }
        let _ = self.lines.send(entry.to_string());
    }
}

/// 128 random bits in hex.
fn decision_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        return String::new();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The current UTC time as `2026-12-01T12:34:56.789Z`.
pub fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = now.as_secs();
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        now.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_rfc3339_utc() {
        let t = super::now_rfc3339();
        assert_eq!(t.len(), 24, "{t}");
        assert!(
            t.starts_with("20") && t.ends_with('Z') && t.get(10..11) == Some("T"),
            "{t}"
        );
    }
}
