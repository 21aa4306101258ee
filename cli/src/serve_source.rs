//! `rampart serve --postgres URL`: the sidecar over tables compiled from Mission Control's
//! database, kept current. This is the [`TableSource`] the sidecar waits on: it builds
//! tables as `compile --postgres` does (from one snapshot), and waits with the
//! database's change watcher ([`ChangeWatch`]: `LISTEN table_activity`, and the
//! counters of the tables Mission Control does not announce), and for the earliest
//! `until` of an allow in force, after which the tables no longer grant it (an expired
//! deny stays in force: Mission Control enforces no `until`).
//!
//! A wake by `team_members` notifications alone is first tried without compiling
//! ([`Memberships`]: the changed memberships applied to the tables in force, when that
//! provably gives what a compile would); every other change, and every membership change
//! the shortcut refuses, recompiles the world. An object the tables do not know yet is
//! looked up on its first request ([`crate::serve_lookup`]).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rampart_compiler::catalog::Catalog;
use rampart_compiler::compile::CatalogWorld;
use rampart_compiler::diagnostic::Diagnostic;
use rampart_compiler::regroup::Regrouper;
use rampart_mission_control::memberships::{Applied, Memberships};
use rampart_mission_control::parsed_rows::ParsedRows;
use rampart_mission_control::session::Database;
use rampart_mission_control::watch::{Change, ChangeWatch};
use rampart_mission_control::world_read::CatalogNames;
use rampart_runtime::Tables;
use rampart_serve::source::{RefusedRow, TableSource, Wake};

/// Quiet polls after which the world is recompiled anyway (the counters are a hint).
const FULL_EVERY: u32 = 12;

/// Reads of the world one build may make while leaving out allows that do not compile
/// (each pass leaves out every allow the compiler's failing phase named).
const MAX_PASSES: u32 = 8;

/// Mission Control's database as the sidecar's source of tables.
pub struct DatabaseSource {
    database: Database,
    watch: ChangeWatch,
    until: Option<SystemTime>,
    builds: u64,
    /// The rows the last build refused, when it got as far as compiling.
    refused: Option<Vec<RefusedRow>>,
    /// The rows last shown in the log, so that a row is logged once, not every refresh.
    logged: Vec<RefusedRow>,
    /// The tables in force with what applying membership changes needs (none after a
    /// failed build).
    memberships: Option<Memberships>,
    /// Whether the last wake was `team_members` notifications alone.
    memberships_changed: bool,
    /// Whether the last wake was policy rows alone (or an `until` passing).
    policy_changed: bool,
    /// The catalog of the tables in force, kept while only policy rows change (none
    /// after memberships were applied to the tables without it).
    catalog: Option<HeldCatalog>,
    /// Permission rows parsed by the last reads (kept whatever changed: a row is
    /// reused only when it renders as the very same document).
    parsed: ParsedRows,
}

/// A catalog read from the database, kept for compiling changed policy rows against.
struct HeldCatalog {
    /// Its world, built once.
    world: CatalogWorld,
    /// What reading the policy rows again needs of it.
    names: CatalogNames,
    /// Its people and teams, for applying membership changes.
    held: Catalog,
}

impl DatabaseSource {
    /// The source for `database`.
    pub fn new(database: Database) -> DatabaseSource {
        DatabaseSource {
            watch: ChangeWatch::new(database.clone(), FULL_EVERY),
            database,
            until: None,
            builds: 0,
            refused: None,
            logged: Vec::new(),
            memberships: None,
            memberships_changed: false,
            policy_changed: false,
            catalog: None,
            parsed: ParsedRows::default(),
        }
    }

    /// Applies changed memberships to the tables in force without compiling: the new
    /// tables and whether any membership changed, or `None` when a full compile is needed
    /// (the log says why).
    fn apply_memberships(&mut self) -> Option<(Tables, bool)> {
        let memberships = self.memberships.as_mut()?;
        let started = std::time::Instant::now();
        let applied = self
            .database
            .connect()
            .and_then(|mut connection| memberships.apply(&mut connection));
        let (regrouped, changed) = match applied {
            Ok(Applied::Applied(regrouped)) => (regrouped, true),
            Ok(Applied::Unchanged) => (Default::default(), false),
            Ok(Applied::Recompile(why)) => {
                eprintln!("rampart serve: memberships changed; compiling again: {why}");
                return None;
            }
            Err(e) => {
                eprintln!(
                    "rampart serve: memberships could not be read; compiling again: {}",
                    message(&e)
                );
                return None;
            }
        };
        let applied_in = started.elapsed();
        // Loaded as a file is: every row re-proved from its rules, and a revision.
        let tables = rampart_compiler::emit::encode(memberships.data(), None)
            .map_err(|e| e.to_string())
            .and_then(|bytes| Tables::from_bytes(&bytes).map_err(|e| e.to_string()));
        match tables {
            Ok(tables) => {
                eprintln!(
                    "rampart serve: memberships applied without compiling: {} principals moved, {} new classes, in {} ms ({} ms reading and regrouping, {} ms encoding and loading)",
                    regrouped.moved,
                    regrouped.new_classes,
                    started.elapsed().as_millis(),
                    applied_in.as_millis(),
                    (started.elapsed() - applied_in).as_millis()
                );
                Some((tables, changed))
            }
            Err(e) => {
                eprintln!("rampart serve: the regrouped tables did not load; compiling again: {e}");
                self.memberships = None;
                None
            }
        }
    }

