//! The boundary itself: running an export's body under `catch_unwind` and turning its
//! outcome into a return code and an optional `RampartError`, and reading the caller's
//! pointer + length inputs without trusting them further than the contract says.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rampart_bindings::codes::BindingError;

use crate::buffer::RampartBuffer;
use crate::error::{RampartError, RAMPART_OK};

/// A string the caller owns: `len` bytes of UTF-8 at `ptr`. `ptr` NULL (with `len` 0)
/// is "absent" where an input is optional and the empty string where it is required.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RampartStr {
    /// The first byte, or NULL.
    pub ptr: *const u8,
    /// The number of bytes.
    pub len: usize,
}

/// Runs an export's `body` under `catch_unwind`; stores the error (or NULL) in `*error`
/// when `error` is not NULL; returns the code.
///
/// # Safety
/// `error` is NULL or writable.
pub(crate) unsafe fn run(
    error: *mut *mut RampartError,
    body: impl FnOnce() -> Result<(), BindingError>,
) -> i32 {
    let outcome =
        catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| Err(BindingError::internal()));
    let (code, stored) = match outcome {
        Ok(()) => (RAMPART_OK, std::ptr::null_mut()),
        Err(e) => (e.number(), Box::into_raw(Box::new(RampartError::new(&e)))),
    };
    if error.is_null() {
        if !stored.is_null() {
            // SAFETY: just made by Box::into_raw and not handed out.
            drop(unsafe { Box::from_raw(stored) });
        }
    } else {
        // SAFETY: non-null and writable by the contract.
        unsafe { *error = stored };
    }
    code
}

/// Runs an export whose answer is JSON: `*out` emptied first, then filled on success.
///
/// # Safety
/// `out` NULL or writable; `error` NULL or writable.
pub(crate) unsafe fn answer(
    out: *mut RampartBuffer,
    error: *mut *mut RampartError,
    body: impl FnOnce() -> Result<serde_json::Value, BindingError>,
) -> i32 {
    // SAFETY: `out` is NULL or writable.
    unsafe { store(out, RampartBuffer::empty()) };
    // SAFETY: forwarded contract.
    unsafe {
        run(error, || {
            required_out(out, "out")?;
            let value = body()?;
            store(out, RampartBuffer::from_text(value.to_string()));
            Ok(())
        })
    }
}

/// The caller's bytes, or an error naming `what` for a length without a pointer or a
/// length no allocation can have.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that stay unchanged during the call.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a [u8], BindingError> {
    if ptr.is_null() {
        return match len {
            0 => Ok(&[]),
            _ => Err(BindingError::invalid_argument(format!(
                "`{what}` is a null pointer with length {len}"
            ))),
        };
    }
    if len > isize::MAX as usize {
        return Err(BindingError::invalid_argument(format!(
            "`{what}` has length {len}, more than any buffer can hold"
        )));
    }
    // SAFETY: non-null, `len` readable bytes by the contract, and len <= isize::MAX.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The caller's UTF-8 text (a null pointer with length 0 is the empty string).
///
/// # Safety
/// As [`bytes`].
pub(crate) unsafe fn text<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a str, BindingError> {
    // SAFETY: forwarded contract.
    let raw = unsafe { bytes(ptr, len, what) }?;
    std::str::from_utf8(raw).map_err(|e| {
        BindingError::invalid_argument(format!(
            "`{what}` is not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })
}

/// Optional text: `None` when the pointer is NULL.
///
/// # Safety
/// As [`bytes`].
pub(crate) unsafe fn optional_text<'a>(
    s: RampartStr,
    what: &str,
) -> Result<Option<&'a str>, BindingError> {
    if s.ptr.is_null() && s.len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { text(s.ptr, s.len, what) }.map(Some)
}

/// A required pointer to a caller's struct.
///
/// # Safety
/// `ptr` is NULL or points to a valid `T` for the call.
pub(crate) unsafe fn reference<'a, T>(ptr: *const T, what: &str) -> Result<&'a T, BindingError> {
    // SAFETY: NULL or valid by the contract.
    unsafe { ptr.as_ref() }
        .ok_or_else(|| BindingError::invalid_argument(format!("`{what}` is a null pointer")))
}

/// Stores `value` in `*out` (when `out` is not NULL).
///
/// # Safety
/// `out` is NULL or writable.
pub(crate) unsafe fn store<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-null and writable by the contract.
        unsafe { out.write(value) };
    }
}

/// Refuses flag bits outside `known`: a flag a newer caller means must not be ignored
/// by an older library.
pub(crate) fn known_flags(flags: u32, known: u32) -> Result<(), BindingError> {
    match flags & !known {
        0 => Ok(()),
        unknown => Err(BindingError::invalid_argument(format!(
            "unknown flag bits {unknown:#x} (this library knows {known:#x})"
        ))),
    }
}

/// An output pointer the call cannot do without.
pub(crate) fn required_out<T>(out: *mut T, what: &str) -> Result<(), BindingError> {
    if out.is_null() {
        Err(BindingError::invalid_argument(format!(
            "`{what}` is a null pointer"
        )))
    } else {
        Ok(())
    }
}

/// The caller's array of ids.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable ids that stay unchanged during the call.
pub(crate) unsafe fn ids<'a>(ptr: *const u64, len: usize) -> Result<&'a [u64], BindingError> {
    if ptr.is_null() {
        return match len {
            0 => Ok(&[]),
            _ => Err(BindingError::invalid_argument(format!(
                "`targets` is a null pointer with length {len}"
            ))),
        };
    }
    if len > 4 {
        return Err(BindingError::new(
            "invalid_request",
            format!("invalid request: {len} targets (at most one object per category, or one global object)"),
        ));
    }
    if !ptr.is_aligned() {
        return Err(BindingError::invalid_argument(
            "`targets` is not aligned for uint64_t",
        ));
    }
    // SAFETY: non-null, aligned, `len` (at most 4) readable ids by the contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The caller's array of strings.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable `RampartStr`, each valid for its length.
pub(crate) unsafe fn strs<'a>(
    ptr: *const RampartStr,
    len: usize,
    what: &str,
) -> Result<Vec<&'a str>, BindingError> {
    if ptr.is_null() {
        return match len {
            0 => Ok(Vec::new()),
            _ => Err(BindingError::invalid_argument(format!(
                "`{what}` is a null pointer with length {len}"
            ))),
        };
    }
    if len > (isize::MAX as usize) / std::mem::size_of::<RampartStr>() || !ptr.is_aligned() {
        return Err(BindingError::invalid_argument(format!(
            "`{what}` is not an array of {len} strings"
        )));
    }
    // SAFETY: non-null, aligned, `len` readable items by the contract.
    let items = unsafe { std::slice::from_raw_parts(ptr, len) };
    items
        .iter()
        // SAFETY: each item valid for its length by the contract.
        .map(|s| unsafe { text(s.ptr, s.len, what) })
        .collect()
}
