//! Group commit: appends that arrive while a batch is being written are written together in
//! the next one, a failing request does not fail the others, and employees signing at the same
//! moment still get one gap-free log with a receipt each.

use crate::common::*;
use ikrar::db::guess_limits::{self, Attempt};
use ikrar::db::DbError;
use ikrar::service::App;
use std::sync::{mpsc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// Waits until `n` requests are queued behind the batch being written.
async fn until_waiting(app: &App, n: u64) {
    for _ in 0..2000 {
        if app.append_stats().waiting == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("never {n} waiting: {:?}", app.append_stats());
}

/// Starts a request that holds the writer, inside its transaction, until the returned sender
/// sends; returns once it holds it.
async fn hold_the_writer(app: &App) -> (mpsc::Sender<()>, JoinHandle<Result<(), DbError>>) {
    let (release, held) = mpsc::channel::<()>();
    let (started, holding) = tokio::sync::oneshot::channel::<()>();
    let (held, started) = (Mutex::new(held), Mutex::new(Some(started)));
    let app = app.clone();
    let first = tokio::spawn(async move {
        app.append(move |_, _| {
            if let Some(started) = started.lock().unwrap().take() {
                let _ = started.send(());
            }
            let _ = held.lock().unwrap().recv();
            Ok(())
        })
        .await
    });
    holding.await.unwrap();
    (release, first)
}

/// Queues ten requests that each count a guess-limit attempt for `uji:{i}`; request `fail`
/// then fails.
async fn queue_ten(app: &App, fail: Option<usize>) -> Vec<JoinHandle<Result<Attempt, DbError>>> {
    let requests = (0..10)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let subject = format!("uji:{i}");
                app.append(move |conn, _| {
                    let attempt = guess_limits::begin_attempt(conn, &subject, chrono::Utc::now())?;
                    if fail == Some(i) {
                        return Err(DbError::Log("gagal untuk uji".into()));
                    }
                    Ok(attempt)
                })
                .await
            })
        })
        .collect();
    until_waiting(app, 10).await;
    requests
}

