//! `/periksa`, the checker in one HTML file, held to `ikrar verify`: every case of
//! `crates/ikrar-log/tests/cases` (and a bundle and receipts from a real app) gets the same
//! verdict and the same findings from the page, opened from disk, as from the command line.

use crate::cases::{self, Case};
use crate::common::*;
use crate::driver::{Browser, DESKTOP, DESKTOP_IN_ENGLISH, PHONE, PHONE_IN_ENGLISH};
use fantoccini::Locator;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A verdict and its findings as `(entry index or -1, code)`, sorted.
#[derive(Debug, PartialEq, Eq)]
struct Verdict {
    status: String,
    findings: Vec<(i64, String)>,
}

/// What `ikrar verify` (or `verify-receipt`) says of a file, called with `--json`: its exit
/// code as the page's status, and the findings of its summary.
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
    if status != "galat" {
        // Both commands take `--json` and list every finding.
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("summary");
        for fault in summary["faults"].as_array().expect("faults") {
            let index = fault["index"].as_i64().unwrap_or(-1);
            findings.push((index, fault["code"].as_str().unwrap_or("").to_owned()));
        }
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
    min: Option<usize>,
) -> Verdict {
    browser.client.goto(url).await.expect("open the checker");
    fill_and_wait(browser, file, since, key, witnesses, min).await
}

