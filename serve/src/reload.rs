//! Hot reload: the table file's directory is watched (so that an atomic rename and the
//! Kubernetes ConfigMap pattern — a `..data` symlink swapped to a new directory — are
//! both seen), `SIGHUP` forces a reload, and a reload swaps in new tables only when they
//! load and verify; otherwise the last good tables keep answering.
//!
//! Reloads run on a thread of their own: loading and validating a large table file must
//! not hold up the threads that answer requests.
//!
//! A reload reads the file only when it is another file than the one read last (its
//! device, inode, size, modification and change times differ) or on `SIGHUP`: events
//! that change nothing, such as the reload's own reads (inotify reports every open and
//! close), are ignored, so a reload never triggers the next one and a refused file is
//! reported once per change, not many times a second. Every read is counted
//! (`rampart_table_reads_total`).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::os::unix::fs::MetadataExt;

use notify::{EventKind, RecursiveMode, Watcher};
use rampart_runtime::{PublicKey, Tables};

use super::app::App;

/// Why a reload was asked for.
#[derive(Debug, Clone, Copy)]
pub enum Trigger {
    /// The file or its directory changed.
    Changed,
    /// `SIGHUP`.
    Signal,
}

/// Starts the watcher and the reload thread; returns the sender `SIGHUP` uses and the
/// watcher (which must be kept alive).
pub fn start(
    app: Arc<App>,
    path: PathBuf,
    key: Option<PublicKey>,
    loaded: Option<FileIdentity>,
) -> Result<(Sender<Trigger>, notify::RecommendedWatcher), String> {
    let (tx, rx) = channel::<Trigger>();
    let changed = tx.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| changes_files(&e.kind)) {
            let _ = changed.send(Trigger::Changed);
        }
    })
    .map_err(|e| format!("cannot watch the table file: {e}"))?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    watcher
        .watch(&dir, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch `{}`: {e}", dir.display()))?;
    // A change between the first load and the watch would otherwise wait for the next
    // event: look once now (the identity check makes this free when nothing changed).
    let _ = tx.send(Trigger::Changed);
    std::thread::Builder::new()
        .name("reload".into())
        .spawn(move || reload_loop(&app, &path, key.as_ref(), loaded, &rx))
        .map_err(|e| format!("cannot start the reload thread: {e}"))?;
    Ok((tx, watcher))
}

/// Whether an event can mean another file at the watched path: not reads, opens and
/// closes (`Access`), which the reload's own reads cause.
fn changes_files(kind: &EventKind) -> bool {
    !matches!(kind, EventKind::Access(_))
}

fn reload_loop(
    app: &App,
    path: &Path,
    key: Option<&PublicKey>,
    loaded: Option<FileIdentity>,
    rx: &Receiver<Trigger>,
) {
    let mut last = loaded;
    while let Ok(first) = rx.recv() {
        // Writers rarely change a file in one event: wait for the burst to settle.
        std::thread::sleep(Duration::from_millis(150));
        let mut forced = matches!(first, Trigger::Signal);
        while let Ok(more) = rx.try_recv() {
            forced |= matches!(more, Trigger::Signal);
        }
        let now = FileIdentity::of(path);
        if !forced && now == last {
            continue;
        }
        last = now;
        reload(app, path, key, forced);
    }
}

/// What tells one file at a path from another without reading it: taken before the
/// tables in force were read, so that a change while they were read is seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    device: u64,
    inode: u64,
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl FileIdentity {
    /// The identity of the file `path` names now (through symbolic links), or `None`
    /// when there is none (being replaced, say).
    pub fn of(path: &Path) -> Option<FileIdentity> {
        let m = std::fs::metadata(path).ok()?;
        Some(FileIdentity {
            device: m.dev(),
            inode: m.ino(),
            size: m.size(),
            modified: (m.mtime(), m.mtime_nsec()),
            changed: (m.ctime(), m.ctime_nsec()),
        })
    }
}

/// Loads `path` and swaps it in when it differs from the tables in force (or when
/// `forced`); a file that fails to load or verify is reported and changes nothing.
pub fn reload(app: &App, path: &Path, key: Option<&PublicKey>, forced: bool) {
    let started = Instant::now();
    app.metrics.table_read();
    let loaded = match key {
        Some(key) => Tables::load_verified(path, key),
        None => Tables::load(path),
    };
    match loaded {
        Ok(tables) => {
            let current = app.handle.current();
            if !forced && tables.revision() == current.revision() {
                // The file holds the tables in force (a rollback after a refused file,
                // say): nothing to swap, but whatever was refused before is behind us.
                if app.metrics.stale().is_some() {
                    eprintln!(
                        "rampart serve: `{}` holds the tables in force ({}) again",
                        path.display(),
                        current.revision()
                    );
                }
                app.metrics.current();
                return;
            }
            let revision = tables.revision().to_string();
            app.handle.replace(tables);
            app.metrics.loaded(started.elapsed(), true);
            eprintln!(
                "rampart serve: tables {revision} loaded in {:.1} ms (were {})",
                started.elapsed().as_secs_f64() * 1e3,
                current.revision()
            );
        }
        Err(e) => {
            // A file being written shows up as truncated: its next change retries.
            app.metrics.reload_failed();
            app.metrics.table_file_refused(e.code());
            eprintln!(
                "rampart serve: kept tables {}: `{}` did not load: {e}",
                app.handle.current().revision(),
                path.display()
            );
        }
    }
}
