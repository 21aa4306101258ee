//! `rampart filter -t TABLES --as SUBJECT --action ACTION --category CATEGORY
//! --dialect postgres [--column FIELD=COLUMN]... [--id-type TYPE] [--first-param N]
//! [--ids] [--format text|json]`: a `WHERE` predicate for a catalog table, with its
//! parameters, so that a query returns exactly the rows the subject may act on.

use std::process::ExitCode;

use rampart_runtime::json_answers::{sql_filter_json, sql_param_json};
use rampart_runtime::sql::{ColumnMap, FilterPreference};
use rampart_runtime::text::Shown;

use crate::output::Output;
use crate::{Failure, Format, Listed, ListingArgs, Outcome};

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
    /// The SQL dialect.
    #[arg(long, value_enum)]
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
    /// `text` (the predicate, then one `-- $n = value` line per parameter) or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    let Dialect::Postgres = args.dialect;
    let category = args.listing.category;
    let mut columns = ColumnMap::mission_control(category);
    for assignment in &args.columns {
        columns
            .assign(assignment)
            .map_err(|e| Failure::Error(e.to_string()))?;
    }
    columns
        .set_id_type(Some(&args.id_type))
        .and_then(|()| columns.set_first_parameter(args.first_param))
        .map_err(|e| Failure::Error(e.to_string()))?;
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
    let filter = tables.sql_filter(principal, action, category, &columns, preference)?;
    let mut out = Output::new();
    match args.format {
        Format::Json => out.line(sql_filter_json(
            &args.listing.subject.subject,
            &args.listing.action,
            category,
            &filter,
            columns.first_parameter(),
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
