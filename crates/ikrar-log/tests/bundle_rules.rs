//! One failing bundle for every rule of docs/FORMATS.md's "A log is valid when", and for every
//! other check `ikrar verify` makes, each built in memory so that only that rule breaks.

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use ikrar_log::bundle::{self, Header, PactText, ReportRow, BUNDLE_FORMAT};
use ikrar_log::entry::{Entry, KeyEntry, PactEntry, SignatureClaim};
use ikrar_log::merkle::{leaf_hash, StreamingRoot};
use ikrar_log::nip::NipDigits;
use ikrar_log::note::LogSigner;
use ikrar_log::values::{parse_time, PactId, Sha256Digest, UnitCode};
use ikrar_log::verify::{verify_bundle, Options, Summary, Unreadable};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const ORIGIN: &str = "ikrar.test/log";
const SITI: &str = "199004152019032004";
const BUDI: &str = "198807022023211007";

fn t(offset_minutes: i64) -> DateTime<Utc> {
    parse_time("2023-11-24T02:00:00Z").unwrap() + Duration::minutes(offset_minutes)
}

fn employee_key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// A log under construction, with the texts and claims a server would put in its header.
struct Forge {
    signer: LogSigner,
    entries: Vec<String>,
    texts: Vec<PactText>,
}

impl Forge {
    fn new() -> Forge {
        Forge {
            signer: LogSigner::new(ORIGIN, SigningKey::from_bytes(&[77u8; 32])).unwrap(),
            entries: Vec::new(),
            texts: Vec::new(),
        }
    }

    /// A forge with one pact, Siti and Budi enrolled, both signed.
    fn valid() -> Forge {
        let mut f = Forge::new();
        let sha = f.pact("netralitas-2024", "Isi pakta.");
        f.key(SITI, 1, t(1));
        f.key(BUDI, 2, t(2));
        f.sign("netralitas-2024", &sha, SITI, 1, t(3));
        f.sign("netralitas-2024", &sha, BUDI, 2, t(4));
        f
    }

    fn pact(&mut self, id: &str, body: &str) -> String {
        let title = format!("Pakta {id}");
        let sha = Sha256Digest::of(format!("{title}\n\n{body}\n").as_bytes());
        self.entries.push(
            Entry::Pact(PactEntry {
                id: PactId::parse(id).unwrap(),
                title: title.clone(),
                sha256: sha,
                time: t(0),
            })
            .to_text(),
        );
        self.texts.push(PactText {
            id: id.into(),
            title,
            body: body.into(),
        });
        sha.to_string()
    }

    fn key(&mut self, nip: &str, seed: u8, time: DateTime<Utc>) {
        self.entries.push(
            Entry::Key(KeyEntry {
                nip: NipDigits::parse(nip).unwrap(),
                name: format!("Pegawai {seed}"),
                unit: UnitCode::parse("DINKES").unwrap(),
                key: employee_key(seed).verifying_key().to_bytes(),
                time,
            })
            .to_text(),
        );
    }

    fn sign(&mut self, pact: &str, sha: &str, nip: &str, seed: u8, time: DateTime<Utc>) {
        let key = employee_key(seed);
        let claim = SignatureClaim {
            pact: PactId::parse(pact).unwrap(),
            sha256: Sha256Digest::parse_hex(sha).unwrap(),
            nip: NipDigits::parse(nip).unwrap(),
            name: format!("Pegawai {seed}"),
            unit: UnitCode::parse("DINKES").unwrap(),
            key: key.verifying_key().to_bytes(),
            time,
        };
        self.entries
            .push(Entry::Signature(claim.sign(&key)).to_text());
    }

    /// The header a server would write for the first `size` entries.
    fn header(&self, size: usize) -> Header {
        let mut root = StreamingRoot::default();
        let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
        for entry in &self.entries[..size] {
            root.push(leaf_hash(entry.as_bytes()));
            if let Ok(Entry::Signature(s)) = Entry::parse(entry.as_bytes()) {
                *counts
                    .entry((s.claim.pact.to_string(), s.claim.unit.to_string()))
                    .or_default() += 1;
            }
        }
        Header {
            format: BUNDLE_FORMAT.into(),
            origin: ORIGIN.into(),
            log_key: self.signer.verifier_key(),
            checkpoint: self
                .signer
                .sign_checkpoint(size as u64, root.root())
                .unwrap(),
            exported_at: "2023-11-24T03:00:00Z".into(),
            pacts: self.texts.clone(),
            units: vec![],
            report: counts
                .into_iter()
                .map(|((pact, unit), signed)| ReportRow { pact, unit, signed })
                .collect(),
        }
    }

