//! Screen links from the console: `POST /admin/pakta/{id}/layar` makes a link that opens the
//! pact's ceremony screen without signing in (superadmins only); it is shown once, listed and
//! revoked with the API tokens (`/admin/token`).

use super::nav::Nav;
use super::{Admin, Superadmin};
use crate::domain::screen_grouping::Grouping;
use crate::i18n::Words;
use crate::service::tokens::{self, ScreenLink};
use crate::service::App;
use crate::web::csrf::{Csrf, CsrfForm};
use crate::web::error::{html, AppError};
use crate::web::lang::Tr;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use askama::Template;
use ikrar_log::values::PactId;
use serde::Deserialize;

/// `nama` (what the link is for), `per=instansi|unit`.
#[derive(Deserialize)]
pub struct NewScreenLink {
    #[serde(default)]
    nama: String,
    #[serde(default)]
    per: Grouping,
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(NewScreenLink);

#[derive(Template)]
#[template(path = "admin_layar_tautan.html")]
struct MadePage {
    t: Tr,
    nav: Nav,
    pact_id: PactId,
    name: String,
    /// The link, shown this once.
    link: Option<String>,
    error: Option<String>,
}

/// `POST /admin/pakta/{id}/layar`: makes a screen link and shows it once.
#[post("/admin/pakta/{id}/layar")]
pub async fn create(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
    id: web::Path<PactId>,
    form: CsrfForm<NewScreenLink>,
) -> Result<HttpResponse, AppError> {
    let pact = id.into_inner();
    app.pact(&pact).await?.ok_or(AppError::NotFound)?;
    let lang = admin.t.lang();
    let page = |name: String, link, error| MadePage {
        t: admin.t.clone(),
        nav: Nav::new(&admin, &csrf),
        pact_id: pact.clone(),
        name,
        link,
        error,
    };
    let name = match ikrar_log::values::normalize_text(&form.nama) {
        Ok(name) => name,
        Err(e) => {
            let error = format!("{} {}", lang.text("screen.link_name"), e.text(lang));
            let refused = page(form.nama.clone(), None, Some(error));
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &refused));
        }
    };
    let link = ScreenLink {
        pact: pact.clone(),
        grouping: form.per,
    };
    let secret = tokens::create_screen_link(&app, name.clone(), link, admin.actor.clone()).await?;
    let url = format!(
        "{}/layar/{pact}?tautan={}",
        app.config.public_url.trim_end_matches('/'),
        secret.as_str()
    );
    Ok(html(StatusCode::OK, &page(name, Some(url), None)))
}
