//! Test harness: the real app on a random port with its own fresh database, driven over HTTP the
//! way a browser would, plus the real `ikrar` binary for CLI steps.
#![allow(dead_code)] // each test crate uses a different part of the harness

mod console;
pub mod data;
#[allow(unused_imports)] // not every test crate drives the console
pub use console::*;
pub use data::DataDir;

use ikrar::config::Config;
use ikrar::db::{employees, log_store, signatures};
use ikrar::service::{pacts, App};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Cheap Argon2 parameters: the code paths are the same, the tests just run faster.
pub const TEST_ARGON2: &str = "m=256,t=1,p=1";
pub const PACT: &str = "netralitas-2024";
pub const PASSPHRASE: &str = "jeruk lampu sepeda awan";
/// The audit token of servers started with [`Server::start`].
pub const AUDIT_TOKEN: &str = "token-auditor-uji";

/// A configuration whose data lives in `data`.
pub fn config(data: &DataDir) -> Config {
    let dir = data.path().to_string_lossy().into_owned();
    let mut config = Config::from_lookup(|name| match name {
        "IKRAR_DATA_DIR" => Some(dir.clone()),
        "IKRAR_ARGON2" => Some(TEST_ARGON2.into()),
        "IKRAR_ALLOW_WEAK_ARGON2" => Some("1".into()),
        _ => None,
    })
    .expect("test configuration");
    config.database = data.database();
    config
}

/// A running app with its own database.
pub struct TestApp {
    pub base: String,
    pub app: App,
    pub client: reqwest::Client,
    pub dir: DataDir,
}

impl TestApp {
    /// Starts the app with the default pact seeded.
    pub async fn spawn() -> TestApp {
        Self::spawn_in(DataDir::new()).await
    }

    /// Starts the app on existing data (a "restart").
    pub async fn spawn_in(dir: DataDir) -> TestApp {
        Self::spawn_configured(dir, |_| {}).await
    }

