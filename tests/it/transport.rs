//! How pages and files travel: compression, `HEAD`, versioned static files with long caching,
//! ETags and no cookies, the favicon and a description on every page.

use crate::common::*;

fn plain_client() -> reqwest::Client {
    // No automatic decompression: the test reads the encoding the server chose.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The href of the first `<link rel="{rel}" …>` on a page.
fn link_href(html: &str, rel: &str) -> String {
    let at = html.find(&format!("rel=\"{rel}\"")).expect(rel);
    let rest = &html[at..];
    let start = rest.find("href=\"").unwrap() + 6;
    rest[start..][..rest[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn pages_and_css_are_compressed_when_asked() {
    let app = TestApp::spawn().await;
    let client = plain_client();
    let home = app.page(&client, "/").await;
    let css = link_href(&home, "stylesheet");
    for path in ["/", "/aktivasi", "/bantuan", css.as_str()] {
        for (asked, given) in [("gzip", "gzip"), ("br", "br"), ("br, gzip", "br")] {
            let res = client
                .get(app.url(path))
                .header("Accept-Encoding", asked)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{path}");
            assert_eq!(res.headers()["content-encoding"], given, "{path} {asked}");
        }
        let res = client.get(app.url(path)).send().await.unwrap();
        assert!(res.headers().get("content-encoding").is_none(), "{path}");
    }
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = TestApp::spawn().await;
    let client = plain_client();
    let home = app.page(&client, "/").await;
    let css = link_href(&home, "stylesheet");
    for path in [
        "/",
        "/aktivasi",
        "/bantuan",
        "/pakta/netralitas-2024",
        "/healthz",
        css.as_str(),
    ] {
        let get = client.get(app.url(path)).send().await.unwrap();
        let head = client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "{path}");
        assert_eq!(
            head.headers()["content-type"],
            get.headers()["content-type"],
            "{path}"
        );
        assert!(head.bytes().await.unwrap().is_empty(), "{path}");
    }
    let missing = client.head(app.url("/tidak-ada")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn static_files_are_versioned_cached_and_cookieless() {
    let app = TestApp::spawn().await;
    let client = plain_client();
    let home = app.page(&client, "/").await;
    assert!(
        home.contains("<meta name=\"description\" content=\""),
        "{home}"
    );
    let css = link_href(&home, "stylesheet");
    let icon = link_href(&home, "icon");
    assert!(
        css.starts_with("/static/ikrar.") && css.len() > "/static/ikrar.css".len(),
        "{css}"
    );
    for path in [css.as_str(), icon.as_str()] {
        let res = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let cache = res.headers()["cache-control"].to_str().unwrap().to_owned();
        assert!(
            cache.contains("immutable") && cache.contains("max-age=31536000"),
            "{cache}"
        );
        assert!(res.headers().get("set-cookie").is_none(), "{path}");
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        let again = client
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.headers().get("set-cookie").is_none());
    }
    // The plain name still works, cached for a day.
    let plain = client
        .get(app.url("/static/ikrar.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.headers()["cache-control"], "public, max-age=86400");
    let favicon = client.get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(favicon.status(), 200);
    assert_eq!(favicon.headers()["content-type"], "image/svg+xml");
    assert!(favicon.headers().get("set-cookie").is_none());
    // Pages still set the CSRF cookie and are never cached.
    let page = client.get(app.url("/")).send().await.unwrap();
    assert!(page.headers().get("set-cookie").is_some());
    assert_eq!(page.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn the_form_token_differs_in_every_page_and_each_one_works() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let first = app.csrf(&browser, "/aktivasi").await;
    let second = app.csrf(&browser, "/aktivasi").await;
    assert_ne!(first, second, "masked anew for every response (BREACH)");
    for token in [first, second] {
        let res = browser
            .post(app.url("/aktivasi"))
            .form(&[("nip", "1"), ("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "the token is accepted; the NIP is not");
    }
}

/// A form, a query or a path that cannot be read is answered with a page in ikrar's words,
/// never with what the web library says about it.
#[tokio::test]
async fn unreadable_requests_get_ikrars_pages_not_the_librarys_words() {
    let (app, _) = console().await;
    let browser = app.browser();
    let token = app.csrf(&browser, "/aktivasi").await;
    let body = format!("nip=1&nip=2&csrf_token={token}");
    let form = browser
        .post(app.url("/aktivasi"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let too_long = browser
        .post(app.url("/aktivasi"))
        .form(&[("nip", "1".repeat(20_000)), ("csrf_token", token.clone())])
        .send()
        .await
        .unwrap();
    let bkpsdm = signed_in(&app, "bkpsdm").await;
    let query = bkpsdm
        .get(app.url("/admin/pakta/netralitas-2024/unit/DINKES?q=a&q=b"))
        .send()
        .await
        .unwrap();
    let path = press(&app, &bkpsdm, "/admin/reset/bukan-angka/setujui").await;
    for (what, res, status, words) in [
        (
            "a field twice",
            form,
            400,
            "Isian atau alamat halaman ini tidak dapat dibaca.",
        ),
        (
            "a form too long",
            too_long,
            413,
            "Isian formulir terlalu panjang.",
        ),
        (
            "a query field twice",
            query,
            400,
            "Isian atau alamat halaman ini tidak dapat dibaca.",
        ),
        (
            "a path part of the wrong kind",
            path,
            404,
            "Halaman tidak ditemukan.",
        ),
    ] {
        assert_eq!(res.status(), status, "{what}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{what}"
        );
        let page = res.text().await.unwrap();
        assert!(page.contains(words), "{what}: {page}");
        for library in [
            "deserialize",
            "duplicate field",
            "can not parse",
            "Urlencoded",
            "overflow",
        ] {
            assert!(!page.contains(library), "{what}: {library}");
        }
    }
}

/// Search engines are told what not to crawl: the console, receipts (they carry names), the
/// ceremony screen and the log's API.
#[tokio::test]
async fn robots_txt_keeps_receipts_and_the_console_out_of_search() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/robots.txt")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    for path in ["/admin/", "/bukti/", "/layar/", "/log/"] {
        assert!(text.contains(&format!("Disallow: {path}")), "{text}");
    }
}

/// Beside the SVG icon, a PNG one for browsers and home screens that take no SVG.
#[tokio::test]
async fn pages_name_a_png_icon_beside_the_svg() {
    let app = TestApp::spawn().await;
    let home = app.page(&app.client, "/").await;
    let start = home.find("type=\"image/svg+xml\"").expect("the SVG icon");
    let png = home[start..]
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert!(
        png.starts_with("/static/favicon.") && png.ends_with(".png"),
        "{png}"
    );
    let res = app.client.get(app.url(png)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(res.bytes().await.unwrap().starts_with(b"\x89PNG"));
}
