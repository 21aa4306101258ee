//! The catalog loader (YAML and JSON) and its integrity checks: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_compiler::catalog::Catalog;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for name in ["catalog.yaml", "catalog.json"] {
        match Catalog::from_text(std::path::Path::new(name), text.to_string()) {
            Ok(loaded) => {
                for d in loaded.integrity() {
                    let _ = d.render();
                }
            }
            Err(problems) => {
                for d in problems {
                    let _ = d.render();
                }
            }
        }
    }
});
