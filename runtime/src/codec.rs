//! The table file format: a fixed header, a bincode payload, and an optional Ed25519
//! signature. Every bincode call in Rampart lives in this module, so the codec can be
//! swapped without touching anything else.
//!
//! ```text
//! offset  size  field
//!      0     8  magic `RAMPART\0`
//!      8     4  endianness word 0x0000FEFF, little-endian
//!     12     4  format version
//!     16     4  flags: bit 0 = a signature follows the payload; other bits zero
//!     20     4  reserved, zero
//!     24    32  compiler version, UTF-8, NUL-padded
//!     56     8  payload length
//!     64     8  payload checksum
//!     72     -  payload: bincode 2 (standard config, little-endian, varints)
//!      -    64  signature (when flagged): Ed25519 over every byte before it
//! ```
//!
//! Decoding checks every header field, the length and the checksum before the payload is
//! touched, bounds every allocation the decoder makes by the payload's own length, and
//! never panics on any byte string.

use std::io::Read;
use std::path::Path;

use ed25519_dalek::{Signature, VerifyingKey};

use crate::error::LoadError;
use crate::schema::TablesData;

/// The label every table file starts with.
pub const MAGIC: [u8; 8] = *b"RAMPART\0";
/// The version of the layout of the schema; bump it on any change to that schema (the
/// golden table files under `fixtures/tables/` hold the project to it).
pub const FORMAT_VERSION: u32 = 3;
const ENDIANNESS: u32 = 0xFEFF;
const VERSION_FIELD: usize = 32;
const FLAG_SIGNED: u32 = 1;
/// Size of the fixed header.
pub const HEADER_LEN: usize = 8 + 4 + 4 + 4 + 4 + VERSION_FIELD + 8 + 8;
/// Size of the signature trailer.
pub const SIGNATURE_LEN: usize = 64;
/// Largest payload accepted (64 GiB): beyond any real table, below any overflow.
const PAYLOAD_LIMIT: u64 = 1 << 36;

/// A 64-bit multiply-xor checksum over 8-byte words. Each step is a bijection of the
/// state, so any change confined to one word always changes the result. It detects
/// damage, not tampering: signatures are for that.
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
    /// The format version (always [`FORMAT_VERSION`] once read).
    pub format_version: u32,
    /// The compiler that wrote the file.
    pub compiler_version: String,
    /// Bytes of payload after the header.
    pub payload_len: u64,
    /// The payload's checksum.
    pub checksum: u64,
    /// Whether a signature follows the payload.
    pub signed: bool,
}

impl Header {
    /// The length of the whole file this header describes.
    pub fn file_len(&self) -> u64 {
        HEADER_LEN as u64 + self.payload_len + if self.signed { SIGNATURE_LEN as u64 } else { 0 }
    }
}

fn field<const N: usize>(bytes: &[u8], at: usize) -> Result<[u8; N], LoadError> {
    let slice = bytes
        .get(at..at + N)
        .ok_or(LoadError::truncated(HEADER_LEN as u64, bytes.len() as u64))?;
    let mut out = [0u8; N];
    out.copy_from_slice(slice);
    Ok(out)
}

/// Reads and checks the header alone (the first [`HEADER_LEN`] bytes are enough).
pub fn read_header(bytes: &[u8]) -> Result<Header, LoadError> {
    let magic_len = bytes.len().min(MAGIC.len());
    if bytes.get(..magic_len) != MAGIC.get(..magic_len) {
        return Err(LoadError::not_a_table());
    }
    if bytes.len() < HEADER_LEN {
        return Err(LoadError::truncated(HEADER_LEN as u64, bytes.len() as u64));
    }
    let endianness = u32::from_le_bytes(field::<4>(bytes, 8)?);
    if endianness != ENDIANNESS {
        return Err(LoadError::endianness(endianness));
    }
    let format_version = u32::from_le_bytes(field::<4>(bytes, 12)?);
    if format_version != FORMAT_VERSION {
        return Err(LoadError::version(FORMAT_VERSION, format_version));
    }
    let flags = u32::from_le_bytes(field::<4>(bytes, 16)?);
    if flags & !FLAG_SIGNED != 0 {
        return Err(LoadError::corrupt(format!(
            "unknown header flags {flags:#x}"
        )));
    }
    let reserved = u32::from_le_bytes(field::<4>(bytes, 20)?);
    if reserved != 0 {
        return Err(LoadError::corrupt(format!(
            "reserved header word is {reserved:#x}, expected 0"
        )));
    }
    let version = field::<VERSION_FIELD>(bytes, 24)?;
    let end = version
        .iter()
        .position(|b| *b == 0)
        .unwrap_or(VERSION_FIELD);
    let compiler_version = String::from_utf8_lossy(version.get(..end).unwrap_or(&[])).into_owned();
    let payload_len = u64::from_le_bytes(field::<8>(bytes, 56)?);
    if payload_len > PAYLOAD_LIMIT {
        return Err(LoadError::corrupt(format!(
            "the header claims a payload of {payload_len} bytes"
        )));
    }
    let checksum = u64::from_le_bytes(field::<8>(bytes, 64)?);
    Ok(Header {
        format_version,
        compiler_version,
        payload_len,
        checksum,
        signed: flags & FLAG_SIGNED != 0,
    })
}

