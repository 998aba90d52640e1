//! `/periksa`: the offline checker, one self-contained HTML file (`static/periksa.html`) that
//! verifies bundles and receipts in the browser, for auditors without ikrar's command line.
//! Served with a policy that allows exactly its own script and style, and offered as a
//! download that works the same from disk with the network off.

use actix_web::http::header;
use actix_web::{get, HttpResponse};

/// The page, its `<meta>` policy filled by `src/build.rs`.
pub const PAGE: &str = include_str!(concat!(env!("OUT_DIR"), "/periksa.html"));

include!(concat!(env!("OUT_DIR"), "/periksa.rs"));

/// The name a saved copy gets.
const FILE_NAME: &str = "periksa-ikrar.html";

/// `GET /periksa`: the checker.
#[get("/periksa")]
pub async fn page() -> HttpResponse {
    respond(false)
}

/// `GET /periksa/unduh`: the same file, to keep and open offline.
#[get("/periksa/unduh")]
pub async fn download() -> HttpResponse {
    respond(true)
}

fn respond(attachment: bool) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CHECKER_CSP))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"));
    if attachment {
        response.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{FILE_NAME}\""),
        ));
    }
    response.body(PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_allows_exactly_its_own_script_and_style() {
        assert!(!PAGE.contains("__CSP__"));
        assert!(PAGE.contains(&format!(
            "content=\"{}\"",
            CHECKER_CSP.trim_end_matches("; frame-ancestors 'none'")
        )));
        assert_eq!(PAGE.matches("<script>").count(), 1, "one script");
        assert_eq!(PAGE.matches("<style>").count(), 1, "one style");
        assert!(
            !PAGE.contains("<script src"),
            "nothing loaded from elsewhere"
        );
        assert!(CHECKER_CSP.contains("default-src 'none'"));
        assert!(!CHECKER_CSP.contains("unsafe"));
    }
}
