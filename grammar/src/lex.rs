//! Small lexical helpers shared by the parsers: offsets (case folding is [`crate::fold`]).

/// Byte offset of `rest` within `input`, where `rest` is a suffix of `input`.
pub(crate) fn offset_of(input: &str, rest: &str) -> usize {
    input.len().saturating_sub(rest.len())
}
