//! Diagnostics: every problem with the input, with file, line, column and field path,
//! rendered with the offending source line. Bad input is not exceptional: the pipeline
//! collects every diagnostic and reports them all (the first 100 in full, then a count).
//!
//! Rendering is linear: a snippet shows a window of at most 100 characters of its line
//! around the column, never the whole line, with control characters escaped; a snippet
//! from a document that may hold secrets shows the key but masks the value.

use std::fmt;
use std::path::PathBuf;

use rampart_runtime::text::Shown;

use crate::source::Location;

/// One problem in the input.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// What is wrong (lowercase, no trailing period, user input in backticks).
    pub message: String,
    /// Where, when known.
    pub location: Option<Location>,
    /// The file of a problem without a position (a missing file, say).
    pub file: Option<PathBuf>,
    /// Dotted field path inside the document (`spec.subject.person`).
    pub field: Option<String>,
    /// A help line.
    pub help: Option<String>,
    /// The snippet's line may hold a secret: show its key, mask its value.
    pub masked: bool,
    /// `warning` instead of `error`.
    pub warning: bool,
}

/// Problems rendered in full; the rest are counted.
pub const SHOWN_PROBLEMS: usize = 100;
/// Characters of a source line a snippet shows.
const WINDOW: usize = 100;

impl Diagnostic {
    fn new(message: String) -> Diagnostic {
        Diagnostic {
            message,
            location: None,
            file: None,
            field: None,
            help: None,
            masked: false,
            warning: false,
        }
    }

    /// A problem at a location.
    pub fn at(location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            location: Some(location),
            ..Diagnostic::new(message.into())
        }
    }

    /// A problem with a whole file.
    pub fn in_file(path: &std::path::Path, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: Some(path.to_path_buf()),
            ..Diagnostic::new(message.into())
        }
    }

    /// A problem of the input as a whole (a membership cycle, say).
    pub fn general(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(message.into())
    }

    /// Names the field the problem is in.
    pub fn field(mut self, field: impl Into<String>) -> Diagnostic {
        self.field = Some(field.into());
        self
    }

    /// Adds a help line.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Masks the value on the snippet's line.
    pub fn masked(mut self, masked: bool) -> Diagnostic {
        self.masked |= masked;
        self
    }

    /// Makes it a warning.
    pub fn warning(mut self) -> Diagnostic {
        self.warning = true;
        self
    }

    /// `file:line:column`, the file alone, or `<input>`.
    pub fn position(&self) -> String {
        match (&self.location, &self.file) {
            (Some(l), _) => l.display(),
            (None, Some(f)) => f.display().to_string(),
            (None, None) => "<input>".to_string(),
        }
    }

    /// The rendered report: a header line with the message, the position and field, the
    /// source snippet with the bytes underlined, and the help line.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{}: {}\n  --> {}",
            if self.warning { "warning" } else { "error" },
            escape_controls(&self.message),
            self.position()
        );
        if let Some(field) = &self.field {
            out.push_str(&format!(" (field `{}`", Shown(field)));
            if let Some(column) = self.column() {
                out.push_str(&format!(", column `{}`", Shown(column)));
            }
            out.push(')');
        }
        out.push('\n');
        if let Some(location) = self.location.as_ref().filter(|l| !l.file.text.is_empty()) {
            out.push_str(&snippet(location, self.masked));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("  = help: {}\n", escape_controls(help)));
        }
        out
    }

    /// The database row the problem is in, when it came from one.
    pub fn row(&self) -> Option<&crate::source::RowOrigin> {
        self.location.as_ref().and_then(|l| l.file.row.as_ref())
    }

    /// The row's column the problem's field was read from.
    fn column(&self) -> Option<&str> {
        let field = self.field.as_deref()?;
        self.row()?.column_of(field)
    }

    /// The diagnostic as JSON (`--format json`).
    pub fn to_json(&self) -> serde_json::Value {
        let (line, column) = self
            .location
            .as_ref()
            .map(|l| l.file.line_column(l.offset))
            .map(|(l, c)| (Some(l), Some(c)))
            .unwrap_or((None, None));
        if let Some(row) = self.row() {
            return serde_json::json!({
                "severity": if self.warning { "warning" } else { "error" },
                "message": self.message,
                "row": {"table": row.table, "id": row.id, "name": row.name, "source": row.source},
                "column": self.column(),
                "field": self.field,
                "help": self.help,
            });
        }
        let file = self
            .location
            .as_ref()
            .map(|l| l.file.path.display().to_string())
            .or_else(|| self.file.as_ref().map(|f| f.display().to_string()));
        serde_json::json!({
            "severity": if self.warning { "warning" } else { "error" },
            "message": self.message,
            "file": file,
            "line": line,
            "column": column,
            "field": self.field,
            "help": self.help,
        })
    }
}

