//! API tokens (superadmin and auditors): the list, a new token shown once, revoking one.

use super::accounts::see_other;
use super::dashboard::Nav;
use super::{actor, Admin, MayReadLog};
use crate::domain::display::local_time_in;
use crate::i18n::Words;
use crate::service::tokens::{self, RevokeError};
use crate::service::App;
use crate::web::csrf::{Csrf, CsrfForm, CsrfOnly};
use crate::web::error::{html, AppError};
use crate::web::lang::Tr;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

struct TokenRow {
    id: i64,
    name: String,
    created_by: String,
    created: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "admin_token.html")]
struct TokensPage {
    t: Tr,
    nav: Nav,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    error: Option<String>,
}

async fn tokens_page(
    app: &App,
    admin: &Admin<MayReadLog>,
    csrf: &Csrf,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (tz, lang) = (app.config.tz, admin.t.lang());
    let tokens = tokens::list(app)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created_by: t.created_by,
            created: local_time_in(t.created_at, tz, lang),
            active: t.revoked_at.is_none(),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(html(
        status,
        &TokensPage {
            t: admin.t.clone(),
            nav: Nav::new(admin, csrf),
            tokens,
            new_token,
            error,
        },
    ))
}

/// `GET /admin/token`: API tokens for monitoring scripts.
#[get("/admin/token")]
pub async fn show_tokens(
    app: web::Data<App>,
    admin: Admin<MayReadLog>,
    csrf: Csrf,
) -> Result<HttpResponse, AppError> {
    tokens_page(&app, &admin, &csrf, None, None).await
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(NewToken);

/// `POST /admin/token`: makes a token and shows it once.
#[post("/admin/token")]
pub async fn create_token(
    app: web::Data<App>,
    admin: Admin<MayReadLog>,
    csrf: Csrf,
    req: HttpRequest,
    form: CsrfForm<NewToken>,
) -> Result<HttpResponse, AppError> {
    let name = match ikrar_log::values::normalize_text(&form.name) {
        Ok(name) => name,
        Err(e) => {
            let lang = admin.t.lang();
            let error = Some(format!(
                "{} {}",
                lang.text("account.token_name"),
                e.text(lang)
            ));
            return tokens_page(&app, &admin, &csrf, None, error).await;
        }
    };
    let secret = tokens::create(&app, name, actor(&req, &admin.signed_in.username)).await?;
    tokens_page(&app, &admin, &csrf, Some(secret.to_string()), None).await
}

/// `POST /admin/token/{id}/cabut`: revokes a token.
#[post("/admin/token/{id}/cabut")]
pub async fn revoke_token(
    app: web::Data<App>,
    admin: Admin<MayReadLog>,
    req: HttpRequest,
    id: web::Path<i64>,
    _checked: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let who = actor(&req, &admin.signed_in.username);
    match tokens::revoke(&app, id.into_inner(), &admin.signed_in, who).await {
        Ok(()) => Ok(see_other("/admin/token")),
        Err(RevokeError::NotYours) => Err(AppError::Forbidden),
        Err(RevokeError::Db(e)) => Err(AppError::Db(e)),
    }
}
