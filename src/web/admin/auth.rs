//! `GET|POST /admin/masuk` (INTERFACE.md) and `POST /admin/keluar`.

use super::actor;
use crate::service::accounts::{self, SignInError};
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
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(SignInForm);

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
    let who = actor(&req, &username);
    match accounts::sign_in(&app, username.clone(), password, who).await {
        Ok(secret) => Ok(HttpResponse::SeeOther()
            .cookie(key.names.cookie(key.names.session, secret.to_string()))
            // A new CSRF cookie too: no token from before the sign-in stays valid.
            .cookie(key.fresh_cookie())
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

/// `POST /admin/keluar`: ends the session.
#[post("/admin/keluar")]
pub async fn sign_out(
    app: web::Data<App>,
    req: HttpRequest,
    key: web::Data<CsrfKey>,
    _checked: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    if let Some(cookie) = req.cookie(key.names.session) {
        if let Some(admin) = accounts::session(&app, cookie.value()).await? {
            accounts::sign_out(&app, cookie.value(), actor(&req, &admin.username)).await?;
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
