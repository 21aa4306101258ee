//! JSON Schemas (draft-07) of every input format, derived from the types the parser uses
//! (schemars) and, for Connection sections, from the same field table the parser reads
//! ([`crate::connections::fields`]). So the schemas and the parser cannot
//! disagree; a test holds every fixture to "accepted by both or by neither".

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use crate::connections::fields::{Field, Shape, GENERIC, SECTIONS};
use crate::documents::{API_VERSION, RAMPART_API_VERSION};

fn env_var(secret: bool) -> Value {
    let key_ref = json!({"type": "object", "additionalProperties": false, "required": ["name", "key"], "properties": {"name": {"type": "string"}, "key": {"type": "string"}}});
    let value_from = json!({
        "type": "object",
        "additionalProperties": false,
        "minProperties": 1,
        "maxProperties": 1,
        "properties": {"secretKeyRef": key_ref, "configMapKeyRef": key_ref, "helmRef": key_ref, "serviceAccount": {"type": "string"}},
    });
    if secret {
        json!({
            "type": "object",
            "description": "A credential: it comes from `valueFrom` (a Secret, ConfigMap, Helm value or service account), never a literal `value`.",
            "additionalProperties": false,
            "required": ["valueFrom"],
            "properties": {"name": {"type": "string"}, "valueFrom": value_from},
        })
    } else {
        json!({
            "type": "object",
            "description": "A Kubernetes EnvVar: a literal `value` or a `valueFrom` source.",
            "additionalProperties": false,
            "properties": {"name": {"type": "string"}, "value": {"type": "string"}, "valueFrom": value_from},
            "oneOf": [{"required": ["value"]}, {"required": ["valueFrom"]}],
        })
    }
}

fn field_schema(field: &Field) -> Value {
    match field.shape {
        Shape::String if field.secret => json!({
            "not": {},
            "description": "A credential upstream takes as a plain string: Rampart refuses it (it would be stored in the tables); give the connection `type`, `url` and `password: {valueFrom: ...}` instead.",
        }),
        Shape::String => json!({"type": "string"}),
        Shape::Bool => json!({"type": "boolean"}),
        Shape::Int => json!({"type": "integer"}),
        Shape::EnvVar => env_var(field.secret),
        Shape::StringList => json!({"type": "array", "items": {"type": "string"}}),
        Shape::StringMap => json!({"type": "object", "additionalProperties": {"type": "string"}}),
        Shape::EnvVarList => {
            let mut item = env_var(false);
            if let Some(required) = item.get_mut("required") {
                *required = json!(["name"]);
            } else if let Some(map) = item.as_object_mut() {
                map.insert("required".into(), json!(["name"]));
            }
            json!({"type": "array", "items": item})
        }
        Shape::Nested(fields) => fields_schema(fields, ""),
    }
}

fn fields_schema(fields: &[Field], description: &str) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|f| (f.name.to_string(), field_schema(f)))
        .collect();
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name)
        .collect();
    let mut schema =
        json!({"type": "object", "additionalProperties": false, "properties": properties});
    if let Some(map) = schema.as_object_mut() {
        if !required.is_empty() {
            map.insert("required".into(), json!(required));
        }
        if !description.is_empty() {
            map.insert("description".into(), json!(description));
        }
    }
    schema
}

/// The schema of `Connection.spec`: the generic fields and at most one typed section,
/// each field in its upstream shape.
pub fn connection_spec(_: &mut SchemaGenerator) -> Schema {
    let generic = fields_schema(GENERIC, "");
    let mut properties = generic
        .get("properties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let generic_names: Vec<&str> = GENERIC.iter().map(|f| f.name).collect();
    let mut one_section = Vec::new();
    let mut any_type = vec![json!({"required": ["type"]})];
    if let Some(map) = properties.as_object_mut() {
        for section in SECTIONS {
            let description = format!(
                "Upstream `{}` (stored type `{}`).",
                section.upstream, section.stored_type
            );
            map.insert(
                section.key.to_string(),
                fields_schema(section.fields, &description),
            );
            let mut allowed: Vec<&str> = generic_names.clone();
            allowed.push(section.key);
            one_section.push(json!({"if": {"required": [section.key]}, "then": {"propertyNames": {"enum": allowed}}}));
            any_type.push(json!({"required": [section.key]}));
        }
    }
    Schema::try_from(json!({
        "type": "object",
        "description": "Generic fields (deprecated upstream) and at most one typed section.",
        "additionalProperties": false,
        "properties": properties,
        "allOf": one_section,
        "anyOf": any_type,
    }))
    .unwrap_or_default()
}

fn generator() -> SchemaGenerator {
    SchemaSettings::draft07().into_generator()
}

/// A document kind's schema, with `apiVersion` and `kind` pinned.
fn document<T: JsonSchema>(kind: &str, api_version: &str) -> Value {
    let mut schema = generator().into_root_schema_for::<T>().to_value();
    if let Some(map) = schema.as_object_mut() {
        map.insert("title".into(), json!(kind));
        if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut) {
            props.insert("apiVersion".into(), json!({"const": api_version}));
            props.insert("kind".into(), json!({"const": kind}));
        }
    }
    schema
}

