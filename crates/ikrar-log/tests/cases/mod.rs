//! Bundles that break one rule each (docs/FORMATS.md "A log is valid when" and every other check
//! `ikrar verify` makes), built in memory, with the findings each must give. Shared by
//! `bundle_rules.rs` (the Rust verifier) and the browser tests (the `/periksa` page must agree
//! with `ikrar verify` on every one).

#![allow(dead_code)] // each test binary that includes this module uses a different part of it

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use ikrar_log::bundle::{self, Header, PactText, ReportRow, BUNDLE_FORMAT};
use ikrar_log::cosignature::WitnessSigner;
use ikrar_log::entry::{Entry, KeyEntry, PactEntry, SignatureClaim};
use ikrar_log::merkle::{leaf_hash, StreamingRoot};
use ikrar_log::nip::NipDigits;
use ikrar_log::note::LogSigner;
use ikrar_log::values::{parse_time, PactId, Sha256Digest, UnitCode};
use std::collections::BTreeMap;

pub const ORIGIN: &str = "ikrar.test/log";
pub const SITI: &str = "199004152019032004";
pub const BUDI: &str = "198807022023211007";
/// A third employee, enrolled by some cases after the valid log.
pub const ANI: &str = "200002292022012001";

pub fn t(offset_minutes: i64) -> DateTime<Utc> {
    parse_time("2023-11-24T02:00:00Z").unwrap() + Duration::minutes(offset_minutes)
}

pub fn employee_key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// A log under construction, with the texts and claims a server would put in its header.
pub struct Forge {
    pub signer: LogSigner,
    pub entries: Vec<String>,
    pub texts: Vec<PactText>,
}

impl Forge {
    pub fn new() -> Forge {
        Forge {
            signer: LogSigner::new(ORIGIN, SigningKey::from_bytes(&[77u8; 32])).unwrap(),
            entries: Vec::new(),
            texts: Vec::new(),
        }
    }

    /// A forge with one pact, Siti and Budi enrolled, both signed.
    pub fn valid() -> Forge {
        let mut f = Forge::new();
        let sha = f.pact("netralitas-2024", "Isi pakta.");
        f.key(SITI, 1, t(1));
        f.key(BUDI, 2, t(2));
        f.sign("netralitas-2024", &sha, SITI, 1, t(3));
        f.sign("netralitas-2024", &sha, BUDI, 2, t(4));
        f
    }

    /// One pact and `n` employees, each enrolled and signed: 1 + 2n entries.
    pub fn many(n: u32) -> Forge {
        let mut f = Forge::new();
        let sha = f.pact("netralitas-2024", "Isi pakta.");
        let base = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for i in 0..n {
            let birth = base + chrono::Days::new(u64::from(i));
            let year: i32 = birth.format("%Y").to_string().parse().unwrap();
            let nip = format!("{}{}011001", birth.format("%Y%m%d"), year + 25);
            let seed = (i % 250) as u8 + 1;
            f.key(&nip, seed, t(1));
            f.sign("netralitas-2024", &sha, &nip, seed, t(2));
        }
        f
    }

    /// Publishes a pact; returns its digest.
    pub fn pact(&mut self, id: &str, body: &str) -> String {
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

    pub fn key(&mut self, nip: &str, seed: u8, time: DateTime<Utc>) {
        self.key_bytes(
            nip,
            seed,
            employee_key(seed).verifying_key().to_bytes(),
            time,
        );
    }

    /// A key entry with the public key given as bytes (which need not be a good key).
    pub fn key_bytes(&mut self, nip: &str, seed: u8, key: [u8; 32], time: DateTime<Utc>) {
        self.entries.push(
            Entry::Key(KeyEntry {
                nip: NipDigits::parse(nip).unwrap(),
                name: format!("Pegawai {seed}"),
                unit: UnitCode::parse("DINKES").unwrap(),
                key,
                time,
            })
            .to_text(),
        );
    }

    pub fn claim(
        &self,
        pact: &str,
        sha: &str,
        nip: &str,
        seed: u8,
        key: [u8; 32],
    ) -> SignatureClaim {
        SignatureClaim {
            pact: PactId::parse(pact).unwrap(),
            sha256: Sha256Digest::parse_hex(sha).unwrap(),
            nip: NipDigits::parse(nip).unwrap(),
            name: format!("Pegawai {seed}"),
            unit: UnitCode::parse("DINKES").unwrap(),
            key,
            time: t(3),
        }
    }

    pub fn sign(&mut self, pact: &str, sha: &str, nip: &str, seed: u8, time: DateTime<Utc>) {
        let key = employee_key(seed);
        let mut claim = self.claim(pact, sha, nip, seed, key.verifying_key().to_bytes());
        claim.time = time;
        self.entries
            .push(Entry::Signature(claim.sign(&key)).to_text());
    }

    /// The header a server would write for the first `size` entries.
    pub fn header(&self, size: usize) -> Header {
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

    pub fn checkpoint(&self, size: usize) -> String {
        self.header(size).checkpoint
    }

    pub fn bundle(&self) -> String {
        self.bundle_with(&self.header(self.entries.len()))
    }

    pub fn bundle_with(&self, header: &Header) -> String {
        let mut out = Vec::new();
        bundle::write_header(&mut out, header).unwrap();
        for (n, entry) in self.entries.iter().enumerate() {
            bundle::write_entry(&mut out, n as u64, entry).unwrap();
        }
        String::from_utf8(out).unwrap()
    }
}

/// What a case must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exactly these finding codes (each at least once, no other); none: valid.
    Faults(&'static [&'static str]),
    /// The first finding, at this entry, with this code, and no other code.
    At(u64, &'static str),
    /// These codes among others (a broken line upsets what follows it).
    Includes(&'static [&'static str]),
    /// No verdict: the bundle cannot be read.
    Unreadable,
}

