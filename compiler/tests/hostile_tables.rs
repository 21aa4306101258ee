//! Hostile table files: truncated, bit-flipped, empty, foreign, other-version, endless,
//! oversized-claim and internally inconsistent files give typed errors, never a panic and
//! never tables that answer differently from their rules. Signed tables refuse tampering.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use std::path::PathBuf;

use rampart_compiler::compile::compile;
use rampart_compiler::emit::{encode, write_tables};
use rampart_runtime::schema::{Ids, SetRef, TablesData};
use rampart_runtime::{LoadErrorKind, PublicKey, Tables, TablesHandle, FORMAT_VERSION, HEADER_LEN};

fn fixture_data() -> TablesData {
    compile(
        &[PathBuf::from("../fixtures/policy")],
        Some(&PathBuf::from("../fixtures/catalog.yaml")),
        &|_| {},
    )
    .expect("fixtures compile")
    .data
}

fn fixture_bytes() -> Vec<u8> {
    encode(&fixture_data(), None).expect("encode")
}

fn kind(bytes: &[u8]) -> LoadErrorKind {
    Tables::from_bytes(bytes)
        .map(|_| ())
        .expect_err("refused")
        .kind()
}

#[test]
fn empty_and_foreign_files_are_refused() {
    assert_eq!(kind(&[]), LoadErrorKind::Truncated);
    assert_eq!(kind(b"GIF89a................................................................................"), LoadErrorKind::NotATable);
    assert_eq!(kind(b"RAMP"), LoadErrorKind::Truncated);
}

#[test]
fn every_truncation_is_refused() {
    let bytes = fixture_bytes();
    for len in 0..bytes.len() {
        assert!(
            Tables::from_bytes(&bytes[..len]).is_err(),
            "truncated to {len} bytes loaded"
        );
    }
    assert!(Tables::from_bytes(&bytes).is_ok());
}

#[test]
fn every_single_bit_flip_is_refused() {
    let bytes = fixture_bytes();
    for i in 0..bytes.len() {
        // The compiler version is informational and not covered by the checksum.
        if (24..56).contains(&i) {
            continue;
        }
        for bit in 0..8 {
            let mut flipped = bytes.clone();
            flipped[i] ^= 1 << bit;
            assert!(
                Tables::from_bytes(&flipped).is_err(),
                "flip of bit {bit} in byte {i} loaded"
            );
        }
    }
}

#[test]
fn other_format_versions_are_refused_with_both_versions() {
    let mut bytes = fixture_bytes();
    bytes[12..16].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let error = Tables::from_bytes(&bytes).map(|_| ()).expect_err("refused");
    assert_eq!(
        error.version_mismatch(),
        Some((FORMAT_VERSION, FORMAT_VERSION + 1))
    );
}

#[test]
fn trailing_garbage_is_refused() {
    let mut bytes = fixture_bytes();
    bytes.extend_from_slice(b"extra");
    assert!(Tables::from_bytes(&bytes).is_err());
}

