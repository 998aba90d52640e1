//! Roster management through the web: upload a CSV, see what would change and every bad line,
//! then import it atomically; and activation codes per unit for distribution.

use super::confirm::ConfirmPage;
use super::employees::notice;
use super::nav::Nav;
use super::{stream_download, Admin, MayChange, Superadmin};
use crate::domain::display::clock_in;
use crate::domain::file_format::FileFormat;
use crate::domain::roster::RowError;
use crate::i18n::Words;
use crate::service::roster::{self, BatchRefusal, CheckedUpload, CodePlan, ImportOutcome};
use crate::service::App;
use crate::web::csrf::{Csrf, CsrfForm};
use crate::web::error::{html, AppError};
use crate::web::form_flag::FormFlag;
use crate::web::lang::Tr;
use crate::web::upload::{CsrfMultipart, UploadFailure, UploadLimits};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// Largest roster accepted through the web (a ministry's roster is a few MiB).
const MAX_UPLOAD: usize = 32 * 1024 * 1024;
/// A roster upload's bounds: the file, the whole body (token and framing besides), and the time
/// for it to arrive (32 MiB at 2 Mbit/s, with room to spare).
const UPLOAD_LIMITS: UploadLimits = UploadLimits {
    file: MAX_UPLOAD,
    body: MAX_UPLOAD + 64 * 1024,
    time: std::time::Duration::from_secs(180),
};
/// Bad lines shown on the page (the CLI's `--report` lists them all).
const ERRORS_SHOWN: usize = 500;

/// What the page shows: the form, a preview, or the result.
enum Stage {
    Form,
    Preview {
        upload_id: String,
        file_name: String,
    },
    Done,
}

#[derive(Template)]
#[template(path = "admin_roster.html")]
struct RosterPage {
    t: Tr,
    nav: Nav,
    stage: Stage,
    outcome: Option<ImportOutcome>,
    errors: Vec<RowError>,
    more_errors: usize,
    more_errors_text: String,
    done_text: String,
    message: Option<String>,
}

impl RosterPage {
    fn new(
        t: Tr,
        nav: Nav,
        stage: Stage,
        outcome: Option<ImportOutcome>,
        message: Option<String>,
    ) -> RosterPage {
        let errors: Vec<RowError> = outcome
            .as_ref()
            .map(|o| o.errors.iter().take(ERRORS_SHOWN).cloned().collect())
            .unwrap_or_default();
        let more_errors = outcome
            .as_ref()
            .map_or(0, |o| o.errors.len().saturating_sub(ERRORS_SHOWN));
        let lang = t.lang();
        let more_errors_text = lang.fill("admin.more_errors", &[("n", &more_errors.to_string())]);
        let done_text = outcome.as_ref().map_or_else(String::new, |o| {
            lang.fill(
                "admin.import_done",
                &[
                    ("added", &o.added.to_string()),
                    ("updated", &o.updated.to_string()),
                    ("skipped", &(o.total_rows - o.valid_rows).to_string()),
                ],
            )
        });
        RosterPage {
            t,
            nav,
            stage,
            outcome,
            errors,
            more_errors,
            more_errors_text,
            done_text,
            message,
        }
    }
}

/// `GET /admin/roster`: the upload form (superadmin).
#[get("/admin/roster")]
pub async fn show_upload(admin: Admin<Superadmin>, csrf: Csrf) -> Result<HttpResponse, AppError> {
    Ok(html(
        StatusCode::OK,
        &RosterPage::new(
            admin.t.clone(),
            Nav::new(&admin, &csrf),
            Stage::Form,
            None,
            None,
        ),
    ))
}

