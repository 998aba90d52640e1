//! `GET|POST /admin/masuk` (INTERFACE.md) and `POST /admin/keluar`.

use super::{actor, COOKIE};
use crate::service::accounts::{self, SignInError};
use crate::service::App;
use crate::web::csrf::Csrf;
use crate::web::error::{html, AppError};
use crate::web::lang::Tr;
use actix_web::cookie::{Cookie, SameSite};
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
    #[serde(default)]
    csrf_token: String,
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

fn session_cookie(app: &App, value: String) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(app.config.public_url.starts_with("https://"))
        .finish()
}

/// `POST /admin/masuk`: a new session on success, the form again otherwise.
#[post("/admin/masuk")]
pub async fn sign_in(
    app: web::Data<App>,
    req: HttpRequest,
    csrf: Csrf,
    mut form: web::Form<SignInForm>,
) -> Result<HttpResponse, AppError> {
    csrf.check(&form.csrf_token)?;
    let username = form.username.trim().to_lowercase();
    let password = Zeroizing::new(std::mem::take(&mut form.password));
    let who = actor(&req, &username);
    match accounts::sign_in(&app, username.clone(), password, who).await {
        Ok(secret) => Ok(HttpResponse::SeeOther()
            .cookie(session_cookie(&app, secret.to_string()))
            .insert_header((header::LOCATION, "/admin"))
            .finish()),
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

/// A form that carries nothing but its CSRF token (a button).
#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

impl CsrfOnly {
    /// The posted token.
    pub fn token(&self) -> &str {
        &self.csrf_token
    }
}

/// `POST /admin/keluar`: ends the session.
#[post("/admin/keluar")]
pub async fn sign_out(
    app: web::Data<App>,
    req: HttpRequest,
    csrf: Csrf,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    csrf.check(form.token())?;
    if let Some(cookie) = req.cookie(COOKIE) {
        if let Some(admin) = accounts::session(&app, cookie.value()).await? {
            accounts::sign_out(&app, cookie.value(), actor(&req, &admin.username)).await?;
        }
    }
    let mut gone = session_cookie(&app, String::new());
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header((header::LOCATION, "/admin/masuk"))
        .finish())
}
