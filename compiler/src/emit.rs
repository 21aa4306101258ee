//! Emit: tables to bytes (the runtime's encoder, optionally signed) and bytes to a file,
//! replacing the output atomically. The temporary file is created exclusively (`O_EXCL`,
//! which also refuses to follow a planted symlink) under a random name in the target's
//! directory, and removed on every failure path, including a compile interrupted by a
//! signal while it writes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ed25519_dalek::SigningKey;
use rampart_runtime::schema::TablesData;

/// The compiler version written into table headers.
pub const COMPILER_VERSION: &str = concat!("rampart ", env!("CARGO_PKG_VERSION"));

/// Why tables could not be written.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// The tables could not be encoded.
    #[error("cannot encode the tables: {0}")]
    Encode(String),
    /// The file could not be written.
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// The output file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
}

/// Encodes tables, signed when a key is given.
pub fn encode(data: &TablesData, key: Option<&SigningKey>) -> Result<Vec<u8>, EmitError> {
    rampart_runtime::build::encode(data, COMPILER_VERSION, key)
        .map_err(|e| EmitError::Encode(e.to_string()))
}

/// Temporary files being written, removed if the process is interrupted.
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes every temporary file still being written (called on SIGINT/SIGTERM).
pub fn remove_in_flight() {
    if let Ok(list) = IN_FLIGHT.lock() {
        for path in list.iter() {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 12];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes.copy_from_slice(&nanos.to_le_bytes()[..12]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A test seam: `RAMPART_PAUSE_BEFORE_RENAME_MS` holds a write between the temporary file
/// and the rename, so a test can interrupt a compile at that moment.
fn pause_for_tests() {
    if let Some(ms) = std::env::var("RAMPART_PAUSE_BEFORE_RENAME_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Writes `bytes` to `output` through an exclusively created temporary file in the same
/// directory, then renames it over `output`. On any error `output` is untouched and the
/// temporary file is gone.
pub fn write_atomically(bytes: &[u8], output: &Path) -> Result<(), EmitError> {
    write_atomically_with(output, |file| file.write_all(bytes))
}

/// Like [`write_atomically`], with the content written by `write` (which may stream it:
/// a catalog of a million configs is never held whole).
pub fn write_atomically_with(
    output: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), EmitError> {
    let failed = |source: std::io::Error| EmitError::Write {
        path: output.to_path_buf(),
        source,
    };
    let directory = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tables".into());
    let mut created = None;
    for _ in 0..16 {
        let candidate = directory.join(format!(".{file_name}.{}.tmp", random_suffix()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o644);
        }
        match options.open(&candidate) {
            Ok(file) => {
                created = Some((candidate, file));
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(failed(e)),
        }
    }
    let Some((temporary, mut file)) = created else {
        return Err(failed(std::io::Error::other("no free temporary file name")));
    };
    if let Ok(mut list) = IN_FLIGHT.lock() {
        list.push(temporary.clone());
    }
    let result = (|| -> std::io::Result<()> {
        write(&mut file)?;
        file.sync_all()?;
        drop(file);
        pause_for_tests();
        std::fs::rename(&temporary, output)
    })();
    if let Ok(mut list) = IN_FLIGHT.lock() {
        list.retain(|p| *p != temporary);
    }
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(failed(e));
    }
    Ok(())
}

/// Encodes and writes tables; returns the number of bytes written.
pub fn write_tables(
    data: &TablesData,
    output: &Path,
    key: Option<&SigningKey>,
) -> Result<usize, EmitError> {
    let bytes = encode(data, key)?;
    write_atomically(&bytes, output)?;
    Ok(bytes.len())
}
