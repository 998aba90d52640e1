//! The employee's pages: open pacts, activation, reading and signing a pact.

use super::csrf::{CookieNames, Csrf, CsrfForm};
use super::error::{html, AppError};
use super::form_flag::FormFlag;
use super::lang::Tr;
use super::pact_text::{text_blocks, TextBlock};
use super::receipt::grant_cookie;
use crate::domain::display::{clock_in, local_time_in};
use crate::i18n::{Lang, Words};
use crate::service::activation::{self, ActivationError, ActivationRequest};
use crate::service::pacts::{self, StoredPact};
use crate::service::signing::{self, SignError, SignRequest};
use crate::service::App;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie};
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse, Responder};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ikrar_log::nip::Nip;
use ikrar_log::values::{now_seconds, PactId};
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
    /// Where "sign" leads: straight to the pact when exactly one is open.
    sign_href: String,
}

/// Where the way to signing leads: the only open pact, or the list of pacts.
fn sign_href(pacts: &[PactSummary]) -> String {
    let mut open = pacts.iter().filter(|p| p.open);
    match (open.next(), open.next()) {
        (Some(only), None) => format!("/pakta/{}", only.id),
        _ => "/#pakta".to_owned(),
    }
}

async fn summaries(app: &App, lang: Lang) -> Result<Vec<PactSummary>, AppError> {
    let tz = app.config.tz;
    let mut pacts: Vec<PactSummary> = pacts::all(app)
        .await?
        .iter()
        .map(|p| PactSummary::new(p, tz, lang))
        .collect();
    pacts.sort_by_key(|p| !p.open);
    Ok(pacts)
}

/// `GET /`: the pacts, open ones first.
#[get("/")]
pub async fn home(app: web::Data<App>, t: Tr) -> Result<impl Responder, AppError> {
    let pacts = summaries(&app, t.lang()).await?;
    Ok(HomePage {
        sign_href: sign_href(&pacts),
        t,
        pacts,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "bantuan.html")]
struct HelpPage {
    t: Tr,
}

/// `GET /bantuan`: first time, a forgotten passphrase, the bukti, who sees what.
#[get("/bantuan")]
pub async fn help(t: Tr) -> impl Responder {
    HelpPage { t }
}

#[derive(Template)]
#[template(path = "aktivasi.html")]
struct ActivationPage<'a> {
    t: Tr,
    csrf_token: &'a str,
    nip: &'a str,
    /// The code as typed, kept when only the passphrase was refused.
    code: &'a str,
    error: Option<String>,
    /// The field to fix, focused (and so scrolled to) when the page is shown again.
    focus: &'static str,
}

#[derive(Template)]
#[template(path = "aktivasi_selesai.html")]
struct ActivatedPage {
    t: Tr,
    done: String,
    /// The one tap to signing: the open pact when it is the only one, else the list.
    next_href: String,
    next_label: String,
}

/// The activation page's next step.
fn next_step(pacts: &[PactSummary], lang: Lang) -> (String, String) {
    let href = sign_href(pacts);
    let label = match pacts.iter().find(|p| format!("/pakta/{}", p.id) == href) {
        Some(pact) => lang.fill("activate.to_pact", &[("title", &pact.title)]),
        None => lang.text("activate.to_pacts").to_owned(),
    };
    (href, label)
}

/// The cookie that fills in the signing form with the NIP just activated, for an hour.
fn signer_cookie(names: CookieNames, nip: &Nip) -> Cookie<'static> {
    let mut cookie = names.cookie(names.signer, nip.as_str().to_owned());
    cookie.set_max_age(CookieDuration::hours(1));
    cookie
}

/// The NIP to fill in: the one activated in this browser, if any.
fn remembered_nip(req: &HttpRequest) -> String {
    req.cookie(CookieNames::of(req).signer)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_default()
}

/// The activation form's fields (docs/INTERFACE.md).
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
            code: "",
            error: None,
            focus: "",
        },
    )
}

/// `POST /aktivasi`: sets the passphrase and creates the key.
#[post("/aktivasi")]
pub async fn activate(
    app: web::Data<App>,
    req: HttpRequest,
    csrf: Csrf,
    t: Tr,
    mut form: CsrfForm<ActivationForm>,
) -> Result<HttpResponse, AppError> {
    let nip = form.nip.trim().to_owned();
    let code = Zeroizing::new(std::mem::take(&mut form.kode_aktivasi));
    let request = ActivationRequest {
        nip: nip.clone(),
        code: code.clone(),
        passphrase: Zeroizing::new(std::mem::take(&mut form.passphrase)),
        passphrase_again: Zeroizing::new(std::mem::take(&mut form.passphrase_ulang)),
    };
    let status = match activation::activate(&app, request).await {
        Ok(done) => {
            let (next_href, next_label) = next_step(&summaries(&app, t.lang()).await?, t.lang());
            let mut response = html(
                StatusCode::OK,
                &ActivatedPage {
                    done: t.lang().fill(
                        "activate.done",
                        &[("name", &done.name), ("nip", &done.nip.masked())],
                    ),
                    next_href,
                    next_label,
                    t,
                },
            );
            response
                .add_cookie(&signer_cookie(CookieNames::of(&req), &done.nip))
                .map_err(|_| AppError::Unavailable)?;
            return Ok(response);
        }
        Err(ActivationError::Db(e)) => return Err(AppError::Db(e)),
        Err(ActivationError::Unavailable) => return Err(AppError::Unavailable),
        Err(e) => {
            let text = match &e {
                ActivationError::Locked(until) => locked_text(&app, t.lang(), *until),
                other => other.text(t.lang()),
            };
            (activation_status(&e), text, e)
        }
    };
    let (status, text, refusal) = status;
    Ok(html(
        status,
        &ActivationPage {
            t,
            csrf_token: csrf.token(),
            nip: &nip,
            // What was typed stays, so that one wrong character is fixed, not retyped.
            code: &code,
            error: Some(text),
            focus: activation_focus(&refusal),
        },
    ))
}

