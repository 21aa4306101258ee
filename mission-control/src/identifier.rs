//! SQL identifiers from names Rampart is given (a schema, a role): always quoted, with
//! quotes doubled, so a name can never break out of its quotes.

/// `"name"`, with quotes doubled.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
