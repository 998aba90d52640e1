//! Soak: a ceremony morning held for a quarter of an hour at production Argon2id, to show that
//! nothing grows while it lasts. The real `ikrar serve` on fresh data with a generated roster;
//! C clients activate and sign, one employee after another, as fast as the server answers;
//! meanwhile a superadmin's console reads the pact's dashboard every 2 s and the health
//! page's figures every 5 s, downloads a report every 30 s (CSV and XLSX, by employee, in
//! turn) and the export bundle every 60 s, and Prometheus reads `/metrics` every 15 s. Every
//! minute it records the server's resident memory, its open files, the p50 and p99 of
//! signing and activation in that minute, and the CPU one derivation cost the server's Argon2id
//! threads (the machine's own speed, which the rate and a closed loop's latency follow); at
//! the end it compares the last three minutes with minutes 2–4 (the first is warm-up), counts
//! every error, and verifies the exported bundle.
//!
//! Run: `cargo bench --bench soak`. Settings: `IKRAR_SOAK_MINUTES` (15), `IKRAR_LOAD_CLIENTS`
//! (32), `IKRAR_SOAK_EMPLOYEES` (60000: more than the clients reach), `IKRAR_LOAD_ARGON2`
//! (`m=19456,t=2,p=1`), `IKRAR_LOAD_DATABASE_URL` (unset: SQLite; `postgres://…`: a fresh
//! database on that server).
#![allow(clippy::unwrap_used, clippy::expect_used)] // benches stop at the first surprise

mod common;

use common::*;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What happened in one minute of the soak.
#[derive(Default, Clone)]
struct Minute {
    signing: Vec<Duration>,
    activation: Vec<Duration>,
    console: Vec<Duration>,
    downloads: usize,
    errors: usize,
    rss_mib: f64,
    open_files: usize,
    /// CPU seconds the server's Argon2id threads used in the minute.
    argon2_cpu: f64,
}

impl Minute {
    /// Milliseconds of CPU one derivation cost the Argon2id threads this minute: what the
    /// machine's speed did, apart from the server.
    fn derivation_ms(&self) -> f64 {
        let derivations = (self.activation.len() + self.signing.len()).max(1);
        self.argon2_cpu * 1000.0 / derivations as f64
    }

    fn row(&self, n: usize) -> String {
        format!(
            "| {n} | {} | {} | {:.0} / {:.0} ms | {:.0} / {:.0} ms | {:.0} ms | {} | {} | {:.0} MiB | {} | {:.1} ms |",
            self.activation.len(),
            self.signing.len(),
            percentile(&self.activation, 0.50),
            percentile(&self.activation, 0.99),
            percentile(&self.signing, 0.50),
            percentile(&self.signing, 0.99),
            percentile(&self.console, 0.99),
            self.downloads,
            self.errors,
            self.rss_mib,
            self.open_files,
            self.derivation_ms(),
        )
    }
}