/// [`page_verdict`] on the page already open.
async fn fill_and_wait(
    browser: &Browser,
    file: &Path,
    since: Option<&Path>,
    key: Option<&str>,
    witnesses: &[String],
    min: Option<usize>,
) -> Verdict {
    let client = &browser.client;
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
    if let Some(min) = min {
        put("saksi-min", min.to_string()).await;
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
    command: &'a str,
    file: &'a str,
    since: Option<&'a str>,
    key: Option<&'a str>,
    witnesses: &'a [String],
    min: Option<&'a str>,
) -> Vec<&'a str> {
    let mut args = vec![command, file, "--json"];
    for witness in witnesses {
        args.extend(["--witness", witness.as_str()]);
    }
    if let Some(min) = min {
        args.extend(["--witnesses-min", min]);
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
        let min = case.witnesses_min.map(|k| k.to_string());
        let expected = command_line(&verify_args(
            "verify",
            &bundle_arg,
            since_arg.as_deref(),
            case.log_key.as_deref(),
            &case.witnesses,
            min.as_deref(),
        ));
        let found = page_verdict(
            &browser,
            &offline,
            &bundle,
            since.as_deref(),
            case.log_key.as_deref(),
            &case.witnesses,
            case.witnesses_min,
        )
        .await;
        assert_eq!(found, expected, "case {}", case.name);
    }
    // Every receipt case, JSON and PDF.
    for case in cases::receipts() {
        let path = dir.path().join(format!("{}.{}", case.name, case.extension));
        std::fs::write(&path, &case.bytes).unwrap();
        let path_arg = path.display().to_string();
        let min = case.witnesses_min.map(|k| k.to_string());
        let expected = command_line(&verify_args(
            "verify-receipt",
            &path_arg,
            None,
            case.log_key.as_deref(),
            &case.witnesses,
            min.as_deref(),
        ));
        let wanted = match case.expect {
            cases::Expect::Unreadable => "galat",
            cases::Expect::Faults([]) => "sah",
            _ => "tidak-sah",
        };
        assert_eq!(expected.status, wanted, "{}: {expected:?}", case.name);
        let found = page_verdict(
            &browser,
            &offline,
            &path,
            None,
            case.log_key.as_deref(),
            &case.witnesses,
            case.witnesses_min,
        )
        .await;
        assert_eq!(found, expected, "receipt case {}", case.name);
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
    let expected = command_line(&verify_args(
        "verify",
        &exported_arg,
        None,
        Some(&key),
        &[],
        None,
    ));
    assert_eq!(expected.status, "sah", "{expected:?}");
    let found = page_verdict(&browser, &offline, &exported, None, Some(&key), &[], None).await;
    assert_eq!(found, expected);
    browser.look("bundle-sah").await;
    // Opened from the file, the page still checks in Web Workers; in a browser without them,
    // on its own thread, with the same verdicts.
    assert!(workers(&browser).await >= 1, "no Web Worker from file://");
    for name in ["many_one_bad", "many_since", "signed_twice"] {
        let case = cases::all().into_iter().find(|c| c.name == name).unwrap();
        let (bundle, since) = write_case(dir.path(), &case);
        let bundle_arg = bundle.display().to_string();
        let since_arg = since.as_ref().map(|p| p.display().to_string());
        let expected = command_line(&verify_args(
            "verify",
            &bundle_arg,
            since_arg.as_deref(),
            None,
            &[],
            None,
        ));
        browser.client.goto(&offline).await.unwrap();
        browser
            .client
            .execute("window.Worker = undefined;", vec![])
            .await
            .unwrap();
        let found = fill_and_wait(&browser, &bundle, since.as_deref(), None, &[], None).await;
        assert_eq!(found, expected, "{name} without workers");
        assert_eq!(workers(&browser).await, 0, "{name}");
    }

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
        let expected = command_line(&["verify-receipt", &path_arg, "--json"]);
        assert_eq!(expected.status, status, "{name}: {expected:?}");
        let found = page_verdict(&browser, &offline, &path, None, None, &[], None).await;
        assert_eq!(found, expected, "{name}");
        if name == "bukti.pdf" {
            let text = browser.look("bukti-sah").await;
            // The signing time in WIB, with the UTC form, as verify-receipt prints it.
            assert!(text.contains(" WIB (20"), "{text}");
        }
    }
    let wrong_key = "ikrar.localhost/log+00000000+AQ==";
    let json_path = dir.path().join("bukti.json");
    let json_arg = json_path.display().to_string();
    let expected = command_line(&[
        "verify-receipt",
        &json_arg,
        "--log-key",
        wrong_key,
        "--json",
    ]);
    let found = page_verdict(
        &browser,
        &offline,
        &json_path,
        None,
        Some(wrong_key),
        &[],
        None,
    )
    .await;
    assert_eq!(found, expected);
    assert_eq!(
        found.findings,
        vec![
            (-1, "log_key_invalid".to_owned()),
            (-1, "log_key_mismatch".to_owned())
        ]
    );
    browser.stop().await;

    // Served by the app: its policy lets the page's own script run.
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
    // On a phone and at 1366 px, in both languages.
    for device in [PHONE, PHONE_IN_ENGLISH, DESKTOP, DESKTOP_IN_ENGLISH] {
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
            None,
        )
        .await;
        assert_eq!(found.status, "sah");
        assert_eq!(kunci(&browser).await, "disematkan");
        assert!(workers(&browser).await >= 1, "no Web Worker when served");
        browser.look("periksa-sah").await;
        let found = served_verdict(&browser, &app, &invalid_bundle).await;
        assert_eq!(found.status, "tidak-sah");
        let text = browser.look("periksa-tidak-sah").await;
        assert!(
            text.contains(if english { "NOT VALID" } else { "TIDAK SAH" }),
            "{text}"
        );
        // Valid under the file's own key: not a plain SAH, and `data-kunci` says whose key.
        let found = served_verdict(&browser, &app, &exported).await;
        assert_eq!(found.status, "sah");
        assert_eq!(kunci(&browser).await, "berkas");
        let text = browser.look("periksa-sah-kunci-berkas").await;
        assert!(
            text.contains(if english {
                "Valid under the key inside the file — not yet compared with the official key."
            } else {
                "Sah menurut kunci di dalam berkas — belum dibandingkan dengan kunci resmi."
            }),
            "{text}"
        );
        // A roster is neither a bundle nor a receipt: the page says so, in words.
        let roster = dir.path().join("roster.csv");
        std::fs::write(&roster, small_roster()).unwrap();
        let found = served_verdict(&browser, &app, &roster).await;
        assert_eq!(found.status, "galat");
        let text = browser.look("periksa-bukan-bundle").await;
        assert!(
            text.contains(if english {
                "neither an ikrar export bundle nor a signature receipt"
            } else {
                "bukan bundle ekspor ikrar maupun bukti tanda tangan"
            }),
            "{text}"
        );
        assert!(
            !text.contains("JSON.parse") && !text.contains("Unexpected"),
            "{text}"
        );
        browser.stop().await;
    }

    // Served, the page follows the site's choice (`?lang=`) over the browser's language.
    let mut browser = Browser::start(PHONE, "periksa").await;
    let text = browser
        .visit(&app.url("/periksa?lang=en"), "periksa-lang-en")
        .await;
    assert!(text.contains("Check an ikrar bundle"), "{text}");
    browser.stop().await;
}

/// The verdict of the page as the app serves it, on `file` with nothing else given.
async fn served_verdict(browser: &Browser, app: &TestApp, file: &Path) -> Verdict {
    page_verdict(browser, &app.url("/periksa"), file, None, None, &[], None).await
}

/// One of the verdict's `data-` attributes on `#hasil` (empty when absent).
async fn verdict_data(browser: &Browser, name: &str) -> String {
    let value = browser
        .client
        .execute(
            "return document.getElementById('hasil').dataset[arguments[0]] || '';",
            vec![serde_json::Value::from(name)],
        )
        .await
        .expect("read the verdict's data");
    value.as_str().unwrap_or("").to_owned()
}

/// The page's `data-kunci`: `disematkan` (a key the auditor gave) or `berkas` (the file's own).
async fn kunci(browser: &Browser) -> String {
    verdict_data(browser, "kunci").await
}

/// How many Web Workers checked the bundle's lines (`data-pekerja`; 0 for none).
async fn workers(browser: &Browser) -> u32 {
    verdict_data(browser, "pekerja").await.parse().unwrap_or(0)
}
