//! Receipts (bukti). `GET /bukti/{index}/{token}` is the public page a printed QR code opens: pact,
//! name, masked NIP, unit, time, log index and whether the entry is in the log, nothing else in any
//! format. The full receipt (the JSON of docs/FORMATS.md, "Receipts", for `ikrar verify-receipt`)
//! is `…/unduh`: by GET for the browser that just signed (a grant cookie), by POST for whoever
//! gives the NIP and passphrase again.

use super::csrf::{CookieNames, Csrf, CsrfForm};
use super::error::{html, AppError};
use super::lang::Tr;
use super::pact_text::{text_blocks, TextBlock};
use crate::domain::bukti_pdf::{self, Bukti, Paper};
use crate::domain::display::local_time_in;
use crate::domain::log_index::LogIndex;
use crate::domain::receipt_link::GRANT_SECONDS;
use crate::i18n::{Lang, Words};
use crate::service::receipt::{self, PublicReceipt};
use crate::service::signing::SignError;
use crate::service::App;
use actix_web::cookie::{time::Duration, Cookie};
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use ikrar_log::pact::Pact;
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
    /// "✓ Anda telah menandatangani … pada …" for the signer's browser, with the name for
    /// anyone else who opens the link.
    headline: String,
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
    /// The pact's text, printed with the receipt.
    blocks: Vec<TextBlock>,
}

/// The grant cookie that lets the browser that signed download the full receipt of `index`.
pub fn grant_cookie(app: &App, names: CookieNames, index: LogIndex) -> Cookie<'static> {
    let expires = now_seconds().timestamp() + GRANT_SECONDS;
    let mut cookie = names.cookie(names.receipt_grant, app.receipts.grant(index, expires));
    cookie.set_max_age(Duration::seconds(GRANT_SECONDS));
    cookie
}

/// Whether the request carries a live grant for `index`.
fn granted(app: &App, req: &HttpRequest, index: LogIndex) -> bool {
    req.cookie(CookieNames::of(req).receipt_grant)
        .is_some_and(|c| {
            app.receipts
                .grants(c.value(), index, now_seconds().timestamp())
        })
}

async fn public(app: &App, index: LogIndex, token: String) -> Result<PublicReceipt, AppError> {
    receipt::find(app, index, token)
        .await?
        .ok_or(AppError::NotFound)
}

