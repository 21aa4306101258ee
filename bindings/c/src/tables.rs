//! Loading tables (from a path or from bytes, verified when a public key is given),
//! freeing them, and what they are (revision, compiler version, signature).

use std::ffi::c_char;

use rampart_bindings::codes::BindingError;
use rampart_runtime::{PublicKey, Tables};

use crate::buffer::RampartBuffer;
use crate::error::RampartError;
use crate::ffi::{answer, bytes, reference, required_out, run, store, text};
use crate::unwind::boundary;

/// Loaded, validated, immutable decision tables. Opaque; made by
/// `rampart_tables_load` or `rampart_tables_from_bytes`, freed by `rampart_tables_free`.
pub struct RampartTables {
    pub(crate) tables: Tables,
}

/// The key to verify with: none when `key` is NULL, else the text `rampart keygen`
/// writes (32 bytes in standard base64).
///
/// # Safety
/// As `ffi::bytes`.
unsafe fn public_key(key: *const u8, key_len: usize) -> Result<Option<PublicKey>, BindingError> {
    if key.is_null() && key_len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    let text = unsafe { text(key, key_len, "public_key") }?;
    Ok(Some(PublicKey::parse(text)?))
}

fn hand_out(tables: Tables, out: *mut *mut RampartTables) {
    let handle = Box::into_raw(Box::new(RampartTables { tables }));
    // SAFETY: `out` was checked non-null by the caller of this function.
    unsafe { *out = handle };
}

/// Loads a table file (`path`: `path_len` bytes, not NUL-terminated). With a public key
/// (`public_key` non-NULL), refuses a file not signed by its private half. On success
/// stores the tables in `*out`; on failure `*out` is NULL.
///
/// Not available when compiled to WebAssembly (no file system): use
/// `rampart_tables_from_bytes` there.
///
/// # Safety
/// Pointers are NULL or valid for their lengths; `out` is writable; `error` is NULL or
/// writable.
#[cfg(not(target_family = "wasm"))]
#[no_mangle]
pub unsafe extern "C" fn rampart_tables_load(
    path: *const u8,
    path_len: usize,
    public_key: *const u8,
    public_key_len: usize,
    out: *mut *mut RampartTables,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: `out` is NULL or writable.
    unsafe { store(out, std::ptr::null_mut()) };
    // SAFETY: the contract is forwarded to each reader.
    unsafe {
        run(error, || {
            required_out(out, "out")?;
            let raw = bytes(path, path_len, "path")?;
            let key = self::public_key(public_key, public_key_len)?;
            let path = path_from_bytes(raw)?;
            let tables = match &key {
                Some(key) => Tables::load_verified(path, key),
                None => Tables::load(path),
            }?;
            hand_out(tables, out);
            Ok(())
        })
    }
}

#[cfg(all(unix, not(target_family = "wasm")))]
fn path_from_bytes(raw: &[u8]) -> Result<&std::path::Path, BindingError> {
    use std::os::unix::ffi::OsStrExt;
    Ok(std::path::Path::new(std::ffi::OsStr::from_bytes(raw)))
}

#[cfg(all(not(unix), not(target_family = "wasm")))]
fn path_from_bytes(raw: &[u8]) -> Result<&std::path::Path, BindingError> {
    std::str::from_utf8(raw)
        .map(std::path::Path::new)
        .map_err(|_| BindingError::invalid_argument("`path` is not UTF-8"))
}

/// Checks, validates and loads a table file's bytes (`len` bytes at `bytes`, only read
/// during the call). With a public key, refuses bytes not signed by its private half.
/// Time and memory stay proportional to `len`, whatever the bytes.
///
/// # Safety
/// As `rampart_tables_load`.
#[no_mangle]
pub unsafe extern "C" fn rampart_tables_from_bytes(
    bytes: *const u8,
    len: usize,
    public_key: *const u8,
    public_key_len: usize,
    out: *mut *mut RampartTables,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: `out` is NULL or writable.
    unsafe { store(out, std::ptr::null_mut()) };
    // SAFETY: the contract is forwarded to each reader.
    unsafe {
        run(error, || {
            required_out(out, "out")?;
            let raw = self::bytes(bytes, len, "bytes")?;
            let key = self::public_key(public_key, public_key_len)?;
            let tables = match &key {
                Some(key) => Tables::from_bytes_verified(raw, key),
                None => Tables::from_bytes(raw),
            }?;
            hand_out(tables, out);
            Ok(())
        })
    }
}

/// Frees tables (NULL is ignored). No other call on the same tables may be running or
/// start afterwards; ids resolved from them are refused by any other tables.
///
/// # Safety
/// `tables` is NULL or tables the library returned, freed once.
#[no_mangle]
pub unsafe extern "C" fn rampart_tables_free(tables: *mut RampartTables) {
    if !tables.is_null() {
        boundary(|| {
            // SAFETY: a live handle the caller owns, handed back once.
            drop(unsafe { Box::from_raw(tables) });
        });
    }
}

/// What the tables are, as JSON: `{"revision", "compiler_version", "signed",
/// "format_version"}` (the revision is the payload checksum: equal revisions, equal
/// tables).
///
/// # Safety
/// `tables` is NULL or live; `out` writable; `error` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rampart_tables_info_json(
    tables: *const RampartTables,
    out: *mut RampartBuffer,
    error: *mut *mut RampartError,
) -> i32 {
    // SAFETY: the contract is forwarded to each reader.
    unsafe {
        answer(out, error, || {
            let t = &reference(tables, "tables")?.tables;
            Ok(serde_json::json!({
                "revision": t.revision(),
                "compiler_version": t.compiler_version(),
                "signed": t.is_signed(),
                "format_version": rampart_runtime::FORMAT_VERSION,
            }))
        })
    }
}

/// The library's version (`"0.1.0"`), NUL-terminated and static.
#[no_mangle]
pub extern "C" fn rampart_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The table format version this library reads.
#[no_mangle]
pub extern "C" fn rampart_format_version() -> u32 {
    rampart_runtime::FORMAT_VERSION
}
