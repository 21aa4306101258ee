//! Source files and positions: turning line/column pairs from the YAML parser and byte
//! offsets from the grammar parsers into one kind of location.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file's text with its line starts, shared by every diagnostic that points into it.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Wraps `text` read from `path`.
    pub fn new(path: impl AsRef<Path>, text: String) -> Arc<SourceFile> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Arc::new(SourceFile {
            path: path.as_ref().to_path_buf(),
            text,
            line_starts,
        })
    }

    /// Byte offset of a 1-based line and 1-based character column.
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

    /// 1-based line and character column of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|s| *s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        (line, column)
    }

    /// Where a scalar's text starts, given the parser's location of the node: one past an
    /// opening quote, so grammar offsets land on the right bytes.
    pub fn scalar_start(&self, line: usize, column: usize) -> usize {
        let at = self.offset(line, column);
        match self.text.as_bytes().get(at) {
            Some(b'"' | b'\'') => at + 1,
            _ => at,
        }
    }
}

/// A position in a source file, for diagnostics and for table explanations.
#[derive(Clone, Debug)]
pub struct Location {
    pub file: Arc<SourceFile>,
    pub offset: usize,
    pub len: usize,
}

impl Location {
    /// `file:line:column`.
    pub fn display(&self) -> String {
        let (line, column) = self.file.line_column(self.offset);
        format!("{}:{line}:{column}", self.file.path.display())
    }
}
