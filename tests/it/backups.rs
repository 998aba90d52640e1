//! Backups and interrupted commands: `ikrar backup` taken while employees sign, restored with
//! the two documented commands into a fresh data directory, starts and verifies against a
//! checkpoint kept before the backup, its log ending at the checkpoint the backup names; and an
//! export killed half-way leaves nothing under the file's name.

use crate::common::*;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_people_sign_restores_and_verifies() {
    let app = TestApp::spawn().await;
    if app.dir.is_postgres() {
        // `ikrar backup` copies SQLite; PostgreSQL's dump and restore are run as documented by
        // the docs drill (.ci/docs-drill).
        return;
    }
    let codes = app.import_roster(&generated_roster(24, 5));
    let (first, rest) = codes.split_at(8);
    let browser = app.browser();
    for (nip, code) in first {
        app.activate_ok(&browser, nip, code).await;
        assert_eq!(app.sign(&browser, nip, PASSPHRASE).await.status(), 303);
    }
    let kept = app.dir.path().join("cp-1.txt");
    let checkpoint = browser
        .get(app.url("/log/checkpoint"))
        .send()
        .await
        .unwrap();
    std::fs::write(&kept, checkpoint.text().await.unwrap()).unwrap();

    // The others sign while the backup is taken.
    let people = Arc::new(Mutex::new(rest.to_vec()));
    let signers: Vec<_> = (0..3)
        .map(|_| {
            let (base, people) = (app.base.clone(), people.clone());
            tokio::spawn(sign_for_everyone(base, people, Arc::default()))
        })
        .collect();
    let backup = app.dir.path().join("cadangan.db");
    let out = {
        let (data, path) = (app.dir.path().to_owned(), backup.clone());
        tokio::task::spawn_blocking(move || {
            ikrar_command_sqlite(&data)
                .args(["backup", path.to_str().unwrap()])
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert!(out.status.success(), "{}", text(&out));
    for signer in signers {
        signer.await.unwrap();
    }
    let said = text(&out);
    let named = said
        .split("Checkpoint di dalam salinan:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("the backup names no checkpoint: {said}"));

    // Restore as DEPLOYING.md says: two commands, into a directory of its own.
    let restored = tempfile::tempdir().unwrap();
    let target = restored.path().join("data");
    let commands = format!(
        "install -D -m 600 {} {}/ikrar.db && install -m 600 {}/log-key.pem {}/",
        backup.display(),
        target.display(),
        app.dir.path().display(),
        target.display()
    );
    let done = Command::new("sh").args(["-c", &commands]).output().unwrap();
    assert!(done.status.success(), "{}", text(&done));

    // It starts, and its log is the backup's: it verifies from the checkpoint kept before, and
    // ends at the checkpoint the backup named.
    let port = free_port();
    let mut server = ikrar_command_sqlite(&target)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut head = String::new();
    for _ in 0..300 {
        if let Ok(res) = reqwest::get(format!("http://127.0.0.1:{port}/log/checkpoint")).await {
            head = res.text().await.unwrap();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    let body = |note: &str| note.split("\n\n").next().unwrap_or_default().to_owned();
    assert!(!head.is_empty(), "the restored server did not answer");
    assert_eq!(
        body(&head),
        body(named),
        "the restored log ends where the backup said"
    );
    let bundle = restored.path().join("bundle.jsonl");
    let out = ikrar_command_sqlite(&target)
        .args(["export", "bundle", bundle.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let log_key = restored.path().join("log-key.txt");
    let key = reqwest::get(app.url("/log/key"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    std::fs::write(&log_key, key).unwrap();
    let out = ikrar_offline(
        restored.path(),
        &[
            "verify",
            bundle.to_str().unwrap(),
            "--since",
            kept.to_str().unwrap(),
            "--log-key",
            log_key.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// `mkfifo`: a file that holds a writer until someone reads it.
fn fifo(path: &std::path::Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success());
}

#[tokio::test]
async fn an_export_killed_half_way_leaves_nothing_under_its_name() {
    let app = TestApp::spawn().await;
    app.everyone_signs().await;
    for (args, name, partial) in [
        (
            vec!["export", "bundle"],
            "bundle.jsonl",
            "bundle.jsonl.partial",
        ),
        (
            vec!["export", "report", "--pact", "netralitas-2024"],
            "rekap.xlsx",
            "rekap.partial",
        ),
    ] {
        let out = app.dir.path().join(name);
        // The export writes to a partial file first: made a FIFO here, the writer stops there,
        // half-way, until it is killed.
        let partial = app.dir.path().join(partial);
        let _ = std::fs::remove_file(&partial);
        fifo(&partial);
        let mut all = args.clone();
        all.insert(2, out.to_str().unwrap());
        let mut child = ikrar_command(&app.dir)
            .args(&all)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(child.try_wait().unwrap().is_none(), "{name}: still writing");
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!out.exists(), "{name}: a half-written file under its name");
        std::fs::remove_file(&partial).unwrap();
        // Run again, it completes.
        let done = app.ikrar(&all);
        assert!(done.status.success(), "{name}: {}", text(&done));
        assert!(out.exists());
    }
}

#[tokio::test]
async fn a_roster_import_killed_half_way_imports_nobody() {
    let data = DataDir::deployed();
    let roster = data.path().join("roster.csv");
    std::fs::write(&roster, generated_roster(20_000, 9)).unwrap();
    let mut child = ikrar_command(&data)
        .args(["roster", "import", roster.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let db = ikrar::db::Db::open(&data.database(), ikrar::config::PoolSettings::default()).unwrap();
    let count = ikrar::db::employees::count(&mut db.conn().unwrap()).unwrap();
    assert!(count == 0 || count == 20_000, "{count} of 20000 imported");
}
