//! Panic containment for exports that report nothing: the `_free` functions run their
//! body here, so a panic is swallowed instead of unwinding into C (undefined behaviour).
//! It stands apart from `ffi` (which reports errors through `RampartError`) because the
//! error and buffer types' own `_free` functions need it, and `ffi` needs them.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `body` so that no panic unwinds into the caller: a panic is swallowed (used by
/// the `_free` functions, which have nothing to report).
pub(crate) fn boundary(body: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}
