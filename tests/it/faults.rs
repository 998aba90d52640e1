//! Faults survived: a database that does not answer (every connection busy past the pool's
//! wait; on PostgreSQL, the server gone and back) is told as "coba lagi sebentar" with a 503 and
//! `Retry-After`, no request hangs past the pool's wait, the pool reconnects by itself, and
//! every receipt issued before and after is in the log.

use crate::common::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What a page says when the database is away, and how soon to come back.
async fn assert_try_again(res: reqwest::Response, started: Instant) {
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    let page = res.text().await.unwrap();
    assert!(page.contains("coba lagi sebentar"), "{page}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_connection_busy_is_a_short_wait_and_a_clear_503() {
    let app = TestApp::spawn_configured(DataDir::new(), |c| {
        c.pool.size = 2;
        c.pool.timeout = Duration::from_secs(1);
    })
    .await;
    let browser = app.browser();
    let held: Vec<_> = (0..2).map(|_| app.app.db.conn().unwrap()).collect();
    let started = Instant::now();
    let res = browser
        .get(app.url("/log/checkpoint"))
        .send()
        .await
        .unwrap();
    assert_try_again(res, started).await;
    drop(held);
    let res = browser
        .get(app.url("/log/checkpoint"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// A TCP relay to the database that can be cut (the server "stops": every connection closed,
/// nothing listening) and restored on the same port.
struct Relay {
    port: u16,
    upstream: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let relay = Relay {
            port: listener.local_addr().unwrap().port(),
            upstream,
            tasks: Arc::default(),
        };
        relay.serve(listener);
        relay
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream.clone(), self.tasks.clone());
        let inner = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                inner.lock().unwrap().push(pipe);
            }
        });
        tasks.lock().unwrap().push(accept);
    }

    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener);
    }
}