/// A window of the location's line around its column, with a caret line under it.
fn snippet(location: &Location, masked: bool) -> String {
    let file = &location.file;
    let (start, end) = file.line_range(location.offset);
    let (line, _) = file.line_column(location.offset);
    let text = file.text.get(start..end).unwrap_or("");
    let at = location.offset.saturating_sub(start).min(text.len());
    let at = floor_boundary(text, at);
    // Window: up to 40 characters before the column, the rest after.
    let before_start = {
        let mut b = at;
        let mut n = 0;
        while b > 0 && n < 40 {
            b = floor_boundary(text, b - 1);
            n += 1;
        }
        b
    };
    let window_end = {
        let mut e = at;
        let mut n = 0;
        while e < text.len() && n < WINDOW - 40 {
            e = ceil_boundary(text, e + 1);
            n += 1;
        }
        e
    };
    let mut shown_text = text.get(before_start..window_end).unwrap_or("").to_string();
    let caret_at = text
        .get(before_start..at)
        .map(|s| s.chars().count())
        .unwrap_or(0);
    let mut caret_len = text
        .get(at..floor_boundary(text, (at + location.len.max(1)).min(window_end)))
        .map(|s| s.chars().count())
        .unwrap_or(1)
        .max(1);
    if masked {
        shown_text = mask_value(&shown_text);
        caret_len = caret_len.min(shown_text.chars().count().saturating_sub(caret_at).max(1));
    }
    let prefix = if before_start > 0 { "…" } else { "" };
    let suffix = if window_end < text.len() { "…" } else { "" };
    let gutter = line.to_string();
    let pad = " ".repeat(gutter.len());
    let escaped: String = shown_text
        .chars()
        .map(|c| {
            // One column each: a control or invisible format character, or white space
            // other than the space (a no-break space), is seen as `·` and keeps the caret
            // under the character it points at.
            if c == '\t' {
                ' '
            } else if rampart_runtime::text::is_escaped_when_shown(c) {
                '·'
            } else {
                c
            }
        })
        .collect();
    format!(
        "{pad} |\n{gutter} | {prefix}{escaped}{suffix}\n{pad} | {}{}{}\n",
        " ".repeat(prefix.chars().count()),
        " ".repeat(caret_at),
        "^".repeat(caret_len)
    )
}

/// `key: value` with the value replaced by a mask (and anything without a key masked
/// whole).
fn mask_value(line: &str) -> String {
    match line.find(':') {
        Some(i) => format!(
            "{}: {}",
            line.get(..i).unwrap_or(""),
            rampart_runtime::connection::MASK
        ),
        None => {
            let indent = line.len() - line.trim_start().len();
            format!(
                "{}{}",
                line.get(..indent).unwrap_or(""),
                rampart_runtime::connection::MASK
            )
        }
    }
}

