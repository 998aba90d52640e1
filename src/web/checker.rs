//! `/periksa`: the offline checker, one self-contained HTML file (`static/periksa.html`) that
//! verifies bundles and receipts in the browser, for auditors without ikrar's command line.
//! Served with a policy that allows exactly its own script and style, and offered as a
//! download that works the same from disk with the network off.

use super::lang::Tr;
use crate::i18n::Lang;
use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// The page, its `<meta>` policy filled by `src/build.rs`.
pub const PAGE: &str = include_str!(concat!(env!("OUT_DIR"), "/periksa.html"));

include!(concat!(env!("OUT_DIR"), "/periksa.rs"));

/// The name a saved copy gets.
const FILE_NAME: &str = "periksa-ikrar.html";

/// `?lang=` of the served checker.
#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// `GET /periksa[?lang=id|en]`: the checker, in the language asked for, else the site's
/// (the language cookie, else the browser's).
#[get("/periksa")]
pub async fn page(req: HttpRequest, query: web::Query<LangQuery>) -> HttpResponse {
    let asked = query.lang.as_deref().and_then(Lang::from_code);
    let lang = asked.unwrap_or_else(|| Tr::of(&req).lang());
    let code = lang.code();
    // The page's script reads `data-bahasa`; its hash covers the script, not this tag.
    let filled = PAGE.replacen(
        "<html lang=\"id\">",
        &format!("<html lang=\"{code}\" data-bahasa=\"{code}\">"),
        1,
    );
    respond(false, filled)
}

/// `GET /periksa/unduh`: the same file, to keep and open offline, where it follows the
/// browser's language.
#[get("/periksa/unduh")]
pub async fn download() -> HttpResponse {
    respond(true, PAGE.to_owned())
}

fn respond(attachment: bool, body: String) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CHECKER_CSP));
    if attachment {
        response
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{FILE_NAME}\""),
            ));
    } else {
        // Its language depends on the request: a shared cache must not hand it on.
        response.insert_header((header::CACHE_CONTROL, "private, max-age=3600"));
    }
    response.body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_allows_exactly_its_own_script_and_style() {
        assert!(!PAGE.contains("__CSP__"));
        assert!(
            PAGE.contains("<html lang=\"id\">"),
            "the tag the served page fills"
        );
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
        assert!(CHECKER_CSP.contains("worker-src blob:"), "its Web Workers");
        assert!(!CHECKER_CSP.contains("unsafe"));
    }

    #[test]
    fn the_page_has_words_for_every_finding() {
        for finding in ikrar_log::finding::Finding::ALL {
            assert!(
                PAGE.contains(&format!("\n      {finding}: ['")),
                "the page's FAULTS table lacks {finding}"
            );
        }
    }
}
