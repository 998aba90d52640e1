//! The system's health: the console's "Kesehatan" page for superadmins (updated in place from
//! its JSON), Prometheus text on `IKRAR_METRICS_BIND` and never on the public address, and log
//! lines as JSON for log shippers.

use crate::common::*;

#[tokio::test]
async fn superadmins_see_the_last_hour_and_the_queues() {
    let (app, _) = console().await;
    // One wrong passphrase: a refusal to count.
    let stranger = app.browser();
    let res = app
        .sign(&stranger, SITI, "bukan frasa sandinya sama sekali")
        .await;
    assert_eq!(res.status(), 403);

    let bkpsdm = signed_in(&app, "bkpsdm").await;
    let page = app.page(&bkpsdm, "/admin/kesehatan").await;
    assert!(page.contains("Kesehatan sistem"), "{page}");
    // (Two signatures a few milliseconds apart can still fall into two minutes.)
    assert!(
        page.contains("2 dalam satu jam terakhir, paling banyak "),
        "{page}"
    );
    assert!(page.contains("<svg class=\"chart\""));
    let figures: serde_json::Value = bkpsdm
        .get(app.url("/admin/kesehatan/angka"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(figures["log_size"], "5", "a pact, two keys, two signatures");
    assert_eq!(figures["signatures"]["bars"].as_array().unwrap().len(), 60);
    let bars = figures["activations"]["bars"].as_array().unwrap();
    let tallest = bars.iter().map(|b| b["height"].as_i64().unwrap()).max();
    assert_eq!(tallest, Some(100), "{figures}");
    assert!(
        bars[..58].iter().all(|b| b["height"] == 0),
        "only the last minutes: {figures}"
    );
    let refusals = figures["refusals"].as_array().unwrap();
    assert_eq!(refusals[0][0], "NIP atau frasa sandi salah");
    assert_eq!(refusals[0][1], "1");
    assert_ne!(figures["sign_median"], "belum ada", "two signatures timed");

    for (who, expected) in [("dinkes", 403), ("bawaslu", 403)] {
        let browser = signed_in(&app, who).await;
        assert_eq!(
            status(&app, &browser, "/admin/kesehatan").await,
            expected,
            "{who}"
        );
        assert_eq!(
            status(&app, &browser, "/admin/kesehatan/angka").await,
            expected,
            "{who}"
        );
    }
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_and_logs_can_be_json() {
    let data = DataDir::new();
    let metrics_port = free_port();
    let metrics_bind = format!("127.0.0.1:{metrics_port}");
    let server = Server::start_anywhere_with(
        &data,
        &[
            ("IKRAR_METRICS_BIND", metrics_bind.as_str()),
            ("IKRAR_LOG_FORMAT", "json"),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let home = client
        .get(format!("{}/", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
    // Not on the public address.
    let public = client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
    let res = client
        .get(format!("http://{metrics_bind}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = res.text().await.unwrap();
    for expected in [
        "ikrar_http_requests_total{route=\"/\",status=\"200\"} 1",
        "ikrar_http_request_seconds_bucket{route=\"/\",le=\"",
        "ikrar_log_size 1",
        "ikrar_db_pool_max ",
        "ikrar_argon2_queue_depth 0",
        "ikrar_process_resident_bytes ",
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    // Every log line of the server is one JSON object; a request's carries its route, status
    // and time in whole microseconds.
    let log = server.output();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let answered = lines
        .iter()
        .find(|l| l["message"] == "answered")
        .unwrap_or_else(|| panic!("no request line in:\n{log}"));
    assert_eq!(answered["status"], 200);
    assert!(answered["latency_us"].is_u64(), "{answered}");
}

#[test]
fn an_unknown_log_format_is_refused_by_name() {
    let data = DataDir::new();
    let out = ikrar_command(&data)
        .args(["migrate"])
        .env("IKRAR_LOG_FORMAT", "yaml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("IKRAR_LOG_FORMAT harus text atau json"),
        "{}",
        text(&out)
    );
}