/// Renders the page; `failure` is a refused download.
async fn page(
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
    let blocks = app
        .pact(&receipt.pact_id)
        .await?
        .map(|p| text_blocks(&p))
        .unwrap_or_default();
    let status = failure.map_or(StatusCode::OK, |e| match e {
        SignError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
        SignError::InvalidNip(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::FORBIDDEN,
    });
    let error = failure.map(|e| super::employee::refusal_text(app, lang, e));
    Ok(html(
        status,
        &ReceiptPage {
            headline: lang.fill(
                if download {
                    "receipt.you_signed"
                } else {
                    "receipt.they_signed"
                },
                &[
                    ("name", &receipt.name),
                    ("pact", &receipt.pact_title),
                    (
                        "time",
                        &local_time_in(receipt.time.naive_utc(), app.config.tz, lang),
                    ),
                ],
            ),
            time_local: local_time_in(receipt.time.naive_utc(), app.config.tz, lang),
            time_utc: format_time(receipt.time),
            in_log,
            qr_svg: super::qr::svg(&url).ok_or(AppError::Unavailable)?,
            url,
            download_path: download.then(|| format!("{path}/unduh")),
            action: format!("{path}/unduh"),
            csrf_token: csrf.token(),
            nip,
            error,
            receipt,
            blocks,
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
    path: web::Path<(u64, String)>,
) -> Result<HttpResponse, AppError> {
    let (index, token) = path.into_inner();
    let index = LogIndex(index);
    let receipt = public(&app, index, token).await?;
    let signer = granted(&app, &req, index);
    page(&app, t, receipt, signer, &csrf, "", None).await
}

/// Which file a download gives: `berkas=pdf` (with `kertas=a5` for A5) or the JSON.
#[derive(Deserialize, Default)]
pub struct FileChoice {
    #[serde(default)]
    berkas: Option<String>,
    #[serde(default)]
    kertas: Option<String>,
}

impl FileChoice {
    /// The PDF's paper, or `None` for the JSON.
    fn pdf(&self) -> Option<Paper> {
        (self.berkas.as_deref() == Some("pdf")).then(|| Paper::from_query(self.kertas.as_deref()))
    }
}

/// `GET /bukti/{index}/{token}/unduh`: the full receipt (JSON, or the PDF bukti with
/// `?berkas=pdf`), for the browser that just signed; any other goes back to the page, whose
/// form asks for the NIP and passphrase.
#[get("/bukti/{index}/{token}/unduh")]
pub async fn download_full(
    app: web::Data<App>,
    req: HttpRequest,
    t: Tr,
    path: web::Path<(u64, String)>,
    choice: web::Query<FileChoice>,
) -> Result<HttpResponse, AppError> {
    let (index, token) = path.into_inner();
    let index = LogIndex(index);
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
    deliver(&app, t.lang(), &receipt, full, &choice).await
}

/// The receipt as the file asked for.
async fn deliver(
    app: &App,
    lang: Lang,
    public: &PublicReceipt,
    full: Receipt,
    choice: &FileChoice,
) -> Result<HttpResponse, AppError> {
    match choice.pdf() {
        None => Ok(json_file(&full)),
        Some(paper) => pdf_file(app, lang, public, full, paper).await,
    }
}

/// The PDF bukti, made off the request threads (fonts are subset per document).
async fn pdf_file(
    app: &App,
    lang: Lang,
    public: &PublicReceipt,
    full: Receipt,
    paper: Paper,
) -> Result<HttpResponse, AppError> {
    let stored = app.pact(&public.pact_id).await?.ok_or(AppError::NotFound)?;
    let pact = Pact {
        id: stored.id.clone(),
        title: stored.title.clone(),
        body: stored.body.clone(),
    };
    let json = serde_json::to_vec(&full).map_err(|_| AppError::Unavailable)?;
    let unit = if public.unit_name.is_empty() {
        public.unit_code.clone()
    } else {
        format!("{} ({})", public.unit_name, public.unit_code)
    };
    let time_local = local_time_in(public.time.naive_utc(), app.config.tz, lang);
    let time_utc = format_time(public.time);
    let url = format!("{}{}", app.config.public_url, public.reference.path());
    let (name, masked_nip, instansi) = (
        public.name.clone(),
        public.masked_nip.clone(),
        public.instansi.clone(),
    );
    let index = full.index;
    let pdf = web::block(move || {
        let bukti = Bukti {
            pact: &pact,
            name: &name,
            masked_nip: &masked_nip,
            unit: &unit,
            instansi: &instansi,
            time_local: &time_local,
            time_utc: &time_utc,
            index,
            url: &url,
            receipt_json: &json,
            made_at: chrono::Utc::now(),
        };
        bukti_pdf::render(&bukti, paper, lang)
    })
    .await
    .map_err(|_| AppError::Unavailable)?
    .map_err(|e| {
        tracing::error!(error = %e, "PDF bukti tidak dapat dibuat");
        AppError::Unavailable
    })?;
    let suffix = if paper == Paper::A5 { "-a5" } else { "" };
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"bukti-ikrar-{index}{suffix}.pdf\""),
        ))
        .body(pdf))
}

/// The "download again" form's fields.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct RedownloadForm {
    #[serde(default)]
    #[zeroize(skip)]
    berkas: Option<String>,
    #[serde(default)]
    #[zeroize(skip)]
    kertas: Option<String>,
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
    path: web::Path<(u64, String)>,
    mut form: CsrfForm<RedownloadForm>,
) -> Result<HttpResponse, AppError> {
    let (index, token) = path.into_inner();
    let index = LogIndex(index);
    let nip = form.nip.trim().to_owned();
    let passphrase = Zeroizing::new(std::mem::take(&mut form.passphrase));
    let choice = FileChoice {
        berkas: form.berkas.take(),
        kertas: form.kertas.take(),
    };
    let failure = match receipt::redownload(&app, index, token.clone(), &nip, passphrase).await {
        Ok(full) => {
            let public = public(&app, index, token).await?;
            return deliver(&app, t.lang(), &public, full, &choice).await;
        }
        Err(SignError::PactNotFound) => return Err(AppError::NotFound),
        Err(SignError::Db(e)) => return Err(AppError::Db(e)),
        Err(SignError::Unavailable) => return Err(AppError::Unavailable),
        Err(e) => e,
    };
    let receipt = public(&app, index, token).await?;
    let t = t.returning_to(receipt.reference.path());
    page(&app, t, receipt, false, &csrf, &nip, Some(&failure)).await
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
