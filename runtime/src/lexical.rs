//! Case-insensitive comparison used by selector matching.

/// ASCII-fast case-insensitive equality; falls back to Unicode lowercase.
pub fn eq_fold(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}
