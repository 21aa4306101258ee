#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

//! Hostile table files: truncated, bit-flipped, empty, foreign and other-version files
//! give typed errors, never a panic and never tables that allow anything.

use std::path::PathBuf;

use rampart_compiler::compile::{compile, write_tables};
use rampart_runtime::{format, LoadErrorKind, Tables, TablesHandle};

fn fixture_bytes() -> Vec<u8> {
    let compiled = compile(
        &[PathBuf::from("../fixtures/policy")],
        Some(&PathBuf::from("../fixtures/catalog.yaml")),
    );
    format::encode(&compiled.map(|c| c.data).unwrap_or_default(), "test").unwrap_or_default()
}

#[test]
fn empty_and_foreign_files_are_refused() {
    assert!(matches!(
        Tables::from_bytes(&[]).map(|_| ()).unwrap_err().kind(),
        LoadErrorKind::Truncated { .. }
    ));
    assert!(matches!(
        Tables::from_bytes(
            b"GIF89a............................................................................."
        )
        .map(|_| ())
        .unwrap_err()
        .kind(),
        LoadErrorKind::NotATable
    ));
}

#[test]
fn every_truncation_is_refused() {
    let bytes = fixture_bytes();
    for len in 0..bytes.len() {
        let result = Tables::from_bytes(&bytes[..len]);
        assert!(result.is_err(), "truncated to {len} bytes loaded");
    }
    assert!(Tables::from_bytes(&bytes).is_ok());
}

#[test]
fn every_single_bit_flip_is_refused() {
    let bytes = fixture_bytes();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut flipped = bytes.clone();
            flipped[i] ^= 1 << bit;
            // The compiler version is informational and not covered by the checksum; a
            // flip there may load, every other flip must not.
            let in_version = (20..52).contains(&i);
            if !in_version {
                assert!(
                    Tables::from_bytes(&flipped).is_err(),
                    "flip of bit {bit} in byte {i} loaded"
                );
            }
        }
    }
}

#[test]
fn other_format_versions_are_refused_with_both_versions() {
    let mut bytes = fixture_bytes();
    bytes[12..16].copy_from_slice(&(format::FORMAT_VERSION + 1).to_le_bytes());
    match Tables::from_bytes(&bytes).map(|_| ()).unwrap_err().kind() {
        LoadErrorKind::VersionMismatch { expected, found } => assert_eq!(
            (*expected, *found),
            (format::FORMAT_VERSION, format::FORMAT_VERSION + 1)
        ),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn trailing_garbage_is_refused() {
    let mut bytes = fixture_bytes();
    bytes.extend_from_slice(b"extra");
    assert!(Tables::from_bytes(&bytes).is_err());
}

#[test]
fn random_payloads_with_a_valid_header_never_panic() {
    use proptest::prelude::*;
    let mut runner = proptest::test_runner::TestRunner::default();
    let result = runner.run(&prop::collection::vec(any::<u8>(), 0..400), |payload| {
        let header = fixture_bytes();
        let mut bytes = header[..format::HEADER_LEN].to_vec();
        bytes[52..60].copy_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes[60..68].copy_from_slice(&format::checksum(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        let _ = Tables::from_bytes(&bytes);
        Ok(())
    });
    assert!(result.is_ok());
}

#[test]
fn a_failed_compile_leaves_the_previous_file_untouched() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = dir.path().join("tables.rampart");
    std::fs::write(&output, b"previous").expect("write");
    let result = compile(
        &[PathBuf::from("../fixtures/invalid/bad-action.yaml")],
        Some(&PathBuf::from("../fixtures/catalog.yaml")),
    );
    assert!(result.is_err());
    assert_eq!(std::fs::read(&output).expect("read"), b"previous");
    let good = compile(
        &[PathBuf::from("../fixtures/policy")],
        Some(&PathBuf::from("../fixtures/catalog.yaml")),
    )
    .expect("compiles");
    write_tables(&good.data, &output).expect("writes");
    assert!(Tables::load(&output).is_ok());
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("list").count(),
        1,
        "no temporary file left behind"
    );
}

#[test]
fn a_handle_keeps_its_tables_when_a_reload_fails() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("tables.rampart");
    std::fs::write(&path, fixture_bytes()).expect("write");
    let handle = TablesHandle::new(Tables::load(&path).expect("load"));
    let before = handle.current().data().rules.len();
    std::fs::write(&path, b"RAMPART\0 but broken").expect("write");
    assert!(handle.reload(&path).is_err());
    assert_eq!(handle.current().data().rules.len(), before);
    std::fs::write(&path, fixture_bytes()).expect("write");
    assert!(handle.reload(&path).is_ok());
}
