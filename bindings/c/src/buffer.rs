//! `RampartBuffer`: bytes the library allocates for the caller (JSON answers), freed with
//! `rampart_buffer_free`. Always NUL-terminated (the NUL not counted in `len`), so C can
//! print it as it is.

use crate::unwind::boundary;

/// Bytes owned by the caller once returned: `len` bytes at `ptr`, then a NUL. An empty
/// buffer has `ptr` NULL and `len` 0.
#[repr(C)]
#[derive(Debug)]
pub struct RampartBuffer {
    /// The first byte, or NULL.
    pub ptr: *mut u8,
    /// The number of bytes, without the trailing NUL.
    pub len: usize,
}

impl RampartBuffer {
    /// The empty buffer (what a failed call leaves).
    pub(crate) fn empty() -> RampartBuffer {
        RampartBuffer {
            ptr: std::ptr::null_mut(),
            len: 0,
        }
    }

    /// A buffer holding `text` and a NUL.
    pub(crate) fn from_text(text: String) -> RampartBuffer {
        let mut bytes = text.into_bytes();
        bytes.push(0);
        let len = bytes.len() - 1;
        let ptr = Box::into_raw(bytes.into_boxed_slice()).cast::<u8>();
        RampartBuffer { ptr, len }
    }
}

/// Frees a buffer's bytes and empties it (an empty buffer, or NULL, is ignored; freeing
/// twice is therefore harmless).
///
/// # Safety
/// `buffer` is NULL or points to a buffer the library filled (or emptied).
#[no_mangle]
pub unsafe extern "C" fn rampart_buffer_free(buffer: *mut RampartBuffer) {
    boundary(|| {
        // SAFETY: NULL or valid by the contract.
        let Some(buffer) = (unsafe { buffer.as_mut() }) else {
            return;
        };
        if !buffer.ptr.is_null() {
            let whole = std::ptr::slice_from_raw_parts_mut(buffer.ptr, buffer.len + 1);
            // SAFETY: made by `from_text` as a boxed slice of len + 1 bytes.
            drop(unsafe { Box::from_raw(whole) });
        }
        *buffer = RampartBuffer::empty();
    });
}
