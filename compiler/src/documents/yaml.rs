//! YAML reading: splitting a file into documents, parsing each with serde-saphyr under
//! strict options (YAML 1.2 booleans, duplicate keys rejected, parse budgets on), and
//! turning parser errors and value spans into [`Location`]s.
//!
//! Each document is parsed on its own so that one bad document does not hide the
//! problems of the others; it is padded with newlines so that the parser's line numbers
//! are the file's.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_saphyr::{Budget, Spanned};

use crate::diagnostic::Diagnostic;
use crate::source::{Location, SourceFile};

/// A string value with the place it was written.
pub type Text = Spanned<String>;

/// Largest document accepted, in parser events; defeats billion-laughs style bombs
/// together with the alias limits.
const MAX_EVENTS: usize = 2_000_000;

fn options(max_events: usize) -> serde_saphyr::Options {
    let mut budget = Budget::default();
    budget.max_events = max_events;
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_depth = 64;
    serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
        budget: Some(budget),
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error,
    }
}

/// One document's text inside its file.
pub struct DocumentText {
    pub file: Arc<SourceFile>,
    /// The document padded with blank lines up to its first line.
    pub padded: String,
    /// Byte offset of the document's first line.
    pub start: usize,
    pub end: usize,
}

fn is_separator(line: &str) -> bool {
    line == "---"
        || line.starts_with("--- ")
        || line.starts_with("---\t")
        || line.trim_end() == "..."
        || line.trim_end() == "---"
}

/// Splits a file on `---` (and `...`) lines, keeping only documents with content.
pub fn split_documents(file: &Arc<SourceFile>) -> Vec<DocumentText> {
    let mut documents = Vec::new();
    let mut start = 0;
    let mut start_line = 0;
    let mut offset = 0;
    let text = &file.text;
    let push = |from: usize, to: usize, first_line: usize, documents: &mut Vec<DocumentText>| {
        let body = text.get(from..to).unwrap_or("");
        let has_content = body.lines().any(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#') && !t.starts_with('%')
        });
        if has_content {
            let padded = format!("{}{body}", "\n".repeat(first_line));
            documents.push(DocumentText {
                file: Arc::clone(file),
                padded,
                start: from,
                end: to,
            });
        }
    };
    for (line_number, line) in text.split_inclusive('\n').enumerate() {
        let content = line.trim_end_matches(['\n', '\r']);
        if is_separator(content) {
            push(start, offset, start_line, &mut documents);
            start = offset + line.len();
            start_line = line_number + 1;
        }
        offset += line.len();
    }
    push(start, text.len(), start_line, &mut documents);
    documents
}

impl DocumentText {
    /// Parses the document as `T`, or explains why not.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        serde_saphyr::from_str_with_options::<T>(&self.padded, options(MAX_EVENTS))
            .map_err(|e| self.error(&e))
    }

    /// Parses a large document (a catalog) with a budget sized to its text.
    pub fn parse_large<T: DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        let budget = MAX_EVENTS.max(self.padded.len());
        serde_saphyr::from_str_with_options::<T>(&self.padded, options(budget))
            .map_err(|e| self.error(&e))
    }

    fn error(&self, e: &serde_saphyr::Error) -> Diagnostic {
        let message = clean_message(&e.to_string());
        match e.location() {
            Some(l) => {
                let offset = self.file.offset(l.line() as usize, l.column() as usize);
                let document = self.file.text.get(self.start..self.end).unwrap_or("");
                let path = super::path::path_at(document, offset.saturating_sub(self.start));
                let location = Location {
                    file: Arc::clone(&self.file),
                    offset,
                    len: 1,
                };
                let diagnostic = Diagnostic::at(location, message);
                match path {
                    Some(path) => diagnostic.field(path),
                    None => diagnostic,
                }
            }

            None => Diagnostic::at(
                Location {
                    file: Arc::clone(&self.file),
                    offset: self.start,
                    len: 1,
                },
                message,
            ),
        }
    }

    /// The location of a spanned value (one past an opening quote).
    pub fn location<T>(&self, value: &Spanned<T>, len: usize) -> Location {
        let l = &value.referenced;
        let offset = self
            .file
            .scalar_start(l.line() as usize, l.column() as usize);
        Location {
            file: Arc::clone(&self.file),
            offset,
            len,
        }
    }

    /// The location of a spanned string, covering the string.
    pub fn text_location(&self, value: &Text) -> Location {
        self.location(value, value.value.len())
    }

    /// The start of the document.
    pub fn start_location(&self) -> Location {
        let first = self
            .file
            .text
            .get(self.start..self.end)
            .map(|b| b.len() - b.trim_start().len())
            .unwrap_or(0);
        Location {
            file: Arc::clone(&self.file),
            offset: self.start + first,
            len: 1,
        }
    }
}

/// serde-saphyr appends its own position ("at line 3 column 5"); the diagnostic shows the
/// position already, so the message keeps only the explanation.
fn clean_message(message: &str) -> String {
    let message = message.lines().next().unwrap_or(message).trim();
    let message = match message.find(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message),
        None => message,
    };
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first
            .to_lowercase()
            .chain(chars)
            .collect::<String>()
            .trim_end_matches('.')
            .to_string(),
        None => "invalid YAML".to_string(),
    }
}