/// The `q` quantile of `times`, in milliseconds (0 when there are none).
fn percentile(times: &[Duration], q: f64) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort();
    match sorted.len() {
        0 => 0.0,
        n => sorted[((n - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0,
    }
}

/// The minutes so far, the last one being filled.
type Record = Arc<Mutex<Vec<Minute>>>;

fn note(record: &Record, what: impl FnOnce(&mut Minute)) {
    if let Some(minute) = record.lock().unwrap().last_mut() {
        what(minute);
    }
}

/// Resident memory of a process, in MiB (`VmRSS` in `/proc/PID/status`).
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// Open file descriptors of a process (sockets, the database, the log key…).
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// Reads `paths` in turn with the console's session, one every `every`, until aborted;
/// downloads count as such.
async fn keep_reading(
    client: reqwest::Client,
    base: String,
    paths: Vec<&'static str>,
    every: Duration,
    record: Record,
) {
    for turn in 0.. {
        let path = paths[turn % paths.len()];
        let begun = Instant::now();
        let ok = match client.get(format!("{base}{path}")).send().await {
            Ok(res) if res.status() == 200 => res.bytes().await.is_ok(),
            _ => false,
        };
        let took = begun.elapsed();
        let download = path.contains("laporan") || path.contains("bundle");
        note(&record, |m| match (ok, download) {
            (false, _) => m.errors += 1,
            (true, true) => m.downloads += 1,
            (true, false) => m.console.push(took),
        });
        tokio::time::sleep(every.saturating_sub(took)).await;
    }
}

fn main() {
    let minutes: usize = setting("IKRAR_SOAK_MINUTES", 15);
    let clients: usize = setting("IKRAR_LOAD_CLIENTS", 32);
    let employees: usize = setting("IKRAR_SOAK_EMPLOYEES", 60_000);
    let argon2: String = setting("IKRAR_LOAD_ARGON2", "m=19456,t=2,p=1".to_owned());
    assert!(
        minutes >= 6,
        "the soak compares minutes 2–4 with the last three: at least 6"
    );
    let data = Data::fresh(0);
    let people = Arc::new(data.with_roster(employees, &argon2));
    let port = free_port();
    let metrics_port = free_port();
    let mut server = data
        .ikrar(&argon2)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("IKRAR_METRICS_BIND", format!("127.0.0.1:{metrics_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = server.id();
    let base = format!("http://127.0.0.1:{port}");
    let record: Record = Arc::default();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let signed = runtime.block_on(async {
        until_up(&base).await;
        let admin = superadmin(data.ikrar(&argon2), &base).await;
        let stop = Arc::new(AtomicBool::new(false));
        record.lock().unwrap().push(Minute::default());
        let next = Arc::new(AtomicUsize::new(0));
        let signed = Arc::new(AtomicUsize::new(0));
        let mut signers = Vec::new();
        for _ in 0..clients {
            let (base, people, next, stop, record, signed) = (
                base.clone(),
                people.clone(),
                next.clone(),
                stop.clone(),
                record.clone(),
                signed.clone(),
            );
            signers.push(tokio::spawn(async move {
                let client = browser();
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((nip, code)) = people.get(i) else {
                        eprintln!("the roster ran out: raise IKRAR_SOAK_EMPLOYEES");
                        return;
                    };
                    for phase in ["aktivasi", "tanda-tangan"] {
                        let begun = Instant::now();
                        let ok = step(&client, &base, phase, nip, code).await;
                        let took = begun.elapsed();
                        note(&record, |m| match (ok, phase) {
                            (false, _) => m.errors += 1,
                            (true, "aktivasi") => m.activation.push(took),
                            (true, _) => m.signing.push(took),
                        });
                        if !ok {
                            break;
                        }
                        if phase == "tanda-tangan" {
                            signed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
        let readers = [
            (vec!["/admin/pakta/netralitas-2024"], Duration::from_secs(2)),
            (vec!["/admin/kesehatan/angka"], Duration::from_secs(5)),
            (
                vec![
                    "/admin/pakta/netralitas-2024/laporan?per=pegawai&format=csv",
                    "/admin/pakta/netralitas-2024/laporan?per=pegawai&format=xlsx",
                ],
                Duration::from_secs(30),
            ),
            (vec!["/admin/bundle"], Duration::from_secs(60)),
        ];
        let mut reading = Vec::new();
        for (paths, every) in readers {
            reading.push(tokio::spawn(keep_reading(
                admin.clone(),
                base.clone(),
                paths,
                every,
                record.clone(),
            )));
        }
        let scraper = reqwest::Client::new();
        let metrics = format!("http://127.0.0.1:{metrics_port}/metrics");
        let started = Instant::now();
        let pid_text = pid.to_string();
        let mut argon2_before = argon2_threads_cpu(&pid_text);
        for n in 1..=minutes {
            for _ in 0..4 {
                tokio::time::sleep(Duration::from_secs(15)).await;
                let ok = matches!(scraper.get(&metrics).send().await, Ok(r) if r.status() == 200);
                note(&record, |m| m.errors += usize::from(!ok));
            }
            let mut record = record.lock().unwrap();
            let minute = record.last_mut().unwrap();
            minute.rss_mib = rss_mib(pid);
            minute.open_files = open_files(pid);
            let argon2_now = argon2_threads_cpu(&pid_text);
            minute.argon2_cpu = argon2_now - argon2_before;
            argon2_before = argon2_now;
            eprintln!("{}", minute.row(n));
            if n < minutes {
                record.push(Minute::default());
            }
        }
        stop.store(true, Ordering::Relaxed);
        for reader in reading {
            reader.abort();
        }
        for signer in signers {
            let _ = tokio::time::timeout(Duration::from_secs(300), signer).await;
        }
        eprintln!("soak over after {:.0} s", started.elapsed().as_secs_f64());
        signed.load(Ordering::Relaxed)
    });
    let _ = server.kill();
    let _ = server.wait();
    let bundle = data.dir.path().join("bundle.jsonl");
    let export = data
        .ikrar(&argon2)
        .args(["export", "bundle", bundle.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(export.status.success());
    let verify = data
        .ikrar(&argon2)
        .args(["verify", bundle.to_str().unwrap()])
        .output()
        .unwrap();

    let record = record.lock().unwrap();
    let backend = if data.database.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "## Soak: {minutes} minutes, {backend}, Argon2id {argon2}, {clients} signing clients, {cores} cores"
    );
    println!();
    println!("| minute | activations | signatures | activation p50 / p99 | signing p50 / p99 | console p99 | downloads | errors | server RSS | open files | CPU per derivation |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (n, minute) in record.iter().enumerate() {
        println!("{}", minute.row(n + 1));
    }
    println!();
    // Minutes 2–4 against the last three (the first warms caches and the allocator up).
    let window = |from: usize| {
        let minutes = &record[from.min(record.len())..(from + 3).min(record.len())];
        let mean = |f: &dyn Fn(&Minute) -> f64| {
            minutes.iter().map(f).sum::<f64>() / minutes.len().max(1) as f64
        };
        let signing: Vec<Duration> = minutes.iter().flat_map(|m| m.signing.clone()).collect();
        (
            mean(&|m| m.rss_mib),
            mean(&|m| m.open_files as f64),
            percentile(&signing, 0.99),
            mean(&|m| m.signing.len() as f64),
            mean(&|m| m.derivation_ms()),
        )
    };
    let early = window(1);
    let late = window(record.len() - 3);
    let errors: usize = record.iter().map(|m| m.errors).sum();
    println!("| over the soak | minutes 2–4 | last three | last / first |");
    println!("|---|---|---|---|");
    for (what, a, b) in [
        ("server RSS (MiB)", early.0, late.0),
        ("open files", early.1, late.1),
        ("signing p99 (ms)", early.2, late.2),
        ("signatures per minute", early.3, late.3),
        ("CPU per derivation (ms)", early.4, late.4),
    ] {
        println!(
            "| {what} | {a:.1} | {b:.1} | **{:.2}** |",
            b / a.max(f64::MIN_POSITIVE)
        );
    }
    println!();
    println!(
        "{signed} signed; {errors} errors; the exported bundle {}",
        if verify.status.success() {
            "verifies"
        } else {
            "DOES NOT verify"
        }
    );
}
