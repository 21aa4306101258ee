//! Where each object field lives in a SQL table: the column map of a SQL filter.
//!
//! The defaults follow Mission Control's schema (`config_items`, `components`,
//! `playbooks`, `connections`): `id uuid`, `name`, `type`, `config_class`, `status`,
//! `health`, `tags jsonb`, `labels jsonb`, `agent_id uuid`, and for configs no namespace
//! column (a config's namespace is then its `namespace` tag, as selectors see it). A field
//! without a column is one the filter cannot read: a rule that needs it makes the filter
//! fall back to the compiled id list, never to a guess.

use std::fmt;

use crate::category::Category;

/// An object field a filter may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// The object's id (`id`).
    Id,
    /// Its name.
    Name,
    /// Its namespace column (a config without one falls back to its `namespace` tag).
    Namespace,
    /// Its type.
    Type,
    /// A config's class (`config_class`).
    Class,
    /// Its status.
    Status,
    /// Its health.
    Health,
    /// Its agent's id.
    Agent,
    /// A playbook's category.
    PlaybookCategory,
    /// The tags map (a JSON object column).
    Tags,
    /// The labels map (a JSON object column).
    Labels,
    /// The properties map (a JSON object column).
    Properties,
}

impl Field {
    /// Every field, in the order of [`Field::word`]'s table.
    pub const ALL: [Field; 12] = [
        Field::Id,
        Field::Name,
        Field::Namespace,
        Field::Type,
        Field::Class,
        Field::Status,
        Field::Health,
        Field::Agent,
        Field::PlaybookCategory,
        Field::Tags,
        Field::Labels,
        Field::Properties,
    ];

    /// The field's name in `--column FIELD=COLUMN`.
    pub fn word(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Name => "name",
            Field::Namespace => "namespace",
            Field::Type => "type",
            Field::Class => "class",
            Field::Status => "status",
            Field::Health => "health",
            Field::Agent => "agent",
            Field::PlaybookCategory => "category",
            Field::Tags => "tags",
            Field::Labels => "labels",
            Field::Properties => "properties",
        }
    }

    /// The field named `word`.
    pub fn named(word: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.word() == word)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// A column map that cannot be used, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ColumnMapError(String);

/// Where each field lives, and the SQL types of the id columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMap {
    columns: Vec<(Field, String)>,
    id_type: Option<String>,
    first_parameter: usize,
    fold_function: Option<String>,
}

/// A column reference: identifiers separated by dots, each a letter or `_` then letters,
/// digits, `_` or `$` (what PostgreSQL accepts unquoted), at most 63 bytes each. The
/// filter quotes every part, so a name can never become SQL.
fn valid_column(column: &str) -> bool {
    !column.is_empty()
        && column.split('.').all(|part| {
            let mut chars = part.chars();
            part.len() <= 63
                && chars
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        })
}

