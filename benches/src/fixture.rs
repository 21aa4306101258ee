//! Bench fixtures: a generated workload compiled once per size and cached under
//! `target/bench-workloads/`, with its requests resolved to interned ids.

use std::path::{Path, PathBuf};

use rampart_runtime::{format, ActionId, Category, ObjectIds, PrincipalId, Tables};

use crate::workload::{GeneratedRequest, Size, Workload};

/// Seed of every bench workload.
pub const SEED: u64 = 7;

/// A compiled workload ready to bench.
pub struct Fixture {
    pub workload: Workload,
    pub requests: Vec<GeneratedRequest>,
    pub bytes: Vec<u8>,
    pub tables: Tables,
}

/// Where bench workloads are cached.
pub fn directory(size: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/bench-workloads")
        .join(size)
}

impl Fixture {
    /// Generates (or reuses) and compiles the workload of `size`.
    pub fn load(size: &str) -> Fixture {
        let dims = Size::named(size).unwrap_or_else(|| unreachable!("unknown size {size}"));
        let dir = directory(size);
        let workload = Workload::generate(dims, SEED);
        let tables_path = dir.join("tables.rampart");
        if !tables_path.exists() {
            workload
                .write(&dir, SEED)
                .unwrap_or_else(|e| unreachable!("write workload: {e}"));
            let compiled = rampart_compiler::compile::compile(
                &[dir.join("policy")],
                Some(&dir.join("catalog.json")),
            )
            .unwrap_or_else(|d| unreachable!("workload compiles: {}", d.len()));
            rampart_compiler::compile::write_tables(&compiled.data, &tables_path)
                .unwrap_or_else(|e| unreachable!("{e}"));
        }
        let bytes = std::fs::read(&tables_path).unwrap_or_default();
        let tables =
            Tables::from_bytes(&bytes).unwrap_or_else(|e| unreachable!("tables load: {e}"));
        let _ = format::HEADER_LEN;
        let requests = workload.requests(SEED);
        Fixture {
            workload,
            requests,
            bytes,
            tables,
        }
    }

    /// The names of a request: subject, action, playbook key, config id, connection key.
    pub fn names(
        &self,
        r: &GeneratedRequest,
    ) -> (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    ) {
        let w = &self.workload;
        (
            format!("user{}@example.com", r.person),
            r.action.to_string(),
            r.playbook
                .map(|p| format!("ns-{}/playbook-{p}", w.playbook_namespace[p])),
            r.config.map(|c| format!("cfg-{c}")),
            r.connection
                .map(|n| format!("ns-{}/conn-{n}", w.connection_namespace[n])),
        )
    }

    /// A request resolved to ids.
    pub fn ids(&self, r: &GeneratedRequest) -> Option<(PrincipalId, ActionId, ObjectIds)> {
        let (subject, action, playbook, config, connection) = self.names(r);
        let t = &self.tables;
        let mut objects = ObjectIds::default();
        if let Some(p) = playbook {
            objects.playbook = Some(t.object(Category::Playbook, &p)?);
        }
        if let Some(c) = config {
            objects.config = Some(t.object(Category::Config, &c)?);
        }
        if let Some(n) = connection {
            objects.connection = Some(t.object(Category::Connection, &n)?);
        }
        Some((t.principal(&subject)?, t.action(&action)?, objects))
    }
}
