//! Benchmark behind BENCHMARKS.md for the transparency log:
//!
//! 1. writes a synthetic valid bundle of N signatures (N = `IKRAR_BENCH_SIGNATURES`, default
//!    1,000,000), one employee per signature, like a ministry's roster;
//! 2. measures the raw Ed25519 batch-verification rate on every core (the ceiling);
//! 3. runs the real `ikrar verify` on the bundle: throughput as a ratio of that ceiling, and
//!    peak RSS;
//! 4. compares with `openssl speed -seconds 3 ed25519` (one core) where openssl is installed;
//! 5. loads the same entries into a fresh SQLite database and times `ikrar export bundle`.
//!
//! 6. with `IKRAR_BENCH_PAGE=1`, checks the same bundle with the `/periksa` page in headless
//!    Chromium (WebCrypto, one thread of JavaScript): its rate as a ratio of `ikrar verify`'s.
//!
//! Run: `cargo bench --bench verify` (all figures come from one run on one machine);
//! `IKRAR_BENCH_KEEP=PATH` keeps a copy of the bundle for profiling.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests stop at the first surprise

#[path = "verify/page.rs"]
mod page;

use chrono::{Duration, NaiveDate};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use ikrar_log::bundle::{self, Header, PactText, ReportRow, UnitInfo, BUNDLE_FORMAT};
use ikrar_log::entry::{Entry, KeyEntry, PactEntry, SignatureClaim};
use ikrar_log::merkle::{leaf_hash, StreamingRoot};
use ikrar_log::nip::NipDigits;
use ikrar_log::note::LogSigner;
use ikrar_log::pact::Pact;
use ikrar_log::values::{parse_time, Sha256Digest, UnitCode};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const UNITS: [&str; 4] = ["DINDIKBUD", "DINKES", "RSUD", "SETDA"];
const ORIGIN: &str = "ikrar.bench/log";
const CHUNK: u64 = 20_000;
const RAW_SAMPLE: usize = 200_000;

/// Employee `i`: a valid PNS NIP and a key derived from `i`.
fn employee(i: u64) -> (String, SigningKey) {
    let birth = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + Duration::days((i / 999) as i64);
    let nip = format!(
        "{}{}01{}{:03}",
        birth.format("%Y%m%d"),
        birth.format("%Y").to_string().parse::<i32>().unwrap() + 25,
        1 + i % 2,
        i % 999 + 1
    );
    let seed: [u8; 32] = Sha256::digest(i.to_le_bytes()).into();
    (nip, SigningKey::from_bytes(&seed))
}

/// The key and signature entries of employee `i`.
fn entries_of(i: u64, pact: &Pact, digest: Sha256Digest) -> (String, String) {
    let (nip, key) = employee(i);
    let nip = NipDigits::parse(&nip).unwrap();
    let unit = UnitCode::parse(UNITS[(i % UNITS.len() as u64) as usize]).unwrap();
    let name = format!("Pegawai {i}");
    let t0 = parse_time("2024-01-10T01:00:00Z").unwrap();
    let key_entry = Entry::Key(KeyEntry {
        nip: nip.clone(),
        name: name.clone(),
        unit: unit.clone(),
        key: key.verifying_key().to_bytes(),
        time: t0,
    })
    .to_text();
    let claim = SignatureClaim {
        pact: pact.id.clone(),
        sha256: digest,
        nip,
        name,
        unit,
        key: key.verifying_key().to_bytes(),
        time: t0 + Duration::hours(1),
    };
    (key_entry, Entry::Signature(claim.sign(&key)).to_text())
}

/// A signature as a verifier meets it: message, signature, public key bytes.
type Sample = (Vec<u8>, Signature, [u8; 32]);

