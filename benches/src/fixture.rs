//! Bench fixtures: a generated workload compiled once per size and cached under
//! `target/bench-workloads/`, and a *stream* of distinct requests whose subjects and
//! objects are drawn from the whole catalog, as a service sees them (not a few requests
//! repeated, whose data would stay in cache).

use std::path::{Path, PathBuf};

use rampart_runtime::{
    ActionId, Category, IdTarget, ObjectIds, Objects, PrincipalId, Request, Tables, Target,
};

use crate::random::Random;
use crate::workload::{Size, Workload, REQUEST_ACTIONS};

/// Seed of every bench workload.
pub const SEED: u64 = 7;
/// Requests in a stream.
pub const STREAM: usize = 20_000;

/// A compiled workload ready to bench.
pub struct Fixture {
    /// The generated world.
    pub workload: Workload,
    /// The table file's bytes.
    pub bytes: Vec<u8>,
    /// The loaded tables.
    pub tables: Tables,
    /// Where the workload lives.
    pub directory: PathBuf,
}

/// One request of a stream, by names.
#[derive(Clone, Debug)]
pub struct Named {
    /// The subject's email.
    pub subject: String,
    /// The action.
    pub action: &'static str,
    /// A playbook key, for two-object requests.
    pub playbook: Option<String>,
    /// The config id.
    pub config: String,
}

impl Named {
    /// Decides the request by its names, as a service holding strings does (an error
    /// counts as not allowed).
    pub fn is_allowed_by_strings(&self, tables: &Tables) -> bool {
        let objects = match &self.playbook {
            Some(p) => Objects::new().playbook(p).config(&self.config),
            None => Objects::new().config(&self.config),
        };
        let request = Request::new(&self.subject, self.action, Target::Objects(objects));
        tables.is_authorized(&request).is_ok_and(|r| r.is_allowed())
    }
}

/// One request of a stream, resolved.
#[derive(Clone, Copy, Debug)]
pub struct Resolved {
    /// The subject.
    pub principal: PrincipalId,
    /// The action.
    pub action: ActionId,
    /// The objects.
    pub target: IdTarget,
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
                &|_| {},
            )
            .unwrap_or_else(|d| unreachable!("workload compiles: {}", d.len()));
            rampart_compiler::emit::write_tables(&compiled.data, &tables_path, None)
                .unwrap_or_else(|e| unreachable!("{e}"));
        }
        let bytes = std::fs::read(&tables_path).unwrap_or_default();
        let tables =
            Tables::from_bytes(&bytes).unwrap_or_else(|e| unreachable!("tables load: {e}"));
        Fixture {
            workload,
            bytes,
            tables,
            directory: dir,
        }
    }

    /// `STREAM` distinct requests, uniformly over people, actions and configs (with a
    /// playbook drawn from every playbook when `two`).
    pub fn stream(&self, two: bool, seed: u64) -> Vec<Named> {
        let size = self.workload.size;
        let w = &self.workload;
        let mut r = Random::new(seed);
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(STREAM);
        while out.len() < STREAM {
            let person = r.below(size.people);
            let action = *r.pick(&REQUEST_ACTIONS);
            let config = r.below(size.configs);
            let playbook = two.then(|| r.below(size.playbooks));
            if !seen.insert((person, action, config, playbook)) {
                continue;
            }
            out.push(Named {
                subject: format!("user{person}@example.com"),
                action,
                playbook: playbook.map(|p| format!("ns-{}/playbook-{p}", w.playbook_namespace[p])),
                config: format!("cfg-{config}"),
            });
        }
        out
    }

    /// Decides every request of `stream` by its ids; how many were allowed (an error
    /// counts as not allowed).
    pub fn allowed_by_ids(&self, stream: &[Resolved]) -> usize {
        stream
            .iter()
            .filter(|r| {
                self.tables
                    .check_ids(r.principal, r.action, &r.target)
                    .is_ok_and(|x| x.is_allowed())
            })
            .count()
    }

    /// Decides every request of `stream` by its names; how many were allowed.
    pub fn allowed_by_strings(&self, stream: &[Named]) -> usize {
        stream
            .iter()
            .filter(|n| n.is_allowed_by_strings(&self.tables))
            .count()
    }

    /// A request resolved to ids.
    pub fn resolve(&self, n: &Named) -> Option<Resolved> {
        let t = &self.tables;
        let config = t.object(Category::Config, &n.config).ok()?;
        let objects = match &n.playbook {
            Some(p) => ObjectIds::pair(t.object(Category::Playbook, p).ok()?, config).ok()?,
            None => ObjectIds::one(config),
        };
        Some(Resolved {
            principal: t.principal(&n.subject).ok()?,
            action: t.action(n.action).ok()?,
            target: IdTarget::Objects(objects),
        })
    }
}
