//! One failing bundle for every rule of docs/FORMATS.md's "A log is valid when", and for every
//! other check `ikrar verify` makes (`cases/mod.rs`, shared with the browser tests of the
//! `/periksa` page), each built in memory so that only that rule breaks.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests stop at the first surprise

mod cases;

use cases::{Expect, Forge};
use ikrar_log::cosignature::WitnessKey;
use ikrar_log::verify::{verify_bundle, Options, Summary, Witnesses};

fn check_with(bundle: &str, options: &Options) -> Summary {
    verify_bundle(bundle.as_bytes(), options, &mut |_| {}).unwrap()
}

fn check(bundle: &str) -> Summary {
    check_with(
        bundle,
        &Options {
            threads: 2,
            ..Options::default()
        },
    )
}

fn codes(summary: &Summary) -> Vec<&'static str> {
    summary.faults.iter().map(|f| f.code.as_str()).collect()
}

/// Asserts that the only findings are `expected` (each at least once).
fn only(name: &str, summary: &Summary, expected: &[&str]) {
    let found = codes(summary);
    for code in expected {
        assert!(
            found.contains(code),
            "{name}: missing {code}: {:?}",
            summary.faults
        );
    }
    for code in &found {
        assert!(
            expected.contains(code),
            "{name}: unexpected {code}: {:?}",
            summary.faults
        );
    }
}

#[test]
fn a_valid_bundle_has_no_findings() {
    let summary = check(&Forge::valid().bundle());
    assert!(summary.is_valid(), "{:?}", summary.faults);
    assert_eq!(
        (
            summary.entries,
            summary.pacts,
            summary.keys,
            summary.signatures
        ),
        (5, 1, 2, 2)
    );
    assert_eq!(summary.counts["netralitas-2024"]["DINKES"], 2);
}

#[test]
fn every_case_gives_exactly_its_findings() {
    for case in cases::all() {
        let options = Options {
            since: case.since.clone(),
            log_key: case.log_key.clone(),
            threads: 2,
            witnesses: witnesses(&case.witnesses, case.witnesses_min),
        };
        let result = verify_bundle(case.bundle.as_bytes(), &options, &mut |_| {});
        let name = case.name;
        match (case.expect, result) {
            (Expect::Unreadable, Err(_)) => {}
            (Expect::Unreadable, Ok(s)) => panic!("{name}: read, with {:?}", s.faults),
            (_, Err(e)) => panic!("{name}: unreadable: {e}"),
            (Expect::Faults(expected), Ok(s)) => only(name, &s, expected),
            (Expect::At(index, code), Ok(s)) => {
                only(name, &s, &[code]);
                assert_eq!(s.faults[0].index, Some(index), "{name}: {:?}", s.faults);
            }
            (Expect::Includes(expected), Ok(s)) => {
                for code in expected {
                    assert!(codes(&s).contains(code), "{name}: {:?}", s.faults);
                }
            }
        }
    }
}

/// The witnesses a case trusts, as `--witness` and `--witnesses-min` give them.
fn witnesses(keys: &[String], min: Option<usize>) -> Witnesses {
    Witnesses {
        keys: keys.iter().map(|k| WitnessKey::parse(k).unwrap()).collect(),
        min,
    }
}

#[test]
fn every_receipt_case_gives_exactly_its_findings() {
    for case in cases::receipts() {
        let witnesses = witnesses(&case.witnesses, case.witnesses_min);
        let result =
            ikrar_log::receipt_file::check(&case.bytes, case.log_key.as_deref(), &witnesses);
        let name = case.name;
        match (case.expect, result) {
            (Expect::Unreadable, Err(_)) => {}
            (Expect::Faults(expected), Ok(summary)) => {
                let found: Vec<&str> = summary.faults.iter().map(|f| f.code.as_str()).collect();
                assert_eq!(found, expected, "{name}");
            }
            (expect, result) => panic!("{name}: {expect:?} but {result:?}"),
        }
    }
}

/// Runs the `ikrar-verify` command: its exit code and standard output.
fn ikrar_verify(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ikrar-verify"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    (out.status.code().unwrap_or(-1), stdout)
}

