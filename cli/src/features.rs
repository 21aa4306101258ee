//! The commands a build without the default features leaves out (`serve`: the HTTP
//! sidecar; `postgres`: Mission Control's database as the source) keep their flags and
//! their help, and refuse to run with an error that names the feature to build with.

use crate::outcome::Failure;

/// `what` needs `feature`, which this build of `rampart` was made without: exit 2.
pub(crate) fn not_built(what: &str, feature: &str) -> Failure {
    Failure::Helped(
        format!("{what} is not in this build of rampart (built without the `{feature}` feature)"),
        format!(
            "build with the default features (`cargo install --path cli`), or with `--features {feature}`"
        ),
    )
}
