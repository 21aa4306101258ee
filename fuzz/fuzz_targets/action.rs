//! Action patterns: no panic; what parses survives its canonical form, meaning included.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_grammar::{Action, ActionPattern, BuiltinAction};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Action::parse(text);
    if let Ok(p) = ActionPattern::parse(text) {
        let again = ActionPattern::parse(&p.to_string()).expect("the canonical form parses");
        for b in BuiltinAction::ALL {
            assert_eq!(p.matches(&Action::Builtin(b)), again.matches(&Action::Builtin(b)));
        }
    }
});
