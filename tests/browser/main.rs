//! ikrar as people meet it, in headless Chromium: employees on a phone (with and without
//! JavaScript), admins on a desktop. Every page visited is saved as a screenshot under
//! `target/e2e/`, checked with axe-core (no serious or critical violation), and must have one
//! `h1` and no horizontal scrolling. On a machine without Chromium, chromedriver or axe-core they
//! are reported as ignored, with what is missing, unless `IKRAR_E2E=1` makes that a failure.
//! Its own harness (libtest-mimic): each test runs on a two-thread tokio runtime.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests stop at the first surprise

#[path = "../../crates/ikrar-log/tests/cases/mod.rs"]
mod cases;
mod cdp;
mod checker;
#[path = "../common/mod.rs"]
mod common;
mod driver;
mod health;
mod screen;

use chrono::{Duration, Utc};
use common::*;
use driver::{Browser, Device, DESKTOP, PHONE, PHONE_IN_ENGLISH, PHONE_WITHOUT_JS};
use fantoccini::wd::PrintSize;
use fantoccini::Locator;
use ikrar::service::pacts::{self, Window};
use ikrar_log::pact::Pact;

/// The app with the small roster imported; returns it and nip → activation code.
async fn app_with_roster() -> (TestApp, Vec<(String, String)>) {
    let app = TestApp::spawn().await;
    let codes = app.import_roster(&small_roster());
    (app, codes)
}

/// The app with the small roster, Siti activated and signed over HTTP; returns her receipt's
/// path.
async fn app_where_siti_signed() -> (TestApp, String) {
    let (app, codes) = app_with_roster().await;
    let client = app.browser();
    app.activate_ok(&client, SITI, code_of(&codes, SITI)).await;
    let res = app.sign(&client, SITI, PASSPHRASE).await;
    assert_eq!(res.status(), 303);
    let receipt = res.headers()["location"].to_str().unwrap().to_owned();
    (app, receipt)
}

fn code_of<'a>(codes: &'a [(String, String)], nip: &str) -> &'a str {
    &codes.iter().find(|(n, _)| n == nip).unwrap().1
}

/// Lets the browser post a form the way an old browser that ignores `required` would, so that
/// the server's own messages show.
async fn without_browser_checks(browser: &Browser) {
    browser
        .client
        .execute(
            "document.querySelectorAll('form').forEach(f => f.noValidate = true);",
            vec![],
        )
        .await
        .unwrap();
}

/// Activation through the form, as an employee does it.
async fn activate(browser: &mut Browser, app: &TestApp, nip: &str, code: &str) {
    let text = browser.visit(&app.url("/aktivasi"), "aktivasi").await;
    assert!(text.contains("Kode aktivasi"), "{text}");
    browser.fill("nip", nip).await;
    browser.fill("kode_aktivasi", code).await;
    browser.fill("passphrase", PASSPHRASE).await;
    browser.fill("passphrase_ulang", PASSPHRASE).await;
    browser.click("form.form button[type=submit]").await;
    let text = browser.look("aktivasi-berhasil").await;
    assert!(text.contains("Aktivasi berhasil"), "{text}");
}

/// Fills and posts the signing form of the default pact; returns the text of the page shown.
async fn sign(
    browser: &mut Browser,
    app: &TestApp,
    nip: &str,
    passphrase: &str,
    agree: bool,
    name: &str,
) -> String {
    browser
        .visit(&app.url(&format!("/pakta/{PACT}")), "pakta")
        .await;
    if browser_checks_off(browser) {
        without_browser_checks(browser).await;
    }
    browser.fill("nip", nip).await;
    browser.fill("passphrase", passphrase).await;
    if agree {
        browser.click("#setuju").await;
    }
    browser.click("form.form button[type=submit]").await;
    browser.look(name).await
}

/// Whether this session can switch the browser's own form checks off (it needs JavaScript).
fn browser_checks_off(browser: &Browser) -> bool {
    browser.javascript()
}

