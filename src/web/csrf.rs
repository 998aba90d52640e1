//! CSRF protection (docs/INTERFACE.md): every visitor gets a random HttpOnly, SameSite=Strict cookie;
//! every form carries `csrf_token`, an HMAC of that cookie under a key kept in the database (so
//! any app server can check it). For a signed-in admin the token is also bound to the session,
//! and the cookie is renewed at sign-in, so a token seen before sign-in, or planted with a
//! cookie, is worthless after it. A POST whose pair does not match is refused with 403.
//!
//! The check is part of the types: a handler takes its form as [`CsrfForm<T>`] (or a file as
//! [`super::upload::CsrfMultipart`]), and the raw `web::Form` and `Multipart` extractors are
//! disallowed elsewhere (`clippy.toml`), so a POST handler without the check fails the lint gate.
//! Served over HTTPS, the cookies are `__Host-` cookies: Secure, for this host only.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures_util::future::LocalBoxFuture;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::future::{ready, Ready};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The names of ikrar's own cookies: `__Host-` ones when the site is served over HTTPS.
#[derive(Debug, Clone, Copy)]
pub struct CookieNames {
    pub csrf: &'static str,
    pub session: &'static str,
    /// The signer's grant to download a receipt right after signing.
    pub receipt_grant: &'static str,
    /// The NIP an employee just activated, to fill in the signing form (not a credential).
    pub signer: &'static str,
    /// Whether cookies are marked Secure.
    pub secure: bool,
}

impl CookieNames {
    /// The names for a site whose public URL is HTTPS (`secure`) or not.
    pub fn for_site(secure: bool) -> CookieNames {
        if secure {
            CookieNames {
                csrf: "__Host-ikrar_csrf",
                session: "__Host-ikrar_admin",
                receipt_grant: "__Host-ikrar_bukti",
                signer: "__Host-ikrar_nip",
                secure,
            }
        } else {
            CookieNames {
                csrf: "ikrar_csrf",
                session: "ikrar_admin",
                receipt_grant: "ikrar_bukti",
                signer: "ikrar_nip",
                secure,
            }
        }
    }

    /// The names a request's app uses (the plain ones if none is configured).
    pub fn of(req: &HttpRequest) -> CookieNames {
        req.app_data::<actix_web::web::Data<CsrfKey>>()
            .map_or_else(|| CookieNames::for_site(false), |k| k.names)
    }

    /// A cookie of ikrar's: HttpOnly, SameSite=Strict, path `/`, Secure over HTTPS.
    pub fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
            .finish()
    }
}

/// The key that binds form tokens to cookies, and the cookies' names.
#[derive(Clone)]
pub struct CsrfKey {
    key: Arc<[u8]>,
    pub names: CookieNames,
}

impl CsrfKey {
    /// A key from stored secret bytes; `secure` when the site is served over HTTPS.
    pub fn new(key: Vec<u8>, secure: bool) -> CsrfKey {
        CsrfKey {
            key: key.into(),
            names: CookieNames::for_site(secure),
        }
    }

    /// The token for a CSRF cookie value and, when signed in, the admin session cookie.
    fn token_for(&self, cookie_value: &str, session: Option<&str>) -> [u8; TOKEN_BYTES] {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(e) => unreachable!("HMAC takes keys of any length: {e}"),
        };
        mac.update(b"ikrar/v1 csrf\n");
        mac.update(cookie_value.as_bytes());
        if let Some(session) = session {
            mac.update(b"\nsession\n");
            mac.update(&Sha256::digest(session.as_bytes()));
        }
        mac.finalize().into_bytes().into()
    }

    /// A new CSRF cookie (sign-in and sign-out renew it).
    pub fn fresh_cookie(&self) -> Cookie<'static> {
        self.names.cookie(self.names.csrf, random_value())
    }
}

fn random_value() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
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
    let names = CookieNames::of(req.request());
    let existing = req
        .cookie(names.csrf)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 43);
    let (value, fresh) = match existing {
        Some(value) => (value, false),
        None => (random_value(), true),
    };
    req.extensions_mut().insert(CookieValue(value.clone()));
    let is_static = req.path().starts_with(super::assets::PREFIX) || req.path() == "/favicon.ico";
    let mut res = next.call(req).await?;
    if is_static {
        return Ok(res);
    }
    let renewed = res.response().cookies().any(|c| c.name() == names.csrf);
    if fresh && !renewed {
        res.response_mut()
            .add_cookie(&names.cookie(names.csrf, value))?;
    }
    Ok(res)
}

/// A handler's view of CSRF: the token to put in forms, and the check of a posted one.
///
/// Pages are compressed, so the token in a page is masked afresh for every response (a random
/// pad, then the token XOR the pad): a secret that never repeats in a compressed body cannot be
/// guessed from the body's length (BREACH).
pub struct Csrf {
    expected: [u8; TOKEN_BYTES],
    masked: String,
}

const TOKEN_BYTES: usize = 32;

