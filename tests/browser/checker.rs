//! `/periksa`, the checker in one HTML file, held to `ikrar verify`: every case of
//! `crates/ikrar-log/tests/cases` (and a bundle and receipts from a real app) gets the same
//! verdict and the same findings from the page, opened from disk, as from the command line.

use crate::cases::{self, Case};
use crate::common::*;
use crate::driver::{Browser, DESKTOP, PHONE, PHONE_IN_ENGLISH};
use fantoccini::Locator;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A verdict and its findings as `(entry index or -1, code)`, sorted.
#[derive(Debug, PartialEq, Eq)]
struct Verdict {
    status: String,
    findings: Vec<(i64, String)>,
}

/// What `ikrar verify` (or `verify-receipt`) says of a file: its exit code as the page's
/// status, and, for a bundle, the findings of its `--json` summary.
fn command_line(args: &[&str]) -> Verdict {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ikrar"))
        .args(args)
        .output()
        .expect("run ikrar");
    let status = match out.status.code() {
        Some(0) => "sah",
        Some(1) => "tidak-sah",
        _ => "galat",
    };
    let mut findings = Vec::new();
    if args[0] == "verify" && status != "galat" {
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("summary");
        for fault in summary["faults"].as_array().expect("faults") {
            let index = fault["index"].as_i64().unwrap_or(-1);
            findings.push((index, fault["code"].as_str().unwrap_or("").to_owned()));
        }
    }
    if args[0] == "verify-receipt" && status == "tidak-sah" {
        // `HASIL: TIDAK SAH — [code] …`
        let text = String::from_utf8_lossy(&out.stdout);
        let code = text
            .split_once('[')
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(code, _)| code.to_owned())
            .unwrap_or_default();
        findings.push((-1, code));
    }
    findings.sort();
    Verdict {
        status: status.to_owned(),
        findings,
    }
}

/// Gives the page a file (and optionally an older checkpoint and a pinned key) and waits for
/// its verdict.
async fn page_verdict(
    browser: &Browser,
    url: &str,
    file: &Path,
    since: Option<&Path>,
    key: Option<&str>,
    witnesses: &[String],
) -> Verdict {
    let client = &browser.client;
    client.goto(url).await.expect("open the checker");
    let put = |id: &'static str, value: String| async move {
        client
            .find(Locator::Id(id))
            .await
            .expect(id)
            .send_keys(&value)
            .await
            .expect(id);
    };
    put("berkas", file.display().to_string()).await;
    if let Some(since) = since {
        put("sejak", since.display().to_string()).await;
    }
    if let Some(key) = key {
        put("kunci", key.to_owned()).await;
    }
    if !witnesses.is_empty() {
        put("saksi", witnesses.join("\n")).await;
    }
    browser.click("#periksa").await;
    for _ in 0..1200 {
        let found = client
            .execute(
                "const out = document.getElementById('hasil');
                 if (!out.dataset.status) return null;
                 return [out.dataset.status, [...out.querySelectorAll('li[data-code]')]
                   .map(li => [li.dataset.index === '' ? -1 : Number(li.dataset.index), li.dataset.code])];",
                vec![],
            )
            .await
            .expect("read the verdict");
        if let Some([status, findings]) = found.as_array().map(Vec::as_slice) {
            let mut findings: Vec<(i64, String)> =
                serde_json::from_value(findings.clone()).expect("findings");
            findings.sort();
            return Verdict {
                status: status.as_str().unwrap_or("").to_owned(),
                findings,
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no verdict from the page for {}", file.display());
}

/// Writes a case's files; returns the bundle, the older checkpoint if any.
fn write_case(dir: &Path, case: &Case) -> (PathBuf, Option<PathBuf>) {
    let bundle = dir.join(format!("{}.jsonl", case.name));
    std::fs::write(&bundle, &case.bundle).expect("write the bundle");
    let since = case.since.as_ref().map(|text| {
        let path = dir.join(format!("{}-sejak.txt", case.name));
        std::fs::write(&path, text).expect("write the checkpoint");
        path
    });
    (bundle, since)
}

fn verify_args<'a>(
    bundle: &'a str,
    since: Option<&'a str>,
    key: Option<&'a str>,
    witnesses: &'a [String],
) -> Vec<&'a str> {
    let mut args = vec!["verify", bundle, "--json"];
    for witness in witnesses {
        args.extend(["--witness", witness.as_str()]);
    }
    if let Some(since) = since {
        args.extend(["--since", since]);
    }
    if let Some(key) = key {
        args.extend(["--log-key", key]);
    }
    args
}

