//! Load generator: a ceremony morning. Generates a roster of N employees
//! (`ikrar roster sample`), imports it, starts the real `ikrar serve` on loopback, then
//! with C concurrent clients over HTTP activates every employee and has every one sign the default
//! pact, counting every error and measuring throughput and latency (p50/p95/p99). It also measures
//! the raw Argon2id rate at the same parameters on every core, the ceiling for both phases, since
//! each activation and each signature costs exactly one derivation: both ikrar's own derivation
//! loop (memory reused and wiped; the strict ceiling) and the argon2 crate's plain
//! `hash_password_into` (fresh memory per call). The machine's speed drifts, so the raw rates are
//! measured right before and right after each phase, and each phase is compared with the mean of
//! its two neighbours. The server's Argon2id threads' own CPU time is read from `/proc` too: their
//! share of the machine, and what a derivation cost them under load against alone, are the two
//! factors the ratio is made of.
//!
//! Run: `cargo bench --bench load`. Settings: `IKRAR_LOAD_EMPLOYEES` (8100),
//! `IKRAR_LOAD_CLIENTS` (64), `IKRAR_LOAD_SERVERS` (1: app servers sharing the data, the clients
//! spread over them), `IKRAR_LOAD_ARGON2` (`m=19456,t=2,p=1`, the production default),
//! `IKRAR_APPEND_BATCH` (passed to the servers), `IKRAR_LOAD_DATABASE_URL` (unset: SQLite in a
//! temporary directory; `postgres://…/db[?settings]`: a PostgreSQL server, on which each run
//! makes its own fresh database `ikrar_load_N`, reached with the same settings).
//!
//! `IKRAR_LOAD_COMPARE=1` runs the group-commit comparison instead, in one go: at 64 and 256
//! clients, batching on (`IKRAR_APPEND_BATCH` unset) against one entry per transaction
//! (`IKRAR_APPEND_BATCH=1`), then the same through four servers, each on fresh data.
//!
//! `IKRAR_LOAD_SCRAPE=1` has a Prometheus scraper read `/metrics` every second during the load;
//! `IKRAR_LOAD_HANGING_WITNESS=1` has the server ask a witness that never answers.
//! `IKRAR_LOAD_SCRAPE_COMPARE=1` and `IKRAR_LOAD_WITNESS_COMPARE=1` run without and with each,
//! interleaved, and give the ratio of the signing rates.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests stop at the first surprise

mod common;

use common::*;
use ikrar::keys::Argon2Params;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// On PostgreSQL, writes out the pages earlier work left dirty (`CHECKPOINT`), so that a
/// checkpoint set off by an earlier run or by the import (every five minutes, or after 1 GB of
/// WAL) does not fall inside the phase about to be measured: the phases of one comparison then
/// start alike.
fn settle_database() {
    use diesel::connection::SimpleConnection;
    if let Some(server) = postgres() {
        let mut admin = ikrar::db::establish_postgres(&server).expect("PostgreSQL server");
        admin
            .batch_execute("CHECKPOINT")
            .expect("CHECKPOINT on the PostgreSQL server");
    }
}

/// The raw Argon2id speed at some moment: derivations per wall second on every core, and CPU
/// seconds per derivation (steadier than wall time on a shared machine).
struct Raw {
    rate: f64,
    cpu_per_derivation: f64,
}

/// Which derivation loop a raw rate measures.
#[derive(Clone, Copy)]
enum Derivation {
    /// ikrar's own: memory kept per thread and wiped after each use (the strict ceiling).
    Ikrar,
    /// The argon2 crate's plain `hash_password_into`, fresh memory per call.
    Plain,
}

