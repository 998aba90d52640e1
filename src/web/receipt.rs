//! Receipts (bukti). `GET /bukti/{index}/{token}` is the public page a printed QR code opens: pact,
//! name, masked NIP, unit, time, log index and whether the entry is in the log, nothing else in any
//! format. The full receipt (the JSON of docs/FORMATS.md, "Receipts", for `ikrar verify-receipt`)
//! is `…/unduh`: by GET for the browser that just signed (a grant cookie), by POST for whoever
//! gives the NIP and passphrase again.

use super::csrf::{CookieNames, Csrf, CsrfForm};
use super::error::{html, AppError};
use super::lang::Tr;
use crate::domain::display::local_time_in;
use crate::domain::receipt_link::GRANT_SECONDS;
use crate::i18n::Words;
use crate::service::receipt::{self, PublicReceipt};
use crate::service::signing::SignError;
use crate::service::App;
use actix_web::cookie::{time::Duration, Cookie};
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use ikrar_log::receipt::Receipt;
use ikrar_log::values::{format_time, now_seconds};
use serde::Deserialize;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The receipt page.
#[derive(Template)]
#[template(path = "bukti.html")]
struct ReceiptPage<'a> {
    t: Tr,
    receipt: PublicReceipt,
    time_local: String,
    time_utc: String,
    in_log: String,
    url: String,
    qr_svg: String,
    /// The download link, for the browser that just signed.
    download_path: Option<String>,
    /// The form to download again with NIP and passphrase.
    action: String,
    csrf_token: &'a str,
    nip: &'a str,
    error: Option<String>,
}

/// The grant cookie that lets the browser that signed download the full receipt of `index`.
pub fn grant_cookie(app: &App, names: CookieNames, index: i64) -> Cookie<'static> {
    let expires = now_seconds().timestamp() + GRANT_SECONDS;
    let mut cookie = names.cookie(names.receipt_grant, app.receipts.grant(index, expires));
    cookie.set_max_age(Duration::seconds(GRANT_SECONDS));
    cookie
}

/// Whether the request carries a live grant for `index`.
fn granted(app: &App, req: &HttpRequest, index: i64) -> bool {
    req.cookie(CookieNames::of(req).receipt_grant)
        .is_some_and(|c| {
            app.receipts
                .grants(c.value(), index, now_seconds().timestamp())
        })
}

async fn public(app: &App, index: i64, token: String) -> Result<PublicReceipt, AppError> {
    receipt::find(app, index, token)
        .await?
        .ok_or(AppError::NotFound)
}

/// Renders the page; `failure` is a refused download.
fn page(
    app: &App,
    t: Tr,
    receipt: PublicReceipt,
    download: bool,
    csrf: &Csrf,
    nip: &str,
    failure: Option<&SignError>,
) -> Result<HttpResponse, AppError> {
    let path = receipt.reference.path();
    let url = format!("{}{path}", app.config.public_url);
    let lang = t.lang();
    let in_log = match receipt.in_checkpoint {
        Some(size) => lang.fill("receipt.in_log", &[("size", &size.to_string())]),
        None => lang.text("receipt.not_in_log").to_owned(),
    };
    let status = failure.map_or(StatusCode::OK, |e| match e {
        SignError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
        SignError::InvalidNip(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::FORBIDDEN,
    });
    let error = failure.map(|e| match e {
        SignError::Locked(until) => super::employee::locked_text(app, lang, *until),
        other => other.text(lang),
    });
    Ok(html(
        status,
        &ReceiptPage {
            time_local: local_time_in(receipt.time.naive_utc(), app.config.tz, lang),
            time_utc: format_time(receipt.time),
            in_log,
            qr_svg: super::qr::svg(&url).ok_or(AppError::Unavailable)?,
            url,
            download_path: download.then(|| format!("{path}/unduh")),
            action: format!("{path}/unduh#galat"),
            csrf_token: csrf.token(),
            nip,
            error,
            receipt,
            t,
        },
    ))
}

/// `GET /bukti/{index}/{token}`: the public receipt page.
#[get("/bukti/{index}/{token}")]
pub async fn show_receipt(
    app: web::Data<App>,
    req: HttpRequest,
    csrf: Csrf,
    t: Tr,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (index, token) = path.into_inner();
    let receipt = public(&app, index, token).await?;
    let signer = granted(&app, &req, index);
    page(&app, t, receipt, signer, &csrf, "", None)
}

/// `GET /bukti/{index}/{token}/unduh`: the full receipt, for the browser that just signed; any
/// other goes back to the page, whose form asks for the NIP and passphrase.
#[get("/bukti/{index}/{token}/unduh")]
pub async fn download_full(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (index, token) = path.into_inner();
    let receipt = public(&app, index, token).await?;
    if !granted(&app, &req, index) {
        return Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("{}#unduh-ulang", receipt.reference.path()),
            ))
            .finish());
    }
    let full = receipt::full(&app, index)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(json_file(&full))
}

/// The "download again" form's fields.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct RedownloadForm {
    #[serde(default)]
    nip: String,
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    csrf_token: String,
}

super::csrf::csrf_token_field!(RedownloadForm);

/// `POST /bukti/{index}/{token}/unduh`: the full receipt for whoever gives the signer's NIP and
/// passphrase again; the page with the reason otherwise.
#[post("/bukti/{index}/{token}/unduh")]
pub async fn redownload(
    app: web::Data<App>,
    csrf: Csrf,
    t: Tr,
    path: web::Path<(i64, String)>,
    mut form: CsrfForm<RedownloadForm>,
) -> Result<HttpResponse, AppError> {
    let (index, token) = path.into_inner();
    let nip = form.nip.trim().to_owned();
    let passphrase = Zeroizing::new(std::mem::take(&mut form.passphrase));
    let failure = match receipt::redownload(&app, index, token.clone(), &nip, passphrase).await {
        Ok(full) => return Ok(json_file(&full)),
        Err(SignError::PactNotFound) => return Err(AppError::NotFound),
        Err(SignError::Db(e)) => return Err(AppError::Db(e)),
        Err(SignError::Unavailable) => return Err(AppError::Unavailable),
        Err(e) => e,
    };
    let receipt = public(&app, index, token).await?;
    let t = t.returning_to(receipt.reference.path());
    page(&app, t, receipt, false, &csrf, &nip, Some(&failure))
}

/// A receipt as a download.
fn json_file(receipt: &Receipt) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"bukti-ikrar-{}.json\"",
                receipt.index
            ),
        ))
        .json(receipt)
}
