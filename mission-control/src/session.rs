//! The connection to Mission Control's database and the snapshot every read happens in:
//! one `REPEATABLE READ READ ONLY` transaction (the catalog and the policy rows are one
//! consistent state, and nothing can be written), with `row_security = off` so that a
//! read row-level security would filter fails loudly instead of returning fewer rows.
//!
//! Every statement goes through [`Snapshot`] (or [`Connection::execute`]), which records
//! it in the connection's statement log: the tests read that log to prove that no
//! credential column and no `config` column is ever selected. Rows are streamed through
//! a portal in batches, so memory does not grow with the number of rows.

use std::sync::{Arc, Mutex};

use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Transaction};

use crate::error::SourceError;
use crate::identifier::quote_identifier;

/// Rows fetched per round trip when streaming.
pub const BATCH_ROWS: i32 = 5_000;

/// The statements a connection ran, in order.
#[derive(Clone, Debug, Default)]
pub struct StatementLog(Arc<Mutex<Vec<String>>>);

impl StatementLog {
    fn record(&self, statement: &str) {
        if let Ok(mut list) = self.0.lock() {
            list.push(statement.to_string());
        }
    }

    /// Every statement so far.
    pub fn statements(&self) -> Vec<String> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

/// Where Mission Control's tables are: a connection string and a schema.
#[derive(Clone)]
pub struct Database {
    url: String,
    /// The schema holding the tables (`public`).
    pub schema: String,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never shown.
        f.debug_struct("Database")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// A database by its URL (`postgresql://user@host:port/db`) and schema.
    pub fn new(url: impl Into<String>, schema: impl Into<String>) -> Database {
        Database {
            url: url.into(),
            schema: schema.into(),
        }
    }

    /// Connects (sets `application_name` to `rampart` when the URL does not).
    pub fn connect(&self) -> Result<Connection, SourceError> {
        let mut config: postgres::Config = self
            .url
            .parse()
            .map_err(|e: postgres::Error| SourceError::Url(e.to_string()))?;
        if config.get_application_name().is_none() {
            config.application_name("rampart");
        }
        // As libpq does: a password from the environment when the URL has none (a
        // password on the command line is visible to every user of the machine).
        if config.get_password().is_none() {
            if let Ok(password) = std::env::var("PGPASSWORD") {
                config.password(password);
            }
        }
        let mut client = config
            .connect(NoTls)
            .map_err(|e| SourceError::Connect(crate::error::message_of(&e)))?;
        let log = StatementLog::default();
        let role_query = "SELECT current_user::text";
        log.record(role_query);
        let role: String = client
            .query_one(role_query, &[])
            .and_then(|row| row.try_get(0))
            .map_err(|e| SourceError::query("the current role", &e))?;
        Ok(Connection {
            client,
            schema: self.schema.clone(),
            role,
            log,
        })
    }
}

/// An open connection.
pub struct Connection {
    client: Client,
    schema: String,
    role: String,
    log: StatementLog,
}

impl Connection {
    /// The role connected as.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The schema read.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The statement log (shared: it keeps growing as the connection is used).
    pub fn log(&self) -> StatementLog {
        self.log.clone()
    }

    /// Runs statements outside a snapshot (`LISTEN`), recorded in the log.
    pub fn execute(&mut self, statements: &str) -> Result<(), SourceError> {
        self.log.record(statements);
        self.client
            .batch_execute(statements)
            .map_err(|e| SourceError::query("the change notifications", &e))
    }

    /// Runs a query outside a snapshot (the change watcher's counters), recorded in the
    /// log.
    pub fn query(
        &mut self,
        what: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, SourceError> {
        self.log.record(sql);
        self.client
            .query(sql, params)
            .map_err(|e| SourceError::query(what, &e))
    }

    /// The client, for notifications.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// Starts a read-only, repeatable-read snapshot in which row-level security cannot
    /// silently hide rows.
    pub fn snapshot(&mut self) -> Result<Snapshot<'_>, SourceError> {
        const BEGIN: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
        self.log.record(BEGIN);
        let mut transaction = self
            .client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(|e| SourceError::query("a snapshot", &e))?;
        // JIT compilation costs seconds on these one-pass reads and saves nothing.
        const NO_ROW_SECURITY: &str = "SET LOCAL row_security = off; SET LOCAL jit = off";
        self.log.record(NO_ROW_SECURITY);
        transaction
            .batch_execute(NO_ROW_SECURITY)
            .map_err(|e| SourceError::query("a snapshot", &e))?;
        Ok(Snapshot {
            transaction,
            schema: &self.schema,
            role: &self.role,
            log: &self.log,
        })
    }
}

/// One consistent, read-only view of the database.
pub struct Snapshot<'c> {
    transaction: Transaction<'c>,
    schema: &'c str,
    role: &'c str,
    log: &'c StatementLog,
}

impl Snapshot<'_> {
    /// The schema read.
    pub fn schema(&self) -> &str {
        self.schema
    }

    /// The role connected as.
    pub fn role(&self) -> &str {
        self.role
    }

    /// `"schema"."table"`.
    pub fn table(&self, name: &str) -> String {
        format!(
            "{}.{}",
            quote_identifier(self.schema),
            quote_identifier(name)
        )
    }

    /// Runs a query and returns all its rows (for small results).
    pub fn query(
        &mut self,
        what: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, SourceError> {
        self.log.record(sql);
        self.transaction
            .query(sql, params)
            .map_err(|e| SourceError::query(what, &e))
    }

    /// Runs a query and hands its rows to `each`, [`BATCH_ROWS`] at a time; returns how
    /// many rows there were.
    pub fn stream(
        &mut self,
        what: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        mut each: impl FnMut(&Row) -> Result<(), SourceError>,
    ) -> Result<u64, SourceError> {
        self.log.record(sql);
        let portal = self
            .transaction
            .bind(sql, params)
            .map_err(|e| SourceError::query(what, &e))?;
        let mut count = 0u64;
        loop {
            let rows = self
                .transaction
                .query_portal(&portal, BATCH_ROWS)
                .map_err(|e| SourceError::query(what, &e))?;
            for row in &rows {
                each(row)?;
            }
            count += rows.len() as u64;
            if rows.len() < BATCH_ROWS as usize {
                return Ok(count);
            }
        }
    }

    /// Ends the snapshot (read-only: nothing to commit, but the server is told at once).
    pub fn finish(self) -> Result<(), SourceError> {
        self.transaction
            .rollback()
            .map_err(|e| SourceError::query("the end of the snapshot", &e))
    }
}

/// A column of a row as text (`None` for NULL), naming the column on a decoding error.
pub fn text(row: &Row, index: usize, what: &str) -> Result<Option<String>, SourceError> {
    row.try_get::<_, Option<String>>(index)
        .map_err(|e| SourceError::query(what, &e))
}