/// Derives on every core at `params` the `how` way for about five seconds.
fn raw_argon2(params: Argon2Params, how: Derivation) -> Raw {
    let plain = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(params.m_cost, params.t_cost, params.p_cost, Some(32)).unwrap(),
    );
    let derive = || match how {
        Derivation::Ikrar => drop(
            params
                .derive(PASSPHRASE.as_bytes(), b"0123456789abcdef")
                .unwrap(),
        ),
        Derivation::Plain => plain
            .hash_password_into(PASSPHRASE.as_bytes(), b"0123456789abcdef", &mut [0u8; 32])
            .unwrap(),
    };
    let cpu_before = cpu_seconds("self");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let done = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while started.elapsed() < Duration::from_secs(5) {
                    derive();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    let done = done.load(Ordering::Relaxed) as f64;
    Raw {
        rate: done / started.elapsed().as_secs_f64(),
        cpu_per_derivation: (cpu_seconds("self") - cpu_before) / done,
    }
}

/// Both raw rates, measured one after the other.
fn raw_rates(params: Argon2Params) -> [Raw; 2] {
    [
        raw_argon2(params, Derivation::Ikrar),
        raw_argon2(params, Derivation::Plain),
    ]
}

/// The outcome of one phase.
struct Phase {
    name: &'static str,
    ok: usize,
    errors: usize,
    seconds: f64,
    latencies: Vec<Duration>,
    /// CPU seconds used during the phase by the server, this load generator and PostgreSQL.
    server_cpu: f64,
    generator_cpu: f64,
    database_cpu: f64,
    /// CPU seconds the servers' Argon2id threads (`ikrar-argon2-N`) used during the phase.
    argon2_cpu: f64,
}

/// CPU seconds (user + system) a process has used so far, from `/proc/PID/stat`; with
/// `children`, also what its exited and reaped children used.
fn process_cpu(pid: &str, children: bool) -> f64 {
    stat_cpu(&format!("/proc/{pid}/stat"), children)
}

/// CPU seconds a process has used so far.
fn cpu_seconds(pid: &str) -> f64 {
    process_cpu(pid, false)
}

/// CPU seconds every PostgreSQL process on this machine has used so far (the postmaster counts
/// the backends that have exited); 0 when none runs here.
fn database_cpu() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.starts_with("postgres"))
        })
        .map(|pid| process_cpu(&pid, true))
        .sum()
}

impl Phase {
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let i =
            ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len()) - 1;
        self.latencies[i].as_secs_f64() * 1000.0
    }
}

/// CPU seconds the servers have used so far.
fn servers_cpu(pids: &[String]) -> f64 {
    pids.iter().map(|pid| cpu_seconds(pid)).sum()
}

/// CPU seconds the servers' Argon2id threads have used so far.
fn servers_argon2_cpu(pids: &[String]) -> f64 {
    pids.iter().map(|pid| argon2_threads_cpu(pid)).sum()
}

async fn run_phase(
    name: &'static str,
    bases: &[String],
    people: &[(String, String)],
    clients: usize,
    server_pids: &[String],
) -> Phase {
    let (server_cpu, generator_cpu, database, argon2_cpu) = (
        servers_cpu(server_pids),
        cpu_seconds("self"),
        database_cpu(),
        servers_argon2_cpu(server_pids),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let people = Arc::new(people.to_vec());
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let base = bases[c % bases.len()].clone();
            let (next, people) = (next.clone(), people.clone());
            tokio::spawn(async move {
                let client = browser();
                let mut results = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((nip, code)) = people.get(i) else {
                        break;
                    };
                    let begun = Instant::now();
                    let ok = step(&client, &base, name, nip, code).await;
                    results.push((ok, begun.elapsed()));
                }
                results
            })
        })
        .collect();
    let mut phase = Phase {
        name,
        ok: 0,
        errors: 0,
        seconds: 0.0,
        latencies: Vec::new(),
        server_cpu: 0.0,
        generator_cpu: 0.0,
        database_cpu: 0.0,
        argon2_cpu: 0.0,
    };
    for worker in workers {
        for (ok, latency) in worker.await.unwrap() {
            if ok {
                phase.ok += 1;
            } else {
                phase.errors += 1;
            }
            phase.latencies.push(latency);
        }
    }
    phase.seconds = started.elapsed().as_secs_f64();
    phase.latencies.sort();
    phase.server_cpu = servers_cpu(server_pids) - server_cpu;
    phase.generator_cpu = cpu_seconds("self") - generator_cpu;
    phase.database_cpu = database_cpu() - database;
    phase.argon2_cpu = servers_argon2_cpu(server_pids) - argon2_cpu;
    phase
}

