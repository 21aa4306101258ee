//! `rampart filter -t TABLES --as SUBJECT --action ACTION --category CATEGORY
//! [--playbook NS/NAME | --config ID | ...] [--dialect postgres] [--column FIELD=COLUMN]...
//! [--id-type TYPE] [--first-param N] [--ids] [--fold-function NAME [--indexes [--table NAME]]]
//! [--format text|json]`:
//! a `WHERE` predicate
//! for a catalog table, with its parameters, so that a query returns exactly the rows the
//! subject may act on — alone, or together with a fixed object of another category ("the
//! configs john may run this playbook on"). Where the subject's grants name the category
//! only together with another one and the filter alone would be `FALSE`, it is an error
//! that names the flag to add. With `--fold-function NAME` comparisons call that SQL
//! function to fold case, and `--indexes` prints instead the statements that let
//! PostgreSQL answer the predicate with index scans: the function's definition, then
//! expression indexes on the folded columns the predicate compares.

use std::process::ExitCode;

use rampart_runtime::json_answers::{sql_filter_json, sql_param_json};
use rampart_runtime::sql::{ColumnMap, FilterForm, FilterPreference, SqlFilter};
use rampart_runtime::text::Shown;
use rampart_runtime::{Category, ObjectId, Tables};

use crate::args::{Listed, ListingArgs, TargetArgs};
use crate::outcome::{Failure, Outcome};
use crate::output::{Format, Output};

/// SQL dialects.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Dialect {
    /// PostgreSQL (`jsonb`, `= ANY($1)`, `COLLATE "C"`).
    Postgres,
}

/// Arguments of `filter`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    listing: ListingArgs,
    /// A fixed object of another category the rows are paired with (two-object
    /// grants: `--playbook` for `playbook:run` on configs).
    #[command(flatten)]
    with: TargetArgs,
    /// The SQL dialect (`postgres`, the only one so far, and the default).
    #[arg(long, value_enum, default_value = "postgres")]
    dialect: Dialect,
    /// Where a field lives (`namespace=namespace`, `tags=t.tags`; `FIELD=-` removes
    /// one). Fields: id, name, namespace, type, class, status, health, agent, category,
    /// tags, labels, properties. The defaults are Mission Control's columns.
    #[arg(long = "column", value_name = "FIELD=COLUMN")]
    columns: Vec<String>,
    /// The SQL type of the id and agent columns (`uuid`, or `text`).
    #[arg(long, default_value = "uuid")]
    id_type: String,
    /// Number the parameters from N (to embed the predicate in a larger query).
    #[arg(long, default_value_t = 1)]
    first_param: usize,
    /// Always the id list of the known objects (the compiled catalog's answer exactly;
    /// rows inserted after the compile are excluded).
    #[arg(long)]
    ids: bool,
    /// Fold case by calling this SQL function (created by the statements `--indexes`
    /// prints) instead of writing the folding out in every comparison, so that
    /// expression indexes can serve the predicate.
    #[arg(long, value_name = "NAME")]
    fold_function: Option<String>,
    /// Print the statements the predicate wants instead of the predicate: the fold
    /// function's definition, then `CREATE INDEX` on each folded column it compares.
    #[arg(long, conflicts_with = "ids", requires = "fold_function")]
    indexes: bool,
    /// The table the indexes are for (default: Mission Control's table of the category).
    #[arg(long, requires = "indexes")]
    table: Option<String>,
    /// `text` (the predicate, then one `-- $n = value` line per parameter) or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// `rampart filter`: the SQL predicate (or, with `--indexes`, the statements that serve
