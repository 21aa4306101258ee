//! [`SecretValue`]: a resolved credential whose `Debug` and `Display` print a mask.
//! The value is reachable only through [`SecretValue::expose`], so that every place that
//! reveals a secret says so in the code.

use std::fmt;

/// A value that must not leak into logs, errors or debug output.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretValue(String);

/// What `Debug` and `Display` print instead of the value.
pub const MASK: &str = "********";

impl SecretValue {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> SecretValue {
        SecretValue(value.into())
    }

    /// The value itself. Callers take responsibility for where it goes.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn map(&self, f: impl FnOnce(&str) -> String) -> SecretValue {
        SecretValue(f(&self.0))
    }

    /// The value, consumed. Callers take responsibility for where it goes.
    pub fn into_exposed(self) -> String {
        self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_mask_the_value() {
        let s = SecretValue::new("hunter2");
        assert_eq!(
            format!("{s} {s:?} {:?}", Some(&s)),
            "******** ******** Some(********)"
        );
        assert_eq!(s.expose(), "hunter2");
    }
}
