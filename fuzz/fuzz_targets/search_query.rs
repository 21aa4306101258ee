//! Search queries: no panic; the canonical form parses to the same query.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use rampart_grammar::{SearchQuery, SearchSubject};

struct Anything;

impl SearchSubject for Anything {
    fn value(&self, path: &[String]) -> Option<Cow<'_, str>> {
        path.first().map(|p| Cow::Owned(p.clone()))
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(q) = SearchQuery::parse(text) {
        let again = SearchQuery::parse(&q.to_string()).expect("the canonical form parses");
        assert_eq!(again.root(), q.root(), "{text:?} -> {q}");
        assert_eq!(again.matches(&Anything), q.matches(&Anything));
    }
});