    fn checkpoint(&self, size: usize) -> String {
        self.header(size).checkpoint
    }

    fn bundle(&self) -> String {
        self.bundle_with(&self.header(self.entries.len()))
    }

    fn bundle_with(&self, header: &Header) -> String {
        let mut out = Vec::new();
        bundle::write_header(&mut out, header).unwrap();
        for (n, entry) in self.entries.iter().enumerate() {
            bundle::write_entry(&mut out, n as u64, entry).unwrap();
        }
        String::from_utf8(out).unwrap()
    }
}

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
    summary.faults.iter().map(|f| f.code).collect()
}

/// Asserts that the only findings are `expected` (each at least once).
fn only(summary: &Summary, expected: &[&str]) {
    let found = codes(summary);
    for code in expected {
        assert!(found.contains(code), "missing {code}: {:?}", summary.faults);
    }
    for code in &found {
        assert!(
            expected.contains(code),
            "unexpected {code}: {:?}",
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
fn rule_key_nip_must_be_valid() {
    let mut f = Forge::valid();
    f.key("199013152019032004", 3, t(5));
    let s = check(&f.bundle());
    only(&s, &["nip_invalid"]);
    assert_eq!(s.faults[0].index, Some(5));
}

#[test]
fn rule_signature_names_an_earlier_pact() {
    let mut f = Forge::new();
    f.key(SITI, 1, t(1));
    f.sign("netralitas-2024", &"a".repeat(64), SITI, 1, t(2));
    f.pact("netralitas-2024", "Isi pakta.");
    // The pact comes after the signature; the report still counts the signature.
    only(&check(&f.bundle()), &["pact_unknown"]);
}

#[test]
fn rule_signature_has_the_pacts_digest() {
    let mut f = Forge::valid();
    f.key("200002292022012001", 3, t(5));
    f.sign(
        "netralitas-2024",
        &"b".repeat(64),
        "200002292022012001",
        3,
        t(6),
    );
    only(&check(&f.bundle()), &["pact_digest"]);
}

#[test]
fn rule_signature_uses_the_latest_key() {
    let mut f = Forge::new();
    let sha = f.pact("netralitas-2024", "Isi pakta.");
    f.key(SITI, 1, t(1));
    f.key(SITI, 9, t(2)); // re-activation replaces key 1
    f.sign("netralitas-2024", &sha, SITI, 1, t(3));
    only(&check(&f.bundle()), &["key_mismatch"]);
}

#[test]
fn rule_signature_needs_an_enrolled_key() {
    let mut f = Forge::new();
    let sha = f.pact("netralitas-2024", "Isi pakta.");
    f.sign("netralitas-2024", &sha, SITI, 1, t(3));
    only(&check(&f.bundle()), &["key_not_enrolled"]);
}

#[test]
fn rule_signature_must_verify() {
    let mut f = Forge::valid();
    let last = f.entries.pop().unwrap();
    // Same claim, but the signature of another message.
    let sig_at = last.rfind("sig ").unwrap();
    let key = employee_key(2);
    let other = ed25519_dalek::Signer::sign(&key, b"something else").to_bytes();
    let forged = format!(
        "{}sig {}\n",
        &last[..sig_at],
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, other)
    );
    f.entries.push(forged);
    let s = check(&f.bundle());
    only(&s, &["signature_invalid"]);
    assert_eq!(s.faults[0].index, Some(4));
}

#[test]
fn rule_signature_not_before_its_key() {
    let mut f = Forge::new();
    let sha = f.pact("netralitas-2024", "Isi pakta.");
    f.key(SITI, 1, t(10));
    f.sign("netralitas-2024", &sha, SITI, 1, t(5));
    only(&check(&f.bundle()), &["time_before_key"]);
}

#[test]
fn rule_no_nip_signs_a_pact_twice() {
    let mut f = Forge::valid();
    let sha = f.texts[0].clone();
    let sha = hex::encode(Sha256::digest(
        format!("{}\n\n{}\n", sha.title, sha.body).as_bytes(),
    ));
    f.sign("netralitas-2024", &sha, SITI, 1, t(9));
    let s = check(&f.bundle());
    only(&s, &["double_signature"]);
    assert_eq!(s.faults[0].index, Some(5));
}

#[test]
fn rule_a_pact_is_published_once() {
    let mut f = Forge::valid();
    f.pact("netralitas-2024", "Isi lain.");
    // The header now carries two texts for one id: the second does not match the log.
    only(
        &check(&f.bundle()),
        &["pact_republished", "pact_text_mismatch"],
    );
}

#[test]
fn entries_must_parse_strictly() {
    let mut f = Forge::valid();
    f.entries
        .push("ikrar/v1 key\nnip 199004152019032004\n".into());
    only(&check(&f.bundle()), &["entry_field_order"]);
    let mut f = Forge::valid();
    f.entries[1] = f.entries[1].replace("name Pegawai 1", "name Pegawai  1");
    // Not normalized: refused; and Siti's signature then has no key.
    only(
        &check(&f.bundle()),
        &["entry_bad_value", "key_not_enrolled"],
    );
}

#[test]
fn the_root_must_match_the_checkpoint() {
    let f = Forge::valid();
    let header = f.header(f.entries.len());
    let mut swapped = Forge::valid();
    swapped.entries.swap(1, 2); // two key entries: every rule still holds, the tree does not
    only(&check(&swapped.bundle_with(&header)), &["root_mismatch"]);
}

#[test]
fn the_checkpoint_must_be_signed_by_the_trusted_key() {
    let f = Forge::valid();
    let mut header = f.header(f.entries.len());
    let impostor = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[5u8; 32])).unwrap();
    header.checkpoint = impostor
        .sign_checkpoint(5, StreamingRoot::default().root())
        .unwrap();
    only(&check(&f.bundle_with(&header)), &["checkpoint_signature"]);
    // A bundle wholly made by the impostor verifies only until the auditor pins the real key.
    let mut forged = Forge::valid();
    forged.signer = impostor;
    assert!(check(&forged.bundle()).is_valid());
    let pinned = Options {
        log_key: Some(f.signer.verifier_key()),
        ..Options::default()
    };
    only(
        &check_with(&forged.bundle(), &pinned),
        &["log_key_mismatch", "checkpoint_signature"],
    );
}