/// A bundle to check, with what the auditor gives besides it.
pub struct Case {
    pub name: &'static str,
    pub bundle: String,
    pub since: Option<String>,
    pub log_key: Option<String>,
    /// Witness keys the checkpoint must be cosigned by (`--witness`).
    pub witnesses: Vec<String>,
    /// How many of them must have (`--witnesses-min`); all when none.
    pub witnesses_min: Option<usize>,
    pub expect: Expect,
}

fn case(name: &'static str, bundle: String, expect: Expect) -> Case {
    Case {
        name,
        bundle,
        since: None,
        log_key: None,
        witnesses: Vec::new(),
        witnesses_min: None,
        expect,
    }
}

fn digest_of(f: &Forge) -> String {
    let text = &f.texts[0];
    Sha256Digest::of(format!("{}\n\n{}\n", text.title, text.body).as_bytes()).to_string()
}

/// Every case.
pub fn all() -> Vec<Case> {
    let mut cases = vec![case("valid", Forge::valid().bundle(), Expect::Faults(&[]))];
    let valid = Forge::valid();
    cases.push(Case {
        log_key: Some(valid.signer.verifier_key()),
        ..case("valid_pinned", valid.bundle(), Expect::Faults(&[]))
    });

    let mut f = Forge::valid();
    f.key("199013152019032004", 3, t(5));
    cases.push(case(
        "nip_invalid",
        f.bundle(),
        Expect::At(5, "nip_invalid"),
    ));

    let mut f = Forge::new();
    f.key(SITI, 1, t(1));
    f.sign("netralitas-2024", &"a".repeat(64), SITI, 1, t(2));
    f.pact("netralitas-2024", "Isi pakta.");
    cases.push(case(
        "pact_after_signature",
        f.bundle(),
        Expect::Faults(&["pact_unknown"]),
    ));

    let mut f = Forge::valid();
    f.key(ANI, 3, t(5));
    f.sign("netralitas-2024", &"b".repeat(64), ANI, 3, t(6));
    cases.push(case(
        "pact_digest",
        f.bundle(),
        Expect::Faults(&["pact_digest"]),
    ));

    let mut f = Forge::new();
    let sha = f.pact("netralitas-2024", "Isi pakta.");
    f.key(SITI, 1, t(1));
    f.key(SITI, 9, t(2)); // re-activation replaces key 1
    f.sign("netralitas-2024", &sha, SITI, 1, t(3));
    cases.push(case(
        "old_key",
        f.bundle(),
        Expect::Faults(&["key_mismatch"]),
    ));

    let mut f = Forge::new();
    let sha = f.pact("netralitas-2024", "Isi pakta.");
    f.sign("netralitas-2024", &sha, SITI, 1, t(3));
    cases.push(case(
        "no_key",
        f.bundle(),
        Expect::Faults(&["key_not_enrolled"]),
    ));

    // Same claim, but the signature of another message.
    let mut f = Forge::valid();
    let last = f.entries.pop().unwrap();
    let sig_at = last.rfind("sig ").unwrap();
    let other = ed25519_dalek::Signer::sign(&employee_key(2), b"something else").to_bytes();
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, other);
    f.entries
        .push(format!("{}sig {encoded}\n", &last[..sig_at]));
    cases.push(case(
        "bad_signature",
        f.bundle(),
        Expect::At(4, "signature_invalid"),
    ));

    // A key of small order (the identity) with a signature that passes Ed25519 without the
    // strict checks, for every message: nobody holds such a key.
    let mut f = Forge::valid();
    let sha = digest_of(&f);
    let mut identity = [0u8; 32];
    identity[0] = 1;
    f.key_bytes(ANI, 3, identity, t(5));
    let mut claim = f.claim("netralitas-2024", &sha, ANI, 3, identity);
    claim.time = t(6);
    let r = ed25519_dalek::SigningKey::from_bytes(&[9; 32])
        .verifying_key()
        .to_bytes();
    let scalar = {
        // S with [S]B = R: the secret scalar behind R, i.e. the clamped, reduced seed hash.
        use sha2::Digest;
        let h = sha2::Sha512::digest([9u8; 32]);
        let mut s = [0u8; 32];
        s.copy_from_slice(&h[..32]);
        s[0] &= 248;
        s[31] &= 127;
        s[31] |= 64;
        curve25519_dalek::Scalar::from_bytes_mod_order(s).to_bytes()
    };
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r);
    sig[32..].copy_from_slice(&scalar);
    let entry = Entry::Signature(ikrar_log::entry::SignatureEntry { claim, sig });
    f.entries.push(entry.to_text());
    cases.push(case(
        "weak_key",
        f.bundle(),
        Expect::At(6, "signature_invalid"),
    ));

    let mut f = Forge::new();
    let sha = f.pact("netralitas-2024", "Isi pakta.");
    f.key(SITI, 1, t(10));
    f.sign("netralitas-2024", &sha, SITI, 1, t(5));
    cases.push(case(
        "time_before_key",
        f.bundle(),
        Expect::Faults(&["time_before_key"]),
    ));

    let mut f = Forge::valid();
    let sha = digest_of(&f);
    f.sign("netralitas-2024", &sha, SITI, 1, t(9));
    cases.push(case(
        "signed_twice",
        f.bundle(),
        Expect::At(5, "double_signature"),
    ));

    // The header then carries two texts for one id: the second does not match the log.
    let mut f = Forge::valid();
    f.pact("netralitas-2024", "Isi lain.");
    cases.push(case(
        "pact_twice",
        f.bundle(),
        Expect::Faults(&["pact_republished", "pact_text_mismatch"]),
    ));

    let mut f = Forge::valid();
    f.entries
        .push("ikrar/v1 key\nnip 199004152019032004\n".into());
    cases.push(case(
        "short_entry",
        f.bundle(),
        Expect::Faults(&["entry_field_order"]),
    ));

    // Not normalized: refused; and Siti's signature then has no key.
    let mut f = Forge::valid();
    f.entries[1] = f.entries[1].replace("name Pegawai 1", "name Pegawai  1");
    cases.push(case(
        "unnormalized_name",
        f.bundle(),
        Expect::Faults(&["entry_bad_value", "key_not_enrolled"]),
    ));

    // Two key entries swapped: every rule still holds, the tree does not.
    let f = Forge::valid();
    let mut swapped = Forge::valid();
    swapped.entries.swap(1, 2);
    let swapped_bundle = swapped.bundle_with(&f.header(f.entries.len()));
    cases.push(case(
        "swapped",
        swapped_bundle,
        Expect::Faults(&["root_mismatch"]),
    ));

    let f = Forge::valid();
    let mut header = f.header(f.entries.len());
    let impostor = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[5u8; 32])).unwrap();
    header.checkpoint = impostor
        .sign_checkpoint(5, StreamingRoot::default().root())
        .unwrap();
    cases.push(case(
        "impostor_checkpoint",
        f.bundle_with(&header),
        Expect::Faults(&["checkpoint_signature"]),
    ));
    // A bundle wholly made by an impostor verifies only until the auditor pins the real key.
    let mut forged = Forge::valid();
    forged.signer = impostor;
    cases.push(case(
        "impostor_unpinned",
        forged.bundle(),
        Expect::Faults(&[]),
    ));
    cases.push(Case {
        log_key: Some(f.signer.verifier_key()),
        ..case(
            "impostor_pinned",
            forged.bundle(),
            Expect::Faults(&["log_key_mismatch", "checkpoint_signature"]),
        )
    });

    let mut header = f.header(f.entries.len());
    header.report[0].signed = 3;
    header.report.push(ReportRow {
        pact: "netralitas-2024".into(),
        unit: "DINSOS".into(),
        signed: 1,
    });
    cases.push(case(
        "report",
        f.bundle_with(&header),
        Expect::Faults(&["report_mismatch"]),
    ));

    let mut header = f.header(f.entries.len());
    header.pacts[0].body = "Isi yang diubah.".into();
    cases.push(case(
        "pact_text_changed",
        f.bundle_with(&header),
        Expect::Faults(&["pact_text_mismatch"]),
    ));
    header.pacts.clear();
    cases.push(case(
        "pact_text_left_out",
        f.bundle_with(&header),
        Expect::Faults(&["pact_text_missing"]),
    ));

    let full = f.bundle();
    let mut lines: Vec<&str> = full.lines().collect();
    let dropped = lines[..lines.len() - 1].join("\n") + "\n";
    cases.push(case(
        "last_line_dropped",
        dropped,
        Expect::Faults(&["truncated", "report_mismatch"]),
    ));
    let extra = format!("{full}{{\"index\":5,\"entry\":\"x\"}}\n");
    cases.push(case("extra_line", extra, Expect::Faults(&["extra_lines"])));
    let renumbered = full.replacen("{\"index\":2,", "{\"index\":7,", 1);
    cases.push(case(
        "renumbered",
        renumbered,
        Expect::Faults(&["index_order"]),
    ));
    lines[3] = "{not json";
    cases.push(case(
        "broken_line",
        lines.join("\n") + "\n",
        Expect::Includes(&["line_malformed"]),
    ));

    // The operator keeps the log key and quietly drops Siti's signature, then re-signs.
    let honest = Forge::valid();
    let kept = honest.checkpoint(honest.entries.len());
    let mut rewritten = Forge::valid();
    rewritten.entries.remove(3);
    rewritten.key(ANI, 3, t(7));
    let sha = digest_of(&rewritten);
    rewritten.sign("netralitas-2024", &sha, ANI, 3, t(8));
    cases.push(case(
        "rewritten_alone",
        rewritten.bundle(),
        Expect::Faults(&[]),
    ));
    cases.push(Case {
        since: Some(kept.clone()),
        ..case(
            "rewritten_since",
            rewritten.bundle(),
            Expect::Faults(&["since_mismatch"]),
        )
    });
    let mut shorter = Forge::valid();
    shorter.entries.truncate(3);
    cases.push(Case {
        since: Some(kept.clone()),
        ..case(
            "shrunk_since",
            shorter.bundle(),
            Expect::Faults(&["since_shrunk", "since_missing"]),
        )
    });
    // A checkpoint kept when the log was still empty: every log under the key extends it.
    let empty = Forge::valid().checkpoint(0);
    cases.push(Case {
        since: Some(empty),
        ..case("since_empty", Forge::valid().bundle(), Expect::Faults(&[]))
    });
    let mut grown = Forge::valid();
    grown.key(ANI, 3, t(7));
    cases.push(Case {
        since: Some(kept),
        ..case("grown_since", grown.bundle(), Expect::Faults(&[]))
    });

    // Several thousand entries: the verifiers' batches and the page's 4,096-leaf subtrees, with
    // a kept checkpoint inside one of them, and one bad signature among many.
    let mut many = Forge::many(2600);
    cases.push(Case {
        since: Some(many.checkpoint(4999)),
        ..case("many_since", many.bundle(), Expect::Faults(&[]))
    });
    let victim = 2 + 2 * 2222;
    many.entries[victim] =
        many.entries[victim].replace("time 2023-11-24T02:02:00Z", "time 2023-11-24T02:03:00Z");
    cases.push(case(
        "many_one_bad",
        many.bundle(),
        Expect::At(victim as u64, "signature_invalid"),
    ));

    // Witnesses: a checkpoint cosigned by one, checked against it, another, or both.
    let witness =
        |seed: u8| WitnessSigner::new("saksi.test/w", SigningKey::from_bytes(&[seed; 32])).unwrap();
    let f = Forge::valid();
    let mut header = f.header(f.entries.len());
    let body = ikrar_log::cosignature::note_body(&header.checkpoint)
        .unwrap()
        .to_owned();
    header
        .checkpoint
        .push_str(&witness(31).cosign(&body, 1_700_000_000));
    let cosigned = f.bundle_with(&header);
    cases.push(Case {
        witnesses: vec![witness(31).verifier_key()],
        ..case("cosigned", cosigned.clone(), Expect::Faults(&[]))
    });
    cases.push(Case {
        witnesses: vec![witness(32).verifier_key()],
        ..case(
            "cosigned_by_another",
            cosigned.clone(),
            Expect::Faults(&["witness_missing"]),
        )
    });
    cases.push(Case {
        witnesses: vec![witness(31).verifier_key()],
        ..case(
            "not_cosigned",
            f.bundle(),
            Expect::Faults(&["witness_missing"]),
        )
    });
    cases.push(Case {
        witnesses: vec![witness(31).verifier_key(), witness(32).verifier_key()],
        ..case(
            "one_of_two_cosigned",
            cosigned.clone(),
            Expect::Faults(&["witness_missing"]),
        )
    });
    // A quorum: one of the two suffices; both do not hold.
    for (name, min, expect) in [
        ("one_of_two_enough", 1, Expect::Faults(&[])),
        ("two_of_two_needed", 2, Expect::Faults(&["witness_missing"])),
    ] {
        cases.push(Case {
            witnesses: vec![witness(32).verifier_key(), witness(31).verifier_key()],
            witnesses_min: Some(min),
            ..case(name, cosigned.clone(), expect)
        });
    }

    // Strict JSON: a key given twice (a bogus value first, the real one last), an index written
    // with a fraction or beyond 2^53 − 1. Read leniently, each would pass; here the line is a
    // finding and its leaf the raw line, so the root and the last signature's count go too.
    let full = Forge::valid().bundle();
    let last = full.lines().last().unwrap().to_owned();
    let entry_value = &last[last.find(",\"entry\":").unwrap()..last.len() - 1];
    for (name, line, code) in [
        (
            "duplicate_entry_key",
            format!("{{\"index\":4,\"entry\":\"bogus\"{entry_value}}}"),
            "json_duplicate_key",
        ),
        (
            "duplicate_index_key",
            format!("{{\"index\":99,\"index\":4{entry_value}}}"),
            "json_duplicate_key",
        ),
        (
            "fraction_index",
            format!("{{\"index\":4.0{entry_value}}}"),
            "json_number",
        ),
        (
            "exponent_index",
            format!("{{\"index\":4e0{entry_value}}}"),
            "json_number",
        ),
        (
            "huge_index",
            format!("{{\"index\":9007199254740996{entry_value}}}"),
            "json_number",
        ),
    ] {
        let expect: &'static [&'static str] = match code {
            "json_number" => &["json_number", "root_mismatch", "report_mismatch"],
            _ => &["json_duplicate_key", "root_mismatch", "report_mismatch"],
        };
        cases.push(case(
            name,
            full.replace(&last, &line),
            Expect::Faults(expect),
        ));
    }
    let header = full.lines().next().unwrap().to_owned();
    cases.push(case(
        "duplicate_header_key",
        full.replacen(
            &header,
            &header.replacen("{\"format\":", "{\"origin\":\"lain\",\"format\":", 1),
            1,
        ),
        Expect::Faults(&["json_duplicate_key"]),
    ));
    cases.push(case(
        "fraction_in_header",
        full.replacen("\"signed\":2}", "\"signed\":2.0}", 1),
        Expect::Faults(&["json_number"]),
    ));

    cases.push(case("not_json", "not json\n".into(), Expect::Unreadable));
    let f = Forge::valid();
    let mut header = f.header(5);
    header.format = "ikrar-bundle/v2".into();
    cases.push(case(
        "format_v2",
        f.bundle_with(&header),
        Expect::Unreadable,
    ));
    cases.push(Case {
        since: Some("nonsense".into()),
        ..case("since_nonsense", f.bundle(), Expect::Unreadable)
    });
    cases
}

