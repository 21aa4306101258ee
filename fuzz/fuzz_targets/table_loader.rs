//! The table loader on arbitrary bytes, with and without a valid header and checksum:
//! it must return a typed error or tables, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_runtime::{format, Tables};

fuzz_target!(|data: &[u8]| {
    let _ = Tables::from_bytes(data);
    // The same bytes as a payload behind a valid header reach the decoder and validator.
    let empty = format::encode(&Default::default(), "fuzz").unwrap_or_default();
    let mut bytes = empty.get(..format::HEADER_LEN).map(<[u8]>::to_vec).unwrap_or_default();
    if bytes.len() == format::HEADER_LEN {
        bytes[52..60].copy_from_slice(&(data.len() as u64).to_le_bytes());
        bytes[60..68].copy_from_slice(&format::checksum(data).to_le_bytes());
        bytes.extend_from_slice(data);
        if let Ok(tables) = Tables::from_bytes(&bytes) {
            let _ = tables.counts();
        }
    }
});
