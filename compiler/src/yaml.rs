//! YAML reading: splitting a file into documents, parsing each with serde-saphyr under
//! strict options (YAML 1.2 booleans, duplicate keys rejected), and turning parser errors
//! and value spans into [`Location`]s.
//!
//! Each document is parsed from its own slice of the file, so one bad document does not
//! hide the problems of the others; spans are byte offsets into the slice, moved by the
//! slice's start. Nothing is copied or padded, so memory stays linear in the file. Parse
//! budgets grow with the document (a 20k-config catalog is fine) but stay proportional
//! to it, so a YAML bomb is refused.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_saphyr::{Budget, Spanned};

use crate::diagnostic::Diagnostic;
use crate::source::{Location, SourceFile};

/// A string value with the place it was written.
pub type Text = Spanned<String>;

fn options(len: usize) -> serde_saphyr::Options {
    let mut budget = Budget::default();
    let scaled = len.saturating_mul(4).max(100_000);
    budget.max_reader_input_bytes = None;
    budget.max_events = scaled;
    budget.max_nodes = scaled;
    budget.max_total_scalar_bytes = len.max(1 << 20);
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_recorded_anchor_events = 100_000;
    budget.max_recorded_anchor_bytes = 1 << 20;
    budget.max_depth = 64;
    budget.max_documents = 1;
    serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
        budget: Some(budget),
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error,
    }
}

/// One document's text inside its file.
#[derive(Clone)]
pub struct DocumentText {
    /// The file.
    pub file: Arc<SourceFile>,
    /// Byte offset of the document's first line.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// For an item of a `kind: List`: its text with the indentation of the list taken
    /// off, and where each of its lines is in the file.
    pub dedented: Option<Arc<Dedented>>,
}

impl std::fmt::Debug for DocumentText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}..{}",
            self.file.path.display(),
            self.start,
            self.end
        )
    }
}

impl DocumentText {
    /// The file offset of a byte offset in [`DocumentText::text`].
    pub fn map_offset(&self, offset: usize) -> usize {
        match &self.dedented {
            Some(d) => d.file_offset_of(offset),
            None => self.start + offset,
        }
    }
}

/// A copy of an indented block with the indentation removed, and the file offset of each
/// of its lines, so spans in the copy map back to the file.
#[derive(Debug)]
pub struct Dedented {
    text: String,
    /// `(offset in text, offset in file)` of every line start.
    lines: Vec<(usize, usize)>,
}

impl Dedented {
    /// Takes `indent` bytes of leading spaces off every line of `file[start..end]` but
    /// the first (which starts at `start`).
    pub fn new(file: &SourceFile, start: usize, end: usize, indent: usize) -> Dedented {
        let mut text = String::new();
        let mut lines = Vec::new();
        let mut at = start;
        for (i, line) in file
            .text
            .get(start..end)
            .unwrap_or("")
            .split_inclusive('\n')
            .enumerate()
        {
            let strip = if i == 0 {
                0
            } else {
                line.bytes().take(indent).take_while(|b| *b == b' ').count()
            };
            lines.push((text.len(), at + strip));
            text.push_str(line.get(strip..).unwrap_or(""));
            at += line.len();
        }
        Dedented { text, lines }
    }

    /// The file offset of a byte offset of the copy.
    pub fn file_offset_of(&self, offset: usize) -> usize {
        self.to_file(offset)
    }

    fn to_file(&self, offset: usize) -> usize {
        let i = self
            .lines
            .partition_point(|(v, _)| *v <= offset)
            .saturating_sub(1);
        let (v, f) = self.lines.get(i).copied().unwrap_or((0, 0));
        f + (offset - v)
    }
}

fn is_separator(line: &str) -> bool {
    let line = line.trim_end();
    line == "---" || line == "..." || line.starts_with("--- ") || line.starts_with("---\t")
}

/// Splits a file on `---` (and `...`) lines, keeping only documents with content. Linear
/// in the file's length.
pub fn split_documents(file: &Arc<SourceFile>) -> Vec<DocumentText> {
    let mut documents = Vec::new();
    let text = &file.text;
    let mut start = 0;
    let mut offset = 0;
    let mut push = |from: usize, to: usize| {
        let body = text.get(from..to).unwrap_or("");
        let has_content = body.lines().any(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#') && !t.starts_with('%')
        });
        if has_content {
            documents.push(DocumentText {
                file: Arc::clone(file),
                start: from,
                end: to,
                dedented: None,
            });
        }
    };
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if is_separator(content) {
            // `--- value` keeps its content: only the marker is cut.
            let marker = if content.starts_with("---") && content.len() > 3 {
                3
            } else {
                line.len()
            };
            push(start, offset);
            start = offset + marker;
        }
        offset += line.len();
    }
    push(start, text.len());
    documents
}

