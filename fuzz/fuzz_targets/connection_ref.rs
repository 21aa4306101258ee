//! Connection references: no panic; the canonical form names the same connection.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_grammar::ConnectionRef;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(r) = ConnectionRef::parse(text) {
        let again = ConnectionRef::parse(&r.to_string()).expect("the canonical form parses");
        assert_eq!(again.key("ctx"), r.key("ctx"));
    }
});