/// One run's shape: how many clients, servers and entries per transaction (`None`: the
/// servers' default).
#[derive(Clone, Copy)]
struct Shape {
    clients: usize,
    servers: usize,
    batch: Option<usize>,
    /// A Prometheus scraper asks the (first) server's `/metrics` every second meanwhile: the
    /// health figures it reads are the health page's (`service::health::look`).
    scrape: bool,
    /// The servers ask a witness that takes every connection and never answers.
    hanging_witness: bool,
}

/// What one run measured.
struct Run {
    phases: [Phase; 2],
    verifies: bool,
    /// The raw rates before the first phase, between the two and after the second (empty
    /// unless asked for).
    raw: Vec<[Raw; 2]>,
}

/// Imports `employees` on fresh data, starts the servers, activates everyone and has everyone
/// sign, then checks that the exported bundle verifies. With `raw`, the raw Argon2id rates at
/// those parameters are measured right before and after each phase, the servers idle.
fn run(n: usize, employees: usize, argon2: &str, shape: Shape, raw: Option<Argon2Params>) -> Run {
    let data = Data::fresh(n);
    let people = data.with_roster(employees, argon2);

    let mut servers = Vec::new();
    let mut bases = Vec::new();
    let metrics_port = free_port();
    for s in 0..shape.servers {
        let port = free_port();
        let mut serve = data.ikrar(argon2);
        serve
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match shape.batch {
            Some(batch) => serve.env("IKRAR_APPEND_BATCH", batch.to_string()),
            None => serve.env_remove("IKRAR_APPEND_BATCH"),
        };
        if shape.hanging_witness {
            serve.env("IKRAR_WITNESSES", hanging_witness());
        }
        if shape.scrape && s == 0 {
            serve.env("IKRAR_METRICS_BIND", format!("127.0.0.1:{metrics_port}"));
        }
        servers.push(serve.spawn().unwrap());
        bases.push(format!("http://127.0.0.1:{port}"));
    }
    let pids: Vec<String> = servers.iter().map(|s| s.id().to_string()).collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut raws = Vec::new();
    let mut measure_raw = || raws.extend(raw.map(raw_rates));
    let phases = runtime.block_on(async {
        for base in &bases {
            until_up(base).await;
        }
        let scraper = shape.scrape.then(|| {
            tokio::spawn(async move {
                let url = format!("http://127.0.0.1:{metrics_port}/metrics");
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if let Ok(res) = reqwest::get(&url).await {
                        assert!(
                            res.status().is_success(),
                            "/metrics answered {}",
                            res.status()
                        );
                        let _ = res.bytes().await;
                    }
                }
            })
        });
        settle_database();
        measure_raw();
        let activation = run_phase("aktivasi", &bases, &people, shape.clients, &pids).await;
        settle_database();
        measure_raw();
        let signing = run_phase("tanda-tangan", &bases, &people, shape.clients, &pids).await;
        if let Some(scraper) = scraper {
            scraper.abort();
        }
        measure_raw();
        [activation, signing]
    });
    for server in &mut servers {
        let _ = server.kill();
        let _ = server.wait();
    }
    let bundle = data.dir.path().join("bundle.jsonl");
    let export = data
        .ikrar(argon2)
        .args(["export", "bundle", bundle.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(export.status.success());
    let verify = data
        .ikrar(argon2)
        .args(["verify", bundle.to_str().unwrap()])
        .output()
        .unwrap();
    Run {
        phases,
        verifies: verify.status.success(),
        raw: raws,
    }
}

fn backend() -> &'static str {
    if postgres().is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

/// Group commit against one entry per transaction, at 64 and 256 clients, then four servers.
fn compare(employees: usize, argon2: &str) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "## Group commit: {employees} employees, Argon2id {argon2}, {cores} cores, {}",
        backend()
    );
    println!();
    println!("| clients | servers | entries per transaction | phase | done | errors | wall | per second | p50 | p99 | ratio to one per transaction | bundle verifies |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let shapes = [(64, 1), (256, 1), (64, 4), (256, 4)];
    let mut n = 0;
    for (clients, servers) in shapes {
        let mut rates = Vec::new();
        for batch in [None, Some(1)] {
            n += 1;
            let run = run(
                n,
                employees,
                argon2,
                Shape {
                    clients,
                    servers,
                    batch,
                    scrape: false,
                    hanging_witness: false,
                },
                None,
            );
            rates.push(run.phases.each_ref().map(|p| p.ok as f64 / p.seconds));
            for (i, p) in run.phases.iter().enumerate() {
                let rate = p.ok as f64 / p.seconds;
                let ratio = match batch {
                    None => String::new(),
                    Some(_) => format!("{:.2}×", rates[0][i] / rate),
                };
                println!(
                    "| {clients} | {servers} | {} | {} | {} | {} | {:.1} s | {rate:.0} | {:.0} ms | {:.0} ms | {ratio} | {} |",
                    batch.map_or(format!("≤ {}", ikrar::config::DEFAULT_APPEND_BATCH), |b| b.to_string()),
                    p.name,
                    p.ok,
                    p.errors,
                    p.seconds,
                    p.percentile(0.50),
                    p.percentile(0.99),
                    run.verifies,
                );
            }
        }
    }
}

