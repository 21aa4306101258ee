//! Source files and positions: byte offsets (from the YAML parser's spans and the grammar
//! parsers' errors) turned into `file:line:column` when shown.
//!
//! Turning an offset into a line and column is logarithmic in the number of lines and
//! constant in the length of the line (character counts are kept at every 4 KiB), so a
//! hundred thousand problems on one 200 MB line cost no more than on short lines.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

const CHECKPOINT: usize = 4096;

/// A database row that input came from (a permission made in Mission Control's UI, a
/// config item): named by table, id, name and source where a file is named by path and
/// line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RowOrigin {
    /// The table (`permissions`).
    pub table: String,
    /// The row's primary key.
    pub id: String,
    /// Its `name` column, when it has one.
    pub name: Option<String>,
    /// Its `source` column (`KubernetesCRD`, `UI`, ...), when it has one.
    pub source: Option<String>,
    /// Document field prefixes and the columns they were read from
    /// (`spec.object` -> `object_selector`), most specific first.
    pub columns: Vec<(String, String)>,
}

impl RowOrigin {
    /// The column a document field path was read from.
    pub fn column_of(&self, field: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(prefix, _)| {
                field == prefix
                    || field
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
            })
            .map(|(_, column)| column.as_str())
    }
}

impl fmt::Display for RowOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use rampart_runtime::text::Shown;
        write!(f, "{} row `{}`", Shown(&self.table), Shown(&self.id))?;
        match (&self.name, &self.source) {
            (Some(name), Some(source)) => {
                write!(f, " (name `{}`, source `{}`)", Shown(name), Shown(source))
            }
            (Some(name), None) => write!(f, " (name `{}`)", Shown(name)),
            (None, Some(source)) => write!(f, " (source `{}`)", Shown(source)),
            (None, None) => Ok(()),
        }
    }
}

/// A file's text with its line starts, shared by every diagnostic that points into it.
/// Input read from a database row is a "file" too: its text is the row rendered as the
/// document it stands for, and [`SourceFile::row`] names the row.
#[derive(Debug)]
pub struct SourceFile {
    /// Where it was read from (`-` for standard input; empty for a row).
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// The database row it stands for, when it was not read from a file.
    pub row: Option<RowOrigin>,
    line_starts: Vec<usize>,
    /// Characters before every multiple of [`CHECKPOINT`] bytes (snapped to a char
    /// boundary), built on first use.
    checkpoints: OnceLock<Vec<(usize, usize)>>,
}

impl SourceFile {
    /// Wraps `text` read from `path`.
    pub fn new(path: impl AsRef<Path>, text: String) -> Arc<SourceFile> {
        SourceFile::build(path.as_ref().to_path_buf(), text, None)
    }

    /// Wraps the text a database row stands for.
    pub fn for_row(row: RowOrigin, text: String) -> Arc<SourceFile> {
        SourceFile::build(PathBuf::new(), text, Some(row))
    }

    fn build(path: PathBuf, text: String, row: Option<RowOrigin>) -> Arc<SourceFile> {
        let line_starts = std::iter::once(0)
            .chain(memchr_newlines(&text).map(|i| i + 1))
            .collect();
        Arc::new(SourceFile {
            path,
            text,
            row,
            line_starts,
            checkpoints: OnceLock::new(),
        })
    }

    /// How the file is named in messages: its path, or the row it stands for.
    pub fn name(&self) -> String {
        match &self.row {
            Some(row) => row.to_string(),
            None => self.path.display().to_string(),
        }
    }

    fn checkpoints(&self) -> &[(usize, usize)] {
        self.checkpoints.get_or_init(|| {
            let mut out = vec![(0usize, 0usize)];
            let mut chars = 0usize;
            let mut last = 0usize;
            let mut next = CHECKPOINT;
            while next < self.text.len() {
                let mut at = next;
                while !self.text.is_char_boundary(at) {
                    at += 1;
                }
                chars += self
                    .text
                    .get(last..at)
                    .map(|s| s.chars().count())
                    .unwrap_or(0);
                out.push((at, chars));
                last = at;
                next = at + CHECKPOINT;
            }
            out
        })
    }

    /// Characters before byte `offset`.
    fn chars_before(&self, offset: usize) -> usize {
        let points = self.checkpoints();
        let i = points
            .partition_point(|(at, _)| *at <= offset)
            .saturating_sub(1);
        let (at, chars) = points.get(i).copied().unwrap_or((0, 0));
        chars
            + self
                .text
                .get(at..offset)
                .map(|s| s.chars().count())
                .unwrap_or(0)
    }

