//! The arguments several subcommands share (inputs, tables, the subject, a listing's
//! question, a request's objects) and what they resolve to in the tables.

use std::path::{Path, PathBuf};

use rampart_runtime::{Category, IdTarget, ObjectIds, PublicKey, Tables};

use rampart_runtime::text::Shown;

use crate::outcome::Failure;

/// Shared `PATHS... [--catalog FILE]` arguments.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct Inputs {
    /// Document files or directories (read recursively, in sorted order); `-` reads
    /// standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The catalog (YAML or JSON). `compile`, `test` and `lint` need it (tables without
    /// one could answer nothing); `validate` and `connections` run without it.
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// Let deny selectors match nothing in the catalog (denies written for objects it
    /// does not hold yet). Without it such a deny is an error: it protects nothing. One
    /// document says the same with the annotation
    /// `rampart.flanksource.com/allow-empty-selectors: "true"`.
    #[arg(long)]
    pub allow_empty_selectors: bool,
}

impl Inputs {
    /// What the check accepts beyond the default.
    pub fn options(&self) -> rampart_compiler::compile::Options {
        rampart_compiler::compile::Options {
            allow_empty_selectors: self.allow_empty_selectors,
        }
    }
}

/// Shared `-t TABLES [--verify PUBKEY]` arguments.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct TablesArgs {
    /// The table file.
    #[arg(short, long = "tables", value_name = "TABLES")]
    pub tables: PathBuf,
    /// Refuse tables not signed with this public key (a file `rampart keygen` wrote).
    #[arg(long, value_name = "PUBKEY")]
    pub verify: Option<PathBuf>,
}

/// `-t TABLES --as SUBJECT`: a question about one subject.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct SubjectArgs {
    #[command(flatten)]
    pub tables: TablesArgs,
    /// The subject: a person (email, id or unique name), `playbook:NS/NAME` or
    /// `notification:NS/NAME`.
    #[arg(long = "as", value_name = "SUBJECT")]
    pub subject: String,
}

impl SubjectArgs {
    /// The tables and the subject resolved in them.
    pub fn resolve(&self) -> Result<(Tables, rampart_runtime::PrincipalId), Failure> {
        let tables = self.tables.load()?;
        let principal = tables.principal(&self.subject)?;
        Ok((tables, principal))
    }
}

/// `-t TABLES --as SUBJECT --action ACTION --category CATEGORY`: what `list` and
/// `filter` ask about.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct ListingArgs {
    #[command(flatten)]
    pub subject: SubjectArgs,
    /// The action.
    #[arg(long)]
    pub action: String,
    /// `playbooks`, `configs`, `components` or `connections`.
    #[arg(long, value_parser = parse_category)]
    pub category: Category,
}

/// What [`ListingArgs`] resolve to.
pub(crate) struct Listed {
    pub tables: Tables,
    pub principal: rampart_runtime::PrincipalId,
    pub action: rampart_runtime::ActionId,
}

impl ListingArgs {
    /// The tables, the subject and the action resolved in them.
    pub fn resolve(&self) -> Result<Listed, Failure> {
        let (tables, principal) = self.subject.resolve()?;
        let action = tables.action(&self.action)?;
        Ok(Listed {
            tables,
            principal,
            action,
        })
    }
}

/// A category by its singular or plural name.
pub(crate) fn parse_category(text: &str) -> Result<Category, String> {
    Category::from_name(text).ok_or_else(|| {
        format!("`{text}` is not a category: playbooks, configs, components or connections")
    })
}

impl TablesArgs {
    /// Loads (and verifies) the tables.
    pub fn load(&self) -> Result<Tables, Failure> {
        load_tables(&self.tables, self.verify.as_deref())
    }
}

