//! `rampart catalog pull`: the catalog as the JSON that `rampart compile --catalog`
//! reads, written entry by entry as the rows stream in (one entry per line), so that a
//! million configs take no more memory than a hundred. [`CatalogBuilder`] is the other
//! sink: the compiler's catalog in memory, for `compile --postgres`.

use std::collections::BTreeMap;
use std::io::Write;

use rampart_compiler::catalog::Catalog;
use rampart_runtime::ObjectAttributes;
use serde::Serialize;

use crate::catalog_read::{
    read_catalog, CatalogSink, CatalogSummary, Entry, List, Progress, ReadOptions,
};
use crate::error::SourceError;
use crate::session::Connection;
use crate::shape::CATALOG_TABLES;

/// Writes the catalog as JSON: `{"people": [...], "teams": [...], ...}`.
pub struct JsonSink<W: Write> {
    out: W,
    started: bool,
    first: bool,
}

impl<W: Write> JsonSink<W> {
    /// A sink writing into `out`.
    pub fn new(out: W) -> JsonSink<W> {
        JsonSink {
            out,
            started: false,
            first: true,
        }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), SourceError> {
        self.out
            .write_all(bytes)
            .map_err(|e| SourceError::Write(e.to_string()))
    }

    fn value(&mut self, value: &impl Serialize) -> Result<(), SourceError> {
        if !self.first {
            self.write(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, value).map_err(|e| SourceError::Write(e.to_string()))
    }
}

/// A config or component, without its empty fields.
#[derive(Serialize)]
struct ObjectOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    object_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    health: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tags: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    properties: &'a BTreeMap<String, String>,
}

impl<'a> ObjectOut<'a> {
    fn of(a: &'a ObjectAttributes) -> ObjectOut<'a> {
        ObjectOut {
            id: a.id.as_deref(),
            name: a.name.as_deref(),
            namespace: a.namespace.as_deref(),
            object_type: a.object_type.as_deref(),
            class: a.class.as_deref(),
            agent: a.agent.as_deref(),
            status: a.status.as_deref(),
            health: a.health.as_deref(),
            tags: &a.tags,
            labels: &a.labels,
            properties: &a.properties,
        }
    }
}

impl<W: Write> CatalogSink for JsonSink<W> {
    fn start(&mut self, list: List) -> Result<(), SourceError> {
        let opening = if self.started { "\n],\n" } else { "{\n" };
        self.started = true;
        self.first = true;
        self.write(format!("{opening}\"{}\": [\n", list.name()).as_bytes())
    }

    fn entry(&mut self, entry: Entry) -> Result<(), SourceError> {
        match &entry {
            Entry::Person(p) => self.value(p),
            Entry::Team(t) => self.value(t),
            Entry::Playbook(o) | Entry::Notification(o) => self.value(o),
            Entry::Connection(c) => self.value(c),
            Entry::Config(a) | Entry::Component(a) => self.value(&ObjectOut::of(a)),
            Entry::Agent(a) => self.value(a),
        }
    }

    fn finish(&mut self) -> Result<(), SourceError> {
        let closing: &[u8] = if self.started { b"\n]\n}\n" } else { b"{}\n" };
        self.write(closing)?;
        self.out
            .flush()
            .map_err(|e| SourceError::Write(e.to_string()))
    }
}

/// Builds the compiler's catalog in memory.
#[derive(Default)]
pub struct CatalogBuilder {
    /// The catalog so far.
    pub catalog: Catalog,
}

impl CatalogSink for CatalogBuilder {
    fn start(&mut self, _list: List) -> Result<(), SourceError> {
        Ok(())
    }

    fn entry(&mut self, entry: Entry) -> Result<(), SourceError> {
        let c = &mut self.catalog;
        match entry {
            Entry::Person(p) => c.people.push(p),
            Entry::Team(t) => c.teams.push(t),
            Entry::Playbook(o) => c.playbooks.push(o),
            Entry::Notification(o) => c.notifications.push(o),
            Entry::Connection(k) => c.connections.push(k),
            Entry::Config(a) => c.configs.push(a),
            Entry::Component(a) => c.components.push(a),
            Entry::Agent(a) => c.agents.push(a),
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SourceError> {
        Ok(())
    }
}

/// Reads the catalog from one snapshot into `sink`: the preflight first (a refusal
/// before any row is read), then every list.
pub fn pull(
    connection: &mut Connection,
    sink: &mut dyn CatalogSink,
    progress: &dyn Fn(Progress),
    options: ReadOptions,
) -> Result<CatalogSummary, SourceError> {
    let mut snapshot = connection.snapshot()?;
    crate::preflight::check(&mut snapshot, &CATALOG_TABLES)?;
    let summary = read_catalog(&mut snapshot, sink, progress, options)?;
    snapshot.finish()?;
    Ok(summary)
}
