//! Item patterns: no panic; the canonical form is the same pattern.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_grammar::ItemPattern;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(p) = ItemPattern::parse(text) {
        assert_eq!(ItemPattern::parse(&p.to_string()).as_ref(), Ok(&p));
        for value in ["", "prod", "PROD", "é", text] {
            let _ = p.matches(value);
        }
    }
});
