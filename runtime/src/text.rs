//! Showing user input inside messages: control characters escaped (a name can never
//! drive the terminal it is printed on) and very long input cut short.

use std::fmt;

/// The most characters of one piece of user input a message shows.
const SHOWN_LIMIT: usize = 200;

/// User input as a message shows it: control characters, invisible format characters and
/// white space other than the ASCII space ([`is_escaped_when_shown`]) escaped as
/// `\u{..}`, cut after 200 characters with `…`.
#[derive(Clone, Copy)]
pub struct Shown<'a>(pub &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.chars().enumerate() {
            if i == SHOWN_LIMIT {
                return f.write_str("…");
            }
            if is_escaped_when_shown(c) {
                write!(f, "\\u{{{:x}}}", c as u32)?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Characters that are not control characters yet show as nothing or change how the text
/// around them shows: format characters (Unicode category Cf: zero-width marks and joiners,
/// bidirectional marks, overrides and isolates, the soft hyphen, the word joiner and
/// invisible operators, the byte order mark, tag characters), variation selectors and the
/// fillers that render blank. A value holding one looks like another value and is not it.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{61c}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// Whether [`Shown`] and [`escape_controls`] escape `c`: a control character, an
/// invisible format character, or white space other than the ASCII space (a no-break
/// space shown as itself reads as a space, so a message would name a value the reader
/// cannot tell from another).
pub fn is_escaped_when_shown(c: char) -> bool {
    c.is_control() || is_invisible_format(c) || (c.is_whitespace() && c != ' ')
}

/// True when `text` holds a control character or an invisible format character (what
/// values are refused for; [`Shown`] escapes these and non-ASCII white space).
pub fn has_control_characters(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() || is_invisible_format(c))
}

/// `text` as [`Shown`] renders it, as an owned string.
pub fn shown(text: &str) -> String {
    Shown(text).to_string()
}

/// Control characters (and invisible format characters, and white space other than the
/// ASCII space) as `\u{..}` escapes, with no
/// length limit: for whole messages, where [`Shown`] is for one piece of user input.
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(is_escaped_when_shown) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_escaped_when_shown(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_long_input_cut() {
        assert_eq!(shown("a\u{1b}[31mb\n"), "a\\u{1b}[31mb\\u{a}");
        assert_eq!(shown("x\u{202e}y"), "x\\u{202e}y");
        let long = "z".repeat(500);
        assert_eq!(shown(&long).chars().count(), SHOWN_LIMIT + 1);
        assert!(has_control_characters("a\tb"));
        assert!(!has_control_characters("plain é"));
        assert_eq!(escape_controls("a\u{7}b\u{202e}"), "a\\u{7}b\\u{202e}");
    }

    /// Issue 20 (round 6), F6: white space other than the ASCII space is shown escaped,
    /// so a no-break space never reads as a space.
    #[test]
    fn non_ascii_white_space_is_shown_escaped() {
        assert_eq!(shown("dev\u{a0}"), "dev\\u{a0}");
        assert_eq!(shown("a\u{2003}b\u{3000}"), "a\\u{2003}b\\u{3000}");
        assert_eq!(shown("x\u{2028}\u{85}"), "x\\u{2028}\\u{85}");
        assert_eq!(shown("my pod"), "my pod");
        assert_eq!(escape_controls("dev\u{a0}"), "dev\\u{a0}");
        assert_eq!(shown("x\u{feff}"), "x\\u{feff}");
    }
}