/// Control characters as `\u{..}` escapes: a message can never drive the terminal.
pub use rampart_runtime::text::escape_controls;

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position(), self.message)?;
        if let Some(field) = &self.field {
            write!(f, " (field `{}`", Shown(field))?;
            if let Some(column) = self.column() {
                write!(f, ", column `{}`", Shown(column))?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Renders the first [`SHOWN_PROBLEMS`] diagnostics and counts the rest.
pub fn render_all(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics.iter().take(SHOWN_PROBLEMS) {
        out.push_str(&d.render());
        out.push('\n');
    }
    let errors = diagnostics.iter().filter(|d| !d.warning).count();
    let warnings = diagnostics.len() - errors;
    if diagnostics.len() > SHOWN_PROBLEMS {
        out.push_str(&format!(
            "… and {} more not shown\n",
            diagnostics.len() - SHOWN_PROBLEMS
        ));
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (e, 0) => out.push_str(&format!("{} found\n", plural(e, "problem"))),
        (0, w) => out.push_str(&format!("{} found\n", plural(w, "warning"))),
        (e, w) => out.push_str(&format!(
            "{} and {} found\n",
            plural(e, "problem"),
            plural(w, "warning")
        )),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn a_snippet_of_a_long_line_is_a_window() {
        let text = format!("a: {}: b\n", "x".repeat(70_000));
        let file = SourceFile::new("f.yaml", text);
        let d = Diagnostic::at(
            Location::new(&file, 70_003, 1),
            "mapping values are not allowed here",
        );
        let rendered = d.render();
        assert!(rendered.len() < 400, "{rendered}");
        assert!(rendered.contains("f.yaml:1:70004"), "{rendered}");
        assert!(rendered.contains("…"));
    }

    /// Issue 20 (round 6), F6: in the source line, invisible format characters and white
    /// space other than the ASCII space are shown as `·`, one column each, so the caret
    /// stays under the character it points at and a no-break space is seen.
    #[test]
    fn invisible_characters_in_a_snippet_are_shown_and_the_caret_stays_aligned() {
        let file = SourceFile::new("p.yaml", "name: \u{200b}\u{a0}x\u{feff}y\n".to_string());
        let d = Diagnostic::at(Location::new(&file, 12, 3), "a byte order mark");
        let rendered = d.render();
        assert!(
            !rendered.contains(['\u{200b}', '\u{a0}', '\u{feff}']),
            "{rendered}"
        );
        let lines: Vec<&str> = rendered.lines().collect();
        let source = lines
            .iter()
            .find(|l| l.starts_with("1 | "))
            .expect("the line");
        let caret = lines.iter().find(|l| l.contains('^')).expect("the caret");
        assert_eq!(
            source.chars().nth(caret.find('^').expect("^")),
            Some('·'),
            "{rendered}"
        );
    }

    #[test]
    fn masked_snippets_hide_values_and_control_characters_are_replaced() {
        let file = SourceFile::new(
            "c.yaml",
            "  password: {value: hunter2}\nname: a\u{1b}[31m\n".to_string(),
        );
        let d = Diagnostic::at(Location::new(&file, 13, 5), "a literal secret").masked(true);
        assert!(!d.render().contains("hunter2"), "{}", d.render());
        let d = Diagnostic::at(Location::new(&file, 35, 1), "x");
        assert!(!d.render().contains('\u{1b}'));
    }

    #[test]
    fn a_problem_in_a_database_row_names_the_row_and_its_column() {
        use crate::source::RowOrigin;
        let row = RowOrigin {
            table: "permissions".into(),
            id: "0190a3c1".into(),
            name: Some("ui-made".into()),
            source: Some("UI".into()),
            columns: vec![("spec.object".into(), "object_selector".into())],
        };
        let file = SourceFile::for_row(row, "{\n  \"spec\": {\"object\": 1}\n}".to_string());
        let d = Diagnostic::at(Location::new(&file, 4, 1), "invalid type")
            .field("spec.object.configs[0]");
        let rendered = d.render();
        assert!(
            rendered.contains("--> permissions row `0190a3c1` (name `ui-made`, source `UI`) (field `spec.object.configs[0]`, column `object_selector`)"),
            "{rendered}"
        );
        assert_eq!(d.to_json()["row"]["id"], "0190a3c1");
        assert_eq!(d.to_json()["column"], "object_selector");
        assert!(d.to_string().starts_with("permissions row `0190a3c1`"));
        // A row without text shows no snippet.
        let bare = SourceFile::for_row(
            RowOrigin {
                columns: Vec::new(),
                ..file.row.clone().unwrap_or_else(|| unreachable!())
            },
            String::new(),
        );
        assert!(!Diagnostic::at(Location::new(&bare, 0, 1), "x")
            .render()
            .contains(" | "));
    }

    #[test]
    fn after_a_hundred_problems_the_rest_are_counted() {
        let many: Vec<Diagnostic> = (0..150)
            .map(|i| Diagnostic::general(format!("problem {i}")))
            .collect();
        let out = render_all(&many);
        assert!(out.contains("problem 99") && !out.contains("problem 100\n"));
        assert!(out.contains("… and 50 more not shown"));
        assert!(out.ends_with("150 problems found\n"));
    }
}
