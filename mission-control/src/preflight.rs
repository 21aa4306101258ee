//! Before reading a row: every table and column Rampart reads exists with the reference's
//! type, the role may select each of them, and row-level security does not filter any of
//! them for the role. Every problem is found in one pass and reported together as a
//! [`Refusal`] that says what to grant: a database that would give a partial world gives
//! none.
//!
//! This is the first of two guards against row-level security: the snapshot also runs
//! with `row_security = off`, so that a read the policies would filter fails loudly
//! even if this check were wrong.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Problem, Refusal, SourceError};
use crate::session::Snapshot;
use crate::shape::Table;

/// What the preflight found: the optional (deprecated) columns that exist.
#[derive(Clone, Debug, Default)]
pub struct Present {
    optional: BTreeSet<(String, String)>,
}

impl Present {
    /// Whether an optional column of `table` exists (required columns always do).
    pub fn has(&self, table: &Table, column: &str) -> bool {
        match table.column(column) {
            Some(c) if c.optional => self
                .optional
                .contains(&(table.name.to_string(), column.to_string())),
            Some(_) => true,
            None => false,
        }
    }
}

/// Checks `tables` in the snapshot's schema; a [`SourceError::Refused`] lists every
/// problem.
pub fn check(snapshot: &mut Snapshot<'_>, tables: &[Table]) -> Result<Present, SourceError> {
    let schema = snapshot.schema().to_string();
    let role = snapshot.role().to_string();
    let refusal = |problems: Vec<Problem>| {
        SourceError::Refused(Refusal {
            role: role.clone(),
            schema: schema.clone(),
            problems,
        })
    };
    if let Some(problem) = schema_problem(snapshot, &schema)? {
        return Err(refusal(vec![problem]));
    }
    let names: Vec<String> = tables.iter().map(|t| t.name.to_string()).collect();
    let secured = row_security(snapshot, &schema, &names)?;
    let existing = existing_columns(snapshot, &schema, &names)?;
    let (problems, present) = table_problems(tables, &secured, &existing);
    if problems.is_empty() {
        Ok(present)
    } else {
        Err(refusal(problems))
    }
}

/// Of the columns found: (table, column) -> (type, type kind, whether the role may select
/// it).
type ExistingColumns = BTreeMap<(String, String), (String, String, bool)>;

/// The problem with the schema itself, if any: it does not exist, or the role may not
/// use it.
fn schema_problem(
    snapshot: &mut Snapshot<'_>,
    schema: &str,
) -> Result<Option<Problem>, SourceError> {
    let usage = snapshot.query(
        "the schema",
        "SELECT has_schema_privilege(n.oid, 'USAGE') FROM pg_catalog.pg_namespace n WHERE n.nspname = $1",
        &[&schema],
    )?;
    Ok(match usage.first().map(|row| row.try_get::<_, bool>(0)) {
        None => Some(Problem::Schema {
            schema: schema.to_string(),
            exists: false,
        }),
        Some(Ok(true)) => None,
        Some(_) => Some(Problem::Schema {
            schema: schema.to_string(),
            exists: true,
        }),
    })
}

/// The tables of `names` found in the schema, each with whether row-level security is
/// active on it for the role.
fn row_security(
    snapshot: &mut Snapshot<'_>,
    schema: &str,
    names: &[String],
) -> Result<BTreeMap<String, bool>, SourceError> {
    let found = snapshot.query(
        "the tables",
        "SELECT c.relname::text, pg_catalog.row_security_active(c.oid) \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
        &[&schema, &names],
    )?;
    let mut secured: BTreeMap<String, bool> = BTreeMap::new();
    for row in &found {
        let name: String = row
            .try_get(0)
            .map_err(|e| SourceError::query("the tables", &e))?;
        let active: bool = row
            .try_get(1)
            .map_err(|e| SourceError::query("the tables", &e))?;
        secured.insert(name, active);
    }
    Ok(secured)
}

/// The columns of the tables of `names` in the schema, with their types and privilege.
fn existing_columns(
    snapshot: &mut Snapshot<'_>,
    schema: &str,
    names: &[String],
) -> Result<ExistingColumns, SourceError> {
    let columns = snapshot.query(
        "the columns",
        "SELECT c.relname::text, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), \
                t.typtype::text, pg_catalog.has_column_privilege(c.oid, a.attnum, 'SELECT') \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
         WHERE n.nspname = $1 AND c.relname = ANY($2)",
        &[&schema, &names],
    )?;
    let mut existing = ExistingColumns::new();
    for row in &columns {
        let get = |i: usize| -> Result<String, SourceError> {
            row.try_get::<_, String>(i)
                .map_err(|e| SourceError::query("the columns", &e))
        };
        let privilege: bool = row
            .try_get(4)
            .map_err(|e| SourceError::query("the columns", &e))?;
        existing.insert((get(0)?, get(1)?), (get(2)?, get(3)?, privilege));
    }
    Ok(existing)
}

/// Every problem of the expected `tables` against what was found (a missing table or
/// column, row-level security, a wrong type, no privilege), and the optional columns
/// present.
fn table_problems(
    tables: &[Table],
    secured: &BTreeMap<String, bool>,
    existing: &ExistingColumns,
) -> (Vec<Problem>, Present) {
    let mut problems = Vec::new();
    let mut present = Present::default();
    for table in tables {
        let Some(row_security) = secured.get(table.name) else {
            problems.push(Problem::MissingTable {
                table: table.name.to_string(),
            });
            continue;
        };
        if *row_security {
            problems.push(Problem::RowSecurity {
                table: table.name.to_string(),
            });
        }
        for column in table.columns {
            let key = (table.name.to_string(), column.name.to_string());
            match existing.get(&key) {
                None if column.optional => {}
                None => problems.push(Problem::MissingColumn {
                    table: key.0,
                    column: key.1,
                }),
                Some((found, kind, privilege)) => {
                    if !column.column_type.accepts(found, kind) {
                        problems.push(Problem::WrongType {
                            table: key.0.clone(),
                            column: key.1.clone(),
                            expected: column.column_type.name(),
                            found: found.clone(),
                        });
                    } else if !privilege {
                        problems.push(Problem::NoPrivilege {
                            table: key.0.clone(),
                            column: key.1.clone(),
                        });
                    }
                    if column.optional {
                        present.optional.insert(key);
                    }
                }
            }
        }
    }
    (problems, present)
}
