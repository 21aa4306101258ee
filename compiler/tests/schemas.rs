//! The JSON Schemas of `rampart schema` and the parser agree: every fixture document and
//! every generated document (each Connection section with every field in its upstream
//! shape, then each field in a wrong shape) is accepted by both or by neither.
//!
//! The schemas describe document *shapes*. What is inside a string in one of the small
//! languages (a label selector, a search query, a URL template) is checked by the parser
//! only, so those findings are set aside here; names that need the catalog are not looked
//! up (`validate` without `--catalog`).

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::PathBuf;

use rampart_compiler::compile::validate;
use rampart_compiler::connections::fields::{Field, Shape, SECTIONS};
use rampart_compiler::schema::schema;

/// Findings about string contents (grammars), which a schema cannot express.
fn about_string_contents(d: &rampart_compiler::diagnostic::Diagnostic) -> bool {
    let field = d.field.as_deref().unwrap_or("");
    let last = field.rsplit('.').next().unwrap_or("");
    let selector_field = (field.starts_with("spec.object.") || field.starts_with("spec.targets["))
        && [
            "tagSelector",
            "labelSelector",
            "fieldSelector",
            "search",
            "id",
            "name",
            "namespace",
            "agent",
            "health",
        ]
        .iter()
        .any(|f| last == *f || last.starts_with(&format!("{f}[")));
    selector_field
        || d.message.contains("URL template")
        || d.message
            .contains("a property this connection does not define")
}

fn parser_accepts(doc: &str) -> bool {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("doc.yaml");
    std::fs::write(&path, doc).expect("write");
    match validate(&[path], None, &|_| {}) {
        Ok(_) => true,
        Err(diagnostics) => diagnostics.iter().all(about_string_contents),
    }
}

fn schema_accepts(validator: &jsonschema::Validator, doc: &str) -> bool {
    // YAML 1.2, as the parser reads it: `yes` is a string, not a boolean.
    let options = serde_saphyr::options! { strict_booleans: true };
    match serde_saphyr::from_str_with_options::<serde_json::Value>(doc, options) {
        Ok(value) => validator.is_valid(&value),
        Err(_) => false,
    }
}

fn validator(kind: &str) -> jsonschema::Validator {
    let schema = schema(kind).expect("a schema");
    jsonschema::draft7::new(&schema)
        .unwrap_or_else(|e| panic!("{kind}: the schema itself is invalid: {e}"))
}

fn fixture_documents() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for dir in [
        "../fixtures/policy",
        "../fixtures/invalid",
        "../fixtures/lint",
        "../fixtures/kubectl",
        "../fixtures/tests",
        "../fixtures/scopes",
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("fixtures")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_file())
            // Null where a member may be left out, and a selector whose only field is a
            // lone `*` (no constraint, so empty), are the parser's errors; the schema
            // cannot say either.
            .filter(|p| !p.ends_with("null-in-test.yaml") && !p.ends_with("star-alone.yaml"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read");
            let source = rampart_compiler::source::SourceFile::new(&file, text);
            for doc in rampart_compiler::yaml::split_documents(&source) {
                out.push((file.clone(), doc.text().to_string()));
            }
        }
    }
    out
}

#[test]
fn every_schema_is_a_valid_draft_07_schema() {
    for kind in rampart_compiler::schema::KINDS.iter().chain(&["all"]) {
        let _ = validator(kind);
    }
}

