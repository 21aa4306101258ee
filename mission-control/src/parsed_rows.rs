//! Permission rows parsed before, kept between reads of the policy rows
//! (`serve --postgres` reads them again on every policy change): a row rendered as the
//! very same document as at the last read (its text and its row origin: table, id,
//! name, source and columns) gives the same parsed document, so it is cloned rather
//! than parsed again. Only a document that parsed into exactly one Permission and
//! nothing else (no diagnostic, no other kind, no skipped document, no `connection://`
//! use) is kept; any other row is parsed as if nothing were kept. Entries not met by a
//! read are forgotten after it, so what is kept is at most the rows of the last two
//! reads.

use std::collections::HashMap;
use std::sync::Arc;

use rampart_compiler::diagnostic::Diagnostic;
use rampart_compiler::documents::policy::PermissionDocument;
use rampart_compiler::documents::{read_file_into, Documents};
use rampart_compiler::located::Located;
use rampart_compiler::source::{RowOrigin, SourceFile};

/// A row's document: its text and the row it came from.
type Key = (String, RowOrigin);

/// Permission documents parsed by the last reads, by the row document they came from.
#[derive(Default)]
pub struct ParsedRows {
    /// Met by the read in progress.
    current: HashMap<Key, Located<PermissionDocument>>,
    /// Met by the read before it (and not yet by this one).
    previous: HashMap<Key, Located<PermissionDocument>>,
}

impl ParsedRows {
    /// Starts a read: what the last read met is kept until this one meets it again.
    pub fn begin(&mut self) {
        self.previous = std::mem::take(&mut self.current);
    }

    /// Reads a row's document into `documents` (and any problem into `diagnostics`), as
    /// [`read_file_into`] does, from what was parsed before when the document is
    /// unchanged.
    pub fn read(
        &mut self,
        file: Arc<SourceFile>,
        documents: &mut Documents,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let Some(origin) = file.row.clone() else {
            read_file_into(file, documents, diagnostics);
            return;
        };
        let key = (file.text.clone(), origin);
        let kept = match self.previous.remove(&key) {
            Some(permission) => Some(permission),
            None => self.current.get(&key).cloned(),
        };
        if let Some(permission) = kept {
            documents.files += 1;
            documents.documents += 1;
            documents.permissions.push(permission.clone());
            self.current.insert(key, permission);
            return;
        }
        let mut fresh = Documents::default();
        let mut found = Vec::new();
        read_file_into(Arc::clone(&file), &mut fresh, &mut found);
        match only_permission(fresh, &found) {
            Some(permission) => {
                documents.files += 1;
                documents.documents += 1;
                documents.permissions.push(permission.clone());
                self.current.insert(key, permission);
            }
            // Anything else is read into the documents themselves, exactly as without
            // this (parsed twice: such rows are the rare ones).
            None => read_file_into(file, documents, diagnostics),
        }
    }
}

/// The one Permission of what one file read gave, when it gave that and nothing else.
fn only_permission(
    mut fresh: Documents,
    found: &[Diagnostic],
) -> Option<Located<PermissionDocument>> {
    let nothing_else = found.is_empty()
        && fresh.files == 1
        && fresh.documents == 1
        && fresh.permissions.len() == 1
        && fresh.groups.is_empty()
        && fresh.scopes.is_empty()
        && fresh.unparsed_scopes.is_empty()
        && fresh.connections.is_empty()
        && fresh.tests.is_empty()
        && fresh.playbooks.is_empty()
        && fresh.notifications.is_empty()
        && fresh.uses.is_empty()
        && fresh.skipped.is_empty();
    if nothing_else {
        fresh.permissions.pop()
    } else {
        None
    }
}