/// The attempts counted for `subject` (0 if none).
fn attempts(app: &App, subject: &str) -> i32 {
    use diesel::prelude::*;
    use ikrar::db::schema::guess_limits::dsl;
    let mut conn = app.db.conn().unwrap();
    dsl::guess_limits
        .filter(dsl::subject.eq(subject))
        .select(dsl::attempts)
        .get_result(&mut *conn)
        .optional()
        .unwrap()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_queued_behind_a_batch_share_one_transaction() {
    let app = TestApp::spawn().await;
    let before = app.app.append_stats();
    let (release, first) = hold_the_writer(&app.app).await;
    let queued = queue_ten(&app.app, None).await;
    release.send(()).unwrap();
    first.await.unwrap().unwrap();
    for request in queued {
        assert!(matches!(request.await.unwrap(), Ok(Attempt::Allowed)));
    }
    let after = app.app.append_stats();
    assert_eq!(after.writes - before.writes, 1 + 10);
    assert_eq!(after.batches - before.batches, 2, "{after:?}");
    assert_eq!(after.waiting, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_request_does_not_fail_the_others_in_its_batch() {
    let app = TestApp::spawn().await;
    let before = app.app.append_stats();
    let (release, first) = hold_the_writer(&app.app).await;
    let queued = queue_ten(&app.app, Some(3)).await;
    release.send(()).unwrap();
    first.await.unwrap().unwrap();
    for (i, request) in queued.into_iter().enumerate() {
        match request.await.unwrap() {
            Ok(Attempt::Allowed) => assert_ne!(i, 3),
            Ok(other) => panic!("request {i}: {other:?}"),
            Err(e) => assert_eq!(i, 3, "request {i} failed: {e}"),
        }
    }
    // The failing request's attempt was rolled back; the nine others were written, each in a
    // transaction of its own once the ten together had failed.
    for i in 0..10 {
        let expected = if i == 3 { 0 } else { 1 };
        assert_eq!(attempts(&app.app, &format!("uji:{i}")), expected, "uji:{i}");
    }
    let after = app.app.append_stats();
    assert_eq!(after.writes - before.writes, 1 + 9);
    assert_eq!(after.batches - before.batches, 1 + 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn employees_signing_at_once_get_one_gap_free_log() {
    const EMPLOYEES: usize = 40;
    let app = TestApp::spawn().await;
    let codes = app.import_roster(&generated_roster(EMPLOYEES, 5));
    let people = std::sync::Arc::new(std::sync::Mutex::new(codes));
    let receipts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            tokio::spawn(sign_for_everyone(
                app.base.clone(),
                people.clone(),
                receipts.clone(),
            ))
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    let receipts = receipts.lock().unwrap().clone();
    assert_eq!(receipts.len(), EMPLOYEES);

    // The pact, a key and a signature per employee, in one verifiable sequence.
    let bundle = app.dir.path().join("bundle.jsonl");
    let out = app.ikrar(&["export", "bundle", bundle.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = ikrar_offline(app.dir.path(), &["verify", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains(&format!("{EMPLOYEES} tanda tangan")));
    let mut conn = app.app.db.conn().unwrap();
    let size = ikrar::db::log_store::size(&mut conn).unwrap();
    assert_eq!(size.get(), 1 + 2 * EMPLOYEES as u64);
    let head = ikrar::db::log_store::head(&mut conn).unwrap().unwrap();
    assert_eq!(head.size, size);
}

/// Writes, in the log's writer, what an activation with `code` for `nip` writes; `Some` with
/// the key entry's index if it was stored.
async fn store_a_key(app: &App, nip: &str, code: &str) -> Result<Option<i64>, DbError> {
    use ikrar::db::employees::{self, StoredKey};
    use ikrar::domain::activation_code;
    use ikrar::keys::{Argon2Params, SealedKey};
    let nip = ikrar_log::nip::Nip::try_from(nip.to_owned()).unwrap();
    let code = activation_code::hash(nip.as_str(), &activation_code::normalize(code).unwrap());
    let key = StoredKey {
        public_key: [7; 32],
        sealed: SealedKey {
            params: Argon2Params::DEFAULT,
            salt: [1; 16],
            nonce: [2; 24],
            ciphertext: vec![3; 48],
        },
    };
    app.append(move |conn, batch| {
        let activation = employees::Activation {
            nip: &nip,
            code_hash: &code,
            key: &key,
            body: b"entri kunci uji\n",
            guesses: "aktivasi:uji",
            now: chrono::Utc::now(),
        };
        employees::activate(conn, batch, &activation)
    })
    .await
}

/// Writes, in the log's writer, what signing the default pact as `nip` writes.
async fn store_a_signature(
    app: &App,
    nip: &str,
) -> Result<ikrar::db::signatures::Appended, DbError> {
    use ikrar::db::{employees, signatures};
    let nip = ikrar_log::nip::Nip::try_from(nip.to_owned()).unwrap();
    let pact = ikrar_log::values::PactId::parse(PACT).unwrap();
    app.append(move |conn, batch| {
        let employee = employees::find(conn, &nip)?.expect("on the roster");
        let signature = signatures::NewSignature {
            pact_id: &pact,
            nip: &nip,
            unit_code: &employee.unit_code,
            signed_at: chrono::Utc::now(),
            key_generation: 1,
            kind: employee.kind,
        };
        signatures::append(conn, batch, &signature, b"entri uji\n", "tanda-tangan:uji")
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_key_or_signature_for_one_nip_in_a_batch_writes_nothing() {
    use ikrar::db::signatures::Appended;
    let app = TestApp::spawn().await;
    let (nip, code) = app.import_roster(&generated_roster(1, 1)).remove(0);
    let (entries, signed, _) = app.counts();
    let before = app.app.append_stats();
    let (release, first) = hold_the_writer(&app.app).await;
    let keys: Vec<_> = (0..2)
        .map(|_| {
            let (app, nip, code) = (app.app.clone(), nip.clone(), code.clone());
            tokio::spawn(async move { store_a_key(&app, &nip, &code).await })
        })
        .collect();
    let signatures: Vec<_> = (0..2)
        .map(|_| {
            let (app, nip) = (app.app.clone(), nip.clone());
            tokio::spawn(async move { store_a_signature(&app, &nip).await })
        })
        .collect();
    until_waiting(&app.app, 4).await;
    release.send(()).unwrap();
    first.await.unwrap().unwrap();
    let mut keys: Vec<_> = answers_of(keys).await;
    keys.sort();
    let [None, Some(key)] = keys[..] else {
        panic!("one key stored, the same code refused: {keys:?}");
    };
    let mut signatures: Vec<_> = answers_of(signatures).await;
    signatures.sort_by_key(|a| matches!(a, Appended::Existing(_)));
    let [Appended::New(signature), Appended::Existing(existing)] = signatures[..] else {
        panic!("one signature appended, the second pointed at it: {signatures:?}");
    };
    assert_eq!(existing, signature);
    assert_ne!(key as u64, signature.get());
    // Two entries, in one batch besides the held one, and the signature counted once.
    assert_eq!(app.counts().0 - entries, 2);
    assert_eq!(app.counts().1 - signed, 1);
    let after = app.app.append_stats();
    assert_eq!(after.batches - before.batches, 2, "{after:?}");
    let mut conn = app.app.db.conn().unwrap();
    let unit: i64 = ikrar::db::counts::signed(&mut conn, &pact_id(PACT))
        .unwrap()
        .iter()
        .map(|(_, _, n)| n)
        .sum();
    assert_eq!(unit, signed + 1);
}

/// The answers of spawned writes, each of which must have succeeded.
async fn answers_of<T: std::fmt::Debug>(handles: Vec<JoinHandle<Result<T, DbError>>>) -> Vec<T> {
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.unwrap().unwrap());
    }
    answers
}