/// A receipt file to check, with what the auditor gives besides it.
pub struct ReceiptCase {
    pub name: &'static str,
    /// `json` or `pdf`.
    pub extension: &'static str,
    pub bytes: Vec<u8>,
    pub log_key: Option<String>,
    pub witnesses: Vec<String>,
    pub witnesses_min: Option<usize>,
    /// [`Expect::Faults`] or [`Expect::Unreadable`].
    pub expect: Expect,
}

fn receipt_case(name: &'static str, json: String, expect: Expect) -> ReceiptCase {
    ReceiptCase {
        name,
        extension: "json",
        bytes: json.into_bytes(),
        log_key: None,
        witnesses: Vec::new(),
        witnesses_min: None,
        expect,
    }
}

/// The root of a tree of `leaves` (RFC 9162 §2.1.1).
fn tree_root(leaves: &[ikrar_log::merkle::Hash]) -> ikrar_log::merkle::Hash {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = split(leaves.len());
    ikrar_log::merkle::node_hash(tree_root(&leaves[..k]), tree_root(&leaves[k..]))
}

/// The largest power of two below `n`.
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The inclusion proof of leaf `m` (RFC 9162 §2.1.3.1).
fn inclusion(m: usize, leaves: &[ikrar_log::merkle::Hash]) -> Vec<ikrar_log::merkle::Hash> {
    if leaves.len() == 1 {
        return Vec::new();
    }
    let k = split(leaves.len());
    let (mut path, sibling) = if m < k {
        (inclusion(m, &leaves[..k]), tree_root(&leaves[k..]))
    } else {
        (inclusion(m - k, &leaves[k..]), tree_root(&leaves[..k]))
    };
    path.push(sibling);
    path
}

