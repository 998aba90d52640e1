//! The language of a request: the one chosen with the switch on every page (kept in a cookie),
//! else the browser's `Accept-Language`, else Bahasa Indonesia.

use crate::i18n::{Lang, Words};
use crate::service::App;
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{get, web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::convert::Infallible;
use std::future::{ready, Ready};

/// The cookie that remembers the chosen language.
pub const COOKIE: &str = "ikrar_bahasa";

/// The interface's words in the request's language, and what the language switch needs.
#[derive(Debug, Clone)]
pub struct Tr {
    lang: Lang,
    /// The path and query of this page, to come back to after switching.
    here: String,
}

impl Tr {
    /// The words for a request that was not made by a browser page (tests, error pages).
    pub fn new(lang: Lang) -> Tr {
        Tr {
            lang,
            here: "/".into(),
        }
    }

    /// The request's language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The text under `key` (templates: `{{ t.s("home.title") }}`).
    pub fn s(&self, key: &str) -> &'static str {
        self.lang.text(key)
    }

    /// The language code for `<html lang>`.
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// The same words, with the switch coming back to `path` instead of this request's URL:
    /// for a page that answers a form post, whose own URL takes no GET.
    pub fn returning_to(mut self, path: impl Into<String>) -> Tr {
        self.here = path.into();
        self
    }

    /// The other language's code, as the switch offers it.
    pub fn other_code(&self) -> &'static str {
        self.other().code()
    }

    /// The switch's link: to the other language, then back to this page.
    pub fn switch_href(&self) -> String {
        let back: String = form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/bahasa/{}?kembali={back}", self.other().code())
    }

    fn other(&self) -> Lang {
        match self.lang {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }
}

impl Tr {
    /// The words for `req`: its language cookie, else its `Accept-Language`.
    pub fn of(req: &HttpRequest) -> Tr {
        let chosen = req.cookie(COOKIE).and_then(|c| Lang::from_code(c.value()));
        let lang = chosen.unwrap_or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map_or(Lang::Id, crate::i18n::from_accept_language)
        });
        let here = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        Tr { lang, here }
    }
}

impl FromRequest for Tr {
    type Error = Infallible;
    type Future = Ready<Result<Tr, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Tr::of(req)))
    }
}

/// `?kembali=` of the switch.
#[derive(Deserialize)]
pub struct Back {
    #[serde(default)]
    kembali: String,
}

/// A path on this site to go back to; anything else (another site, `//host`) goes home.
pub fn safe_back(back: &str) -> &str {
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && !back.starts_with("/\\")
        && back.len() <= 2048
        && !back.chars().any(char::is_control);
    if local {
        back
    } else {
        "/"
    }
}

/// `GET /bahasa/{code}?kembali=PATH`: remembers the language for a year and goes back.
#[get("/bahasa/{code}")]
pub async fn switch(
    app: web::Data<App>,
    code: web::Path<String>,
    back: web::Query<Back>,
) -> HttpResponse {
    let Some(lang) = Lang::from_code(&code) else {
        return HttpResponse::NotFound().finish();
    };
    let cookie = Cookie::build(COOKIE, lang.code())
        .path("/")
        .max_age(Duration::days(365))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(app.config.public_url.starts_with("https://"))
        .finish();
    HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((header::LOCATION, safe_back(&back.kembali)))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_gone_back_to() {
        assert_eq!(safe_back("/pakta/x?a=1"), "/pakta/x?a=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "",
            "pakta",
            "/a\nb",
        ] {
            assert_eq!(safe_back(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn the_switch_links_to_the_other_language_and_back() {
        let t = Tr {
            lang: Lang::Id,
            here: "/pakta/x?y=1&z=2".into(),
        };
        assert_eq!(
            t.switch_href(),
            "/bahasa/en?kembali=%2Fpakta%2Fx%3Fy%3D1%26z%3D2"
        );
        assert_eq!(t.other_code(), "en");
        assert_eq!(
            t.returning_to("/pakta/x").switch_href(),
            "/bahasa/en?kembali=%2Fpakta%2Fx"
        );
    }
}