/// it) for the rows of a catalog table the subject may act on.
pub fn run(args: Args) -> Outcome {
    let Dialect::Postgres = args.dialect;
    let category = args.listing.category;
    let columns = column_map(&args, category)?;
    let Listed {
        tables,
        principal,
        action,
    } = args.listing.resolve()?;
    let preference = if args.ids {
        FilterPreference::Ids
    } else {
        FilterPreference::Predicate
    };
    let fixed = fixed_object(&args.with, &tables)?;
    let filter = match fixed {
        None => tables.sql_filter(principal, action, category, &columns, preference)?,
        Some((_, _, with)) => {
            tables.sql_filter_with(principal, action, category, with, &columns, preference)?
        }
    };
    if fixed.is_none() && filter.form() == FilterForm::Nothing {
        let paired = tables.paired_categories(principal, action, category)?;
        if !paired.is_empty() {
            return Err(Failure::Error(crate::args::needs_a_second_object(
                &args.listing.subject.subject,
                &args.listing.action,
                category,
                &paired,
            )));
        }
    }
    let mut out = Output::new();
    if args.indexes {
        print_indexes(&args, category, &filter, &mut out)?;
        return Ok(ExitCode::SUCCESS);
    }
    match args.format {
        Format::Json => out.line(sql_filter_json(
            &args.listing.subject.subject,
            &args.listing.action,
            category,
            &filter,
            columns.first_parameter(),
            fixed.map(|(c, key, _)| (c, key)),
        ))?,
        Format::Text => {
            out.line(filter.sql())?;
            for (i, p) in filter.params().iter().enumerate() {
                out.line(format!(
                    "-- ${} = {}",
                    columns.first_parameter() + i,
                    Shown(&sql_param_json(p).to_string())
                ))?;
            }
            if let Some(note) = filter.note() {
                out.line(format!("-- note: {}", Shown(note)))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Where each field of `category` lives: Mission Control's columns with the `--column`
/// assignments, the id type, the first parameter's number and the fold function.
fn column_map(args: &Args, category: Category) -> Result<ColumnMap, Failure> {
    let mut columns = ColumnMap::mission_control(category);
    for assignment in &args.columns {
        columns
            .assign(assignment)
            .map_err(|e| Failure::Error(e.to_string()))?;
    }
    columns
        .set_id_type(Some(&args.id_type))
        .and_then(|()| columns.set_first_parameter(args.first_param))
        .and_then(|()| columns.set_fold_function(args.fold_function.as_deref()))
        .map_err(|e| Failure::Error(e.to_string()))?;
    Ok(columns)
}

/// The one object of another category the rows are paired with (`--playbook`, ...), if
/// any; a global object or more than one object is an error.
fn fixed_object<'a>(
    with: &'a TargetArgs,
    tables: &Tables,
) -> Result<Option<(Category, &'a str, ObjectId)>, Failure> {
    if with.global.is_some() {
        return Err(Failure::Error(
            "`filter` pairs rows with an object, not a global object".into(),
        ));
    }
    match with.objects().as_slice() {
        [] => Ok(None),
        [(c, key)] => Ok(Some((*c, *key, tables.object(*c, key)?))),
        _ => Err(Failure::Error(
            "`filter` pairs rows with at most one object".into(),
        )),
    }
}

/// `--indexes`: the statements that let PostgreSQL answer `filter` with index scans, or
/// a comment saying that no expression index serves it.
fn print_indexes(
    args: &Args,
    category: Category,
    filter: &SqlFilter,
    out: &mut Output,
) -> Result<(), Failure> {
    let table = args
        .table
        .clone()
        .unwrap_or_else(|| mission_control_table(category).to_string());
    let statements = filter.create_indexes(&table)?;
    match args.format {
        Format::Json => out.line(serde_json::json!({
            "form": filter.form().word(),
            "table": table,
            "indexes": statements,
        }))?,
        Format::Text => {
            if statements.is_empty() {
                out.line(format!(
                    "-- the filter is `{}`: no expression index serves it{}",
                    filter.form().word(),
                    if filter.form() == FilterForm::Ids {
                        " (an id list is served by the primary key)"
                    } else {
                        ""
                    }
                ))?;
            }
            for statement in statements {
                out.line(statement)?;
            }
        }
    }
    Ok(())
}

/// Mission Control's table of `category`.
fn mission_control_table(category: Category) -> &'static str {
    match category {
        Category::Playbook => "playbooks",
        Category::Config => "config_items",
        Category::Component => "components",
        Category::Connection => "connections",
    }
}