impl Forge {
    /// The receipt of entry `index` in the log of every entry so far, with `checkpoint` (which
    /// may carry cosignatures) or the log's own.
    pub fn receipt(&self, index: usize, checkpoint: Option<String>) -> ikrar_log::receipt::Receipt {
        let leaves: Vec<_> = self
            .entries
            .iter()
            .map(|e| leaf_hash(e.as_bytes()))
            .collect();
        ikrar_log::receipt::Receipt::new(
            self.signer.verifier_key(),
            index as u64,
            self.entries[index].clone(),
            &inclusion(index, &leaves),
            checkpoint.unwrap_or_else(|| self.checkpoint(self.entries.len())),
        )
    }
}

/// Every receipt case: `ikrar verify-receipt` and the page must give each the same verdict and
/// findings.
pub fn receipts() -> Vec<ReceiptCase> {
    let f = Forge::valid();
    let json = |r: &ikrar_log::receipt::Receipt| serde_json::to_string(r).unwrap();
    let siti = f.receipt(3, None);
    let valid = json(&siti);
    let mut cases = vec![receipt_case(
        "receipt_valid",
        valid.clone(),
        Expect::Faults(&[]),
    )];
    cases.push(ReceiptCase {
        log_key: Some(f.signer.verifier_key()),
        ..receipt_case("receipt_pinned", valid.clone(), Expect::Faults(&[]))
    });
    let impostor = LogSigner::new(ORIGIN, SigningKey::from_bytes(&[5u8; 32])).unwrap();
    cases.push(ReceiptCase {
        log_key: Some(impostor.verifier_key()),
        ..receipt_case(
            "receipt_other_key",
            valid.clone(),
            Expect::Faults(&["log_key_mismatch", "checkpoint_signature"]),
        )
    });
    cases.push(receipt_case(
        "receipt_name_changed",
        valid.replacen("Pegawai 1", "Pegawai 7", 1),
        Expect::Faults(&["signature_invalid", "inclusion_proof"]),
    ));
    cases.push(receipt_case(
        "receipt_of_a_key",
        json(&f.receipt(1, None)),
        Expect::Faults(&["receipt_not_signature"]),
    ));
    let mut wrong_place = siti.clone();
    wrong_place.index = 2;
    cases.push(receipt_case(
        "receipt_wrong_index",
        json(&wrong_place),
        Expect::Faults(&["inclusion_proof"]),
    ));
    // Strict JSON: the index given twice (a bogus one first) or written with a fraction.
    cases.push(receipt_case(
        "receipt_index_twice",
        valid.replacen("\"index\":3,", "\"index\":1,\"index\":3,", 1),
        Expect::Faults(&["json_duplicate_key"]),
    ));
    cases.push(receipt_case(
        "receipt_index_fraction",
        valid.replacen("\"index\":3,", "\"index\":3.0,", 1),
        Expect::Faults(&["json_number"]),
    ));
    cases.push(receipt_case(
        "receipt_format_v2",
        valid.replacen("ikrar-receipt/v1", "ikrar-receipt/v2", 1),
        Expect::Faults(&["receipt_format"]),
    ));
    // Witnesses: one of two cosigned; enough with a quorum of one.
    let witness =
        |seed: u8| WitnessSigner::new("saksi.test/w", SigningKey::from_bytes(&[seed; 32])).unwrap();
    let mut checkpoint = f.checkpoint(f.entries.len());
    let body = ikrar_log::cosignature::note_body(&checkpoint)
        .unwrap()
        .to_owned();
    checkpoint.push_str(&witness(31).cosign(&body, 1_700_000_000));
    let cosigned = json(&f.receipt(3, Some(checkpoint)));
    let both = vec![witness(31).verifier_key(), witness(32).verifier_key()];
    cases.push(ReceiptCase {
        witnesses: both.clone(),
        ..receipt_case(
            "receipt_one_of_two",
            cosigned.clone(),
            Expect::Faults(&["witness_missing"]),
        )
    });
    cases.push(ReceiptCase {
        witnesses: both,
        witnesses_min: Some(1),
        ..receipt_case("receipt_one_of_two_enough", cosigned, Expect::Faults(&[]))
    });
    cases.push(receipt_case(
        "receipt_not_json",
        "{\"format\":".into(),
        Expect::Unreadable,
    ));
    cases.extend(pdf_receipts(
        &valid,
        &valid.replacen("Pegawai 1", "Pegawai 7", 1),
    ));
    cases
}

