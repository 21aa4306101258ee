//! The pipeline: parse -> resolve -> expand -> tabulate (emit writes the result). Every
//! phase returns its output and its diagnostics; a phase runs only when the phases before
//! it succeeded far enough that its findings are real, not cascades (an unreadable
//! catalog stops before resolving).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rampart_runtime::schema::TablesData;
use rampart_runtime::Category;

use crate::catalog::{Catalog, LoadedCatalog};
use crate::connections::model::LoweredConnection;
use crate::connections::uses::KnownConnections;
use crate::diagnostic::Diagnostic;
use crate::documents::{self, Documents};
use crate::index::IndexValues;
use crate::resolve::{resolve, Model};
use crate::world::{ConnectionRegistration, World};
use rayon::prelude::*;

/// The phases, for progress reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading documents and the catalog.
    Parse,
    /// Binding names.
    Resolve,
    /// Evaluating selectors, object classes.
    Expand,
    /// Computing rows.
    Tabulate,
}

impl Phase {
    /// The phase's name.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Parse => "parse",
            Phase::Resolve => "resolve",
            Phase::Expand => "expand",
            Phase::Tabulate => "tabulate",
        }
    }
}

/// What a successful validation produced: everything compile needs but the tables.
pub struct Validated {
    /// The documents.
    pub documents: Documents,
    /// The world.
    pub world: World,
    /// The resolved model.
    pub model: Model,
    /// The Connection documents, lowered.
    pub connections: Vec<LoweredConnection>,
    /// The warnings found (errors fail validation; warnings do not).
    pub warnings: Vec<Diagnostic>,
}

/// What a successful compile produced.
pub struct Compiled {
    /// The tables.
    pub data: TablesData,
    /// The documents they came from.
    pub documents: Documents,
    /// The resolved model.
    pub model: Model,
    /// Figures for the summary.
    pub stats: Stats,
    /// The warnings found on the way.
    pub warnings: Vec<Diagnostic>,
}

/// Figures for the summary line.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Files read.
    pub files: usize,
    /// Documents read.
    pub documents: usize,
    /// Permission documents.
    pub permissions: usize,
    /// Principals.
    pub principals: usize,
    /// Per category, objects.
    pub objects: [usize; 4],
    /// Rules.
    pub rules: usize,
    /// Decision rows.
    pub rows: usize,
    /// Documents of other API groups skipped, by kind.
    pub skipped: Vec<(String, usize)>,
    /// Wall time.
    pub elapsed: Duration,
}

/// What a check accepts beyond the default, for the rare intended case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Deny selectors may match nothing in the catalog (`--allow-empty-selectors`): the
    /// denies are written for objects the catalog does not hold yet. Without it such a
    /// deny is an error (see [`crate::empty_selectors`]).
    pub allow_empty_selectors: bool,
}

/// Loads and validates everything without building tables (`rampart validate`): reads the
/// documents and the catalog, builds the world, resolves names and checks connection
/// uses. Without a catalog, names are not looked up: the documents are checked by
/// themselves.
pub fn validate(
    paths: &[PathBuf],
    catalog: Option<&Path>,
    progress: &dyn Fn(Phase),
) -> Result<Validated, Vec<Diagnostic>> {
    validate_with(paths, catalog, Options::default(), progress)
}

/// [`validate`] with [`Options`].
pub fn validate_with(
    paths: &[PathBuf],
    catalog: Option<&Path>,
    options: Options,
    progress: &dyn Fn(Phase),
) -> Result<Validated, Vec<Diagnostic>> {
    progress(Phase::Parse);
    let mut diagnostics = Vec::new();
    let loaded = match catalog {
        Some(path) => match Catalog::load(path) {
            Ok(c) => Some(c),
            Err(mut problems) => {
                diagnostics.append(&mut problems);
                None
            }
        },
        None => Some(LoadedCatalog::empty()),
    };
    let (documents, mut found) = documents::load(paths, catalog);
    diagnostics.append(&mut found);
    let Some(loaded) = loaded else {
        // Without the catalog every name would fail to resolve: report only what is
        // wrong with the inputs themselves.
        return Err(diagnostics);
    };
    validate_loaded(
        Loaded {
            documents,
            catalog: loaded,
            lookups: catalog.is_some(),
            diagnostics,
            options,
        },
        progress,
    )
}