/// The byte offset in `file` of a value the parser located in a slice starting at `base`.
fn offset_in_file(file: &SourceFile, base: usize, location: &serde_saphyr::Location) -> usize {
    match location.span().byte_offset() {
        Some(b) => base + b as usize,
        None => {
            // Lines and columns of the slice: only when the parser gave no byte offset.
            let (base_line, base_column) = file.line_column(base);
            let line = base_line + location.line() as usize - 1;
            let column = if location.line() == 1 {
                base_column + location.column() as usize - 1
            } else {
                location.column() as usize
            };
            file.offset(line, column)
        }
    }
}

impl DocumentText {
    /// The document's text.
    pub fn text(&self) -> &str {
        match &self.dedented {
            Some(d) => &d.text,
            None => self.file.text.get(self.start..self.end).unwrap_or(""),
        }
    }

    /// The file offset of a parser location in this document.
    pub fn file_offset(&self, location: &serde_saphyr::Location) -> usize {
        match (&self.dedented, location.span().byte_offset()) {
            (Some(d), Some(b)) => d.to_file(b as usize),
            _ => offset_in_file(&self.file, self.start, location),
        }
    }

    /// The file offset of a spanned scalar's text: one past an opening quote.
    pub fn scalar_offset(&self, location: &serde_saphyr::Location) -> usize {
        let at = self.file_offset(location);
        match self.file.text.as_bytes().get(at) {
            Some(b'"' | b'\'') => at + 1,
            _ => at,
        }
    }

    /// Parses the document as `T`, or explains why not.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        let text = self.text();
        serde_saphyr::from_str_with_options::<T>(text, options(text.len()))
            .map_err(|e| self.error(&e))
    }

    fn error(&self, e: &serde_saphyr::Error) -> Diagnostic {
        let message = clean_message(&e.to_string());
        match e.location() {
            Some(l) => {
                let offset = self.file_offset(&l);
                let path = match (&self.dedented, l.span().byte_offset()) {
                    (Some(d), Some(b)) => crate::field_path::path_at(&d.text, b as usize),
                    _ => crate::field_path::path_at(self.text(), offset.saturating_sub(self.start)),
                };
                let found = self.file.text.get(offset..).unwrap_or("");
                let (message, help) = in_users_words(message, path.as_deref(), found);
                let diagnostic = Diagnostic::at(Location::new(&self.file, offset, 1), message);
                let diagnostic = match help {
                    Some(help) => diagnostic.help(help),
                    None => diagnostic,
                };
                match path {
                    Some(path) => diagnostic.field(path),
                    None => diagnostic,
                }
            }
            None => Diagnostic::at(self.start_location(), message),
        }
    }

    /// The location of a spanned value of this document, covering `len` bytes.
    pub fn location<T>(&self, value: &Spanned<T>, len: usize) -> Location {
        Location::new(&self.file, self.file_offset(&value.referenced), len)
    }

    /// The location of a spanned string, covering the string (quotes excluded).
    pub fn text_location(&self, value: &Text) -> Location {
        Location::new(
            &self.file,
            self.scalar_offset(&value.referenced),
            value.value.len(),
        )
    }

    /// The start of the document (its first non-blank character).
    pub fn start_location(&self) -> Location {
        let text = self.text();
        let first = text.len() - text.trim_start().len();
        Location::new(&self.file, self.start + first, 1)
    }
}

/// An item of the lists whose items are maps, as one would write it.
fn list_item_example(key: &str) -> Option<&'static str> {
    match key {
        "targets" => Some("config: {namespace: mission-control}"),
        "scopes" => Some("namespace: default, name: my-scope"),
        "configs" | "components" => Some("namespace: mission-control"),
        "playbooks" | "connections" => Some("namespace: default, name: my-object"),
        _ => None,
    }
}

