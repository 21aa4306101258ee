//! Small lexical helpers shared by the parsers: offsets and case-insensitive comparison.

/// Byte offset of `rest` within `input`, where `rest` is a suffix of `input`.
pub(crate) fn offset_of(input: &str, rest: &str) -> usize {
    input.len().saturating_sub(rest.len())
}

/// ASCII-fast case-insensitive equality; falls back to Unicode lowercase.
pub(crate) fn eq_fold(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// Lowercases `value` for comparison against an already lowercased pattern.
pub(crate) fn fold(value: &str) -> std::borrow::Cow<'_, str> {
    if value
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        std::borrow::Cow::Owned(value.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}
