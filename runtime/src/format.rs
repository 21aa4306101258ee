//! The table file format: a fixed header, then a bincode payload. Every bincode call in
//! Rampart lives in this module, so the codec can be swapped without touching anything
//! else.
//!
//! ```text
//! offset  size  field
//!      0     8  magic `RAMPART\0`
//!      8     4  endianness word 0x0000FEFF, little-endian
//!     12     4  format version
//!     16     4  reserved, zero
//!     20    32  compiler version, UTF-8, NUL-padded
//!     52     8  payload length
//!     60     8  payload checksum
//!     68     -  payload: bincode 2 (standard config, little-endian, varints)
//! ```
//!
//! Decoding checks every header field and the checksum before the payload is touched,
//! and never panics on any byte string.

use crate::data::TablesData;
use crate::error::LoadError;

/// The label every table file starts with.
pub const MAGIC: [u8; 8] = *b"RAMPART\0";
/// The version of the layout of [`TablesData`]; bump it on any change to that schema.
pub const FORMAT_VERSION: u32 = 1;
const ENDIANNESS: u32 = 0xFEFF;
const VERSION_FIELD: usize = 32;
/// Size of the fixed header.
pub const HEADER_LEN: usize = 8 + 4 + 4 + 4 + VERSION_FIELD + 8 + 8;
/// A payload larger than this is refused before decoding.
const PAYLOAD_LIMIT: usize = 1 << 32;

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
        .with_little_endian()
        .with_variable_int_encoding()
        .with_limit::<PAYLOAD_LIMIT>()
}

/// A 64-bit multiply-xor checksum over 8-byte words. Each step is a bijection of the
/// state, so any change confined to one word always changes the result.
pub fn checksum(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = (hash ^ u64::from_le_bytes(word)).wrapping_mul(PRIME);
    }
    for byte in chunks.remainder() {
        hash = (hash ^ u64::from(*byte)).wrapping_mul(PRIME);
    }
    (hash ^ bytes.len() as u64).wrapping_mul(PRIME)
}

/// What the header says about a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub format_version: u32,
    pub compiler_version: String,
    pub payload_len: u64,
    pub checksum: u64,
}

/// Serialises tables behind a header.
pub fn encode(data: &TablesData, compiler_version: &str) -> Result<Vec<u8>, LoadError> {
    let payload = bincode::serde::encode_to_vec(data, config())
        .map_err(|e| LoadError::encode(e.to_string()))?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&ENDIANNESS.to_le_bytes());
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    let mut version = [0u8; VERSION_FIELD];
    for (slot, byte) in version.iter_mut().zip(compiler_version.bytes()) {
        *slot = byte;
    }
    out.extend_from_slice(&version);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

fn field<const N: usize>(bytes: &[u8], at: usize) -> Result<[u8; N], LoadError> {
    let slice = bytes
        .get(at..at + N)
        .ok_or(LoadError::truncated(HEADER_LEN, bytes.len()))?;
    let mut out = [0u8; N];
    out.copy_from_slice(slice);
    Ok(out)
}

/// Reads and checks the header alone.
pub fn read_header(bytes: &[u8]) -> Result<Header, LoadError> {
    if bytes.len() < HEADER_LEN {
        if !bytes.is_empty() && !MAGIC.starts_with(bytes.get(..bytes.len().min(8)).unwrap_or(&[])) {
            return Err(LoadError::not_a_table());
        }
        return Err(LoadError::truncated(HEADER_LEN, bytes.len()));
    }
    if field::<8>(bytes, 0)? != MAGIC {
        return Err(LoadError::not_a_table());
    }
    let endianness = u32::from_le_bytes(field::<4>(bytes, 8)?);
    if endianness != ENDIANNESS {
        return Err(LoadError::endianness(endianness));
    }
    let format_version = u32::from_le_bytes(field::<4>(bytes, 12)?);
    if format_version != FORMAT_VERSION {
        return Err(LoadError::version(FORMAT_VERSION, format_version));
    }
    let reserved = u32::from_le_bytes(field::<4>(bytes, 16)?);
    if reserved != 0 {
        return Err(LoadError::corrupt(format!(
            "reserved header word is {reserved:#x}, expected 0"
        )));
    }
    let version = field::<VERSION_FIELD>(bytes, 20)?;

    let end = version
        .iter()
        .position(|b| *b == 0)
        .unwrap_or(VERSION_FIELD);
    let compiler_version = String::from_utf8_lossy(version.get(..end).unwrap_or(&[])).into_owned();
    let payload_len = u64::from_le_bytes(field::<8>(bytes, 52)?);
    let checksum = u64::from_le_bytes(field::<8>(bytes, 60)?);
    Ok(Header {
        format_version,
        compiler_version,
        payload_len,
        checksum,
    })
}

/// Checks header and checksum, then decodes the payload (not yet validated).
pub fn decode(bytes: &[u8]) -> Result<(Header, TablesData), LoadError> {
    let header = read_header(bytes)?;
    let payload = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    let expected = usize::try_from(header.payload_len).unwrap_or(usize::MAX);
    if payload.len() < expected {
        return Err(LoadError::truncated(
            HEADER_LEN.saturating_add(expected),
            bytes.len(),
        ));
    }
    if payload.len() > expected {
        return Err(LoadError::corrupt(format!(
            "{} bytes after the payload",
            payload.len() - expected
        )));
    }
    if checksum(payload) != header.checksum {
        return Err(LoadError::checksum());
    }
    let (data, used): (TablesData, usize) = bincode::serde::decode_from_slice(payload, config())
        .map_err(|e| LoadError::corrupt(format!("payload does not decode: {e}")))?;
    if used != payload.len() {
        return Err(LoadError::corrupt(format!(
            "{} undecoded bytes at the end of the payload",
            payload.len() - used
        )));
    }
    Ok((header, data))
}