fn pdf_case(name: &'static str, pdf: Vec<u8>, expect: Expect) -> ReceiptCase {
    ReceiptCase {
        name,
        extension: "pdf",
        bytes: pdf,
        log_key: None,
        witnesses: Vec::new(),
        witnesses_min: None,
        expect,
    }
}

/// A PDF written object by object, with a classic cross-reference table, and incremental
/// updates after it: enough to build every shape the receipt rule must judge.
pub struct Pdf {
    pub bytes: Vec<u8>,
    offsets: BTreeMap<u32, usize>,
    last_xref: Option<usize>,
}

impl Pdf {
    pub fn new() -> Pdf {
        Pdf {
            bytes: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec(),
            offsets: BTreeMap::new(),
            last_xref: None,
        }
    }

    /// Appends object `number` with `body` (a dictionary, array or other value).
    pub fn object(&mut self, number: u32, body: &str) -> &mut Pdf {
        self.offsets.insert(number, self.bytes.len());
        self.bytes
            .extend_from_slice(format!("{number} 0 obj\n{body}\nendobj\n").as_bytes());
        self
    }

    /// Appends object `number` as a Flate stream of `data`, with `extra` dictionary entries.
    pub fn stream(&mut self, number: u32, extra: &str, data: &[u8]) -> &mut Pdf {
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(data, 6);
        self.offsets.insert(number, self.bytes.len());
        self.bytes.extend_from_slice(
            format!(
                "{number} 0 obj\n<< /Length {} /Filter /FlateDecode {extra} >>\nstream\n",
                packed.len()
            )
            .as_bytes(),
        );
        self.bytes.extend_from_slice(&packed);
        self.bytes.extend_from_slice(b"\nendstream\nendobj\n");
        self
    }

