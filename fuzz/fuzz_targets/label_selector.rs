//! Label selectors, strict and with `*` values: no panic; the canonical form is the same
//! selector.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_grammar::{LabelSelector, LabelSelectorOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for options in [LabelSelectorOptions::default(), LabelSelectorOptions { wildcard_values: true }] {
        if let Ok(s) = LabelSelector::parse_with(text, options) {
            assert_eq!(LabelSelector::parse_with(&s.to_string(), options).as_ref(), Ok(&s));
            let _ = s.matches(&|k| (k == "env").then_some("prod"));
        }
    }
});
