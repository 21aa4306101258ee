//! `include/rampart.h` is what cbindgen generates from this crate today: a change to an
//! export that does not regenerate the header fails here. `RAMPART_BLESS=1 cargo test -p
//! rampart-c --test header` rewrites it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

#[test]
fn the_committed_header_is_what_cbindgen_generates() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).unwrap();
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen reads the crate")
        .write(&mut generated);
    let generated = String::from_utf8(generated).unwrap();
    let path = crate_dir.join("include/rampart.h");
    if std::env::var_os("RAMPART_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/rampart.h is stale\nhelp: run `RAMPART_BLESS=1 cargo test -p rampart-c --test header` and commit the header"
    );
}