    /// Appends raw bytes that no cross-reference entry points to.
    pub fn raw(&mut self, text: &[u8]) -> &mut Pdf {
        self.bytes.extend_from_slice(text);
        self
    }

    /// Ends a section: the table of the objects written since the last one, the trailer
    /// (with `/Prev` after the first) and `startxref`.
    pub fn finish(&mut self, root: u32) -> &mut Pdf {
        let at = self.bytes.len();
        let size = self.offsets.keys().max().map_or(1, |n| n + 1);
        let mut table = String::from("xref\n0 1\n0000000000 65535 f\r\n");
        for (number, offset) in &self.offsets {
            table.push_str(&format!("{number} 1\n{offset:010} 00000 n\r\n"));
        }
        let prev = self
            .last_xref
            .map(|p| format!(" /Prev {p}"))
            .unwrap_or_default();
        table.push_str(&format!(
            "trailer\n<< /Size {size} /Root {root} 0 R{prev} >>\nstartxref\n{at}\n%%EOF\n"
        ));
        self.bytes.extend_from_slice(table.as_bytes());
        self.offsets.clear();
        self.last_xref = Some(at);
        self
    }
}

/// Catalog 1, names 2, the tree 3, file spec 4, the receipt stream 5.
fn bukti_pdf(receipt: &str) -> Pdf {
    let mut pdf = Pdf::new();
    pdf.object(1, "<< /Type /Catalog /Names 2 0 R >>")
        .object(2, "<< /EmbeddedFiles 3 0 R >>")
        .object(3, "<< /Names [(bukti-ikrar.json) 4 0 R] >>")
        .object(
            4,
            "<< /Type /Filespec /F (bukti-ikrar.json) /EF << /F 5 0 R >> >>",
        )
        .stream(
            5,
            "/Type /EmbeddedFile /Subtype /application#2Fjson",
            receipt.as_bytes(),
        );
    pdf
}

