//! `kind: List` and `*List` documents (what `kubectl get ... -o yaml` and `-o json`
//! write): finding each item's text so that it is parsed like a document of its own,
//! with spans that still point into the file.

use std::sync::Arc;

use crate::yaml::{Dedented, DocumentText};

/// Where the item that starts at `start` (a file offset) ends: for a flow mapping, after
/// its closing brace; for a block mapping, at the first line indented less than it.
fn item_end(text: &str, start: usize, column: usize) -> usize {
    let rest = text.get(start..).unwrap_or("");
    if rest.starts_with('{') {
        let (mut depth, mut quote, mut escaped) = (0usize, None::<u8>, false);
        for (i, b) in rest.bytes().enumerate() {
            match (quote, b) {
                (Some(_), b'\\') if !escaped => {
                    escaped = true;
                    continue;
                }
                (Some(q), b) if b == q && !escaped => quote = None,
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'{' | b'[') => depth += 1,
                (None, b'}' | b']') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return start + i + 1;
                    }
                }
                _ => {}
            }
            escaped = false;
        }
        return text.len();
    }
    let mut at = start + rest.find('\n').map(|i| i + 1).unwrap_or(rest.len());
    while at < text.len() {
        let line_end = text
            .get(at..)
            .and_then(|r| r.find('\n'))
            .map(|i| at + i + 1)
            .unwrap_or(text.len());
        let line = text.get(at..line_end).unwrap_or("");
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let blank = body.trim().is_empty() || body.starts_with('#');
        if !blank && indent < column {
            return at;
        }
        at = line_end;
    }
    text.len()
}

/// The items of a List document, given the file offsets where the parser saw them start.
pub fn items(doc: &DocumentText, starts: &[usize]) -> Vec<DocumentText> {
    let text = &doc.file.text;
    starts
        .iter()
        .map(|&start| {
            let line_start = text
                .get(..start)
                .and_then(|t| t.rfind('\n'))
                .map(|i| i + 1)
                .unwrap_or(0);
            let column = start - line_start;
            let end = item_end(text, start, column).min(doc.end.max(start));
            let dedented = (!text.get(start..).unwrap_or("").starts_with('{'))
                .then(|| Arc::new(Dedented::new(&doc.file, start, end, column)));
            DocumentText {
                file: Arc::clone(&doc.file),
                start,
                end,
                dedented,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn block_and_flow_items_are_cut_where_they_end() {
        let text = "apiVersion: v1\nitems:\n- kind: A\n  metadata:\n    name: a\n- {kind: B, metadata: {name: \"b}\"}}\nkind: List\n";
        let file = SourceFile::new("l.yaml", text.to_string());
        let doc = DocumentText {
            file: Arc::clone(&file),
            start: 0,
            end: text.len(),
            dedented: None,
        };
        let a = text.find("kind: A").expect("a");
        let b = text.find("{kind: B").expect("b");
        let found = items(&doc, &[a, b]);
        assert_eq!(found[0].text(), "kind: A\nmetadata:\n  name: a\n");
        assert_eq!(found[1].text(), "{kind: B, metadata: {name: \"b}\"}}");
    }
}
