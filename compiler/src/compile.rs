//! The pipeline: parse -> resolve -> expand/tabulate -> write. Every diagnostic of every
//! stage is collected; a failed compile writes nothing, and a successful one replaces
//! the output file atomically (write to a temporary file, then rename).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rampart_runtime::data::TablesData;
use rampart_runtime::format;

use crate::catalog::Catalog;
use crate::diagnostic::Diagnostic;
use crate::documents::connection::map_connection;
use crate::documents::{self, namespace_of, Documents};
use crate::resolve::resolve;
use crate::tabulate::tabulate;
use crate::world::World;

/// The compiler version written into table headers.
pub const COMPILER_VERSION: &str = concat!("rampart ", env!("CARGO_PKG_VERSION"));

/// What a successful compile produced.
pub struct Compiled {
    pub data: TablesData,
    pub documents: Documents,
    pub stats: Stats,
}

/// Figures for the summary line.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub files: usize,
    pub documents: usize,
    pub permissions: usize,
    pub principals: usize,
    pub objects: [usize; 4],
    pub rules: usize,
    pub entries: usize,
    pub elapsed: Duration,
}

/// Loads and checks everything without building tables: `rampart validate`.
pub fn check(
    paths: &[PathBuf],
    catalog: Option<&Path>,
) -> Result<(Documents, World, crate::resolve::Model), Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let catalog_path = catalog;
    let (catalog, catalog_file) = match catalog {
        Some(path) => match Catalog::load(path) {
            Ok((c, f)) => (c, Some(f)),
            Err(d) => {
                diagnostics.push(d);
                (Catalog::default(), None)
            }
        },
        None => (Catalog::default(), None),
    };
    let (documents, mut found) = documents::load(paths, catalog_path);
    diagnostics.append(&mut found);
    let mut connections = Vec::new();
    for c in &documents.connections {
        let namespace = namespace_of(&c.value.metadata);
        let name = c.value.metadata.name.value.clone();
        let source = c.at(&c.value.metadata.name).display();
        match map_connection(&namespace, &name, &c.value.spec.value, source) {
            Ok(data) => connections.push(data),
            Err(errors) => {
                for (field, message) in errors {
                    diagnostics.push(Diagnostic::at(c.locate_field(&field), message).field(field));
                }
            }
        }
    }
    let (world, mut found) = World::build(catalog, catalog_file.as_ref(), &documents, connections);
    diagnostics.append(&mut found);
    let (model, mut found) = resolve(&world, &documents);
    diagnostics.append(&mut found);
    for u in &documents.uses {
        match &u.reference {
            Err(e) => {
                let mut location = u.location.clone();
                location.offset += e.offset();
                location.len = 1;
                diagnostics.push(Diagnostic::at(location, e.to_string()));
            }
            Ok(r) => {
                let key = r.key(&u.namespace);
                if !rampart_runtime::Category::Connection
                    .of(&world.keys)
                    .contains_key(&key)
                {
                    diagnostics.push(Diagnostic::at(
                        u.location.clone(),
                        format!("{} refers to unknown connection `{key}`", u.document),
                    ));
                }
            }
        }
    }
    if diagnostics.is_empty() {
        Ok((documents, world, model))
    } else {
        Err(diagnostics)
    }
}

/// Compiles documents and a catalog into tables.
pub fn compile(paths: &[PathBuf], catalog: Option<&Path>) -> Result<Compiled, Vec<Diagnostic>> {
    let started = Instant::now();
    let (documents, world, model) = check(paths, catalog)?;
    let data = tabulate(&world, &model);
    let stats = Stats {
        files: documents.files,
        documents: documents.documents,
        permissions: documents.permissions.len(),
        principals: data.principals.len(),
        objects: rampart_runtime::Category::ALL.map(|c| c.of(&data.objects).len()),
        rules: data.rules.len(),
        entries: data.entries.len(),
        elapsed: started.elapsed(),
    };
    Ok(Compiled {
        data,
        documents,
        stats,
    })
}

/// Serialises tables and replaces `output` atomically; on any error `output` is untouched.
pub fn write_tables(data: &TablesData, output: &Path) -> Result<usize, String> {
    let bytes = format::encode(data, COMPILER_VERSION).map_err(|e| e.to_string())?;
    let directory = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tables".into());
    let temporary = directory.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, output)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(format!("cannot write `{}`: {e}", output.display()));
    }
    Ok(bytes.len())
}
