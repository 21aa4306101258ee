//! Why reading a Mission Control database failed: the database could not be reached or
//! read, or it refused Rampart what a complete world needs ([`Refusal`]: a missing table
//! or column, a privilege not granted, row-level security hiding rows). Every message is
//! lowercase with the database's own names in backticks, and never holds the connection
//! URL (it may carry a password).

use std::fmt;

use rampart_runtime::text::Shown;

/// One thing the database lacks or hides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The schema is missing, or the role may not use it.
    Schema {
        /// The schema.
        schema: String,
        /// Whether it exists at all.
        exists: bool,
    },
    /// A table Rampart reads does not exist.
    MissingTable {
        /// The table.
        table: String,
    },
    /// A column Rampart reads does not exist.
    MissingColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column has a type unlike the reference's.
    WrongType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The type Rampart reads.
        expected: &'static str,
        /// The type found.
        found: String,
    },
    /// The role may not select a column Rampart reads.
    NoPrivilege {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// Row-level security filters the table for this role: reads would be silently short.
    RowSecurity {
        /// The table.
        table: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Schema { schema, exists: false } => {
                write!(f, "schema `{}` does not exist", Shown(schema))
            }
            Problem::Schema { schema, exists: true } => {
                write!(f, "the role may not use schema `{}`", Shown(schema))
            }
            Problem::MissingTable { table } => write!(f, "table `{}` does not exist", Shown(table)),
            Problem::MissingColumn { table, column } => {
                write!(f, "column `{}.{}` does not exist", Shown(table), Shown(column))
            }
            Problem::WrongType {
                table,
                column,
                expected,
                found,
            } => write!(
                f,
                "column `{}.{}` is `{}`, not `{expected}` as in Mission Control",
                Shown(table),
                Shown(column),
                Shown(found)
            ),
            Problem::NoPrivilege { table, column } => write!(
                f,
                "the role may not select column `{}.{}`",
                Shown(table),
                Shown(column)
            ),
            Problem::RowSecurity { table } => write!(
                f,
                "row-level security hides rows of `{}` from the role (it is neither the table's owner nor `BYPASSRLS`): Rampart would see a partial world",
                Shown(table)
            ),
        }
    }
}

/// The database does not give Rampart a complete world: nothing is produced, and the
/// message says what to grant or fix. Never an empty or partial catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The role Rampart connected as.
    pub role: String,
    /// The schema read.
    pub schema: String,
    /// Every problem found (all of them, in one run).
    pub problems: Vec<Problem>,
}

impl Refusal {
    /// What to run, as a superuser or the tables' owner, so that the role can read.
    pub fn help(&self) -> String {
        let role = crate::identifier::quote_identifier(&self.role);
        let mut lines = Vec::new();
        if self
            .problems
            .iter()
            .any(|p| matches!(p, Problem::RowSecurity { .. }))
        {
            lines.push(format!("ALTER ROLE {role} BYPASSRLS;"));
        }
        if self
            .problems
            .iter()
            .any(|p| matches!(p, Problem::Schema { exists: true, .. }))
        {
            lines.push(format!(
                "GRANT USAGE ON SCHEMA {} TO {role};",
                crate::identifier::quote_identifier(&self.schema)
            ));
        }
        let mut columns: Vec<(&str, Vec<&str>)> = Vec::new();
        for p in &self.problems {
            if let Problem::NoPrivilege { table, column } = p {
                match columns.iter_mut().find(|(t, _)| *t == table.as_str()) {
                    Some((_, list)) => list.push(column),
                    None => columns.push((table, vec![column])),
                }
            }
        }
        for (table, list) in columns {
            let quoted: Vec<String> = list
                .iter()
                .map(|c| crate::identifier::quote_identifier(c))
                .collect();
            lines.push(format!(
                "GRANT SELECT ({}) ON {}.{} TO {role};",
                quoted.join(", "),
                crate::identifier::quote_identifier(&self.schema),
                crate::identifier::quote_identifier(table)
            ));
        }
        let shape = self.problems.iter().any(|p| {
            matches!(
                p,
                Problem::MissingTable { .. }
                    | Problem::MissingColumn { .. }
                    | Problem::WrongType { .. }
                    | Problem::Schema { exists: false, .. }
            )
        });
        let mut help = String::new();
        if !lines.is_empty() {
            help.push_str(
                "as a superuser, run (or create the role `rampart catalog grants` prints):\n",
            );
            for line in lines {
                help.push_str("    ");
                help.push_str(&line);
                help.push('\n');
            }
        }
        if shape {
            help.push_str("point `--postgres` at Mission Control's database and `--schema` at the schema holding its tables (Rampart reads the tables and columns `rampart catalog grants` lists)\n");
        }
        help.trim_end().to_string()
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the database does not give role `{}` a complete world, so nothing was read:",
            Shown(&self.role)
        )?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// Why a read of the database failed.
#[derive(Debug)]
pub enum SourceError {
    /// The URL is not a PostgreSQL connection string.
    Url(String),
    /// The server could not be reached or refused the connection.
    Connect(String),
    /// A statement failed (`what` names the read).
    Query {
        /// What was being read.
        what: String,
        /// The server's message.
        message: String,
    },
    /// The database lacks or hides what a complete world needs.
    Refused(Refusal),
    /// Writing the output failed.
    Write(String),
    /// The database holds what the output cannot express (a pull meeting casbin rows
    /// that assign custom roles or permission groups).
    Inexpressible(String),
}

impl SourceError {
    /// A failed statement.
    pub fn query(what: impl Into<String>, error: &postgres::Error) -> SourceError {
        SourceError::Query {
            what: what.into(),
            message: message_of(error),
        }
    }

    /// A help line, when there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            SourceError::Refused(r) => Some(r.help()),
            SourceError::Inexpressible(_) => Some(
                "compile against the database instead (`rampart compile --postgres`, which makes those people members of the group of that name), or remove the casbin rows in Mission Control".to_string(),
            ),
            SourceError::Url(_) => Some(
                "write `postgresql://USER@HOST:PORT/DATABASE` (a password is better given in `PGPASSWORD` or a `.pgpass` file than in the URL)".to_string(),
            ),
            _ => None,
        }
    }
}

/// The server's message for an error (never the connection string).
pub fn message_of(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = db.message().to_string();
            if let Some(hint) = db.hint() {
                text.push_str(&format!(" ({hint})"));
            }
            text
        }
        None => error.to_string(),
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Url(e) => write!(f, "the `--postgres` URL is not valid: {e}"),
            SourceError::Connect(e) => write!(f, "cannot connect to the database: {e}"),
            SourceError::Query { what, message } => {
                write!(f, "cannot read {what}: {}", Shown(message))
            }
            SourceError::Refused(r) => r.fmt(f),
            SourceError::Write(e) => write!(f, "cannot write the output: {e}"),
            SourceError::Inexpressible(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SourceError {}