    /// The byte range of the line holding `offset` (without its newline).
    pub fn line_range(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|s| *s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let end = self
            .line_starts
            .get(line)
            .map(|next| next - 1)
            .unwrap_or(self.text.len());
        let end = if self.text.as_bytes().get(end.saturating_sub(1)) == Some(&b'\r') && end > start
        {
            end - 1
        } else {
            end
        };
        (start, end.max(start))
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|s| *s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        (
            line,
            self.chars_before(offset) - self.chars_before(start) + 1,
        )
    }

    /// Byte offset of a 1-based line and 1-based character column (for parsers that only
    /// give lines and columns, such as serde_json).
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len());
        let line_text = self.text.get(start..).unwrap_or("");
        let within = line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map(|(i, _)| i)
            .unwrap_or(line_text.len());
        start + within
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i)
}

/// A position in a source file, for diagnostics and for table explanations.
#[derive(Clone, Debug)]
pub struct Location {
    /// The file.
    pub file: Arc<SourceFile>,
    /// Byte offset of the first byte.
    pub offset: usize,
    /// Bytes covered (at least one is shown).
    pub len: usize,
}

impl Location {
    /// A location of `len` bytes at `offset`.
    pub fn new(file: &Arc<SourceFile>, offset: usize, len: usize) -> Location {
        Location {
            file: Arc::clone(file),
            offset: offset.min(file.text.len()),
            len,
        }
    }

    /// `file:line:column`, or the database row (a row has no lines of its own).
    pub fn display(&self) -> String {
        if let Some(row) = &self.file.row {
            return row.to_string();
        }
        let (line, column) = self.file.line_column(self.offset);
        format!("{}:{line}:{column}", self.file.path.display())
    }
}

/// Reads the text of a file, or of standard input for `-`; text starting with a UTF-8
/// byte order mark is refused (one later in the text is refused by the reader of the
/// text, which can point at it: [`refuse_bom`], `documents::read_file_into`).
pub fn read_text(path: &Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .lock()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        refuse_leading_bom(&text)?;
        return Ok(text);
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read file: {e}"))?;
    refuse_leading_bom(&text)?;
    Ok(text)
}

/// One rule for every document Rampart reads (policy and test YAML, catalogs, Secret
/// manifests, Helm values) and every request (`rampart_runtime::json::strict::parse`): a
/// UTF-8 byte order mark is an error naming it, never silently skipped
/// (`docs/documents.md`). In a document it is refused wherever it is, not only as the
/// first bytes: YAML would skip one at a later document's start, and anywhere else it is
/// an invisible character that makes a name differ from the one it looks like.
pub fn refuse_bom(text: &str) -> Result<(), String> {
    match bom_offset(text) {
        None => Ok(()),
        Some(0) => Err(BOM_AT_START.to_string()),
        Some(offset) => {
            let (line, column) = line_column_of(text, offset);
            Err(format!("{BOM_INSIDE} (line {line}, column {column})"))
        }
    }
}

fn refuse_leading_bom(text: &str) -> Result<(), String> {
    if text.starts_with(rampart_runtime::json::strict::UTF8_BOM) {
        return Err(BOM_AT_START.to_string());
    }
    Ok(())
}

/// The message for a text starting with a byte order mark.
pub const BOM_AT_START: &str =
    "the text starts with a UTF-8 byte order mark (bytes EF BB BF); save it as UTF-8 without one";

/// The message for a byte order mark after the first bytes.
pub const BOM_INSIDE: &str = "a UTF-8 byte order mark (bytes EF BB BF) after the text's start: it is refused anywhere in a document (after `---` or a comment, at a later document's start, in a value, where it is invisible); remove it";

/// The length in bytes of a UTF-8 byte order mark.
pub const UTF8_BOM_LEN: usize = 3;

/// Where the first byte order mark of `text` is, if it holds one.
pub fn bom_offset(text: &str) -> Option<usize> {
    text.find(rampart_runtime::json::strict::UTF8_BOM)
}

/// The 1-based line and column (in characters) of `offset` in `text`.
fn line_column_of(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before.get(line_start..).unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_characters() {
        let file = SourceFile::new("f.yaml", "a: é\nbb: c\r\n\nlast".to_string());
        assert_eq!(file.line_column(0), (1, 1));
        assert_eq!(file.line_column(3), (1, 4));
        assert_eq!(file.line_column(5), (1, 5));
        assert_eq!(file.line_column(6), (2, 1));
        assert_eq!(file.line_range(7), (6, 11));
        assert_eq!(file.line_column(file.text.len()), (4, 5));
        assert_eq!(file.offset(2, 2), 7);
    }

    #[test]
    fn columns_on_a_long_line_use_checkpoints() {
        let text = "é".repeat(10_000) + "x";
        let file = SourceFile::new("long", text);
        assert_eq!(file.line_column(20_000), (1, 10_001));
        assert_eq!(file.line_column(9_999), (1, 5_000));
    }
}
