//! Inputs the fuzzers found (`fuzz/regressions/<target>/`), replayed through the same
//! checks as the fuzz targets, so every fixed crash stays fixed without a fuzzer.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::Path;

use rampart_grammar::{
    Action, ActionPattern, BuiltinAction, ConnectionRef, ItemPattern, LabelSelector,
    LabelSelectorOptions, SearchQuery, UrlTemplate,
};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new("../fuzz/regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n != ".keep"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).expect("read")))
        .collect();
    out.sort();
    out
}

fn texts(target: &str) -> Vec<(String, String)> {
    inputs(target)
        .into_iter()
        .filter_map(|(n, b)| String::from_utf8(b).ok().map(|t| (n, t)))
        .collect()
}

#[test]
fn grammars() {
    for (name, text) in texts("action") {
        if let Ok(p) = ActionPattern::parse(&text) {
            let again =
                ActionPattern::parse(&p.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
            for b in BuiltinAction::ALL {
                assert_eq!(
                    p.matches(&Action::Builtin(b)),
                    again.matches(&Action::Builtin(b)),
                    "{name}"
                );
            }
        }
    }
    for (name, text) in texts("item_pattern") {
        if let Ok(p) = ItemPattern::parse(&text) {
            assert_eq!(
                ItemPattern::parse(&p.to_string()).as_ref(),
                Ok(&p),
                "{name}"
            );
        }
    }
    for (name, text) in texts("label_selector") {
        for options in [
            LabelSelectorOptions::default(),
            LabelSelectorOptions {
                wildcard_values: true,
            },
        ] {
            if let Ok(s) = LabelSelector::parse_with(&text, options) {
                assert_eq!(
                    LabelSelector::parse_with(&s.to_string(), options).as_ref(),
                    Ok(&s),
                    "{name}"
                );
            }
        }
    }
    for (name, text) in texts("search_query") {
        if let Ok(q) = SearchQuery::parse(&text) {
            assert_eq!(
                SearchQuery::parse(&q.to_string())
                    .map(|a| a.root().clone())
                    .as_ref(),
                Ok(q.root()),
                "{name}"
            );
        }
    }
    for (name, text) in texts("connection_ref") {
        if let Ok(r) = ConnectionRef::parse(&text) {
            assert_eq!(
                ConnectionRef::parse(&r.to_string()).map(|a| a.key("ctx")),
                Ok(r.key("ctx")),
                "{name}"
            );
        }
    }
    for (name, text) in texts("url_template") {
        if let Ok(t) = UrlTemplate::parse(&text) {
            assert!(UrlTemplate::parse(&t.to_string()).is_ok(), "{name}");
        }
    }
}

#[test]
fn documents_catalogs_secrets_and_tables() {
    for (_, text) in texts("documents") {
        let mut documents = rampart_compiler::documents::Documents::default();
        let mut diagnostics = Vec::new();
        rampart_compiler::documents::read_text_into(
            Path::new("fuzz.yaml"),
            text,
            &mut documents,
            &mut diagnostics,
        );
        for c in &documents.connections {
            let _ = rampart_compiler::connections::lower::lower(c);
        }
        for d in &diagnostics {
            let _ = d.render();
        }
    }
    for (_, text) in texts("catalog") {
        for name in ["catalog.yaml", "catalog.json"] {
            if let Ok(loaded) =
                rampart_compiler::catalog::Catalog::from_text(Path::new(name), text.clone())
            {
                let _ = loaded.integrity();
            }
        }
    }
    for (name, text) in texts("secrets") {
        let mut manifests = rampart_compiler::secrets::ManifestDirectory::default();
        if let Err(message) = manifests.add_text(Path::new("secrets.yaml"), text) {
            assert!(!message.contains("s3cr3t-v4lu3"), "{name}: {message}");
        }
    }
    for (_, bytes) in inputs("tables") {
        let _ = rampart_runtime::Tables::from_bytes(&bytes);
    }
}
