//! Crash safety (on whichever backend the suite runs): signing under load against a real `ikrar
//! serve` process, whose group commit writes several requests per transaction, killed with
//! SIGKILL mid-way, then restarted. Every receipt handed out before the kill must still be in the
//! log, the exported bundle must verify, and no signature may exist without its entry or the
//! other way round.

use crate::common::*;
use ikrar::db::{log_store, signatures};
use ikrar::domain::log_index::LogIndex;
use ikrar::service::App;
use ikrar_log::entry::Entry;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const EMPLOYEES: usize = 120;
const CLIENTS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_survive_a_kill_minus_nine() {
    let dir = DataDir::deployed();
    let roster = generated_roster(EMPLOYEES, 3);
    let roster_path = dir.path().join("roster.csv");
    let codes_path = dir.path().join("codes.csv");
    std::fs::write(&roster_path, roster).unwrap();
    assert!(import_with_codes(&dir, &roster_path, &codes_path)
        .status
        .success());
    let people = Arc::new(Mutex::new(read_codes(&codes_path)));

    // The server reports each batch it commits.
    let mut server =
        Server::start_anywhere_with(&dir, &[("RUST_LOG", "warn,ikrar::service::appender=debug")])
            .await;
    let (port, base) = (server.port, server.base.clone());
    let receipts = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            tokio::spawn(sign_for_everyone(
                base.clone(),
                people.clone(),
                receipts.clone(),
            ))
        })
        .collect();
    // Kill the server hard once some receipts are out and signing is in full flow.
    for _ in 0..3000 {
        if receipts.lock().unwrap().len() >= EMPLOYEES / 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill(); // SIGKILL
    let largest_batch = server
        .output()
        .lines()
        .filter_map(|line| line.split("batch committed requests=").nth(1))
        .filter_map(|n| n.trim().parse::<usize>().ok())
        .max();
    assert!(
        largest_batch.is_some_and(|n| n > 1),
        "no batch of several requests before the kill: {largest_batch:?}"
    );
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
    let mut server = Server::start(&dir, port).await;
    let bundle_path = dir.path().join("after-crash.jsonl");
    for path in &received {
        let page = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(page.status(), 200, "receipt {path} lost in the crash");
        let page = page.text().await.unwrap();
        assert!(
            page.contains("Tercatat dalam log transparansi"),
            "receipt {path} is not proven in the log: {page}"
        );
    }
    server.kill();
    let out = ikrar_in(&dir, &["export", "bundle", bundle_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = ikrar_offline(dir.path(), &["verify", bundle_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // No half-written signature: rows and signature entries match one to one.
    let app = App::open(config(&dir)).unwrap();
    let mut conn = app.db.conn().unwrap();
    let size = log_store::size(&mut conn).unwrap();
    let signature_entries = (0..size.get())
        .filter_map(|i| log_store::get(&mut conn, LogIndex(i)).unwrap())
        .filter(|e| matches!(Entry::parse(&e.body), Ok(Entry::Signature(_))))
        .count() as i64;
    let rows = signatures::count_for_pact(&mut conn, &pact_id("netralitas-2024")).unwrap();
    assert_eq!(rows, signature_entries);
    assert!(rows >= received.len() as i64);
    let head = log_store::head(&mut conn).unwrap().unwrap();
    assert_eq!(head.size, size, "the checkpoint covers exactly the log");
}