/// Documents and a catalog already read (from files, or from a database by the
/// Mission Control source), with the problems found while reading them.
pub struct Loaded {
    /// The documents.
    pub documents: Documents,
    /// The catalog.
    pub catalog: LoadedCatalog,
    /// Whether names are looked up in the catalog (false: no catalog was given).
    pub lookups: bool,
    /// Problems found while reading.
    pub diagnostics: Vec<Diagnostic>,
    /// What the check accepts beyond the default.
    pub options: Options,
}

impl Loaded {
    /// The catalog, and the documents to compile against its world ([`CatalogWorld`],
    /// [`compile_in`], which look names up in it).
    pub fn into_parts(self) -> (LoadedCatalog, Policy) {
        let policy = Policy {
            documents: self.documents,
            diagnostics: self.diagnostics,
            options: self.options,
        };
        (self.catalog, policy)
    }
}

/// Validates documents and a catalog already read: the phases after parsing.
pub fn validate_loaded(
    loaded: Loaded,
    progress: &dyn Fn(Phase),
) -> Result<Validated, Vec<Diagnostic>> {
    let Loaded {
        documents,
        catalog,
        lookups,
        mut diagnostics,
        options,
    } = loaded;
    let connections = lower_connections(&documents, &mut diagnostics);
    let registrations: Vec<ConnectionRegistration> = connections
        .iter()
        .map(|c| ConnectionRegistration {
            namespace: c.namespace.clone(),
            name: c.name.clone(),
            uid: c.uid.clone(),
            connection_type: c.connection_type.clone(),
        })
        .collect();
    let (world, mut found) = World::build(catalog, &documents, &registrations);
    diagnostics.append(&mut found);
    let model = validate_in(
        &world,
        &documents,
        lookups,
        options,
        &mut diagnostics,
        progress,
    );
    match model {
        Some(model) => Ok(Validated {
            documents,
            world,
            model,
            connections,
            warnings: diagnostics,
        }),
        None => Err(diagnostics),
    }
}

