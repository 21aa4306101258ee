//! Diagnostics: every problem with the input, with file, line, column and field path,
//! rendered with the offending source line (miette). Bad input is not exceptional: the
//! pipeline collects every diagnostic and reports them all.

use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

use crate::source::{Location, SourceFile};

/// One problem in the input.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub message: String,
    pub location: Option<Location>,
    /// The path file of a problem without a position (a missing file, say).
    pub file: Option<std::path::PathBuf>,
    /// Dotted field path inside the document (`spec.subject.person`).
    pub field: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A problem at a location.
    pub fn at(location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            location: Some(location),
            file: None,
            field: None,
            help: None,
        }
    }

    /// A problem with a whole file.
    pub fn in_file(path: &std::path::Path, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            location: None,
            file: Some(path.to_path_buf()),
            field: None,
            help: None,
        }
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

    /// `file:line:column`, or the file alone.
    pub fn position(&self) -> String {
        match (&self.location, &self.file) {
            (Some(l), _) => l.display(),
            (None, Some(f)) => f.display().to_string(),
            (None, None) => "<input>".to_string(),
        }
    }

    /// The rendered report: a header line with position and field, then the source
    /// snippet with the bytes underlined.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let handler =
            GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
        let source = self.location.as_ref().map(|l| {
            NamedSource::new(
                l.file.path.display().to_string(),
                FileSource(Arc::clone(&l.file)),
            )
        });
        let report = Rendered {
            diagnostic: self,
            source,
        };
        if handler.render_report(&mut out, &report).is_err() {
            out = self.to_string();
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position(), self.message)?;
        if let Some(field) = &self.field {
            write!(f, " (field `{field}`)")?;
        }
        Ok(())
    }
}

struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<NamedSource<FileSource>>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.diagnostic, f)
    }
}

impl std::error::Error for Rendered<'_> {}

/// Adapts a shared source file for miette.
struct FileSource(Arc<SourceFile>);

impl fmt::Debug for FileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.path.display().to_string())
    }
}

impl SourceCode for FileSource {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        self.0.text.read_span(span, before, after)
    }
}

impl miette::Diagnostic for Rendered<'_> {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let location = self.diagnostic.location.as_ref()?;
        let label = self
            .diagnostic
            .field
            .clone()
            .map(|f| format!("in `{f}`"))
            .unwrap_or_else(|| "here".to_string());
        let span = LabeledSpan::new_with_span(Some(label), (location.offset, location.len));
        Some(Box::new(std::iter::once(span)))
    }
}