/// A header announcing `payload` with a correct checksum.
fn with_header(payload: &[u8]) -> Vec<u8> {
    let mut bytes = fixture_bytes()[..HEADER_LEN].to_vec();
    bytes[56..64].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes[64..72].copy_from_slice(&rampart_runtime::build::checksum(payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

#[test]
fn random_payloads_with_a_valid_header_never_panic() {
    use proptest::prelude::*;
    let mut runner = proptest::test_runner::TestRunner::default();
    let result = runner.run(&prop::collection::vec(any::<u8>(), 0..600), |payload| {
        let _ = Tables::from_bytes(&with_header(&payload));
        Ok(())
    });
    assert!(result.is_ok());
}

#[test]
fn a_tiny_file_cannot_claim_a_huge_allocation() {
    // The first field is a Vec (permissions): claim 2^32 elements, then a 4 GiB string.
    for claim in [
        &[0xfc, 0xff, 0xff, 0xff, 0xff][..],
        &[0xfd, 0, 0, 0, 0, 1, 0, 0, 0][..],
        &[1, 0xfc, 0xff, 0xff, 0xff, 0xff][..],
    ] {
        let payload = claim.to_vec();
        let started = std::time::Instant::now();
        assert_eq!(kind(&with_header(&payload)), LoadErrorKind::Corrupt);
        assert!(started.elapsed().as_secs() < 5);
    }
}

#[test]
fn endless_and_oversized_files_are_refused_before_they_are_read() {
    if std::path::Path::new("/dev/zero").exists() {
        let error = Tables::load("/dev/zero").map(|_| ()).expect_err("refused");
        assert_eq!(error.kind(), LoadErrorKind::NotATable);
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("claims-more.rampart");
    let mut bytes = fixture_bytes();
    bytes[56..64].copy_from_slice(&(1u64 << 34).to_le_bytes());
    std::fs::write(&path, &bytes).expect("write");
    assert_eq!(
        Tables::load(&path).map(|_| ()).expect_err("refused").kind(),
        LoadErrorKind::Truncated
    );
}

#[test]
fn a_row_that_disagrees_with_its_rules_is_refused() {
    let mut data = fixture_data();
    assert!(Tables::from_data(data.clone()).is_ok());
    // Make some row allow every config: its rules do not say so.
    let row = data
        .rows
        .iter()
        .position(|r| r.allow[1] != SetRef::All)
        .expect("a row");
    data.rows[row].allow[1] = SetRef::All;
    let bytes = encode(&data, None).expect("encode");
    let error = Tables::from_bytes(&bytes).map(|_| ()).expect_err("refused");
    assert_eq!(error.kind(), LoadErrorKind::Corrupt);
    assert!(
        error.to_string().contains("does not match the rules"),
        "{error}"
    );
}

#[test]
fn a_row_index_out_of_proportion_to_the_file_cannot_claim_gigabytes_of_layout() {
    let mut data = fixture_data();
    // Twenty thousand principals, each its own class, and two thousand actions, every
    // (class, action) naming row 0: every cross-reference is in range and every row
    // matches its rules, but each one-byte entry of the row index would become a 32-byte
    // line (and pair lines) of the check layout.
    let template = data.principals[0].clone();
    for i in 0..20_000u32 {
        let mut p = template.clone();
        p.key = format!("extra-{i}@example.com");
        p.id = None;
        p.name = None;
        data.principals.push(p);
    }
    for (class, p) in data.principals.iter_mut().enumerate() {
        p.class = class as u32;
    }
    data.classes = data.principals.len() as u32;
    data.actions
        .extend((0..2_000).map(|i| format!("extra-action-{i}")));
    data.row_of = Ids(vec![0; data.classes as usize * data.actions.len()]);
    let bytes = encode(&data, None).expect("encode");
    let started = std::time::Instant::now();
    let error = Tables::from_bytes(&bytes).map(|_| ()).expect_err("refused");
    assert_eq!(error.kind(), LoadErrorKind::Corrupt);
    assert!(error.to_string().contains("more memory"), "{error}");
    eprintln!(
        "{} MB file refused in {:?}",
        bytes.len() / 1_000_000,
        started.elapsed()
    );
}

#[test]
fn a_pair_table_that_disagrees_with_its_rules_is_refused_whichever_row_names_it() {
    let data = fixture_data();
    // Every row naming a pair table, as (row, shape).
    let named: Vec<(usize, usize)> = data
        .rows
        .iter()
        .enumerate()
        .flat_map(|(r, row)| {
            row.pairs
                .iter()
                .enumerate()
                .filter(|(_, p)| **p != 0)
                .map(move |(shape, _)| (r, shape))
        })
        .collect();
    assert!(
        !named.is_empty(),
        "the fixtures have playbook + config rules"
    );
    // Load proves a pair table once per list of rules and then trusts rows that name the
    // same table for the same rules: a lying copy named by any one row, first or last,
    // must still be refused.
    for &(row, shape) in [named[0], named[named.len() - 1]].iter() {
        let mut lying = data.clone();
        let id = lying.rows[row].pairs[shape] as usize - 1;
        let mut copy = lying.pair_tables[id].clone();
        copy.allow_first = SetRef::All;
        lying.pair_tables.push(copy);
        lying.rows[row].pairs[shape] = lying.pair_tables.len() as u32;
        let bytes = encode(&lying, None).expect("encode");
        let error = Tables::from_bytes(&bytes).map(|_| ()).expect_err("refused");
        assert!(
            error.to_string().contains("does not match the rules"),
            "{error}"
        );
    }
    // A faithful copy under another id is not a lie: it loads.
    let (row, shape) = named[named.len() - 1];
    let mut copied = data.clone();
    let id = copied.rows[row].pairs[shape] as usize - 1;
    let copy = copied.pair_tables[id].clone();
    copied.pair_tables.push(copy);
    copied.rows[row].pairs[shape] = copied.pair_tables.len() as u32;
    let bytes = encode(&copied, None).expect("encode");
    assert!(Tables::from_bytes(&bytes).is_ok());
}

fn key_pair(dir: &std::path::Path) -> (ed25519_dalek::SigningKey, PublicKey) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let public = PublicKey::from_bytes(&key.verifying_key().to_bytes()).expect("a key");
    let _ = dir;
    (key, public)
}

#[test]
fn signed_tables_verify_and_tampering_is_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (key, public) = key_pair(dir.path());
    let signed = encode(&fixture_data(), Some(&key)).expect("encode");
    assert!(Tables::from_bytes_verified(&signed, &public).is_ok());
    assert!(Tables::from_bytes(&signed)
        .expect("loads unverified")
        .is_signed());
    let unsigned = fixture_bytes();
    assert_eq!(
        Tables::from_bytes_verified(&unsigned, &public)
            .map(|_| ())
            .expect_err("refused")
            .kind(),
        LoadErrorKind::Unsigned
    );
    let other = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let other_public = PublicKey::from_bytes(&other.verifying_key().to_bytes()).expect("a key");
    assert_eq!(
        Tables::from_bytes_verified(&signed, &other_public)
            .map(|_| ())
            .expect_err("refused")
            .kind(),
        LoadErrorKind::BadSignature
    );
    // Tampering with the compiler version (outside the checksum) is caught by the signature.
    let mut tampered = signed.clone();
    tampered[30] ^= 1;
    assert_eq!(
        Tables::from_bytes_verified(&tampered, &public)
            .map(|_| ())
            .expect_err("refused")
            .kind(),
        LoadErrorKind::BadSignature
    );
    // A crafted payload re-checksummed but not re-signed is refused.
    let mut data = fixture_data();
    data.rows[0].allow_unscoped = true;
    let mut forged = encode(&data, None).expect("encode");
    forged[16] = 1;
    forged.extend_from_slice(&signed[signed.len() - 64..]);
    assert_eq!(
        Tables::from_bytes_verified(&forged, &public)
            .map(|_| ())
            .expect_err("refused")
            .kind(),
        LoadErrorKind::BadSignature
    );
}

#[test]
fn verified_tables_whose_rows_lie_make_explain_an_error_not_a_contradiction() {
    // Only the signer's own (faulty) compiler could produce this: a verified load skips
    // recomputing rows, so the contradiction surfaces at explain time as an error.
    let mut data = fixture_data();
    let john_read = {
        let t = Tables::from_data(data.clone()).expect("loads");
        let john = t.principal("john@doe.com").expect("john");
        let class = t.principal_class(john).expect("class") as usize;
        let read = t.action("read").expect("read").index();
        data.row_of.0[class * data.actions.len() + read] as usize
    };
    data.rows[john_read].allow[1] = SetRef::All;
    let (key, public) = key_pair(std::path::Path::new("."));
    let bytes = encode(&data, Some(&key)).expect("encode");
    let t = Tables::from_bytes_verified(&bytes, &public)
        .expect("verified load skips the recomputation");
    let request = rampart_runtime::Request::new(
        "john@doe.com",
        "read",
        rampart_runtime::Target::Objects(rampart_runtime::Objects::new().config("c-default-pod")),
    );
    assert!(t.is_authorized(&request).expect("decided").is_allowed());
    let error = t
        .explain(&request)
        .expect_err("explain refuses to contradict");
    assert_eq!(
        error.kind(),
        rampart_runtime::RequestErrorKind::InconsistentTables
    );
}

#[test]
fn a_failed_compile_leaves_the_previous_file_untouched() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = dir.path().join("tables.rampart");
    std::fs::write(&output, b"previous").expect("write");
    let result = compile(
        &[PathBuf::from("../fixtures/invalid/bad-action.yaml")],
        Some(&PathBuf::from("../fixtures/catalog.yaml")),
        &|_| {},
    );
    assert!(result.is_err());
    assert_eq!(std::fs::read(&output).expect("read"), b"previous");
    write_tables(&fixture_data(), &output, None).expect("writes");
    assert!(Tables::load(&output).is_ok());
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("list").count(),
        1,
        "no temporary file left behind"
    );
}

