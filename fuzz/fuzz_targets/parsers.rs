//! Every grammar parser on arbitrary input: none may panic, and whatever parses must
//! survive a trip through its canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_grammar::{ActionPattern, ConnectionRef, ItemPattern, LabelSelector, LabelSelectorOptions, SearchQuery, UrlTemplate};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(p) = ActionPattern::parse(text) {
        assert_eq!(ActionPattern::parse(&p.to_string()).map(|q| q.to_string()), Ok(p.to_string()));
    }
    if let Ok(p) = ItemPattern::parse(text) {
        assert_eq!(ItemPattern::parse(&p.to_string()), Ok(p));
    }
    for options in [LabelSelectorOptions::default(), LabelSelectorOptions { wildcard_values: true }] {
        if let Ok(s) = LabelSelector::parse_with(text, options) {
            assert_eq!(LabelSelector::parse_with(&s.to_string(), options), Ok(s));
        }
    }
    if let Ok(q) = SearchQuery::parse(text) {
        assert_eq!(SearchQuery::parse(&q.to_string()), Ok(q));
    }
    if let Ok(r) = ConnectionRef::parse(text) {
        assert_eq!(ConnectionRef::parse(&r.to_string()), Ok(r));
    }
    let _ = UrlTemplate::parse(text);
});