/// A SQL type name for the id casts: letters, digits and `_`.
fn valid_type(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl ColumnMap {
    /// Mission Control's layout for `category` (see the module documentation).
    pub fn mission_control(category: Category) -> ColumnMap {
        let mut columns = vec![
            (Field::Id, "id"),
            (Field::Name, "name"),
            (Field::Agent, "agent_id"),
        ];
        columns.extend(match category {
            Category::Config => &[
                (Field::Type, "type"),
                (Field::Class, "config_class"),
                (Field::Status, "status"),
                (Field::Health, "health"),
                (Field::Tags, "tags"),
                (Field::Labels, "labels"),
            ][..],
            Category::Component => &[
                (Field::Namespace, "namespace"),
                (Field::Type, "type"),
                (Field::Status, "status"),
                (Field::Health, "health"),
                (Field::Labels, "labels"),
            ][..],
            Category::Playbook => &[
                (Field::Namespace, "namespace"),
                (Field::PlaybookCategory, "category"),
            ][..],
            Category::Connection => &[(Field::Namespace, "namespace"), (Field::Type, "type")][..],
        });
        ColumnMap {
            columns: columns
                .into_iter()
                .map(|(f, c)| (f, c.to_string()))
                .collect(),
            id_type: Some("uuid".into()),
            first_parameter: 1,
            fold_function: None,
        }
    }

    /// Puts `field` in `column` (`table.column` allowed); `-` removes the field.
    pub fn set(&mut self, field: Field, column: &str) -> Result<(), ColumnMapError> {
        self.columns.retain(|(f, _)| *f != field);
        if column == "-" {
            return Ok(());
        }
        if !valid_column(column) {
            return Err(ColumnMapError(format!(
                "column `{}` for field `{field}` is not a plain SQL identifier (letters, digits, `_`, `$`, dots between parts)",
                crate::text::Shown(column)
            )));
        }
        self.columns.push((field, column.to_string()));
        Ok(())
    }

    /// Applies one `FIELD=COLUMN` assignment.
    pub fn assign(&mut self, assignment: &str) -> Result<(), ColumnMapError> {
        let (field, column) = assignment.split_once('=').ok_or_else(|| {
            ColumnMapError(format!(
                "`{}` is not FIELD=COLUMN",
                crate::text::Shown(assignment)
            ))
        })?;
        let field = Field::named(field.trim()).ok_or_else(|| {
            ColumnMapError(format!(
                "unknown field `{}` (fields: {})",
                crate::text::Shown(field),
                Field::ALL.map(Field::word).join(", ")
            ))
        })?;
        self.set(field, column.trim())
    }

    /// The SQL type of the id and agent columns (`uuid` by default); `None` for text.
    pub fn set_id_type(&mut self, id_type: Option<&str>) -> Result<(), ColumnMapError> {
        match id_type {
            Some(t) if !valid_type(t) => Err(ColumnMapError(format!(
                "`{}` is not a SQL type name",
                crate::text::Shown(t)
            ))),
            _ => {
                self.id_type = id_type.filter(|t| *t != "text").map(str::to_string);
                Ok(())
            }
        }
    }

    /// Numbers the filter's parameters from `first` (`$first`, `$first+1`, ...), to
    /// embed it in a query that has parameters of its own.
    pub fn set_first_parameter(&mut self, first: usize) -> Result<(), ColumnMapError> {
        if first == 0 || first > 60_000 {
            return Err(ColumnMapError(
                "parameters are numbered from 1 to 60000".into(),
            ));
        }
        self.first_parameter = first;
        Ok(())
    }

    /// Fold case by calling the SQL function `name` (which
    /// [`crate::sql::SqlFilter::create_indexes`] creates) instead of writing the folding
    /// out in every comparison; `None` writes it out (the default, which needs nothing in
    /// the database). Expression indexes need the function: the folding written out is
    /// larger than PostgreSQL keeps in an index's definition.
    pub fn set_fold_function(&mut self, name: Option<&str>) -> Result<(), ColumnMapError> {
        if let Some(n) = name.filter(|n| !valid_column(n)) {
            return Err(ColumnMapError(format!(
                "`{}` is not a plain SQL function name (letters, digits, `_`, `$`, a dot after the schema)",
                crate::text::Shown(n)
            )));
        }
        self.fold_function = name.map(str::to_string);
        Ok(())
    }

    /// The function that folds case, when one was set.
    pub fn fold_function(&self) -> Option<&str> {
        self.fold_function.as_deref()
    }

    /// The first parameter's number.
    pub fn first_parameter(&self) -> usize {
        self.first_parameter
    }

    /// The SQL type of the id columns, when not text.
    pub fn id_type(&self) -> Option<&str> {
        self.id_type.as_deref()
    }

    /// The quoted column of `field`, when it has one.
    pub fn column(&self, field: Field) -> Option<String> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| {
                c.split('.')
                    .map(|part| format!("\"{part}\""))
                    .collect::<Vec<_>>()
                    .join(".")
            })
    }

    /// Every assignment, as `field=column`.
    pub fn assignments(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .columns
            .iter()
            .map(|(f, c)| format!("{f}={c}"))
            .collect();
        out.sort();
        out
    }
}