/// `POST /admin/roster`: checks the file and shows what importing it would do.
#[post("/admin/roster")]
pub async fn upload(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
    form: CsrfMultipart,
) -> Result<HttpResponse, AppError> {
    // `Admin<Superadmin>` refused anyone else before a byte of the body was read.
    let read = form.read(&csrf, "berkas", UPLOAD_LIMITS).await;
    let nav = Nav::new(&admin, &csrf);
    let (file_name, body) = match read {
        Ok(file) if file.name.is_empty() => ("roster.csv".to_owned(), file.bytes),
        Ok(file) => (file.name, file.bytes),
        Err(UploadFailure::Csrf) => return Err(AppError::Csrf),
        Err(message) => {
            let page = RosterPage::new(
                admin.t.clone(),
                nav,
                Stage::Form,
                None,
                Some(message.text(admin.t.lang())),
            );
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let checked = roster::check_upload(&app, admin.signed_in.id, file_name.clone(), body).await?;
    match checked {
        Ok(CheckedUpload { upload_id, outcome }) => {
            let stage = Stage::Preview {
                upload_id,
                file_name,
            };
            Ok(html(
                StatusCode::OK,
                &RosterPage::new(admin.t.clone(), nav, stage, Some(outcome), None),
            ))
        }
        Err(message) => {
            let page = RosterPage::new(
                admin.t.clone(),
                nav,
                Stage::Form,
                None,
                Some(admin.t.lang().fill(
                    "roster_upload.unreadable",
                    &[
                        ("file", &file_name),
                        ("detail", &message.text(admin.t.lang())),
                    ],
                )),
            );
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// The confirmation form.
#[derive(Deserialize)]
pub struct Confirm {
    #[serde(default)]
    csrf_token: String,
    /// `ya` to import the good rows even when some are bad.
    #[serde(default)]
    lewati: String,
}

crate::web::csrf::csrf_token_field!(Confirm);

/// `POST /admin/roster/{id}`: imports an upload, all or nothing unless told to skip bad rows.
#[post("/admin/roster/{id}")]
pub async fn confirm(
    app: web::Data<App>,
    admin: Admin<Superadmin>,
    csrf: Csrf,
    id: web::Path<String>,
    form: CsrfForm<Confirm>,
) -> Result<HttpResponse, AppError> {
    let who = admin.actor.clone();
    let upload_id = id.into_inner();
    let imported = roster::import_upload(
        &app,
        upload_id.clone(),
        admin.signed_in.id,
        form.lewati == "ya",
        who,
    )
    .await?;
    let (file_name, outcome) = imported.ok_or(AppError::NotFound)?;
    let nav = Nav::new(&admin, &csrf);
    let t = admin.t.clone().returning_to("/admin/roster");
    if outcome.written {
        Ok(html(
            StatusCode::OK,
            &RosterPage::new(t, nav, Stage::Done, Some(outcome), None),
        ))
    } else {
        let message = Some(admin.t.s("roster_upload.aborted").to_owned());
        let stage = Stage::Preview {
            upload_id,
            file_name,
        };
        Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RosterPage::new(t, nav, stage, Some(outcome), message),
        ))
    }
}

/// `format=csv|xlsx`, `konfirmasi=ya` once confirmed, `kembali` the unit page to go back to.
#[derive(Deserialize)]
pub struct CodesForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    format: FileFormat,
    #[serde(default)]
    konfirmasi: FormFlag,
    #[serde(default)]
    kembali: String,
    /// The batch this confirmation makes (made once, however often the form is sent).
    #[serde(default)]
    kumpulan: String,
}

crate::web::csrf::csrf_token_field!(CodesForm);

/// `POST /admin/unit/{code}/kode`: fresh activation codes for the unit's employees who have not
/// activated, as CSV or XLSX (earlier unused codes of theirs stop working). Asks first, saying
/// how many codes handed out earlier will stop working.
#[post("/admin/unit/{code}/kode")]
pub async fn unit_codes(
    app: web::Data<App>,
    admin: Admin<MayChange>,
    csrf: Csrf,
    code: web::Path<String>,
    form: CsrfForm<CodesForm>,
) -> Result<HttpResponse, AppError> {
    let unit = code.into_inner();
    admin.require(admin.signed_in.scope().allows(&unit))?;
    let back = crate::web::lang::safe_back(&form.kembali).to_owned();
    if !form.konfirmasi.is_yes() || !roster::is_batch_id(&form.kumpulan) {
        let plan = roster::unit_code_plan(&app, unit.clone()).await?;
        return Ok(codes_confirmation(&admin, &csrf, &unit, plan, &form, back));
    }
    let who = admin.actor.clone();
    let batch = form.kumpulan.clone();
    let issued = match roster::issue_unit_codes(&app, unit.clone(), batch, who).await {
        Ok(issued) => issued,
        Err(BatchRefusal::Db(e)) => return Err(AppError::Db(e)),
        Err(BatchRefusal::AlreadyMade(made)) => {
            let lang = admin.t.lang();
            let message = lang.fill(
                "confirm.codes_already_made",
                &[
                    ("time", &clock_in(made.made_at, app.config.tz, lang)),
                    ("who", &made.made_by),
                    ("count", &made.codes.to_string()),
                    ("unit", &made.unit_code),
                ],
            );
            return Ok(notice(&admin, &csrf, StatusCode::CONFLICT, message, &back));
        }
    };
    let format = form.format;
    let file_name = format!("kode-aktivasi-{unit}.{}", format.extension());
    Ok(stream_download(
        format.content_type(),
        &file_name,
        move |out| roster::write_codes(&issued, format, out),
    ))
}

/// "New codes for this unit?", with what it will do.
fn codes_confirmation(
    admin: &Admin<MayChange>,
    csrf: &Csrf,
    unit: &str,
    plan: CodePlan,
    form: &CodesForm,
    back: String,
) -> HttpResponse {
    let t = admin.t.clone().returning_to(back.clone());
    let lang = t.lang();
    let count = |n: i64| n.to_string();
    let mut lines = vec![lang.fill(
        "confirm.codes_replaced",
        &[("replaced", &count(plan.replaced))],
    )];
    lines.push(lang.fill(
        "confirm.codes_for",
        &[("count", &count(plan.unactivated)), ("unit", unit)],
    ));
    lines.push(lang.text("confirm.codes_not_kept").to_owned());
    let format = form.format.extension();
    let label = if format == "xlsx" {
        "admin.download_xlsx"
    } else {
        "admin.download_csv"
    };
    ConfirmPage {
        heading: lang.fill("confirm.codes_heading", &[("unit", unit)]),
        nav: Nav::new(admin, csrf),
        lines,
        action: format!("/admin/unit/{unit}/kode"),
        fields: vec![
            ("kembali".into(), back.clone()),
            ("kumpulan".into(), roster::new_batch_id()),
        ],
        buttons: vec![("format".into(), format.into(), lang.text(label).to_owned())],
        after_submit: Some(lang.fill("confirm.codes_made", &[("unit", unit)])),
        back,
        t,
    }
    .respond()
}
