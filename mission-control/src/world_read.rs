//! `rampart compile --postgres`: the whole world from one snapshot of Mission Control's
//! database (the catalog, and the policy rows as documents) beside the documents of
//! files, ready for the compiler's phases after parsing
//! ([`rampart_compiler::compile::compile_loaded`]). Every table read, catalog and policy,
//! is checked before any row is read, and every problem is reported at once.

use std::collections::BTreeSet;
use std::path::PathBuf;

use rampart_compiler::catalog::{Catalog, LoadedCatalog};
use rampart_compiler::compile::{Loaded, Options, Policy};
use rampart_compiler::documents;

use crate::catalog_digest::catalog_digest;
use crate::catalog_read::{read_catalog, CatalogSummary, Progress, ReadOptions};
use crate::error::SourceError;
use crate::parsed_rows::ParsedRows;
use crate::policy_read::{read_policy, DocumentKeys, PolicyFindings};
use crate::pull::CatalogBuilder;
use crate::session::Connection;
use crate::shape::{Table, CATALOG_TABLES, PERMISSIONS, PERMISSION_GROUPS, SCOPES};

/// The tables `compile --postgres` reads: the catalog's and the policy rows'.
pub fn world_tables() -> Vec<Table> {
    CATALOG_TABLES
        .iter()
        .copied()
        .chain([PERMISSIONS, PERMISSION_GROUPS, SCOPES])
        .collect()
}

/// The world read: what the compiler takes, and what the read found on the way.
pub struct DatabaseWorld {
    /// Documents (of files and of rows), the catalog, and the problems found reading them.
    pub loaded: Loaded,
    /// Entries read and rows left out, by reason; warnings naming rows.
    pub summary: CatalogSummary,
    /// What the policy rows say beyond their documents.
    pub findings: PolicyFindings,
    /// What reading the policy rows again over this catalog needs
    /// ([`read_policy_world`]).
    pub names: CatalogNames,
}

/// Reads the documents under `paths` and the world in the database behind
/// `connection`, from one snapshot.
pub fn read_world(
    connection: &mut Connection,
    paths: &[PathBuf],
    progress: &dyn Fn(Progress),
) -> Result<DatabaseWorld, SourceError> {
    read_world_refusing(
        connection,
        paths,
        progress,
        &BTreeSet::new(),
        &mut ParsedRows::default(),
    )
}

/// [`read_world`], leaving out the `permissions` rows whose ids are in `refused` (allows
/// that `serve --postgres` found do not compile; each is counted in the summary), and
/// keeping the permission rows parsed in `parsed` for the next read.
pub fn read_world_refusing(
    connection: &mut Connection,
    paths: &[PathBuf],
    progress: &dyn Fn(Progress),
    refused: &BTreeSet<String>,
    parsed: &mut ParsedRows,
) -> Result<DatabaseWorld, SourceError> {
    let (mut documents, mut diagnostics) = if paths.is_empty() {
        (documents::Documents::default(), Vec::new())
    } else {
        documents::load(paths, None)
    };
    let files = DocumentKeys::of(&documents);
    let label = format!("postgres schema `{}`", connection.schema());
    let mut snapshot = connection.snapshot()?;
    let present = crate::preflight::check(&mut snapshot, &world_tables())?;
    let mut sink = CatalogBuilder::default();
    let mut summary = read_catalog(
        &mut snapshot,
        &mut sink,
        progress,
        ReadOptions { custom_roles: true },
    )?;
    let names = CatalogNames::of(&sink.catalog, &summary, catalog_digest(&mut snapshot)?);
    let findings = read_policy(
        &mut snapshot,
        &present,
        &sink.catalog,
        &files,
        &mut documents,
        &mut diagnostics,
        &mut summary,
        refused,
        parsed,
    )?;
    snapshot.finish()?;
    Ok(DatabaseWorld {
        loaded: Loaded {
            documents,
            catalog: LoadedCatalog::from_database(sink.catalog, &label),
            lookups: true,
            diagnostics,
            options: ROW_OPTIONS,
        },
        summary,
        findings,
        names,
    })
}

/// Rows are what Mission Control already holds and evaluates as objects appear, and
/// tables from the database are rebuilt as its catalog changes: a deny row that matches
/// nothing yet is not refused (documents and `validate` are where a deny that protects
/// nothing is an error).
const ROW_OPTIONS: Options = Options {
    allow_empty_selectors: true,
};

/// The policy rows read again over a catalog read before: what the compiler takes
/// ([`rampart_compiler::compile::compile_in`]), and what the read found.
pub struct PolicyWorld {
    /// The policy rows as documents, and the problems found reading them.
    pub policy: Policy,
    /// The catalog's summary with the policy rows' counts and warnings added.
    pub summary: CatalogSummary,
    /// What the policy rows say beyond their documents.
    pub findings: PolicyFindings,
}

/// What reading the policy rows again needs of a catalog read before: its people,
/// teams, playbooks and notifications (the subjects rows name by uuid; no configs), and
/// what reading it counted.
#[derive(Clone)]
pub struct CatalogNames {
    catalog: Catalog,
    summary: CatalogSummary,
    /// The catalog tables' fingerprint in the snapshot it was read from.
    digest: String,
}

impl CatalogNames {
    /// The names of `catalog`, read with `summary` from a snapshot whose catalog
    /// fingerprint is `digest` ([`catalog_digest`]).
    pub fn of(catalog: &Catalog, summary: &CatalogSummary, digest: String) -> CatalogNames {
        CatalogNames {
            catalog: Catalog {
                people: catalog.people.clone(),
                teams: catalog.teams.clone(),
                playbooks: catalog.playbooks.clone(),
                notifications: catalog.notifications.clone(),
                ..Catalog::default()
            },
            summary: summary.clone(),
            digest,
        }
    }
}

/// Reads the policy rows (`permissions`, `permission_groups`, `scopes`) alone, from one
/// snapshot, naming their subjects by `names` (a catalog read before): for
/// `serve --postgres` when only policy rows changed. The `permissions` rows whose ids
/// are in `refused` are left out, as [`read_world_refusing`] leaves them out; rows
/// unchanged since a read `parsed` kept are not parsed again. `None` when the catalog
/// tables no longer hold what `names` was read from (their fingerprint differs): the
/// whole world must be read again.
pub fn read_policy_world(
    connection: &mut Connection,
    names: &CatalogNames,
    refused: &BTreeSet<String>,
    parsed: &mut ParsedRows,
) -> Result<Option<PolicyWorld>, SourceError> {
    let mut documents = documents::Documents::default();
    let mut diagnostics = Vec::new();
    let mut summary = names.summary.clone();
    let mut snapshot = connection.snapshot()?;
    if catalog_digest(&mut snapshot)? != names.digest {
        snapshot.finish()?;
        return Ok(None);
    }
    let present =
        crate::preflight::check(&mut snapshot, &[PERMISSIONS, PERMISSION_GROUPS, SCOPES])?;
    let findings = read_policy(
        &mut snapshot,
        &present,
        &names.catalog,
        &DocumentKeys::of(&documents),
        &mut documents,
        &mut diagnostics,
        &mut summary,
        refused,
        parsed,
    )?;
    snapshot.finish()?;
    Ok(Some(PolicyWorld {
        policy: Policy {
            documents,
            diagnostics,
            options: ROW_OPTIONS,
        },
        summary,
        findings,
    }))
}
