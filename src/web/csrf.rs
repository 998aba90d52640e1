//! CSRF protection (INTERFACE.md): every visitor gets a random HttpOnly, SameSite=Strict cookie;
//! every form carries `csrf_token`, an HMAC of that cookie under a key kept in the database (so
//! any app server can check it). A POST whose pair does not match is refused with 403.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use std::future::{ready, Ready};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The cookie's name.
pub const COOKIE: &str = "ikrar_csrf";

/// The key that binds form tokens to cookies.
#[derive(Clone)]
pub struct CsrfKey {
    key: Arc<[u8]>,
    secure_cookie: bool,
}

impl CsrfKey {
    /// A key from stored secret bytes; `secure_cookie` when the site is served over HTTPS.
    pub fn new(key: Vec<u8>, secure_cookie: bool) -> CsrfKey {
        CsrfKey {
            key: key.into(),
            secure_cookie,
        }
    }

    fn token_for(&self, cookie_value: &str) -> String {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(e) => unreachable!("HMAC takes keys of any length: {e}"),
        };
        mac.update(b"ikrar/v1 csrf\n");
        mac.update(cookie_value.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// The cookie value this request carries or is about to be given.
#[derive(Clone)]
struct CookieValue(String);

/// Makes sure every request has a CSRF cookie value, and sets the cookie on the way out when
/// the request came without one.
pub async fn ensure_cookie(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let existing = req
        .cookie(COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 43);
    let (value, fresh) = match existing {
        Some(value) => (value, false),
        None => {
            let mut bytes = [0u8; 32];
            OsRng.fill_bytes(&mut bytes);
            (URL_SAFE_NO_PAD.encode(bytes), true)
        }
    };
    req.extensions_mut().insert(CookieValue(value.clone()));
    let secure = req
        .app_data::<actix_web::web::Data<CsrfKey>>()
        .is_some_and(|k| k.secure_cookie);
    let mut res = next.call(req).await?;
    if fresh {
        let cookie = Cookie::build(COOKIE, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .finish();
        res.response_mut().add_cookie(&cookie)?;
    }
    Ok(res)
}

/// A handler's view of CSRF: the token to put in forms, and the check of a posted one.
pub struct Csrf {
    token: String,
}

impl Csrf {
    /// The value of the hidden `csrf_token` input.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Refuses (403) unless a posted token matches this request's cookie.
    pub fn check(&self, posted: &str) -> Result<(), super::error::AppError> {
        if self.verify(posted) {
            Ok(())
        } else {
            Err(super::error::AppError::Csrf)
        }
    }

    /// Whether a posted token matches this request's cookie.
    fn verify(&self, posted: &str) -> bool {
        posted.len() == self.token.len()
            && bool::from(posted.as_bytes().ct_eq(self.token.as_bytes()))
    }
}

impl FromRequest for Csrf {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = req.app_data::<actix_web::web::Data<CsrfKey>>();
        let value = req.extensions().get::<CookieValue>().cloned();
        ready(match (key, value) {
            (Some(key), Some(value)) => Ok(Csrf {
                token: key.token_for(&value.0),
            }),
            _ => Err(actix_web::error::ErrorInternalServerError(
                "CSRF belum disiapkan",
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_cookie_and_key() {
        let key = CsrfKey::new(vec![1; 32], false);
        let other = CsrfKey::new(vec![2; 32], false);
        let csrf = Csrf {
            token: key.token_for("cookie-a"),
        };
        assert!(csrf.verify(&key.token_for("cookie-a")));
        assert!(!csrf.verify(&key.token_for("cookie-b")));
        assert!(!csrf.verify(&other.token_for("cookie-a")));
        assert!(!csrf.verify(""));
    }
}
