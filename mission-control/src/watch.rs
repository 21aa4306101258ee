//! Watching Mission Control's database for changes that may alter decisions, for
//! `rampart serve --postgres`: `LISTEN table_activity` covers the tables Mission Control
//! announces (permissions, permission groups, scopes, teams, memberships, playbooks,
//! notifications); the tables it does not announce (people, casbin rows, agents, configs,
//! components, connections) are polled with a cheap fingerprint, their insert, update and
//! delete counters in `pg_stat_user_tables`; and every table's file node
//! (`pg_relation_filenode`, which a `TRUNCATE` replaces while moving no counter and, on
//! an announced table, firing no row trigger) is polled too. Those
//! counters are a hint (the server
//! publishes them within about a second, or ten when the writer stays idle), never a
//! proof: every `full_every` quiet polls a change is reported anyway, which bounds how
//! long a change the hint missed can go unseen.
//!
//! A listener that (re)connects has lost whatever was sent while it was away, so a
//! (re)connection is itself reported as a change.

use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;

use crate::error::SourceError;
use crate::session::{Connection, Database};

/// The channel Mission Control's triggers notify.
pub const CHANNEL: &str = "table_activity";

/// Why the database may have changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A notification (its table and operation).
    Notified(String),
    /// Notifications of `team_members` only, with no polled table's counters or file
    /// moved: memberships may be applied without compiling again
    /// ([`crate::memberships`]).
    Memberships,
    /// Notifications of policy tables only (`permissions`, `permission_groups`,
    /// `scopes`), with no polled table's counters or file moved: the policy rows may be
    /// read again and compiled against the catalog read before
    /// ([`crate::world_read::read_policy_world`]).
    Policy,
    /// The counters of a polled table moved, or a table got a new file (a `TRUNCATE`).
    Polled,
    /// The listener (re)connected: notifications sent meanwhile are lost.
    Connected,
    /// The periodic full refresh (the counters are only a hint).
    Periodic,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Notified(what) => write!(f, "notified: {what}"),
            Change::Memberships => f.write_str("notified: team_members only"),
            Change::Policy => f.write_str("notified: policy rows only"),
            Change::Polled => f.write_str("a polled table's counters or a table's file moved"),
            Change::Connected => f.write_str("the change listener connected"),
            Change::Periodic => f.write_str("periodic refresh"),
        }
    }
}

/// The watcher: a connection of its own that listens, and the last fingerprint.
pub struct ChangeWatch {
    database: Database,
    connection: Option<Connection>,
    fingerprint: Option<Vec<(String, i64, i64)>>,
    quiet_polls: u32,
    full_every: u32,
}

impl ChangeWatch {
    /// A watcher of `database`; a change is reported at least every `full_every` polls.
    pub fn new(database: Database, full_every: u32) -> ChangeWatch {
        ChangeWatch {
            database,
            connection: None,
            fingerprint: None,
            quiet_polls: 0,
            full_every: full_every.max(1),
        }
    }

    /// Waits up to `timeout` for a notification, then polls: `Ok(Some(change))` when the
    /// database may have changed, `Ok(None)` when it has not. After an error the next
    /// call reconnects (and reports [`Change::Connected`]).
    pub fn wait(&mut self, timeout: Duration) -> Result<Option<Change>, SourceError> {
        let Some(connection) = self.connection.as_mut() else {
            let mut connection = self.database.connect()?;
            connection.execute(&format!("LISTEN {CHANNEL}"))?;
            self.fingerprint = Some(fingerprint(&mut connection)?);
            self.connection = Some(connection);
            self.quiet_polls = 0;
            return Ok(Some(Change::Connected));
        };
        let result = wait_on(connection, timeout, &mut self.fingerprint);
        match result {
            // Memberships applied without compiling, and policy rows compiled against
            // the catalog read before, confirm nothing else: they count toward the
            // periodic refresh as quiet polls do, so a stream of them cannot hold it
            // off.
            Ok(Some(change @ (Change::Memberships | Change::Policy))) => {
                self.quiet_polls += 1;
                if self.quiet_polls >= self.full_every {
                    self.quiet_polls = 0;
                    return Ok(Some(Change::Periodic));
                }
                Ok(Some(change))
            }
            Ok(Some(change)) => {
                self.quiet_polls = 0;
                Ok(Some(change))
            }
            Ok(None) => {
                self.quiet_polls += 1;
                if self.quiet_polls >= self.full_every {
                    self.quiet_polls = 0;
                    return Ok(Some(Change::Periodic));
                }
                Ok(None)
            }
            Err(e) => {
                self.connection = None;
                Err(e)
            }
        }
    }
}

