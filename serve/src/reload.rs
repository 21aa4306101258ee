//! Hot reload: the table file's directory is watched (so that an atomic rename and the
//! Kubernetes ConfigMap pattern — a `..data` symlink swapped to a new directory — are
//! both seen), `SIGHUP` forces a reload, and a reload swaps in new tables only when they
//! load and verify; otherwise the last good tables keep answering.
//!
//! Reloads run on a thread of their own: loading and validating a large table file must
//! not hold up the threads that answer requests.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};
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
) -> Result<(Sender<Trigger>, notify::RecommendedWatcher), String> {
    let (tx, rx) = channel::<Trigger>();
    let changed = tx.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok() {
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
    std::thread::Builder::new()
        .name("reload".into())
        .spawn(move || reload_loop(&app, &path, key.as_ref(), &rx))
        .map_err(|e| format!("cannot start the reload thread: {e}"))?;
    Ok((tx, watcher))
}

fn reload_loop(app: &App, path: &Path, key: Option<&PublicKey>, rx: &Receiver<Trigger>) {
    while let Ok(first) = rx.recv() {
        // Writers rarely change a file in one event: wait for the burst to settle.
        std::thread::sleep(Duration::from_millis(150));
        let mut forced = matches!(first, Trigger::Signal);
        while let Ok(more) = rx.try_recv() {
            forced |= matches!(more, Trigger::Signal);
        }
        reload(app, path, key, forced);
    }
}

/// Loads `path` and swaps it in when it differs from the tables in force (or when
/// `forced`); a file that fails to load or verify is reported and changes nothing.
pub fn reload(app: &App, path: &Path, key: Option<&PublicKey>, forced: bool) {
    let started = Instant::now();
    let loaded = match key {
        Some(key) => Tables::load_verified(path, key),
        None => Tables::load(path),
    };
    match loaded {
        Ok(tables) => {
            let current = app.handle.current();
            if !forced && tables.revision() == current.revision() {
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
            // A file being written shows up as truncated: the next event retries.
            app.metrics.reload_failed();
            eprintln!(
                "rampart serve: kept tables {}: `{}` did not load: {e}",
                app.handle.current().revision(),
                path.display()
            );
        }
    }
}