/// Writes the bundle to `path`; returns all entries' count and a sample of signatures.
fn write_bundle(path: &Path, signer: &LogSigner, n: u64) -> (u64, Vec<Sample>) {
    let pact = Pact::default_pact();
    let digest = pact.digest();
    let body_path = path.with_extension("entries");
    let mut body = BufWriter::with_capacity(1 << 20, std::fs::File::create(&body_path).unwrap());
    let mut root = StreamingRoot::default();
    let mut index = 0u64;
    let mut put = |text: &str, root: &mut StreamingRoot| {
        root.push(leaf_hash(text.as_bytes()));
        bundle::write_entry(&mut body, index, text).unwrap();
        index += 1;
    };
    let pact_entry = Entry::Pact(PactEntry {
        id: pact.id.clone(),
        title: pact.title.clone(),
        sha256: digest,
        time: parse_time("2024-01-01T00:00:00Z").unwrap(),
    })
    .to_text();
    put(&pact_entry, &mut root);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let mut sample = Vec::new();
    let mut start = 0;
    while start < n {
        let end = (start + CHUNK).min(n);
        let per = (end - start).div_ceil(threads);
        let parts: Vec<Vec<(String, String)>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (lo, hi) = ((start + t * per).min(end), (start + (t + 1) * per).min(end));
                    let pact = &pact;
                    s.spawn(move || (lo..hi).map(|i| entries_of(i, pact, digest)).collect())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (key_entry, signature) in parts.into_iter().flatten() {
            put(&key_entry, &mut root);
            put(&signature, &mut root);
            if sample.len() < RAW_SAMPLE {
                if let Ok(Entry::Signature(s)) = Entry::parse(signature.as_bytes()) {
                    sample.push((
                        s.claim.message().into_bytes(),
                        Signature::from_bytes(&s.sig),
                        s.claim.key,
                    ));
                }
            }
        }
        start = end;
        eprint!("\rgenerated {end}/{n} signatures");
    }
    eprintln!();
    body.flush().unwrap();
    drop(body);
    let size = 1 + 2 * n;
    let mut report: BTreeMap<&str, u64> = BTreeMap::new();
    for i in 0..n {
        *report
            .entry(UNITS[(i % UNITS.len() as u64) as usize])
            .or_default() += 1;
    }
    let header = Header {
        format: BUNDLE_FORMAT.into(),
        origin: ORIGIN.into(),
        log_key: signer.verifier_key(),
        checkpoint: signer.sign_checkpoint(size, root.root()).unwrap(),
        exported_at: "2024-01-11T00:00:00Z".into(),
        pacts: vec![PactText {
            id: pact.id.to_string(),
            title: pact.title.clone(),
            body: pact.body.clone(),
        }],
        units: UNITS
            .iter()
            .map(|u| UnitInfo {
                code: (*u).into(),
                name: format!("Unit {u}"),
                instansi: "Kementerian Contoh".into(),
            })
            .collect(),
        report: report
            .into_iter()
            .map(|(unit, signed)| ReportRow {
                pact: pact.id.to_string(),
                unit: unit.into(),
                signed,
            })
            .collect(),
    };
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    bundle::write_header(&mut out, &header).unwrap();
    std::io::copy(&mut std::fs::File::open(&body_path).unwrap(), &mut out).unwrap();
    out.flush().unwrap();
    std::fs::remove_file(&body_path).unwrap();
    (size, sample)
}

/// Signatures per second for ed25519-dalek batch verification on every core, in batches of 2048
/// as `ikrar verify` makes them. With `decode_keys`, public keys are decoded from their 32 bytes
/// inside the timed part, as any verifier reading a log must; without, they are decoded
/// beforehand (the pure curve arithmetic).
fn raw_batch_rate(sample: &[Sample], decode_keys: bool) -> f64 {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let decoded: Vec<VerifyingKey> = if decode_keys {
        Vec::new()
    } else {
        sample
            .iter()
            .map(|b| VerifyingKey::from_bytes(&b.2).unwrap())
            .collect()
    };
    let started = Instant::now();
    std::thread::scope(|s| {
        let per = sample.len().div_ceil(threads);
        for t in 0..threads {
            let part = &sample[(t * per).min(sample.len())..((t + 1) * per).min(sample.len())];
            let keys_part = if decode_keys {
                &decoded[..]
            } else {
                &decoded[(t * per).min(sample.len())..((t + 1) * per).min(sample.len())]
            };
            s.spawn(move || {
                for (i, batch) in part.chunks(2048).enumerate() {
                    let messages: Vec<&[u8]> = batch.iter().map(|b| b.0.as_slice()).collect();
                    let sigs: Vec<Signature> = batch.iter().map(|b| b.1).collect();
                    let keys: Vec<VerifyingKey> = if decode_keys {
                        batch
                            .iter()
                            .map(|b| VerifyingKey::from_bytes(&b.2).unwrap())
                            .collect()
                    } else {
                        keys_part[i * 2048..(i * 2048 + batch.len())].to_vec()
                    };
                    ed25519_dalek::verify_batch(&messages, &sigs, &keys).unwrap();
                }
            });
        }
    });
    sample.len() as f64 / started.elapsed().as_secs_f64()
}

/// Runs a command under GNU time; returns (seconds, peak RSS in KiB, stdout).
fn timed(cmd: &mut Command) -> (f64, u64, String) {
    let started = Instant::now();
    let out = cmd.output().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rss = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("IKRAR_MAXRSS_KB="))
        .next_back()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        stderr
    );
    (
        seconds,
        rss,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn under_time(program: &str) -> Command {
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "IKRAR_MAXRSS_KB=%M", program]);
    cmd
}

