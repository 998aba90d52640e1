//! The signing spine over real HTTP: import → activate → sign → receipt, and every way signing
//! can be refused without writing anything.

use crate::common::*;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use ikrar::db::{log_store, pacts as pact_rows, signatures};
use ikrar::domain::audit::Actor;
use ikrar::domain::log_index::LogIndex;
use ikrar::service::pacts::{publish, Window};
use ikrar_log::entry::Entry;
use ikrar_log::pact::Pact;
use ikrar_log::values::now_seconds;

async fn app_with_roster() -> (TestApp, Vec<(String, String)>) {
    let app = TestApp::spawn().await;
    let codes = app.import_roster(&small_roster());
    assert_eq!(codes.len(), 3);
    (app, codes)
}

fn code_of<'a>(codes: &'a [(String, String)], nip: &str) -> &'a str {
    &codes.iter().find(|(n, _)| n == nip).unwrap().1
}

#[tokio::test]
async fn import_activate_sign_receipt() {
    let (app, codes) = app_with_roster().await;
    let browser = app.browser();

    // Activation, typing the NIP with spaces and the code in lower case.
    let res = app
        .activate(
            &browser,
            "19900415 201903 2 004",
            &code_of(&codes, SITI).to_lowercase(),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Aktivasi berhasil"));
    let (log_after_activation, _, _) = app.counts();

    // Signing answers 303 to the receipt.
    let res = app.sign(&browser, SITI, PASSPHRASE).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/bukti/"), "{location}");
    assert_eq!(app.counts().0, log_after_activation + 1);
    assert_eq!(app.counts().1, 1);

    // The receipt page: title, name, masked NIP, unit, log index, QR code.
    let page = browser.get(app.url(&location)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for needle in [
        "Pakta Integritas Netralitas Pegawai ASN",
        "Siti Aminah",
        "1990••••••••••2004",
        "Dinas Kesehatan (DINKES)",
        "WIB",
        "<svg",
        &format!("{}{}", app.base, location),
    ] {
        assert!(html.contains(needle), "receipt lacks {needle:?}");
    }
    assert!(!html.contains(SITI), "the full NIP must not be shown");

    // The stored entry is byte for byte what docs/FORMATS.md says and verifies with the public key.
    let index: i64 = location.split('/').nth(2).unwrap().parse().unwrap();
    let stored = log_store::get(&mut app.app.db.conn().unwrap(), LogIndex(index as u64))
        .unwrap()
        .unwrap();
    let Entry::Signature(entry) = Entry::parse(&stored.body).unwrap() else {
        panic!("not a signature entry");
    };
    assert_eq!(entry.claim.pact.as_str(), PACT);
    assert_eq!(entry.claim.sha256, Pact::default_pact().digest());
    assert_eq!(entry.claim.nip.as_str(), SITI);
    assert_eq!(entry.claim.unit.as_str(), "DINKES");
    let text = String::from_utf8(stored.body.clone()).unwrap();
    let message = &text[..text.find("sig ").unwrap()];
    VerifyingKey::from_bytes(&entry.claim.key)
        .unwrap()
        .verify(message.as_bytes(), &Signature::from_bytes(&entry.sig))
        .unwrap();
    // The key is the one the `key` entry enrolled.
    let key_entry = (0..index)
        .rev()
        .filter_map(|i| {
            log_store::get(&mut app.app.db.conn().unwrap(), LogIndex(i as u64)).unwrap()
        })
        .filter_map(|e| match Entry::parse(&e.body) {
            Ok(Entry::Key(k)) if k.nip.as_str() == SITI => Some(k),
            _ => None,
        })
        .next()
        .unwrap();
    assert_eq!(key_entry.key, entry.claim.key);

    // A wrong token finds nothing.
    let wrong = wrong_token(&location);
    let res = browser.get(app.url(&wrong)).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

/// Posts a signing form and checks the status, the message and that nothing was written.
async fn refused(app: &TestApp, fields: &[(&str, &str)], status: u16, message: &str) {
    let before = app.counts();
    let res = app.sign_with(&app.browser(), fields).await;
    assert_eq!(res.status(), status, "{fields:?}");
    let html = res.text().await.unwrap();
    let error = error_text(&html).unwrap_or_default();
    assert!(error.contains(message), "{fields:?}: got {error:?}");
    assert_eq!(app.counts(), before, "{fields:?} wrote something");
}

#[tokio::test]
async fn every_refusal_writes_nothing() {
    let (app, codes) = app_with_roster().await;
    let browser = app.browser();
    app.activate_ok(&browser, SITI, code_of(&codes, SITI)).await;
    app.activate_ok(&browser, ANI, code_of(&codes, ANI)).await;

    let wrong = "NIP atau frasa sandi salah. Pertama kali menandatangani? Aktivasi dulu dengan kode dari BKPSDM, lalu pakai frasa sandi yang Anda buat di sana.";
    let cases = [
        (SITI, "kuda merah makan", Some("ya"), 403, wrong),
        ("198512302010011003", PASSPHRASE, Some("ya"), 403, wrong),
        (BUDI, PASSPHRASE, Some("ya"), 403, wrong),
        (SITI, PASSPHRASE, None, 422, "Centang pernyataan"),
        (SITI, PASSPHRASE, Some("tidak"), 422, "Centang pernyataan"),
        (
            "12345",
            PASSPHRASE,
            Some("ya"),
            422,
            "NIP harus 18 digit angka",
        ),
    ];
    for (nip, passphrase, agreed, status, message) in cases {
        let mut fields = vec![("nip", nip), ("passphrase", passphrase)];
        fields.extend(agreed.map(|a| ("setuju", a)));
        refused(&app, &fields, status, message).await;
    }

    // Already signed: the second attempt is refused and points at the first receipt.
    assert_eq!(app.sign(&browser, ANI, PASSPHRASE).await.status(), 303);
    refused(
        &app,
        &[("nip", ANI), ("passphrase", PASSPHRASE), ("setuju", "ya")],
        409,
        "sudah menandatangani",
    )
    .await;

    // A missing or forged CSRF token, or one from another browser's cookie: 403, nothing written.
    let before = app.counts();
    let stranger = app.browser();
    let other_token = app.csrf(&app.browser(), "/aktivasi").await;
    for token in ["", "forged", other_token.as_str()] {
        let res = stranger
            .post(app.url(&format!("/pakta/{PACT}/tanda-tangan")))
            .form(&[
                ("nip", SITI),
                ("passphrase", PASSPHRASE),
                ("setuju", "ya"),
                ("csrf_token", token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        assert!(res.text().await.unwrap().contains("kedaluwarsa"));
    }
    assert_eq!(app.counts(), before);

    // Unknown pact: 404.
    let fields = [("nip", SITI), ("passphrase", PASSPHRASE), ("setuju", "ya")];
    let res = app.sign_pact(&browser, "tidak-ada", &fields).await;
    assert_eq!(res.status(), 404);
    assert_eq!(app.counts(), before);
}

#[tokio::test]
async fn a_closed_pact_refuses_signatures() {
    let (app, codes) = app_with_roster().await;
    let browser = app.browser();
    app.activate_ok(&browser, SITI, code_of(&codes, SITI)).await;
    let now = now_seconds();
    let closed = Pact::new("pakta-lama", "Pakta Lama", "Isi pakta lama.").unwrap();
    let window = Window {
        opens_at: Some(now - chrono::Duration::days(10)),
        closes_at: Some(now - chrono::Duration::days(1)),
    };
    publish(&app.app, Actor::default(), closed, window)
        .await
        .unwrap();
    let page = app.page(&browser, "/pakta/pakta-lama").await;
    assert!(page.contains("tidak sedang dibuka"));

    let before = app.counts();
    let fields = [("nip", SITI), ("passphrase", PASSPHRASE), ("setuju", "ya")];
    let res = app.sign_pact(&browser, "pakta-lama", &fields).await;
    assert_eq!(res.status(), 403);
    assert!(error_text(&res.text().await.unwrap())
        .unwrap()
        .contains("sudah ditutup"));
    assert_eq!(app.counts(), before);
    let mut conn = app.app.db.conn().unwrap();
    assert_eq!(
        signatures::count_for_pact(&mut conn, &pact_id("pakta-lama")).unwrap(),
        0
    );
    assert!(pact_rows::find(&mut conn, &pact_id("pakta-lama"))
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn five_failures_lock_the_nip_even_across_a_restart() {
    let (app, codes) = app_with_roster().await;
    let browser = app.browser();
    app.activate_ok(&browser, SITI, code_of(&codes, SITI)).await;
    for _ in 0..5 {
        let res = app.sign(&browser, SITI, "kuda merah makan tahu").await;
        assert_eq!(res.status(), 403);
    }
    // Locked: even the right passphrase is refused now, and the message says until when
    // (fifteen minutes on, rounded up to the minute, in WIB).
    let locked_at = now_seconds();
    let res = app.sign(&browser, SITI, PASSPHRASE).await;
    assert_eq!(res.status(), 429);
    let error = error_text(&res.text().await.unwrap()).unwrap();
    assert!(error.contains("dikunci"), "{error}");
    let wib = chrono_tz::Asia::Jakarta;
    let expected = |seconds: i64| {
        let at = (locked_at + chrono::Duration::seconds(seconds)).with_timezone(&wib);
        at.format("Coba lagi pukul %H.%M WIB.").to_string()
    };
    assert!(
        [15 * 60, 16 * 60]
            .map(expected)
            .iter()
            .any(|e| error.contains(e.as_str())),
        "{error}"
    );
    // Another NIP is not affected.
    app.activate_ok(&browser, ANI, code_of(&codes, ANI)).await;
    assert_eq!(app.sign(&browser, ANI, PASSPHRASE).await.status(), 303);

    // A restart does not forget the lock.
    let TestApp { dir, .. } = app;
    let app = TestApp::spawn_in(dir).await;
    let res = app.sign(&app.browser(), SITI, PASSPHRASE).await;
    assert_eq!(res.status(), 429);
    assert_eq!(app.counts().1, 1);
}

#[tokio::test]
async fn unknown_nips_are_limited_like_known_ones() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    for _ in 0..5 {
        assert_eq!(app.sign(&browser, SITI, PASSPHRASE).await.status(), 403);
    }
    assert_eq!(app.sign(&browser, SITI, PASSPHRASE).await.status(), 429);
}

#[tokio::test]
async fn switching_language_on_a_refused_signature_goes_back_to_the_pact() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = app
        .sign_with(&browser, &[("nip", SITI), ("passphrase", PASSPHRASE)])
        .await;
    assert_eq!(res.status(), 422, "not agreed");
    let back = switch_returns_to(&res.text().await.unwrap());
    assert_eq!(back, format!("/pakta/{PACT}"));
    assert_eq!(
        browser.get(app.url(&back)).send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn the_right_passphrase_forgets_earlier_failures() {
    let (app, codes) = app_with_roster().await;
    let browser = app.browser();
    app.activate_ok(&browser, SITI, code_of(&codes, SITI)).await;
    let four_wrong = || async {
        for _ in 0..4 {
            let res = app.sign(&browser, SITI, "kuda merah makan tahu").await;
            assert_eq!(res.status(), 403);
        }
    };
    four_wrong().await;
    assert_eq!(app.sign(&browser, SITI, PASSPHRASE).await.status(), 303);
    // Four more failures would lock the NIP had the signature not cleared the first four.
    four_wrong().await;
    assert_eq!(app.sign(&browser, SITI, PASSPHRASE).await.status(), 409);
    // "Already signed" proves the passphrase too.
    four_wrong().await;
    assert_eq!(app.sign(&browser, SITI, PASSPHRASE).await.status(), 409);
    assert_eq!(app.counts().1, 1);
}

#[tokio::test]
async fn simultaneous_requests_make_one_signature() {
    let (app, codes) = app_with_roster().await;
    let browser = app.browser();
    app.activate_ok(&browser, SITI, code_of(&codes, SITI)).await;
    let before = app.counts();
    let token = app.csrf(&browser, &format!("/pakta/{PACT}")).await;
    let url = app.url(&format!("/pakta/{PACT}/tanda-tangan"));
    let form = [
        ("nip", SITI),
        ("passphrase", PASSPHRASE),
        ("setuju", "ya"),
        ("csrf_token", token.as_str()),
    ];
    let requests = (0..4).map(|_| browser.post(&url).form(&form).send());
    let statuses: Vec<u16> = futures_join(requests).await;
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, vec![303, 409, 409, 409], "{statuses:?}");
    assert_eq!(app.counts().0, before.0 + 1);
    assert_eq!(app.counts().1, 1);
}

async fn futures_join(
    requests: impl Iterator<
        Item = impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
    >,
) -> Vec<u16> {
    let handles: Vec<_> = requests.map(tokio::spawn).collect();
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap().unwrap().status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn activation_refusals_write_nothing() {
    let (app, codes) = app_with_roster().await;
    let browser = app.browser();
    let code = code_of(&codes, SITI);
    let before = app.counts();
    let post = |fields: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        let app_url = app.url("/aktivasi");
        async move {
            let token = csrf_from(
                &browser
                    .get(&app_url)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap(),
            );
            let mut form = fields;
            form.push(("csrf_token", token));
            let res = browser.post(&app_url).form(&form).send().await.unwrap();
            let status = res.status().as_u16();
            (
                status,
                error_text(&res.text().await.unwrap()).unwrap_or_default(),
            )
        }
    };
    let fields = |nip: &str, code: &str, p1: &str, p2: &str| {
        vec![
            ("nip", nip.to_owned()),
            ("kode_aktivasi", code.to_owned()),
            ("passphrase", p1.to_owned()),
            ("passphrase_ulang", p2.to_owned()),
        ]
    };
    let (status, error) = post(fields(SITI, code, PASSPHRASE, "jeruk lampu sepeda")).await;
    assert_eq!(
        (status, error.contains("tidak sama")),
        (422, true),
        "{error}"
    );
    let (status, error) = post(fields(SITI, code, "password123", "password123")).await;
    assert_eq!(
        (status, error.contains("Frasa sandi terlalu")),
        (422, true),
        "{error}"
    );
    // Her own name and the birth date in her NIP are the first words an attacker tries.
    for own in ["sitiaminah1990", "aminah15041990", "15041990siti"] {
        let (status, error) = post(fields(SITI, code, own, own)).await;
        assert_eq!(
            (status, error.contains("mudah ditebak")),
            (422, true),
            "{own}: {error}"
        );
    }
    let (status, error) = post(fields(SITI, "AAAA-BBBB-CCCC", PASSPHRASE, PASSPHRASE)).await;
    assert_eq!(
        (status, error.contains("kode aktivasi salah")),
        (403, true),
        "{error}"
    );
    let (status, error) = post(fields("198512302010011003", code, PASSPHRASE, PASSPHRASE)).await;
    assert_eq!(
        (status, error.contains("kode aktivasi salah")),
        (403, true),
        "{error}"
    );
    // Another employee's code does not work for this NIP.
    let (status, _) = post(fields(SITI, code_of(&codes, BUDI), PASSPHRASE, PASSPHRASE)).await;
    assert_eq!(status, 403);
    assert_eq!(app.counts(), before);

    // The right code works once, then is spent.
    let (status, _) = post(fields(SITI, code, PASSPHRASE, PASSPHRASE)).await;
    assert_eq!(status, 200);
    assert_eq!(app.counts().0, before.0 + 1);
    let (status, error) = post(fields(SITI, code, PASSPHRASE, PASSPHRASE)).await;
    assert_eq!(
        (status, error.contains("sudah dipakai")),
        (403, true),
        "{error}"
    );
    assert_eq!(app.counts().0, before.0 + 1);
}

#[tokio::test]
async fn pages_carry_security_headers_and_cookies() {
    let app = TestApp::spawn().await;
    for path in ["/", "/aktivasi", &format!("/pakta/{PACT}"), "/tidak-ada"] {
        let res = app.browser().get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        let cookie = h["set-cookie"].to_str().unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
    }
    let html = app.page(&app.browser(), "/").await;
    assert!(!html.contains("<script") && !html.contains("style="));
    let health = app.browser().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    let css = app
        .browser()
        .get(app.url("/static/ikrar.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
}

/// The `value` of the input named `name` on a page ("" when it has none).
fn input_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no input {name}"));
    let tag_end = at + html[at..].find('>').unwrap();
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..tag_end];
    tag.find("value=\"").map_or(String::new(), |v| {
        let rest = &tag[v + 7..];
        rest[..rest.find('"').unwrap()].to_owned()
    })
}

#[tokio::test]
async fn after_activation_one_tap_leads_to_the_pact_with_the_nip_filled_in() {
    let (app, codes) = app_with_roster().await;
    let browser = app.browser();
    let home = app.page(&browser, "/").await;
    assert!(home.contains("href=\"/aktivasi\""), "the first-time way");
    assert!(
        home.contains("href=\"/pakta/netralitas-2024\""),
        "one open pact: straight to it"
    );
    assert_eq!(
        input_value(&app.page(&browser, "/pakta/netralitas-2024").await, "nip"),
        ""
    );

    let res = app.activate(&browser, SITI, code_of(&codes, SITI)).await;
    assert_eq!(res.status(), 200);
    let done = res.text().await.unwrap();
    assert!(
        done.contains("id=\"lanjut\" href=\"/pakta/netralitas-2024\""),
        "{done}"
    );
    let pact = app.page(&browser, "/pakta/netralitas-2024").await;
    assert_eq!(input_value(&pact, "nip"), SITI);
    // Another browser does not get it.
    assert_eq!(
        input_value(
            &app.page(&app.browser(), "/pakta/netralitas-2024").await,
            "nip"
        ),
        ""
    );
    // Once signed, the NIP is forgotten.
    assert_eq!(app.sign(&browser, SITI, PASSPHRASE).await.status(), 303);
    assert_eq!(
        input_value(&app.page(&browser, "/pakta/netralitas-2024").await, "nip"),
        ""
    );

    // With two open pacts, the way to sign is the list.
    let mut other = Pact::default_pact();
    other.id = ikrar_log::values::PactId::parse("pakta-kedua").unwrap();
    other.title = "Pakta kedua".into();
    publish(&app.app, Actor::default(), other, Window::default())
        .await
        .unwrap();
    let res = app.activate(&browser, BUDI, code_of(&codes, BUDI)).await;
    let done = res.text().await.unwrap();
    assert!(done.contains("id=\"lanjut\" href=\"/#pakta\""), "{done}");
}

#[tokio::test]
async fn a_refusal_keeps_what_was_typed_but_never_a_passphrase() {
    let (app, codes) = app_with_roster().await;
    let browser = app.browser();
    let code = code_of(&codes, SITI);
    // A weak passphrase: NIP and code stay, the passphrase fields are empty.
    let res = app.activate_with(&browser, SITI, code, "password123").await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert_eq!(input_value(&page, "nip"), SITI);
    assert_eq!(input_value(&page, "kode_aktivasi"), code);
    assert_eq!(input_value(&page, "passphrase"), "");
    assert!(!page.contains("password123"));
    assert!(page.contains("id=\"passphrase\"") && page.contains("autofocus"));
    // A wrong code stays as typed, so that one wrong character is fixed rather than retyped.
    let res = app.activate(&browser, SITI, "AAAA-BBBB-CCCC").await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        input_value(&res.text().await.unwrap(), "kode_aktivasi"),
        "AAAA-BBBB-CCCC"
    );

    // A NIP typed with dots is the NIP, as one typed with spaces is.
    app.activate_ok(&browser, "19900415.201903.2.004", code)
        .await;
    // A wrong passphrase: the NIP and the ticked box stay, the passphrase does not.
    let res = app.sign(&browser, SITI, "bukan frasa yang benar").await;
    assert_eq!(res.status(), 403);
    let page = res.text().await.unwrap();
    assert_eq!(input_value(&page, "nip"), SITI);
    assert!(
        page.contains("value=\"ya\" required checked"),
        "the agreement box stays ticked"
    );
    assert!(!page.contains("bukan frasa yang benar"));
    // The ways out are on the page: activation and the help page.
    assert!(page.contains("href=\"/aktivasi\"") && page.contains("href=\"/bantuan\""));
    // Without the box, it is the box that is asked for, and not ticked.
    let res = app
        .sign_with(&browser, &[("nip", SITI), ("passphrase", PASSPHRASE)])
        .await;
    let page = res.text().await.unwrap();
    assert!(!page.contains("checked"));
    assert!(page.contains(
        "id=\"setuju\" name=\"setuju\" type=\"checkbox\" value=\"ya\" required autofocus"
    ));
}

#[tokio::test]
async fn the_help_page_answers_the_four_questions_in_both_languages() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let page = app.page(&browser, "/bantuan").await;
    for question in [
        "Baru pertama kali?",
        "Lupa frasa sandi?",
        "Apa itu bukti tanda tangan?",
        "Siapa yang melihat data saya?",
    ] {
        assert!(page.contains(question), "{question}");
    }
    // The language switch on the page leads back to it, in English.
    app.page(&browser, "/bahasa/en?kembali=/bantuan").await;
    let english = app.page(&browser, "/bantuan").await;
    assert!(english.contains("Forgot your passphrase?"), "{english}");
}

/// The receipt page leads with what happened, for the signer and for whoever scans the QR
/// code; the technical lines and the form to download again wait behind their summaries.
#[tokio::test]
async fn the_receipt_leads_with_what_happened() {
    let (app, codes) = app_with_roster().await;
    let signer = app.browser();
    app.activate_ok(&signer, SITI, code_of(&codes, SITI)).await;
    let res = app.sign(&signer, SITI, PASSPHRASE).await;
    let path = res.headers()["location"].to_str().unwrap().to_owned();
    let own = app.page(&signer, &path).await;
    let lead = own
        .find("✓ Anda telah menandatangani")
        .expect("the signer's lead");
    assert!(lead < own.find("<dl>").unwrap(), "before the details");
    assert!(own.contains("id=\"cetak\"") && own.contains("id=\"simpan-pdf\""));
    assert!(own.contains("<details class=\"technical no-print\">"));
    let stranger = app.page(&app.browser(), &path).await;
    assert!(
        stranger.contains("✓ Siti Aminah telah menandatangani"),
        "{stranger}"
    );
    assert!(!stranger.contains("id=\"simpan-pdf\""));
    assert!(stranger.contains("<details class=\"sign no-print\" id=\"unduh-ulang\">"));
}
