//! The admin console as a test drives it: a console with a roster, signatures and one account
//! per role, signing in, pressing buttons and uploading rosters.

use super::*;

pub const ADMIN_PASSWORD: &str = "kuda lari di pantai pagi";

/// The small roster imported, Siti (DINKES) and Budi (DINDIKBUD) signed, Ani (DINKES) not;
/// a superadmin, a DINKES unit-admin and an auditor.
pub async fn console() -> (TestApp, Vec<(String, String)>) {
    let app = TestApp::spawn().await;
    let codes = app.import_roster(&small_roster());
    let browser = app.browser();
    for nip in [SITI, BUDI] {
        let code = &codes.iter().find(|(n, _)| n == nip).unwrap().1;
        app.activate_ok(&browser, nip, code).await;
        assert_eq!(app.sign(&browser, nip, PASSPHRASE).await.status(), 303);
    }
    for (name, role, unit) in [
        ("bkpsdm", "superadmin", None),
        ("dinkes", "unit-admin", Some("DINKES")),
        ("bawaslu", "auditor", None),
    ] {
        create_admin(&app, name, role, unit);
    }
    (app, codes)
}

/// Creates an account with [`ADMIN_PASSWORD`] through the real CLI; returns what it printed
/// (with the second factor's URI).
pub fn create_admin(app: &TestApp, name: &str, role: &str, unit: Option<&str>) -> String {
    let mut args = vec!["admin", "create", name, "--role", role, "--password-stdin"];
    if let Some(unit) = unit {
        args.extend(["--unit", unit]);
    }
    let out = ikrar_with_input(&app.dir, &args, &format!("{ADMIN_PASSWORD}\n"));
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// A browser signed in as `username`.
pub async fn signed_in(app: &TestApp, username: &str) -> reqwest::Client {
    let browser = app.browser();
    let res = post_sign_in(app, &browser, username, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 303, "sign-in of {username}");
    assert_eq!(res.headers()["location"], "/admin");
    browser
}

/// The `Cookie` header of a browser signed in as `username`, for requests written by hand.
pub async fn signed_in_cookies(app: &TestApp, username: &str) -> String {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = post_sign_in(app, &browser, username, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 303, "sign-in of {username}");
    let url: reqwest::Url = app.base.parse().unwrap();
    use reqwest::cookie::CookieStore;
    jar.cookies(&url).unwrap().to_str().unwrap().to_owned()
}

pub async fn post_sign_in(
    app: &TestApp,
    browser: &reqwest::Client,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let code = totp_code(app, username).await;
    sign_in_with(app, browser, username, password, &code).await
}

/// Posts the sign-in form with the second-factor code given.
pub async fn sign_in_with(
    app: &TestApp,
    browser: &reqwest::Client,
    username: &str,
    password: &str,
    code: &str,
) -> reqwest::Response {
    let token = app.csrf(browser, "/admin/masuk").await;
    browser
        .post(app.url("/admin/masuk"))
        .form(&[
            ("username", username),
            ("password", password),
            ("totp", code),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap()
}

/// The authenticator code `username`'s phone would show for the next sign-in: a step not used
/// yet and accepted now (this one or the next), moving the app's clock to the next 30 seconds
/// when both are spent (never waiting for them). Empty for an account not enrolled; a made-up one for an unknown account.
pub async fn totp_code(app: &TestApp, username: &str) -> String {
    use ikrar::domain::totp::{code_at, step_of, STEP_SECONDS};
    loop {
        let admin = {
            let mut conn = app.app.db.conn().unwrap();
            ikrar::db::admins::find_by_username(&mut conn, username).unwrap()
        };
        let Some(admin) = admin else {
            return "000000".into();
        };
        let Some(secret) = admin.confirmed_totp() else {
            return String::new();
        };
        let now = app.app.clock.now().timestamp() as u64;
        let current = step_of(now);
        let step = current.max(admin.totp_last_step as u64 + 1);
        if step <= current + 1 {
            return code_at(secret, step);
        }
        let wait = (current + 1) * STEP_SECONDS - now;
        app.app.clock.advance(wait.max(1) as i64);
    }
}

pub async fn status(app: &TestApp, browser: &reqwest::Client, path: &str) -> u16 {
    browser
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Posts a button form and returns only its status.
pub async fn press_status(app: &TestApp, browser: &reqwest::Client, path: &str) -> u16 {
    press(app, browser, path).await.status().as_u16()
}

/// Posts a button form, confirmed (`konfirmasi=ya`, for the buttons that ask first), and
/// returns the response.
pub async fn press(app: &TestApp, browser: &reqwest::Client, path: &str) -> reqwest::Response {
    let token = app.csrf(browser, "/admin/masuk").await;
    browser
        .post(app.url(path))
        .form(&[("csrf_token", token.as_str()), ("konfirmasi", "ya")])
        .send()
        .await
        .unwrap()
}

pub async fn upload_roster(app: &TestApp, browser: &reqwest::Client, csv: String) -> (u16, String) {
    upload_file(app, browser, csv.into_bytes(), "roster.csv").await
}

/// Uploads `bytes` as the roster file named `name` and returns (status, page).
pub async fn upload_file(
    app: &TestApp,
    browser: &reqwest::Client,
    bytes: Vec<u8>,
    name: &str,
) -> (u16, String) {
    let token = app.csrf(browser, "/admin/roster").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .part(
            "berkas",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let res = browser
        .post(app.url("/admin/roster"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

pub fn upload_id(preview: &str) -> String {
    let marker = "action=\"/admin/roster/";
    let start = preview.find(marker).unwrap() + marker.len();
    preview[start..start + 32].to_owned()
}

/// Makes an API token on the tokens page and returns its secret (shown once).
pub async fn create_api_token(app: &TestApp, browser: &reqwest::Client, name: &str) -> String {
    let token = app.csrf(browser, "/admin/token").await;
    let res = browser
        .post(app.url("/admin/token"))
        .form(&[("name", name), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    let start = html.find("<p class=\"code\">").unwrap() + "<p class=\"code\">".len();
    html[start..start + 43].to_owned()
}

/// Asks for (or, for someone not activated, gets) a new code for `nip`, with a reason.
pub async fn request_reset(
    app: &TestApp,
    browser: &reqwest::Client,
    nip: &str,
    reason: &str,
) -> reqwest::Response {
    let token = app.csrf(browser, "/admin/masuk").await;
    browser
        .post(app.url(&format!("/admin/pegawai/{nip}/reset")))
        .form(&[("csrf_token", token.as_str()), ("alasan", reason)])
        .send()
        .await
        .unwrap()
}

/// Approves the first open reset request on `/admin/reset` and returns the page (with the code).
pub async fn approve_first_request(app: &TestApp, browser: &reqwest::Client) -> String {
    let list = app.page(browser, "/admin/reset").await;
    let marker = "action=\"/admin/reset/";
    let start = list.find(marker).expect("an open request to approve") + marker.len();
    let id: String = list[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let res = press(app, browser, &format!("/admin/reset/{id}/setujui")).await;
    assert_eq!(res.status(), 200, "approval of request {id}");
    res.text().await.unwrap()
}

/// The activation code shown on a code page.
pub fn code_in(html: &str) -> String {
    let start = html.find("<p class=\"code\">").unwrap() + "<p class=\"code\">".len();
    html[start..start + 14].to_owned()
}

/// The secret inside an `otpauth://` URI.
pub fn secret_of(uri: &str) -> Vec<u8> {
    let encoded = uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    base32_decode(encoded)
}

/// RFC 4648 base32 without padding, as authenticator URIs carry it.
pub fn base32_decode(text: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut value, mut out) = (0u32, 0u32, Vec::new());
    for c in text.bytes().filter(|&c| c != b'=') {
        let index = alphabet.iter().position(|&a| a == c).unwrap() as u32;
        value = (value << 5) | index;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((value >> bits) as u8);
            value &= (1 << bits) - 1;
        }
    }
    out
}

/// Downloads fresh activation codes for a unit's employees who have not activated.
pub async fn unit_codes(
    app: &TestApp,
    browser: &reqwest::Client,
    unit: &str,
    format: &str,
) -> reqwest::Response {
    let batch = code_batch(app, browser, unit, format).await;
    confirm_unit_codes(app, browser, unit, format, &batch).await
}

/// Asks for a unit's codes without confirming: the batch id the confirmation page carries.
pub async fn code_batch(
    app: &TestApp,
    browser: &reqwest::Client,
    unit: &str,
    format: &str,
) -> String {
    let token = app.csrf(browser, "/admin/masuk").await;
    let page = browser
        .post(app.url(&format!("/admin/unit/{unit}/kode")))
        .form(&[("csrf_token", token.as_str()), ("format", format)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"kumpulan\" value=\"";
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("no batch in {page}"))
        + marker.len();
    page[start..start + 32].to_owned()
}

/// Confirms batch `batch` of a unit's codes.
pub async fn confirm_unit_codes(
    app: &TestApp,
    browser: &reqwest::Client,
    unit: &str,
    format: &str,
    batch: &str,
) -> reqwest::Response {
    let token = app.csrf(browser, "/admin/masuk").await;
    browser
        .post(app.url(&format!("/admin/unit/{unit}/kode")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("format", format),
            ("konfirmasi", "ya"),
            ("kumpulan", batch),
        ])
        .send()
        .await
        .unwrap()
}

/// Makes an account on the accounts page (`units` comma-separated, or empty); returns the
/// response.
pub async fn create_in_console(
    app: &TestApp,
    browser: &reqwest::Client,
    username: &str,
    role: &str,
    units: &str,
) -> reqwest::Response {
    let token = app.csrf(browser, "/admin/akun").await;
    browser
        .post(app.url("/admin/akun"))
        .form(&[
            ("username", username),
            ("role", role),
            ("units", units),
            ("password", ADMIN_PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap()
}

/// The base32 secret an enrolment page shows, decoded (`None` if the page shows none).
pub fn enrolment_secret(page: &str) -> Option<Vec<u8>> {
    let marker = "<code class=\"digest\">";
    let start = page.find(marker)? + marker.len();
    let end = page[start..].find('<')? + start;
    Some(base32_decode(&page[start..end]))
}

/// Posts a first code on the enrolment page.
pub async fn post_enrolment(
    app: &TestApp,
    browser: &reqwest::Client,
    code: &str,
) -> reqwest::Response {
    let token = app.csrf(browser, "/admin/masuk").await;
    browser
        .post(app.url("/admin/2fa"))
        .form(&[("totp", code), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap()
}

/// A browser signed in as `username`, an account made in the console that has not enrolled
/// yet: the password, then the first code from the scanned secret.
pub async fn enrolled_in_console(app: &TestApp, username: &str) -> reqwest::Client {
    let browser = app.browser();
    let res = sign_in_with(app, &browser, username, ADMIN_PASSWORD, "").await;
    assert_eq!(res.headers()["location"], "/admin/2fa", "{username} enrols");
    let page = app.page(&browser, "/admin/2fa").await;
    let secret = enrolment_secret(&page).expect("the secret to scan");
    let step = ikrar::domain::totp::step_of(app.app.clock.now().timestamp() as u64);
    let code = ikrar::domain::totp::code_at(&secret, step);
    let res = post_enrolment(app, &browser, &code).await;
    assert_eq!(res.status(), 303, "{username} enrolled");
    browser
}

/// The id of the account `username`.
pub fn admin_id(app: &TestApp, username: &str) -> i64 {
    let mut conn = app.app.db.conn().unwrap();
    ikrar::db::admins::find_by_username(&mut conn, username)
        .unwrap()
        .unwrap()
        .id
}

/// The id of the open reset request for `nip`.
pub fn open_request(app: &TestApp, nip: &str) -> i64 {
    let mut conn = app.app.db.conn().unwrap();
    let pending = ikrar::db::reset_requests::pending(&mut conn).unwrap();
    pending
        .iter()
        .find(|(r, _, _)| r.nip.as_str() == nip)
        .unwrap()
        .0
        .id
}

/// Makes a screen link as `browser` (a superadmin) and returns its path and query.
pub async fn make_screen_link(app: &TestApp, browser: &reqwest::Client, per: &str) -> String {
    let token = app.csrf(browser, "/admin/pakta/netralitas-2024").await;
    let res = browser
        .post(app.url("/admin/pakta/netralitas-2024/layar"))
        .form(&[
            ("nama", "Proyektor aula"),
            ("per", per),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    let start = page.find("<code>").unwrap() + "<code>".len();
    let url = &page[start..page[start..].find("</code>").unwrap() + start];
    let path = &url[url.find("/layar/").unwrap()..];
    assert!(path.starts_with("/layar/netralitas-2024?tautan="), "{path}");
    path.to_owned()
}
