//! UUIDs, in exactly the forms Mission Control's `uuid.Parse` (google/uuid) accepts:
//! `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, the same in braces, the same after
//! `urn:uuid:` (any case), and 32 hex digits without hyphens; hex digits in any case.
//! Like upstream, only the format is checked, not the version or variant bits.
//!
//! The canonical form ([`std::fmt::Display`]) is what upstream stores: lowercase,
//! hyphenated.

use std::fmt;

use crate::error::{GrammarError, Language};

/// A parsed UUID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid([u8; 16]);

const HYPHENS: [usize; 4] = [8, 13, 18, 23];
const URN: &str = "urn:uuid:";

impl Uuid {
    /// Parses a UUID in any form upstream accepts.
    pub fn parse(input: &str) -> Result<Uuid, GrammarError> {
        Self::locate(input)
            .map_err(|(at, expected)| GrammarError::new(Language::Uuid, input, at, expected))
    }

    /// [`Uuid::parse`] without the error (allocates nothing): the UUID `input` spells in
    /// any form upstream accepts, else `None`.
    pub fn read(input: &str) -> Option<Uuid> {
        Self::locate(input).ok()
    }

    /// The UUID, else the byte offset of the first wrong character and what was expected.
    fn locate(input: &str) -> Result<Uuid, (usize, &'static str)> {
        let (body, lead) = match input.len() {
            36 => (input, 0),
            38 => {
                if !input.starts_with('{') {
                    return Err((0, "`{`"));
                }
                if !input.ends_with('}') {
                    return Err((37, "`}`"));
                }
                (input.get(1..37).unwrap_or(""), 1)
            }
            45 => {
                let prefix = input.get(..URN.len()).unwrap_or("");
                if !prefix.eq_ignore_ascii_case(URN) {
                    return Err((0, "`urn:uuid:`"));
                }
                (input.get(URN.len()..).unwrap_or(""), URN.len())
            }
            32 => return Self::hex(input, 0, false).map_err(|at| (at, "a hex digit")),
            _ => {
                return Err((
                    input.len().min(36),
                    "a UUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, 32 hex digits, in braces or after `urn:uuid:`)",
                ))
            }
        };
        Self::hex(body, lead, true).map_err(|at| {
            let expected = if HYPHENS.contains(&(at - lead)) {
                "`-`"
            } else {
                "a hex digit"
            };
            (at, expected)
        })
    }

    /// The canonical form (lowercase, hyphenated) without allocating.
    pub fn hyphenated(&self) -> Hyphenated {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [b'0'; 36];
        let mut at = 0usize;
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                if let Some(slot) = out.get_mut(at) {
                    *slot = b'-';
                }
                at += 1;
            }
            for nibble in [b >> 4, b & 0x0f] {
                if let (Some(slot), Some(digit)) =
                    (out.get_mut(at), DIGITS.get(usize::from(nibble)))
                {
                    *slot = *digit;
                }
                at += 1;
            }
        }
        Hyphenated(out)
    }

    /// Reads 32 hex digits (with hyphens at their places when `hyphenated`); on failure,
    /// the byte offset (`lead` added) of the first wrong character.
    fn hex(body: &str, lead: usize, hyphenated: bool) -> Result<Uuid, usize> {
        let mut bytes = [0u8; 16];
        let mut digit = 0usize;
        for (i, c) in body.bytes().enumerate() {
            if hyphenated && HYPHENS.contains(&i) {
                if c != b'-' {
                    return Err(lead + i);
                }
                continue;
            }
            let value = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(lead + i),
            };
            let Some(byte) = bytes.get_mut(digit / 2) else {
                return Err(lead + i);
            };
            *byte = (*byte << 4) | value;
            digit += 1;
        }
        Ok(Uuid(bytes))
    }

    /// Whether `input` is a UUID in a form upstream accepts.
    pub fn is_uuid(input: &str) -> bool {
        Uuid::parse(input).is_ok()
    }
}

/// A UUID's canonical text (lowercase, hyphenated), held inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hyphenated([u8; 36]);

impl Hyphenated {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits and hyphens are ever written.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_form_upstream_accepts_and_prints_the_canonical_one() {
        let canonical = "9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3e4f";
        for input in [
            canonical,
            "9C0D1E2F-3A4B-5C6D-7E8F-9A0B1C2D3E4F",
            "{9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3e4f}",
            "URN:uuid:9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3e4f",
            "9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f",
        ] {
            assert_eq!(
                Uuid::parse(input).map(|u| u.to_string()),
                Ok(canonical.to_string()),
                "{input}"
            );
            assert_eq!(
                Uuid::read(input).map(|u| u.hyphenated().as_str().to_string()),
                Some(canonical.to_string()),
                "{input}"
            );
        }
    }

    #[test]
    fn rejections_say_where() {
        for (input, offset) in [
            ("", 0),
            ("not-a-uuid", 10),
            ("9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3e4", 35),
            ("9c0d1e2f_3a4b-5c6d-7e8f-9a0b1c2d3e4f", 8),
            ("9c0d1e2g-3a4b-5c6d-7e8f-9a0b1c2d3e4f", 7),
            ("{9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3e4f)", 37),
            ("urn:uuix:9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3e4f", 0),
            ("9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4-", 31),
            ("9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3e4f ", 36),
            ("9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3é", 35),
            ("9c0d1e2f-3a4b-5c6d-7e8f-9a0b1c2d3eé", 34),
        ] {
            assert_eq!(
                Uuid::parse(input).map_err(|e| e.offset()),
                Err(offset),
                "{input:?}"
            );
        }
    }
}
