//! A parsed document together with the document text it came from, so that any value
//! inside it (a spanned string, a spanned node, a dotted field path) can be turned into a
//! [`Location`] for diagnostics. Every document kind is held as a [`Located`] value.

use std::sync::Arc;

use rampart_grammar::GrammarError;
use serde_saphyr::Spanned;

use crate::source::{Location, SourceFile};
use crate::yaml::{DocumentText, Text};

/// A parsed document with the document it came from.
#[derive(Debug, Clone)]
pub struct Located<T> {
    /// The parsed value.
    pub value: T,
    /// The file.
    pub file: Arc<SourceFile>,
    /// Where the document starts.
    pub start: Location,
    doc: DocumentText,
}

impl<T> Located<T> {
    /// `value`, parsed from `doc`.
    pub fn new(value: T, doc: &DocumentText) -> Located<T> {
        Located {
            value,
            file: Arc::clone(&doc.file),
            start: doc.start_location(),
            doc: doc.clone(),
        }
    }

    /// The same document holding another value (a shape read further, say).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Located<U> {
        Located {
            value: f(self.value),
            file: self.file,
            start: self.start,
            doc: self.doc,
        }
    }

    /// The location of a spanned string in this document (quotes excluded).
    pub fn at(&self, text: &Text) -> Location {
        self.doc.text_location(text)
    }

    /// The location of any spanned value (one character long).
    pub fn at_node<V>(&self, value: &Spanned<V>) -> Location {
        self.doc.location(value, 1)
    }

    /// The location of the key at a dotted field path (list indexes ignored), or of the
    /// document when the key is not written (a default, say).
    pub fn locate_field(&self, field: &str) -> Location {
        let plain: String = field.split('[').next().unwrap_or(field).to_string();
        let text = self.doc.text();
        match crate::field_path::locate(text, &plain) {
            Some(offset) => {
                let len = plain.rsplit('.').next().unwrap_or("").len().max(1);
                let file_offset = self.doc.map_offset(offset);
                Location::new(&self.file, file_offset, len)
            }
            None => self.start.clone(),
        }
    }
}

/// The location of a grammar error inside a spanned string: the exact bytes.
pub fn at_grammar_error<T>(doc: &Located<T>, text: &Text, error: &GrammarError) -> Location {
    let start = doc.at(text);
    Location::new(&doc.file, start.offset + error.offset(), 1)
}
