//! `GET|POST /admin/masuk` (docs/INTERFACE.md) and `POST /admin/keluar`.

use super::actor;
use crate::service::sessions::{self, SignInError};
use crate::service::App;
use crate::web::csrf::{Csrf, CsrfForm, CsrfKey, CsrfOnly};
use crate::web::error::{html, AppError};
use crate::web::lang::Tr;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

#[derive(Template)]
#[template(path = "admin_masuk.html")]
struct SignInPage<'a> {
    t: Tr,
    csrf_token: &'a str,
    username: &'a str,
    error: Option<String>,
}

/// The sign-in form's fields.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// The authenticator app's 6-digit code (docs/INTERFACE.md).
    #[serde(default)]
    totp: String,
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(SignInForm);

/// The enrolment form: the first code from the newly scanned secret.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct EnrolForm {
    #[serde(default)]
    totp: String,
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(EnrolForm);

#[derive(Template)]
#[template(path = "admin_2fa.html")]
struct EnrolPage<'a> {
    t: Tr,
    csrf_token: &'a str,
    username: String,
    qr_svg: String,
    secret_base32: String,
    error: Option<String>,
}

/// `GET /admin/masuk`.
#[get("/admin/masuk")]
pub async fn show_form(csrf: Csrf, t: Tr) -> HttpResponse {
    html(
        StatusCode::OK,
        &SignInPage {
            t,
            csrf_token: csrf.token(),
            username: "",
            error: None,
        },
    )
}

/// `POST /admin/masuk`: a new session on success, the form again otherwise.
#[post("/admin/masuk")]
pub async fn sign_in(
    app: web::Data<App>,
    req: HttpRequest,
    csrf: Csrf,
    key: web::Data<CsrfKey>,
    mut form: CsrfForm<SignInForm>,
) -> Result<HttpResponse, AppError> {
    let username = form.username.trim().to_lowercase();
    let password = Zeroizing::new(std::mem::take(&mut form.password));
    let code = Zeroizing::new(std::mem::take(&mut form.totp));
    let who = actor(&req, &username);
    match sessions::sign_in(&app, username.clone(), password, code, who).await {
        Ok(session) => Ok(session_started(
            &key,
            &session.secret,
            if session.pending {
                "/admin/2fa"
            } else {
                "/admin"
            },
        )),
        Err(SignInError::Db(e)) => Err(AppError::Db(e)),
        Err(SignInError::Unavailable) => Err(AppError::Unavailable),
        Err(e) => {
            let status = match e {
                SignInError::Locked => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            };
            let t = Tr::of(&req);
            Ok(html(
                status,
                &SignInPage {
                    error: Some(e.text(t.lang())),
                    t,
                    csrf_token: csrf.token(),
                    username: &username,
                },
            ))
        }
    }
}

/// The answer that starts a session: its cookie, and a new CSRF cookie too, so that no token
/// from before the sign-in stays valid.
fn session_started(key: &CsrfKey, secret: &str, location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .cookie(key.names.cookie(key.names.session, secret.to_owned()))
        .cookie(key.fresh_cookie())
        .insert_header((header::LOCATION, location))
        .finish()
}

/// `POST /admin/keluar`: ends the session.
#[post("/admin/keluar")]
pub async fn sign_out(
    app: web::Data<App>,
    req: HttpRequest,
    key: web::Data<CsrfKey>,
    _checked: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    if let Some(cookie) = req.cookie(key.names.session) {
        if let Some(admin) = sessions::session(&app, cookie.value()).await? {
            sessions::sign_out(&app, cookie.value(), actor(&req, &admin.username)).await?;
        }
    }
    let mut gone = key.names.cookie(key.names.session, String::new());
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .cookie(key.fresh_cookie())
        .insert_header((header::LOCATION, "/admin/masuk"))
        .finish())
}

/// The enrolment page of a half signed-in admin, or the sign-in page for anyone else.
async fn enrol_page(
    app: &App,
    req: &HttpRequest,
    csrf: &Csrf,
    key: &CsrfKey,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let cookie = req.cookie(key.names.session);
    let enrolling = match cookie {
        Some(cookie) => sessions::enrolling(app, cookie.value()).await?,
        None => None,
    };
    let Some(enrolling) = enrolling else {
        return Err(AppError::SignInRequired);
    };
    let t = Tr::of(req);
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    Ok(html(
        status,
        &EnrolPage {
            t,
            csrf_token: csrf.token(),
            qr_svg: crate::web::qr::svg(&enrolling.uri).ok_or(AppError::Unavailable)?,
            secret_base32: enrolling.secret_base32.to_string(),
            username: enrolling.username,
            error,
        },
    ))
}

/// `GET /admin/2fa`: scan the secret with an authenticator app (first sign-in).
#[get("/admin/2fa")]
pub async fn show_enrolment(
    app: web::Data<App>,
    req: HttpRequest,
    csrf: Csrf,
    key: web::Data<CsrfKey>,
) -> Result<HttpResponse, AppError> {
    enrol_page(&app, &req, &csrf, &key, None).await
}

/// `POST /admin/2fa`: the first code confirms the secret and opens a full session.
#[post("/admin/2fa")]
pub async fn enrol(
    app: web::Data<App>,
    req: HttpRequest,
    csrf: Csrf,
    key: web::Data<CsrfKey>,
    mut form: CsrfForm<EnrolForm>,
) -> Result<HttpResponse, AppError> {
    let Some(cookie) = req.cookie(key.names.session) else {
        return Err(AppError::SignInRequired);
    };
    let code = Zeroizing::new(std::mem::take(&mut form.totp));
    let who = actor(&req, "-");
    match sessions::confirm_enrolment(&app, cookie.value(), code, who).await {
        Ok(secret) => Ok(session_started(&key, &secret, "/admin")),
        Err(SignInError::Db(e)) => Err(AppError::Db(e)),
        Err(e) => {
            let text = e.text(Tr::of(&req).lang());
            enrol_page(&app, &req, &csrf, &key, Some(text)).await
        }
    }
}
