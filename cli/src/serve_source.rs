//! `rampart serve --postgres URL`: the sidecar over tables compiled from Mission Control's
//! database, kept current. This is the [`TableSource`] the sidecar waits on: it builds
//! tables as `compile --postgres` does (from one snapshot), and waits with the
//! database's change watcher ([`ChangeWatch`]: `LISTEN table_activity`, and the
//! counters of the tables Mission Control does not announce), and for the earliest
//! `until` of an allow in force, after which the tables no longer grant it (an expired
//! deny stays in force: Mission Control enforces no `until`).
//!
//! Every change recompiles the world (applying a change without recompiling is not
//! done); an object the tables do not know yet is looked up on its first request
//! ([`crate::serve_lookup`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rampart_mission_control::session::Database;
use rampart_mission_control::watch::ChangeWatch;
use rampart_runtime::Tables;
use rampart_serve::source::{TableSource, Wake};

/// Quiet polls after which the world is recompiled anyway (the counters are a hint).
const FULL_EVERY: u32 = 12;

/// Mission Control's database as the sidecar's source of tables.
pub struct DatabaseSource {
    database: Database,
    watch: ChangeWatch,
    until: Option<SystemTime>,
    builds: u64,
}

impl DatabaseSource {
    /// The source for `database`.
    pub fn new(database: Database) -> DatabaseSource {
        DatabaseSource {
            watch: ChangeWatch::new(database.clone(), FULL_EVERY),
            database,
            until: None,
            builds: 0,
        }
    }
}

/// A database error with its help line, as one message.
pub(crate) fn message(error: &rampart_mission_control::error::SourceError) -> String {
    match error.help() {
        Some(help) => format!("{error}\n  = help: {help}"),
        None => error.to_string(),
    }
}

impl TableSource for DatabaseSource {
    fn describe(&self) -> String {
        format!("postgres schema `{}`", self.database.schema)
    }

    fn build(&mut self) -> Result<Tables, String> {
        let mut connection = self.database.connect().map_err(|e| message(&e))?;
        let world = rampart_mission_control::world_read::read_world(&mut connection, &[], &|_| {})
            .map_err(|e| message(&e))?;
        // Rows left out are shown once; later builds only count them.
        if self.builds == 0 {
            for w in &world.summary.warnings {
                eprint!("{}", w.render());
            }
        } else if world.summary.warning_count > 0 {
            eprintln!(
                "rampart serve: {} rows left out (as at start: `rampart compile --postgres` names them)",
                world.summary.warning_count
            );
        }
        self.builds += 1;
        let until = world.findings.earliest_until_epoch;
        let compiled = rampart_compiler::compile::compile_loaded(world.loaded, &|_| {})
            .map_err(|d| rampart_compiler::diagnostic::render_all(&d))?;
        let bytes =
            rampart_compiler::emit::encode(&compiled.data, None).map_err(|e| e.to_string())?;
        let tables = Tables::from_bytes(&bytes).map_err(|e| e.to_string())?;
        self.until = until.map(|s| UNIX_EPOCH + Duration::from_secs_f64(s.max(0.0)));
        Ok(tables)
    }

    fn wait(&mut self, timeout: Duration) -> Wake {
        let until_passed =
            |until: Option<SystemTime>| until.is_some_and(|u| SystemTime::now() >= u);
        if until_passed(self.until) {
            return Wake::Changed("a permission's `until` passed".to_string());
        }
        let timeout = match self.until.map(|u| u.duration_since(SystemTime::now())) {
            Some(Ok(left)) => timeout.min(left + Duration::from_millis(1)),
            _ => timeout,
        };
        match self.watch.wait(timeout) {
            Ok(Some(change)) => Wake::Changed(change.to_string()),
            Ok(None) if until_passed(self.until) => {
                Wake::Changed("a permission's `until` passed".to_string())
            }
            Ok(None) => Wake::Unchanged,
            Err(e) => Wake::Failed(message(&e)),
        }
    }
}