/// A witness that takes every connection and never answers, for the whole bench: its
/// `IKRAR_WITNESSES` entry (`KEY URL`).
fn hanging_witness() -> String {
    static WITNESS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    WITNESS
        .get_or_init(|| {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port();
            std::thread::spawn(move || {
                // Accepted and held, never read or answered.
                let mut held = Vec::new();
                for connection in listener.incoming() {
                    held.push(connection);
                }
            });
            let key = ikrar_log::cosignature::WitnessSigner::new(
                "saksi.macet.test",
                ed25519_dalek::SigningKey::from_bytes(&[9; 32]),
            )
            .unwrap()
            .verifier_key();
            format!("{key} http://127.0.0.1:{port}")
        })
        .clone()
}

/// What one thing costs the signing rate: runs without and with it (`on` sets it in the run's
/// shape), interleaved (off, on, off, on) so that the machine's drift falls on both.
fn interleaved(what: &str, employees: usize, clients: usize, argon2: &str, on: fn(&mut Shape)) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "## Signing with and without {what}: {employees} employees, {clients} clients, Argon2id {argon2}, {cores} cores, {}",
        backend()
    );
    println!();
    println!("| run | {what} | activations per second | signatures per second | bundle verifies |");
    println!("|---|---|---|---|---|");
    let mut rates: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for (n, with) in [false, true, false, true].into_iter().enumerate() {
        let mut shape = Shape {
            clients,
            servers: 1,
            batch: None,
            scrape: false,
            hanging_witness: false,
        };
        if with {
            on(&mut shape);
        }
        let run = run(100 + n, employees, argon2, shape, None);
        let [activation, signing] = run.phases.each_ref().map(|p| p.ok as f64 / p.seconds);
        rates[usize::from(with)].push(signing);
        println!(
            "| {} | {} | {activation:.1} | {signing:.1} | {} |",
            n + 1,
            if with { "with" } else { "without" },
            run.verifies
        );
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!();
    println!(
        "Signing with {what}: {:.3} of the rate without ({:.1} against {:.1} signatures per second).",
        mean(&rates[1]) / mean(&rates[0]),
        mean(&rates[1]),
        mean(&rates[0])
    );
}

