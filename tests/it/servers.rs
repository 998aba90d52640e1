//! Several app servers on one database: four `ikrar serve` processes share the data (database and
//! log key), employees sign through all of them at once (their appends batched by each server's
//! group commit), and the log stays one gap-free, verifiable
//! sequence whose checkpoints never go backwards. On PostgreSQL this is the scale-out set-up; on
//! SQLite it is four processes on one file.

use crate::common::*;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const EMPLOYEES: usize = 120;
const SERVERS: usize = 4;
const CLIENTS_PER_SERVER: usize = 4;

/// The tree size in a checkpoint note (its second line).
fn checkpoint_size(note: &str) -> u64 {
    note.lines().nth(1).and_then(|l| l.parse().ok()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_servers_sign_into_one_log() {
    let dir = DataDir::deployed();
    let roster = dir.path().join("roster.csv");
    let codes = dir.path().join("codes.csv");
    std::fs::write(&roster, generated_roster(EMPLOYEES, 11)).unwrap();
    let out = import_with_codes(&dir, &roster, &codes);
    assert!(out.status.success(), "{}", text(&out));
    let people = Arc::new(Mutex::new(read_codes(&codes)));

    let mut servers = Vec::new();
    for _ in 0..SERVERS {
        servers.push(Server::start_anywhere(&dir).await);
    }
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();

    // An auditor polls the servers in turn while the signing goes on.
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (bases, done) = (bases.clone(), done.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut sizes = Vec::new();
            // Reads checkpoints in turn until the signing is over, then once more from each
            // server: a read sent just before the last append would otherwise be the last one.
            let mut last_round = None;
            for turn in 0.. {
                if last_round.is_none() && done.load(Ordering::SeqCst) {
                    last_round = Some(turn + bases.len());
                }
                if last_round == Some(turn) {
                    break;
                }
                let note = client
                    .get(format!("{}/log/checkpoint", bases[turn % bases.len()]))
                    .bearer_auth(AUDIT_TOKEN)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                sizes.push(checkpoint_size(&note));
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            sizes
        })
    };
    let receipts = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = bases
        .iter()
        .flat_map(|base| std::iter::repeat_n(base.clone(), CLIENTS_PER_SERVER))
        .map(|base| tokio::spawn(sign_for_everyone(base, people.clone(), receipts.clone())))
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let sizes = watcher.await.unwrap();
    for server in &mut servers {
        server.kill();
    }

    // The servers handed out receipts, each for its own log index.
    let receipts = receipts.lock().unwrap().clone();
    assert_eq!(receipts.len(), EMPLOYEES, "every employee got a receipt");
    let indexes: HashSet<u64> = receipts
        .iter()
        .map(|r| r.split('/').nth(2).unwrap().parse().unwrap())
        .collect();
    assert_eq!(indexes.len(), EMPLOYEES, "two receipts share a log index");
    // Checkpoints seen through any server never went backwards, and ended at the whole log:
    // the pact, a key and a signature per employee.
    assert!(
        sizes.windows(2).all(|w| w[0] <= w[1]),
        "a checkpoint went backwards: {sizes:?}"
    );
    assert_eq!(*sizes.last().unwrap(), 1 + 2 * EMPLOYEES as u64);

    // The exported bundle verifies: root matches, indexes contiguous, every signature once.
    let bundle = dir.path().join("bundle.jsonl");
    let out = ikrar_in(&dir, &["export", "bundle", bundle.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = ikrar_offline(dir.path(), &["verify", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("{EMPLOYEES} tanda tangan")),
        "{}",
        text(&out)
    );
}
