//! The table loader on arbitrary bytes, as a whole file and as a payload behind a valid
//! header and checksum (so the decoder and validator see it): a typed error or tables,
//! never a panic; tables that load answer checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_runtime::{build, Tables, HEADER_LEN};

fuzz_target!(|data: &[u8]| {
    let _ = Tables::from_bytes(data);
    let header = build::encode(&Default::default(), "fuzz", None).unwrap_or_default();
    let Some(head) = header.get(..HEADER_LEN) else { return };
    let mut bytes = head.to_vec();
    bytes[56..64].copy_from_slice(&(data.len() as u64).to_le_bytes());
    bytes[64..72].copy_from_slice(&build::checksum(data).to_le_bytes());
    bytes.extend_from_slice(data);
    if let Ok(tables) = Tables::from_bytes(&bytes) {
        for principal in tables.principals().take(8) {
            for (action, _) in tables.actions().take(4) {
                for c in rampart_runtime::Category::ALL {
                    for object in tables.objects(c).take(4) {
                        let _ = tables.check_ids(principal, action, &object.into());
                    }
                    let _ = tables.list(principal, action, c);
                }
                let _ = tables.check_ids(principal, action, &rampart_runtime::IdTarget::Unscoped);
            }
        }
    }
});
