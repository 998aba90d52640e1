//! The files in `static/`, served under names that carry their content's hash (made by
//! `src/build.rs`): a versioned name is cached for a year as `immutable`, the plain name for a
//! day; both with an ETag, and neither sets a cookie.

use actix_web::http::header::{self, EntityTag, IfNoneMatch};
use actix_web::{get, web, HttpMessage, HttpRequest, HttpResponse};

/// A static file.
pub struct Asset {
    /// Its name in `static/`.
    pub name: &'static str,
    /// Its name with the content hash.
    pub versioned: &'static str,
    pub content_type: &'static str,
    /// `"hash"`, quoted.
    pub etag: &'static str,
    pub body: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The path prefix of static files; responses under it carry no cookie.
pub const PREFIX: &str = "/static/";

/// `GET /static/{name}`: a file by its versioned or its plain name.
#[get("/static/{name}")]
pub async fn file(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let found = FILES.iter().find_map(|a| match name.as_str() {
        n if n == a.versioned => Some((a, "public, max-age=31536000, immutable")),
        n if n == a.name => Some((a, "public, max-age=86400")),
        _ => None,
    });
    match found {
        Some((asset, cache)) => serve(&req, asset, cache),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("tidak ditemukan"),
    }
}

/// `GET /favicon.ico`: the icon, for browsers that ask for it by that name.
#[get("/favicon.ico")]
pub async fn favicon(req: HttpRequest) -> HttpResponse {
    match FILES.iter().find(|a| a.name == "favicon.svg") {
        Some(icon) => serve(&req, icon, "public, max-age=86400"),
        None => HttpResponse::NotFound().finish(),
    }
}

fn serve(req: &HttpRequest, asset: &Asset, cache: &str) -> HttpResponse {
    let tag = EntityTag::new_strong(asset.etag.trim_matches('"').to_owned());
    let fresh = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&tag)),
        None => false,
    };
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, tag.to_string()))
        .insert_header((header::CACHE_CONTROL, cache.to_owned()));
    if fresh {
        response.finish()
    } else {
        response.content_type(asset.content_type).body(asset.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_a_versioned_name_and_a_body() {
        assert!(STYLESHEET.starts_with("/static/ikrar.") && STYLESHEET.ends_with(".css"));
        for asset in FILES {
            assert!(!asset.body.is_empty(), "{}", asset.name);
            assert_ne!(asset.name, asset.versioned);
            assert!(asset.versioned.contains(asset.etag.trim_matches('"')));
        }
    }
}