/// PDF bukti built here, one for each part of the rule; `forged` is a receipt that fails.
fn pdf_receipts(valid: &str, forged: &str) -> Vec<ReceiptCase> {
    let faults_of_forged = Expect::Faults(&["signature_invalid", "inclusion_proof"]);
    let mut cases = vec![pdf_case(
        "pdf_valid",
        bukti_pdf(valid).finish(1).bytes.clone(),
        Expect::Faults(&[]),
    )];

    // What nothing points to is not read: a name tree and a later copy of object 5.
    let mut pdf = bukti_pdf(valid);
    pdf.object(6, "<< /Names [(bukti-ikrar.json) 7 0 R] >>")
        .object(7, "<< /EF << /F 8 0 R >> >>")
        .stream(8, "", forged.as_bytes());
    pdf.offsets.retain(|n, _| *n < 6);
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(forged.as_bytes(), 6);
    pdf.raw(
        format!(
            "5 0 obj\n<< /Length {} /Filter /FlateDecode >>\nstream\n",
            packed.len()
        )
        .as_bytes(),
    )
    .raw(&packed)
    .raw(b"\nendstream\nendobj\n");
    cases.push(pdf_case(
        "pdf_unreferenced",
        pdf.finish(1).bytes.clone(),
        Expect::Faults(&[]),
    ));

    // An incremental update replaces the receipt: the newer one is read.
    let mut pdf = bukti_pdf(valid);
    pdf.finish(1).stream(5, "", forged.as_bytes()).finish(1);
    cases.push(pdf_case("pdf_updated", pdf.bytes.clone(), faults_of_forged));

    // Escaped names and a UTF-16 name string are the same names.
    let mut pdf = Pdf::new();
    let utf16: String = "bukti-ikrar.json"
        .bytes()
        .map(|b| format!("00{b:02X}"))
        .collect();
    pdf.object(1, "<< /Type /Catalog /N#61mes 2 0 R >>")
        .object(2, "<< /Emb#65ddedFiles 3 0 R >>")
        .object(3, &format!("<< /Names [<FEFF{utf16}> 4 0 R] >>"))
        .object(4, "<< /EF << /F 5 0 R >> >>")
        .stream(5, "", valid.as_bytes());
    cases.push(pdf_case(
        "pdf_escaped_names",
        pdf.finish(1).bytes.clone(),
        Expect::Faults(&[]),
    ));

    let mut pdf = bukti_pdf(valid);
    pdf.object(3, "<< /Kids [6 0 R 7 0 R] >>")
        .object(6, "<< /Names [(bukti-ikrar.json) 4 0 R] >>")
        .object(7, "<< /Names [(bukti-ikrar.json) 8 0 R] >>")
        .object(8, "<< /EF << /F 9 0 R >> >>")
        .stream(9, "", forged.as_bytes());
    cases.push(pdf_case(
        "pdf_two_attachments",
        pdf.finish(1).bytes.clone(),
        Expect::Unreadable,
    ));

    let mut pdf = Pdf::new();
    pdf.object(1, "<< /Type /Catalog >>");
    cases.push(pdf_case(
        "pdf_no_attachment",
        pdf.finish(1).bytes.clone(),
        Expect::Unreadable,
    ));

    // A node naming itself forty times as a kid; a wide tree of distinct nodes.
    let mut pdf = bukti_pdf(valid);
    pdf.object(3, &format!("<< /Kids [{}] >>", "3 0 R ".repeat(40)));
    cases.push(pdf_case(
        "pdf_self_kids",
        pdf.finish(1).bytes.clone(),
        Expect::Unreadable,
    ));
    let mut pdf = bukti_pdf(valid);
    let kids: String = (100..140).map(|n| format!("{n} 0 R ")).collect();
    pdf.object(3, &format!("<< /Kids [{kids}] >>"));
    for n in 100..140 {
        let grandkids: String = (0..40)
            .map(|k| format!("{} 0 R ", 1000 + (n - 100) * 40 + k))
            .collect();
        pdf.object(n, &format!("<< /Kids [{grandkids}] >>"));
    }
    for n in 1000..2600 {
        pdf.object(n, "<< /Names [] >>");
    }
    cases.push(pdf_case(
        "pdf_wide_tree",
        pdf.finish(1).bytes.clone(),
        Expect::Unreadable,
    ));

    // A stream that inflates past the receipt's limit, and one whose /Length is itself.
    let mut pdf = bukti_pdf(valid);
    pdf.stream(5, "", &vec![b' '; 3 << 20]);
    cases.push(pdf_case(
        "pdf_inflates_too_much",
        pdf.finish(1).bytes.clone(),
        Expect::Unreadable,
    ));
    let mut pdf = bukti_pdf(valid);
    pdf.object(5, "<< /Length 5 0 R >>\nstream\nx\nendstream");
    cases.push(pdf_case(
        "pdf_length_loop",
        pdf.finish(1).bytes.clone(),
        Expect::Unreadable,
    ));

    // An object stream listing 20,000 object numbers at one offset, found through a
    // cross-reference stream (with a PNG predictor), and a tree that asks for many of them.
    cases.push(pdf_case(
        "pdf_object_stream_flood",
        object_stream_flood(valid),
        Expect::Unreadable,
    ));
    // The same machinery, well formed: the tree's node in an object stream.
    cases.push(pdf_case(
        "pdf_object_stream",
        object_stream_pdf(valid, 1),
        Expect::Faults(&[]),
    ));
    cases
}

