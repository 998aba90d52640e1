//! One employee's new activation code: `POST /admin/pegawai/{nip}/reset` issues it at once for
//! someone who has not activated, or asks for it (with a reason) for someone who has; `GET
//! /admin/reset` lists the open requests and a different superadmin approves or rejects them.

use super::confirm::ConfirmPage;
use super::nav::Nav;
use super::{Admin, MayChange, Superadmin};
use crate::domain::display::local_time;
use crate::i18n::Words;
use crate::service::resets::{self, Decided, Decision, ResetError, ResetOutcome};
use crate::service::roster::IssuedCode;
use crate::service::App;
use crate::web::csrf::{Csrf, CsrfForm, CsrfOnly};
use crate::web::error::{html, AppError};
use crate::web::form_flag::FormFlag;
use crate::web::lang::Tr;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin_kode.html")]
struct CodePage {
    t: Tr,
    nav: Nav,
    issued: IssuedCode,
    /// The unit page to go back to.
    back: String,
}

/// A short page that says what happened (or why not) and links back.
#[derive(Template)]
#[template(path = "admin_pesan.html")]
struct NoticePage {
    t: Tr,
    nav: Nav,
    heading: String,
    message: String,
    error: bool,
    back: String,
}

fn code_page<R: super::Requirement>(
    admin: &Admin<R>,
    csrf: &Csrf,
    issued: IssuedCode,
    back: String,
) -> HttpResponse {
    html(
        StatusCode::OK,
        &CodePage {
            t: admin.t.clone().returning_to(back.clone()),
            nav: Nav::new(admin, csrf),
            issued,
            back,
        },
    )
}

/// "A new code for this employee?": the unused code they hold stops working.
fn reset_confirmation(
    admin: &Admin<MayChange>,
    csrf: &Csrf,
    nip: &str,
    back: String,
) -> HttpResponse {
    let t = admin.t.clone().returning_to(back.clone());
    let lang = t.lang();
    let masked = ikrar_log::nip::mask(nip);
    ConfirmPage {
        heading: lang.fill("confirm.code_heading", &[("nip", &masked)]),
        nav: Nav::new(admin, csrf),
        lines: vec![
            lang.text("confirm.code_replaced").to_owned(),
            lang.text("confirm.codes_not_kept").to_owned(),
        ],
        action: format!("/admin/pegawai/{nip}/reset"),
        fields: vec![("kembali".into(), back.clone())],
        buttons: vec![(
            "buat".into(),
            "ya".into(),
            lang.text("admin.new_code").to_owned(),
        )],
        after_submit: None,
        back,
        t,
    }
    .respond()
}

/// A short page that says what happened, or why not, with a link back to `back`.
pub(super) fn notice<R: super::Requirement>(
    admin: &Admin<R>,
    csrf: &Csrf,
    status: StatusCode,
    message: String,
    back: &str,
) -> HttpResponse {
    let t = admin.t.clone().returning_to(back.to_owned());
    let heading = t.s(if status.is_success() {
        "reset.done_title"
    } else {
        "reset.refused_title"
    });
    html(
        status,
        &NoticePage {
            heading: heading.to_owned(),
            nav: Nav::new(admin, csrf),
            message,
            error: !status.is_success(),
            back: back.to_owned(),
            t,
        },
    )
}

fn refusal_status(e: &ResetError) -> Result<StatusCode, AppError> {
    match e {
        ResetError::NotFound => Err(AppError::NotFound),
        ResetError::Db(_) => Err(AppError::Unavailable),
        ResetError::OwnRequest | ResetError::BoundRequester => Ok(StatusCode::FORBIDDEN),
        ResetError::ReasonRequired => Ok(StatusCode::UNPROCESSABLE_ENTITY),
        ResetError::AlreadyRequested | ResetError::Decided => Ok(StatusCode::CONFLICT),
    }
}

/// The reset form: the reason, needed when the employee has activated.
#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    alasan: String,
    #[serde(default)]
    konfirmasi: FormFlag,
    /// The unit page the admin came from, to go back to.
    #[serde(default)]
    kembali: String,
}

crate::web::csrf::csrf_token_field!(ResetForm);

/// Issues the code, or opens a request for it; a unit-admin only in their own units.
#[post("/admin/pegawai/{nip}/reset")]
pub async fn reset_code(
    app: web::Data<App>,
    admin: Admin<MayChange>,
    csrf: Csrf,
    nip: web::Path<String>,
    form: CsrfForm<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let who = admin.actor.clone();
    let limit = admin.signed_in.scope();
    let form = form.into_inner();
    let back = match form.kembali.as_str() {
        "" => "/admin".to_owned(),
        given => crate::web::lang::safe_back(given).to_owned(),
    };
    // A new code without a reason is issued at once: ask first (a request with a reason is
    // itself only a request, decided by another superadmin).
    if form.alasan.trim().is_empty() && !form.konfirmasi.is_yes() {
        return Ok(reset_confirmation(&admin, &csrf, &nip, back));
    }
    let (nip, reason) = (nip.into_inner(), form.alasan);
    let outcome = resets::request_or_issue(&app, nip, reason, limit, who).await;
    let lang = admin.t.lang();
    match outcome {
        Ok(ResetOutcome::Issued(issued)) => Ok(code_page(&admin, &csrf, issued, back)),
        Ok(ResetOutcome::Requested { nip, name }) => {
            let message = lang.fill("reset.requested", &[("name", &name), ("nip", &nip)]);
            Ok(notice(&admin, &csrf, StatusCode::OK, message, "/admin"))
        }
        Err(e) => {
            let status = refusal_status(&e)?;
            Ok(notice(&admin, &csrf, status, e.text(lang), "/admin"))
        }
    }
}

/// An open request as listed.
struct RequestRow {
    id: i64,
    nip: String,
    name: String,
    unit_code: String,
    reason: String,
    requested_by: String,
    requested_at: String,
    own: bool,
}

#[derive(Template)]
#[template(path = "admin_reset.html")]
struct RequestsPage {
    t: Tr,
    nav: Nav,
    requests: Vec<RequestRow>,
}

/// `GET /admin/reset`: the open requests, for a superadmin to decide.
#[get("/admin/reset")]
pub async fn show_requests(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
) -> Result<HttpResponse, AppError> {
    let tz = app.config.tz;
    let me = admin.signed_in.username.clone();
    let requests = resets::pending(&app)
        .await?
        .into_iter()
        .map(|(r, name, unit_code)| RequestRow {
            own: r.requested_by == me,
            id: r.id,
            nip: r.nip.to_string(),
            name,
            unit_code,
            reason: r.reason,
            requested_by: r.requested_by,
            requested_at: local_time(r.requested_at, tz),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &RequestsPage {
            t: admin.t.clone(),
            nav: Nav::new(&admin, &csrf),
            requests,
        },
    ))
}

/// `POST /admin/reset/{id}/setujui` or `/tolak`: decides a request of someone else; an
/// approval shows the new code, a rejection goes back to the list.
#[post("/admin/reset/{id}/{decision}")]
pub async fn decide(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
    path: web::Path<(i64, Decision)>,
    _checked: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let (id, decision) = path.into_inner();
    let back = "/admin/reset";
    match resets::decide(&app, id, decision, admin.actor.clone()).await {
        Ok(Decided::Approved(issued)) => Ok(code_page(&admin, &csrf, issued, back.to_owned())),
        Ok(Decided::Rejected) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, back))
            .finish()),
        Err(e) => {
            let status = refusal_status(&e)?;
            let text = e.text(admin.t.lang());
            Ok(notice(&admin, &csrf, status, text, back))
        }
    }
}
