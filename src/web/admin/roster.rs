//! Roster management through the web: upload a CSV, see what would change and every bad line,
//! then import it atomically; and activation codes per unit for distribution.

use super::dashboard::Nav;
use super::{actor, stream_download, Admin, MayChange, Superadmin};
use crate::db::roster_uploads;
use crate::domain::audit::AuditAction;
use crate::domain::roster::{self, RowError};
use crate::i18n::Words;
use crate::service::roster::{import, issue_unit_codes, ImportOptions, ImportOutcome};
use crate::service::App;
use crate::web::csrf::{Csrf, CsrfForm};
use crate::web::error::{html, AppError};
use crate::web::lang::Tr;
use crate::web::upload::{CsrfMultipart, UploadFailure, UploadLimits};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use askama::Template;
use ikrar_log::values::now_seconds;
use rand_core::{OsRng, RngCore};
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
    let today = app.config.today();
    let admin_id = admin.signed_in.id;
    let mut id_bytes = [0u8; 16];
    OsRng.fill_bytes(&mut id_bytes);
    let upload_id = hex::encode(id_bytes);
    let stored_id = upload_id.clone();
    let stored_name = file_name.clone();
    // Parsing is CPU work on its own thread, bounded in time and memory by the reader; it
    // holds no database connection.
    let (parsed, body) = web::block(move || (roster::parse_any(&body, today), body))
        .await
        .map_err(|_| AppError::Unavailable)?;
    let checked = app
        .db
        .run(move |conn| {
            let parsed = match parsed {
                Ok(parsed) => parsed,
                Err(e) => return Ok::<_, AppError>(Err(e)),
            };
            let options = ImportOptions {
                dry_run: true,
                ..ImportOptions::default()
            };
            let outcome = import(conn, parsed, options, now_seconds(), &mut |_| {})?;
            roster_uploads::store(
                conn,
                &stored_id,
                admin_id,
                &stored_name,
                &body,
                now_seconds(),
            )?;
            Ok(Ok(outcome))
        })
        .await?;
    match checked {
        Ok(outcome) => {
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
    req: HttpRequest,
    id: web::Path<String>,
    form: CsrfForm<Confirm>,
) -> Result<HttpResponse, AppError> {
    let (today, admin_id, who) = (
        app.config.today(),
        admin.signed_in.id,
        actor(&req, &admin.signed_in.username),
    );
    let skip_invalid = form.lewati == "ya";
    let upload_id = id.into_inner();
    let result = app
        .db
        .run(move |conn| {
            let Some((file_name, body)) = roster_uploads::find(conn, &upload_id, admin_id)? else {
                return Ok::<_, AppError>(None);
            };
            let parsed = roster::parse_any(&body, today).map_err(|_| AppError::NotFound)?;
            let options = ImportOptions {
                skip_invalid,
                ..ImportOptions::default()
            };
            let outcome = import(conn, parsed, options, now_seconds(), &mut |_| {})?;
            if outcome.written {
                roster_uploads::delete(conn, &upload_id)?;
                let detail = format!(
                    "{file_name}: {} baru, {} diperbarui, {} baris dilewati",
                    outcome.added,
                    outcome.updated,
                    outcome.total_rows - outcome.valid_rows
                );
                crate::db::audit::record(
                    conn,
                    &who,
                    AuditAction::RosterImport,
                    &detail,
                    now_seconds(),
                )?;
            }
            Ok(Some((upload_id, file_name, outcome)))
        })
        .await?;
    let (upload_id, file_name, outcome) = result.ok_or(AppError::NotFound)?;
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

/// `format=csv|xlsx`.
#[derive(Deserialize)]
pub struct CodesForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    format: String,
}

crate::web::csrf::csrf_token_field!(CodesForm);

/// `POST /admin/unit/{code}/kode`: fresh activation codes for the unit's employees who have not
/// activated, as CSV or XLSX (earlier unused codes of theirs stop working).
#[post("/admin/unit/{code}/kode")]
pub async fn unit_codes(
    app: web::Data<App>,
    admin: Admin<MayChange>,
    req: HttpRequest,
    code: web::Path<String>,
    form: CsrfForm<CodesForm>,
) -> Result<HttpResponse, AppError> {
    let unit = code.into_inner();
    admin.require(admin.signed_in.sees_unit(&unit))?;
    let who = actor(&req, &admin.signed_in.username);
    let issue_unit = unit.clone();
    let issued = app
        .db
        .run(move |conn| issue_unit_codes(conn, &issue_unit, &who, now_seconds()))
        .await?;
    let xlsx = form.format == "xlsx";
    let file_name = format!("kode-aktivasi-{unit}.{}", if xlsx { "xlsx" } else { "csv" });
    let content_type = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    Ok(stream_download(content_type, &file_name, move |out| {
        let rows: Vec<[&str; 4]> = issued
            .iter()
            .map(|c| {
                [
                    c.nip.as_str(),
                    c.code.as_str(),
                    c.name.as_str(),
                    c.unit_code.as_str(),
                ]
            })
            .collect();
        let header = ["nip", "kode_aktivasi", "nama", "unit_kode"];
        if xlsx {
            codes_xlsx(&header, &rows, out).map_err(|e| e.to_string())
        } else {
            let mut csv = crate::domain::csv_safe::SafeCsv::new(out);
            csv.text_row(header).map_err(|e| e.to_string())?;
            for row in rows {
                csv.text_row(row).map_err(|e| e.to_string())?;
            }
            csv.flush().map_err(|e| e.to_string())
        }
    }))
}

fn codes_xlsx(
    header: &[&str; 4],
    rows: &[[&str; 4]],
    out: impl std::io::Write + Send,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Kode aktivasi")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, name) in header.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (col, value) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, col as u16, *value)?;
        }
    }
    for (col, width) in [20.0, 18.0, 30.0, 16.0].iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_writer(out)
}
