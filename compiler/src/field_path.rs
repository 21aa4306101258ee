//! Field paths in YAML text: from a position to its dotted path (`spec.object.configs[0]`)
//! for parser errors that carry only a line and column, and from a path back to the
//! position of its key for problems found after parsing.
//!
//! Both work on the block-style YAML that policy documents are written in, by following
//! indentation; flow collections (`{a: b}`) are treated as a leaf of their key.

/// One line: its byte offset, indentation, key (if any) and whether it starts a list item.
struct Line<'a> {
    start: usize,
    indent: usize,
    item: bool,
    key: Option<&'a str>,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let content = raw.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim_start();
        let mut indent = content.len() - trimmed.len();
        let mut body = trimmed;
        let mut item = false;
        if let Some(rest) = body
            .strip_prefix("- ")
            .or_else(|| (body == "-").then_some(""))
        {
            item = true;
            indent += 2;
            body = rest.trim_start();
        }
        let key = if body.starts_with('#') || body.is_empty() {
            None
        } else {
            body.split_once(':')
                .filter(|(k, v)| {
                    !k.contains(['{', '[', '"', '\'', ' ']) && (v.is_empty() || v.starts_with(' '))
                })
                .map(|(k, _)| k)
        };
        if !(trimmed.is_empty() || trimmed.starts_with('#')) {
            out.push(Line {
                start,
                indent,
                item,
                key,
            });
        }
        start += raw.len();
    }
    out
}

/// The dotted path of the key on the line holding byte `offset` of `text`.
pub fn path_at(text: &str, offset: usize) -> Option<String> {
    let all = lines(text);
    let index = all.iter().rposition(|l| l.start <= offset)?;
    let line = all.get(index)?;
    let mut segments: Vec<String> = line.key.map(str::to_string).into_iter().collect();
    let mut indent = line.indent;
    let mut in_item = line.item;
    let mut items = usize::from(line.item);
    for l in all.get(..index).unwrap_or(&[]).iter().rev() {
        if l.indent == indent && l.item {
            items += 1;
            in_item = true;
            continue;
        }
        if l.indent >= indent {
            continue;
        }
        if in_item {
            segments.push(format!("[{}]", items.saturating_sub(1)));
        }
        let Some(key) = l.key else { break };
        segments.push(key.to_string());
        indent = l.indent;
        in_item = l.item;
        items = usize::from(l.item);
    }
    if segments.is_empty() {
        return None;
    }
    segments.reverse();
    Some(segments.join(".").replace(".[", "["))
}

/// The byte offset of the key at dotted `path` (no list indexes) within `text`.
pub fn locate(text: &str, path: &str) -> Option<usize> {
    let all = lines(text);
    let mut from = 0;
    let mut min_indent = 0;
    let mut found = None;
    for segment in path.split('.') {
        let (i, line) = all
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, l)| l.key == Some(segment) && l.indent >= min_indent)?;
        found = Some(line.start + line.indent);
        from = i + 1;
        min_indent = line.indent + 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "kind: Permission\nspec:\n  subject:\n    person: x\n  object:\n    configs:\n      - name: a\n      - name: b\n        labels: {a: b}\n";

    #[test]
    fn indexed_paths_of_yaml_catalogs() {
        let text = "people:\n  - email: a\n    teams:\n      - t1\n  - email: b\n    teams:\n      - t2\n      - t3\n";
        let at = locate_indexed(text, "people[1].teams[1]").expect("found");
        assert!(text[at..].starts_with("t3"), "{}", &text[at..]);
        let at = locate_indexed(text, "people[1].email").expect("found");
        assert!(text[at..].starts_with("b\n"));
    }

    #[test]
    fn paths_of_positions() {
        let at = |needle: &str| DOC.find(needle).and_then(|o| path_at(DOC, o));
        assert_eq!(at("person"), Some("spec.subject.person".into()));
        assert_eq!(at("labels"), Some("spec.object.configs[1].labels".into()));
        assert_eq!(at("name: a"), Some("spec.object.configs[0].name".into()));
        assert_eq!(at("kind"), Some("kind".into()));
    }

    #[test]
    fn positions_of_paths() {
        assert_eq!(locate(DOC, "spec.object.configs"), DOC.find("configs"));
        assert_eq!(locate(DOC, "spec.missing"), None);
    }
}

#[cfg(test)]
mod more_tests {
    #[test]
    fn unknown_field_document() {
        let doc = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/invalid/unknown-field.yaml"
        ))
        .unwrap_or_default();
        let at = doc.find("labels").unwrap_or(0);
        assert_eq!(
            super::path_at(&doc, at),
            Some("spec.object.configs[0].labels".to_string())
        );
    }
}

/// The byte offset of the value at a dotted path with list indexes
/// (`people[3].teams[1]`) in block-style YAML, following indentation.
pub fn locate_indexed(text: &str, path: &str) -> Option<usize> {
    let key_at = locate_indexed_key(text, path)?;
    // Point at the value when it is on the key's line.
    let line = text
        .get(key_at..)
        .and_then(|r| r.lines().next())
        .unwrap_or("");
    let value = match line.split_once(": ") {
        Some((key, rest)) if !key.contains(' ') && !rest.trim().is_empty() => {
            key_at + key.len() + 2 + (rest.len() - rest.trim_start().len())
        }
        _ => key_at,
    };
    Some(value)
}

fn locate_indexed_key(text: &str, path: &str) -> Option<usize> {
    let all = lines(text);
    let mut from = 0usize;
    let mut min_indent = 0usize;
    let mut found = None;
    for part in path.split('.') {
        let (key, indexes) = match part.find('[') {
            Some(i) => (part.get(..i).unwrap_or(""), part.get(i..).unwrap_or("")),
            None => (part, ""),
        };
        if !key.is_empty() {
            let (i, line) = all
                .iter()
                .enumerate()
                .skip(from)
                .take_while(|(_, l)| l.indent >= min_indent || l.key.is_none())
                .find(|(_, l)| l.key == Some(key) && l.indent >= min_indent)?;
            found = Some(line.start + line.indent);
            from = i + 1;
            min_indent = line.indent + 1;
        }
        for index in indexes.split(']').filter_map(|s| s.strip_prefix('[')) {
            let wanted: usize = index.parse().ok()?;
            let mut seen = 0usize;
            let mut hit = None;
            let mut level = None;
            for (i, l) in all.iter().enumerate().skip(from) {
                if l.key.is_some() && l.indent < min_indent && !l.item {
                    break;
                }
                if l.item && l.indent >= min_indent && *level.get_or_insert(l.indent) == l.indent {
                    if seen == wanted {
                        hit = Some((i, l));
                        break;
                    }
                    seen += 1;
                }
            }
            let (i, line) = hit?;
            found = Some(line.start + line.indent);
            // An item's own keys sit at its indentation, on its line and after.
            from = i;
            min_indent = line.indent;
        }
    }
    found
}
