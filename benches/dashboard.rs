//! Benchmark behind BENCHMARKS.md for the admin console at scale: a database with N employees
//! (default 1,000,000, `IKRAR_BENCH_EMPLOYEES`) in 40 units, all of whom signed over one
//! eight-hour ceremony day (times scattered across it, not in NIP order); the real
//! `ikrar serve` on loopback; dashboard latencies over 500 sequential requests (p50, p99); and
//! `ikrar export report --by employee` to CSV.
//!
//! Run: `cargo bench --bench dashboard`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests stop at the first surprise

mod common;

use common::{superadmin, until_up};
use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const REQUESTS: usize = 500;

fn ikrar(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ikrar"));
    cmd.env("IKRAR_DATA_DIR", dir).env_remove("DATABASE_URL");
    cmd
}

/// Fills the database the way a year of use would, in bulk.
fn fill(dir: &Path, employees: u64) {
    assert!(ikrar(dir).arg("migrate").status().unwrap().success());
    let mut conn = ikrar::db::Conn::Sqlite(
        SqliteConnection::establish(dir.join("ikrar.db").to_str().unwrap()).unwrap(),
    );
    let pact = ikrar_log::pact::Pact::default_pact();
    conn.batch_execute(&format!(
        "PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF; BEGIN;
         INSERT INTO log_entries (idx, kind, body, leaf_hash, appended_at) VALUES (0, 'pact', x'00', x'00', '2024-01-01 00:00:00');
         INSERT INTO pacts (id, title, body, sha256, published_at, log_index)
           VALUES ('netralitas-2024', '{title}', '{body}', '{digest}', '2024-01-01 00:00:00', 0);
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39)
           INSERT INTO units (code, name, instansi) SELECT 'UNIT-' || i, 'Unit kerja ' || i, 'Instansi ' || (i % 3) FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last})
           INSERT INTO employees (nip, name, kind, jabatan, unit_code, public_key, activated_at, created_at, updated_at)
           SELECT printf('%018d', i), 'Pegawai ' || i, CASE WHEN i % 10 < 7 THEN 'PNS' ELSE 'PPPK' END, 'Jabatan',
                  'UNIT-' || (i % 40), x'00', '2024-01-02 00:00:00', '2024-01-01 00:00:00', '2024-01-01 00:00:00' FROM n;
         INSERT INTO signatures (pact_id, nip, unit_code, signed_at, log_index)
           SELECT 'netralitas-2024', nip, unit_code,
                  datetime('2024-01-10 01:00:00', '+' || (rowid * 7919 % 28800) || ' seconds'), rowid
           FROM employees;
         COMMIT;",
        last = employees - 1,
        title = pact.title.replace('\'', "''"),
        body = pact.body.replace('\'', "''"),
        digest = pact.digest(),
    ))
    .unwrap();
    ikrar::db::counts::rebuild(&mut conn).unwrap();
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

/// (p50 ms, p99 ms) of `REQUESTS` sequential GETs.
async fn latencies(client: &reqwest::Client, url: &str) -> (f64, f64) {
    let mut times = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let started = Instant::now();
        let res = client.get(url).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        res.bytes().await.unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    (percentile(&times, 0.50), percentile(&times, 0.99))
}

fn main() {
    let employees: u64 = std::env::var("IKRAR_BENCH_EMPLOYEES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    fill(dir.path(), employees);
    eprintln!(
        "filled {employees} employees and signatures in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = ikrar(dir.path())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let rows = runtime.block_on(async {
        until_up(&base).await;
        let client = superadmin(ikrar(dir.path()), &base).await;
        let mut rows = Vec::new();
        for (name, path) in [
            (
                "dashboard per unit and instansi",
                "/admin/pakta/netralitas-2024",
            ),
            (
                "dashboard filtered by jenis (PPPK)",
                "/admin/pakta/netralitas-2024?jenis=PPPK",
            ),
            ("pact list with totals", "/admin"),
            (
                "one unit's employees, page 1",
                "/admin/pakta/netralitas-2024/unit/UNIT-7",
            ),
        ] {
            let (p50, p99) = latencies(&client, &format!("{base}{path}")).await;
            rows.push(format!(
                "| `GET {path}` ({name}) | {p50:.1} ms | **{p99:.1} ms** |"
            ));
        }
        rows
    });
    let _ = server.kill();
    let _ = server.wait();

    let csv = dir.path().join("daftar.csv");
    let started = Instant::now();
    let out = ikrar(dir.path())
        .args([
            "export",
            "report",
            csv.to_str().unwrap(),
            "--pact",
            "netralitas-2024",
            "--by",
            "employee",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv_seconds = started.elapsed().as_secs_f64();
    let lines = std::fs::read_to_string(&csv).unwrap().lines().count() - 1;

    println!("## Admin console: {employees} employees, all signed, 40 units, {REQUESTS} sequential requests each");
    println!();
    println!("| request | p50 | p99 (goal ≤ 50 ms) |");
    println!("|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    println!();
    println!("| export | time |");
    println!("|---|---|");
    println!("| `ikrar export report daftar.csv --by employee`, {lines} rows | **{csv_seconds:.2} s** (goal ≤ 3 s) |");
}
