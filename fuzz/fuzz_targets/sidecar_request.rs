//! The sidecar's AuthZEN evaluation bodies (`/access/v1/evaluation` and `/evaluations`)
//! and Mission Control's subject access reviews (`/rbac/subject-access-reviews`), as
//! mutated JSON and as bodies generated from the tables' names with the mistakes of
//! issue 20 mixed in, checked against `rampart check --batch` on the same question:
//! every item the sidecar decides is decided the same by the batch (never an allow the
//! batch would not give), and a body with a member given twice is refused. The oracle
//! is `serve/tests/differential/`, which `serve/tests/fuzz_regressions.rs` replays.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[path = "../../serve/tests/differential/mod.rs"]
mod differential;

static APP: OnceLock<rampart_serve::app::App> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let app = APP.get_or_init(differential::app);
    if let Err(disagreement) = differential::check_input(app, data) {
        panic!("{disagreement}");
    }
});
