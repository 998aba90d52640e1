//! `POST /admin/pegawai/{nip}/reset`: a new activation code for one employee, shown once.

use super::dashboard::Nav;
use super::{actor, Admin, MayChange};
use crate::domain::values::now_seconds;
use crate::service::roster::reset_code as reset;
use crate::service::App;
use crate::web::csrf::{Csrf, CsrfForm, CsrfOnly};
use crate::web::error::{html, AppError};
use crate::web::lang::Tr;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "admin_kode.html")]
struct CodePage {
    t: Tr,
    nav: Nav,
    nip: String,
    name: String,
    unit_code: String,
    code: String,
}

/// Issues the code; a unit-admin only for their own units, an auditor never.
#[post("/admin/pegawai/{nip}/reset")]
pub async fn reset_code(
    app: web::Data<App>,
    admin: Admin<MayChange>,
    csrf: Csrf,
    req: HttpRequest,
    nip: web::Path<String>,
    _checked: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let who = actor(&req, &admin.signed_in.username);
    let limit = admin.signed_in.unit_limit();
    let nip = nip.into_inner();
    let issued = app
        .db
        .run(move |conn| reset(conn, &nip, limit.as_deref(), &who, now_seconds()))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(html(
        StatusCode::OK,
        &CodePage {
            t: admin.t.clone().returning_to("/admin"),
            nav: Nav::new(&admin, &csrf),
            nip: issued.nip.clone(),
            name: issued.name.clone(),
            unit_code: issued.unit_code.clone(),
            code: issued.code.to_string(),
        },
    ))
}
