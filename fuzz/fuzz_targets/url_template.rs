//! URL templates: no panic; the canonical form renders the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_grammar::UrlTemplate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(t) = UrlTemplate::parse(text) {
        let again = UrlTemplate::parse(&t.to_string()).expect("the canonical form parses");
        let render = |t: &UrlTemplate| t.render(|v| -> Result<String, ()> { Ok(format!("<{v}>")) });
        assert_eq!(render(&t), render(&again));
    }
});
