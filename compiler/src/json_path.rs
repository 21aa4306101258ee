//! Finding the position of a field path (`people[3].teams[1]`) in JSON text, so that
//! problems found after serde_json has parsed a catalog still point at a line and column.
//! One linear scan; no allocation beyond the path.

/// One step of a path.
#[derive(Debug, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (part.get(..i).unwrap_or(""), part.get(i..).unwrap_or("")),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(close) = inner.find(']') else { break };
            if let Ok(i) = inner.get(..close).unwrap_or("").parse() {
                out.push(Step::Index(i));
            }
            rest = inner.get(close + 1..).unwrap_or("");
        }
    }
    out
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn space(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.at += 1;
        }
    }

    fn string(&mut self) -> (usize, usize) {
        let start = self.at + 1;
        self.at += 1;
        while let Some(b) = self.bytes.get(self.at) {
            match b {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return (start, self.at - 1);
                }
                _ => self.at += 1,
            }
        }
        (start, self.at)
    }

    /// Skips one value.
    fn skip(&mut self) {
        self.space();
        match self.bytes.get(self.at) {
            Some(b'"') => {
                self.string();
            }
            Some(b'{' | b'[') => {
                let mut depth = 0usize;
                while let Some(b) = self.bytes.get(self.at) {
                    match b {
                        b'"' => {
                            self.string();
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                return;
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']'))
                {
                    self.at += 1;
                }
            }
        }
    }

    /// Moves into the value at `step` of the container at the cursor.
    fn enter(&mut self, step: &Step<'_>) -> bool {
        self.space();
        match (self.bytes.get(self.at), step) {
            (Some(b'{'), Step::Key(key)) => {
                self.at += 1;
                loop {
                    self.space();
                    if self.bytes.get(self.at) != Some(&b'"') {
                        return false;
                    }
                    let (s, e) = self.string();
                    self.space();
                    if self.bytes.get(self.at) != Some(&b':') {
                        return false;
                    }
                    self.at += 1;
                    if self.bytes.get(s..e) == Some(key.as_bytes()) {
                        self.space();
                        return true;
                    }
                    self.skip();
                    self.space();
                    if self.bytes.get(self.at) != Some(&b',') {
                        return false;
                    }
                    self.at += 1;
                }
            }
            (Some(b'['), Step::Index(index)) => {
                self.at += 1;
                for _ in 0..*index {
                    self.skip();
                    self.space();
                    if self.bytes.get(self.at) != Some(&b',') {
                        return false;
                    }
                    self.at += 1;
                }
                self.space();
                true
            }
            _ => false,
        }
    }
}

/// The byte offset of the value at `path` in `text`, or of the deepest part found.
pub fn locate(text: &str, path: &str) -> Option<usize> {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut found = None;
    for step in steps(path) {
        if !scanner.enter(&step) {
            break;
        }
        found = Some(scanner.at);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_fields() {
        let text = r#"{"people": [{"email": "a@x", "teams": ["t1"]}, {"email": "b\"@x", "teams": ["t2", "t3"]}], "teams": []}"#;
        let at = locate(text, "people[1].teams[1]").expect("found");
        assert!(text[at..].starts_with("\"t3\""));
        let at = locate(text, "people[1].email").expect("found");
        assert!(text[at..].starts_with("\"b\\\"@x\""));
        assert_eq!(locate(text, "teams").map(|a| &text[a..a + 2]), Some("[]"));
        assert!(locate(text, "nothing").is_none());
    }
}
