//! `rampart schema [permission|permissiongroup|connection|catalog]`: JSON Schemas
//! (draft-07) of the input formats, for editors (`# yaml-language-server: $schema=...`).
//! They mirror the strict parser: unknown fields are refused (`additionalProperties: false`).

use std::process::ExitCode;

use serde_json::{json, Value};

/// Arguments of `schema`.
#[derive(clap::Args)]
pub struct Args {
    /// `permission`, `permissiongroup`, `connection` or `catalog`.
    kind: String,
}

fn strict(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "additionalProperties": false, "properties": properties, "required": required})
}

fn strings() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

fn metadata() -> Value {
    json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "namespace": {"type": "string"}, "labels": {"type": "object"}, "annotations": {"type": "object"}}})
}

fn document(kind: &str, spec: Value) -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": kind,
        "type": "object",
        "additionalProperties": false,
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": crate::documents::API_VERSION},
            "kind": {"const": kind},
            "metadata": metadata(),
            "spec": spec,
            "status": {"type": "object"}
        }
    })
}

fn selector() -> Value {
    let s = json!({"type": "string"});
    strict(
        json!({"id": s, "name": s, "namespace": s, "types": strings(), "type": s, "agent": s, "tagSelector": s, "labelSelector": s, "fieldSelector": s, "statuses": strings(), "health": s, "search": s}),
        &[],
    )
}

fn env_var() -> Value {
    let key_ref = strict(
        json!({"name": {"type": "string"}, "key": {"type": "string"}}),
        &["name", "key"],
    );
    strict(
        json!({"name": {"type": "string"}, "value": {"type": "string"}, "valueFrom": strict(json!({"secretKeyRef": key_ref, "configMapKeyRef": key_ref, "helmRef": key_ref}), &[])}),
        &[],
    )
}

fn schema(kind: &str) -> Option<Value> {
    let s = json!({"type": "string"});
    Some(match kind {
        "permission" => {
            let subject = strict(
                json!({"person": s, "team": s, "group": s, "notification": s, "playbook": s}),
                &[],
            );
            let list = json!({"type": "array", "minItems": 1, "items": selector()});
            let object = strict(
                json!({"playbooks": list, "configs": list, "components": list, "connections": list, "mcp": {"type": "boolean"}}),
                &[],
            );
            let spec = strict(
                json!({"description": s, "subject": subject, "actions": {"type": "array", "minItems": 1, "items": s}, "object": object, "deny": {"type": "boolean"}, "agents": strings(), "tags": {"type": "object", "additionalProperties": {"type": "string"}}}),
                &["subject", "actions", "object"],
            );
            document("Permission", spec)
        }
        "permissiongroup" => {
            let service = strict(json!({"name": s, "namespace": s}), &[]);
            let services = json!({"type": "array", "items": service});
            document(
                "PermissionGroup",
                strict(
                    json!({"name": s, "people": strings(), "teams": strings(), "notifications": services, "playbooks": services}),
                    &[],
                ),
            )
        }
        "connection" => {
            let e = env_var();
            let mut properties = json!({"url": e, "port": e, "type": s, "username": e, "password": e, "certificate": e, "properties": {"type": "object", "additionalProperties": s}, "insecure_tls": {"type": "boolean"}});
            let sections = [
                "aws",
                "azure",
                "gcp",
                "kubernetes",
                "git",
                "github",
                "gitlab",
                "azureDevops",
                "postgres",
                "opensearch",
                "sftp",
                "smb",
                "openai",
                "anthropic",
                "ollama",
                "slack",
                "discord",
                "telegram",
                "smtp",
                "ntfy",
                "pushbullet",
                "pushover",
                "http",
            ];
            if let Some(map) = properties.as_object_mut() {
                for name in sections {
                    let description =
                        format!("typed section `{name}`: credential fields take an EnvVar");
                    map.insert(
                        name.into(),
                        json!({"type": "object", "description": description}),
                    );
                }
            }
            document(
                "Connection",
                json!({"type": "object", "additionalProperties": false, "properties": properties}),
            )
        }
        "catalog" => {
            let item = json!({"type": "object", "required": ["id"], "properties": {"id": s, "name": s, "namespace": s, "type": s, "class": s, "tags": {"type": "object"}, "labels": {"type": "object"}, "agent": s, "status": s, "health": s, "properties": {"type": "object"}}, "additionalProperties": false});
            let named = json!({"type": "object", "required": ["name"], "properties": {"id": s, "namespace": s, "name": s, "category": s}, "additionalProperties": false});
            let array = |items: Value| json!({"type": "array", "items": items});
            json!({
                "$schema": "http://json-schema.org/draft-07/schema#",
                "title": "Rampart catalog",
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "people": array(strict(json!({"id": s, "name": s, "email": s, "roles": strings(), "teams": strings()}), &[])),
                    "teams": array(strict(json!({"id": s, "name": s, "members": strings()}), &["name"])),
                    "agents": array(strict(json!({"id": s, "name": s}), &["id"])),
                    "playbooks": array(named.clone()),
                    "notifications": array(named),
                    "configs": array(item.clone()),
                    "components": array(item),
                    "connections": array(strict(json!({"id": s, "namespace": s, "name": s, "type": s}), &["name"]))
                }
            })
        }
        _ => return None,
    })
}

pub fn run(args: Args) -> super::Outcome {
    match schema(&args.kind.to_ascii_lowercase()) {
        Some(s) => {
            super::output::Output::new()
                .line(serde_json::to_string_pretty(&s).unwrap_or_default())?;
            Ok(ExitCode::SUCCESS)
        }
        None => Err(super::Failure::Error(format!(
            "unknown schema `{}`: permission, permissiongroup, connection or catalog",
            args.kind
        ))),
    }
}
