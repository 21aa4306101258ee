//! `rampart list -t TABLES --as SUBJECT --action ACTION --category CATEGORY
//! [--playbook NS/NAME | --config ID | ...] [--after KEY] [--limit N] [--format text|json]`:
//! the known objects a subject may act on, and the rules that would admit objects the
//! catalog does not know yet. With a fixed object of another category, the objects allowed
//! together with it ("on which configs may john run this playbook").

use std::process::ExitCode;

use rampart_runtime::text::Shown;
use rampart_runtime::Category;

use super::output::Output;
use super::{Failure, Format, Outcome, TablesArgs, TargetArgs};

/// Arguments of `list`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    tables: TablesArgs,
    /// The subject.
    #[arg(long = "as")]
    subject: String,
    /// The action.
    #[arg(long)]
    action: String,
    /// `playbooks`, `configs`, `components` or `connections`.
    #[arg(long, value_parser = parse_category)]
    category: Category,
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

/// A category by its singular or plural name.
pub(crate) fn parse_category(text: &str) -> Result<Category, String> {
    Category::from_name(text).ok_or_else(|| {
        format!("`{text}` is not a category: playbooks, configs, components or connections")
    })
}

pub fn run(args: Args) -> Outcome {
    let tables = args.tables.load()?;
    let principal = tables.principal(&args.subject)?;
    let action = tables.action(&args.action)?;
    if args.with.global.is_some() {
        return Err(Failure::Error(
            "`list` takes objects to pair with, not a global object".into(),
        ));
    }
    let fixed = args.with.objects();
    let listing = match fixed.as_slice() {
        [] => tables.list(principal, action, args.category)?,
        [(c, key)] => {
            let with = tables.object(*c, key)?;
            tables.list_with(principal, action, args.category, with)?
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
        .map(|k| tables.object(args.category, k))
        .transpose()?;
    let page = listing.page(after, args.limit.unwrap_or(usize::MAX));
    let keys: Vec<&str> = page.iter().filter_map(|o| tables.object_key(*o)).collect();
    let residual = listing.residual();
    let mut out = Output::new();
    match args.format {
        Format::Json => out.line(serde_json::json!({
            "subject": args.subject,
            "action": args.action,
            "category": args.category.plural(),
            "total": listing.len(),
            "objects": keys,
            "next": if page.len() < listing.len() as usize && !page.is_empty() { page.last().and_then(|o| tables.object_key(*o)) } else { None },
            "unknown_objects": {
                "allow_all": residual.allow_all,
                "allow": residual.allow,
                "deny_all": residual.deny_all,
                "deny": residual.deny,
            },
        }))?,
        Format::Text => {
            for key in &keys {
                out.line(Shown(key))?;
            }
            if !residual.allow.is_empty() || residual.allow_all {
                let admits = if residual.allow_all { vec!["every object".to_string()] } else { residual.allow.clone() };
                let mut line = format!("# {} not in the catalog are allowed when they match: {}", args.category.plural(), admits.join(" | "));
                if residual.deny_all {
                    line = format!("# {} not in the catalog are denied", args.category.plural());
                } else if !residual.deny.is_empty() {
                    line.push_str(&format!("; and none of: {}", residual.deny.join(" | ")));
                }
                out.line(line)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
