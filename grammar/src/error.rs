//! The one error type shared by every parser: where it went wrong and what was expected.

use std::fmt;

/// Which small language a [`GrammarError`] comes from; shown in the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// Action patterns (`actions:`).
    Action,
    /// Item patterns (selector string fields).
    ItemPattern,
    /// Label and tag selectors.
    LabelSelector,
    /// The search query language.
    SearchQuery,
    /// `connection://` references.
    ConnectionRef,
    /// URL templates (`$(field)`).
    UrlTemplate,
    /// UUIDs (`metadata.uid`, bare connection ids).
    Uuid,
}

impl Language {
    fn noun(self) -> &'static str {
        match self {
            Language::Action => "action",
            Language::ItemPattern => "pattern",
            Language::LabelSelector => "label selector",
            Language::SearchQuery => "search query",
            Language::ConnectionRef => "connection reference",
            Language::UrlTemplate => "URL template",
            Language::Uuid => "uuid",
        }
    }
}

/// A parse failure: the byte offset into the parsed string, and what was expected there.
///
/// The offset is relative to the string handed to the parser, so a caller that knows
/// where that string sits in a file can point at the exact bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrammarError {
    language: Language,
    offset: usize,
    expected: String,
    found: Option<String>,
}

impl GrammarError {
    pub(crate) fn new(
        language: Language,
        input: &str,
        offset: usize,
        expected: impl Into<String>,
    ) -> Self {
        let offset = offset.min(input.len());
        let found = input
            .get(offset..)
            .and_then(|rest| rest.chars().next())
            .map(|c| c.to_string());
        GrammarError {
            language,
            offset,
            expected: expected.into(),
            found,
        }
    }

    /// Byte offset of the problem within the parsed string.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What the parser expected at [`GrammarError::offset`].
    pub fn expected(&self) -> &str {
        &self.expected
    }

    /// The language that failed to parse.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The same error moved `by` bytes to the right, for a string embedded in a larger one.
    pub fn shifted(mut self, by: usize) -> Self {
        self.offset += by;
        self
    }
}

impl fmt::Display for GrammarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} at byte {}: expected {}",
            self.language.noun(),
            self.offset,
            self.expected
        )?;
        match &self.found {
            Some(found) => write!(f, ", found `{found}`"),
            None => write!(f, ", found end of input"),
        }
    }
}

impl std::error::Error for GrammarError {}