#[test]
fn fixture_documents_are_accepted_by_both_or_neither() {
    let all = validator("all");
    let mut checked = 0;
    for (file, doc) in fixture_documents() {
        let (parser, schema) = (parser_accepts(&doc), schema_accepts(&all, &doc));
        assert_eq!(
            parser,
            schema,
            "{}: parser {parser}, schema {schema}\n{doc}",
            file.display()
        );
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
}

fn sample(field: &Field) -> String {
    match field.shape {
        Shape::String => "text".into(),
        Shape::Bool => "true".into(),
        Shape::Int => "3".into(),
        Shape::EnvVar if field.secret => {
            "{valueFrom: {secretKeyRef: {name: creds, key: k}}}".into()
        }
        Shape::EnvVar => "{value: text}".into(),
        Shape::StringList => "[a, b]".into(),
        Shape::StringMap => "{a: b}".into(),
        Shape::EnvVarList => "[{name: X-Team, value: payments}]".into(),
        Shape::Nested(fields) => format!(
            "{{{}}}",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.name, sample(f)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn wrong(field: &Field) -> &'static str {
    match field.shape {
        Shape::String => "{value: text}",
        Shape::EnvVar => "text",
        Shape::Bool => "yes",
        Shape::Int => "three",
        Shape::StringList | Shape::EnvVarList => "text",
        Shape::StringMap | Shape::Nested(_) => "[a]",
    }
}

fn connection(section: &str, fields: &[(String, String)]) -> String {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("    {k}: {v}\n"))
        .collect();
    format!("apiVersion: mission-control.flanksource.com/v1\nkind: Connection\nmetadata:\n  name: c\nspec:\n  {section}:\n{body}")
}

#[test]
fn every_connection_field_in_its_shape_and_out_of_it() {
    let all = validator("all");
    let connection_schema = validator("connection");
    for section in SECTIONS {
        let complete: Vec<(String, String)> = section
            .fields
            .iter()
            .map(|f| (f.name.to_string(), sample(f)))
            .collect();
        let doc = connection(section.key, &complete);
        // Discord's token is a plain string upstream: a literal credential, refused by
        // both (the schema marks it as a credential that cannot be given this way).
        let expect = section.key != "discord";
        assert_eq!(
            parser_accepts(&doc),
            expect,
            "parser, complete {}:\n{doc}",
            section.key
        );
        assert_eq!(
            schema_accepts(&all, &doc),
            expect,
            "schema, complete {}:\n{doc}",
            section.key
        );
        assert_eq!(schema_accepts(&connection_schema, &doc), expect);
        for (i, field) in section.fields.iter().enumerate() {
            let mut broken = complete.clone();
            broken[i].1 = wrong(field).to_string();
            let doc = connection(section.key, &broken);
            assert!(
                !parser_accepts(&doc),
                "parser accepts a wrong {}.{}:\n{doc}",
                section.key,
                field.name
            );
            assert!(
                !schema_accepts(&all, &doc),
                "schema accepts a wrong {}.{}:\n{doc}",
                section.key,
                field.name
            );
            if field.required {
                let mut missing = complete.clone();
                missing.remove(i);
                let doc = connection(section.key, &missing);
                assert!(
                    !parser_accepts(&doc) && !schema_accepts(&all, &doc),
                    "missing required {}.{}",
                    section.key,
                    field.name
                );
            }
        }
    }
}

#[test]
fn the_catalog_fixture_validates_under_the_catalog_schema() {
    let v = validator("catalog");
    let text = std::fs::read_to_string("../fixtures/catalog.yaml").expect("catalog");
    assert!(schema_accepts(&v, &text));
    assert!(!schema_accepts(&v, "people: [{email: a, nickname: b}]"));
    // Mission Control has no tags on components: the parser refuses them (a320e38), and
    // so does the schema (it allowed them, so an editor showed such a catalog as valid).
    // Configs keep theirs; a component's empty `tags: {}` gives none and is accepted by
    // both.
    for (catalog, valid) in [
        ("components: [{id: c1, tags: {env: prod}}]", false),
        ("components: [{id: c1, tags: {}}]", true),
        ("components: [{id: c1, labels: {env: prod}}]", true),
        ("configs: [{id: c1, tags: {env: prod}}]", true),
    ] {
        assert_eq!(schema_accepts(&v, catalog), valid, "{catalog}");
        let parsed = rampart_compiler::catalog::Catalog::from_text(
            std::path::Path::new("catalog.yaml"),
            catalog.to_string(),
        );
        assert_eq!(
            parsed.is_ok_and(|c| c.integrity().is_empty()),
            valid,
            "{catalog}"
        );
    }
}