#[test]
fn ikrar_verify_gives_the_verdict_and_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let valid = Forge::valid();
    std::fs::write(path("sah.jsonl"), valid.bundle()).unwrap();
    let key = valid.signer.verifier_key();

    // Without a pinned key the verdict itself says whose key it holds under, not plain SAH.
    let (code, out) = ikrar_verify(&["bundle", &path("sah.jsonl")]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "HASIL: sah menurut kunci di dalam berkas — belum dibandingkan dengan kunci resmi"
        ),
        "{out}"
    );
    assert!(!out.contains("HASIL: SAH"), "{out}");
    assert!(out.contains("tanpa --log-key"), "unpinned is said: {out}");
    let (code, out) = ikrar_verify(&["bundle", &path("sah.jsonl"), "--log-key", &key]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("HASIL: SAH — semua pemeriksaan lolos."),
        "{out}"
    );

    let (code, out) = ikrar_verify(&["bundle", &path("sah.jsonl"), "--log-key", &key, "--json"]);
    assert_eq!(code, 0, "{out}");
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["signatures"], 2);
    assert_eq!(summary["log_key_pinned"], true);

    // Two entries swapped under the checkpoint of the true order.
    let mut broken = Forge::valid();
    broken.entries.swap(3, 4);
    let forged = broken.bundle_with(&valid.header(valid.entries.len()));
    std::fs::write(path("rusak.jsonl"), forged).unwrap();
    let (code, out) = ikrar_verify(&["bundle", &path("rusak.jsonl"), "--log-key", &key]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("HASIL: TIDAK SAH"), "{out}");

    let (code, _) = ikrar_verify(&["bundle", &path("tidak-ada.jsonl")]);
    assert_eq!(code, 2);
    std::fs::write(path("bukan.json"), "{}").unwrap();
    let (code, _) = ikrar_verify(&["receipt", &path("bukan.json")]);
    assert_eq!(code, 2);
}

/// A PDF bukti as the app serves it (written by `tests/it/log.rs` with `IKRAR_KEEP_BUKTI`).
const BUKTI_PDF: &[u8] = include_bytes!("fixtures/bukti.pdf");

#[test]
fn ikrar_verify_reads_the_receipt_attached_to_a_pdf_bukti() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bukti.pdf");
    std::fs::write(&file, BUKTI_PDF).unwrap();
    let file = file.to_string_lossy().into_owned();
    let (code, out) = ikrar_verify(&["receipt", &file]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("HASIL: sah menurut kunci di dalam berkas"),
        "{out}"
    );
    // Times in WIB, with the UTC form.
    assert!(out.contains(" WIB (20"), "{out}");
    let receipt = ikrar_log::receipt_file::read(BUKTI_PDF).unwrap();
    let (code, out) = ikrar_verify(&["receipt", &file, "--log-key", &receipt.log_key]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("HASIL: SAH"), "{out}");
    // Every finding, not only the first: another key is refused and then opens nothing.
    let (code, out) = ikrar_verify(&[
        "receipt",
        &file,
        "--log-key",
        "ikrar.localhost/log+00000000+AQ==",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("log_key_mismatch"), "{out}");
    assert!(out.contains("log_key_invalid"), "{out}");
    let (code, out) = ikrar_verify(&[
        "receipt",
        &file,
        "--log-key",
        "ikrar.localhost/log+00000000+AQ==",
        "--json",
    ]);
    assert_eq!(code, 1, "{out}");
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    let codes: Vec<&str> = summary["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["log_key_mismatch", "log_key_invalid"], "{out}");
    assert_eq!(
        summary["signer"]["nip"].as_str().unwrap().len(),
        18,
        "{out}"
    );
    assert_eq!(receipt.format, ikrar_log::receipt::RECEIPT_FORMAT);
    // Cut short, the PDF is unreadable: exit 2, never valid.
    std::fs::write(&file, &BUKTI_PDF[..BUKTI_PDF.len() / 2]).unwrap();
    let (code, out) = ikrar_verify(&["receipt", &file]);
    assert_eq!(code, 2, "{out}");
}

#[test]
fn ikrar_verify_helps_in_bahasa_indonesia() {
    for args in [
        vec!["--help"],
        vec!["bundle", "--help"],
        vec!["receipt", "--help"],
    ] {
        let (code, out) = ikrar_verify(&args);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains("Penggunaan: ikrar-verify") && out.contains("Opsi:"),
            "{out}"
        );
        assert!(
            !out.contains("Usage:") && !out.contains("Print help"),
            "{out}"
        );
    }
}
