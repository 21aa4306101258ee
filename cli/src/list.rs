//! `rampart list -t TABLES --as SUBJECT --action ACTION --category CATEGORY
//! [--playbook NS/NAME | --config ID | ...] [--after KEY] [--limit N] [--format text|json]`:
//! the known objects a subject may act on, and the rules that would admit objects the
//! catalog does not know yet. With a fixed object of another category, the objects allowed
//! together with it ("on which configs may john run this playbook").

use std::process::ExitCode;

use rampart_runtime::json_answers::listing_json;
use rampart_runtime::text::Shown;
use rampart_runtime::{ActionId, Category, Listing, PrincipalId, Residual, Tables};

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

/// `rampart list`: the known objects a subject may act on (a page of them), then the rules
/// that would admit objects the catalog does not know yet.
pub fn run(args: Args) -> Outcome {
    let Listed {
        tables,
        principal,
        action,
    } = args.listing.resolve()?;
    let category = args.listing.category;
    let (listing, paired) = listing(&tables, principal, action, category, &args.with)?;
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
        Format::Text => text_listing(category, &keys, &paired, residual, &mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The listing of `category` for the principal and action, alone or together with the
/// one object `with` names; and, when no object is named, the categories that grants
/// pair `category` with (an empty list is then refused, as `filter` refuses; a partial
/// one says so).
fn listing(
    tables: &Tables,
    principal: PrincipalId,
    action: ActionId,
    category: Category,
    with: &TargetArgs,
) -> Result<(Listing, Vec<Category>), Failure> {
    if with.global.is_some() {
        return Err(Failure::Error(
            "`list` takes objects to pair with, not a global object".into(),
        ));
    }
    let fixed = with.objects();
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
    Ok((listing, paired))
}

/// The listing as text: one key a line, a comment for each category the objects are
/// also allowed together with, and one for the objects not in the catalog.
fn text_listing(
    category: Category,
    keys: &[&str],
    paired: &[Category],
    residual: &Residual,
    out: &mut Output,
) -> Result<(), Failure> {
    for key in keys {
        out.line(Shown(key))?;
    }
    for c in paired {
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
    Ok(())
}