#[test]
fn the_report_must_match_the_entries() {
    let f = Forge::valid();
    let mut header = f.header(f.entries.len());
    header.report[0].signed = 3;
    header.report.push(ReportRow {
        pact: "netralitas-2024".into(),
        unit: "DINSOS".into(),
        signed: 1,
    });
    let s = check(&f.bundle_with(&header));
    only(&s, &["report_mismatch"]);
    assert_eq!(s.faults.len(), 2);
}

#[test]
fn pact_texts_must_hash_to_their_entries() {
    let f = Forge::valid();
    let mut header = f.header(f.entries.len());
    header.pacts[0].body = "Isi yang diubah.".into();
    only(&check(&f.bundle_with(&header)), &["pact_text_mismatch"]);
    header.pacts.clear();
    only(&check(&f.bundle_with(&header)), &["pact_text_missing"]);
}

#[test]
fn lines_must_be_whole_numbered_and_complete() {
    let f = Forge::valid();
    let full = f.bundle();
    let mut lines: Vec<&str> = full.lines().collect();
    let dropped = lines[..lines.len() - 1].join("\n") + "\n";
    only(&check(&dropped), &["truncated", "report_mismatch"]);
    let extra = format!("{full}{{\"index\":5,\"entry\":\"x\"}}\n");
    only(&check(&extra), &["extra_lines"]);
    let renumbered = full.replacen("{\"index\":2,", "{\"index\":7,", 1);
    only(&check(&renumbered), &["index_order"]);
    lines[3] = "{not json";
    let broken = lines.join("\n") + "\n";
    let s = check(&broken);
    assert!(codes(&s).contains(&"line_malformed"), "{:?}", s.faults);
}

