//! `rampart list -t TABLES --as SUBJECT --action ACTION --category CATEGORY
//! [--playbook NS/NAME | --config ID | ...] [--after KEY] [--limit N] [--format text|json]`:
//! the known objects a subject may act on, and the rules that would admit objects the
//! catalog does not know yet. With a fixed object of another category, the objects allowed
//! together with it ("on which configs may john run this playbook").

use std::process::ExitCode;

use rampart_runtime::json_answers::listing_json;
use rampart_runtime::text::Shown;

use crate::args::{flag, needs_a_second_object, Listed, ListingArgs, TargetArgs};
use crate::outcome::{Failure, Outcome};
use crate::output::{Format, Output};

/// Arguments of `list`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    listing: ListingArgs,
    #[command(flatten)]
    with: TargetArgs,
    /// Start after this object (pagination).
    #[arg(long)]
    after: Option<String>,
    /// At most this many objects.
    #[arg(long)]
    limit: Option<usize>,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    let Listed {
        tables,
        principal,
        action,
    } = args.listing.resolve()?;
    let category = args.listing.category;
    if args.with.global.is_some() {
        return Err(Failure::Error(
            "`list` takes objects to pair with, not a global object".into(),
        ));
    }
    let fixed = args.with.objects();
    // Grants that pair the category with another one, when no second object is named:
    // an empty list is then refused (as `filter` refuses), a partial one says so.
    let paired = if fixed.is_empty() {
        tables.paired_categories(principal, action, category)?
    } else {
        Vec::new()
    };
    let listing = match fixed.as_slice() {
        [] => tables.list(principal, action, category)?,
        [(c, key)] => {
            let with = tables.object(*c, key)?;
            tables.list_with(principal, action, category, with)?
        }
        _ => {
            return Err(Failure::Error(
                "`list` pairs with at most one object".into(),
            ))
        }
    };
    let after = args
        .after
        .as_deref()
        .map(|k| tables.object(category, k))
        .transpose()?;
    let page = listing.page(after, args.limit.unwrap_or(usize::MAX));
    let keys: Vec<&str> = page.iter().filter_map(|o| tables.object_key(*o)).collect();
    let residual = listing.residual();
    let nothing_alone =
        listing.page(None, 1).is_empty() && residual.allow.is_empty() && !residual.allow_all;
    if !paired.is_empty() && nothing_alone {
        return Err(Failure::Error(needs_a_second_object(
            &args.listing.subject.subject,
            &args.listing.action,
            category,
            &paired,
        )));
    }
    let mut out = Output::new();
    match args.format {
        Format::Json => {
            let mut answer = listing_json(
                &tables,
                &args.listing.subject.subject,
                &args.listing.action,
                &listing,
                &page,
            );
            if let Some(fields) = answer.as_object_mut() {
                let with: Vec<&str> = paired.iter().map(|c| c.name()).collect();
                fields.insert("paired_with".into(), serde_json::json!(with));
            }
            out.line(answer)?
        }
        Format::Text => {
            for key in &keys {
                out.line(Shown(key))?;
            }
            for c in &paired {
                out.line(format!(
                    "# more {} only together with a {c}: name one with `{}`",
                    category.plural(),
                    flag(*c)
                ))?;
            }
            if !residual.allow.is_empty() || residual.allow_all {
                let admits = if residual.allow_all {
                    vec!["every object".to_string()]
                } else {
                    residual.allow.clone()
                };
                let mut line = format!(
                    "# {} not in the catalog are allowed when they match: {}",
                    category.plural(),
                    admits.join(" | ")
                );
                if residual.deny_all {
                    line = format!("# {} not in the catalog are denied", category.plural());
                } else if !residual.deny.is_empty() {
                    line.push_str(&format!("; and none of: {}", residual.deny.join(" | ")));
                }
                out.line(line)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
