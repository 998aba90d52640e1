//! What the load benches share: fresh data on either backend with a roster imported, the
//! `ikrar` binary on it, and an employee's activation or signing over HTTP as a phone does it.
#![allow(dead_code)] // each bench uses a different part

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

pub const PASSPHRASE: &str = "jeruk lampu sepeda awan";
/// The benches' superadmin's password.
pub const PASSWORD: &str = "kuda lari di pantai pagi";

/// A setting from the environment, or `default`.
pub fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Where a run keeps its data: a directory, and on PostgreSQL a database of its own.
pub struct Data {
    pub dir: tempfile::TempDir,
    pub database: Option<String>,
}

impl Data {
    /// Fresh data for run `n`: an empty directory, and on PostgreSQL a new empty database.
    pub fn fresh(n: usize) -> Data {
        let database = postgres().map(|server| {
            use diesel::connection::SimpleConnection;
            let name = format!("ikrar_load_{n}");
            let mut admin = ikrar::db::establish_postgres(&server).expect("PostgreSQL server");
            admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .and_then(|()| admin.batch_execute(&format!("CREATE DATABASE {name}")))
                .expect("a fresh database");
            // The database's name is swapped; the settings after it (`?sslmode=…`, `?host=…`)
            // are kept.
            let (path, settings) = match server.split_once('?') {
                Some((path, settings)) => (path, format!("?{settings}")),
                None => (server.as_str(), String::new()),
            };
            let (base, _) = path.rsplit_once('/').expect("postgres://host/db");
            format!("{base}/{name}{settings}")
        });
        Data {
            dir: tempfile::tempdir().unwrap(),
            database,
        }
    }

    /// The `ikrar` binary on this data.
    pub fn ikrar(&self, argon2: &str) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ikrar"));
        cmd.env("IKRAR_DATA_DIR", self.dir.path())
            .env("IKRAR_ARGON2", argon2)
            .env("IKRAR_ALLOW_WEAK_ARGON2", "1");
        match &self.database {
            Some(url) => cmd.env("DATABASE_URL", url),
            None => cmd.env_remove("DATABASE_URL"),
        };
        cmd
    }

    /// Imports a generated roster of `employees` (after `ikrar migrate`); returns each
    /// employee's NIP and activation code.
    pub fn with_roster(&self, employees: usize, argon2: &str) -> Vec<(String, String)> {
        let roster = self.dir.path().join("roster.csv");
        let generated = Command::new(env!("CARGO_BIN_EXE_ikrar"))
            .args(["roster", "sample", "--count", &employees.to_string()])
            .output()
            .expect("ikrar roster sample");
        std::fs::write(&roster, generated.stdout).unwrap();
        let codes_path = self.dir.path().join("codes.csv");
        let migrate = self.ikrar(argon2).arg("migrate").output().unwrap();
        assert!(migrate.status.success(), "ikrar migrate: {migrate:?}");
        let import = self
            .ikrar(argon2)
            .args([
                "roster",
                "import",
                roster.to_str().unwrap(),
                "--codes-out",
                codes_path.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(
            import.status.success(),
            "{}",
            String::from_utf8_lossy(&import.stderr)
        );
        let mut reader = csv::Reader::from_path(&codes_path).unwrap();
        reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_owned(), r[1].to_owned())
            })
            .collect()
    }
}

/// The PostgreSQL server to load, if not SQLite.
pub fn postgres() -> Option<String> {
    std::env::var("IKRAR_LOAD_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

/// CPU seconds in a `stat` file of `/proc` (a process's or a thread's).
pub fn stat_cpu(path: &str, children: bool) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3; utime, stime,
    // cutime and cstime are fields 14 to 17, in clock ticks of 1/100 s on Linux.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let own = ticks(11) + ticks(12);
    let reaped = if children { ticks(13) + ticks(14) } else { 0.0 };
    (own + reaped) / 100.0
}

/// CPU seconds the Argon2id threads of the server `pid` have used so far.
pub fn argon2_threads_cpu(pid: &str) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    tasks
        .flatten()
        .map(|t| t.path())
        .filter(|t| {
            std::fs::read_to_string(t.join("comm"))
                .is_ok_and(|comm| comm.starts_with("ikrar-argon2"))
        })
        .map(|t| stat_cpu(&t.join("stat").to_string_lossy(), false))
        .sum()
}

/// A port on loopback that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits (up to ten seconds) until the server at `base` answers.
pub async fn until_up(base: &str) {
    for _ in 0..100 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A client as a phone's browser is: it keeps cookies and shows redirects rather than
/// following them; it gives up on an answer after two minutes.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// The form's CSRF token.
pub fn csrf(page: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker)? + marker.len();
    Some(page[start..start + page[start..].find('"')?].to_owned())
}

/// One request of a phase ("aktivasi" or "tanda-tangan"): fetch the form, post it; `true` when the answer is the expected one.
pub async fn step(
    client: &reqwest::Client,
    base: &str,
    phase: &str,
    nip: &str,
    code: &str,
) -> bool {
    let (form_path, post_path, expected) = match phase {
        "aktivasi" => ("/aktivasi", "/aktivasi".to_owned(), 200),
        _ => (
            "/pakta/netralitas-2024",
            "/pakta/netralitas-2024/tanda-tangan".to_owned(),
            303,
        ),
    };
    let Ok(page) = client.get(format!("{base}{form_path}")).send().await else {
        return false;
    };
    let Some(token) = csrf(&page.text().await.unwrap_or_default()) else {
        return false;
    };
    let fields: Vec<(&str, &str)> = match phase {
        "aktivasi" => vec![
            ("nip", nip),
            ("kode_aktivasi", code),
            ("passphrase", PASSPHRASE),
            ("passphrase_ulang", PASSPHRASE),
            ("csrf_token", &token),
        ],
        _ => vec![
            ("nip", nip),
            ("passphrase", PASSPHRASE),
            ("setuju", "ya"),
            ("csrf_token", &token),
        ],
    };
    match client
        .post(format!("{base}{post_path}"))
        .form(&fields)
        .send()
        .await
    {
        Ok(res) => res.status().as_u16() == expected,
        Err(_) => false,
    }
}

/// A superadmin made with `ikrar` (the binary on a deployment's data), signed in to the console
/// at `base` with the password and the second factor the command showed.
pub async fn superadmin(mut ikrar: Command, base: &str) -> reqwest::Client {
    let mut create = ikrar
        .args([
            "admin",
            "create",
            "bench",
            "--role",
            "superadmin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = create.wait_with_output().unwrap();
    assert!(out.status.success(), "ikrar admin create: {out:?}");
    let shown = String::from_utf8(out.stdout).unwrap();
    let uri = shown
        .split_whitespace()
        .find(|w| w.starts_with("otpauth://"))
        .expect("the second factor's URI");
    let code = totp_rs::TOTP::from_url(uri)
        .unwrap()
        .generate_current()
        .unwrap();
    let client = browser();
    let page = client
        .get(format!("{base}/admin/masuk"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf(&page).unwrap();
    let res = client
        .post(format!("{base}/admin/masuk"))
        .form(&[
            ("username", "bench"),
            ("password", PASSWORD),
            ("totp", code.as_str()),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let home = client.get(format!("{base}/admin")).send().await.unwrap();
    assert_eq!(home.status(), 200, "signed in");
    client
}