#[test]
fn since_catches_a_rewritten_history_even_when_the_log_key_signed_it() {
    // The operator keeps the log key and quietly drops Siti's signature, then re-signs.
    let honest = Forge::valid();
    let kept = honest.checkpoint(honest.entries.len());
    let mut rewritten = Forge::valid();
    rewritten.entries.remove(3);
    rewritten.key("200002292022012001", 3, t(7));
    let sha = hex::encode(Sha256::digest(b"Pakta netralitas-2024\n\nIsi pakta.\n"));
    rewritten.sign("netralitas-2024", &sha, "200002292022012001", 3, t(8));
    let bundle = rewritten.bundle();
    assert!(
        check(&bundle).is_valid(),
        "alone, the rewritten log looks fine"
    );
    let since = Options {
        since: Some(kept),
        ..Options::default()
    };
    only(&check_with(&bundle, &since), &["since_mismatch"]);
    // A log that shrank below the kept checkpoint.
    let mut shorter = Forge::valid();
    shorter.entries.truncate(3);
    only(
        &check_with(&shorter.bundle(), &since),
        &["since_shrunk", "since_missing"],
    );
    // An honest continuation passes.
    let mut grown = Forge::valid();
    grown.key("200002292022012001", 3, t(7));
    assert!(check_with(&grown.bundle(), &since).is_valid());
}

#[test]
fn unreadable_bundles_are_refused() {
    assert!(matches!(
        verify_bundle(&b"not json\n"[..], &Options::default(), &mut |_| {}),
        Err(Unreadable::Header(_))
    ));
    let f = Forge::valid();
    let mut header = f.header(5);
    header.format = "ikrar-bundle/v2".into();
    assert!(matches!(
        verify_bundle(
            f.bundle_with(&header).as_bytes(),
            &Options::default(),
            &mut |_| {}
        ),
        Err(Unreadable::Format(_))
    ));
    let bad_since = Options {
        since: Some("nonsense".into()),
        ..Options::default()
    };
    assert!(matches!(
        verify_bundle(f.bundle().as_bytes(), &bad_since, &mut |_| {}),
        Err(Unreadable::Since(_))
    ));
}

#[test]
fn many_signatures_in_several_batches_name_the_bad_one() {
    let mut f = Forge::new();
    let sha = f.pact("netralitas-2024", "Isi pakta.");
    let base = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    for i in 0..5000u32 {
        let birth = base + chrono::Days::new(u64::from(i));
        let nip = format!(
            "{}{}011001",
            birth.format("%Y%m%d"),
            birth.format("%Y").to_string().parse::<i32>().unwrap() + 25
        );
        f.key(&nip, (i % 250) as u8 + 1, t(1));
        f.sign("netralitas-2024", &sha, &nip, (i % 250) as u8 + 1, t(2));
    }
    assert!(check(&f.bundle()).is_valid());
    let victim = 2 + 2 * 3333;
    f.entries[victim] =
        f.entries[victim].replace("time 2023-11-24T02:02:00Z", "time 2023-11-24T02:03:00Z");
    let s = check(&f.bundle());
    only(&s, &["signature_invalid"]);
    assert_eq!(s.faults[0].index, Some(victim as u64));
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

    let (code, out) = ikrar_verify(&["bundle", &path("sah.jsonl")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("HASIL: SAH"), "{out}");
    assert!(out.contains("tanpa --log-key"), "unpinned is said: {out}");

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

/// A PDF bukti as the app serves it (written by `tests/log.rs` with `IKRAR_KEEP_BUKTI`).
const BUKTI_PDF: &[u8] = include_bytes!("fixtures/bukti.pdf");

#[test]
fn ikrar_verify_reads_the_receipt_attached_to_a_pdf_bukti() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bukti.pdf");
    std::fs::write(&file, BUKTI_PDF).unwrap();
    let file = file.to_string_lossy().into_owned();
    let (code, out) = ikrar_verify(&["receipt", &file]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("HASIL: SAH"), "{out}");
    let receipt = ikrar_log::receipt_file::read(BUKTI_PDF).unwrap();
    let (code, out) = ikrar_verify(&[
        "receipt",
        &file,
        "--log-key",
        "ikrar.localhost/log+00000000+AQ==",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("log_key_mismatch"), "{out}");
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