impl Csrf {
    fn new(expected: [u8; TOKEN_BYTES]) -> Csrf {
        let mut pad = [0u8; TOKEN_BYTES];
        OsRng.fill_bytes(&mut pad);
        let mut out = pad.to_vec();
        out.extend(pad.iter().zip(expected).map(|(p, e)| p ^ e));
        Csrf {
            expected,
            masked: URL_SAFE_NO_PAD.encode(out),
        }
    }

    /// The value of the hidden `csrf_token` input (masked anew for each response).
    pub fn token(&self) -> &str {
        &self.masked
    }

    /// Refuses (403) unless a posted token matches this request's cookie (and session).
    pub fn check(&self, posted: &str) -> Result<(), super::error::AppError> {
        if self.verify(posted) {
            Ok(())
        } else {
            Err(super::error::AppError::Csrf)
        }
    }

    /// Whether a posted (masked) token matches this request's cookie.
    fn verify(&self, posted: &str) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(posted) else {
            return false;
        };
        if bytes.len() != 2 * TOKEN_BYTES {
            return false;
        }
        let (pad, masked) = bytes.split_at(TOKEN_BYTES);
        let token: Vec<u8> = pad.iter().zip(masked).map(|(p, m)| p ^ m).collect();
        bool::from(token.ct_eq(&self.expected))
    }
}

impl FromRequest for Csrf {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = req.app_data::<actix_web::web::Data<CsrfKey>>();
        let value = req.extensions().get::<CookieValue>().cloned();
        ready(match (key, value) {
            (Some(key), Some(value)) => {
                let session = req.cookie(key.names.session);
                Ok(Csrf::new(
                    key.token_for(&value.0, session.as_ref().map(|c| c.value())),
                ))
            }
            _ => Err(actix_web::error::ErrorInternalServerError(
                "CSRF belum disiapkan",
            )),
        })
    }
}

/// A form that carries a `csrf_token` field.
pub trait HasCsrfToken {
    /// The posted token.
    fn csrf_token(&self) -> &str;
}

/// Implements [`HasCsrfToken`] for forms whose token is the field `csrf_token`.
macro_rules! csrf_token_field {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::web::csrf::HasCsrfToken for $form {
            fn csrf_token(&self) -> &str {
                &self.csrf_token
            }
        })+
    };
}
pub(crate) use csrf_token_field;

/// A posted form whose `csrf_token` matched: the only way a handler gets a form's fields.
pub struct CsrfForm<T>(T);

impl<T> CsrfForm<T> {
    /// The form's fields.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for CsrfForm<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for CsrfForm<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: DeserializeOwned + HasCsrfToken + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let csrf = Csrf::from_request(req, payload).into_inner();
        #[allow(clippy::disallowed_types)] // the one place that reads a raw form
        let form = actix_web::web::Form::<T>::from_request(req, payload);
        Box::pin(async move {
            let csrf = csrf?;
            let form = form.await?.into_inner();
            csrf.check(form.csrf_token())?;
            Ok(CsrfForm(form))
        })
    }
}

/// A form that carries nothing but its CSRF token (a button).
#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

csrf_token_field!(CsrfOnly);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_cookie_session_and_key() {
        let key = CsrfKey::new(vec![1; 32], false);
        let other = CsrfKey::new(vec![2; 32], false);
        let masked = |key: &CsrfKey, cookie, session| {
            Csrf::new(key.token_for(cookie, session)).token().to_owned()
        };
        let csrf = Csrf::new(key.token_for("cookie-a", None));
        assert!(csrf.verify(&masked(&key, "cookie-a", None)));
        assert!(!csrf.verify(&masked(&key, "cookie-b", None)));
        assert!(!csrf.verify(&masked(&other, "cookie-a", None)));
        assert!(!csrf.verify(&masked(&key, "cookie-a", Some("sesi"))));
        assert!(!csrf.verify(""));
        assert!(!csrf.verify("bukan-base64!"));
        let signed_in = Csrf::new(key.token_for("cookie-a", Some("sesi-1")));
        assert!(!signed_in.verify(&masked(&key, "cookie-a", Some("sesi-2"))));
    }

    #[test]
    fn the_token_in_a_page_never_repeats_but_always_verifies() {
        let key = CsrfKey::new(vec![1; 32], false);
        let expected = key.token_for("cookie-a", None);
        let first = Csrf::new(expected);
        let second = Csrf::new(expected);
        assert_ne!(first.token(), second.token());
        assert!(first.verify(second.token()));
        assert!(second.verify(first.token()));
        // The unmasked token itself is not accepted: only the masked form is.
        assert!(!first.verify(&URL_SAFE_NO_PAD.encode(expected)));
    }

    #[test]
    fn https_sites_use_host_cookies() {
        let names = CookieNames::for_site(true);
        let cookie = names.cookie(names.csrf, "x".into());
        assert_eq!(cookie.name(), "__Host-ikrar_csrf");
        assert_eq!(cookie.secure(), Some(true));
        assert_eq!(cookie.path(), Some("/"));
        assert_eq!(cookie.domain(), None);
        assert_eq!(CookieNames::for_site(false).session, "ikrar_admin");
    }
}
