//! The transparency log as auditors meet it: receipts, the /log API, export and offline
//! verification, and tampering with the database behind ikrar's back.

use crate::common::*;
use ikrar_log::merkle::{check_consistency, check_inclusion, leaf_hash, Hash};
use ikrar_log::note::LogVerifier;
use ikrar_log::receipt::{self, Receipt};
use std::path::Path;

/// Runs `ikrar verify` and returns (exit code, stdout).
fn verify(bundle: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["verify", bundle.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = ikrar_offline(bundle.parent().unwrap(), &args);
    (out.status.code().unwrap_or(-1), text(&out))
}

fn decode(proof: &serde_json::Value) -> Vec<Hash> {
    proof
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Hash::parse_hash(h.as_str().unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn receipts_verify_offline_and_forgeries_fail() {
    let app = TestApp::spawn().await;
    let receipts = app.everyone_signs().await;
    let (nip, path) = &receipts[0];
    let browser = app.browser();
    let page = app.page(&browser, path).await;
    assert!(page.contains("Unduh ulang bukti"), "{page}");
    let res = app.redownload(&browser, path, nip, PASSPHRASE).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let body = res.text().await.unwrap();
    assert!(
        body.starts_with("{\"format\":\"ikrar-receipt/v1\",\"log_key\":"),
        "{body}"
    );
    let parsed: Receipt = serde_json::from_str(&body).unwrap();
    let summary = receipt::check(
        &parsed,
        Some(&app.app.log.verifier_key()),
        &Default::default(),
    );
    assert!(summary.is_valid(), "{:?}", summary.faults);
    assert_eq!(summary.signer.unwrap().nip, "199004152019032004");

    // The same offline with the binary, pinned key or not.
    let file = app.dir.path().join("bukti.json");
    std::fs::write(&file, &body).unwrap();
    let key = app.app.log.verifier_key();
    for args in [vec![], vec!["--log-key", key.as_str()]] {
        let pinned = !args.is_empty();
        let mut all = vec!["verify-receipt", file.to_str().unwrap()];
        all.extend(args);
        let out = app.ikrar(&all);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let verdict = if pinned {
            "HASIL: SAH"
        } else {
            "HASIL: sah menurut kunci di dalam berkas"
        };
        assert!(text(&out).contains(verdict), "{}", text(&out));
        // Without a pinned key the output says where the key came from.
        assert_eq!(
            text(&out).contains("tanpa --log-key"),
            !pinned,
            "{}",
            text(&out)
        );
    }

    // Forgeries: another name, another proof, another key; and a file that is no receipt.
    let forged_name = body.replace("Siti Aminah", "Siti Aminat");
    let mut forged_proof = parsed.clone();
    forged_proof.proof.reverse();
    let other_key = "ikrar.localhost/log+00000000+AQ==";
    let cases: Vec<(String, Vec<&str>, i32, &str)> = vec![
        (forged_name, vec![], 1, "signature_invalid"),
        (
            serde_json::to_string(&forged_proof).unwrap(),
            vec![],
            1,
            "inclusion_proof",
        ),
        (
            body.clone(),
            vec!["--log-key", other_key],
            1,
            "log_key_mismatch",
        ),
        ("not json".into(), vec![], 2, "bukan berkas bukti"),
    ];
    for (content, extra, code, needle) in cases {
        std::fs::write(&file, &content).unwrap();
        let mut all = vec!["verify-receipt", file.to_str().unwrap()];
        all.extend(extra);
        let out = app.ikrar(&all);
        assert_eq!(out.status.code(), Some(code), "{}", text(&out));
        assert!(text(&out).contains(needle), "{}", text(&out));
    }
    // A wrong token gets no receipt.
    let wrong = wrong_token(path);
    assert_eq!(
        browser.get(app.url(&wrong)).send().await.unwrap().status(),
        404
    );
}

#[tokio::test]
async fn the_pdf_bukti_carries_its_receipt_and_a_changed_one_is_refused() {
    let app = TestApp::spawn().await;
    let receipts = app.everyone_signs().await;
    let (nip, path) = &receipts[0];
    let browser = app.browser();
    // Without the signer's grant or passphrase the PDF is not given: back to the page.
    let res = browser
        .get(app.url(&format!("{path}/unduh?berkas=pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    let mut pdfs = Vec::new();
    for paper in ["a4", "a5"] {
        let token = app.csrf(&browser, path).await;
        let res = browser
            .post(app.url(&format!("{path}/unduh")))
            .form(&[
                ("nip", nip.as_str()),
                ("passphrase", PASSPHRASE),
                ("berkas", "pdf"),
                ("kertas", paper),
                ("csrf_token", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        let disposition = res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(disposition.contains(".pdf"), "{disposition}");
        let pdf = res.bytes().await.unwrap().to_vec();
        assert!(pdf.starts_with(b"%PDF-"));
        pdfs.push(pdf);
    }
    assert_ne!(pdfs[0], pdfs[1], "A4 and A5 are laid out apart");

    // The PDF is itself the proof: the attached JSON verifies, offline, with the binary.
    let parsed = ikrar_log::receipt_file::read(&pdfs[0]).unwrap();
    let summary = receipt::check(
        &parsed,
        Some(&app.app.log.verifier_key()),
        &Default::default(),
    );
    assert!(summary.is_valid(), "{:?}", summary.faults);
    assert_eq!(summary.signer.unwrap().nip, nip.as_str());
    let file = app.dir.path().join("bukti.pdf");
    for pdf in &pdfs {
        std::fs::write(&file, pdf).unwrap();
        let out = app.ikrar(&["verify-receipt", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(text(&out).contains("HASIL: sah menurut"), "{}", text(&out));
    }
    if let Ok(keep) = std::env::var("IKRAR_KEEP_BUKTI") {
        std::fs::write(keep, &pdfs[0]).unwrap();
    }

    // A PDF whose attachment was changed (another name in the entry) is refused.
    let json = serde_json::to_string(&parsed).unwrap();
    let forged = json.replace("Siti Aminah", "Siti Aminat");
    assert_ne!(forged, json);
    let pact = ikrar_log::pact::Pact::default_pact();
    let bukti = ikrar::domain::bukti_pdf::Bukti {
        pact: &pact,
        name: "Siti Aminat",
        masked_nip: "199004••••••••2004",
        unit: "DINDIK",
        instansi: "",
        time_local: "",
        time_utc: "",
        index: parsed.index,
        url: "http://127.0.0.1/bukti/0/x",
        receipt_json: forged.as_bytes(),
        made_at: chrono::Utc::now(),
    };
    let changed = ikrar::domain::bukti_pdf::render(
        &bukti,
        ikrar::domain::bukti_pdf::Paper::A4,
        ikrar::i18n::Lang::Id,
    )
    .unwrap();
    std::fs::write(&file, &changed).unwrap();
    let out = app.ikrar(&["verify-receipt", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("signature_invalid"), "{}", text(&out));
    // A PDF that carries no receipt is unreadable, not valid.
    std::fs::write(&file, b"%PDF-1.7\n%%EOF\n").unwrap();
    let out = app.ikrar(&["verify-receipt", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[tokio::test]
async fn log_api_serves_auditors_only_and_its_proofs_hold() {
    let app = TestApp::spawn_configured(DataDir::new(), |c| {
        c.audit_token = Some("token-auditor".into())
    })
    .await;
    let client = app.browser();
    let get = |path: &str, token: Option<&str>| {
        let mut req = client.get(app.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send()
    };
    let key = get("/log/key", None).await.unwrap().text().await.unwrap();
    assert_eq!(key.trim(), app.app.log.verifier_key());
    let verifier = LogVerifier::new(&key).unwrap();
    let old_note = get("/log/checkpoint", None)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let old = verifier.open(&old_note).unwrap();
    assert_eq!(old.size, 1); // the seeded pact

    app.everyone_signs().await;
    let new = verifier
        .open(
            &get("/log/checkpoint", None)
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        )
        .unwrap();
    assert_eq!(new.size, 7); // pact, three keys, three signatures

    for path in [
        "/log/entries?start=0&end=2",
        "/log/proof/inclusion?index=0&size=7",
        "/log/proof/consistency?from=1&to=7",
    ] {
        assert_eq!(get(path, None).await.unwrap().status(), 401, "{path}");
        let wrong = get(path, Some("guess")).await.unwrap();
        assert_eq!(wrong.status(), 401, "{path}");
        assert!(wrong.headers().contains_key("www-authenticate"));
        // The scheme's case does not matter; the token's does.
        for (header, expected) in [
            ("bearer token-auditor", 200),
            ("BEARER token-auditor", 200),
            ("Bearer TOKEN-AUDITOR", 401),
        ] {
            let res = client
                .get(app.url(path))
                .header("Authorization", header)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), expected, "{path} with {header}");
        }
    }

    let lines = get("/log/entries?start=0&end=7", Some("token-auditor"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let entries: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 7);
    for (n, entry) in entries.iter().enumerate() {
        assert_eq!(entry["index"], n);
        let res = get(
            &format!("/log/proof/inclusion?index={n}&size=7"),
            Some("token-auditor"),
        )
        .await
        .unwrap();
        let proof: serde_json::Value = res.json().await.unwrap();
        let leaf = leaf_hash(entry["entry"].as_str().unwrap().as_bytes());
        check_inclusion(&decode(&proof["proof"]), n as u64, 7, leaf, new.root).unwrap();
    }
    let proof: serde_json::Value = get("/log/proof/consistency?from=1&to=7", Some("token-auditor"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    check_consistency(&decode(&proof["proof"]), 1, old.root, 7, new.root).unwrap();

    for bad in [
        "/log/entries?start=5&end=5",
        "/log/entries?start=0&end=8",
        "/log/entries?start=0&end=1001",
        "/log/proof/inclusion?index=7&size=7",
        "/log/proof/consistency?from=7&to=8",
    ] {
        assert_eq!(
            get(bad, Some("token-auditor")).await.unwrap().status(),
            400,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn exported_bundles_verify_and_count_per_unit() {
    let app = TestApp::spawn().await;
    app.everyone_signs().await;
    let bundle = app.export("bundle.jsonl");
    let text = std::fs::read_to_string(&bundle).unwrap();
    assert_eq!(text.lines().count(), 8);
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["format"], "ikrar-bundle/v1");
    assert_eq!(header["pacts"][0]["id"], PACT);
    let (code, out) = verify(&bundle, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("HASIL: sah") && out.contains("DINKES\t2") && out.contains("DINDIKBUD\t1"),
        "{out}"
    );
    let (code, json) = verify(&bundle, &["--json"]);
    assert_eq!(code, 0);
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(summary["signatures"], 3);
    assert_eq!(summary["counts"][PACT]["DINKES"], 2);
    // Unreadable input: exit 2.
    let (code, _) = verify(&app.dir.path().join("missing.jsonl"), &[]);
    assert_eq!(code, 2);
    std::fs::write(app.dir.path().join("junk.jsonl"), "not a header\n").unwrap();
    assert_eq!(verify(&app.dir.path().join("junk.jsonl"), &[]).0, 2);
}

/// Signs everything, keeps a checkpoint, tampers with the database, exports, verifies.
/// Signs for everyone, keeps a checkpoint, lets `tamper` edit the database behind ikrar's back
/// (described by `what`), then exports and expects `ikrar verify` to report every one of `codes`.
async fn tampered(what: &str, tamper: impl FnOnce(&TestApp), codes: &[&str], with_since: bool) {
    let app = TestApp::spawn().await;
    app.everyone_signs().await;
    let checkpoint = app.dir.path().join("checkpoint.txt");
    let note = reqwest::get(app.url("/log/checkpoint"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    std::fs::write(&checkpoint, note).unwrap();
    assert_eq!(verify(&app.export("before.jsonl"), &[]).0, 0);

    tamper(&app);
    let bundle = app.export("after.jsonl");
    let since = ["--since", checkpoint.to_str().unwrap()];
    let (code, out) = verify(&bundle, if with_since { &since } else { &[] });
    assert_eq!(code, 1, "tampering not detected: {what}\n{out}");
    for code in codes {
        assert!(out.contains(code), "expected [{code}] for {what}:\n{out}");
    }
}

#[tokio::test]
async fn editing_a_signatures_unit_is_detected() {
    // The row only: the server's report no longer matches the entries.
    let sql = "UPDATE signatures SET unit_code = 'DINDIKBUD' WHERE nip = '199004152019032004';";
    tampered(sql, |app| app.tamper(sql), &["report_mismatch"], false).await;
    // The entry itself: its signature and the tree break.
    tampered(
        "entry 2's unit",
        |app| app.rewrite_entry(2, |body| body.replace("unit DINKES", "unit DINDIKBUD")),
        &["signature_invalid", "root_mismatch"],
        false,
    )
    .await;
}

#[tokio::test]
async fn deleting_a_signature_is_detected_against_an_earlier_checkpoint() {
    // Delete the last signature and its entry.
    let sql = "DELETE FROM signatures WHERE log_index = 6; DELETE FROM log_entries WHERE idx = 6;";
    tampered(
        sql,
        |app| app.tamper(sql),
        &["truncated", "since_missing"],
        true,
    )
    .await;
    // Delete one in the middle and close the gap.
    let sql = "DELETE FROM signatures WHERE log_index = 2; DELETE FROM log_entries WHERE idx = 2;
         UPDATE log_entries SET idx = idx - 1 WHERE idx = 3; UPDATE log_entries SET idx = idx - 1 WHERE idx = 4;
         UPDATE log_entries SET idx = idx - 1 WHERE idx = 5; UPDATE log_entries SET idx = idx - 1 WHERE idx = 6;";
    tampered(
        sql,
        |app| app.tamper(sql),
        &["truncated", "since_missing"],
        true,
    )
    .await;
}

#[tokio::test]
async fn swapping_entries_is_detected() {
    let sql = "UPDATE log_entries SET idx = 1000 WHERE idx = 2; UPDATE log_entries SET idx = 2 WHERE idx = 4;
         UPDATE log_entries SET idx = 4 WHERE idx = 1000;";
    tampered(
        sql,
        |app| app.tamper(sql),
        &["key_not_enrolled", "root_mismatch", "since_mismatch"],
        true,
    )
    .await;
}

#[tokio::test]
async fn replacing_a_key_is_detected() {
    // Siti's key entry (index 1) now names another public key.
    let other = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
            .verifying_key()
            .to_bytes(),
    );
    tampered(
        "Siti's key entry",
        |app| {
            app.rewrite_entry(1, |body| {
                let (start, rest) = body.split_once("key ").unwrap();
                let time = &rest[rest.find("time ").unwrap()..];
                format!("{start}key {other}\n{time}")
            });
            app.tamper("UPDATE employees SET public_key = NULL WHERE nip = '199004152019032004';");
        },
        &["key_mismatch", "root_mismatch"],
        false,
    )
    .await;
}

#[tokio::test]
async fn a_bundle_from_ikrar_survives_a_full_verify_of_its_proofs() {
    // Each receipt's proof is for the checkpoint it carries, even after more signatures.
    let app = TestApp::spawn().await;
    let receipts = app.everyone_signs().await;
    for (nip, path) in receipts {
        let body = app.receipt_json(&path, &nip).await;
        let parsed: Receipt = serde_json::from_str(&body).unwrap();
        let summary = receipt::check(&parsed, None, &Default::default());
        assert!(summary.is_valid(), "{:?}", summary.faults);
    }
}

#[tokio::test]
async fn backups_are_consistent_copies_that_verify() {
    let app = TestApp::spawn().await;
    app.everyone_signs().await;
    let copy = app.dir.path().join("cadangan.db");
    let out = app.ikrar(&["backup", copy.to_str().unwrap()]);
    if app.dir.is_postgres() {
        // PostgreSQL has its own tool for this, and the message says so.
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out).contains("pg_dump"), "{}", text(&out));
        assert!(!copy.exists());
        return;
    }
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The copy is a whole ikrar database: export from it and verify.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&copy, restored.path().join("ikrar.db")).unwrap();
    std::fs::copy(
        app.dir.path().join("log-key.pem"),
        restored.path().join("log-key.pem"),
    )
    .unwrap();
    let bundle = restored.path().join("b.jsonl");
    let out = ikrar_command_sqlite(restored.path())
        .args(["export", "bundle", bundle.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = ikrar_offline(restored.path(), &["verify", bundle.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("3 tanda tangan"));
    // An existing file is not overwritten.
    let again = app.ikrar(&["backup", copy.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
}