    /// Shows the refused rows in the log when they changed since last shown.
    fn log_refused(&mut self, rows: &[RefusedRow]) {
        if rows == self.logged.as_slice() {
            return;
        }
        for r in rows {
            let outcome = if r.left_out {
                "left out (an allow: the rest is applied)"
            } else {
                "refuses the refresh (leaving it out could widen access: the tables in force stay)"
            };
            eprintln!(
                "rampart serve: {} row `{}` does not compile and {outcome}: {}",
                r.table, r.id, r.reason
            );
        }
        self.logged = rows.to_vec();
    }
}

/// What a failed compile refused: the rows its errors name (an allow `permissions` row, a
/// `scopes` row or a `permission_groups` row may be left out; any other row refuses the
/// refresh), and whether an error names no
/// row (a problem of the world as a whole, which refuses the refresh too).
struct Refused {
    rows: Vec<RefusedRow>,
    blocking: bool,
}

fn refused_rows(diagnostics: &[Diagnostic], allows: &BTreeSet<String>) -> Refused {
    let mut rows: BTreeMap<(String, String), RefusedRow> = BTreeMap::new();
    let mut blocking = false;
    for d in diagnostics.iter().filter(|d| !d.warning) {
        let Some(origin) = d.row() else {
            blocking = true;
            continue;
        };
        // Leaving out an allow, a scope (its allows are then left out as referencing a
        // missing scope, its denies refused) or a permission group (its allows left out
        // as naming an unknown group, its denies refused) only ever narrows access.
        let left_out = (origin.table == "permissions" && allows.contains(&origin.id))
            || origin.table == "scopes"
            || (origin.table == "permission_groups"
                && rampart_mission_control::policy_read::group_row_may_be_left_out(
                    origin.name.as_deref(),
                ));
        rows.entry((origin.table.clone(), origin.id.clone()))
            .or_insert_with(|| RefusedRow {
                table: origin.table.clone(),
                id: origin.id.clone(),
                reason: rampart_compiler::diagnostic::escape_controls(&d.message).to_string(),
                left_out,
            });
    }
    Refused {
        rows: rows.into_values().collect(),
        blocking,
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
        if std::mem::take(&mut self.memberships_changed) {
            if let Some((tables, changed)) = self.apply_memberships() {
                if changed {
                    // The catalog held no longer has the teams' members in force (even
                    // when no one moved class: a later rule may tell the memberships
                    // apart).
                    self.catalog = None;
                }
                return Ok(tables);
            }
        }
        self.memberships = None;
        self.refused = None;
        // Only a wake by policy rows alone compiles against the catalog read before; any
        // other build reads the catalog again, and until it has, none is held (a failed
        // read must not leave an older catalog for the next policy change to use).
        let policy_only = std::mem::take(&mut self.policy_changed) && self.catalog.is_some();
        if !policy_only {
            self.catalog = None;
        }
        let started = std::time::Instant::now();
        let mut reading = Duration::ZERO;
        let mut compiling = Duration::ZERO;
        let mut connection = self.database.connect().map_err(|e| message(&e))?;
        // Allows found not to compile, left out of the next pass.
        let mut left_out: BTreeMap<String, RefusedRow> = BTreeMap::new();
        let mut pass = 0;
        // Whether a pass read the whole database (else only the policy rows).
        let mut whole = false;
        let (compiled, world_summary, until) = loop {
            pass += 1;
            let excluded: BTreeSet<String> = left_out.keys().cloned().collect();
            let read_started = std::time::Instant::now();
            // The catalog read before (by this build's first pass, or by an earlier build
            // when only policy rows changed since), while the database still holds it.
            let policy_read = match &self.catalog {
                Some(catalog) => rampart_mission_control::world_read::read_policy_world(
                    &mut connection,
                    &catalog.names,
                    &excluded,
                    &mut self.parsed,
                )
                .map_err(|e| message(&e))?,
                None => None,
            };
            if policy_read.is_none() && self.catalog.take().is_some() {
                eprintln!(
                    "rampart serve: the catalog tables changed since they were read (their counters are not published yet); reading the whole database"
                );
            }
            let (policy, summary, findings) = match policy_read {
                Some(read) => (read.policy, read.summary, read.findings),
                None => {
                    whole = true;
                    let world = rampart_mission_control::world_read::read_world_refusing(
                        &mut connection,
                        &[],
                        &|_| {},
                        &excluded,
                        &mut self.parsed,
                    )
                    .map_err(|e| message(&e))?;
                    let (catalog, policy) = world.loaded.into_parts();
                    let held = Catalog {
                        people: catalog.catalog.people.clone(),
                        teams: catalog.catalog.teams.clone(),
                        ..Catalog::default()
                    };
                    self.catalog = Some(HeldCatalog {
                        world: CatalogWorld::build(catalog),
                        names: world.names,
                        held,
                    });
                    (policy, world.summary, world.findings)
                }
            };
            reading += read_started.elapsed();
            let Some(catalog) = &self.catalog else {
                return Err("no catalog was read".to_string());
            };
            let allows = findings.allow_rows;
            let until = findings.earliest_until_epoch;
            let compile_started = std::time::Instant::now();
            let compiled = rampart_compiler::compile::compile_in(&catalog.world, policy, &|_| {});
            compiling += compile_started.elapsed();
            match compiled {
                Ok(compiled) => break (compiled, summary, until),
                Err(diagnostics) => {
                    let refused = refused_rows(&diagnostics, &allows);
                    let blocked = refused.blocking || refused.rows.iter().any(|r| !r.left_out);
                    let found_new = refused.rows.iter().any(|r| r.left_out);
                    if !blocked && found_new && pass < MAX_PASSES {
                        left_out.extend(refused.rows.into_iter().map(|r| (r.id.clone(), r)));
                        continue;
                    }
                    let rows: Vec<RefusedRow> =
                        left_out.into_values().chain(refused.rows).collect();
                    self.log_refused(&rows);
                    self.refused = Some(rows);
                    return Err(rampart_compiler::diagnostic::render_all(&diagnostics));
                }
            }
        };
        // Rows left out are shown once; later builds only count them.
        if self.builds == 0 {
            for w in &world_summary.warnings {
                eprint!("{}", w.render());
            }
        } else if world_summary.warning_count > 0 {
            eprintln!(
                "rampart serve: {} rows left out (as at start: `rampart compile --postgres` names them)",
                world_summary.warning_count
            );
        }
        self.builds += 1;
        let load_started = std::time::Instant::now();
        let bytes =
            rampart_compiler::emit::encode(&compiled.data, None).map_err(|e| e.to_string())?;
        let tables = Tables::from_bytes(&bytes).map_err(|e| e.to_string())?;
        let loading = load_started.elapsed();
        let held = self.catalog.as_ref().map(|c| &c.held);
        let mut memberships = Memberships::new(
            compiled.data,
            Regrouper::new(compiled.model.units),
            held.unwrap_or(&Catalog::default()),
        );
        // Without the casbin rows read, every membership change compiles again.
        match memberships.prime(&mut connection) {
            Ok(()) => self.memberships = Some(memberships),
            Err(e) => eprintln!(
                "rampart serve: membership changes will compile again: {}",
                message(&e)
            ),
        }
        eprintln!(
            "rampart serve: compiled in {} ms ({} ms reading {}, {} ms compiling, {} ms encoding and loading, {} pass{})",
            started.elapsed().as_millis(),
            reading.as_millis(),
            if whole {
                "the database"
            } else {
                "the policy rows (the catalog as read before)"
            },
            compiling.as_millis(),
            loading.as_millis(),
            pass,
            if pass == 1 { "" } else { "es" }
        );
        self.until = until.map(|s| UNIX_EPOCH + Duration::from_secs_f64(s.max(0.0)));
        let rows: Vec<RefusedRow> = left_out.into_values().collect();
        self.log_refused(&rows);
        self.refused = Some(rows);
        Ok(tables)
    }

    fn refused_rows(&self) -> Option<Vec<RefusedRow>> {
        self.refused.clone()
    }

    fn wait(&mut self, timeout: Duration) -> Wake {
        self.memberships_changed = false;
        self.policy_changed = false;
        let until_passed =
            |until: Option<SystemTime>| until.is_some_and(|u| SystemTime::now() >= u);
        if until_passed(self.until) {
            // Only which rows are in force changed, not the catalog.
            self.policy_changed = true;
            return Wake::Changed("a permission's `until` passed".to_string());
        }
        let timeout = match self.until.map(|u| u.duration_since(SystemTime::now())) {
            Some(Ok(left)) => timeout.min(left + Duration::from_millis(1)),
            _ => timeout,
        };
        match self.watch.wait(timeout) {
            Ok(Some(change)) => {
                self.memberships_changed = change == Change::Memberships;
                self.policy_changed = change == Change::Policy;
                Wake::Changed(change.to_string())
            }
            Ok(None) if until_passed(self.until) => {
                self.policy_changed = true;
                Wake::Changed("a permission's `until` passed".to_string())
            }
            Ok(None) => Wake::Unchanged,
            Err(e) => Wake::Failed(message(&e)),
        }
    }
}