/// The whole employee flow on one device: activation, the pact, each error of the signing form,
/// the receipt with its QR code and its download, and signing twice.
async fn employee_flow(device: Device) {
    let (app, codes) = app_with_roster().await;
    let mut browser = Browser::start(device, "pegawai").await;

    let home = browser.visit(&app.url("/"), "beranda").await;
    assert!(home.contains("Pakta Integritas"), "{home}");
    if browser.javascript() {
        // The passphrase hint while typing (the server still judges).
        browser
            .visit(&app.url("/aktivasi"), "aktivasi-kosong")
            .await;
        browser.fill("passphrase", "pendek").await;
        let hint = browser.text_of(Locator::Id("kekuatan")).await;
        assert!(hint.contains("Terlalu pendek"), "{hint}");
        // The birth date inside the NIP typed above counts as a known word.
        browser.fill("nip", SITI).await;
        browser.fill("passphrase", "kucing aminah 1990").await;
        let hint = browser.text_of(Locator::Id("kekuatan")).await;
        assert!(
            hint.contains("tanggal lahir") || hint.contains("birth date"),
            "{hint}"
        );
        browser.snapshot("aktivasi-kekuatan-pribadi").await;
        browser.fill("passphrase", PASSPHRASE).await;
        browser.look("aktivasi-saran-kekuatan").await;
    }
    activate(&mut browser, &app, SITI, code_of(&codes, SITI)).await;

    // One tap from the activation to the open pact, with the NIP filled in.
    browser.click("#lanjut").await;
    let pact = browser.look("pakta").await;
    let filled = browser
        .client
        .find(Locator::Id("nip"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(filled.as_deref(), Some(SITI), "the NIP is filled in");
    assert!(
        browser
            .client
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with(&format!("/pakta/{PACT}")),
        "straight to the only open pact"
    );
    if browser.javascript() {
        browser.assert_focus_visible("#nip").await;
    }
    let first_point = Pact::default_pact()
        .body
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        pact.contains(
            first_point
                .split_whitespace()
                .take(4)
                .collect::<Vec<_>>()
                .join(" ")
                .as_str()
        ),
        "the pact text is on the page"
    );
    // The four points as a numbered list; the digest folded away for auditors.
    let points = browser
        .client
        .find_all(Locator::Css("ol.points li"))
        .await
        .unwrap();
    assert_eq!(points.len(), 4, "the four points");
    assert!(
        !browser.visible("code.digest").await,
        "the digest is folded"
    );
    browser.click("details.for-auditors summary").await;
    assert!(browser.visible("code.digest").await, "and opens on demand");

    if browser.javascript() {
        // The server's messages, as a browser that does not enforce `required` shows them.
        let text = sign(
            &mut browser,
            &app,
            SITI,
            PASSPHRASE,
            false,
            "galat-belum-setuju",
        )
        .await;
        assert!(text.contains("Centang pernyataan persetujuan"), "{text}");
        let text = sign(
            &mut browser,
            &app,
            "1234",
            PASSPHRASE,
            true,
            "galat-nip-tidak-sah",
        )
        .await;
        assert!(browser.error().await.contains("NIP"), "{text}");
    }
    let text = sign(
        &mut browser,
        &app,
        SITI,
        "bukan frasa yang benar",
        true,
        "galat-frasa-salah",
    )
    .await;
    assert_eq!(
        browser.error().await,
        "NIP atau frasa sandi salah. Pertama kali menandatangani? Aktivasi dulu dengan kode dari BKPSDM, lalu pakai frasa sandi yang Anda buat di sana.",
        "{text}"
    );
    // A NIP that is not on the roster gets the very same message.
    sign(
        &mut browser,
        &app,
        "198512302010011003",
        PASSPHRASE,
        true,
        "galat-nip-tak-dikenal",
    )
    .await;
    assert_eq!(browser.error().await, "NIP atau frasa sandi salah. Pertama kali menandatangani? Aktivasi dulu dengan kode dari BKPSDM, lalu pakai frasa sandi yang Anda buat di sana.");
    sign(
        &mut browser,
        &app,
        ANI,
        PASSPHRASE,
        true,
        "galat-belum-aktivasi",
    )
    .await;
    assert_eq!(browser.error().await, "NIP atau frasa sandi salah. Pertama kali menandatangani? Aktivasi dulu dengan kode dari BKPSDM, lalu pakai frasa sandi yang Anda buat di sana.");
    // Five wrong guesses lock the NIP.
    for _ in 0..5 {
        sign(
            &mut browser,
            &app,
            BUDI,
            "tebakan yang keliru",
            true,
            "galat-tebakan",
        )
        .await;
    }
    sign(
        &mut browser,
        &app,
        BUDI,
        "tebakan yang keliru",
        true,
        "galat-terkunci",
    )
    .await;
    assert!(browser.error().await.contains("dikunci sementara"));

    // Signing for real: the receipt, its QR code and its file.
    let receipt = sign(&mut browser, &app, SITI, PASSPHRASE, true, "bukti").await;
    assert!(receipt.contains("Bukti tanda tangan"), "{receipt}");
    assert!(receipt.contains("Siti Aminah"));
    let qr = browser
        .client
        .find(Locator::Css("figure.qr svg"))
        .await
        .expect("a QR code");
    let (_, _, width, height) = qr.rectangle().await.unwrap();
    assert!(
        width >= 120.0 && (width - height).abs() < 1.0,
        "QR code {width}×{height}"
    );
    // The receipt's address carries no fragment of the form that was sent.
    let receipt_url = browser.client.current_url().await.unwrap();
    assert_eq!(receipt_url.fragment(), None, "{receipt_url}");
    let receipt_path = receipt_url.path().to_owned();
    // On a phone: status, name and pact first, then the QR code; "Simpan PDF" for the signer.
    let details = browser
        .client
        .find(Locator::Css(".receipt dl"))
        .await
        .unwrap();
    let (_, details_top, _, _) = details.rectangle().await.unwrap();
    let (_, qr_top, _, _) = qr.rectangle().await.unwrap();
    if browser.device_width() < 600 {
        assert!(details_top < qr_top, "the details come before the QR code");
    }
    let pdf = browser
        .client
        .find(Locator::LinkText("Simpan PDF"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pdf, format!("{receipt_path}/unduh?berkas=pdf"));
    // The JSON and the technical lines wait behind their summary.
    browser.click("details.technical summary").await;
    let download = browser
        .client
        .find(Locator::LinkText("Unduh bukti (JSON)"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(download, format!("{receipt_path}/unduh"));
    // The file goes to this browser (its grant cookie), not to whoever has the link.
    let grant = browser
        .client
        .get_named_cookie("ikrar_bukti")
        .await
        .unwrap();
    let json = reqwest::Client::new()
        .get(app.url(&download))
        .header("Cookie", format!("ikrar_bukti={}", grant.value()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let parsed: ikrar_log::receipt::Receipt = serde_json::from_str(&json).unwrap();
    let summary = ikrar_log::receipt::check(&parsed, None, &Default::default());
    assert!(
        summary.is_valid(),
        "the downloaded receipt verifies: {:?}",
        summary.faults
    );

    // Signing again points back to the receipt.
    sign(
        &mut browser,
        &app,
        SITI,
        PASSPHRASE,
        true,
        "galat-sudah-menandatangani",
    )
    .await;
    assert!(browser.error().await.contains("sudah menandatangani"));
    let link = browser
        .client
        .find(Locator::LinkText("Lihat bukti tanda tangan Anda"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(receipt_path, link);

    // Pacts outside their window say so and offer no form.
    let now = Utc::now();
    for (id, window, name, says) in [
        (
            "nanti",
            Window {
                opens_at: Some(now + Duration::days(1)),
                closes_at: None,
            },
            "pakta-belum-dibuka",
            "dibuka",
        ),
        (
            "lalu",
            Window {
                opens_at: None,
                closes_at: Some(now - Duration::days(1)),
            },
            "pakta-sudah-ditutup",
            "ditutup",
        ),
    ] {
        let mut pact = Pact::default_pact();
        pact.id = ikrar_log::values::PactId::parse(&format!("pakta-{id}")).unwrap();
        pact.title = format!("Pakta uji {id}");
        pacts::publish(
            &app.app,
            ikrar::domain::audit::Actor::default(),
            pact.clone(),
            window,
        )
        .await
        .unwrap();
        let text = browser
            .visit(&app.url(&format!("/pakta/{}", pact.id)), name)
            .await;
        assert!(text.contains("tidak sedang dibuka"), "{text}");
        assert!(text.to_lowercase().contains(says), "{text}");
        assert!(browser
            .client
            .find(Locator::Css("form.form"))
            .await
            .is_err());
    }
    browser.stop().await;
}

async fn employees_sign_on_a_phone() {
    employee_flow(PHONE).await;
}

async fn employees_sign_on_a_phone_without_javascript() {
    employee_flow(PHONE_WITHOUT_JS).await;
}

async fn english_is_chosen_by_the_browser_or_the_switch_and_remembered() {
    let (app, codes) = app_with_roster().await;
    let mut browser = Browser::start(PHONE_IN_ENGLISH, "bahasa").await;
    // The browser asks for English: every page answers in English.
    let home = browser.visit(&app.url("/"), "home").await;
    assert!(
        home.contains("Integrity pacts") && home.contains("Read and sign"),
        "{home}"
    );
    let form = browser.visit(&app.url("/aktivasi"), "activate").await;
    assert!(
        form.contains("Activation code") && form.contains("New passphrase"),
        "{form}"
    );
    browser.fill("nip", SITI).await;
    browser.fill("kode_aktivasi", code_of(&codes, SITI)).await;
    browser.fill("passphrase", "password123").await;
    browser.fill("passphrase_ulang", "password123").await;
    browser.click("form.form button[type=submit]").await;
    browser.look("weak-passphrase").await;
    assert!(browser.error().await.contains("too easy to guess"));
    browser.fill("nip", SITI).await;
    browser.fill("kode_aktivasi", code_of(&codes, SITI)).await;
    browser.fill("passphrase", PASSPHRASE).await;
    browser.fill("passphrase_ulang", PASSPHRASE).await;
    browser.click("form.form button[type=submit]").await;
    let done = browser.look("activated").await;
    assert!(done.contains("Account activated"), "{done}");
    let pact = sign(
        &mut browser,
        &app,
        SITI,
        "not the passphrase",
        true,
        "wrong-passphrase",
    )
    .await;
    assert!(
        pact.contains("The pact is signed in Bahasa Indonesia"),
        "{pact}"
    );
    assert_eq!(browser.error().await, "Wrong NIP or passphrase. Signing for the first time? Activate first with the code from BKPSDM, then use the passphrase you chose there.");
    let receipt = sign(&mut browser, &app, SITI, PASSPHRASE, true, "receipt").await;
    assert!(
        receipt.contains("Signature receipt") && receipt.contains(" at "),
        "{receipt}"
    );
    let html_lang = browser
        .client
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap();
    assert_eq!(html_lang.as_deref(), Some("en"));

    // The switch on the page: Bahasa Indonesia, on this page and the next ones.
    browser.click("nav.lang a").await;
    let receipt = browser.look("bukti-dialihkan").await;
    assert!(receipt.contains("Bukti tanda tangan"), "{receipt}");
    let home = browser.visit(&app.url("/"), "beranda-diingat").await;
    assert!(
        home.contains("Baca dan tanda tangani"),
        "the choice is remembered: {home}"
    );
    browser.click("nav.lang a").await;
    let home = browser.look("home-again").await;
    assert!(home.contains("Read and sign"), "{home}");
    browser.stop().await;
}

async fn the_receipt_prints_on_one_page_in_black_and_white() {
    let (app, receipt) = app_where_siti_signed().await;
    let mut browser = Browser::start(DESKTOP, "cetak").await;
    browser.visit(&app.url(&receipt), "bukti").await;
    assert_eq!(
        browser.print("bukti-a4", PrintSize::A4).await,
        1,
        "one A4 page"
    );
    assert_eq!(
        browser
            .print(
                "bukti-a5",
                PrintSize {
                    width: 14.8,
                    height: 21.0
                }
            )
            .await,
        1,
        "one A5 page"
    );
    browser.as_printed("bukti-cetak").await;
    assert!(browser.visible("figure.qr svg").await, "the QR code prints");
    let colours = browser.colours().await;
    assert!(
        colours.iter().all(|c| is_grey(c)),
        "printed in colour: {colours:?}"
    );
    browser.stop().await;
}

/// Whether a CSS colour (`rgb(…)`/`rgba(…)`) is black, white or a grey.
fn is_grey(colour: &str) -> bool {
    let inside = colour
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')');
    let parts: Vec<&str> = inside.split(',').map(str::trim).collect();
    let transparent = parts.get(3).is_some_and(|a| *a == "0");
    transparent || (parts[0] == parts[1] && parts[1] == parts[2])
}

async fn the_pact_reads_at_double_zoom_without_sideways_scrolling() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::start(DESKTOP, "zoom").await;
    // 1366 px at 200 % leaves 683 CSS pixels; WCAG's reflow case is 320.
    for width in [683, 320] {
        browser.client.set_window_size(width, 768).await.unwrap();
        let text = browser
            .visit(
                &app.url(&format!("/pakta/{PACT}")),
                &format!("pakta-{width}px"),
            )
            .await;
        assert!(text.contains("Netralitas"), "{text}");
    }
    browser.stop().await;
}

/// The console's pages that a superadmin opens without preparing anything: (path, name).
fn console_pages() -> [(String, &'static str); 6] {
    [
        (format!("/admin/pakta/{PACT}/unit/DINKES"), "unit"),
        ("/admin/akun".to_owned(), "akun"),
        ("/admin/token".to_owned(), "token"),
        ("/admin/audit".to_owned(), "audit"),
        ("/admin/reset".to_owned(), "reset"),
        ("/admin/pakta-baru".to_owned(), "pakta-baru"),
    ]
}

/// Fills and sends the sign-in form shown, with the account's password and a fresh code, and
/// waits until the console is in (a click returns before the next page has loaded: a page
/// visited at once could be asked for without the session).
async fn sign_in(browser: &Browser, app: &TestApp, username: &str) {
    browser.fill("username", username).await;
    browser.fill("password", ADMIN_PASSWORD).await;
    browser.fill("totp", &totp_code(app, username).await).await;
    browser.click("form.form button[type=submit]").await;
    browser
        .client
        .wait()
        .for_element(Locator::Css("form[action='/admin/keluar']"))
        .await
        .expect("signed in: the console's sign-out button");
}

/// Chooses `file` on the roster page and sends it for a preview.
async fn upload_roster_file(browser: &mut Browser, app: &TestApp, file: &std::path::Path) {
    browser.visit(&app.url("/admin/roster"), "roster").await;
    browser
        .client
        .find(Locator::Id("berkas"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    browser.click("form.form button[type=submit]").await;
}

async fn admins_work_on_a_desktop() {
    let (app, _) = app_where_siti_signed().await;
    create_admin(&app, "bkpsdm", "superadmin", None);
    let mut browser = Browser::start(DESKTOP, "admin").await;

    // Sign-in: the dashboard sends a stranger to the form; a wrong password is refused.
    let text = browser.visit(&app.url("/admin"), "masuk").await;
    assert!(text.contains("Masuk admin"), "{text}");
    browser.fill("username", "bkpsdm").await;
    browser.fill("password", "salah sekali").await;
    browser.click("form.form button[type=submit]").await;
    browser.look("masuk-gagal").await;
    assert!(browser.error().await.contains("salah"));
    sign_in(&browser, &app, "bkpsdm").await;
    let dashboard = browser.look("dasbor").await;
    assert!(dashboard.contains("Pakta Integritas"), "{dashboard}");

    // The pact's rekap, and a report downloaded by clicking its link.
    let rekap = browser
        .visit(&app.url(&format!("/admin/pakta/{PACT}")), "rekap")
        .await;
    assert!(rekap.contains("DINKES"), "{rekap}");
    let report = browser.download("a[href$='per=unit&format=csv']").await;
    let report = report.trim_start_matches('\u{feff}');
    assert!(report.starts_with("instansi;"), "{report}");
    assert!(report.contains("DINKES"), "{report}");

    // The numbers update in place: a chosen filter and the scroll position stay.
    browser
        .visit(
            &app.url(&format!("/admin/pakta/{PACT}?urut=nama")),
            "rekap-urut-nama",
        )
        .await;
    let signed_cell = "tr[data-unit='DINDIKBUD'] td[data-field='signed']";
    let before = browser.text_of(Locator::Css(signed_cell)).await;
    assert_eq!(before, "0");
    let employee = app.browser();
    let issued = ikrar::service::roster::issue_unit_codes(
        &app.app,
        "DINDIKBUD".to_owned(),
        ikrar::service::roster::new_batch_id(),
        ikrar::domain::audit::Actor::default(),
    )
    .await
    .unwrap();
    app.activate_ok(&employee, BUDI, issued[0].code.as_str())
        .await;
    assert_eq!(app.sign(&employee, BUDI, PASSPHRASE).await.status(), 303);
    browser
        .client
        .execute(
            "window.scrollTo(0, 200); document.getElementById('angka').dispatchEvent(new Event('perbarui'));",
            vec![],
        )
        .await
        .unwrap();
    let mut after = String::new();
    for _ in 0..50 {
        after = browser.text_of(Locator::Css(signed_cell)).await;
        if after != before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(after, "1", "the new signature shows without a reload");
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(url.query(), Some("urut=nama"), "the filter stays");
    let scrolled = browser
        .client
        .execute("return window.scrollY;", vec![])
        .await
        .unwrap();
    assert_eq!(
        scrolled.as_f64().map(|y| y > 0.0),
        Some(true),
        "the place stays"
    );
    browser.look("rekap-diperbarui").await;

    // The rekap prints as a clean table: no navigation, filters or downloads.
    browser.as_printed("rekap-cetak").await;
    assert!(browser.visible("table.rekap").await);
    for hidden in [".admin-nav", ".downloads", "progress", "header.site a.skip"] {
        assert!(!browser.visible(hidden).await, "{hidden} prints");
    }
    browser.print("rekap-a4", PrintSize::A4).await;
    browser.as_screen().await;

    // A roster with a bad line: the preview names the line and imports nothing yet.
    let roster = app.dir.path().join("roster-salah.csv");
    std::fs::write(
        &roster,
        format!("{ROSTER_HEADER}199004152019032004,Siti Aminah,PNS,Perawat,DINKES,Dinas Kesehatan,Pemkab\n12345,Salah,PNS,Staf,DINKES,Dinas Kesehatan,Pemkab\n"),
    )
    .unwrap();
    upload_roster_file(&mut browser, &app, &roster).await;
    let preview = browser.look("roster-pratinjau").await;
    assert!(preview.contains("Baris yang salah"), "{preview}");
    assert!(preview.contains("12345"), "{preview}");
    assert_eq!(app.counts().2, 3, "nothing imported by the preview");

    // Every other page of the console passes the same checks.
    for (path, name) in console_pages() {
        browser.visit(&app.url(&path), name).await;
    }
    browser
        .visit(&app.url("/admin/tidak-ada"), "tidak-ditemukan")
        .await;

    // The console in English too: the switch keeps the admin on the dashboard.
    browser.visit(&app.url("/admin"), "dasbor-lagi").await;
    browser.click("nav.lang a").await;
    let english = browser.look("dashboard-english").await;
    assert!(
        english.contains("Signing dashboard") && english.contains("Sign out"),
        "{english}"
    );
    browser.stop().await;
}

/// Every page of the console on a phone: nothing scrolls sideways (tables scroll in their box).
async fn the_console_fits_a_phone() {
    let (app, _) = app_where_siti_signed().await;
    create_admin(&app, "ponsel", "superadmin", None);
    let mut browser = Browser::start(PHONE, "konsol").await;
    browser.visit(&app.url("/admin"), "masuk").await;
    sign_in(&browser, &app, "ponsel").await;
    browser.look("dasbor").await;
    browser
        .visit(&app.url(&format!("/admin/pakta/{PACT}")), "rekap")
        .await;
    browser.visit(&app.url("/admin/roster"), "roster").await;
    for (path, name) in console_pages() {
        browser.visit(&app.url(&path), name).await;
        // Every control a thumb presses is at least 24 px high (WCAG 2.2 target size).
        let small = browser
            .client
            .execute(
                "return [...document.querySelectorAll('main button, main select, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main a.button')]
                   .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 24)
                   .map(e => e.outerHTML.slice(0, 80));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(small, serde_json::json!([]), "{name}: controls under 24 px");
    }
    // A confirmation page too.
    browser
        .visit(
            &app.url(&format!("/admin/pakta/{PACT}/unit/DINKES")),
            "unit-lagi",
        )
        .await;
    // The status of each employee is in view without scrolling the table sideways.
    let status_in_view = browser
        .client
        .execute(
            "const th = [...document.querySelectorAll('table th')].find(h => /Status/.test(h.textContent));
             return th.getBoundingClientRect().right <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status_in_view, true, "the status column on a phone");
    browser.click("form.filters button[value=xlsx]").await;
    let confirm = browser.look("konfirmasi-kode").await;
    assert!(confirm.contains("berhenti berlaku"), "{confirm}");
    browser.stop().await;
    // The console's overview in English on a phone fits too.
    create_admin(&app, "phone", "superadmin", None);
    let mut browser = Browser::start(PHONE_IN_ENGLISH, "konsol").await;
    browser.visit(&app.url("/admin"), "masuk").await;
    sign_in(&browser, &app, "phone").await;
    browser.look("dasbor").await;
    let rekap = browser
        .visit(&app.url(&format!("/admin/pakta/{PACT}")), "rekap")
        .await;
    assert!(rekap.contains("50.0%"), "{rekap}");
    browser.stop().await;
}

/// The console's home page names the log's witnesses, and says when one could not be reached
/// (here: nobody listens at its address), on a phone and a desktop, in both languages.
async fn the_console_shows_what_its_witnesses_did() {
    let key = ikrar_log::cosignature::WitnessSigner::new(
        "saksi.bawaslu.test",
        ed25519_dalek::SigningKey::from_bytes(&[8; 32]),
    )
    .unwrap()
    .verifier_key();
    let witness = ikrar::config::WitnessConfig {
        key: ikrar_log::cosignature::WitnessKey::parse(&key).unwrap(),
        key_text: key,
        url: format!("http://127.0.0.1:{}", free_port()),
    };
    let app = TestApp::spawn_configured(DataDir::new(), |c| c.witnesses = vec![witness]).await;
    for (n, device) in [PHONE, DESKTOP, PHONE_IN_ENGLISH, DESKTOP_IN_ENGLISH]
        .into_iter()
        .enumerate()
    {
        let username = format!("bkpsdm{n}");
        create_admin(&app, &username, "superadmin", None);
        let mut browser = Browser::start(device, "saksi").await;
        browser.visit(&app.url("/admin"), "masuk").await;
        sign_in(&browser, &app, &username).await;
        let mut home = String::new();
        for _ in 0..100 {
            home = browser.look("beranda-saksi").await;
            if home.contains("127.0.0.1") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            browser.client.refresh().await.unwrap();
        }
        let english = device.languages.starts_with("en");
        let (heading, never, unreachable) = if english {
            (
                "Log witnesses",
                "has not cosigned yet",
                "the witness could not be reached",
            )
        } else {
            (
                "Saksi log",
                "belum pernah menandatangani bersama",
                "saksi tidak dapat dihubungi",
            )
        };
        assert!(
            home.contains(heading) && home.contains("saksi.bawaslu.test"),
            "{home}"
        );
        assert!(home.contains(never) && home.contains("127.0.0.1"), "{home}");
        assert!(home.contains(unreachable), "{home}");
        browser
            .client
            .execute(
                "document.getElementById('judul-saksi').scrollIntoView();",
                vec![],
            )
            .await
            .unwrap();
        browser.snapshot("bagian-saksi").await;
        browser.stop().await;
    }
}

/// The desktop in English.
const DESKTOP_IN_ENGLISH: Device = Device {
    name: "desktop-inggris",
    languages: "en-GB,en",
    ..DESKTOP
};

async fn admins_enrol_a_second_factor_and_ask_for_resets() {
    for device in [DESKTOP, DESKTOP_IN_ENGLISH] {
        let (app, _) = app_where_siti_signed().await;
        let operator = ikrar::service::accounts::NewAccount {
            username: "operator".into(),
            role: ikrar::domain::role::Role::Superadmin,
            units: Vec::new(),
            password: ADMIN_PASSWORD.to_owned().into(),
            enrolment: ikrar::service::accounts::Enrolment::AtFirstSignIn,
            created_by: None,
        };
        ikrar::service::accounts::create(&app.app, operator, Default::default())
            .await
            .unwrap();
        let mut browser = Browser::start(device, "keamanan").await;
        // First sign-in of an account made in the console: scan, confirm, in.
        browser.visit(&app.url("/admin/masuk"), "masuk").await;
        browser.fill("username", "operator").await;
        browser.fill("password", ADMIN_PASSWORD).await;
        browser.click("form.form button[type=submit]").await;
        let enrol = browser.look("2fa").await;
        assert!(enrol.contains("operator"), "{enrol}");
        let secret = browser.text_of(Locator::Css("code.digest")).await;
        let secret = base32_decode(&secret);
        browser.fill("totp", "000000").await;
        browser.click("form.form button[type=submit]").await;
        browser.look("2fa-salah").await;
        assert!(!browser.error().await.is_empty());
        let step = ikrar::domain::totp::step_of(Utc::now().timestamp() as u64);
        browser
            .fill("totp", &ikrar::domain::totp::code_at(&secret, step))
            .await;
        browser.click("form.form button[type=submit]").await;
        // The click can return before the next page is in: without waiting, the screenshot
        // showed the enrolment page again.
        browser
            .client
            .wait()
            .for_element(Locator::Css(&format!("a[href='/admin/pakta/{PACT}']")))
            .await
            .expect("the dashboard, signed in");
        browser.look("dasbor").await;
        // Shares read in the console's language.
        let rekap = browser
            .visit(&app.url(&format!("/admin/pakta/{PACT}")), "rekap")
            .await;
        // (The page's text as WebDriver reads it: a no-break space comes out as a space.)
        let share = if device.languages.starts_with("en") {
            "50.0%"
        } else {
            "50,0 %"
        };
        assert!(rekap.contains(share), "{rekap}");

        // Siti has signed: a new code for her is a request with a reason.
        browser
            .visit(
                &app.url(&format!("/admin/pakta/{PACT}/unit/DINKES")),
                "unit",
            )
            .await;
        browser
            .fill(
                &format!("alasan-{SITI}"),
                "Ponsel hilang, datang sendiri ke BKPSDM",
            )
            .await;
        browser
            .click(&format!(
                "form[action='/admin/pegawai/{SITI}/reset'] button"
            ))
            .await;
        let asked = browser.look("reset-diminta").await;
        assert!(asked.contains(SITI), "{asked}");
        let list = browser.visit(&app.url("/admin/reset"), "permintaan").await;
        assert!(list.contains("Ponsel hilang"), "{list}");
        browser.stop().await;
    }
    // The public receipt, in both languages on a phone: no file, a form to download it again.
    for device in [PHONE, PHONE_IN_ENGLISH] {
        let (app, receipt) = app_where_siti_signed().await;
        let mut browser = Browser::start(device, "bukti-publik").await;
        let page = browser.visit(&app.url(&receipt), "bukti").await;
        assert!(!page.contains(SITI), "{page}");
        // The form waits behind "Saya pemilik bukti ini" for whoever scans someone's QR code.
        browser.click("#unduh-ulang summary").await;
        browser.fill("nip", SITI).await;
        browser.fill("passphrase", "bukan frasa sandinya").await;
        browser.click("#unduh-ulang button[type=submit]").await;
        browser.look("bukti-galat").await;
        assert!(!browser.error().await.is_empty());
        browser.stop().await;
    }
}

/// The accounts page as two superadmins use it: one proposes a superadmin and disables an
/// account (each asked first, then told what happened), the other approves the proposal; and an
/// employee whose key was replaced types the old passphrase and is told so. Phone and desktop,
/// both languages.
async fn superadmins_propose_approve_and_an_employee_learns_of_a_replaced_key() {
    for device in [PHONE, DESKTOP, PHONE_IN_ENGLISH, DESKTOP_IN_ENGLISH] {
        let english = device.languages.starts_with("en");
        let (app, _) = app_where_siti_signed().await;
        for (name, role, unit) in [
            ("kepala", "superadmin", None),
            ("sekretaris", "superadmin", None),
            ("dinkes", "unit-admin", Some("DINKES")),
        ] {
            create_admin(&app, name, role, unit);
        }
        let mut browser = Browser::start(device, "akun").await;
        browser.visit(&app.url("/admin/masuk"), "masuk").await;
        sign_in(&browser, &app, "kepala").await;
        browser.visit(&app.url("/admin/akun"), "akun").await;
        browser.fill("username", "calon").await;
        browser
            .client
            .find(Locator::Css("#role option[value=superadmin]"))
            .await
            .expect("the superadmin choice")
            .click()
            .await
            .expect("choose superadmin");
        browser.fill("password", ADMIN_PASSWORD).await;
        browser.click("form.form button[type=submit]").await;
        let made = browser.look("calon-dibuat").await;
        let waiting = if english {
            "waits for another superadmin"
        } else {
            "menunggu persetujuan"
        };
        assert!(made.contains(waiting), "{made}");
        let calon = admin_id(&app, "calon");
        let approve = format!("form[action='/admin/akun/{calon}/setujui']");
        assert!(
            browser.client.find(Locator::Css(&approve)).await.is_err(),
            "its maker is offered no approval"
        );
        let dinkes = admin_id(&app, "dinkes");
        browser
            .click(&format!(
                "form[action='/admin/akun/{dinkes}/nonaktifkan'] button"
            ))
            .await;
        let asked = browser.look("konfirmasi-nonaktifkan").await;
        assert!(asked.contains("dinkes"), "{asked}");
        browser.click("form.filters button[type=submit]").await;
        let done = browser.look("dinonaktifkan").await;
        let said = if english {
            "was disabled"
        } else {
            "dinonaktifkan."
        };
        assert!(done.contains(said), "{done}");

        // A unit's codes: the confirmation says what stops working; once the file comes, the
        // page moves on and offers only the way back (a second tap cannot void the file).
        browser
            .visit(
                &app.url(&format!("/admin/pakta/{PACT}/unit/DINKES")),
                "unit",
            )
            .await;
        browser.click("form.filters button[value=csv]").await;
        browser.look("konfirmasi-kode").await;
        let codes = browser.download("form.filters button[value=csv]").await;
        assert!(codes.contains("kode_aktivasi"), "{codes}");
        let moved_on = browser.look("kode-diunduh").await;
        let downloading = if english {
            "are downloading"
        } else {
            "sedang diunduh"
        };
        assert!(moved_on.contains(downloading), "{moved_on}");
        assert!(browser
            .client
            .find(Locator::Css("form.filters"))
            .await
            .is_err());

        // A roster whose new name looks like Budi's is imported with a warning on its preview.
        let roster = app.dir.path().join("mirip.csv");
        std::fs::write(
            &roster,
            format!("{ROSTER_HEADER}199004152019032099,\u{0412}udi Santoso,PNS,Guru,DINDIKBUD,Dinas Pendidikan dan Kebudayaan,Pemerintah Kabupaten Purbalingga\n"),
        )
        .unwrap();
        upload_roster_file(&mut browser, &app, &roster).await;
        browser
            .client
            .wait()
            .for_element(Locator::Css("tr[data-lookalike]"))
            .await
            .expect("the look-alike warning");
        let preview = browser.look("roster-mirip").await;
        assert!(preview.contains(BUDI), "{preview}");
        browser.stop().await;

        let mut browser = Browser::start(device, "akun-kedua").await;
        browser.visit(&app.url("/admin/masuk"), "masuk").await;
        sign_in(&browser, &app, "sekretaris").await;
        browser.visit(&app.url("/admin/akun"), "akun").await;
        browser
            .click(&format!(
                "form[action='/admin/akun/{calon}/setujui'] button"
            ))
            .await;
        browser.look("konfirmasi-setujui").await;
        browser.click("form.filters button[type=submit]").await;
        let approved = browser.look("disetujui").await;
        assert!(approved.contains("calon"), "{approved}");
        browser.stop().await;

        // Siti's key is replaced (asked by one, approved by the other); she types her old
        // passphrase on the pact's page.
        let kepala = signed_in(&app, "kepala").await;
        request_reset(&app, &kepala, SITI, "ponsel hilang, datang sendiri").await;
        let sekretaris = signed_in(&app, "sekretaris").await;
        let code = code_in(&approve_first_request(&app, &sekretaris).await);
        let res = app
            .activate_with(&app.browser(), SITI, &code, "lampu merah di jalan raya")
            .await;
        assert_eq!(res.status(), 200);
        let mut browser = Browser::start(device, "kunci-diganti").await;
        sign(&mut browser, &app, SITI, PASSPHRASE, true, "kunci-diganti").await;
        browser
            .client
            .execute("document.getElementById('galat').scrollIntoView()", vec![])
            .await
            .expect("scroll to the message");
        browser.snapshot("kunci-diganti-pesan").await;
        let error = browser.error().await;
        let told = if english {
            "was replaced on"
        } else {
            "telah diganti pada"
        };
        assert!(error.contains(told), "{error}");
        browser.stop().await;
    }
}

type BrowserTest = fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

fn main() -> std::process::ExitCode {
    let args = libtest_mimic::Arguments::from_args();
    let tests: [(&str, BrowserTest); 13] = [
        ("employees_sign_on_a_phone", || {
            Box::pin(employees_sign_on_a_phone())
        }),
        ("employees_sign_on_a_phone_without_javascript", || {
            Box::pin(employees_sign_on_a_phone_without_javascript())
        }),
        (
            "english_is_chosen_by_the_browser_or_the_switch_and_remembered",
            || Box::pin(english_is_chosen_by_the_browser_or_the_switch_and_remembered()),
        ),
        ("the_receipt_prints_on_one_page_in_black_and_white", || {
            Box::pin(the_receipt_prints_on_one_page_in_black_and_white())
        }),
        (
            "the_pact_reads_at_double_zoom_without_sideways_scrolling",
            || Box::pin(the_pact_reads_at_double_zoom_without_sideways_scrolling()),
        ),
        ("admins_work_on_a_desktop", || {
            Box::pin(admins_work_on_a_desktop())
        }),
        ("admins_enrol_a_second_factor_and_ask_for_resets", || {
            Box::pin(admins_enrol_a_second_factor_and_ask_for_resets())
        }),
        (
            "superadmins_propose_approve_and_an_employee_learns_of_a_replaced_key",
            || Box::pin(superadmins_propose_approve_and_an_employee_learns_of_a_replaced_key()),
        ),
        ("the_console_fits_a_phone", || {
            Box::pin(the_console_fits_a_phone())
        }),
        ("the_console_shows_what_its_witnesses_did", || {
            Box::pin(the_console_shows_what_its_witnesses_did())
        }),
        ("superadmins_watch_the_systems_health", || {
            Box::pin(health::superadmins_watch_the_systems_health())
        }),
        (
            "the_ceremony_screen_reads_from_the_back_of_the_hall",
            || Box::pin(screen::the_ceremony_screen_reads_from_the_back_of_the_hall()),
        ),
        (
            "auditors_get_the_same_verdicts_from_the_page_as_from_ikrar_verify",
            || {
                Box::pin(
                    checker::auditors_get_the_same_verdicts_from_the_page_as_from_ikrar_verify(),
                )
            },
        ),
    ];
    let missing = driver::missing();
    if let Some(what) = &missing {
        if driver::required() {
            eprintln!("IKRAR_E2E=1 but the browser tests cannot run; missing: {what}");
            return std::process::ExitCode::FAILURE;
        }
        eprintln!("browser tests ignored; missing: {what} (IKRAR_E2E=1 makes this a failure)");
    }
    let trials = tests
        .into_iter()
        .map(|(name, test)| {
            libtest_mimic::Trial::test(name, move || {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?
                    .block_on(test());
                Ok(())
            })
            .with_ignored_flag(missing.is_some())
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}