/// The kinds `rampart schema` knows, with their file names.
pub const KINDS: [&str; 8] = [
    "permission",
    "permissiongroup",
    "scope",
    "connection",
    "playbook",
    "notification",
    "permissiontest",
    "catalog",
];

/// The schema of one kind (`permission`, ..., `catalog`), or of every document kind
/// (`all`).
pub fn schema(kind: &str) -> Option<Value> {
    use crate::connections::document::ConnectionDocument;
    use crate::documents::policy::{
        PermissionDocument, PermissionGroupDocument, RegistrationDocument,
    };
    Some(match kind {
        "permission" => document::<PermissionDocument>("Permission", API_VERSION),
        "permissiongroup" => document::<PermissionGroupDocument>("PermissionGroup", API_VERSION),
        "scope" => document::<crate::documents::scope::ScopeDocument>("Scope", API_VERSION),
        "connection" => document::<ConnectionDocument>("Connection", API_VERSION),
        "playbook" => document::<RegistrationDocument>("Playbook", API_VERSION),
        "notification" => document::<RegistrationDocument>("Notification", API_VERSION),
        "permissiontest" => document::<crate::documents::permission_test::TestDocument>(
            "PermissionTest",
            RAMPART_API_VERSION,
        ),
        "catalog" => {
            let mut schema = generator()
                .into_root_schema_for::<crate::catalog::Catalog>()
                .to_value();
            if let Some(map) = schema.as_object_mut() {
                map.insert("title".into(), json!("Rampart catalog"));
            }
            // Mission Control has no tags on components: a component's `tags` must be
            // empty, as `LoadedCatalog::integrity` requires (its `labels` are its own).
            if let Some(items) = schema.pointer_mut("/properties/components/items") {
                let attributes = items.clone();
                *items = json!({"allOf": [attributes, {"properties": {"tags": {
                    "type": "object",
                    "maxProperties": 0,
                    "description": "Mission Control has no tags on components: give `labels` instead.",
                }}}]});
            }
            schema
        }
        "all" => {
            // Each kind's definitions move to the root, where their `$ref`s point.
            let mut definitions = Map::new();
            let branches: Vec<Value> = KINDS
                .iter()
                .filter(|k| **k != "catalog")
                .filter_map(|k| {
                    let mut s = schema(k)?;
                    let kind = s.pointer("/properties/kind/const").cloned()?;
                    if let Some(map) = s.as_object_mut() {
                        map.remove("$schema");
                        if let Some(Value::Object(defs)) = map.remove("definitions") {
                            definitions.extend(defs);
                        }
                    }
                    Some(json!({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": s}))
                })
                .collect();
            let kinds: Vec<Value> = branches
                .iter()
                .filter_map(|b| b.pointer("/if/properties/kind/const").cloned())
                .collect();
            let mut all_of = vec![
                // Rampart's own API groups name only kinds Rampart reads; other groups'
                // documents are skipped by the compiler, so anything goes there.
                json!({
                    "if": {"properties": {"apiVersion": {"type": "string", "pattern": "^(mission-control\\.flanksource\\.com|rampart\\.dev)/"}}, "required": ["apiVersion"]},
                    "then": {"properties": {"kind": {"enum": kinds}}},
                }),
                // `kind: List` (and `*List`) holds documents.
                json!({
                    "if": {"properties": {"kind": {"type": "string", "pattern": "List$"}}, "required": ["kind", "items"]},
                    "then": {"properties": {"items": {"type": "array", "items": {"$ref": "#"}}}},
                }),
            ];
            all_of.extend(branches);
            json!({
                "$schema": "http://json-schema.org/draft-07/schema#",
                "title": "Rampart documents",
                "description": "Every document kind Rampart reads, chosen by `kind`; documents of other API groups pass through.",
                "type": "object",
                "required": ["apiVersion", "kind"],
                "allOf": all_of,
                "definitions": definitions,
            })
        }
        _ => return None,
    })
}
