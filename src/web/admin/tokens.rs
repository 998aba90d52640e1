//! API tokens (superadmin and auditors): the list, a new token shown once, revoking one.

use super::accounts::see_other;
use super::confirm::ConfirmPage;
use super::nav::Nav;
use super::{Admin, MayReadLog};
use crate::domain::display::local_time_in;
use crate::domain::screen_grouping::Grouping;
use crate::i18n::Words;
use crate::service::tokens::{self, RevokeError};
use crate::service::App;
use crate::web::csrf::{Csrf, CsrfForm};
use crate::web::error::{html, AppError};
use crate::web::form_flag::FormFlag;
use crate::web::lang::Tr;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

struct TokenRow {
    id: i64,
    name: String,
    /// "API", or the screen it opens.
    kind: String,
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
    notice: Option<String>,
}

async fn tokens_page(
    app: &App,
    admin: &Admin<MayReadLog>,
    csrf: &Csrf,
    new_token: Option<String>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (tz, lang) = (app.config.tz, admin.t.lang());
    let tokens = tokens::list(app)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            kind: match (&t.screen_pact, &t.screen_grouping) {
                (Some(pact), Some(grouping)) => {
                    let grouping = match Grouping::from_code(grouping) {
                        Some(Grouping::Unit) => lang.text("screen.open_per_unit"),
                        _ => lang.text("screen.open_per_instansi"),
                    };
                    lang.fill(
                        "screen.kind_screen",
                        &[("pact", pact), ("grouping", grouping)],
                    )
                }
                _ => lang.text("screen.kind_api").to_owned(),
            },
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
            notice,
        },
    ))
}

/// `?dicabut=ID` after a token was revoked.
#[derive(Deserialize)]
pub struct Revoked {
    dicabut: Option<i64>,
}

/// `GET /admin/token`: API tokens for monitoring scripts; after a revocation, which one.
#[get("/admin/token")]
pub async fn show_tokens(
    app: web::Data<App>,
    admin: Admin<MayReadLog>,
    csrf: Csrf,
    revoked: web::Query<Revoked>,
) -> Result<HttpResponse, AppError> {
    let notice = match revoked.dicabut {
        Some(id) => token_name(&app, id).await?.map(|name| {
            admin
                .t
                .lang()
                .fill("confirm.token_revoked", &[("name", &name)])
        }),
        None => None,
    };
    tokens_page(&app, &admin, &csrf, None, None, notice).await
}

async fn token_name(app: &App, id: i64) -> Result<Option<String>, AppError> {
    Ok(tokens::list(app)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .map(|t| t.name))
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
            return tokens_page(&app, &admin, &csrf, None, error, None).await;
        }
    };
    let secret = tokens::create(&app, name, admin.actor.clone()).await?;
    tokens_page(&app, &admin, &csrf, Some(secret.to_string()), None, None).await
}

/// A revoke button: confirmed or not yet.
#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    konfirmasi: FormFlag,
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(RevokeForm);

/// `POST /admin/token/{id}/cabut`: asks first, then revokes a token and says so.
#[post("/admin/token/{id}/cabut")]
pub async fn revoke_token(
    app: web::Data<App>,
    admin: Admin<MayReadLog>,
    csrf: Csrf,
    id: web::Path<i64>,
    form: CsrfForm<RevokeForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    if !form.konfirmasi.is_yes() {
        let name = token_name(&app, id).await?.ok_or(AppError::NotFound)?;
        let lang = admin.t.lang();
        let words = [("name", name.as_str())];
        return Ok(ConfirmPage {
            t: admin.t.clone(),
            nav: Nav::new(&admin, &csrf),
            heading: lang.fill("confirm.token_heading", &words),
            lines: vec![lang.fill("confirm.token_revoke", &words)],
            action: format!("/admin/token/{id}/cabut"),
            fields: Vec::new(),
            buttons: vec![(
                "lanjut".into(),
                "ya".into(),
                lang.text("confirm.revoke_button").to_owned(),
            )],
            back: "/admin/token".into(),
            after_submit: None,
        }
        .respond());
    }
    let who = admin.actor.clone();
    match tokens::revoke(&app, id, &admin.signed_in, who).await {
        Ok(()) => Ok(see_other(&format!("/admin/token?dicabut={id}"))),
        Err(RevokeError::NotYours) => Err(AppError::Forbidden),
        Err(RevokeError::Db(e)) => Err(AppError::Db(e)),
    }
}