/// The Connection documents, lowered (one being deleted is left out, with a warning).
fn lower_connections(
    documents: &Documents,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<LoweredConnection> {
    let mut connections = Vec::new();
    for c in &documents.connections {
        if let Some(at) = &c.value.metadata.deletion_timestamp {
            // Left out: a reference to it is to an unknown connection, a lookup of it
            // finds nothing (fail closed), as once it is gone.
            diagnostics.push(
                Diagnostic::at(
                    c.at(at),
                    format!(
                        "connection `{}/{}` is being deleted: it is left out",
                        crate::metadata::namespace_of(&c.value.metadata),
                        c.value.metadata.name.value
                    ),
                )
                .field("metadata.deletionTimestamp")
                .help("a reference to it names an unknown connection, as once Kubernetes has deleted it")
                .warning(),
            );
            continue;
        }
        match crate::connections::lower::lower(c) {
            Ok(lowered) => connections.push(lowered),
            Err(mut found) => diagnostics.append(&mut found),
        }
    }
    connections
}

/// Resolves the documents against a world already built and checks what validation
/// checks: the model, or `None` when `diagnostics` (which holds everything found so
/// far, and gets what this finds) has an error.
fn validate_in(
    world: &World,
    documents: &Documents,
    lookups: bool,
    options: Options,
    diagnostics: &mut Vec<Diagnostic>,
    progress: &dyn Fn(Phase),
) -> Option<Model> {
    progress(Phase::Resolve);
    let (model, mut found) = resolve(world, documents, lookups);
    diagnostics.append(&mut found);
    let known = lookups.then(|| known_connections(world));
    diagnostics.append(&mut crate::connections::uses::check(
        &documents.uses,
        known.as_ref(),
    ));
    // Only over documents and a catalog that are otherwise sound: a deny whose selectors
    // did not even parse is already an error.
    let sound = !diagnostics.iter().any(|d| !d.warning);
    if lookups && sound && !options.allow_empty_selectors {
        diagnostics.extend(
            crate::empty_selectors::check(
                world,
                documents,
                &model.scopes,
                crate::empty_selectors::Which::Denies,
            )
            .into_iter()
            .map(|f| f.diagnostic),
        );
    }
    (!diagnostics.iter().any(|d| !d.warning)).then_some(model)
}

/// The world of a catalog by itself, built once and compiled against again and again
/// (`rampart serve --postgres` keeps it while only policy rows change, so that a changed
/// permission does not rebuild a hundred thousand configs' world): the catalog's own
/// documents-free world, and what building it found (its warnings, or its errors,
/// which every compile against it reports).
pub struct CatalogWorld {
    world: World,
    found: Vec<Diagnostic>,
    /// Per category, the value indexes of `world`'s objects.
    indexes: [IndexValues; 4],
}

impl CatalogWorld {
    /// Builds the world of `catalog` alone (no document registers a playbook,
    /// notification or connection in it), and its indexes.
    pub fn build(catalog: LoadedCatalog) -> CatalogWorld {
        let (world, found) = World::build(catalog, &Documents::default(), &[]);
        let mut indexes: [IndexValues; 4] = Default::default();
        Category::ALL
            .par_iter()
            .map(|c| IndexValues::build(*c, c.of(&world.objects).as_slice()))
            .collect::<Vec<_>>()
            .into_iter()
            .zip(indexes.iter_mut())
            .for_each(|(built, slot)| *slot = built);
        CatalogWorld {
            world,
            found,
            indexes,
        }
    }

    /// The world.
    pub fn world(&self) -> &World {
        &self.world
    }
}

/// What is compiled against a [`CatalogWorld`]: documents that register nothing (no
/// Playbook, Notification or Connection documents; those change the world), with the
/// problems found reading them.
pub struct Policy {
    /// The documents.
    pub documents: Documents,
    /// Problems found while reading them.
    pub diagnostics: Vec<Diagnostic>,
    /// What the check accepts beyond the default.
    pub options: Options,
}

/// Compiles documents against a world built before ([`CatalogWorld`]); names are
/// looked up in its catalog. Gives what [`compile_loaded`] gives for the same documents
/// and catalog. Documents that would register objects in the world are refused (build
/// the world with them: [`compile_loaded`]).
pub fn compile_in(
    world: &CatalogWorld,
    policy: Policy,
    progress: &dyn Fn(Phase),
) -> Result<Compiled, Vec<Diagnostic>> {
    let started = Instant::now();
    let Policy {
        documents,
        mut diagnostics,
        options,
    } = policy;
    if !(documents.connections.is_empty()
        && documents.playbooks.is_empty()
        && documents.notifications.is_empty())
    {
        return Err(vec![Diagnostic::general(
            "Playbook, Notification and Connection documents register objects: they are compiled with the catalog, not against a world built without them",
        )]);
    }
    diagnostics.extend(world.found.iter().cloned());
    let Some(model) = validate_in(
        &world.world,
        &documents,
        true,
        options,
        &mut diagnostics,
        progress,
    ) else {
        return Err(diagnostics);
    };
    if model.units.principals.is_empty() {
        return Err(vec![no_principals(Diagnostic::general(NO_PRINCIPALS))]);
    }
    let checked = Checked {
        documents,
        model,
        warnings: diagnostics,
    };
    Ok(tabulate_in(
        &world.world,
        Some(&world.indexes),
        checked,
        &[],
        started,
        progress,
    ))
}

/// The connections of the world, as references may name them.
fn known_connections(world: &World) -> KnownConnections {
    KnownConnections::new(
        Category::Connection.of(&world.keys).keys().cloned(),
        Category::Connection.of(&world.objects).iter().map(|o| {
            (
                o.attributes.name.clone().unwrap_or_default(),
                o.attributes.object_type.clone(),
                format!(
                    "{}/{}",
                    o.attributes.namespace.as_deref().unwrap_or_default(),
                    o.attributes.name.as_deref().unwrap_or_default()
                ),
            )
        }),
    )
}

/// Compiles documents and a catalog into tables. Tables that could answer nothing are
/// never built: without a catalog, or with one that names no person, playbook or
/// notification, there is no principal to ask about, and every check would be an error.
pub fn compile(
    paths: &[PathBuf],
    catalog: Option<&Path>,
    progress: &dyn Fn(Phase),
) -> Result<Compiled, Vec<Diagnostic>> {
    compile_with(paths, catalog, Options::default(), progress)
}

/// [`compile`] with [`Options`].
pub fn compile_with(
    paths: &[PathBuf],
    catalog: Option<&Path>,
    options: Options,
    progress: &dyn Fn(Phase),
) -> Result<Compiled, Vec<Diagnostic>> {
    let started = Instant::now();
    let Some(catalog) = catalog else {
        return Err(vec![Diagnostic::general(
            "no catalog: tables compiled without one hold no person, playbook or notification and could answer no question",
        )
        .help("pass `--catalog FILE` (the people, teams, playbooks, notifications and objects the documents speak about); `rampart validate` checks the documents without one")]);
    };
    let validated = validate_with(paths, Some(catalog), options, progress)?;
    if validated.model.units.principals.is_empty() {
        return Err(vec![no_principals(Diagnostic::in_file(
            catalog,
            NO_PRINCIPALS,
        ))]);
    }
    Ok(tabulate_validated(validated, started, progress))
}

/// Why tables without a principal are refused.
const NO_PRINCIPALS: &str =
    "the catalog names no person, playbook or notification: the tables could answer no question";

/// The help of the no-principal refusal.
fn no_principals(diagnostic: Diagnostic) -> Diagnostic {
    diagnostic.help("list the people (`people: [{email: ..., roles: [...]}]`) and the playbooks and notifications that act as subjects")
}

/// Compiles documents and a catalog already read (see [`validate_loaded`]); like
/// [`compile`], refuses tables that name no principal.
pub fn compile_loaded(
    loaded: Loaded,
    progress: &dyn Fn(Phase),
) -> Result<Compiled, Vec<Diagnostic>> {
    let started = Instant::now();
    let validated = validate_loaded(loaded, progress)?;
    if validated.model.units.principals.is_empty() {
        return Err(vec![no_principals(Diagnostic::general(NO_PRINCIPALS))]);
    }
    Ok(tabulate_validated(validated, started, progress))
}

/// The phases after validation: expand and tabulate.
fn tabulate_validated(
    validated: Validated,
    started: Instant,
    progress: &dyn Fn(Phase),
) -> Compiled {
    let Validated {
        documents,
        world,
        model,
        connections,
        warnings,
    } = validated;
    let checked = Checked {
        documents,
        model,
        warnings,
    };
    tabulate_in(&world, None, checked, &connections, started, progress)
}

/// What validation gave, to expand and tabulate.
struct Checked {
    documents: Documents,
    model: Model,
    warnings: Vec<Diagnostic>,
}

/// Expands and tabulates a validated model over `world` (with its value indexes, when
/// built before).
fn tabulate_in(
    world: &World,
    indexes: Option<&[IndexValues; 4]>,
    checked: Checked,
    connections: &[LoweredConnection],
    started: Instant,
    progress: &dyn Fn(Phase),
) -> Compiled {
    let Checked {
        documents,
        model,
        warnings,
    } = checked;
    progress(Phase::Expand);
    let expanded = crate::expand::expand_with(world, &model, indexes);
    progress(Phase::Tabulate);
    let data = crate::tabulate::tabulate(world, &model, expanded, connections);
    let stats = Stats {
        files: documents.files,
        documents: documents.documents,
        permissions: documents.permissions.len(),
        principals: data.principals.len(),
        objects: Category::ALL.map(|c| c.of(&data.categories).keys.len()),
        rules: data.rules.len(),
        rows: data.rows.len(),
        skipped: documents
            .skipped
            .iter()
            .map(|(k, n)| (k.clone(), *n))
            .collect(),
        elapsed: started.elapsed(),
    };
    Compiled {
        data,
        documents,
        model,
        stats,
        warnings,
    }
}
