//! Witnesses (C2SP tlog-witness): an `ikrar witness serve` process cosigns the checkpoints of a
//! log written by two app servers on one database; a second database under the same log key
//! (a split view) is refused, and the refusal shows on that deployment's dashboard; the witness
//! keeps its record across a restart; `ikrar verify --witness` and `verify-receipt --witness`
//! hold a bundle and a receipt to the witness's cosignature.

use crate::common::*;
use ikrar::config::WitnessConfig;
use ikrar_log::cosignature::{AddCheckpoint, WitnessKey};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running `ikrar witness serve`, killed when dropped.
struct Witness {
    child: Child,
    url: String,
}

impl Witness {
    async fn start(dir: &Path, port: u16, log_key: &str) -> Witness {
        let child = witness_command(dir)
            .args([
                "witness",
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--log",
                log_key,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the witness");
        // Killed (and waited for) on drop, also when it never answers.
        let witness = Witness {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..600 {
            // An empty request is a bad one: any answer means the witness is up.
            let sent = client
                .post(format!("{}/add-checkpoint", witness.url))
                .send();
            if sent.await.is_ok() {
                return witness;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the witness did not start");
    }
}

impl Drop for Witness {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn witness_command(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ikrar"));
    command
        .env("IKRAR_DATA_DIR", dir)
        .env("IKRAR_WITNESS_NAME", "saksi.bawaslu.test")
        .env_remove("DATABASE_URL");
    command
}

/// The checkpoint `base` serves now.
async fn checkpoint(base: &str) -> String {
    reqwest::get(format!("{base}/log/checkpoint"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits until `base` serves a checkpoint of `size` entries cosigned by `key`.
async fn cosigned(base: &str, key: &WitnessKey, size: i64) -> String {
    for _ in 0..600 {
        let note = checkpoint(base).await;
        let at = note.lines().nth(1).and_then(|l| l.parse::<i64>().ok());
        if at == Some(size) && key.cosigned_at(&note).is_some() {
            return note;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{base} never served a cosigned checkpoint of size {size}: {}",
        checkpoint(base).await
    );
}

fn log_size(app: &TestApp) -> i64 {
    app.counts().0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_witness_cosigns_one_history_refuses_a_split_view_and_remembers() {
    let witness_dir = tempfile::tempdir().unwrap();
    let out = witness_command(witness_dir.path())
        .args(["witness", "key"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let witness_key_text = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let witness_key = WitnessKey::parse(&witness_key_text).unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let config = WitnessConfig {
        key_text: witness_key_text.clone(),
        key: witness_key.clone(),
        url: url.clone(),
    };

    // Server A (in this process) starts before the witness does: its first requests fail, and
    // it asks again once the witness is up.
    let with_witness = |c: &mut ikrar::config::Config| c.witnesses = vec![config.clone()];
    let a = TestApp::spawn_configured(DataDir::new(), with_witness).await;
    let codes = a.import_roster(&small_roster());
    let log_key = a.app.log.verifier_key();
    let witness = Witness::start(witness_dir.path(), port, &log_key).await;
    assert_eq!(witness.url, url);

    // Server B: another process on the same database.
    let witnesses_env = format!("{witness_key_text} {url}");
    let b = Server::start_anywhere_with(&a.dir, &[("IKRAR_WITNESSES", &witnesses_env)]).await;
    let browser = a.browser();
    let code = |nip: &str| codes.iter().find(|(n, _)| n == nip).unwrap().1.clone();
    a.activate_ok(&browser, SITI, &code(SITI)).await;
    let receipt = a.sign(&browser, SITI, PASSPHRASE).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let people = Arc::new(Mutex::new(vec![(BUDI.to_owned(), code(BUDI))]));
    sign_for_everyone(b.base.clone(), people, Arc::new(Mutex::new(Vec::new()))).await;
    let size = log_size(&a);
    let note = cosigned(&a.base, &witness_key, size).await;
    assert_eq!(
        cosigned(&b.base, &witness_key, size).await,
        note,
        "both servers serve it"
    );

    // The dashboard names the witness and what it cosigned.
    create_admin(&a, "bkpsdm", "superadmin", None);
    let admin = signed_in(&a, "bkpsdm").await;
    let home = a.page(&admin, "/admin").await;
    assert!(
        home.contains("saksi.bawaslu.test") && home.contains(&format!(" {size} (")),
        "{home}"
    );
    assert!(!home.contains("data-refusal"), "{home}");

    // Auditors hold a bundle and a receipt to the witness.
    let bundle = a.export("ikrar.jsonl");
    let bundle = bundle.to_str().unwrap();
    let verify = |args: &[&str]| ikrar_offline(a.dir.path(), args).status.code();
    let said = ikrar_offline(
        a.dir.path(),
        &["verify", bundle, "--witness", &witness_key_text],
    );
    assert_eq!(said.status.code(), Some(0), "{}", text(&said));
    assert!(
        text(&said).contains("Disaksikan oleh: saksi.bawaslu.test"),
        "{}",
        text(&said)
    );
    let stranger = witness_command(tempfile::tempdir().unwrap().path())
        .args(["witness", "key"])
        .output()
        .unwrap();
    let stranger = String::from_utf8(stranger.stdout)
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(
        verify(&["verify", bundle, "--witness", &stranger]),
        Some(1),
        "never signed"
    );
    assert_eq!(
        verify(&[
            "verify",
            bundle,
            "--witness",
            &witness_key_text,
            "--witness",
            &stranger,
            "--witnesses-min",
            "1"
        ]),
        Some(0)
    );
    assert_eq!(
        verify(&["verify", bundle, "--witness", "bukan-kunci"]),
        Some(2)
    );
    let json = a.receipt_json(&receipt, SITI).await;
    let receipt_file = a.dir.path().join("bukti.json");
    std::fs::write(&receipt_file, json).unwrap();
    let receipt_file = receipt_file.to_str().unwrap();
    assert_eq!(
        verify(&[
            "verify-receipt",
            receipt_file,
            "--witness",
            &witness_key_text
        ]),
        Some(0)
    );
    assert_eq!(
        verify(&["verify-receipt", receipt_file, "--witness", &stranger]),
        Some(1)
    );

    // A split view: a second database under the same log key, with a history of its own.
    let forked_dir = DataDir::new();
    std::fs::copy(
        a.dir.path().join("log-key.pem"),
        forked_dir.path().join("log-key.pem"),
    )
    .unwrap();
    let c = TestApp::spawn_configured(forked_dir, with_witness).await;
    assert_eq!(c.app.log.verifier_key(), log_key);
    let forked_codes = c.import_roster(&small_roster());
    let forked = c.browser();
    for nip in [ANI, SITI, BUDI] {
        let code = &forked_codes.iter().find(|(n, _)| n == nip).unwrap().1;
        c.activate_ok(&forked, nip, code).await;
        assert_eq!(c.sign(&forked, nip, PASSPHRASE).await.status(), 303);
    }
    create_admin(&c, "bkpsdm", "superadmin", None);
    let admin_c = signed_in(&c, "bkpsdm").await;
    let mut refused = String::new();
    for _ in 0..600 {
        refused = c.page(&admin_c, "/admin").await;
        if refused.contains("data-refusal") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // C's log (7 entries) does not extend the 5 the witness cosigned for A: 422.
    assert!(
        refused.contains("data-refusal") && refused.contains("422"),
        "the refusal shows: {refused}"
    );
    assert!(refused.contains("saksi menjawab 422"), "{refused}");
    // Stored without a language: an admin reading English reads it in English.
    c.page(&admin_c, "/bahasa/en?kembali=/admin").await;
    let english = c.page(&admin_c, "/admin").await;
    assert!(
        english.contains("the witness answered 422") && !english.contains("saksi menjawab"),
        "{english}"
    );
    assert!(witness_key
        .cosigned_at(&checkpoint(&c.base).await)
        .is_none());

    // The witness's record is still A's history: A's next checkpoint is cosigned.
    a.activate_ok(&browser, ANI, &code(ANI)).await;
    cosigned(&a.base, &witness_key, log_size(&a)).await;

    // Restarted, the witness still holds A's size: a client claiming it holds nothing is told.
    drop(witness);
    let witness = Witness::start(witness_dir.path(), free_port(), &log_key).await;
    let request = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: checkpoint(&a.base).await,
    };
    let answer = reqwest::Client::new()
        .post(format!("{}/add-checkpoint", witness.url))
        .body(request.to_text())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 409);
    assert_eq!(answer.headers()["content-type"], "text/x.tlog.size");
    assert_eq!(answer.text().await.unwrap(), format!("{}\n", log_size(&a)));
    drop(b);
}

/// A "witness" that answers every request with 200 and an endless body (up to `limit` bytes);
/// returns its URL and the bytes it managed to send.
async fn flooding_witness(limit: usize) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 8192];
                let _ = stream.read(&mut request).await;
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'a'; 64 * 1024];
                let mut written = 0;
                while written < limit {
                    if stream.write_all(&chunk).await.is_err() {
                        return;
                    }
                    written += chunk.len();
                    counter.fetch_add(chunk.len(), Ordering::Relaxed);
                }
            });
        }
    });
    (url, sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_witness_that_answers_without_end_is_cut_off_after_a_few_kib() {
    use std::sync::atomic::Ordering;
    const FLOOD: usize = 512 << 20;
    let (url, sent) = flooding_witness(FLOOD).await;
    let signer = ikrar_log::cosignature::WitnessSigner::new(
        "saksi.banjir.test",
        ed25519_dalek::SigningKey::from_bytes(&[7; 32]),
    )
    .unwrap();
    let key_text = signer.verifier_key();
    let config = WitnessConfig {
        key: WitnessKey::parse(&key_text).unwrap(),
        key_text,
        url,
    };
    let app = TestApp::spawn_configured(DataDir::new(), |c| c.witnesses = vec![config]).await;
    app.import_roster(&small_roster());
    create_admin(&app, "bkpsdm", "superadmin", None);
    let admin = signed_in(&app, "bkpsdm").await;
    let mut home = String::new();
    for _ in 0..300 {
        home = app.page(&admin, "/admin").await;
        if home.contains("lebih dari 16 KiB") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(home.contains("lebih dari 16 KiB"), "{home}");
    // What the flood got out before the app hung up: the app's cap plus socket buffers, far
    // from the whole flood.
    let got_out = sent.load(Ordering::Relaxed);
    assert!(got_out < 64 << 20, "{got_out} bytes were taken in");
}