#[cfg(unix)]
#[test]
fn writing_replaces_a_symlink_instead_of_writing_through_it() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").expect("write");
    let output = dir.path().join("tables.rampart");
    std::os::unix::fs::symlink(&victim, &output).expect("symlink");
    write_tables(&fixture_data(), &output, None).expect("writes");
    assert_eq!(std::fs::read(&victim).expect("read"), b"precious");
    assert!(Tables::load(&output).is_ok());
    assert!(!std::fs::symlink_metadata(&output)
        .expect("metadata")
        .file_type()
        .is_symlink());
}

#[test]
fn a_handle_keeps_its_tables_when_a_reload_fails() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("tables.rampart");
    std::fs::write(&path, fixture_bytes()).expect("write");
    let handle = TablesHandle::new(Tables::load(&path).expect("load"));
    let before = handle.current().revision().to_string();
    std::fs::write(&path, b"RAMPART\0 but broken").expect("write");
    assert!(handle.reload(&path, None).is_err());
    assert_eq!(handle.current().revision(), before);
    std::fs::write(&path, fixture_bytes()).expect("write");
    assert!(handle.reload(&path, None).is_ok());
}

#[test]
fn the_golden_table_file_loads_and_its_payload_round_trips() {
    // When this fails after a schema change, bump FORMAT_VERSION and commit a new golden
    // file (`cargo run -p rampart-compiler -- compile fixtures/policy --catalog
    // fixtures/catalog.yaml -o fixtures/tables/format-v<N>.rampart`); old versions must
    // then be refused with a version mismatch.
    let path = format!("../fixtures/tables/format-v{FORMAT_VERSION}.rampart");
    let golden = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let tables = Tables::from_bytes(&golden).expect("the golden file loads");
    let again = encode(&tables.to_data(), None).expect("encode");
    assert_eq!(
        again[HEADER_LEN..],
        golden[HEADER_LEN..],
        "the schema changed without a format version bump"
    );
    for case in [
        "john@doe.com playbook:run playbook=mc/echo-config config=c-mc-pod => allow",
        "admin@example.com read global=database.kratos => deny",
    ] {
        support::check(&tables, case);
    }
    for older in 1..FORMAT_VERSION {
        let old = format!("../fixtures/tables/format-v{older}.rampart");
        if let Ok(bytes) = std::fs::read(&old) {
            assert_eq!(
                Tables::from_bytes(&bytes)
                    .map(|_| ())
                    .expect_err("older versions are refused")
                    .kind(),
                LoadErrorKind::VersionMismatch
            );
        }
    }
}