    /// Starts the app with a configuration adjusted by `adjust`.
    pub async fn spawn_configured(dir: DataDir, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let mut config = config(&dir);
        config.set_bind(format!("127.0.0.1:{port}"));
        adjust(&mut config);
        let app = App::open(config).expect("open app");
        pacts::seed_default(&app).expect("seed");
        let running = ikrar::web::build(app.clone(), listener).expect("build");
        tokio::spawn(running.server);
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            app,
            client: client(),
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Imports a roster through the real CLI and returns nip → activation code.
    pub fn import_roster(&self, csv: &str) -> Vec<(String, String)> {
        let roster = self.dir.path().join("roster.csv");
        let codes = self.dir.path().join("codes.csv");
        std::fs::write(&roster, csv).unwrap();
        let out = import_with_codes(&self.dir, &roster, &codes);
        assert!(out.status.success(), "import failed: {}", text(&out));
        read_codes(&codes)
    }

    /// Runs the `ikrar` binary against this app's data.
    pub fn ikrar(&self, args: &[&str]) -> Output {
        ikrar_in(&self.dir, args)
    }

    /// Runs SQL behind the app's back, as someone with access to the database could, with
    /// foreign keys not enforced.
    pub fn tamper(&self, sql: &str) {
        use diesel::connection::SimpleConnection;
        let (off, on) = if self.dir.is_postgres() {
            (
                "SET session_replication_role = replica;",
                "SET session_replication_role = DEFAULT;",
            )
        } else {
            ("PRAGMA foreign_keys = OFF;", "PRAGMA foreign_keys = ON;")
        };
        let mut conn = self.app.db.conn().unwrap();
        conn.batch_execute(&format!("{off} {sql} {on}")).unwrap();
    }

    /// Rewrites the text of log entry `idx` behind the app's back.
    pub fn rewrite_entry(&self, idx: i64, edit: impl FnOnce(&str) -> String) {
        use diesel::prelude::*;
        use ikrar::db::schema::log_entries;
        let mut conn = self.app.db.conn().unwrap();
        let body: Vec<u8> = log_entries::table
            .find(idx)
            .select(log_entries::body)
            .get_result(&mut *conn)
            .unwrap();
        let edited = edit(std::str::from_utf8(&body).unwrap());
        diesel::update(log_entries::table.find(idx))
            .set(log_entries::body.eq(edited.into_bytes()))
            .execute(&mut *conn)
            .unwrap();
    }

    /// A new browser: its own cookies.
    pub fn browser(&self) -> reqwest::Client {
        client()
    }

    /// Fetches a page and returns the CSRF token of its form.
    pub async fn csrf(&self, browser: &reqwest::Client, path: &str) -> String {
        let page = browser.get(self.url(path)).send().await.unwrap();
        assert_eq!(page.status(), 200, "GET {path}");
        csrf_from(&page.text().await.unwrap())
    }

    /// Activates an employee through the web form with [`PASSPHRASE`].
    pub async fn activate(
        &self,
        browser: &reqwest::Client,
        nip: &str,
        code: &str,
    ) -> reqwest::Response {
        self.activate_with(browser, nip, code, PASSPHRASE).await
    }

    /// Activates an employee through the web form with `passphrase`.
    pub async fn activate_with(
        &self,
        browser: &reqwest::Client,
        nip: &str,
        code: &str,
        passphrase: &str,
    ) -> reqwest::Response {
        let token = self.csrf(browser, "/aktivasi").await;
        browser
            .post(self.url("/aktivasi"))
            .form(&[
                ("nip", nip),
                ("kode_aktivasi", code),
                ("passphrase", passphrase),
                ("passphrase_ulang", passphrase),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap()
    }

    /// Activates an employee and asserts that it worked.
    pub async fn activate_ok(&self, browser: &reqwest::Client, nip: &str, code: &str) {
        let res = self.activate(browser, nip, code).await;
        assert_eq!(res.status(), 200, "activation of {nip}");
    }

    /// The text of a page.
    pub async fn page(&self, browser: &reqwest::Client, path: &str) -> String {
        let res = browser.get(self.url(path)).send().await.unwrap();
        res.text().await.unwrap()
    }

    /// Posts the signing form of the default pact with the given fields (the CSRF token is
    /// added).
    pub async fn sign_with(
        &self,
        browser: &reqwest::Client,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.sign_pact(browser, PACT, fields).await
    }

    /// Posts the signing form of pact `pact` with the given fields and a valid CSRF token.
    pub async fn sign_pact(
        &self,
        browser: &reqwest::Client,
        pact: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf(browser, "/aktivasi").await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        browser
            .post(self.url(&format!("/pakta/{pact}/tanda-tangan")))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Signs the default pact with the right fields.
    pub async fn sign(
        &self,
        browser: &reqwest::Client,
        nip: &str,
        passphrase: &str,
    ) -> reqwest::Response {
        self.sign_with(
            browser,
            &[("nip", nip), ("passphrase", passphrase), ("setuju", "ya")],
        )
        .await
    }

    /// Imports the small roster, activates everyone and signs the default pact for each; returns
    /// (NIP, receipt path) of each.
    pub async fn everyone_signs(&self) -> Vec<(String, String)> {
        let codes = self.import_roster(&small_roster());
        let browser = self.browser();
        let mut receipts = Vec::new();
        for (nip, code) in codes {
            assert_eq!(self.activate(&browser, &nip, &code).await.status(), 200);
            let res = self.sign(&browser, &nip, PASSPHRASE).await;
            assert_eq!(res.status(), 303);
            let path = res.headers()["location"].to_str().unwrap().to_owned();
            receipts.push((nip, path));
        }
        receipts
    }

    /// Asks for the full receipt at `path` again with a NIP and passphrase ("Unduh ulang bukti").
    pub async fn redownload(
        &self,
        browser: &reqwest::Client,
        path: &str,
        nip: &str,
        passphrase: &str,
    ) -> reqwest::Response {
        let token = self.csrf(browser, path).await;
        browser
            .post(self.url(&format!("{path}/unduh")))
            .form(&[
                ("nip", nip),
                ("passphrase", passphrase),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap()
    }

    /// The full receipt at `path`, downloaded again by its signer.
    pub async fn receipt_json(&self, path: &str, nip: &str) -> String {
        let res = self
            .redownload(&self.browser(), path, nip, PASSPHRASE)
            .await;
        assert_eq!(res.status(), 200, "receipt {path}");
        res.text().await.unwrap()
    }

    /// Exports the bundle with the real binary.
    pub fn export(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        let out = self.ikrar(&["export", "bundle", path.to_str().unwrap()]);
        assert!(out.status.success(), "export failed: {}", text(&out));
        path
    }

    /// (log entries, signatures on the default pact, employees)
    pub fn counts(&self) -> (i64, i64, i64) {
        let mut conn = self.app.db.conn().unwrap();
        (
            log_store::size(&mut conn).unwrap().get() as i64,
            signatures::count_for_pact(&mut conn, &pact_id(PACT)).unwrap(),
            employees::count(&mut conn).unwrap(),
        )
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `ikrar` binary set up to work on `data` with the test's Argon2 parameters.
pub fn ikrar_command(data: &DataDir) -> Command {
    let mut command = ikrar_command_sqlite(data.path());
    if let Some(url) = data.database_url() {
        command.env("DATABASE_URL", url);
    }
    command
}

/// The `ikrar` binary set up to work on the SQLite database in `dir` (e.g. a restored backup).
pub fn ikrar_command_sqlite(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ikrar"));
    command
        .env("IKRAR_DATA_DIR", dir)
        .env_remove("DATABASE_URL")
        .env("IKRAR_ARGON2", TEST_ARGON2)
        .env("IKRAR_ALLOW_WEAK_ARGON2", "1");
    command
}

/// Runs the `ikrar` binary on `data`.
pub fn ikrar_in(data: &DataDir, args: &[&str]) -> Output {
    ikrar_command(data).args(args).output().expect("run ikrar")
}

/// Runs a command that needs no data (`verify`, `verify-receipt`) in `dir`, as an auditor would
/// on a machine without ikrar's configuration.
pub fn ikrar_offline(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ikrar"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("IKRAR_DATA_DIR")
        .output()
        .expect("run ikrar")
}

/// A running `ikrar serve` process: its output kept in a file for failure messages, and
/// killed (SIGKILL) when dropped, so that a failing test leaves no server behind.
pub struct Server {
    child: std::process::Child,
    pub port: u16,
    pub base: String,
    output: PathBuf,
}

impl Server {
    /// Starts `ikrar serve` on `data` at `port` (with [`AUDIT_TOKEN`]) and waits until it
    /// answers.
    pub async fn start(data: &DataDir, port: u16) -> Server {
        match Self::try_start(data, port, &[]).await {
            Ok(server) => server,
            Err(why) => panic!("{why}"),
        }
    }

    /// Starts a server on a free port, trying another if the one picked was taken meanwhile.
    pub async fn start_anywhere(data: &DataDir) -> Server {
        Self::start_anywhere_with(data, &[]).await
    }

    /// Like [`Server::start_anywhere`], with more environment variables for the server.
    pub async fn start_anywhere_with(data: &DataDir, env: &[(&str, &str)]) -> Server {
        let mut failures = Vec::new();
        for _ in 0..3 {
            match Self::try_start(data, free_port(), env).await {
                Ok(server) => return server,
                Err(why) => failures.push(why),
            }
        }
        panic!("ikrar serve did not start:\n{}", failures.join("\n---\n"));
    }

    async fn try_start(data: &DataDir, port: u16, env: &[(&str, &str)]) -> Result<Server, String> {
        let output = data.path().join(format!("serve-{port}.log"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&output)
            .expect("server log");
        let child = ikrar_command(data)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("IKRAR_AUDIT_TOKEN", AUDIT_TOKEN)
            .envs(env.iter().copied())
            .stdout(log.try_clone().expect("server log"))
            .stderr(log)
            .spawn()
            .expect("start ikrar serve");
        let mut server = Server {
            child,
            port,
            base: format!("http://127.0.0.1:{port}"),
            output,
        };
        server.wait_until_up().await?;
        Ok(server)
    }

    /// Waits (up to a minute, for a busy machine) until `/healthz` answers; the server's own
    /// output if it exits or never answers.
    async fn wait_until_up(&mut self) -> Result<(), String> {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(2))
            .build()
            .unwrap();
        for _ in 0..600 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("ikrar serve exited ({status}):\n{}", self.output()));
            }
            let health = client.get(format!("{}/healthz", self.base)).send().await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Err(format!(
            "ikrar serve did not answer within a minute:\n{}",
            self.output()
        ))
    }

    /// What the server printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.output).unwrap_or_default()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server with SIGKILL (a crash) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One client of a signing load: takes employees (NIP, activation code) from `people` until
/// none are left, activates and signs for each, and records the receipts it receives. It stops
/// quietly when the server stops answering.
pub async fn sign_for_everyone(
    base: String,
    people: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
    receipts: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    loop {
        let Some((nip, code)) = people.lock().unwrap().pop() else {
            return;
        };
        let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
            let client = client.clone();
            let base = base.clone();
            async move {
                let page = client
                    .get(format!("{base}/aktivasi"))
                    .send()
                    .await
                    .ok()?
                    .text()
                    .await
                    .ok()?;
                let mut form = fields;
                form.push(("csrf_token", csrf_from(&page)));
                client
                    .post(format!("{base}{path}"))
                    .form(&form)
                    .send()
                    .await
                    .ok()
            }
        };
        let activation = vec![
            ("nip", nip.clone()),
            ("kode_aktivasi", code),
            ("passphrase", PASSPHRASE.to_owned()),
            ("passphrase_ulang", PASSPHRASE.to_owned()),
        ];
        let Some(_) = post("/aktivasi", activation).await else {
            return;
        };
        let signing = vec![
            ("nip", nip),
            ("passphrase", PASSPHRASE.to_owned()),
            ("setuju", "ya".to_owned()),
        ];
        let Some(res) = post("/pakta/netralitas-2024/tanda-tangan", signing).await else {
            return;
        };
        if res.status() == 303 {
            let location = res.headers()["location"].to_str().unwrap().to_owned();
            receipts.lock().unwrap().push(location);
        }
    }
}

/// Runs the `ikrar` binary with `input` on its standard input.
pub fn ikrar_with_input(data: &DataDir, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = ikrar_command(data)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run ikrar");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `ikrar roster import ROSTER --codes-out CODES` on `data`.
pub fn import_with_codes(data: &DataDir, roster: &Path, codes: &Path) -> Output {
    ikrar_in(
        data,
        &[
            "roster",
            "import",
            roster.to_str().unwrap(),
            "--codes-out",
            codes.to_str().unwrap(),
        ],
    )
}

/// Stdout and stderr of a command, for assertion messages.
/// A receipt link with a token that is not its own: the last two characters changed to others
/// (a 128-bit token ends in A, Q, g or w, so "Bw" and "AA" cannot both be its ending).
pub fn wrong_token(path: &str) -> String {
    let ending = if path.ends_with("AA") { "Bw" } else { "AA" };
    format!("{}{ending}", &path[..path.len() - 2])
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// nip → code pairs from a codes file.
pub fn read_codes(path: &PathBuf) -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_path(path).expect("codes file");
    assert_eq!(&reader.headers().unwrap()[0], "nip");
    assert_eq!(&reader.headers().unwrap()[1], "kode_aktivasi");
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect()
}

/// The value of the hidden `csrf_token` input in a page.
pub fn csrf_from(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF token") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

/// Where the page's language switch comes back to (its `kembali=`, decoded).
pub fn switch_returns_to(html: &str) -> String {
    let marker = "kembali=";
    let start = html.find(marker).expect("page has a language switch") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    let encoded = html[start..end]
        .replace("&#x2f;", "/")
        .replace("&amp;", "&");
    form_urlencoded::parse(format!("x={encoded}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

/// The text of the page's error box, if any.
pub fn error_text(html: &str) -> Option<String> {
    let start = html.find("class=\"error\"")?;
    let open = html[start..].find('>')? + start + 1;
    let close = html[open..].find("</p>")? + open;
    Some(html[open..close].to_owned())
}

/// A synthetic roster of `count` employees from `ikrar roster sample`.
pub fn generated_roster(count: usize, seed: u64) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ikrar"))
        .args([
            "roster",
            "sample",
            "--count",
            &count.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .output()
        .expect("ikrar roster sample");
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// The NIPs of [`small_roster`]: Siti and Ani in DINKES (PNS), Budi in DINDIKBUD (PPPK).
pub const SITI: &str = "199004152019032004";
pub const BUDI: &str = "198807022023211007";
pub const ANI: &str = "200002292022012001";

pub const ROSTER_HEADER: &str = "nip,nama,jenis,jabatan,unit_kode,unit_nama,instansi\n";

/// A small valid roster: three employees in two units.
pub fn small_roster() -> String {
    format!(
        "{ROSTER_HEADER}199004152019032004,Siti Aminah,PNS,Perawat,DINKES,Dinas Kesehatan,Pemerintah Kabupaten Purbalingga\n\
         198807022023211007,Budi Santoso,PPPK,Guru,DINDIKBUD,Dinas Pendidikan dan Kebudayaan,Pemerintah Kabupaten Purbalingga\n\
         200002292022012001,Ani Lestari,PNS,Bidan,DINKES,Dinas Kesehatan,Pemerintah Kabupaten Purbalingga\n"
    )
}

/// A pact id the tests know to be valid.
pub fn pact_id(id: &str) -> ikrar_log::values::PactId {
    ikrar_log::values::PactId::parse(id).unwrap()
}

/// A NIP the tests know to be valid.
pub fn nip(digits: &str) -> ikrar_log::nip::Nip {
    ikrar_log::nip::Nip::parse(digits, chrono::Utc::now().date_naive()).unwrap()
}
