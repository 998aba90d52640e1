//! The receipt (bukti) page: what was signed, by whom, when, where in the log, and a QR code of
//! the page's own address.

use super::error::AppError;
use super::lang::Tr;
use crate::domain::display::local_time_in;
use crate::domain::nip::mask;
use crate::domain::values::format_time;
use crate::service::{receipt, App};
use actix_web::http::header;
use actix_web::{get, web, Either, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use qrcode::render::svg;
use qrcode::QrCode;

/// The receipt page.
#[derive(Template, WebTemplate)]
#[template(path = "bukti.html")]
pub struct ReceiptPage {
    t: Tr,
    pact_title: String,
    pact_id: String,
    name: String,
    masked_nip: String,
    unit_code: String,
    unit_name: String,
    instansi: String,
    time_local: String,
    time_utc: String,
    index: i64,
    json_path: String,
    signature: String,
    public_key: String,
    url: String,
    qr_svg: String,
}

/// `GET /bukti/{index}/{token}`: the receipt page; with `.json` after the token, the receipt
/// itself (SPEC.md) as a download.
#[get("/bukti/{index}/{token}")]
pub async fn show_receipt(
    app: web::Data<App>,
    t: Tr,
    path: web::Path<(i64, String)>,
) -> Result<Either<ReceiptPage, HttpResponse>, AppError> {
    let (index, token) = path.into_inner();
    match token.strip_suffix(".json") {
        Some(token) => receipt_json(&app, index, token.to_owned())
            .await
            .map(Either::Right),
        None => receipt_page(&app, t, index, token).await.map(Either::Left),
    }
}

async fn receipt_json(app: &App, index: i64, token: String) -> Result<HttpResponse, AppError> {
    let body = receipt::json(app, index, token)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"bukti-ikrar-{index}.json\""),
        ))
        .json(body))
}

async fn receipt_page(
    app: &App,
    t: Tr,
    index: i64,
    token: String,
) -> Result<ReceiptPage, AppError> {
    let found = receipt::find(app, index, token)
        .await?
        .ok_or(AppError::NotFound)?;
    let url = format!("{}{}", app.config.public_url, found.reference.path());
    let claim = &found.signature.claim;
    Ok(ReceiptPage {
        pact_title: found.pact_title.clone(),
        pact_id: claim.pact.clone(),
        name: claim.name.clone(),
        masked_nip: mask(&claim.nip),
        unit_code: claim.unit.clone(),
        unit_name: found.unit_name.clone(),
        instansi: found.instansi.clone(),
        time_local: local_time_in(claim.time.naive_utc(), app.config.tz, t.lang()),
        time_utc: format_time(claim.time),
        index,
        json_path: format!("{}.json", found.reference.path()),
        signature: B64.encode(found.signature.sig),
        public_key: B64.encode(claim.key),
        qr_svg: qr_svg(&url).ok_or(AppError::Unavailable)?,
        url,
        t,
    })
}

/// An SVG QR code of `text`, without the XML declaration so it can sit inside HTML.
fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    svg.find("<svg").map(|start| svg[start..].to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn qr_is_inline_svg() {
        let svg = super::qr_svg("http://127.0.0.1:8080/bukti/3/abc").unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(!svg.contains("style="));
    }
}