/// The parser's words for a value of the wrong shape (`expected sequence start`) in the
/// user's: what the field must be, and what to write instead, with the value written
/// (`actions: read` → `actions: [read]`) when it is one plain value.
fn in_users_words(message: String, path: Option<&str>, found: &str) -> (String, Option<String>) {
    let field = path.map_or_else(|| "this value".to_string(), |p| format!("`{p}`"));
    let key = path
        .and_then(|p| p.rsplit('.').next())
        .map(|k| k.split('[').next().unwrap_or(k))
        .unwrap_or("key");
    let value = found.lines().next().unwrap_or("").trim();
    // `key:` with nothing after it (the parser points at the colon), `~` or `null`.
    let null = value.is_empty()
        || value.starts_with([':', '#'])
        || matches!(value, "~" | "null" | "Null" | "NULL");
    let plain = !null && !value.starts_with(['[', '{', '-', '#', '|', '>']);
    match message.as_str() {
        "expected sequence start" if null => (
            format!("{field} is empty (null), but must be a list"),
            Some(match list_item_example(key) {
                Some(item) => format!(
                    "write one `- ` line per item, indented under `{key}:`, as `- {item}` (or `{key}: [{{{item}}}]` on one line)"
                ),
                None => format!(
                    "write one `- ` line per item, indented under `{key}:` (or `{key}: [a, b]` on one line)"
                ),
            }),
        ),
        "expected mapping start" if null => (
            format!("{field} is empty (null), but must be a map of key: value"),
            Some(format!(
                "write indented `name: value` lines under `{key}:` (or `{key}: {{name: value}}` on one line)"
            )),
        ),
        "expected sequence start" => {
            let example = if plain {
                format!("{key}: [{value}]")
            } else {
                format!("{key}: [a, b]")
            };
            (
                format!("{field} must be a list"),
                Some(format!(
                    "write `{example}`, or one `- ` line per item under `{key}:`"
                )),
            )
        }
        "expected mapping start" => (
            format!("{field} must be a map of key: value"),
            Some(format!(
                "write `{key}: {{name: value}}`, or indented `name: value` lines under `{key}:`"
            )),
        ),
        "expected string scalar" => (
            format!("{field} must be a single value, not a list or a map"),
            Some(format!("write `{key}: value`")),
        ),
        _ => {
            let help = unknown_field_hint(&message);
            (message, help)
        }
    }
}

/// `did you mean ...?` for serde's `unknown field `X`, expected one of a, b, c` (the
/// fields the place takes are the candidates), when one is near.
fn unknown_field_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (word, rest) = rest.split_once('`')?;
    let expected = rest
        .strip_prefix(", expected one of ")
        .or_else(|| rest.strip_prefix(", expected "))?;
    let candidates: Vec<&str> = expected
        .split([',', ' '])
        .map(|c| c.trim().trim_matches('`'))
        .filter(|c| !c.is_empty() && *c != "or")
        .collect();
    rampart_runtime::suggest::did_you_mean(word, candidates.iter().copied())
}

/// serde-saphyr appends its own position ("at line 3 column 5"); the diagnostic shows the
/// position already, so the message keeps only the explanation.
fn clean_message(message: &str) -> String {
    let message = message.lines().next().unwrap_or(message).trim();
    if message.starts_with("budget breached") {
        return format!(
            "the document is beyond the parse budget (too many nodes, aliases or nesting levels for its size: {})",
            message.trim_start_matches("budget breached: ")
        );
    }
    if let Some(key) = message
        .strip_prefix("duplicate mapping key: ")
        .and_then(|rest| rest.split(", set DuplicateKeyPolicy").next())
    {
        return format!(
            "`{key}` is written twice in one mapping; write it once (a second one would replace the first without a word)"
        );
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Doc {
        name: Text,
    }

    #[test]
    fn spans_are_offsets_in_the_file() {
        let text = "name: a\n---\nname: \"bb\"\n---\nname: c c\n".to_string();
        let file = SourceFile::new("f.yaml", text.clone());
        let docs = split_documents(&file);
        assert_eq!(docs.len(), 3);
        for (doc, expected) in docs.iter().zip(["a", "\"bb\"", "c c"]) {
            let parsed: Doc = doc.parse().expect("parses");
            let at = doc.location(&parsed.name, parsed.name.value.len());
            assert!(
                text[at.offset..].starts_with(expected),
                "{} at {}",
                parsed.name.value,
                at.offset
            );
            let inner = doc.text_location(&parsed.name);
            assert!(text[inner.offset..].starts_with(&parsed.name.value));
        }
    }

    #[test]
    fn many_documents_stay_linear() {
        let text: String = (0..20_000).map(|i| format!("---\nname: n{i}\n")).collect();
        let file = SourceFile::new("many.yaml", text);
        let docs = split_documents(&file);
        assert_eq!(docs.len(), 20_000);
        let last: Doc = docs.last().expect("a document").parse().expect("parses");
        assert_eq!(last.name.value, "n19999");
    }
}
