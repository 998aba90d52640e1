//! The employee's pages: open pacts, activation, reading and signing a pact.

use super::csrf::{CookieNames, Csrf, CsrfForm};
use super::error::{html, AppError};
use super::lang::Tr;
use super::receipt::grant_cookie;
use crate::domain::display::{clock_in, local_time_in};
use crate::i18n::{Lang, Words};
use crate::service::activation::{self, ActivationError, ActivationRequest};
use crate::service::pacts::{self, StoredPact};
use crate::service::signing::{self, SignError, SignRequest};
use crate::service::App;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ikrar_log::pact::Pact;
use ikrar_log::values::now_seconds;
use serde::Deserialize;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A pact as listed on the home page.
struct PactSummary {
    id: String,
    title: String,
    open: bool,
    window: Option<String>,
}

impl PactSummary {
    fn new(pact: &StoredPact, tz: Tz, lang: Lang) -> PactSummary {
        let time = |at| local_time_in(at, tz, lang);
        let window = match (pact.opens_at, pact.closes_at) {
            (Some(open), Some(close)) => Some(lang.fill(
                "window.between",
                &[("open", &time(open)), ("close", &time(close))],
            )),
            (Some(open), None) => Some(lang.fill("window.from", &[("open", &time(open))])),
            (None, Some(close)) => Some(lang.fill("window.until", &[("close", &time(close))])),
            (None, None) => None,
        };
        PactSummary {
            id: pact.id.to_string(),
            title: pact.title.clone(),
            open: pact.is_open(now_seconds()),
            window,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "beranda.html")]
struct HomePage {
    t: Tr,
    pacts: Vec<PactSummary>,
}

/// `GET /`: the pacts, open ones first.
#[get("/")]
pub async fn home(app: web::Data<App>, t: Tr) -> Result<impl Responder, AppError> {
    let tz = app.config.tz;
    let mut pacts: Vec<PactSummary> = pacts::all(&app)
        .await?
        .iter()
        .map(|p| PactSummary::new(p, tz, t.lang()))
        .collect();
    pacts.sort_by_key(|p| !p.open);
    Ok(HomePage { t, pacts })
}

#[derive(Template)]
#[template(path = "aktivasi.html")]
struct ActivationPage<'a> {
    t: Tr,
    csrf_token: &'a str,
    nip: &'a str,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "aktivasi_selesai.html")]
struct ActivatedPage {
    t: Tr,
    done: String,
}

/// The activation form's fields (INTERFACE.md).
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct ActivationForm {
    #[serde(default)]
    nip: String,
    #[serde(default)]
    kode_aktivasi: String,
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    passphrase_ulang: String,
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(ActivationForm);

/// `GET /aktivasi`: the activation form.
#[get("/aktivasi")]
pub async fn activation_form(csrf: Csrf, t: Tr) -> HttpResponse {
    html(
        StatusCode::OK,
        &ActivationPage {
            t,
            csrf_token: csrf.token(),
            nip: "",
            error: None,
        },
    )
}

/// `POST /aktivasi`: sets the passphrase and creates the key.
#[post("/aktivasi")]
pub async fn activate(
    app: web::Data<App>,
    csrf: Csrf,
    t: Tr,
    mut form: CsrfForm<ActivationForm>,
) -> Result<HttpResponse, AppError> {
    let nip = form.nip.trim().to_owned();
    let request = ActivationRequest {
        nip: nip.clone(),
        code: Zeroizing::new(std::mem::take(&mut form.kode_aktivasi)),
        passphrase: Zeroizing::new(std::mem::take(&mut form.passphrase)),
        passphrase_again: Zeroizing::new(std::mem::take(&mut form.passphrase_ulang)),
    };
    let status = match activation::activate(&app, request).await {
        Ok(done) => {
            return Ok(html(
                StatusCode::OK,
                &ActivatedPage {
                    done: t.lang().fill(
                        "activate.done",
                        &[("name", &done.name), ("nip", &done.nip.masked())],
                    ),
                    t,
                },
            ))
        }
        Err(ActivationError::Db(e)) => return Err(AppError::Db(e)),
        Err(ActivationError::Unavailable) => return Err(AppError::Unavailable),
        Err(e) => {
            let text = match &e {
                ActivationError::Locked(until) => locked_text(&app, t.lang(), *until),
                other => other.text(t.lang()),
            };
            (activation_status(&e), text)
        }
    };
    Ok(html(
        status.0,
        &ActivationPage {
            t,
            csrf_token: csrf.token(),
            nip: &nip,
            error: Some(status.1),
        },
    ))
}

fn activation_status(e: &ActivationError) -> StatusCode {
    match e {
        ActivationError::BadCredentials => StatusCode::FORBIDDEN,
        ActivationError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

#[derive(Template)]
#[template(path = "pakta.html")]
struct PactPage<'a> {
    t: Tr,
    csrf_token: &'a str,
    pact: PactSummary,
    paragraphs: Vec<String>,
    digest: String,
    nip: &'a str,
    error: Option<String>,
    receipt: Option<String>,
    /// Whether to show the ways out of a refused NIP and passphrase (activate; new code).
    help: bool,
}

/// The signing form's fields (INTERFACE.md).
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct SignForm {
    #[serde(default)]
    nip: String,
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    setuju: String,
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(SignForm);

async fn load_pact(app: &App, id: &str) -> Result<std::sync::Arc<StoredPact>, AppError> {
    app.pact(id).await?.ok_or(AppError::NotFound)
}

fn pact_page<'a>(
    app: &App,
    t: Tr,
    pact: &StoredPact,
    csrf_token: &'a str,
    nip: &'a str,
    failure: Option<&SignError>,
) -> PactPage<'a> {
    let paragraphs = Pact {
        id: pact.id.clone(),
        title: pact.title.clone(),
        body: pact.body.clone(),
    }
    .paragraphs()
    .into_iter()
    .map(str::to_owned)
    .collect();
    let receipt = match failure {
        Some(SignError::AlreadySigned(receipt)) => Some(receipt.path()),
        _ => None,
    };
    PactPage {
        csrf_token,
        pact: PactSummary::new(pact, app.config.tz, t.lang()),
        paragraphs,
        digest: pact.sha256.to_string(),
        nip,
        error: failure.map(|e| match e {
            SignError::Locked(until) => locked_text(app, t.lang(), *until),
            other => other.text(t.lang()),
        }),
        receipt,
        help: matches!(failure, Some(SignError::BadCredentials)),
        t,
    }
}

/// Why a NIP is refused for now, and from what time (in the deployment's zone) it may try again.
pub(super) fn locked_text(app: &App, lang: Lang, until: DateTime<Utc>) -> String {
    let time = clock_in(until.naive_utc(), app.config.tz, lang);
    lang.fill("sign.locked_until", &[("time", &time)])
}

/// `GET /pakta/{id}`: the pact's text and the signing form.
#[get("/pakta/{id}")]
pub async fn show_pact(
    app: web::Data<App>,
    csrf: Csrf,
    t: Tr,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let pact = load_pact(&app, &id).await?;
    Ok(html(
        StatusCode::OK,
        &pact_page(&app, t, &pact, csrf.token(), "", None),
    ))
}

/// `POST /pakta/{id}/tanda-tangan`: signs; `303` to the receipt, or the form again with the
/// reason.
#[post("/pakta/{id}/tanda-tangan")]
pub async fn sign(
    app: web::Data<App>,
    req: HttpRequest,
    csrf: Csrf,
    t: Tr,
    id: web::Path<String>,
    mut form: CsrfForm<SignForm>,
) -> Result<HttpResponse, AppError> {
    let nip = form.nip.trim().to_owned();
    let request = SignRequest {
        pact_id: id.clone(),
        nip: nip.clone(),
        passphrase: Zeroizing::new(std::mem::take(&mut form.passphrase)),
        agreed: form.setuju == "ya",
    };
    let names = CookieNames::of(&req);
    let failure = match signing::sign(&app, request).await {
        // The browser that signed may download the full receipt for a while.
        Ok(receipt) => {
            return Ok(HttpResponse::SeeOther()
                .cookie(grant_cookie(&app, names, receipt.index))
                .insert_header((header::LOCATION, receipt.path()))
                .finish())
        }
        Err(SignError::PactNotFound) => return Err(AppError::NotFound),
        Err(SignError::Db(e)) => return Err(AppError::Db(e)),
        Err(SignError::Unavailable) => return Err(AppError::Unavailable),
        Err(e) => e,
    };
    let pact = load_pact(&app, &id).await?;
    let t = t.returning_to(format!("/pakta/{}", pact.id));
    let page = pact_page(&app, t, &pact, csrf.token(), &nip, Some(&failure));
    let mut response = html(sign_status(&failure), &page);
    if let SignError::AlreadySigned(receipt) = &failure {
        // The passphrase was right: the signer may download their receipt again.
        response
            .add_cookie(&grant_cookie(&app, names, receipt.index))
            .map_err(|_| AppError::Unavailable)?;
    }
    Ok(response)
}

fn sign_status(e: &SignError) -> StatusCode {
    match e {
        SignError::BadCredentials | SignError::PactClosed | SignError::PactNotYetOpen => {
            StatusCode::FORBIDDEN
        }
        SignError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
        SignError::AlreadySigned(_) => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}