/// On PostgreSQL, a relay to the test's database server and `data`'s database URL through it;
/// on the embedded SQLite (no server to lose), nothing.
async fn relayed_database(data: &DataDir) -> Option<(Relay, String)> {
    let url = data.database_url()?.to_owned();
    let (scheme_host, rest) = url.split_at(url.rfind('/').unwrap());
    let host_port = scheme_host
        .rsplit('@')
        .next()
        .unwrap()
        .trim_start_matches("postgres://");
    let upstream = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    let relay = Relay::start(upstream).await;
    let through_relay = format!(
        "{}127.0.0.1:{}{rest}",
        &scheme_host[..scheme_host.len() - host_port.len()],
        relay.port
    );
    Some((relay, through_relay))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_gone_and_back_loses_no_receipt() {
    let data = DataDir::new();
    let Some((relay, through_relay)) = relayed_database(&data).await else {
        // The embedded SQLite has no server to lose; the test above covers its busy pool.
        return;
    };
    let app = TestApp::spawn_configured(data, |c| {
        c.database = ikrar::config::DatabaseUrl::Postgres(through_relay.clone().into());
        c.pool.timeout = Duration::from_secs(2);
    })
    .await;
    let codes = app.import_roster(&small_roster());
    let browser = app.browser();
    let code = |nip: &str| codes.iter().find(|(n, _)| n == nip).unwrap().1.clone();
    app.activate_ok(&browser, SITI, &code(SITI)).await;
    let before = app.sign(&browser, SITI, PASSPHRASE).await;
    assert_eq!(before.status(), 303);

    relay.cut();
    let started = Instant::now();
    let res = browser
        .get(app.url("/log/checkpoint"))
        .send()
        .await
        .unwrap();
    assert_try_again(res, started).await;
    let started = Instant::now();
    let res = browser.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(started.elapsed() < Duration::from_secs(10));

    relay.restore().await;
    // The pool replaces its broken connections by itself: within a few tries, all is well.
    let mut back = false;
    for _ in 0..50 {
        if browser
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            == 200
        {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the pool never reconnected");
    app.activate_ok(&browser, BUDI, &code(BUDI)).await;
    assert_eq!(app.sign(&browser, BUDI, PASSPHRASE).await.status(), 303);

    // Both receipts are in the log, and the export verifies.
    let bundle = app.export("bundle.jsonl");
    let out = ikrar_offline(app.dir.path(), &["verify", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("2 tanda tangan"), "{}", text(&out));
}

/// What one signer of the load below saw.
#[derive(Default)]
struct LoadSeen {
    receipts: Vec<String>,
    try_again: usize,
    slowest: Duration,
}

/// One signer of a ceremony's load, at a person's pace: signs for each NIP it takes from
/// `people`; a "coba lagi sebentar" (503 with `Retry-After`) is tried again a moment later, as
/// a person would; anything else fails the test.
async fn keep_signing(base: String, people: Arc<Mutex<Vec<String>>>, seen: Arc<Mutex<LoadSeen>>) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let csrf = csrf_from(
        &client
            .get(format!("{base}/aktivasi"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    loop {
        let Some(nip) = people.lock().unwrap().pop() else {
            return;
        };
        loop {
            let started = Instant::now();
            let res = client
                .post(format!("{base}/pakta/{PACT}/tanda-tangan"))
                .form(&[
                    ("nip", nip.as_str()),
                    ("passphrase", PASSPHRASE),
                    ("setuju", "ya"),
                    ("csrf_token", csrf.as_str()),
                ])
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            let retry_after = res.headers().contains_key("retry-after");
            let page = res.text().await.unwrap();
            let took = started.elapsed();
            let signed = {
                let mut seen = seen.lock().unwrap();
                seen.slowest = seen.slowest.max(took);
                match status {
                    303 => {
                        seen.receipts.push(location.unwrap());
                        true
                    }
                    // Signed, though the answer was lost with the connection: the page names
                    // the receipt already made.
                    409 => true,
                    503 => {
                        assert!(retry_after && page.contains("coba lagi sebentar"), "{page}");
                        seen.try_again += 1;
                        false
                    }
                    other => panic!("signing answered {other} after {took:?}: {page}"),
                }
            };
            if signed {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_gone_longer_than_the_pool_waits_mid_load_loses_no_receipt() {
    let data = DataDir::new();
    let Some((relay, through_relay)) = relayed_database(&data).await else {
        return;
    };
    // The pool's own wait (30 s), which the outage outlasts.
    let app = TestApp::spawn_configured(data, |c| {
        c.database = ikrar::config::DatabaseUrl::Postgres(through_relay.clone().into());
    })
    .await;
    let pool_wait = app.app.config.pool.timeout;
    assert_eq!(pool_wait, Duration::from_secs(30));
    let codes = app.import_roster(&generated_roster(240, 28));
    let browser = app.browser();
    for (nip, code) in &codes {
        app.activate_ok(&browser, nip, code).await;
    }
    let people = Arc::new(Mutex::new(
        codes.iter().map(|(nip, _)| nip.clone()).collect::<Vec<_>>(),
    ));
    let seen = Arc::new(Mutex::new(LoadSeen::default()));
    let signers: Vec<_> = (0..6)
        .map(|_| tokio::spawn(keep_signing(app.base.clone(), people.clone(), seen.clone())))
        .collect();

    tokio::time::sleep(Duration::from_secs(2)).await;
    relay.cut();
    // What was under way at the cut has ended by now, one way or the other.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = seen.lock().unwrap().receipts.len();
    tokio::time::sleep(pool_wait + Duration::from_secs(4)).await;
    let in_the_gap = seen.lock().unwrap().receipts.len();
    relay.restore().await;
    for signer in signers {
        tokio::time::timeout(Duration::from_secs(120), signer)
            .await
            .expect("signing did not resume after the database came back")
            .unwrap();
    }

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(before > 0 && seen.try_again > 0, "no load met the outage");
    assert_eq!(in_the_gap, before, "a receipt while the database was away");
    assert!(
        seen.receipts.len() > in_the_gap,
        "no receipt after it came back"
    );
    // No request waited past the pool's wait (and the time the answer takes).
    assert!(
        seen.slowest < pool_wait + Duration::from_secs(5),
        "{:?}",
        seen.slowest
    );
    // Every receipt handed out is in the log, and everyone's signature is: the export verifies
    // with all of them.
    for receipt in &seen.receipts {
        let res = browser.get(app.url(receipt)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{receipt}");
    }
    let bundle = app.export("bundle.jsonl");
    let out = ikrar_offline(app.dir.path(), &["verify", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("{} tanda tangan", codes.len())),
        "{}",
        text(&out)
    );
}

/// A small tmpfs mounted at `at` (root only), unmounted when dropped.
struct SmallDisk {
    at: std::path::PathBuf,
}

impl SmallDisk {
    fn mount(at: &std::path::Path, size: &str) -> SmallDisk {
        std::fs::create_dir_all(at).unwrap();
        let mounted = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(at)
            .status()
            .unwrap();
        assert!(mounted.success(), "mount a tmpfs (the test needs root)");
        SmallDisk { at: at.to_owned() }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: the app under test may still hold its files open.
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.at)
            .status();
    }
}

/// Fills the file system under `dir` with `filler` until it refuses a byte more.
fn fill(filler: &std::path::Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(filler).unwrap();
    let block = vec![0u8; 64 * 1024];
    while file.write_all(&block).is_ok() {}
    while file.write_all(&block[..512]).is_ok() {}
    let _ = file.sync_all();
}

/// The disk fills during a ceremony (SQLite on a small tmpfs): signing answers a clear 503
/// and writes nothing, and works again once space is freed; nothing in the log is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "mounts a tmpfs, so needs root; CI runs it (cargo test --test it -- --ignored)"]
async fn a_full_disk_stops_signing_cleanly_until_space_is_freed() {
    let data = DataDir::new();
    if data.is_postgres() {
        return; // The database's disk is the PostgreSQL server's, not this machine's.
    }
    let disk = data.path().join("kecil");
    let _mounted = SmallDisk::mount(&disk, "6m");
    let app = TestApp::spawn_configured(data, |c| {
        c.data_dir = disk.clone();
        c.database = ikrar::config::DatabaseUrl::Sqlite(disk.join("ikrar.db"));
        c.log_key_path = disk.join("log-key.pem");
    })
    .await;
    let (roster, codes) = (
        app.dir.path().join("roster.csv"),
        app.dir.path().join("kode.csv"),
    );
    std::fs::write(&roster, small_roster()).unwrap();
    let imported = ikrar_command_sqlite(&disk)
        .args(["roster", "import", roster.to_str().unwrap()])
        .args(["--codes-out", codes.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", text(&imported));
    let browser = app.browser();
    for line in std::fs::read_to_string(&codes).unwrap().lines().skip(1) {
        let mut fields = line.split(',');
        let (nip, code) = (fields.next().unwrap(), fields.next().unwrap());
        app.activate_ok(&browser, nip, code).await;
    }
    assert_eq!(app.sign(&browser, SITI, PASSPHRASE).await.status(), 303);
    let before = app.counts();

    let filler = disk.join("pengisi");
    fill(&filler);
    let started = Instant::now();
    let refused = app.sign(&browser, BUDI, PASSPHRASE).await;
    assert_try_again(refused, started).await;
    assert_eq!(
        app.counts(),
        before,
        "nothing written while the disk is full"
    );

    std::fs::remove_file(&filler).unwrap();
    assert_eq!(app.sign(&browser, BUDI, PASSPHRASE).await.status(), 303);
    let (entries, signed, _) = app.counts();
    assert_eq!((entries, signed), (before.0 + 1, before.1 + 1));
    let bundle = app.dir.path().join("bundle.jsonl");
    let exported = ikrar_command_sqlite(&disk)
        .args(["export", "bundle", bundle.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(exported.status.success(), "{}", text(&exported));
    let out = ikrar_offline(app.dir.path(), &["verify", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