/// The field a refused activation asks to fix.
fn activation_focus(e: &ActivationError) -> &'static str {
    match e {
        ActivationError::InvalidNip(_) => "nip",
        ActivationError::BadCredentials => "kode_aktivasi",
        ActivationError::Weak(_) | ActivationError::PassphraseMismatch => "passphrase",
        _ => "",
    }
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
    blocks: Vec<TextBlock>,
    digest: String,
    nip: &'a str,
    /// The agreement box as it was sent.
    agreed: bool,
    /// The field a refusal asks to fix, focused when the page is shown again.
    focus: &'static str,
    error: Option<String>,
    receipt: Option<String>,
}

/// The signing form's fields (docs/INTERFACE.md).
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct SignForm {
    #[serde(default)]
    nip: String,
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    #[zeroize(skip)]
    setuju: FormFlag,
    #[serde(default)]
    csrf_token: String,
}

crate::web::csrf::csrf_token_field!(SignForm);

async fn load_pact(app: &App, id: &PactId) -> Result<std::sync::Arc<StoredPact>, AppError> {
    app.pact(id).await?.ok_or(AppError::NotFound)
}

/// What the signer typed, shown again after a refusal (never the passphrase).
struct Typed<'a> {
    nip: &'a str,
    agreed: bool,
}

fn pact_page<'a>(
    app: &App,
    t: Tr,
    pact: &StoredPact,
    csrf_token: &'a str,
    typed: Typed<'a>,
    failure: Option<&SignError>,
) -> PactPage<'a> {
    let receipt = match failure {
        Some(SignError::AlreadySigned(receipt)) => Some(receipt.path()),
        _ => None,
    };
    PactPage {
        csrf_token,
        pact: PactSummary::new(pact, app.config.tz, t.lang()),
        blocks: text_blocks(pact),
        digest: pact.sha256.to_string(),
        nip: typed.nip,
        agreed: typed.agreed,
        focus: failure.map_or("", sign_focus),
        error: failure.map(|e| refusal_text(app, t.lang(), e)),
        receipt,
        t,
    }
}

/// The field a refused signature asks to fix.
fn sign_focus(e: &SignError) -> &'static str {
    match e {
        SignError::NotAgreed => "setuju",
        SignError::InvalidNip(_) => "nip",
        SignError::BadCredentials | SignError::KeyReplaced(_) => "passphrase",
        _ => "",
    }
}

/// Why a NIP is refused for now, and from what time (in the deployment's zone) it may try again.
pub(super) fn locked_text(app: &App, lang: Lang, until: DateTime<Utc>) -> String {
    let time = clock_in(until.naive_utc(), app.config.tz, lang);
    lang.fill("sign.locked_until", &[("time", &time)])
}

/// What a refused signature (or receipt download) says, with its times in the site's zone.
pub(super) fn refusal_text(app: &App, lang: Lang, e: &SignError) -> String {
    match e {
        SignError::Locked(until) => locked_text(app, lang, *until),
        SignError::KeyReplaced(at) => {
            let time = local_time_in(at.naive_utc(), app.config.tz, lang);
            lang.fill("sign.key_replaced", &[("time", &time)])
        }
        other => other.text(lang),
    }
}

/// `GET /pakta/{id}`: the pact's text and the signing form.
#[get("/pakta/{id}")]
pub async fn show_pact(
    app: web::Data<App>,
    req: HttpRequest,
    csrf: Csrf,
    t: Tr,
    id: web::Path<PactId>,
) -> Result<HttpResponse, AppError> {
    let pact = load_pact(&app, &id).await?;
    let nip = remembered_nip(&req);
    let typed = Typed {
        nip: &nip,
        agreed: false,
    };
    Ok(html(
        StatusCode::OK,
        &pact_page(&app, t, &pact, csrf.token(), typed, None),
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
    id: web::Path<PactId>,
    mut form: CsrfForm<SignForm>,
) -> Result<HttpResponse, AppError> {
    let nip = form.nip.trim().to_owned();
    let agreed = form.setuju.is_yes();
    let request = SignRequest {
        pact_id: id.clone(),
        nip: nip.clone(),
        passphrase: Zeroizing::new(std::mem::take(&mut form.passphrase)),
        agreed,
    };
    let names = CookieNames::of(&req);
    let failure = match signing::sign(&app, request).await {
        // The browser that signed may download the full receipt for a while.
        // The NIP filled in after activation is forgotten once it has signed.
        Ok(receipt) => {
            let mut forget = names.cookie(names.signer, String::new());
            forget.make_removal();
            return Ok(HttpResponse::SeeOther()
                .cookie(grant_cookie(&app, names, receipt.index))
                .cookie(forget)
                .insert_header((header::LOCATION, receipt.path()))
                .finish());
        }
        Err(SignError::PactNotFound) => return Err(AppError::NotFound),
        Err(SignError::Db(e)) => return Err(AppError::Db(e)),
        Err(SignError::Unavailable) => return Err(AppError::Unavailable),
        Err(e) => e,
    };
    let pact = load_pact(&app, &id).await?;
    let t = t.returning_to(format!("/pakta/{}", pact.id));
    let typed = Typed { nip: &nip, agreed };
    let page = pact_page(&app, t, &pact, csrf.token(), typed, Some(&failure));
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
        SignError::BadCredentials
        | SignError::KeyReplaced(_)
        | SignError::PactClosed
        | SignError::PactNotYetOpen => StatusCode::FORBIDDEN,
        SignError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
        SignError::AlreadySigned(_) => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}
