//! The console's health page as a superadmin sees it on the morning of a ceremony, on a phone
//! and a desktop, in both languages: the charts, the figures, and an update in place.

use crate::common::*;
use crate::driver::{Browser, DESKTOP, DESKTOP_IN_ENGLISH, PHONE, PHONE_IN_ENGLISH};

pub async fn superadmins_watch_the_systems_health() {
    let (app, codes) = console().await;
    let ani = "200002292022012001";
    let code = codes.iter().find(|(n, _)| n == ani).unwrap().1.clone();
    for (n, device) in [PHONE, DESKTOP, PHONE_IN_ENGLISH, DESKTOP_IN_ENGLISH]
        .into_iter()
        .enumerate()
    {
        let english = device.languages.starts_with("en");
        let username = format!("kepala{n}");
        create_admin(&app, &username, "superadmin", None);
        let mut browser = Browser::start(device, "kesehatan").await;
        browser.visit(&app.url("/admin/kesehatan"), "masuk").await;
        crate::sign_in(&browser, &app, &username).await;
        let page = browser
            .visit(&app.url("/admin/kesehatan"), "kesehatan")
            .await;
        let (title, chart) = if english {
            ("System health", "Signatures per minute, last hour")
        } else {
            (
                "Kesehatan sistem",
                "Tanda tangan per menit, satu jam terakhir",
            )
        };
        assert!(page.contains(title) && page.contains(chart), "{page}");
        let bars = browser
            .client
            .execute(
                "return document.querySelectorAll('svg.chart rect').length;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(bars, 120, "two charts of sixty minutes");
        if n == 1 {
            // Ani activates and signs while the page is open: the figures move without a reload.
            let phone = app.browser();
            app.activate_ok(&phone, ani, &code).await;
            assert_eq!(app.sign(&phone, ani, PASSPHRASE).await.status(), 303);
            let size = browser
                .refreshed_text("kesehatan", "[data-field=log_size]", "7")
                .await;
            assert_eq!(size, "7", "a key and a signature more");
            browser.snapshot("diperbarui").await;
        }
        browser.stop().await;
    }
}
