//! The ceremony screen on a projector, read from the back of the hall: at 1920×1080 and
//! 1280×720 (and on a desktop and a phone), in both languages, opened through a screen link
//! with nobody signed in. It fits the screen without scrolling, the count is the largest text,
//! the QR code is large, and a new signature shows up without a reload.

use crate::common::*;
use crate::driver::{Browser, Device, DESKTOP, PHONE};

const HALL_1080: Device = Device {
    name: "proyektor-1080",
    width: 1920,
    height: 1080,
    ..DESKTOP
};
const HALL_720: Device = Device {
    name: "proyektor-720",
    width: 1280,
    height: 720,
    ..DESKTOP
};

fn in_english(device: Device, name: &'static str) -> Device {
    Device {
        name,
        languages: "en-GB,en",
        ..device
    }
}

/// Fails if the page is taller than the screen: a projector shows no scroll bar.
async fn assert_fits(browser: &Browser, name: &str) {
    let overflow = browser
        .number("return document.documentElement.scrollHeight - window.innerHeight;")
        .await;
    assert!(overflow <= 0.0, "{name}: {overflow}px below the screen");
}

pub async fn the_ceremony_screen_reads_from_the_back_of_the_hall() {
    let (app, codes) = console().await;
    let bkpsdm = signed_in(&app, "bkpsdm").await;
    let link = make_screen_link(&app, &bkpsdm, "unit").await;
    let devices = [
        HALL_1080,
        in_english(HALL_1080, "proyektor-1080-inggris"),
        HALL_720,
        in_english(HALL_720, "proyektor-720-inggris"),
        DESKTOP,
        in_english(PHONE, "ponsel-inggris"),
    ];
    for device in devices {
        let english = device.languages.starts_with("en");
        let mut browser = Browser::start(device, "layar").await;
        let text = browser.visit(&app.url(&link), "layar").await;
        let headline = if english {
            "2 of 3 civil servants have signed"
        } else {
            "2 dari 3 ASN telah menandatangani"
        };
        assert!(text.contains(headline), "{}: {text}", device.name);
        assert!(
            text.contains("Dinas Kesehatan") && !text.contains("Siti"),
            "{text}"
        );
        if device.width >= 1280 {
            assert_fits(&browser, device.name).await;
            let count = browser.number(
                "return parseFloat(getComputedStyle(document.querySelector('.layar-besar')).fontSize);",
            )
            .await;
            let largest = browser
                .number(
                    "return Math.max(...[...document.querySelectorAll('main *')]
                   .map(e => parseFloat(getComputedStyle(e).fontSize)));",
                )
                .await;
            let height = browser.number("return window.innerHeight;").await;
            assert!(count >= 0.07 * height && count >= largest, "{count}px");
            let qr = browser
                .number(
                    "return document.querySelector('.layar-qr svg').getBoundingClientRect().width;",
                )
                .await;
            assert!(qr >= 0.4 * height, "{}: QR {qr}px", device.name);
        }
        browser.stop().await;
    }

    // Every unit of a large instansi on one screen, per unit: still no scrolling at 16:9.
    let large = TestApp::spawn().await;
    large.import_roster(&generated_roster(3000, 7));
    create_admin(&large, "bkpsdm", "superadmin", None);
    let bkpsdm = signed_in(&large, "bkpsdm").await;
    let per_unit = make_screen_link(&large, &bkpsdm, "unit").await;
    for device in [HALL_1080, in_english(HALL_720, "proyektor-720-inggris")] {
        let mut browser = Browser::start(device, "layar-banyak-unit").await;
        browser.visit(&large.url(&per_unit), "per-unit").await;
        let rows = browser
            .number("return document.querySelectorAll('#baris li').length;")
            .await;
        assert!(rows > 25.0, "{rows} units");
        assert_fits(&browser, device.name).await;
        browser.stop().await;
    }

    // A new signature reaches the screen without a reload.
    let mut browser = Browser::start(HALL_1080, "layar-langsung").await;
    browser.visit(&app.url(&link), "sebelum").await;
    let ani = "200002292022012001";
    let code = &codes.iter().find(|(n, _)| n == ani).unwrap().1;
    let phone = app.browser();
    app.activate_ok(&phone, ani, code).await;
    assert_eq!(app.sign(&phone, ani, PASSPHRASE).await.status(), 303);
    let expected = "3 dari 3 ASN telah menandatangani";
    let headline = browser
        .refreshed_text("layar", ".layar-besar", expected)
        .await;
    assert_eq!(headline, expected);
    browser.snapshot("sesudah").await;
    browser.stop().await;
}
