//! Crash safety on SQLite: signing under load against a real `ikrar serve` process, killed with
//! SIGKILL mid-way, then restarted. Every receipt handed out before the kill must still be in the
//! log, the exported bundle must verify, and no signature may exist without its entry or the
//! other way round.

mod common;

use common::*;
use ikrar::db::{log_store, signatures};
use ikrar::domain::entry::Entry;
use ikrar::service::App;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const EMPLOYEES: usize = 120;
const CLIENTS: usize = 8;

fn serve(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ikrar"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("IKRAR_DATA_DIR", dir)
        .env_remove("DATABASE_URL")
        .env("IKRAR_ARGON2", TEST_ARGON2)
        .env("IKRAR_ALLOW_WEAK_ARGON2", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ikrar serve")
}

async fn wait_until_up(base: &str) {
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not start");
}

/// Activates and signs for each employee in turn; records the receipts it receives.
async fn signer(
    base: String,
    people: Arc<Mutex<Vec<(String, String)>>>,
    receipts: Arc<Mutex<Vec<String>>>,
) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_survive_a_kill_minus_nine() {
    let dir = tempfile::tempdir().unwrap();
    let roster = generated_roster(EMPLOYEES, 3);
    let roster_path = dir.path().join("roster.csv");
    let codes_path = dir.path().join("codes.csv");
    std::fs::write(&roster_path, roster).unwrap();
    assert!(import_with_codes(dir.path(), &roster_path, &codes_path)
        .status
        .success());
    let people = Arc::new(Mutex::new(read_codes(&codes_path)));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(dir.path(), port);
    wait_until_up(&base).await;
    let receipts = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| tokio::spawn(signer(base.clone(), people.clone(), receipts.clone())))
        .collect();
    // Kill the server hard once some receipts are out and signing is in full flow.
    for _ in 0..3000 {
        if receipts.lock().unwrap().len() >= EMPLOYEES / 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    for client in clients {
        client.await.unwrap();
    }
    let received = receipts.lock().unwrap().clone();
    assert!(
        !received.is_empty(),
        "no receipt was handed out before the kill"
    );
    assert!(
        received.len() < EMPLOYEES,
        "the kill came too late to test anything"
    );

    // Restart: every receipt handed out is there and verifies offline.
    let mut server = serve(dir.path(), port);
    wait_until_up(&base).await;
    let bundle_path = dir.path().join("after-crash.jsonl");
    for path in &received {
        let body = reqwest::get(format!("{base}{path}.json")).await.unwrap();
        assert_eq!(body.status(), 200, "receipt {path} lost in the crash");
        let receipt: ikrar::log::receipt::Receipt =
            serde_json::from_str(&body.text().await.unwrap()).unwrap();
        ikrar::log::receipt::verify(&receipt, None).unwrap();
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let out = ikrar_in(
        dir.path(),
        &["export", "bundle", bundle_path.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = ikrar_in(dir.path(), &["verify", bundle_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // No half-written signature: rows and signature entries match one to one.
    let app = App::open(config(dir.path())).unwrap();
    let mut conn = app.db.conn().unwrap();
    let size = log_store::size(&mut conn).unwrap();
    let signature_entries = (0..size)
        .filter_map(|i| log_store::get(&mut conn, i).unwrap())
        .filter(|e| matches!(Entry::parse(&e.body), Ok(Entry::Signature(_))))
        .count() as i64;
    let rows = signatures::count_for_pact(&mut conn, "netralitas-2024").unwrap();
    assert_eq!(rows, signature_entries);
    assert!(rows >= received.len() as i64);
    let head = log_store::head(&mut conn).unwrap().unwrap();
    assert_eq!(head.size, size, "the checkpoint covers exactly the log");
}