/// openssl's single-core Ed25519 verify/s, if openssl is there.
fn openssl_verify_rate() -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "3", "ed25519"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains("EdDSA (Ed25519)"))?;
    line.split_whitespace().last()?.parse().ok()
}

/// Loads the bundle's entries into a fresh ikrar database (bulk insert, as a restore would).
fn load_database(dir: &Path, bundle_path: &Path, signer_key: &SigningKey) {
    let key_path = dir.join("log-key.pem");
    let pem = signer_key.to_pkcs8_pem(Default::default()).unwrap();
    std::fs::write(&key_path, pem.as_bytes()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let status = Command::new(env!("CARGO_BIN_EXE_ikrar"))
        .arg("migrate")
        .env("IKRAR_DATA_DIR", dir)
        .env("IKRAR_ORIGIN", ORIGIN)
        .status()
        .unwrap();
    assert!(status.success());
    let mut conn = SqliteConnection::establish(dir.join("ikrar.db").to_str().unwrap()).unwrap();
    conn.batch_execute("PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF; BEGIN;")
        .unwrap();
    let mut lines = BufReader::new(std::fs::File::open(bundle_path).unwrap()).lines();
    let header: Header = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    for unit in &header.units {
        diesel::sql_query("INSERT INTO units (code, name, instansi) VALUES (?, ?, ?)")
            .bind::<diesel::sql_types::Text, _>(&unit.code)
            .bind::<diesel::sql_types::Text, _>(&unit.name)
            .bind::<diesel::sql_types::Text, _>(&unit.instansi)
            .execute(&mut conn)
            .unwrap();
    }
    for line in lines {
        let line: bundle::EntryLine = serde_json::from_str(&line.unwrap()).unwrap();
        let kind = line
            .entry
            .split(['\n', ' '])
            .nth(1)
            .unwrap_or("pact")
            .to_owned();
        match Entry::parse(line.entry.as_bytes()).unwrap() {
            Entry::Pact(p) => {
                let text = header.pacts.iter().find(|t| t.id == p.id.as_str()).unwrap();
                diesel::sql_query("INSERT INTO pacts (id, title, body, sha256, published_at, log_index) VALUES (?, ?, ?, ?, '2024-01-01 00:00:00', ?)")
                    .bind::<diesel::sql_types::Text, _>(p.id.as_str())
                    .bind::<diesel::sql_types::Text, _>(&p.title)
                    .bind::<diesel::sql_types::Text, _>(&text.body)
                    .bind::<diesel::sql_types::Text, _>(p.sha256.to_string())
                    .bind::<diesel::sql_types::BigInt, _>(line.index as i64)
                    .execute(&mut conn)
                    .unwrap();
            }
            Entry::Signature(sig) => {
                diesel::sql_query("INSERT INTO signatures (pact_id, nip, unit_code, signed_at, log_index) VALUES (?, ?, ?, '2024-01-10 02:00:00', ?)")
                    .bind::<diesel::sql_types::Text, _>(sig.claim.pact.as_str())
                    .bind::<diesel::sql_types::Text, _>(sig.claim.nip.as_str())
                    .bind::<diesel::sql_types::Text, _>(sig.claim.unit.as_str())
                    .bind::<diesel::sql_types::BigInt, _>(line.index as i64)
                    .execute(&mut conn)
                    .unwrap();
            }
            Entry::Key(_) => {}
        }
        diesel::sql_query("INSERT INTO log_entries (idx, kind, body, leaf_hash, appended_at) VALUES (?, ?, ?, ?, '2024-01-11 00:00:00')")
            .bind::<diesel::sql_types::BigInt, _>(line.index as i64)
            .bind::<diesel::sql_types::Text, _>(kind)
            .bind::<diesel::sql_types::Binary, _>(line.entry.as_bytes())
            .bind::<diesel::sql_types::Binary, _>(leaf_hash(line.entry.as_bytes()).0.as_slice())
            .execute(&mut conn)
            .unwrap();
    }
    diesel::sql_query("INSERT INTO log_head (id, size, root, checkpoint, signed_at) VALUES (1, ?, x'00', ?, '2024-01-11 00:00:00')")
        .bind::<diesel::sql_types::BigInt, _>(header.report.iter().map(|r| r.signed as i64).sum::<i64>() * 2 + 1)
        .bind::<diesel::sql_types::Text, _>(&header.checkpoint)
        .execute(&mut conn)
        .unwrap();
    conn.batch_execute("COMMIT;").unwrap();
}

fn main() {
    let n: u64 = std::env::var("IKRAR_BENCH_SIGNATURES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let bundle_path = dir.path().join("bundle.jsonl");
    let log_key = SigningKey::from_bytes(&[11u8; 32]);
    let signer = LogSigner::new(ORIGIN, log_key.clone()).unwrap();

    let started = Instant::now();
    let (size, sample) = write_bundle(&bundle_path, &signer, n);
    let bytes = std::fs::metadata(&bundle_path).unwrap().len();
    eprintln!(
        "bundle: {size} entries, {} MiB, {:.1} s",
        bytes >> 20,
        started.elapsed().as_secs_f64()
    );

    if let Ok(keep) = std::env::var("IKRAR_BENCH_KEEP") {
        std::fs::copy(&bundle_path, keep).unwrap();
    }
    let raw = raw_batch_rate(&sample, true);
    let raw_predecoded = raw_batch_rate(&sample, false);
    // Pinned to the log's key, as an auditor runs it.
    let key = signer.verifier_key();
    let (verify_s, verify_rss, verify_out) = timed(under_time(env!("CARGO_BIN_EXE_ikrar")).args([
        "verify",
        bundle_path.to_str().unwrap(),
        "--log-key",
        &key,
    ]));
    assert!(verify_out.contains("HASIL: SAH"), "{verify_out}");
    let verify_rate = n as f64 / verify_s;
    let in_page = std::env::var("IKRAR_BENCH_PAGE")
        .is_ok_and(|v| v == "1")
        .then(|| page::check(dir.path(), &bundle_path));
    let openssl = openssl_verify_rate();

    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    load_database(&data, &bundle_path, &log_key);
    let exported = dir.path().join("export.jsonl");
    let (export_s, export_rss, _) = timed(
        under_time(env!("CARGO_BIN_EXE_ikrar"))
            .args(["export", "bundle", exported.to_str().unwrap()])
            .env("IKRAR_DATA_DIR", &data)
            .env("IKRAR_ORIGIN", ORIGIN),
    );
    let (_, _, reverify) = timed(under_time(env!("CARGO_BIN_EXE_ikrar")).args([
        "verify",
        exported.to_str().unwrap(),
        "--log-key",
        &key,
    ]));
    assert!(reverify.contains("HASIL: SAH"), "{reverify}");

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "## ikrar verify and export: {n} signatures ({size} entries, {} MiB), {cores} cores",
        bytes >> 20
    );
    println!();
    println!("| measure | value |");
    println!("|---|---|");
    println!("| raw Ed25519 batch verify, all cores, keys decoded from bytes (ceiling) | {raw:.0} sig/s |");
    println!("| raw Ed25519 batch verify, all cores, keys decoded beforehand | {raw_predecoded:.0} sig/s |");
    println!("| `ikrar verify` (parse, rules, tree, batch verify) | {verify_rate:.0} sig/s in {verify_s:.1} s |");
    println!(
        "| `ikrar verify` / raw batch rate (keys from bytes) | **{:.2}** (goal ≥ 0.80) |",
        verify_rate / raw
    );
    if let Some((seconds, status)) = &in_page {
        assert_eq!(status, "sah", "the page's verdict");
        let rate = n as f64 / seconds;
        println!("| `/periksa` page in headless Chromium | {rate:.0} sig/s in {seconds:.1} s |");
        println!(
            "| **page / `ikrar verify`** | **{:.2}**, i.e. the page takes {:.1}× as long (goal ≤ 4×) |",
            rate / verify_rate,
            seconds / verify_s
        );
    }
    println!(
        "| `ikrar verify` / raw batch rate (keys decoded beforehand) | {:.2} |",
        verify_rate / raw_predecoded
    );
    println!(
        "| `ikrar verify` peak RSS | {} MiB (goal ≤ 256) |",
        verify_rss / 1024
    );
    match openssl {
        Some(rate) => {
            println!("| `openssl speed -seconds 3 ed25519` verify, one core | {rate:.0} sig/s |");
            println!(
                "| `ikrar verify` / openssl one-core verify | {:.2} |",
                verify_rate / rate
            );
        }
        None => println!("| openssl | not installed |"),
    }
    println!("| `ikrar export bundle`, {size} entries from SQLite | {export_s:.1} s (goal ≤ 10 s), peak RSS {} MiB |", export_rss / 1024);
    if let Err(e) = std::fs::remove_dir_all(dir.path()) {
        eprintln!("could not clean up: {e}");
    }
}