/// Reads a public key file.
pub(crate) fn public_key(path: &Path) -> Result<PublicKey, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Error(format!("cannot read `{}`: {e}", path.display())))?;
    PublicKey::parse(&text).map_err(|_| {
        Failure::Error(format!(
            "`{}` is not a public key written by `rampart keygen`",
            path.display()
        ))
    })
}

/// Loads tables, verified with the key at `verify` when given.
pub(crate) fn load_tables(path: &Path, verify: Option<&Path>) -> Result<Tables, Failure> {
    let loaded = match verify {
        Some(key) => Tables::load_verified(path, &public_key(key)?),
        None => Tables::load(path),
    };
    loaded.map_err(|e| Failure::Error(format!("`{}`: {e}", path.display())))
}

/// The objects (or global object) of a request, as flags.
#[derive(clap::Args, Clone, Debug, Default)]
pub(crate) struct TargetArgs {
    /// A playbook as `NS/NAME` or id.
    #[arg(long)]
    pub playbook: Option<String>,
    /// A config id.
    #[arg(long)]
    pub config: Option<String>,
    /// A component id.
    #[arg(long)]
    pub component: Option<String>,
    /// A connection as `NS/NAME` or id.
    #[arg(long)]
    pub connection: Option<String>,
    /// A global object such as `catalog` or `mcp`.
    #[arg(long, conflicts_with_all = ["playbook", "config", "component", "connection"])]
    pub global: Option<String>,
}

impl TargetArgs {
    /// The objects named, by category.
    pub fn objects(&self) -> Vec<(Category, &str)> {
        [
            (Category::Playbook, &self.playbook),
            (Category::Config, &self.config),
            (Category::Component, &self.component),
            (Category::Connection, &self.connection),
        ]
        .into_iter()
        .filter_map(|(c, o)| o.as_deref().map(|o| (c, o)))
        .collect()
    }

    /// The runtime's target: objects, a global object, or nothing.
    pub fn target(&self) -> rampart_runtime::Target<'_> {
        use rampart_runtime::{Objects, Target};
        if let Some(g) = &self.global {
            return Target::Global(g);
        }
        let objects = self.objects();
        if objects.is_empty() {
            return Target::Unscoped;
        }
        Target::Objects(objects.into_iter().fold(Objects::new(), |o, (c, key)| {
            o.with(c, rampart_runtime::ObjectRef::Key(key))
        }))
    }

    /// The target as resolved ids.
    pub fn ids(&self, tables: &Tables) -> Result<IdTarget, Failure> {
        if let Some(g) = &self.global {
            return Ok(IdTarget::Global(tables.global(g)?));
        }
        let mut ids: Option<ObjectIds> = None;
        for (c, key) in self.objects() {
            let id = tables.object(c, key)?;
            ids = Some(match ids {
                None => ObjectIds::one(id),
                Some(ids) => ids.and(id)?,
            });
        }
        Ok(ids.map(IdTarget::Objects).unwrap_or(IdTarget::Unscoped))
    }
}

/// The flag that names an object of `category`, with what it takes.
pub(crate) fn flag(category: Category) -> &'static str {
    match category {
        Category::Playbook => "--playbook NS/NAME",
        Category::Config => "--config ID",
        Category::Component => "--component ID",
        Category::Connection => "--connection NS/NAME",
    }
}

/// Why a filter of `category` alone says nothing: the grants name it together with
/// `paired`.
pub(crate) fn needs_a_second_object(
    subject: &str,
    action: &str,
    category: Category,
    paired: &[Category],
) -> String {
    let names: Vec<String> = paired.iter().map(|c| format!("a {c}")).collect();
    let flags: Vec<String> = paired.iter().map(|c| format!("`{}`", flag(*c))).collect();
    format!(
        "`{}` is granted `{}` on {} only together with {} (a two-object grant), so no row is allowed alone; name the second object with {} to filter the {} it may be paired with",
        Shown(subject),
        Shown(action),
        category.plural(),
        names.join(" or "),
        flags.join(" or "),
        category.plural()
    )
}