fn main() {
    let employees: usize = setting("IKRAR_LOAD_EMPLOYEES", 8100);
    let clients: usize = setting("IKRAR_LOAD_CLIENTS", 64);
    let servers: usize = setting("IKRAR_LOAD_SERVERS", 1);
    let argon2: String = setting("IKRAR_LOAD_ARGON2", Argon2Params::DEFAULT.to_string());
    let params: Argon2Params = argon2.parse().expect("IKRAR_LOAD_ARGON2");
    if std::env::var("IKRAR_LOAD_COMPARE").is_ok_and(|v| v == "1") {
        compare(employees, &argon2);
        return;
    }
    if std::env::var("IKRAR_LOAD_SCRAPE_COMPARE").is_ok_and(|v| v == "1") {
        let on = |shape: &mut Shape| shape.scrape = true;
        interleaved(
            "a /metrics scraper every second",
            employees,
            clients,
            &argon2,
            on,
        );
        return;
    }
    if std::env::var("IKRAR_LOAD_WITNESS_COMPARE").is_ok_and(|v| v == "1") {
        let on = |shape: &mut Shape| shape.hanging_witness = true;
        interleaved(
            "a witness that never answers",
            employees,
            clients,
            &argon2,
            on,
        );
        return;
    }
    let batch = std::env::var("IKRAR_APPEND_BATCH")
        .ok()
        .and_then(|b| b.parse().ok());
    let Run {
        phases,
        verifies: verify,
        raw: raws,
    } = run(
        0,
        employees,
        &argon2,
        Shape {
            clients,
            servers,
            batch,
            scrape: std::env::var("IKRAR_LOAD_SCRAPE").is_ok_and(|v| v == "1"),
            hanging_witness: std::env::var("IKRAR_LOAD_HANGING_WITNESS").is_ok_and(|v| v == "1"),
        },
        Some(params),
    );
    // Each phase against the mean of the raw rates measured right before and right after it.
    let around = |phase: usize, how: usize, value: fn(&Raw) -> f64| {
        (value(&raws[phase][how]) + value(&raws[phase + 1][how])) / 2.0
    };

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("## Load: {employees} employees, {clients} concurrent clients, {servers} server(s), Argon2id {params}, {cores} cores, {}", backend());
    println!();
    println!(
        "| phase | done | errors | wall | per second | ratio to ikrar's derivation loop | ratio to plain argon2 | p50 | p95 | p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (i, p) in phases.iter().enumerate() {
        let rate = p.ok as f64 / p.seconds;
        println!(
            "| {} | {} | {} | {:.1} s | {:.1} | {:.2} | {:.2} | {:.0} ms | {:.0} ms | {:.0} ms |",
            p.name,
            p.ok,
            p.errors,
            p.seconds,
            rate,
            rate / around(i, 0, |r| r.rate),
            rate / around(i, 1, |r| r.rate),
            p.percentile(0.50),
            p.percentile(0.95),
            p.percentile(0.99)
        );
    }
    println!();
    let rates = |how: usize| {
        raws.iter()
            .map(|r| format!("{:.1}", r[how].rate))
            .collect::<Vec<_>>()
            .join(" → ")
    };
    println!("Raw Argon2id at the same parameters on all cores, measured before, between and after the phases (derivations/s): ikrar's derivation loop {}; the argon2 crate's plain hash_password_into {}. Exported bundle verifies: {verify}.", rates(0), rates(1));
    println!();
    println!("Where the CPU went (seconds of CPU; the machine had {cores} × wall). The ratio to ikrar's loop is about the Argon2id threads' share of the machine times what a derivation cost alone over what it cost under load:");
    println!();
    println!("| phase | available | server | of which its Argon2id threads | Argon2id threads' share of the machine | CPU per derivation under load / alone | load generator | PostgreSQL | rest (kernel, idle) | database CPU per request |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (i, phase) in phases.iter().enumerate() {
        let available = cores as f64 * phase.seconds;
        let under_load = phase.argon2_cpu / phase.ok.max(1) as f64;
        let alone = around(i, 0, |r| r.cpu_per_derivation);
        println!(
            "| {} | {available:.0} s | {:.0} s | {:.0} s | {:.2} | {:.1} / {:.1} ms | {:.0} s | {:.0} s | {:.0} s | {:.2} ms |",
            phase.name,
            phase.server_cpu,
            phase.argon2_cpu,
            phase.argon2_cpu / available,
            under_load * 1000.0,
            alone * 1000.0,
            phase.generator_cpu,
            phase.database_cpu,
            available - phase.server_cpu - phase.generator_cpu - phase.database_cpu,
            phase.database_cpu * 1000.0 / phase.ok.max(1) as f64,
        );
    }
}