/// Reads a table file: the header first, then exactly the bytes it announces, so that a
/// huge or endless file (`/dev/zero`) is refused before anything large is read.
pub fn read_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    let mut file = std::fs::File::open(path).map_err(LoadError::io)?;
    let mut header = vec![0u8; HEADER_LEN];
    let mut filled = 0;
    while filled < HEADER_LEN {
        let slot = header.get_mut(filled..).unwrap_or(&mut []);
        match file.read(slot) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(LoadError::io(e)),
        }
    }
    header.truncate(filled);
    let parsed = read_header(&header)?;
    let total = parsed.file_len();
    if let Ok(metadata) = file.metadata() {
        if metadata.is_file() && metadata.len() != total {
            return Err(if metadata.len() < total {
                LoadError::truncated(total, metadata.len())
            } else {
                LoadError::corrupt(format!(
                    "{} bytes after the end the header announces",
                    metadata.len() - total
                ))
            });
        }
    }
    let rest = total - HEADER_LEN as u64;
    let mut bytes = header;
    bytes.reserve(usize::try_from(rest).unwrap_or(0).min(1 << 30));
    file.take(rest + 1)
        .read_to_end(&mut bytes)
        .map_err(LoadError::io)?;
    if bytes.len() as u64 != total {
        return Err(if (bytes.len() as u64) < total {
            LoadError::truncated(total, bytes.len() as u64)
        } else {
            LoadError::corrupt("bytes after the end the header announces")
        });
    }
    Ok(bytes)
}

/// The payload of a checked file, and its header.
pub(crate) struct Checked<'a> {
    pub header: Header,
    pub payload: &'a [u8],
}

/// Checks header, length and checksum; with `key`, also the signature.
pub(crate) fn check<'a>(
    bytes: &'a [u8],
    key: Option<&VerifyingKey>,
) -> Result<Checked<'a>, LoadError> {
    let header = read_header(bytes)?;
    let total = header.file_len();
    if (bytes.len() as u64) < total {
        return Err(LoadError::truncated(total, bytes.len() as u64));
    }
    if bytes.len() as u64 > total {
        return Err(LoadError::corrupt(format!(
            "{} bytes after the end the header announces",
            bytes.len() as u64 - total
        )));
    }
    let payload_end = HEADER_LEN + header.payload_len as usize;
    let payload = bytes.get(HEADER_LEN..payload_end).unwrap_or(&[]);
    if checksum(payload) != header.checksum {
        return Err(LoadError::checksum());
    }
    if let Some(key) = key {
        if !header.signed {
            return Err(LoadError::unsigned());
        }
        let signed = bytes.get(..payload_end).unwrap_or(&[]);
        let signature = bytes
            .get(payload_end..)
            .and_then(|s| <[u8; SIGNATURE_LEN]>::try_from(s).ok())
            .map(|s| Signature::from_bytes(&s))
            .ok_or_else(LoadError::bad_signature)?;
        key.verify_strict(signed, &signature)
            .map_err(|_| LoadError::bad_signature())?;
    }
    Ok(Checked { header, payload })
}

macro_rules! decode_with_limit {
    ($payload:expr, $limit:expr, $($bits:literal)*) => {
        match $limit {
            $(l if l <= (1u64 << $bits) => decode_payload::<{ 1usize << $bits }>($payload),)*
            _ => Err(LoadError::corrupt("the payload is too large")),
        }
    };
}

fn decode_payload<const LIMIT: usize>(payload: &[u8]) -> Result<TablesData, LoadError> {
    let config = bincode::config::standard()
        .with_little_endian()
        .with_variable_int_encoding()
        .with_limit::<LIMIT>();
    let (data, used): (TablesData, usize) = bincode::serde::decode_from_slice(payload, config)
        .map_err(|e| LoadError::corrupt(format!("payload does not decode: {e}")))?;
    if used != payload.len() {
        return Err(LoadError::corrupt(format!(
            "{} undecoded bytes at the end of the payload",
            payload.len() - used
        )));
    }
    Ok(data)
}

/// Decodes a checked payload. The decoder counts every byte it is told it will read
/// (a varint integer counts as its full width, at most 16 bytes per payload byte) against
/// a limit: the smallest power of two at least 16 times the payload. No length field can
/// make it allocate more than that, so memory stays proportional to the file.
pub(crate) fn decode(payload: &[u8]) -> Result<TablesData, LoadError> {
    let limit = (payload.len() as u64).saturating_mul(16).max(1 << 12);
    decode_with_limit!(payload, limit, 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37)
}

/// Serialises tables behind a header; with a signing key, appends a signature.
#[cfg(feature = "build")]
pub fn encode(
    data: &TablesData,
    compiler_version: &str,
    signing_key: Option<&ed25519_dalek::SigningKey>,
) -> Result<Vec<u8>, LoadError> {
    use ed25519_dalek::Signer;
    let config = bincode::config::standard()
        .with_little_endian()
        .with_variable_int_encoding();
    let payload = bincode::serde::encode_to_vec(data, config)
        .map_err(|e| LoadError::encode(e.to_string()))?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + SIGNATURE_LEN);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&ENDIANNESS.to_le_bytes());
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    let flags = if signing_key.is_some() {
        FLAG_SIGNED
    } else {
        0
    };
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    let mut version = [0u8; VERSION_FIELD];
    for (slot, byte) in version.iter_mut().zip(compiler_version.bytes()) {
        *slot = byte;
    }
    out.extend_from_slice(&version);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    if let Some(key) = signing_key {
        let signature = key.sign(&out);
        out.extend_from_slice(&signature.to_bytes());
    }
    Ok(out)
}
