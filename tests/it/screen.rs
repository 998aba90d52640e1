//! The ceremony screen (`/layar/{id}`): counts and bars for a projector, never a name or a NIP;
//! for superadmins and unit-admins (theirs only), or through a screen link that a superadmin
//! makes and can revoke, which opens that one screen and nothing else.

use crate::common::*;
use ikrar::domain::audit::AuditAction;

const SCREEN: &str = "/layar/netralitas-2024";

/// The console's people and units must not be on the screen, whoever opens it.
fn assert_no_person(page: &str) {
    for secret in [
        SITI,
        BUDI,
        "Siti Aminah",
        "Budi Santoso",
        "Ani Lestari",
        "200002292022012001",
    ] {
        assert!(!page.contains(secret), "{secret} on the screen");
    }
}

#[tokio::test]
async fn admins_see_the_screen_of_their_units_without_names() {
    let (app, _) = console().await;
    let bkpsdm = signed_in(&app, "bkpsdm").await;
    let res = bkpsdm.get(app.url(SCREEN)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let page = res.text().await.unwrap();
    assert!(page.contains("2 dari 3 ASN telah menandatangani"), "{page}");
    assert!(
        page.contains("Pemerintah Kabupaten Purbalingga"),
        "per instansi by default"
    );
    assert!(page.contains("<svg") && page.contains("pakta/<wbr>netralitas-2024"));
    assert!(
        page.contains("http-equiv=\"refresh\""),
        "reloads itself without JavaScript"
    );
    assert_no_person(&page);

    let page = app
        .page(&bkpsdm, &format!("{SCREEN}?per=unit&lang=en"))
        .await;
    assert!(page.contains("2 of 3 civil servants have signed"), "{page}");
    assert!(page.contains("Dinas Kesehatan") && page.contains("Dinas Pendidikan"));
    assert_no_person(&page);

    // A unit-admin: their unit only (Siti signed, Ani not).
    let dinkes = signed_in(&app, "dinkes").await;
    let page = app.page(&dinkes, &format!("{SCREEN}?per=unit")).await;
    assert!(page.contains("1 dari 2 ASN"), "{page}");
    assert!(!page.contains("Dinas Pendidikan"));
    let numbers: serde_json::Value = dinkes
        .get(app.url(&format!("{SCREEN}/angka?per=unit")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(numbers["rows"].as_array().unwrap().len(), 1, "{numbers}");
    assert_eq!(numbers["permille"], 500);

    // An auditor reads the log, not the hall's screen; nobody signed in goes to sign in.
    let bawaslu = signed_in(&app, "bawaslu").await;
    assert_eq!(status(&app, &bawaslu, SCREEN).await, 403);
    let nobody = app.browser();
    let res = nobody.get(app.url(SCREEN)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin/masuk");
    assert_eq!(status(&app, &bkpsdm, "/layar/tidak-ada").await, 404);
}

#[tokio::test]
async fn a_screen_link_opens_one_screen_until_it_is_revoked() {
    let (app, _) = console().await;
    let bkpsdm = signed_in(&app, "bkpsdm").await;
    // Only a superadmin makes one.
    let dinkes = signed_in(&app, "dinkes").await;
    let token = app.csrf(&dinkes, "/admin/pakta/netralitas-2024").await;
    let refused = dinkes
        .post(app.url("/admin/pakta/netralitas-2024/layar"))
        .form(&[("nama", "Proyektor"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let link = make_screen_link(&app, &bkpsdm, "unit").await;
    let projector = app.browser();
    let res = projector.get(app.url(&link)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("2 dari 3 ASN") && page.contains("Dinas Kesehatan"),
        "{page}"
    );
    assert_no_person(&page);
    let numbers_path = link.replace("?tautan=", "/angka?tautan=");
    let numbers = projector.get(app.url(&numbers_path)).send().await.unwrap();
    assert_eq!(numbers.status(), 200);

    // It opens nothing else: not the console, not the log's API, not another pact's screen.
    let secret = link.split("tautan=").nth(1).unwrap().to_owned();
    assert_eq!(status(&app, &projector, "/admin").await, 303);
    let api = projector
        .get(app.url("/log/entries?start=0&end=1"))
        .header("Authorization", format!("Bearer {secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 401);
    let elsewhere = format!("/layar/pakta-lain?tautan={secret}");
    assert_eq!(status(&app, &projector, &elsewhere).await, 404);
    assert_eq!(
        status(&app, &projector, &format!("{SCREEN}?tautan=x{secret}")).await,
        404
    );
    // And an API token is no screen link.
    let api_token = create_api_token(&app, &bkpsdm, "pemantau").await;
    let with_api_token = format!("{SCREEN}?tautan={api_token}");
    assert_eq!(status(&app, &projector, &with_api_token).await, 404);

    // Listed with the tokens, revoked there: the projector's screen stops at once.
    let tokens = app.page(&bkpsdm, "/admin/token").await;
    assert!(
        tokens.contains("layar netralitas-2024, per per unit kerja"),
        "{tokens}"
    );
    let id = {
        let mut conn = app.app.db.conn().unwrap();
        let all = ikrar::db::api_tokens::all(&mut conn).unwrap();
        all.into_iter()
            .find(|t| t.screen_pact.is_some())
            .unwrap()
            .id
    };
    let res = press(&app, &bkpsdm, &format!("/admin/token/{id}/cabut")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(status(&app, &projector, &link).await, 404);
    assert_eq!(status(&app, &projector, &numbers_path).await, 404);

    let mut conn = app.app.db.conn().unwrap();
    let trail = ikrar::db::audit::list(&mut conn, None, None, 0, 50).unwrap();
    assert!(trail
        .iter()
        .any(|e| e.action == AuditAction::ScreenLinkCreate
            && e.detail == "Proyektor aula (netralitas-2024, per unit)"));
    assert!(trail.iter().any(|e| e.action == AuditAction::TokenRevoke));
}