/// A PDF whose name-tree root (object 3) lies in object stream 6 among `extra` others, with
/// a cross-reference stream (object 7) using the Up predictor.
fn object_stream_pdf(receipt: &str, extra: u32) -> Vec<u8> {
    object_stream_with(
        receipt,
        extra,
        "<< /Names [(bukti-ikrar.json) 4 0 R] >>",
        |_| 0,
    )
}

fn object_stream_flood(receipt: &str) -> Vec<u8> {
    let kids: String = (8..400).map(|n| format!("{n} 0 R ")).collect();
    object_stream_with(receipt, 20_000, &format!("<< /Kids [{kids}] >>"), |_| 0)
}

/// Objects 1, 2, 4, 5 as usual; object 3 (`tree`) and objects 8.. (`extra` of them, `<< >>`
/// each, at the offset `at(n)`) in object stream 6; cross-reference stream 7.
fn object_stream_with(receipt: &str, extra: u32, tree: &str, at: impl Fn(u32) -> usize) -> Vec<u8> {
    let mut pdf = Pdf::new();
    pdf.object(1, "<< /Type /Catalog /Names 2 0 R >>")
        .object(2, "<< /EmbeddedFiles 3 0 R >>")
        .object(4, "<< /EF << /F 5 0 R >> >>")
        .stream(5, "", receipt.as_bytes());
    let empty = "<< >> ";
    let mut header = format!("3 {} ", empty.len());
    for n in 0..extra {
        header.push_str(&format!("{} {} ", 8 + n, at(n)));
    }
    let body = format!("{empty}{tree}");
    let first = header.len();
    // Object 3 is listed first but lies after the shared `<< >>`.
    pdf.stream(
        6,
        &format!("/Type /ObjStm /N {} /First {first}", extra + 1),
        format!("{header}{body}").as_bytes(),
    );
    // Rows: type (1 byte), field 2 (4 bytes), field 3 (2 bytes).
    let mut rows: Vec<[u8; 7]> = Vec::new();
    let row = |kind: u8, b: u32, c: u16| {
        let mut r = [0u8; 7];
        r[0] = kind;
        r[1..5].copy_from_slice(&b.to_be_bytes());
        r[5..7].copy_from_slice(&c.to_be_bytes());
        r
    };
    rows.push(row(0, 0, 65535));
    for n in 1..=6u32 {
        match n {
            3 => rows.push(row(2, 6, 0)),
            _ => rows.push(row(1, pdf.offsets[&n] as u32, 0)),
        }
    }
    let xref_at = pdf.bytes.len();
    rows.push(row(1, xref_at as u32, 0));
    for n in 0..extra {
        rows.push(row(2, 6, (n + 1) as u16));
    }
    // The Up predictor: each row stored as its difference from the one above.
    let mut data = Vec::new();
    let mut previous = [0u8; 7];
    for r in &rows {
        data.push(2);
        data.extend(r.iter().zip(previous).map(|(a, b)| a.wrapping_sub(b)));
        previous = *r;
    }
    pdf.stream(
        7,
        &format!(
            "/Type /XRef /Size {} /W [1 4 2] /Root 1 0 R /DecodeParms << /Predictor 12 /Columns 7 >>",
            rows.len()
        ),
        &data,
    );
    pdf.raw(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
    pdf.bytes.clone()
}