/// The tables whose rows are policy, not catalog: a change to them alone leaves the
/// catalog as it was read.
const POLICY_TABLES: [&str; 3] = ["permissions", "permission_groups", "scopes"];

fn wait_on(
    connection: &mut Connection,
    timeout: Duration,
    last: &mut Option<Vec<(String, i64, i64)>>,
) -> Result<Option<Change>, SourceError> {
    let listen_error = |e: postgres::Error| SourceError::query("the change notifications", &e);
    let first = {
        let mut notifications = connection.client().notifications();
        let first = notifications
            .timeout_iter(timeout)
            .next()
            .map_err(listen_error)?;
        first.map(|n| {
            let mut words = n.payload().split_whitespace();
            let table = words.next().unwrap_or("").to_string();
            let operation = words.next().unwrap_or("").to_string();
            format!("{table} {operation}")
        })
    };
    if let Some(what) = first {
        // Writers change several rows at once: let the burst arrive, then take it all.
        std::thread::sleep(Duration::from_millis(20));
        let table_of = |what: &str| what.split_whitespace().next().unwrap_or("").to_string();
        let mut tables = std::collections::BTreeSet::from([table_of(&what)]);
        {
            let mut notifications = connection.client().notifications();
            let mut pending = notifications.iter();
            while let Some(n) = pending.next().map_err(listen_error)? {
                tables.insert(table_of(n.payload()));
            }
        }
        let now = fingerprint(connection)?;
        let moved = last.as_ref() != Some(&now);
        *last = Some(now);
        if !moved && tables.iter().all(|t| t == "team_members") {
            return Ok(Some(Change::Memberships));
        }
        if !moved && tables.iter().all(|t| POLICY_TABLES.contains(&t.as_str())) {
            return Ok(Some(Change::Policy));
        }
        return Ok(Some(Change::Notified(what)));
    }
    let now = fingerprint(connection)?;
    if last.as_ref() != Some(&now) {
        *last = Some(now);
        return Ok(Some(Change::Polled));
    }
    Ok(None)
}

/// The insert, update and delete counters of the tables Mission Control does not
/// announce, and the file node of every table read (`TRUNCATE` moves no counter and
/// fires no row trigger, so announces nothing, but gives the table a new file). The
/// counters of announced tables are left out (0): their changes arrive as
/// notifications, and a counter published a second later would refresh again.
fn fingerprint(connection: &mut Connection) -> Result<Vec<(String, i64, i64)>, SourceError> {
    let tables = crate::world_read::world_tables();
    let polled: Vec<String> = tables
        .iter()
        .filter(|t| !t.notifies)
        .map(|t| t.name.to_string())
        .collect();
    let all: Vec<String> = tables.iter().map(|t| t.name.to_string()).collect();
    let schema = connection.schema().to_string();
    let sql = "SELECT relname::text, \
                      CASE WHEN relname = ANY($2) THEN n_tup_ins + n_tup_upd + n_tup_del ELSE 0 END, \
                      coalesce(pg_catalog.pg_relation_filenode(relid)::text::bigint, 0) \
               FROM pg_catalog.pg_stat_user_tables \
               WHERE schemaname = $1 AND relname = ANY($3) ORDER BY relname";
    let rows = connection.query("the table counters", sql, &[&schema, &polled, &all])?;
    rows.iter()
        .map(|row| {
            let name: String = row
                .try_get(0)
                .map_err(|e| SourceError::query("the table counters", &e))?;
            let count: i64 = row
                .try_get(1)
                .map_err(|e| SourceError::query("the table counters", &e))?;
            let file: i64 = row
                .try_get(2)
                .map_err(|e| SourceError::query("the table counters", &e))?;
            Ok((name, count, file))
        })
        .collect()
}