/// The checker as the app serves it, saved to disk the way an auditor keeps it.
async fn saved_checker(app: &TestApp, dir: &Path) -> String {
    let res = app
        .browser()
        .get(app.url("/periksa/unduh"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("periksa-ikrar.html"), "{disposition}");
    let path = dir.join("periksa-ikrar.html");
    std::fs::write(&path, res.bytes().await.unwrap()).unwrap();
    format!("file://{}", path.display())
}

pub async fn auditors_get_the_same_verdicts_from_the_page_as_from_ikrar_verify() {
    let (app, receipt) = crate::app_where_siti_signed().await;
    let dir = tempfile::tempdir().unwrap();
    let offline = saved_checker(&app, dir.path()).await;
    let mut browser = Browser::start(DESKTOP, "periksa").await;

    // Every case of the Rust verifier's list, from the saved file.
    for case in cases::all() {
        let (bundle, since) = write_case(dir.path(), &case);
        let (bundle_arg, since_arg) = (
            bundle.display().to_string(),
            since.as_ref().map(|p| p.display().to_string()),
        );
        let expected = command_line(&verify_args(
            &bundle_arg,
            since_arg.as_deref(),
            case.log_key.as_deref(),
            &case.witnesses,
        ));
        let found = page_verdict(
            &browser,
            &offline,
            &bundle,
            since.as_deref(),
            case.log_key.as_deref(),
            &case.witnesses,
        )
        .await;
        assert_eq!(found, expected, "case {}", case.name);
    }

    // A bundle exported from a real app, pinned to its key.
    let exported = app.export("bundle.jsonl");
    let key = app
        .browser()
        .get(app.url("/log/key"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let exported_arg = exported.display().to_string();
    let expected = command_line(&verify_args(&exported_arg, None, Some(&key), &[]));
    assert_eq!(expected.status, "sah", "{expected:?}");
    let found = page_verdict(&browser, &offline, &exported, None, Some(&key), &[]).await;
    assert_eq!(found, expected);
    browser.look("bundle-sah").await;

    // Siti's receipt as JSON and as the PDF bukti; then with her name changed.
    let json = app.receipt_json(&receipt, SITI).await;
    let pdf = {
        let client = app.browser();
        let token = app.csrf(&client, &receipt).await;
        let res = client
            .post(app.url(&format!("{receipt}/unduh")))
            .form(&[
                ("nip", SITI),
                ("passphrase", PASSPHRASE),
                ("berkas", "pdf"),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.bytes().await.unwrap()
    };
    let tampered = json.replacen("name ", "name X", 1);
    let files = [
        ("bukti.json", json.as_bytes().to_vec(), "sah"),
        ("bukti.pdf", pdf.to_vec(), "sah"),
        ("bukti-diubah.json", tampered.into_bytes(), "tidak-sah"),
        (
            "bukti-terpotong.pdf",
            pdf[..pdf.len() / 2].to_vec(),
            "galat",
        ),
    ];
    for (name, bytes, status) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let path_arg = path.display().to_string();
        let expected = command_line(&["verify-receipt", &path_arg]);
        assert_eq!(expected.status, status, "{name}: {expected:?}");
        let found = page_verdict(&browser, &offline, &path, None, None, &[]).await;
        assert_eq!(found, expected, "{name}");
        if name == "bukti.pdf" {
            browser.look("bukti-sah").await;
        }
    }
    let wrong_key = "ikrar.localhost/log+00000000+AQ==";
    let json_path = dir.path().join("bukti.json");
    let json_arg = json_path.display().to_string();
    let expected = command_line(&["verify-receipt", &json_arg, "--log-key", wrong_key]);
    let found = page_verdict(&browser, &offline, &json_path, None, Some(wrong_key), &[]).await;
    assert_eq!(found, expected);
    assert_eq!(found.findings, vec![(-1, "log_key_mismatch".to_owned())]);
    browser.stop().await;

    // Served by the app: its policy lets the page's own script run; on a phone, in both languages.
    let res = app.browser().get(app.url("/periksa")).send().await.unwrap();
    let policy = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("script-src 'sha256-") && policy.contains("default-src 'none'"),
        "{policy}"
    );
    let invalid = cases::all()
        .into_iter()
        .find(|c| c.name == "signed_twice")
        .unwrap();
    let (invalid_bundle, _) = write_case(dir.path(), &invalid);
    for device in [PHONE, PHONE_IN_ENGLISH] {
        let mut browser = Browser::start(device, "periksa").await;
        let text = browser.visit(&app.url("/periksa"), "periksa").await;
        let english = device.languages.starts_with("en");
        assert!(
            text.contains(if english {
                "Check an ikrar bundle"
            } else {
                "Periksa bundle"
            }),
            "{text}"
        );
        let found = page_verdict(
            &browser,
            &app.url("/periksa"),
            &exported,
            None,
            Some(&key),
            &[],
        )
        .await;
        assert_eq!(found.status, "sah");
        browser.look("periksa-sah").await;
        let found = page_verdict(
            &browser,
            &app.url("/periksa"),
            &invalid_bundle,
            None,
            None,
            &[],
        )
        .await;
        assert_eq!(found.status, "tidak-sah");
        let text = browser.look("periksa-tidak-sah").await;
        assert!(
            text.contains(if english { "NOT VALID" } else { "TIDAK SAH" }),
            "{text}"
        );
        browser.stop().await;
    }
}
