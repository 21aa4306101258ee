//! The document front end: YAML text to documents and diagnostics (splitting, List
//! unpacking, kind dispatch, strict parsing, Connection shapes), then rendering every
//! diagnostic. No panic, whatever the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_compiler::documents::{read_text_into, Documents};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut documents = Documents::default();
    let mut diagnostics = Vec::new();
    read_text_into(std::path::Path::new("fuzz.yaml"), text.to_string(), &mut documents, &mut diagnostics);
    for c in &documents.connections {
        if let Err(found) = rampart_compiler::connections::lower::lower(c) {
            diagnostics.extend(found);
        }
    }
    for d in &diagnostics {
        let _ = d.render();
    }
});
