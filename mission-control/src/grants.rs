//! `rampart catalog grants`: the least-privilege role that can read everything Rampart
//! reads and nothing else: `SELECT` on exactly the columns of [`crate::shape`] (so a
//! credential or a scraped document cannot be read even by mistake), `BYPASSRLS` (so
//! row-level security cannot silently hide rows), read-only by default.

use crate::identifier::quote_identifier;
use crate::shape::all_tables;

/// The SQL that creates the reader role `role` for the tables in `schema`.
pub fn role_sql(role: &str, schema: &str) -> String {
    let role_q = quote_identifier(role);
    let schema_q = quote_identifier(schema);
    let mut out = String::new();
    out.push_str(&format!(
        "-- A read-only role for Rampart's Mission Control source (run as a superuser;\n\
         -- BYPASSRLS needs one). Give it a password with psql's \\password, or use\n\
         -- your own authentication; never put the password in this file.\n\
         CREATE ROLE {role_q} LOGIN BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE;\n\
         ALTER ROLE {role_q} SET default_transaction_read_only = on;\n\
         GRANT USAGE ON SCHEMA {schema_q} TO {role_q};\n"
    ));
    for table in all_tables() {
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|c| quote_identifier(c.name))
            .collect();
        out.push_str(&format!(
            "GRANT SELECT ({}) ON {schema_q}.{} TO {role_q};\n",
            columns.join(", "),
            quote_identifier(table.name)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_reads_only_the_shapes_columns() {
        let sql = role_sql("rampart_reader", "public");
        assert!(sql.contains("BYPASSRLS"));
        assert!(sql.contains("GRANT SELECT (\"id\", \"namespace\", \"name\", \"type\", \"deleted_at\") ON \"public\".\"connections\""));
        assert!(!sql.contains("\"password\""));
        assert!(!sql.contains("\"config\""));
        assert!(!sql.contains("GRANT SELECT ON"));
    }

    #[test]
    fn names_cannot_break_out_of_their_quotes() {
        let sql = role_sql("x\"; DROP TABLE people; --", "public");
        assert!(sql.contains("\"x\"\"; DROP TABLE people; --\""));
    }
}
