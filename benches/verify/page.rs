//! The `/periksa` page (`static/periksa.html`) on the bench's bundle, in headless Chromium driven
//! over WebDriver on loopback: seconds from the click to the verdict.

use fantoccini::{ClientBuilder, Locator};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Seconds the page took to check `bundle`, and its verdict (`sah`, `tidak-sah`, `galat`).
pub fn check(dir: &Path, bundle: &Path) -> (f64, String) {
    let page = dir.join("periksa-ikrar.html");
    std::fs::write(&page, ikrar::web::checker::PAGE).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(&page, bundle))
}

async fn run(page: &Path, bundle: &Path) -> (f64, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or("/usr/bin/chromedriver".into());
    let chromium = std::env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into());
    let mut driver = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver");
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     format!("--user-data-dir={}", profile.path().display())],
        }),
    );
    let mut client = None;
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(c) = ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            client = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let client = client.expect("a WebDriver session");
    client
        .goto(&format!("file://{}", page.display()))
        .await
        .unwrap();
    client
        .find(Locator::Id("berkas"))
        .await
        .unwrap()
        .send_keys(&bundle.display().to_string())
        .await
        .unwrap();
    let started = Instant::now();
    client
        .find(Locator::Id("periksa"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = loop {
        let status = client
            .execute(
                "return document.getElementById('hasil').dataset.status || null;",
                vec![],
            )
            .await
            .unwrap();
        if let Some(status) = status.as_str() {
            break status.to_owned();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let seconds = started.elapsed().as_secs_f64();
    let _ = client.close().await;
    let _ = driver.kill();
    let _ = driver.wait();
    (seconds, status)
}
