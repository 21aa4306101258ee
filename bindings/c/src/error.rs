//! Errors across the boundary: the return codes (one `RAMPART_*` constant per stable code
//! of `rampart_bindings::codes`) and `RampartError`, the code and message a failed call
//! hands the caller, who frees it.

use std::ffi::c_char;

use rampart_bindings::codes::{self, BindingError};

use crate::unwind::boundary;

/// Success.
pub const RAMPART_OK: i32 = 0;
/// The subject is not a known principal.
pub const RAMPART_UNKNOWN_SUBJECT: i32 = 1;
/// The subject is a person's name that several people share.
pub const RAMPART_AMBIGUOUS_SUBJECT: i32 = 2;
/// The action is not an action of the vocabulary.
pub const RAMPART_UNKNOWN_ACTION: i32 = 3;
/// An object key is not in the catalog the tables were compiled with.
pub const RAMPART_UNKNOWN_OBJECT: i32 = 4;
/// The global object is not one of the tables' global objects.
pub const RAMPART_UNKNOWN_GLOBAL: i32 = 5;
/// The request is malformed (objects and a global object, one category twice, an id of
/// other tables or of the wrong kind).
pub const RAMPART_INVALID_REQUEST: i32 = 6;
/// The tables contradict themselves (only crafted tables can).
pub const RAMPART_INCONSISTENT_TABLES: i32 = 7;
/// A JSON request that does not parse or does not follow the request model.
pub const RAMPART_MALFORMED_REQUEST: i32 = 8;
/// The table file could not be read.
pub const RAMPART_IO: i32 = 20;
/// Not a table file.
pub const RAMPART_NOT_A_TABLE: i32 = 21;
/// The table file is shorter than its header says.
pub const RAMPART_TRUNCATED: i32 = 22;
/// The table file was written with another byte order.
pub const RAMPART_ENDIANNESS: i32 = 23;
/// The table file was written by another format version.
pub const RAMPART_VERSION_MISMATCH: i32 = 24;
/// The table file's checksum does not match.
pub const RAMPART_CHECKSUM: i32 = 25;
/// The table file does not decode or is inconsistent.
pub const RAMPART_CORRUPT: i32 = 26;
/// A signature was required and the file carries none.
pub const RAMPART_UNSIGNED: i32 = 27;
/// The signature does not verify with the given key (or the key is not a key).
pub const RAMPART_BAD_SIGNATURE: i32 = 28;
/// The tables could not be serialised.
pub const RAMPART_ENCODE: i32 = 29;
/// The connection reference does not parse.
pub const RAMPART_INVALID_REFERENCE: i32 = 40;
/// The subject may not read the connection (or it does not exist, or the subject is
/// unknown: the refusal is the same).
pub const RAMPART_DENIED: i32 = 41;
/// A credential's source could not be read.
pub const RAMPART_SOURCE: i32 = 42;
/// A template from a secret does not parse.
pub const RAMPART_TEMPLATE: i32 = 43;
/// The connection is known to the catalog but has no definition.
pub const RAMPART_NO_DEFINITION: i32 = 44;
/// An `http` connection's stored headers are not a list of headers.
pub const RAMPART_INVALID_HEADERS: i32 = 45;
/// An argument the library cannot take: a null pointer where one is required, a
/// length without a pointer, bytes that are not UTF-8, a category number out of range.
pub const RAMPART_INVALID_ARGUMENT: i32 = 60;
/// The tables were closed (a binding's handle after `Close`).
pub const RAMPART_CLOSED: i32 = 61;
/// Not available in this build.
pub const RAMPART_UNSUPPORTED: i32 = 62;
/// A code this header does not know (from a newer library).
pub const RAMPART_UNKNOWN_ERROR: i32 = 98;
/// A bug in Rampart, caught at the boundary.
pub const RAMPART_INTERNAL: i32 = 99;

/// An error: a code and a message. Created by the library, freed by the caller with
/// `rampart_error_free`.
pub struct RampartError {
    code: i32,
    /// The message with a trailing NUL (not counted in its length).
    message: Box<[u8]>,
}

impl RampartError {
    pub(crate) fn new(error: &BindingError) -> RampartError {
        let mut message = error.message().as_bytes().to_vec();
        message.push(0);
        RampartError {
            code: error.number(),
            message: message.into_boxed_slice(),
        }
    }
}

/// The error's code (a `RAMPART_*` constant); `RAMPART_INVALID_ARGUMENT` for NULL.
///
/// # Safety
/// `error` is NULL or an error the library returned and the caller has not freed.
#[no_mangle]
pub unsafe extern "C" fn rampart_error_code(error: *const RampartError) -> i32 {
    // SAFETY: the caller passes NULL or a live error.
    unsafe { error.as_ref() }.map_or(RAMPART_INVALID_ARGUMENT, |e| e.code)
}

/// The error's message: UTF-8, NUL-terminated, its length (without the NUL) stored in
/// `*length` when `length` is not NULL. Valid until the error is freed. NULL for NULL.
///
/// # Safety
/// `error` is NULL or a live error; `length` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_error_message(
    error: *const RampartError,
    length: *mut usize,
) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    let Some(error) = (unsafe { error.as_ref() }) else {
        return std::ptr::null();
    };
    if !length.is_null() {
        // SAFETY: non-null and writable by the contract.
        unsafe { *length = error.message.len().saturating_sub(1) };
    }
    error.message.as_ptr().cast()
}

/// Frees an error (NULL is ignored).
///
/// # Safety
/// `error` is NULL or an error the library returned, freed once.
#[no_mangle]
pub unsafe extern "C" fn rampart_error_free(error: *mut RampartError) {
    if !error.is_null() {
        boundary(|| {
            // SAFETY: the caller hands back a live error it owns, once.
            drop(unsafe { Box::from_raw(error) });
        });
    }
}

/// The stable text code of a return code (`"unknown_object"`, ...; `"ok"` for
/// `RAMPART_OK`, `"unknown_error"` for a number no code has). Static; never freed.
#[no_mangle]
pub extern "C" fn rampart_code_name(code: i32) -> *const c_char {
    let name = match code {
        RAMPART_OK => c"ok",
        _ => codes::c_name(code).unwrap_or(c"unknown_error"),
    };
    name.as_ptr()
}
