//! Secret and ConfigMap manifests: no panic, and no error message quotes a value (every
//! value in the input is made of the marker below).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_compiler::secrets::ManifestDirectory;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut manifests = ManifestDirectory::default();
    if let Err(message) = manifests.add_text(std::path::Path::new("secrets.yaml"), text.to_string()) {
        assert!(!message.contains("s3cr3t-v4lu3"), "{message}");
    }
});
